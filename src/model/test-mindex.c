/* test-mindex.c: the folder index: interning, reply chains, reset, flags, expunges, memory per message. */
#include "skua.h"
#include "mindex.h"
#include "test-synth.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "hostile.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void make_msg(struct hcache_msg *m, uint32_t uid, const char *from, const char *subject,
		     const char *id, const char *irt, const char *refs)
{
	synth_fill(m, uid, 1000 + uid, from, subject, id, irt, refs);
}

static const char *str(const struct mindex *idx, mindex_id id)
{
	const char *s = mindex_str(idx, id, NULL);
	return s != NULL ? s : "(none)";
}

static void test_intern(void)
{
	struct mindex *idx = mindex_new();
	char big[MINDEX_MAX_STRING + 100], name[32];
	mindex_id a, b, e, n, ids[5000];
	size_t len;

	a = mindex_intern(idx, "alice@example.org", 17);
	b = mindex_intern(idx, "alice@example.org!", 17); /* only the first 17 bytes count */
	TEST_INTEQ(a, b);
	TEST_ASSERT(a != MINDEX_NONE);
	TEST_STREQ(mindex_str(idx, a, &len), "alice@example.org");
	TEST_INTEQ(len, 17);
	TEST_INTEQ(mindex_lookup(idx, "alice@example.org", 17), a);
	TEST_INTEQ(mindex_lookup(idx, "bob@example.org", 15), MINDEX_NONE);
	TEST_ASSERT(mindex_intern(idx, "Alice@example.org", 17) != a); /* case matters */
	e = mindex_intern(idx, "", 0); /* empty is a string, not "absent" */
	TEST_ASSERT(e != MINDEX_NONE && e != a);
	TEST_STREQ(mindex_str(idx, e, &len), "");
	TEST_INTEQ(len, 0);
	TEST_ASSERT(mindex_str(idx, MINDEX_NONE, &len) == NULL);
	n = mindex_intern(idx, "a\0b", 3); /* bytes, not C strings */
	TEST_ASSERT(n != mindex_intern(idx, "a", 1));
	TEST_ASSERT(memcmp(mindex_str(idx, n, &len), "a\0b", 3) == 0 && len == 3);
	memset(big, 'x', sizeof(big));
	a = mindex_intern(idx, big, sizeof(big));
	mindex_str(idx, a, &len);
	TEST_INTEQ(len, MINDEX_MAX_STRING);
	TEST_INTEQ(mindex_intern(idx, big, MINDEX_MAX_STRING), a);
	/* many strings: the table and the pool grow; every id still names its string */
	for (size_t i = 0; i < N_ELEMENTS(ids); i++) {
		snprintf(name, sizeof(name), "string-%zu", i);
		ids[i] = mindex_intern(idx, name, strlen(name));
	}
	for (size_t i = 0; i < N_ELEMENTS(ids); i++) {
		snprintf(name, sizeof(name), "string-%zu", i);
		TEST_STREQ(mindex_str(idx, ids[i], NULL), name);
		TEST_INTEQ(mindex_intern(idx, name, strlen(name)), ids[i]);
	}
	mindex_free(&idx);
	TEST_ASSERT(idx == NULL);
	mindex_free(&idx);
}

