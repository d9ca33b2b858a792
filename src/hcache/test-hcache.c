/* test-hcache.c: the LMDB header cache: records, flags, deletes, state, clearing and persistence. */
#include "skua.h"
#include "hcache.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/skua-test-hcache-XXXXXX";
static char *path;

struct collected {
	uint32_t uids[16], flags[16];
	char subjects[16][32];
	size_t n;
};

static int collect(void *ctx, const struct hcache_msg *m)
{
	struct collected *c = ctx;
	if (c->n < 16) {
		c->uids[c->n] = m->uid;
		c->flags[c->n] = m->flags;
		if (m->field[HCACHE_SUBJECT] == NULL)
			snprintf(c->subjects[c->n], sizeof(c->subjects[0]), "(null)");
		else
			snprintf(c->subjects[c->n], sizeof(c->subjects[0]), "%.*s", (int)m->field_len[HCACHE_SUBJECT],
				 m->field[HCACHE_SUBJECT]);
		c->n++;
	}
	return 0;
}

static void put(struct hcache_txn *t, uint32_t uidv, uint32_t uid, const char *subject)
{
	struct hcache_msg m;
	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.flags = uid * 2;
	m.date = 1000 + uid;
	m.size = 10;
	m.field[HCACHE_SUBJECT] = subject;
	m.field_len[HCACHE_SUBJECT] = subject != NULL ? strlen(subject) : 0;
	TEST_INTEQ(hcache_txn_put(t, uidv, &m), 0);
}

static void test_roundtrip(void)
{
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	struct hcache_state st = { 7, 40, 3, 99 }, got;
	struct collected c;
	const char *error;

	TEST_INTEQ(hcache_open(path, &hc, &error), 0);
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX", &got, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	put(t, 7, 300, "three hundred");
	put(t, 7, 2, "two");
	put(t, 7, 40, NULL);
	put(t, 8, 1, "other uidvalidity");
	TEST_INTEQ(hcache_txn_set_state(t, &st), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	TEST_ASSERT(t == NULL);
	/* another mailbox of the same account is separate */
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX2", &t, &error), 0);
	put(t, 7, 5, "elsewhere");
	TEST_INTEQ(hcache_commit(&t, &error), 0);

	memset(&c, 0, sizeof(c));
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", 7, collect, &c, &error), 0);
	TEST_INTEQ(c.n, 3);
	TEST_INTEQ(c.uids[0], 2);
	TEST_INTEQ(c.uids[1], 40);
	TEST_INTEQ(c.uids[2], 300);
	TEST_STREQ(c.subjects[0], "two");
	TEST_STREQ(c.subjects[1], "(null)");
	TEST_INTEQ(c.flags[2], 600);
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX", &got, &error), 1);
	TEST_INTEQ(got.uidvalidity, 7);
	TEST_INTEQ(got.uidnext, 40);
	TEST_INTEQ(got.exists, 3);
	TEST_INTEQ(got.highestmodseq, 99);
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX2", &got, &error), 0);
	hcache_close(&hc);
	TEST_ASSERT(hc == NULL);

	/* persistence, flags, deletes, and an aborted transaction changing nothing */
	TEST_INTEQ(hcache_open(path, &hc, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	TEST_INTEQ(hcache_txn_set_flags(t, 7, 40, 1), 0);
	TEST_INTEQ(hcache_txn_set_flags(t, 7, 41, 1), 0); /* missing: stays missing */
	TEST_INTEQ(hcache_txn_delete(t, 7, 2), 0);
	TEST_INTEQ(hcache_txn_delete(t, 7, 3), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	TEST_INTEQ(hcache_txn_delete(t, 7, 300), 0);
	hcache_abort(&t);
	memset(&c, 0, sizeof(c));
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", 7, collect, &c, &error), 0);
	TEST_INTEQ(c.n, 2);
	TEST_INTEQ(c.uids[0], 40);
	TEST_INTEQ(c.flags[0], 1);
	TEST_INTEQ(c.uids[1], 300);

	/* clearing drops every UIDVALIDITY and the state, and nothing of the other mailbox */
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	TEST_INTEQ(hcache_txn_clear(t), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	memset(&c, 0, sizeof(c));
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", 7, collect, &c, &error), 0);
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", 8, collect, &c, &error), 0);
	TEST_INTEQ(c.n, 0);
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX", &got, &error), 0);
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX2", 7, collect, &c, &error), 0);
	TEST_INTEQ(c.n, 1);
	hcache_close(&hc);
}

static int count_refs(void *ctx, const struct hcache_msg *msg)
{
	*(size_t *)ctx = msg->field_len[HCACHE_REFERENCES];
	return 0;
}

static void test_long_field(void)
{
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	struct hcache_msg m;
	const char *error;
	char *big = xmalloc(HCACHE_MAX_FIELD * 2);
	size_t seen = 0;

	memset(big, 'r', HCACHE_MAX_FIELD * 2);
	memset(&m, 0, sizeof(m));
	m.uid = 1;
	m.field[HCACHE_REFERENCES] = big;
	m.field_len[HCACHE_REFERENCES] = HCACHE_MAX_FIELD * 2;
	TEST_INTEQ(hcache_open(path, &hc, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "a", "b", &t, &error), 0);
	TEST_INTEQ(hcache_txn_put(t, 1, &m), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	TEST_INTEQ(hcache_foreach(hc, "a", "b", 1, count_refs, &seen, &error), 0);
	TEST_INTEQ(seen, HCACHE_MAX_FIELD);
	hcache_close(&hc);
	free(big);
}

static void test_open_failure(void)
{
	struct hcache *hc = NULL;
	const char *error = NULL;
	TEST_INTEQ(hcache_open("/proc/skua/cannot/hcache.mdb", &hc, &error), -1);
	TEST_ASSERT(error != NULL && strstr(error, "header cache") != NULL);
	TEST_ASSERT(hc == NULL);
}

static void setup(void)
{
	TEST_ASSERT(mkdtemp(dir) != NULL);
	path = xasprintf("%s/sub/hcache.mdb", dir);
}

static void teardown(void)
{
	char *lock = xasprintf("%s-lock", path), *sub = xasprintf("%s/sub", dir);
	unlink(path);
	unlink(lock);
	rmdir(sub);
	rmdir(dir);
	free(lock);
	free(sub);
	free(path);
}

static const struct test_case tests[] = {
	{ "set up", setup },
	{ "records, state, flags, deletes, clear", test_roundtrip },
	{ "long fields are cut", test_long_field },
	{ "open failure", test_open_failure },
	{ "tear down", teardown },
};

TEST_MAIN(tests)
