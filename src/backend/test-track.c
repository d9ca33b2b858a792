/* test-track.c: the selected mailbox's tracker (untagged EXISTS, EXPUNGE, VANISHED, FETCH FLAGS into
 * the header cache and the changes for the UI), and the folder list's cost on a server that lists a
 * great many folders. */
#include "skua.h"
#include "backend/op.h"
#include "backend/track.h"
#include "hcache/hcache.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "hostile.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/skua-test-track-XXXXXX";
static char *cache_path;

#define UIDV 50

/* A cache of messages 1..n (UIDs 10, 20, ... 10n) with a state that counts them. */
static struct hcache *cache_of(size_t n)
{
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	const char *notice, *error;
	struct hcache_state st = { UIDV, (uint32_t)(10 * n + 1), (uint32_t)n, 7, HCACHE_STATE_ORDERED };

	unlink(cache_path);
	TEST_INTEQ(hcache_open(cache_path, &hc, &notice, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	for (size_t i = 1; i <= n; i++) {
		struct hcache_msg m;
		memset(&m, 0, sizeof(m));
		m.uid = (uint32_t)(10 * i);
		m.date = (int64_t)i;
		m.internaldate = (int64_t)i;
		TEST_INTEQ(hcache_txn_put(t, UIDV, &m), 0);
	}
	TEST_INTEQ(hcache_txn_set_state(t, &st), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	return hc;
}

static int count_fn(void *ctx, const struct hcache_msg *m)
{
	struct buf *b = ctx;
	buf_appendf(b, "%u:%x ", m->uid, m->flags);
	return 0;
}

static char *cached(struct hcache *hc)
{
	struct buf b = BUF_INIT;
	const char *error;

	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", UIDV, count_fn, &b, &error), 0);
	buf_append_str(&b, "");
	return buf_steal(&b);
}

static uint32_t state_exists(struct hcache *hc)
{
	struct hcache_state st;
	const char *error;

	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX", &st, &error), 1);
	return st.exists;
}

static void ev_number(struct track *t, enum imap_event_type type, uint32_t n)
{
	struct imap_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.u.number = n;
	track_event(t, &ev);
}

static void ev_vanished(struct track *t, const char *set, bool earlier)
{
	struct imap_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = IMAP_EVENT_VANISHED;
	ev.u.vanished.uidset = set;
	ev.u.vanished.earlier = earlier;
	track_event(t, &ev);
}

static void ev_flags(struct track *t, uint32_t seq, uint32_t uid, uint32_t flags)
{
	struct imap_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = IMAP_EVENT_FETCH;
	ev.u.fetch.seq = seq;
	ev.u.fetch.uid = uid;
	ev.u.fetch.flags = flags;
	ev.u.fetch.has_flags = true;
	ev.u.fetch.size = -1;
	track_event(t, &ev);
}

static char *expunged(const struct track_changes *c)
{
	struct buf b = BUF_INIT;

	imap_uidset_format(&c->expunged, &b);
	buf_append_str(&b, "");
	return buf_steal(&b);
}

static uint32_t *uids_of(size_t n)
{
	uint32_t *v = xmalloc(n * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[n - 1 - i] = (uint32_t)(10 * (i + 1)); /* any order */
	return v;
}

#define EXPECT_STR(got, want) do { char *g_ = (got); TEST_STREQ(g_, want); free(g_); } while (0)

static void test_known(void)
{
	struct hcache *hc = cache_of(5);
	struct track *t = track_new(hc, "acct", "INBOX", UIDV, 51, 5);
	struct track_changes *c;

	track_set_uids(t, uids_of(5), 5);
	TEST_ASSERT(track_flush(t) == NULL);
	/* another client flags message 3 (by sequence number, no UID), expunges the second */
	ev_flags(t, 3, 0, IMAP_FLAG_FLAGGED);
	ev_number(t, IMAP_EVENT_EXPUNGE, 2);
	/* then sequence 2 is UID 30 */
	ev_flags(t, 2, 0, IMAP_FLAG_SEEN);
	c = track_flush(t);
	TEST_ASSERT(c != NULL);
	TEST_INTEQ(c->exists, 4);
	TEST_INTEQ(c->n_flags, 2);
	TEST_INTEQ(c->flags[0].uid, 30);
	TEST_INTEQ(c->flags[1].uid, 30);
	TEST_INTEQ(c->flags[1].flags, IMAP_FLAG_SEEN);
	EXPECT_STR(expunged(c), "20");
	track_changes_free(c);
	EXPECT_STR(cached(hc), "10:0 30:1 40:0 50:0 ");
	TEST_INTEQ(state_exists(hc), 4);
	/* VANISHED of a range far wider than the mailbox: what is there goes, at no cost for the rest */
	ev_vanished(t, "1:15,45:4000000000", false);
	ev_vanished(t, "30", true); /* EARLIER belongs to a sync, not to the tracker */
	c = track_flush(t);
	EXPECT_STR(expunged(c), "10,50");
	TEST_INTEQ(c->exists, 2);
	track_changes_free(c);
	EXPECT_STR(cached(hc), "30:1 40:0 ");
	TEST_INTEQ(state_exists(hc), 2);
	/* new mail: wanted, not yet fetched */
	TEST_ASSERT(!track_wants_new(t));
	ev_number(t, IMAP_EVENT_EXISTS, 3);
	TEST_ASSERT(track_wants_new(t));
	c = track_flush(t);
	TEST_INTEQ(c->exists, 3);
	TEST_ASSERT(c->added == NULL);
	track_changes_free(c);
	track_free(&t);
	TEST_ASSERT(t == NULL);
	hcache_close(&hc);
}

static void test_unknown(void)
{
	struct hcache *hc = cache_of(5);
	struct track *t = track_new(hc, "acct", "INBOX", UIDV, 51, 5);
	struct track_changes *c;

	/* no UID list: an EXPUNGE cannot be placed (the next sync finds it), VANISHED and UIDs can */
	ev_number(t, IMAP_EVENT_EXPUNGE, 1);
	ev_flags(t, 2, 20, IMAP_FLAG_FLAGGED);
	ev_vanished(t, "40:4000000000", false);
	c = track_flush(t);
	EXPECT_STR(expunged(c), "40,50");
	TEST_INTEQ(c->n_flags, 1);
	track_changes_free(c);
	EXPECT_STR(cached(hc), "10:0 20:4 30:0 ");
	TEST_INTEQ(state_exists(hc), 3);
	track_free(&t);
	hcache_close(&hc);
}

/* A huge VANISHED range against a big cache costs what the cache holds in it. */
static void range_work(void *arg, size_t n)
{
	struct hcache *hc = arg;
	struct track *t = track_new(hc, "acct", "INBOX", UIDV, 4000000000u, (uint32_t)n);
	char set[64];

	/* n of the cached messages lie in the range: the rest of it is empty */
	snprintf(set, sizeof(set), "1:%zu", 10 * n);
	ev_vanished(t, set, false);
	track_changes_free(track_flush(t));
	track_free(&t);
	/* put them back for the next run */
	struct hcache_txn *tx;
	const char *error;
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &tx, &error), 0);
	for (size_t i = 1; i <= n; i++) {
		struct hcache_msg m;
		memset(&m, 0, sizeof(m));
		m.uid = (uint32_t)(10 * i);
		TEST_INTEQ(hcache_txn_put(tx, UIDV, &m), 0);
	}
	TEST_INTEQ(hcache_commit(&tx, &error), 0);
}

static void test_range_cost(void)
{
	struct hcache *hc = cache_of(8000);

	TEST_ASSERT(hostile_ratio("VANISHED 1:N over N cached", range_work, hc, 250, 2000, 0.005, NULL) <
		    HOSTILE_MAX_RATIO);
	hcache_close(&hc);
}

/* A server listing n folders, each with a STATUS: linear. */
static void folders_work(void *arg, size_t n)
{
	struct worker_folder_list fl;
	struct imap_event ev;
	char name[32];

	(void)arg;
	memset(&fl, 0, sizeof(fl));
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "folder%zu", i);
		memset(&ev, 0, sizeof(ev));
		ev.type = IMAP_EVENT_LIST;
		ev.u.list.name = name;
		worker_folder_list_event(&fl, &ev);
		memset(&ev, 0, sizeof(ev));
		ev.type = IMAP_EVENT_STATUS;
		ev.u.status.name = name;
		ev.u.status.messages = (int64_t)i;
		ev.u.status.unseen = -1;
		worker_folder_list_event(&fl, &ev);
	}
	TEST_INTEQ(fl.n, n);
	worker_folder_list_sort(&fl);
	worker_folder_list_free(&fl);
}

static void test_folders_cost(void)
{
	TEST_ASSERT(hostile_ratio("n folders listed", folders_work, NULL, 1000, 256000, 0.005, NULL) <
		    HOSTILE_MAX_RATIO);
}

static void setup(void)
{
	TEST_ASSERT(mkdtemp(dir) != NULL);
	cache_path = xasprintf("%s/hcache.mdb", dir);
}

static void teardown(void)
{
	char *lock = xasprintf("%s-lock", cache_path);

	unlink(cache_path);
	unlink(lock);
	rmdir(dir);
	free(lock);
	free(cache_path);
}

static const struct test_case cases[] = {
	{ "set up", setup },
	{ "known UIDs: flags by sequence, EXPUNGE, VANISHED, EXISTS", test_known },
	{ "unknown UIDs: VANISHED and UIDs followed, EXPUNGE left", test_unknown },
	{ "a huge VANISHED range costs what the cache holds in it", test_range_cost },
	{ "a server listing many folders: linear", test_folders_cost },
	{ "tear down", teardown },
};

TEST_MAIN(cases)