static void test_fields(void)
{
	struct mindex *idx = mindex_new();
	struct hcache_msg hm;
	const struct mindex_msg *m1, *m2;
	size_t p1, p2;

	make_msg(&hm, 7, "Bob <bob@x>", "Plan", "<a@x>", NULL, NULL);
	synth_set(&hm, HCACHE_TO, "list@x");
	synth_set(&hm, HCACHE_LIST_ID, "<list.x>");
	hm.flags = 3;
	hm.hints = HCACHE_HINT_ATTACHMENT;
	hm.modseq = 99;
	p1 = mindex_add(idx, &hm);
	make_msg(&hm, 9, "Bob <bob@x>", "Re: Plan", "<b@x>", "<a@x>", "<a@x>");
	synth_set(&hm, HCACHE_LIST_ID, "<list.x>");
	p2 = mindex_add(idx, &hm);
	TEST_INTEQ(mindex_count(idx), 2);
	m1 = mindex_get(idx, p1);
	m2 = mindex_get(idx, p2);
	TEST_INTEQ(m1->uid, 7);
	TEST_INTEQ(m1->flags, 3);
	TEST_INTEQ(m1->hints, HCACHE_HINT_ATTACHMENT);
	TEST_INTEQ(m1->modseq, 99);
	TEST_INTEQ(m1->date, 1007);
	TEST_INTEQ(m1->internaldate, 2007);
	TEST_INTEQ(m1->size, 700);
	TEST_STREQ(str(idx, m1->to), "list@x");
	TEST_STREQ(str(idx, m1->message_id), "a@x");
	TEST_INTEQ(m2->to, MINDEX_NONE);
	TEST_INTEQ(m1->from, m2->from);       /* one copy of a repeated sender */
	TEST_INTEQ(m1->list_id, m2->list_id);
	TEST_INTEQ(m2->in_reply_to, m1->message_id); /* a parent's id and its child's reference: one copy */
	TEST_ASSERT(mindex_get(idx, 2) == NULL);
	mindex_free(&idx);
}

/* One reply chain case: Message-ID, In-Reply-To, References in; the chain as "a b c" out. */
struct chain_case {
	const char *id, *irt, *refs;
	const char *want_id, *want_irt, *want_chain;
};

static const struct chain_case chain_cases[] = {
	{ "<m@x>", NULL, "<a@x> <b@x>", "m@x", NULL, "a@x b@x" },
	{ "<m@x>", "<b@x>", "<a@x>\t<b@x>", "m@x", "b@x", "a@x b@x" },  /* In-Reply-To already last */
	{ "<m@x>", "<c@x>", "<a@x> <b@x>", "m@x", "c@x", "a@x b@x c@x" }, /* In-Reply-To appended */
	{ "<m@x>", "<c@x>", NULL, "m@x", "c@x", "c@x" },
	{ "<m@x>", NULL, "<a@x> <b@x", "m@x", NULL, "a@x" },             /* unclosed at the end */
	{ "<m@x>", NULL, "<a@x <b@x>", "m@x", NULL, "b@x" },              /* '<' starts over */
	{ "<m@x>", NULL, "a@x> <b@x>", "m@x", NULL, "b@x" },              /* stray '>' */
	{ "<m@x>", NULL, "<> <a@x> <>", "m@x", NULL, "a@x" },             /* empty ids */
	{ "<m@x>", NULL, "", "m@x", NULL, "" },
	{ "<m@x>", NULL, "   ", "m@x", NULL, "" },
	{ "<m@x>", NULL, "a@x b@x", "m@x", NULL, "a@x b@x" },             /* brackets forgotten */
	{ "<m@x>", NULL, "no ids here", "m@x", NULL, "" },
	{ "<m@x>", NULL, ">a@x<", "m@x", NULL, "" },
	{ "m@x", "p@x (comment)", NULL, "m@x", "p@x", "p@x" },
	{ "  <m@x> (comment)", "Your message of Monday <p@x>", NULL, "m@x", "p@x", "p@x" },
	{ "<m@x>", "<p@x> <q@x>", NULL, "m@x", "p@x", "p@x" },           /* first In-Reply-To id */
	{ "<m@x>", NULL, "<a@x> <m@x> <b@x>", "m@x", NULL, "a@x b@x" },   /* itself left out */
	{ "<m@x>", "<m@x>", NULL, "m@x", "m@x", "" },
	{ "<a@x> <b@x>", NULL, NULL, "a@x", NULL, "" },
	{ "<>", "", NULL, NULL, NULL, "" },
	{ NULL, NULL, "<a@x> <a@x>", NULL, NULL, "a@x a@x" },
	{ "<m@x>", NULL, "<a b@x>", "m@x", NULL, "a b@x" },               /* blanks inside are kept */
	{ "<m@x>", "<a@x>>", "a@x>", "m@x", "a@x", "a@x> a@x" },          /* not "<last ref>": a bare one */
	{ "<m@x>", "<b@x>", "<a@x> <b@x>", "m@x", "b@x", "a@x b@x" },      /* exactly "<last ref>" */
	{ "<m@x>", " <b@x>", "<a@x> <b@x>", "m@x", "b@x", "a@x b@x" },
	{ "<0123456789abcdef@x>", NULL, "<0123456789abcde@x>", "0123456789abcdef@x", NULL,
	  "0123456789abcde@x" },                                            /* 16 and 17 bytes around the id */
	{ "<m@x>", NULL, "<0123456789abcdefghijklmnopqrstuvwxyz@example.org> <zyxwvutsrqponmlkjihgfedcba9876543210@x> <a>",
	  "m@x", NULL, "0123456789abcdefghijklmnopqrstuvwxyz@example.org zyxwvutsrqponmlkjihgfedcba9876543210@x a" },
	{ "<m@x>", NULL, "<0123456789abcdefghijklmnopqrstuvwxyz@example.org <a@x>>",
	  "m@x", NULL, "a@x" },                                             /* a '<' far into a long value */
};

