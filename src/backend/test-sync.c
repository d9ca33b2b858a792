/* test-sync.c: the sync state machine against a scripted server, its bytes fed whole, one at a time and
 * in 7-byte steps: cold and warm opens, QRESYNC/CONDSTORE/sweep, changes, limits, fallbacks, refusals. */
#include "skua.h"
#include "backend/sync.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MSGS 64

/* The scripted server: one mailbox, INBOX. */
struct smsg {
	uint32_t uid;
	bool seen, flagged;
	uint64_t modseq;
	int64_t date;       /* day of December 2025 it was sent */
};

struct server {
	const char *capa;             /* CAPABILITY of the greeting */
	uint32_t uidvalidity, uidnext;
	uint64_t highestmodseq;
	struct smsg msgs[MAX_MSGS];
	size_t n;
	struct { uint32_t uid; uint64_t modseq; } gone[MAX_MSGS];
	size_t n_gone;
	uint32_t exists_lie;          /* EXISTS says this many more than there are */
	bool vanish_all;              /* a QRESYNC EXAMINE says VANISHED (EARLIER) 1:4000000000 */
	struct buf out;               /* bytes not fed to the engine yet */
	struct buf sent;              /* every command line the client sent, tags removed */
	struct buf partial;           /* a client line not complete yet */
};

static size_t step_size;

static void srv_add(struct server *s, uint32_t uid, int64_t day, bool seen)
{
	struct smsg *m = &s->msgs[s->n++];

	m->uid = uid;
	m->seen = seen;
	m->flagged = false;
	m->modseq = ++s->highestmodseq;
	m->date = day;
	if (uid >= s->uidnext)
		s->uidnext = uid + 1;
}

static void srv_expunge(struct server *s, uint32_t uid)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->msgs[i].uid == uid) {
			memmove(&s->msgs[i], &s->msgs[i + 1], (s->n - i - 1) * sizeof(s->msgs[0]));
			s->n--;
			s->gone[s->n_gone].uid = uid;
			s->gone[s->n_gone++].modseq = ++s->highestmodseq;
			return;
		}
	}
}

static struct smsg *srv_find(struct server *s, uint32_t uid)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->msgs[i].uid == uid)
			return &s->msgs[i];
	}
	return NULL;
}

static void srv_flag(struct server *s, uint32_t uid, bool flagged)
{
	struct smsg *m = srv_find(s, uid);

	m->flagged = flagged;
	m->modseq = ++s->highestmodseq;
}

static void flags_text(const struct smsg *m, struct buf *b)
{
	buf_appendf(b, "(%s%s%s)", m->seen ? "\\Seen" : "", m->seen && m->flagged ? " " : "",
		    m->flagged ? "\\Flagged" : "");
}

static void fetch_headers(struct server *s, size_t i)
{
	const struct smsg *m = &s->msgs[i];
	char hdr[256];
	int len = snprintf(hdr, sizeof(hdr), "Date: %lld Dec 2025 10:00:00 +0000\r\nFrom: a@example.org\r\n"
			   "Subject: message %u\r\nMessage-ID: <m%u@example.org>\r\n\r\n", (long long)m->date, m->uid,
			   m->uid);

	buf_appendf(&s->out, "* %zu FETCH (UID %u FLAGS ", i + 1, m->uid);
	flags_text(m, &s->out);
	buf_appendf(&s->out, " INTERNALDATE \"%02lld-Dec-2025 10:00:00 +0000\" RFC822.SIZE 100 MODSEQ (%llu) "
		    "BODY[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE IN-REPLY-TO "
		    "REPLY-TO LIST-POST LIST-ID)] {%d}\r\n%s)\r\n", (long long)m->date, (unsigned long long)m->modseq,
		    len, hdr);
}

static void fetch_flags(struct server *s, size_t i)
{
	const struct smsg *m = &s->msgs[i];

	buf_appendf(&s->out, "* %zu FETCH (UID %u FLAGS ", i + 1, m->uid);
	flags_text(m, &s->out);
	buf_appendf(&s->out, " MODSEQ (%llu))\r\n", (unsigned long long)m->modseq);
}

/* Parses "lo:hi" (hi may be "*"); a single number is lo:lo. */
static void parse_range(const char *p, uint32_t *lo, uint32_t *hi)
{
	char *end;

	*lo = (uint32_t)strtoul(p, &end, 10);
	*hi = *lo;
	if (*end == ':')
		*hi = end[1] == '*' ? UINT32_MAX : (uint32_t)strtoul(end + 1, NULL, 10);
}

