/* test-sort.c: index orders, reply threading (JWZ, subject fallback), collapsing, and 100,000-message timings. */
#include "skua.h"
#include "sort.h"
#include "test-synth.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "hostile.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct spec {
	uint32_t uid;
	int64_t date, size;
	const char *from, *subject, *id, *irt, *refs;
};

static struct mindex *make(const struct spec *s, size_t n)
{
	struct mindex *idx = mindex_new();

	for (size_t i = 0; i < n; i++) {
		struct hcache_msg m;
		synth_fill(&m, s[i].uid, s[i].date, s[i].from, s[i].subject, s[i].id, s[i].irt, s[i].refs);
		if (s[i].size != 0)
			m.size = s[i].size;
		mindex_add(idx, &m);
	}
	return idx;
}

/* Sorts and checks the UIDs in order and, when depths is not NULL, the depths. */
static void expect(const struct mindex *idx, enum sort_order order, bool reverse, size_t limit,
		   const uint32_t *uids, const unsigned int *depths, size_t n)
{
	struct sort_line *lines;
	size_t got = sort_messages(idx, order, reverse, limit, &lines);

	TEST_INTEQ(got, n);
	for (size_t i = 0; i < n && i < got; i++) {
		TEST_INTEQ(mindex_get(idx, lines[i].pos)->uid, uids[i]);
		if (depths != NULL)
			TEST_INTEQ(lines[i].depth, depths[i]);
	}
	free(lines);
}

#define EXPECT(idx, order, reverse, limit, ...) do { \
	static const uint32_t want_[] = { __VA_ARGS__ }; \
	expect(idx, order, reverse, limit, want_, NULL, N_ELEMENTS(want_)); \
	} while (0)

static const struct spec msgs[] = {
	{ 1, 100, 500, "Bob <bob@x>", "Plan", "<a@x>", NULL, NULL },
	{ 2, 200, 100, "alice <alice@x>", "Re: Plan", "<b@x>", "<a@x>", "<a@x>" },
	{ 3, 300, 900, "Carol <carol@x>", "Other", "<c@x>", NULL, NULL },
	{ 4, 400, 50, "Dave <dave@x>", "Re: Re: Plan", "<d@x>", NULL, "<a@x> <b@x>" },
	{ 5, 150, 70, "Eve <eve@x>", "Fwd: Alpha", "<e@x>", "<e@x>", NULL }, /* self reply */
	{ 6, 250, 70, "Cyc <c1@x>", "cycle 1", "<y1@x>", "<y2@x>", NULL },
	{ 7, 260, 70, "Cyc <c2@x>", "cycle 2", "<y2@x>", "<y1@x>", NULL },
};

static void test_date(void)
{
	struct mindex *idx = make(msgs, N_ELEMENTS(msgs));
	struct sort_line *lines;

	EXPECT(idx, SORT_DATE, false, 3, 4, 3, 7);
	EXPECT(idx, SORT_DATE, true, 3, 7, 3, 4); /* the 3 newest, oldest first */
	EXPECT(idx, SORT_DATE, true, 100, 1, 5, 2, 6, 7, 3, 4);
	TEST_INTEQ(sort_messages(idx, SORT_DATE, false, 0, &lines), 0);
	free(lines);
	mindex_remove(idx, 4);
	EXPECT(idx, SORT_DATE, false, 3, 3, 7, 6); /* removed messages are not shown */
	mindex_free(&idx);
}