static void chain_string(const struct mindex *idx, const struct mindex_msg *m, char *out, size_t size)
{
	mindex_id ids[MINDEX_MAX_REFS];
	size_t n = mindex_refs(idx, m, ids), len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i > 0 ? " " : "", str(idx, ids[i]));
}

/* Strings that look alike at both ends, and so may share a slot of mindex_add's cache of strings met
 * lately, stay apart; each keeps one id. */
static void test_lookalikes(void)
{
	static const char *const values[] = {
		"Some One <abcdefgh-1-ijklmnop@x>", "Some One <abcdefgh-2-ijklmnop@x>", "Some One <abcdefgh-3-ijklmnop@x>",
		"ab", "ba", "abc", "a", "", "Some One <abcdefgh-1-ijklmnop@x>",
	};
	struct mindex *idx = mindex_new();
	mindex_id ids[N_ELEMENTS(values)];
	struct hcache_msg hm;

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < N_ELEMENTS(values); i++) {
			const struct mindex_msg *m;

			make_msg(&hm, (uint32_t)(round * 100 + i + 1), values[i], values[N_ELEMENTS(values) - 1 - i],
				 NULL, NULL, NULL);
			m = mindex_get(idx, mindex_add(idx, &hm));
			TEST_STREQ(str(idx, m->from), values[i]);
			TEST_STREQ(str(idx, m->subject), values[N_ELEMENTS(values) - 1 - i]);
			if (round == 0)
				ids[i] = m->from;
			TEST_INTEQ(m->from, ids[i]);
			TEST_INTEQ(m->from, mindex_lookup(idx, values[i], strlen(values[i])));
		}
	}
	TEST_INTEQ(ids[0], ids[N_ELEMENTS(values) - 1]);
	for (size_t i = 0; i + 1 < N_ELEMENTS(values); i++) {
		for (size_t j = i + 1; j + 1 < N_ELEMENTS(values); j++)
			TEST_ASSERT(ids[i] != ids[j]);
	}
	mindex_free(&idx);
}