/* Answers one command line (without CRLF). */
static void srv_command(struct server *s, const char *line)
{
	char tag[16];
	const char *cmd = strchr(line, ' ');
	uint32_t lo, hi;

	snprintf(tag, sizeof(tag), "%.*s", (int)(cmd - line), line);
	cmd++;
	buf_appendf(&s->sent, "%s\n", cmd);
	if (strncmp(cmd, "EXAMINE ", 8) == 0 || strncmp(cmd, "SELECT ", 7) == 0) {
		const char *q = strstr(cmd, "(QRESYNC (");
		unsigned long long v = 0, since = 0;

		if (strstr(cmd, "\"INBOX\"") == NULL) {
			buf_appendf(&s->out, "%s NO Mailbox doesn't exist\r\n", tag);
			return;
		}
		buf_appendf(&s->out, "* %zu EXISTS\r\n* OK [UIDVALIDITY %u] v\r\n* OK [UIDNEXT %u] n\r\n"
			    "* OK [HIGHESTMODSEQ %llu] h\r\n", s->n + s->exists_lie, s->uidvalidity, s->uidnext,
			    (unsigned long long)s->highestmodseq);
		if (q != NULL && s->vanish_all)
			buf_append_str(&s->out, "* VANISHED (EARLIER) 1:4000000000\r\n");
		if (q != NULL && sscanf(q, "(QRESYNC (%llu %llu", &v, &since) == 2 && v == s->uidvalidity) {
			bool any = false;
			for (size_t i = 0; i < s->n_gone; i++) {
				if (s->gone[i].modseq > since) {
					buf_appendf(&s->out, "%s%u", any ? "," : "* VANISHED (EARLIER) ", s->gone[i].uid);
					any = true;
				}
			}
			if (any)
				buf_append_str(&s->out, "\r\n");
			for (size_t i = 0; i < s->n; i++) {
				if (s->msgs[i].modseq > since && s->msgs[i].uid < s->uidnext)
					fetch_flags(s, i);
			}
		}
		buf_appendf(&s->out, "%s OK [READ-ONLY] done\r\n", tag);
	} else if (strncmp(cmd, "UID FETCH 1:* (UID FLAGS)", 25) == 0) {
		unsigned long long since = 0;
		const char *c = strstr(cmd, "CHANGEDSINCE ");

		if (c != NULL)
			since = strtoull(c + 13, NULL, 10);
		for (size_t i = 0; i < s->n; i++) {
			if (s->msgs[i].modseq > since)
				fetch_flags(s, i);
		}
		buf_appendf(&s->out, "%s OK fetched\r\n", tag);
	} else if (strncmp(cmd, "UID FETCH ", 10) == 0 || strncmp(cmd, "FETCH ", 6) == 0) {
		bool uid = cmd[0] == 'U';
		const char *set = cmd + (uid ? 10 : 6);

		for (const char *p = set; *p != ' ';) {
			parse_range(p, &lo, &hi);
			for (size_t i = 0; i < s->n; i++) {
				uint32_t key = uid ? s->msgs[i].uid : (uint32_t)(i + 1);
				if (key >= lo && key <= hi)
					fetch_headers(s, i);
			}
			p += strcspn(p, ", ");
			if (*p == ',')
				p++;
		}
		buf_appendf(&s->out, "%s OK fetched\r\n", tag);
	} else if (strncmp(cmd, "UID SEARCH", 10) == 0) {
		buf_appendf(&s->out, "* ESEARCH (TAG \"%s\") UID ALL ", tag);
		for (size_t i = 0; i < s->n; i++)
			buf_appendf(&s->out, "%s%u", i > 0 ? "," : "", s->msgs[i].uid);
		buf_appendf(&s->out, "\r\n%s OK searched\r\n", tag);
	} else if (strncmp(cmd, "ENABLE", 6) == 0) {
		buf_appendf(&s->out, "* ENABLED%s%s\r\n%s OK enabled\r\n", strstr(cmd, "CONDSTORE") ? " CONDSTORE" : "",
			    strstr(cmd, "QRESYNC") ? " QRESYNC" : "", tag);
	} else {
		buf_appendf(&s->out, "%s OK done\r\n", tag);
	}
}

/* Takes what the client wrote and answers every complete line. */
static void srv_read_client(struct server *s, struct imap_engine *e)
{
	const char *data;
	size_t len = imap_engine_output(e, &data);
	char *nl;

	buf_append(&s->partial, data != NULL ? data : "", len);
	imap_engine_output_consumed(e, len);
	while (s->partial.len > 0 && (nl = memchr(s->partial.data, '\n', s->partial.len)) != NULL) {
		size_t n = (size_t)(nl - s->partial.data) + 1;
		char *line = xstrndup(s->partial.data, n - 2);

		srv_command(s, line);
		free(line);
		memmove(s->partial.data, s->partial.data + n, s->partial.len - n);
		s->partial.len -= n;
	}
}