static void test_arrival(void)
{
	static const struct spec s[] = {
		{ 1, 500, 0, NULL, NULL, NULL, NULL, NULL },
		{ 2, 100, 0, NULL, NULL, NULL, NULL, NULL },
		{ 3, 300, 0, NULL, NULL, NULL, NULL, NULL },
		{ 4, 300, 0, NULL, NULL, NULL, NULL, NULL },
		{ 5, 900, 0, NULL, NULL, NULL, NULL, NULL },
	};
	struct mindex *idx = mindex_new();

	for (size_t i = 0; i < N_ELEMENTS(s); i++) {
		struct hcache_msg m;
		synth_fill(&m, s[i].uid, 1000 - s[i].date, NULL, NULL, NULL, NULL, NULL); /* Date: the other way */
		m.internaldate = s[i].uid == 5 ? -1 : s[i].date;
		mindex_add(idx, &m);
	}
	EXPECT(idx, SORT_ARRIVAL, false, 10, 1, 4, 3, 2, 5); /* ties: higher UID first; unknown last */
	EXPECT(idx, SORT_ARRIVAL, false, 2, 1, 4);
	EXPECT(idx, SORT_ARRIVAL, true, 10, 5, 2, 3, 4, 1);
	EXPECT(idx, SORT_DATE, false, 10, 2, 4, 3, 1, 5);
	mindex_free(&idx);
}

static void test_keys(void)
{
	static const struct spec s[] = {
		{ 1, 100, 500, "Bob <bob@x>", "Plan", NULL, NULL, NULL },
		{ 2, 200, 100, "alice <ALICE@x>", "Re: plan", NULL, NULL, NULL },
		{ 3, 300, 900, "=?UTF-8?Q?=C3=89mile?= <\xc3\x89mile@x>", "=?UTF-8?Q?=C3=A9t=C3=A9?=", NULL, NULL, NULL },
		{ 4, 400, 50, "dave@x", "RE[2]: Re : Plan", NULL, NULL, NULL },
		{ 5, 150, 70, "Eve <eve@x>", "Fwd: Alpha", NULL, NULL, NULL },
		{ 6, 160, 70, "Zed <\xc3\xa9mile@x>", "\xc3\x89T\xc3\x89 ", NULL, NULL, NULL },
		{ 7, 170, 70, NULL, NULL, NULL, NULL, NULL },
	};
	struct mindex *idx = make(s, N_ELEMENTS(s));

	/* the address, casefolded (Latin-1 too): Émile and émile are one sender, newest first */
	EXPECT(idx, SORT_FROM, false, 10, 7, 2, 1, 4, 5, 3, 6);
	EXPECT(idx, SORT_FROM, true, 10, 6, 3, 5, 4, 1, 2, 7);
	EXPECT(idx, SORT_FROM, false, 3, 2, 4, 3); /* the 3 newest, by sender */
	/* the decoded subject, without reply prefixes, casefolded: "été" == "ÉTÉ" */
	EXPECT(idx, SORT_SUBJECT, false, 10, 7, 5, 4, 2, 1, 3, 6);
	EXPECT(idx, SORT_SIZE, false, 10, 4, 7, 6, 5, 2, 1, 3);
	EXPECT(idx, SORT_SIZE, false, 2, 4, 3);
	mindex_free(&idx);
}

static void test_threads(void)
{
	struct mindex *idx = make(msgs, N_ELEMENTS(msgs));
	static const uint32_t uids[] = { 1, 2, 4, 3, 7, 6, 5 };
	static const unsigned int depths[] = { 0, 1, 2, 0, 0, 1, 0 };
	struct sort_line *lines;
	size_t n;

	expect(idx, SORT_THREADS, false, 100, uids, depths, N_ELEMENTS(uids));
	n = sort_messages(idx, SORT_THREADS, false, 100, &lines);
	TEST_INTEQ(lines[0].descendants, 2);
	TEST_INTEQ(lines[1].descendants, 1);
	TEST_INTEQ(lines[2].descendants, 0);
	TEST_INTEQ(lines[4].descendants, 1);
	free(lines);
	n = sort_messages(idx, SORT_THREADS, false, 2, &lines); /* cut inside a thread */
	TEST_INTEQ(n, 2);
	TEST_INTEQ(lines[0].descendants, 1);
	TEST_INTEQ(lines[1].descendants, 0);
	free(lines);
	/* reversed: threads the other way round, each still in reply order */
	static const uint32_t ruids[] = { 5, 7, 6, 3, 1, 2, 4 };
	static const unsigned int rdepths[] = { 0, 0, 1, 0, 0, 1, 2 };
	expect(idx, SORT_THREADS, true, 100, ruids, rdepths, N_ELEMENTS(ruids));
	mindex_free(&idx);
}