static void test_chains(void)
{
	struct mindex *idx = mindex_new();
	char got[512];

	for (size_t i = 0; i < N_ELEMENTS(chain_cases); i++) {
		const struct chain_case *c = &chain_cases[i];
		struct hcache_msg hm;
		const struct mindex_msg *m;

		make_msg(&hm, (uint32_t)i + 1, NULL, NULL, c->id, c->irt, c->refs);
		m = mindex_get(idx, mindex_add(idx, &hm));
		TEST_STREQ(str(idx, m->message_id), c->want_id ? c->want_id : "(none)");
		TEST_STREQ(str(idx, m->in_reply_to), c->want_irt ? c->want_irt : "(none)");
		chain_string(idx, m, got, sizeof(got));
		TEST_STREQ(got, c->want_chain);
		if (strcmp(got, c->want_chain) != 0)
			fprintf(stderr, "  case %zu: refs \"%s\"\n", i, c->refs ? c->refs : "(null)");
	}
	mindex_free(&idx);
}

static void test_long_chain(void)
{
	struct mindex *idx = mindex_new();
	char *refs = xmalloc(10000 * 24 + 1), want[MINDEX_MAX_REFS * 24 + 1], got[MINDEX_MAX_REFS * 24 + 1];
	size_t len = 0, wlen = 0;
	struct hcache_msg hm;
	const struct mindex_msg *m;
	mindex_id ids[MINDEX_MAX_REFS];

	for (int i = 0; i < 10000; i++)
		len += (size_t)sprintf(refs + len, "%s<id%d@x>", i > 0 ? "\r\n " : "", i);
	for (int i = 10000 - MINDEX_MAX_REFS; i < 10000; i++)
		wlen += (size_t)sprintf(want + wlen, "%sid%d@x", wlen > 0 ? " " : "", i);
	make_msg(&hm, 1, NULL, NULL, "<m@x>", NULL, refs);
	m = mindex_get(idx, mindex_add(idx, &hm));
	TEST_INTEQ(mindex_refs(idx, m, ids), MINDEX_MAX_REFS);
	chain_string(idx, m, got, sizeof(got));
	TEST_STREQ(got, want);
	TEST_INTEQ(mindex_lookup(idx, "id0@x", 5), MINDEX_NONE); /* ids cut off are not kept */
	/* a chain of the limit plus a new In-Reply-To: the oldest goes */
	make_msg(&hm, 2, NULL, NULL, "<n@x>", "<new@x>", refs);
	m = mindex_get(idx, mindex_add(idx, &hm));
	chain_string(idx, m, got, sizeof(got));
	TEST_ASSERT(strncmp(got, "id9981@x ", 9) == 0);
	TEST_ASSERT(strlen(got) > 6 && strcmp(got + strlen(got) - 6, " new@x") == 0);
	free(refs);
	mindex_free(&idx);
}

static void test_reset(void)
{
	struct mindex *idx = mindex_new();
	size_t empty = mindex_memory(idx), pos;
	struct hcache_msg hm;

	for (uint32_t uid = 1; uid <= 2000; uid++) {
		make_msg(&hm, uid, "A <a@x>", "s", "<a@x>", NULL, NULL);
		mindex_add(idx, &hm);
	}
	TEST_INTEQ(mindex_count(idx), 2000);
	TEST_ASSERT(mindex_memory(idx) > empty);
	mindex_reset(idx);
	TEST_INTEQ(mindex_count(idx), 0);
	TEST_INTEQ(mindex_live(idx), 0);
	TEST_INTEQ(mindex_memory(idx), empty);
	TEST_ASSERT(!mindex_find(idx, 5, &pos));
	TEST_INTEQ(mindex_lookup(idx, "a@x", 3), MINDEX_NONE);
	TEST_ASSERT(mindex_get(idx, 0) == NULL);
	TEST_INTEQ(mindex_set_flags(idx, 5, 1), -1);
	TEST_INTEQ(mindex_remove(idx, 5), -1);
	make_msg(&hm, 5, "B <b@x>", "t", "<b@x>", NULL, NULL);
	TEST_INTEQ(mindex_add(idx, &hm), 0);
	TEST_ASSERT(mindex_find(idx, 5, &pos) && pos == 0);
	TEST_STREQ(str(idx, mindex_get(idx, 0)->from), "B <b@x>");
	mindex_free(&idx);
}