/* What the sync handed over. */
struct got {
	struct buf msgs;      /* "uid:flags " per record, in order, "| " at a reset */
	struct buf preview;
	size_t resets;
};

static int got_msg(void *ctx, const struct hcache_msg *m)
{
	struct got *g = ctx;

	if (m == NULL) {
		g->resets++;
		buf_append_str(&g->msgs, "| ");
	} else {
		buf_appendf(&g->msgs, "%u:%x ", m->uid, m->flags);
	}
	return 0;
}

static int got_preview(void *ctx, const struct hcache_msg *m)
{
	struct got *g = ctx;

	buf_appendf(&g->preview, "%u ", m->uid);
	return 0;
}

static char dir[] = "/tmp/skua-test-sync-XXXXXX";
static char *cache_path;

struct run {
	enum sync_status status;
	const char *error;
	struct mailbox_load_stats stats;
	bool partial;
	char *preview_before_server; /* the preview as it was before any server byte was fed */
};

/* One sync of mailbox against the server, over a fresh engine; server bytes fed step_size at a time. */
static struct run run_sync(struct server *srv, const char *mailbox, size_t limit, size_t preview, struct got *g)
{
	struct imap_engine_settings set = { NULL, NULL, IMAP_AUTH_AUTO, NULL, 0, false, false, false };
	struct imap_engine *e = imap_engine_new(&set);
	struct hcache *hc = NULL;
	const char *notice, *error;
	struct sync_params p = { "acct", mailbox, true, preview, HCACHE_ORDER_DATE, limit, HCACHE_ORDER_DATE };
	struct sync_sink sink = { got_msg, got_preview, g };
	struct imap_event ev;
	struct run r;
	struct sync *s;
	size_t pos = 0;

	memset(&r, 0, sizeof(r));
	buf_reset(&srv->out);
	buf_reset(&srv->sent);
	buf_reset(&srv->partial);
	TEST_INTEQ(hcache_open(cache_path, &hc, &notice, &error), 0);
	buf_appendf(&srv->out, "* PREAUTH [CAPABILITY %s] ready\r\n", srv->capa);
	/* the greeting first, so that the engine is ready */
	while (!imap_engine_is_ready(e) && pos < srv->out.len) {
		imap_engine_input(e, srv->out.data + pos, 1);
		pos++;
		while (imap_engine_next_event(e, &ev, &error) > 0)
			;
	}
	TEST_ASSERT(imap_engine_is_ready(e));
	s = sync_new(e, hc, &p, &sink, &r.stats);
	r.status = sync_start(s, &r.error);
	r.preview_before_server = xstrdup(g->preview.data != NULL ? g->preview.data : "");
	while (r.status == SYNC_RUNNING) {
		int ret;

		srv_read_client(srv, e);
		if (pos >= srv->out.len) {
			TEST_ASSERT(!"the sync waits for a server that has nothing more to say");
			break;
		}
		size_t n = step_size == 0 || step_size > srv->out.len - pos ? srv->out.len - pos : step_size;
		imap_engine_input(e, srv->out.data + pos, n);
		pos += n;
		while (r.status == SYNC_RUNNING && (ret = imap_engine_next_event(e, &ev, &error)) > 0)
			r.status = sync_event(s, &ev, &r.error);
		if (ret < 0) {
			fprintf(stderr, "engine: %s\n", error);
			TEST_ASSERT(!"engine error");
			break;
		}
	}
	if (r.error != NULL)
		r.error = xstrdup(r.error);
	r.partial = sync_partial(s);
	sync_free(&s);
	TEST_ASSERT(s == NULL);
	hcache_close(&hc);
	imap_engine_free(&e);
	return r;
}

static void run_free(struct run *r)
{
	free((char *)r->error);
	free(r->preview_before_server);
}

static void got_reset(struct got *g)
{
	buf_reset(&g->msgs);
	buf_reset(&g->preview);
	g->resets = 0;
}

static bool sent(const struct server *s, const char *what)
{
	return s->sent.data != NULL && strstr(s->sent.data, what) != NULL;
}