static void test_missing_and_loops(void)
{
	static const struct spec s[] = {
		/* two replies to a message not in the folder: one thread, both at depth 0 */
		{ 1, 100, 0, NULL, "Re: gone", "<r1@x>", "<gone@x>", "<gone@x>" },
		{ 2, 300, 0, NULL, "Re: gone", "<r2@x>", NULL, "<gone@x>" },
		{ 3, 200, 0, NULL, "other", "<o@x>", NULL, NULL },
		/* a missing message in the middle: its reply goes under the nearest present ancestor */
		{ 4, 50, 0, NULL, "top", "<t@x>", NULL, NULL },
		{ 5, 60, 0, NULL, "Re: top", "<u@x>", NULL, "<t@x> <missing@x>" },
		/* References that loop */
		{ 6, 10, 0, NULL, "l", "<la@x>", NULL, "<lb@x> <lc@x>" },
		{ 7, 11, 0, NULL, "l", "<lb@x>", NULL, "<la@x>" },
		{ 8, 12, 0, NULL, "l", "<lc@x>", NULL, "<lb@x> <la@x> <lc@x> <lb@x>" },
	};
	static const uint32_t uids[] = { 1, 2, 3, 4, 5, 7, 8, 6 };
	static const unsigned int depths[] = { 0, 0, 0, 0, 1, 0, 1, 2 };
	struct mindex *idx = make(s, N_ELEMENTS(s));

	expect(idx, SORT_THREADS, false, 100, uids, depths, N_ELEMENTS(uids));
	mindex_free(&idx);
}

static void test_duplicates(void)
{
	static const struct spec s[] = {
		{ 1, 100, 0, NULL, "dup", "<d@x>", NULL, NULL },
		{ 2, 200, 0, NULL, "dup again", "<d@x>", NULL, NULL },
		{ 3, 300, 0, NULL, "Re: dup", "<r@x>", "<d@x>", NULL },
		{ 4, 400, 0, NULL, "dup of a reply", "<d@x>", "<r@x>", NULL },
	};
	static const uint32_t uids[] = { 1, 3, 4, 2 };
	static const unsigned int depths[] = { 0, 1, 2, 0 };
	struct mindex *idx = make(s, N_ELEMENTS(s));

	/* the first message with an id owns it; later ones are threaded as messages of their own */
	expect(idx, SORT_THREADS, false, 100, uids, depths, N_ELEMENTS(uids));
	mindex_free(&idx);
}

static void test_subject_fallback(void)
{
	static const struct spec s[] = {
		{ 1, 100, 0, NULL, "[dev] Plan", "<p@x>", NULL, NULL },
		{ 2, 200, 0, NULL, "Re: [dev] Plan", "<q@x>", NULL, NULL },       /* no References: joins */
		{ 3, 300, 0, NULL, "RE: AW: plan", "<s@x>", NULL, NULL },         /* casefolded, joins */
		{ 4, 400, 0, NULL, "Plan", "<t@x>", NULL, NULL },                 /* not a reply: own thread */
		{ 5, 500, 0, NULL, "Re: Unrelated", "<u@x>", NULL, NULL },        /* nothing to join */
		{ 6, 600, 0, NULL, "Re: Plan", "<v@x>", "<elsewhere@x>", NULL },  /* has a parent: stays */
		{ 7, 50, 0, NULL, "Re: Later", "<w@x>", NULL, NULL },             /* replies only: the oldest */
		{ 8, 60, 0, NULL, "Re: Later", "<w2@x>", NULL, NULL },
		{ 9, 250, 0, NULL, "Re: [dev] Plan", "<x@x>", NULL, NULL },       /* a reply to it is carried */
		{ 10, 700, 0, NULL, "Re: Re: [dev] Plan", "<y@x>", "<x@x>", NULL },
	};
	static const uint32_t uids[] = { 1, 2, 9, 10, 3, 6, 5, 4, 7, 8 };
	static const unsigned int depths[] = { 0, 1, 1, 2, 1, 0, 0, 0, 0, 1 };
	struct mindex *idx = make(s, N_ELEMENTS(s));

	expect(idx, SORT_THREADS, false, 100, uids, depths, N_ELEMENTS(uids));
	mindex_free(&idx);
}