static void test_uids(void)
{
	struct mindex *idx = mindex_new();
	struct hcache_msg hm;
	const struct mindex_msg *m;
	size_t pos, before;
	char id[32];

	/* UIDs out of order, with gaps that are multiples of a power of two */
	for (uint32_t i = 0; i < 3000; i++) {
		uint32_t uid = ((i * 7919u) % 3000u + 1u) * 4096u;
		snprintf(id, sizeof(id), "<m%u@x>", uid);
		make_msg(&hm, uid, "A <a@x>", "s", id, NULL, NULL);
		mindex_add(idx, &hm);
	}
	TEST_INTEQ(mindex_live(idx), 3000);
	TEST_ASSERT(mindex_find(idx, 4096, &pos) && mindex_get(idx, pos)->uid == 4096);
	TEST_ASSERT(!mindex_find(idx, 4097, &pos));
	TEST_ASSERT(!mindex_find(idx, 0, &pos));
	TEST_INTEQ(mindex_set_flags(idx, 8192, 0x5), 0);
	TEST_ASSERT(mindex_find(idx, 8192, &pos) && mindex_get(idx, pos)->flags == 0x5);
	TEST_INTEQ(mindex_set_flags(idx, 8193, 0x5), -1);
	/* the same UID again replaces the message in place */
	make_msg(&hm, 8192, "B <b@x>", "new", "<m8192@x>", NULL, NULL);
	before = pos;
	TEST_INTEQ(mindex_add(idx, &hm), before);
	TEST_INTEQ(mindex_live(idx), 3000);
	TEST_STREQ(str(idx, mindex_get(idx, before)->subject), "new");
	/* remove every other UID: positions stay, the rest is still found */
	for (uint32_t u = 1; u <= 3000; u += 2)
		TEST_INTEQ(mindex_remove(idx, u * 4096u), 0);
	TEST_INTEQ(mindex_remove(idx, 4096), -1);
	TEST_INTEQ(mindex_set_flags(idx, 4096, 1), -1);
	TEST_INTEQ(mindex_count(idx), 3000);
	TEST_INTEQ(mindex_live(idx), 1500);
	for (uint32_t u = 1; u <= 3000; u++) {
		bool found = mindex_find(idx, u * 4096u, &pos);
		TEST_INTEQ(found, u % 2 == 0);
		if (found)
			TEST_INTEQ(mindex_get(idx, pos)->uid, u * 4096u);
	}
	/* compact: the holes close, order and strings kept, the removed messages' strings dropped */
	before = mindex_memory(idx);
	TEST_ASSERT(mindex_lookup(idx, "m4096@x", 7) != MINDEX_NONE);
	mindex_compact(idx);
	TEST_INTEQ(mindex_count(idx), 1500);
	TEST_INTEQ(mindex_live(idx), 1500);
	TEST_ASSERT(mindex_memory(idx) <= before);
	TEST_INTEQ(mindex_lookup(idx, "m4096@x", 7), MINDEX_NONE);
	for (size_t p = 0; p < mindex_count(idx); p++) {
		m = mindex_get(idx, p);
		TEST_ASSERT(m != NULL && m->uid % 8192 == 0);
		if (m == NULL)
			continue;
		snprintf(id, sizeof(id), "m%u@x", m->uid);
		TEST_STREQ(str(idx, m->message_id), id);
		TEST_ASSERT(mindex_find(idx, m->uid, &pos) && pos == p);
	}
	TEST_INTEQ(mindex_get(idx, 0)->uid, 1920u * 4096u); /* order kept: the 1st was removed, the 2nd stays */
	mindex_free(&idx);
}