static void server_init(struct server *s, const char *capa)
{
	memset(s, 0, sizeof(*s));
	s->capa = capa;
	s->uidvalidity = 77;
	s->uidnext = 1;
	s->highestmodseq = 100;
	for (uint32_t uid = 1; uid <= 5; uid++)
		srv_add(s, uid, 10 + uid, uid != 3);
	/* uid 2 was written first but sent last */
	s->msgs[1].date = 25;
}

#define CAPA_QRESYNC "IMAP4rev1 ENABLE CONDSTORE QRESYNC ESEARCH"
#define CAPA_CONDSTORE "IMAP4rev1 ENABLE CONDSTORE ESEARCH"
#define CAPA_PLAIN "IMAP4rev1 ESEARCH"

static void clear_cache(void)
{
	unlink(cache_path);
	char *lock = xasprintf("%s-lock", cache_path);
	unlink(lock);
	free(lock);
}

/* The whole life of a QRESYNC mailbox: cold, warm, changes, limits, UIDVALIDITY, refusal. */
static void qresync_life(void)
{
	struct server srv;
	struct got g = { BUF_INIT, BUF_INIT, 0 };
	struct run r;

	clear_cache();
	server_init(&srv, CAPA_QRESYNC);
	/* cold: newest first by sequence number, everything handed over and cached */
	r = run_sync(&srv, "INBOX", SIZE_MAX, 3, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_INTEQ(r.stats.method, MAILBOX_COLD);
	TEST_ASSERT(sent(&srv, "EXAMINE \"INBOX\"\n"));
	TEST_ASSERT(sent(&srv, "FETCH 1:5 (UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODY.PEEK[HEADER.FIELDS"));
	TEST_STREQ(g.msgs.data, "1:1 2:1 3:0 4:1 5:1 ");
	TEST_STREQ(r.preview_before_server, ""); /* nothing cached yet */
	TEST_INTEQ(r.stats.fetched, 5);
	run_free(&r);

	/* warm, unchanged: one round trip; the preview (newest by date: 2, 5, 4) before any server byte */
	got_reset(&g);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 3, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_INTEQ(r.stats.method, MAILBOX_QRESYNC);
	TEST_ASSERT(r.stats.unchanged);
	TEST_STREQ(r.preview_before_server, "2 5 4 ");
	TEST_ASSERT(sent(&srv, "EXAMINE \"INBOX\" (QRESYNC (77 105))\nUID FETCH 6:4294967295 (UID FLAGS"));
	TEST_STREQ(g.msgs.data, "1:1 2:1 3:0 4:1 5:1 ");
	TEST_INTEQ(r.stats.from_cache, 5);
	TEST_INTEQ(r.stats.fetched, 0);
	run_free(&r);

	/* changes: 2 expunged, 3 flagged, 6 new: only those cross the wire */
	srv_expunge(&srv, 2);
	srv_flag(&srv, 3, true);
	srv_add(&srv, 6, 27, false);
	got_reset(&g);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_INTEQ(r.stats.method, MAILBOX_QRESYNC);
	TEST_ASSERT(!r.stats.fell_back);
	TEST_STREQ(g.msgs.data, "6:0 1:1 3:4 4:1 5:1 ");
	TEST_INTEQ(r.stats.expunged, 1);
	TEST_INTEQ(r.stats.flag_changes, 1);
	TEST_INTEQ(r.stats.fetched, 1);
	run_free(&r);

	/* the newest two only: the cache's order, plus what is new (nothing) */
	got_reset(&g);
	r = run_sync(&srv, "INBOX", 2, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_ASSERT(r.partial);
	TEST_STREQ(g.msgs.data, "6:0 5:1 ");
	run_free(&r);
	/* a limit above the count hands over everything */
	got_reset(&g);
	r = run_sync(&srv, "INBOX", 50, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_ASSERT(!r.partial);
	TEST_STREQ(g.msgs.data, "6:0 5:1 4:1 3:4 1:1 ");
	run_free(&r);
	/* a new message and a limit: the new one, then the cache's newest */
	srv_add(&srv, 7, 1, true);
	got_reset(&g);
	r = run_sync(&srv, "INBOX", 2, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_ASSERT(r.partial);
	TEST_STREQ(g.msgs.data, "7:1 6:0 5:1 4:1 ");
	run_free(&r);

	/* the counts do not add up (the server says one more than it has): the long way, once */
	srv.exists_lie = 1;
	got_reset(&g);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_ASSERT(r.stats.fell_back);
	TEST_ASSERT(sent(&srv, "UID FETCH 1:* (UID FLAGS)\n"));
	TEST_INTEQ(r.stats.method, MAILBOX_SWEEP);
	run_free(&r);
	srv.exists_lie = 0;

	/* a hostile VANISHED of every possible UID: it costs what the cache holds, the counts do not add
	 * up, and the long way finds every message again */
	srv.vanish_all = true;
	got_reset(&g);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_ASSERT(r.stats.fell_back);
	TEST_STREQ(g.msgs.data, "1:1 3:4 4:1 5:1 6:0 7:1 ");
	run_free(&r);
	srv.vanish_all = false;

	/* UIDVALIDITY changed: everything again, nothing of the old records */
	srv.uidvalidity = 78;
	got_reset(&g);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_INTEQ(r.stats.method, MAILBOX_COLD);
	TEST_INTEQ(r.stats.fetched, 6);
	run_free(&r);
	got_reset(&g);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 0, &g);
	TEST_INTEQ(r.stats.method, MAILBOX_QRESYNC);
	TEST_INTEQ(r.stats.from_cache, 6);
	run_free(&r);

	/* a folder that does not exist: refused, after what was pipelined behind it drained */
	got_reset(&g);
	r = run_sync(&srv, "Nope", SIZE_MAX, 0, &g);
	TEST_INTEQ(r.status, SYNC_REFUSED);
	TEST_STREQ(r.error, "Mailbox doesn't exist");
	run_free(&r);
	buf_free(&g.msgs);
	buf_free(&g.preview);
	buf_free(&srv.out);
	buf_free(&srv.sent);
	buf_free(&srv.partial);
}

/* Without QRESYNC: CHANGEDSINCE and the UID list; without CONDSTORE: the flag sweep. */
static void other_methods(const char *capa, enum mailbox_method method, const char *probe)
{
	struct server srv;
	struct got g = { BUF_INIT, BUF_INIT, 0 };
	struct run r;

	clear_cache();
	server_init(&srv, capa);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_INTEQ(r.stats.method, MAILBOX_COLD);
	run_free(&r);
	srv_expunge(&srv, 4);
	srv_flag(&srv, 1, true);
	srv_add(&srv, 6, 27, false);
	got_reset(&g);
	r = run_sync(&srv, "INBOX", 2, 0, &g);
	TEST_INTEQ(r.status, SYNC_DONE);
	TEST_INTEQ(r.stats.method, method);
	TEST_ASSERT(sent(&srv, probe));
	TEST_ASSERT(!r.partial); /* only QRESYNC takes the newest from the cache's order */
	TEST_STREQ(g.msgs.data, "6:0 1:5 2:1 3:0 5:1 ");
	TEST_INTEQ(r.stats.expunged, 1);
	TEST_INTEQ(r.stats.flag_changes, 1);
	TEST_INTEQ(r.stats.fetched, 1);
	run_free(&r);
	/* and again: the cache holds the server's state */
	got_reset(&g);
	r = run_sync(&srv, "INBOX", SIZE_MAX, 0, &g);
	TEST_STREQ(g.msgs.data, "1:5 2:1 3:0 5:1 6:0 ");
	TEST_INTEQ(r.stats.from_cache, 5);
	run_free(&r);
	buf_free(&g.msgs);
	buf_free(&g.preview);
	buf_free(&srv.out);
	buf_free(&srv.sent);
	buf_free(&srv.partial);
}

static void condstore(void)
{
	other_methods(CAPA_CONDSTORE, MAILBOX_CONDSTORE, "UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE 105)");
}

static void sweep(void)
{
	other_methods(CAPA_PLAIN, MAILBOX_SWEEP, "UID FETCH 1:* (UID FLAGS)\n");
}

static void each_step(void (*fn)(void))
{
	static const size_t steps[] = { 0, 1, 7 };

	for (size_t i = 0; i < N_ELEMENTS(steps); i++) {
		step_size = steps[i];
		fn();
	}
}

static void test_qresync(void) { each_step(qresync_life); }
static void test_condstore(void) { each_step(condstore); }
static void test_sweep(void) { each_step(sweep); }

static void setup(void)
{
	TEST_ASSERT(mkdtemp(dir) != NULL);
	cache_path = xasprintf("%s/hcache.mdb", dir);
}

static void teardown(void)
{
	clear_cache();
	rmdir(dir);
	free(cache_path);
}

static const struct test_case cases[] = {
	{ "set up", setup },
	{ "QRESYNC: cold, warm, changes, limits, fallback, UIDVALIDITY, refusal", test_qresync },
	{ "CONDSTORE: changed flags and the UID list", test_condstore },
	{ "neither: the flag sweep", test_sweep },
	{ "tear down", teardown },
};

TEST_MAIN(cases)