static void test_deep(void)
{
	struct mindex *idx = mindex_new();
	struct sort_line *lines;
	char id[32], parent[32];
	size_t n;

	/* a 10,000-deep chain, children before their parents */
	for (int i = 9999; i >= 0; i--) {
		struct hcache_msg m;
		snprintf(id, sizeof(id), "<c%d@x>", i);
		snprintf(parent, sizeof(parent), "<c%d@x>", i - 1);
		synth_fill(&m, (uint32_t)i + 1, i, NULL, "deep", id, i > 0 ? parent : NULL, NULL);
		mindex_add(idx, &m);
	}
	n = sort_messages(idx, SORT_THREADS, false, SIZE_MAX, &lines);
	TEST_INTEQ(n, 10000);
	TEST_INTEQ(lines[0].descendants, 9999);
	TEST_INTEQ(lines[9999].depth, 9999);
	TEST_INTEQ(mindex_get(idx, lines[9999].pos)->uid, 10000);
	free(lines);
	mindex_free(&idx);
}

static void test_collapse(void)
{
	struct mindex *idx = make(msgs, N_ELEMENTS(msgs));
	struct sort_line *lines;
	uint32_t *rows;
	size_t n = sort_messages(idx, SORT_THREADS, false, 100, &lines), nrows;

	/* lines: 1 (2 (4)), 3, 7 (6), 5 */
	nrows = sort_visible(lines, n, &rows);
	TEST_INTEQ(nrows, 7);
	free(rows);
	sort_collapse_all(lines, n, true);
	nrows = sort_visible(lines, n, &rows);
	TEST_INTEQ(nrows, 4);
	TEST_INTEQ(rows[0], 0);
	TEST_INTEQ(rows[1], 3);
	TEST_INTEQ(rows[2], 4);
	TEST_INTEQ(rows[3], 6);
	free(rows);
	lines[0].flags &= (uint16_t)~SORT_LINE_COLLAPSED; /* expand the first thread only */
	lines[1].flags |= SORT_LINE_COLLAPSED;            /* ... but not its second level */
	nrows = sort_visible(lines, n, &rows);
	TEST_INTEQ(nrows, 5);
	TEST_INTEQ(rows[1], 1);
	TEST_INTEQ(rows[2], 3);
	free(rows);
	sort_collapse_all(lines, n, false);
	nrows = sort_visible(lines, n, &rows);
	TEST_INTEQ(nrows, 7);
	free(rows);
	free(lines);
	mindex_free(&idx);
}