static void test_compact_refs(void)
{
	struct mindex *idx = mindex_new();
	struct hcache_msg hm;
	char got[256];

	make_msg(&hm, 1, NULL, NULL, "<a@x>", NULL, NULL);
	mindex_add(idx, &hm);
	make_msg(&hm, 2, NULL, NULL, "<b@x>", "<a@x>", "<r@x> <a@x>");
	mindex_add(idx, &hm);
	TEST_INTEQ(mindex_remove(idx, 1), 0);
	mindex_compact(idx);
	chain_string(idx, mindex_get(idx, 0), got, sizeof(got));
	TEST_STREQ(got, "r@x a@x");
	TEST_STREQ(str(idx, mindex_get(idx, 0)->in_reply_to), "a@x");
	mindex_free(&idx);
}

static double ms_between(const struct timespec *t0, const struct timespec *t1)
{
	return (double)(t1->tv_sec - t0->tv_sec) * 1e3 + (double)(t1->tv_nsec - t0->tv_nsec) / 1e6;
}

/* A warm open's model half, as the header cache feeds it: the synthetic folder encoded as cache
 * records, then timed (best of SYNTH_RUNS) decoding them all, and adding them all to a fresh index. */
#define SYNTH_RUNS 5

static void test_synthetic(void)
{
	const size_t n = 100000;
	struct synth_folder *sf = synth_new(n, 42);
	struct mindex *idx = NULL;
	struct hcache_msg hm, *msgs = xmalloc(n * sizeof(*msgs));
	struct buf recs = BUF_INIT;
	size_t *off = xmalloc((n + 1) * sizeof(*off)), bytes, pos;
	struct timespec t0, t1;
	double decode_ms = 1e9, add_ms = 1e9;

	for (size_t i = 0; i < n; i++) {
		off[i] = recs.len;
		synth_msg(sf, i, &hm);
		hcache_msg_encode(&hm, &recs);
	}
	off[n] = recs.len;
	for (int run = 0; run < SYNTH_RUNS; run++) {
		bool ok = true;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t i = 0; i < n; i++)
			ok &= hcache_msg_decode((uint32_t)i + 1, recs.data + off[i], off[i + 1] - off[i], &msgs[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		TEST_ASSERT(ok);
		if (ms_between(&t0, &t1) < decode_ms)
			decode_ms = ms_between(&t0, &t1);
	}
	for (int run = 0; run < SYNTH_RUNS; run++) {
		mindex_free(&idx);
		idx = mindex_new();
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (size_t i = 0; i < n; i++)
			mindex_add(idx, &msgs[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ms_between(&t0, &t1) < add_ms)
			add_ms = ms_between(&t0, &t1);
	}
	bytes = mindex_memory(idx);
	printf("# mindex: %zu messages, %zu bytes, %.1f bytes/message; hcache_msg_decode took %.1f ms in all, "
	       "mindex_add %.1f ms\n", n, bytes, (double)bytes / (double)n, decode_ms, add_ms);
	TEST_INTEQ(mindex_live(idx), n);
	TEST_ASSERT(bytes / n < 300);
	/* spot checks: what went in comes out */
	for (size_t i = 0; i < n; i += 997) {
		const struct mindex_msg *m;
		size_t len;
		const char *s;

		synth_msg(sf, i, &hm);
		TEST_ASSERT(mindex_find(idx, hm.uid, &pos));
		m = mindex_get(idx, pos);
		s = mindex_str(idx, m->subject, &len);
		TEST_ASSERT(len == hm.field_len[HCACHE_SUBJECT] && memcmp(s, hm.field[HCACHE_SUBJECT], len) == 0);
		s = mindex_str(idx, m->from, &len);
		TEST_ASSERT(len == hm.field_len[HCACHE_FROM] && memcmp(s, hm.field[HCACHE_FROM], len) == 0);
	}
	mindex_free(&idx);
	buf_free(&recs);
	free(off);
	free(msgs);
	synth_free(&sf);
}

/* --- hostile folders (issue 15): tables a sender or a server could flood stay flat --- */

/* n messages whose References hold 20 ids each that all collided under the unkeyed hash. */
struct flood_work {
	bool hostile;
	struct buf refs, id;
	size_t nstrs;
};

static void flood_work(void *arg, size_t n)
{
	struct flood_work *w = arg;
	struct mindex *idx = mindex_new();
	struct hcache_msg hm;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&w->refs);
		buf_reset(&w->id);
		for (int r = 0; r < 20; r++, k++) {
			buf_append_str(&w->refs, r > 0 ? " <" : "<");
			if (w->hostile)
				hostile_p1_id(&w->refs, k);
			else
				buf_appendf(&w->refs, "%08zx.benign.id@example.org", k);
			buf_append_c(&w->refs, '>');
		}
		buf_appendf(&w->id, "<self-%zu@example.org>", i);
		make_msg(&hm, (uint32_t)i + 1, "a@example.org", "Re: flood", w->id.data, NULL, w->refs.data);
		mindex_add(idx, &hm);
	}
	/* every id is there, and found */
	buf_reset(&w->refs);
	if (w->hostile)
		hostile_p1_id(&w->refs, k - 1);
	else
		buf_appendf(&w->refs, "%08zx.benign.id@example.org", k - 1);
	TEST_ASSERT(mindex_lookup(idx, w->refs.data, w->refs.len) != MINDEX_NONE);
	TEST_INTEQ(mindex_live(idx), n);
	mindex_free(&idx);
}

static void test_hostile_ids(void)
{
	struct flood_work w = { true, BUF_INIT, BUF_INIT, 0 };
	size_t n;

	TEST_ASSERT(hostile_ratio("ids that zeroed wyhash's state", flood_work, &w, 256, 2048, 0.005, &n) <=
		    HOSTILE_MAX_RATIO);
	/* and they cost about what benign ids do */
	double bad = hostile_cost(flood_work, &w, 4 * n, 3);
	w.hostile = false;
	double good = hostile_cost(flood_work, &w, 4 * n, 3);
	printf("# %zu messages: hostile ids %.1f ms, benign %.1f ms\n", 4 * n, bad * 1e3, good * 1e3);
	TEST_ASSERT(bad < 3 * good);
	buf_free(&w.refs);
	buf_free(&w.id);
}

/* n messages whose UIDs all land in one slot of Fibonacci hashing: (uid * 0x9e3779b1) mod 2^32 is
 * below 2^12, so its top bits are 0 for any table up to 2^20 slots. */
static uint32_t colliding_uid(size_t i)
{
	return (uint32_t)((i >> 12) << 20 | (i & 0xfff)) * 0x0e8b2f51u; /* 0x9e3779b1^-1 mod 2^32 */
}

/* Benign UIDs for comparison, in a random order: a bijection of i (lowbias32), so distinct. */
static uint32_t random_uid(size_t i)
{
	uint32_t x = (uint32_t)i;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static void uid_work(void *arg, size_t n)
{
	uint32_t (*uid_of)(size_t) = arg != NULL ? random_uid : colliding_uid;
	struct mindex *idx = mindex_new();
	struct hcache_msg hm;
	size_t pos;

	for (size_t i = 1; i <= n; i++) {
		make_msg(&hm, uid_of(i), NULL, NULL, NULL, NULL, NULL);
		mindex_add(idx, &hm);
	}
	TEST_INTEQ(mindex_live(idx), n);
	for (size_t i = 1; i <= n; i += 97) {
		TEST_ASSERT(mindex_find(idx, uid_of(i), &pos));
		TEST_INTEQ(mindex_get(idx, pos)->uid, uid_of(i));
	}
	/* removing shifts entries back along their runs: all still found */
	for (size_t i = 1; i <= n; i += 3)
		TEST_INTEQ(mindex_remove(idx, uid_of(i)), 0);
	for (size_t i = 1; i <= n; i++)
		TEST_ASSERT(mindex_find(idx, uid_of(i), &pos) == (i % 3 != 1));
	mindex_free(&idx);
}

static void test_hostile_uids(void)
{
	static int random_order = 1; /* any non-NULL argument makes uid_work use random_uid */

	TEST_ASSERT(colliding_uid(1) * 0x9e3779b1u == 1 && colliding_uid(4096) * 0x9e3779b1u == 1u << 20);
	TEST_ASSERT(hostile_ratio("UIDs colliding under Fibonacci hashing", uid_work, NULL, 1024, 16384, 0.005,
				  NULL) <= HOSTILE_MAX_RATIO);
	/* and at a size past the caches, they cost about what UIDs in a random order do (random_uid(0) is
	 * 0, not a UID: both works start at 1) */
	double bad = hostile_cost(uid_work, NULL, 200000, 3);
	double good = hostile_cost(uid_work, &random_order, 200000, 3);
	printf("# 200000 UIDs: colliding %.1f ms, random %.1f ms\n", bad * 1e3, good * 1e3);
	TEST_ASSERT(bad < 3 * good);
}

/* mindex_reserve sizes the tables once: the memory it takes is there before the messages come, what
 * was added before it is still found, and a count past its limit (a server's claim) reserves nothing. */
static void test_reserve(void)
{
	struct mindex *idx = mindex_new(), *big = mindex_new();
	struct hcache_msg hm;
	size_t empty = mindex_memory(idx), reserved, pos;
	char id[32];

	for (uint32_t uid = 1; uid <= 1000; uid++) {
		snprintf(id, sizeof(id), "<m%u@x>", uid);
		make_msg(&hm, uid, "A <a@x>", "s", id, NULL, NULL);
		mindex_add(idx, &hm);
	}
	reserved = mindex_memory(idx);
	mindex_reserve(idx, 100000);
	/* the UID table (4 bytes a slot, at most 4/5 full) and the string table (8 bytes a slot, half full,
	 * two strings a message) are there already */
	TEST_ASSERT(mindex_memory(idx) >= reserved + 100000 * 5 + 100000 * 2 * 16);
	for (uint32_t uid = 1; uid <= 1000; uid++)
		TEST_ASSERT(mindex_find(idx, uid, &pos) && mindex_get(idx, pos)->uid == uid);
	TEST_ASSERT(mindex_lookup(idx, "m500@x", 6) != MINDEX_NONE);
	for (uint32_t uid = 1001; uid <= 101000; uid++) {
		snprintf(id, sizeof(id), "<m%u@x>", uid);
		make_msg(&hm, uid, "A <a@x>", "s", id, NULL, NULL);
		mindex_add(idx, &hm);
	}
	for (uint32_t uid = 1; uid <= 101000; uid += 997)
		TEST_ASSERT(mindex_find(idx, uid, &pos) && mindex_get(idx, pos)->uid == uid);
	TEST_INTEQ(mindex_live(idx), 101000);
	/* a second reserve that fits changes nothing; one past the limit neither */
	reserved = mindex_memory(idx);
	mindex_reserve(idx, 10);
	TEST_INTEQ(mindex_memory(idx), reserved);
	mindex_reserve(big, (size_t)1 << 23);
	TEST_INTEQ(mindex_memory(big), empty);
	mindex_free(&idx);
	mindex_free(&big);
}

static const struct test_case tests[] = {
	{ "interning", test_intern },
	{ "fields and shared strings", test_fields },
	{ "reply chains, malformed ids", test_chains },
	{ "look-alike strings", test_lookalikes },
	{ "a References chain of 10,000 ids", test_long_chain },
	{ "reset", test_reset },
	{ "UIDs: find, flags, replace, remove, compact", test_uids },
	{ "reserve: the tables sized once", test_reserve },
	{ "compact keeps reply chains", test_compact_refs },
	{ "100,000 synthetic messages: bytes per message", test_synthetic },
	{ "hostile message ids", test_hostile_ids },
	{ "hostile UIDs", test_hostile_uids },
};

TEST_MAIN(tests)