static void test_parse(void)
{
	enum sort_order o;

	TEST_INTEQ(sort_order_parse("threads", &o), 0);
	TEST_INTEQ(o, SORT_THREADS);
	TEST_INTEQ(sort_order_parse("arrival", &o), 0);
	TEST_INTEQ(o, SORT_ARRIVAL);
	TEST_INTEQ(sort_order_parse("bogus", &o), -1);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static bool chain_has(const struct mindex *idx, const struct mindex_msg *m, mindex_id id)
{
	mindex_id ids[MINDEX_MAX_REFS];
	size_t n = mindex_refs(idx, m, ids);

	for (size_t i = 0; i < n; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

/* Every message once; each reply under its parent (or, threaded by subject, under a root). */
static void check_threads(const struct mindex *idx, const struct synth_folder *sf, const struct sort_line *lines,
			  size_t n)
{
	uint8_t *seen = xcalloc(n, 1);
	uint32_t *at_depth = xmalloc(n * sizeof(*at_depth));
	size_t joined = 0, subject_only = 0;

	for (size_t i = 0; i < n; i++) {
		const struct mindex_msg *m = mindex_get(idx, lines[i].pos);
		size_t uid = m->uid;

		TEST_ASSERT(uid >= 1 && uid <= n && !seen[uid - 1]);
		if (uid >= 1 && uid <= n)
			seen[uid - 1] = 1;
		TEST_ASSERT(lines[i].depth == 0 || (i > 0 && lines[i].depth <= lines[i - 1].depth + 1));
		at_depth[lines[i].depth] = (uint32_t)i;
		if (synth_subject_only(sf, uid - 1)) {
			subject_only++;
			joined += lines[i].depth > 0;
		} else if (lines[i].depth > 0) {
			const struct mindex_msg *p = mindex_get(idx, lines[at_depth[lines[i].depth - 1]].pos);
			TEST_ASSERT(chain_has(idx, m, p->message_id));
		}
		for (size_t d = i + 1; d <= i + lines[i].descendants && d < n; d++)
			TEST_ASSERT(lines[d].depth > lines[i].depth);
	}
	printf("# threads: %zu of %zu replies without References joined their thread by subject\n", joined,
	       subject_only);
	TEST_ASSERT(joined * 10 >= subject_only * 9);
	free(seen);
	free(at_depth);
}

/* Merging what arrived since the last sort gives exactly a full sort, in both directions, for date and
 * arrival, with messages arriving in descending chunks (a first open) and with a removal in between. */
static void test_merge(void)
{
	static const enum sort_order orders[] = { SORT_DATE, SORT_ARRIVAL };
	struct synth_folder *sf = synth_new(5000, 7);

	for (size_t o = 0; o < 2; o++) {
		for (int reverse = 0; reverse < 2; reverse++) {
			struct mindex *idx = mindex_new();
			struct sort_line *lines = NULL, *full = NULL, *merged = NULL;
			size_t n = 0, first = 0, nfull, nmerged;
			uint32_t hi = 5000;

			while (hi > 0) {
				uint32_t lo = hi > 700 ? hi - 699 : 1;
				for (uint32_t uid = lo; uid <= hi; uid++) {
					struct hcache_msg m;
					synth_msg(sf, uid - 1, &m);
					mindex_add(idx, &m);
				}
				hi = lo - 1;
				if (hi < 2500 && hi > 1700)
					TEST_INTEQ(mindex_remove(idx, 4990), 0);
				nmerged = sort_merge(idx, orders[o], reverse, lines, n, first, &merged);
				nfull = sort_messages(idx, orders[o], reverse, SIZE_MAX, &full);
				TEST_INTEQ(nmerged, nfull);
				for (size_t i = 0; i < nfull && i < nmerged; i++) {
					if (merged[i].pos != full[i].pos) {
						TEST_INTEQ(merged[i].pos, full[i].pos);
						break;
					}
				}
				free(full);
				free(lines);
				lines = merged;
				n = nmerged;
				first = mindex_count(idx);
			}
			TEST_INTEQ(n, 4999);
			free(lines);
			mindex_free(&idx);
		}
	}
	{
		struct mindex *idx = mindex_new();
		struct sort_line *out = NULL;
		TEST_ASSERT(sort_merge(idx, SORT_THREADS, false, NULL, 0, 0, &out) == SIZE_MAX);
		TEST_ASSERT(out == NULL);
		mindex_free(&idx);
	}
	synth_free(&sf);
}

static void test_synthetic(void)
{
	static const struct {
		enum sort_order order;
		const char *name;
	} orders[] = {
		{ SORT_THREADS, "threads" }, { SORT_DATE, "date" }, { SORT_ARRIVAL, "arrival" },
		{ SORT_FROM, "from" }, { SORT_SUBJECT, "subject" }, { SORT_SIZE, "size" },
	};
	const size_t n = 100000;
	struct synth_folder *sf = synth_new(n, 7);
	struct mindex *idx = mindex_new();
	struct sort_line *lines;
	struct timespec t0;

	for (size_t i = 0; i < n; i++) {
		struct hcache_msg m;
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
	}
	for (size_t o = 0; o < N_ELEMENTS(orders); o++) {
		size_t got;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		got = sort_messages(idx, orders[o].order, false, SIZE_MAX, &lines);
		printf("# sort %zu messages by %s: %.1f ms\n", n, orders[o].name, ms_since(&t0));
		TEST_INTEQ(got, n);
		if (orders[o].order == SORT_THREADS)
			check_threads(idx, sf, lines, got);
		free(lines);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	TEST_INTEQ(sort_messages(idx, SORT_FROM, false, 50, &lines), 50);
	printf("# sort the 50 newest of %zu by from: %.1f ms\n", n, ms_since(&t0));
	free(lines);
	mindex_free(&idx);
	synth_free(&sf);
}

/* Thread roots whose subjects all collided under the djb2 hash the subject fallback used: blocks "aa"
 * and "b@" leave h * 33 + c alike (and casefolding leaves them be), so every string of such blocks
 * hashes the same. */
static void subject_work(void *arg, size_t n)
{
	struct mindex *idx = mindex_new();
	struct buf subj = BUF_INIT, id = BUF_INIT;
	struct sort_line *lines;
	struct hcache_msg m;

	(void)arg;
	for (size_t i = 0; i < n; i++) {
		buf_reset(&subj);
		buf_reset(&id);
		for (int b = 0; b < 18; b++)
			buf_append_str(&subj, (i >> b) & 1 ? "b@" : "aa");
		buf_appendf(&id, "<root-%zu@x>", i);
		synth_fill(&m, (uint32_t)i + 1, 1000 + (int64_t)i, "a@x", subj.data, id.data, NULL, NULL);
		mindex_add(idx, &m);
	}
	/* and a reply to the last root by subject only, so the fallback runs */
	buf_reset(&id);
	buf_appendf(&id, "Re: %s", subj.data);
	synth_fill(&m, (uint32_t)n + 1, 1000 + (int64_t)n, "b@x", id.data, "<reply@x>", NULL, NULL);
	mindex_add(idx, &m);
	TEST_INTEQ(sort_messages(idx, SORT_THREADS, false, SIZE_MAX, &lines), n + 1);
	free(lines);
	TEST_INTEQ(sort_messages(idx, SORT_SUBJECT, false, SIZE_MAX, &lines), n + 1);
	free(lines);
	buf_free(&subj);
	buf_free(&id);
	mindex_free(&idx);
}

static void test_hostile_subjects(void)
{
	TEST_ASSERT(hostile_ratio("thread roots with subjects colliding under djb2", subject_work, NULL, 2048, 32768,
				  0.02, NULL) <= HOSTILE_MAX_RATIO);
}

static const struct test_case tests[] = {
	{ "date order, reverse, removed messages", test_date },
	{ "arrival order", test_arrival },
	{ "from, subject, size", test_keys },
	{ "threads, self replies and cycles, limit, reverse", test_threads },
	{ "threads: missing messages, loops in References", test_missing_and_loops },
	{ "threads: duplicate Message-IDs", test_duplicates },
	{ "threads: subject fallback", test_subject_fallback },
	{ "threads: 10,000 deep", test_deep },
	{ "collapse and expand", test_collapse },
	{ "order names", test_parse },
	{ "merging what arrived since the last sort", test_merge },
	{ "100,000 synthetic messages: timings", test_synthetic },
	{ "hostile subjects", test_hostile_subjects },
};

TEST_MAIN(tests)
