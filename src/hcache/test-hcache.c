/* test-hcache.c: the LMDB header cache: records, flags, deletes, state, clearing, persistence, and
 * records of other versions or malformed ones. */
#include "skua.h"
#include "hcache.h"
#include "lib/buf.h"
#include "lib/paths.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <dirent.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VARINT_TEST_LEN 12

static char dir[] = "/tmp/skua-test-hcache-XXXXXX";
static char *path;
static const char *notice;

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
	struct hcache_state st = { 7, 40, 3, 99, HCACHE_STATE_QRESYNC }, got;
	struct collected c;
	const char *error;

	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
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
	TEST_INTEQ(got.flags, HCACHE_STATE_QRESYNC);
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX2", &got, &error), 0);
	hcache_close(&hc);
	TEST_ASSERT(hc == NULL);

	/* persistence, flags, deletes, and an aborted transaction changing nothing */
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	TEST_INTEQ(hcache_txn_set_flags(t, 7, 40, 1, 0), 0);
	TEST_INTEQ(hcache_txn_set_flags(t, 7, 41, 1, 0), 0); /* missing: stays missing */
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
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "a", "b", &t, &error), 0);
	TEST_INTEQ(hcache_txn_put(t, 1, &m), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	TEST_INTEQ(hcache_foreach(hc, "a", "b", 1, count_refs, &seen, &error), 0);
	TEST_INTEQ(seen, HCACHE_MAX_FIELD);
	hcache_close(&hc);
	free(big);
}

/* A message with every field of a version-2 record set. */
static void full_msg(struct hcache_msg *m, uint32_t uid)
{
	static const char *const values[HCACHE_NFIELDS] = {
		"A <a@example.org>", "Subject \xc3\xa9", "<id@x>", "<parent@x>", "<root@x> <parent@x>",
		"b@example.org", NULL, "<list.example.org>", "multipart/mixed; boundary=x",
	};
	memset(m, 0, sizeof(*m));
	m->uid = uid;
	m->flags = 0x8000001f;
	m->hints = HCACHE_HINT_ATTACHMENT;
	m->modseq = UINT64_C(0x123456789abcdef0);
	m->date = -1;                       /* unknown */
	m->internaldate = INT64_C(1743508800);
	m->size = INT64_C(5) << 40;
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		m->field[i] = values[i];
		m->field_len[i] = values[i] != NULL ? strlen(values[i]) : 0;
	}
}

static void assert_same_msg(const struct hcache_msg *a, const struct hcache_msg *b)
{
	TEST_INTEQ(a->uid, b->uid);
	TEST_INTEQ(a->flags, b->flags);
	TEST_INTEQ(a->hints, b->hints);
	TEST_ASSERT(a->modseq == b->modseq);
	TEST_INTEQ(a->date, b->date);
	TEST_INTEQ(a->internaldate, b->internaldate);
	TEST_INTEQ(a->size, b->size);
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		TEST_ASSERT((a->field[i] == NULL) == (b->field[i] == NULL));
		TEST_INTEQ(a->field_len[i], b->field_len[i]);
		if (a->field[i] != NULL && b->field[i] != NULL && a->field_len[i] == b->field_len[i])
			TEST_ASSERT(memcmp(a->field[i], b->field[i], a->field_len[i]) == 0);
	}
}

struct saved {
	struct hcache_msg msg;
	size_t n;
	struct buf copy;    /* the strings, re-encoded: they die with the callback */
};

static int save_one(void *ctx, const struct hcache_msg *m)
{
	struct saved *sv = ctx;
	sv->n++;
	buf_reset(&sv->copy);
	hcache_msg_encode(m, &sv->copy);
	TEST_ASSERT(hcache_msg_decode(m->uid, sv->copy.data, sv->copy.len, &sv->msg));
	return 0;
}

static void test_v2_fields(void)
{
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	struct hcache_msg m, small;
	struct saved sv = { .copy = BUF_INIT };
	struct buf enc = BUF_INIT;
	const char *error;

	full_msg(&m, 77);
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "v2", "INBOX", &t, &error), 0);
	TEST_INTEQ(hcache_txn_put(t, 3, &m), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	TEST_INTEQ(hcache_foreach(hc, "v2", "INBOX", 3, save_one, &sv, &error), 0);
	TEST_INTEQ(sv.n, 1);
	assert_same_msg(&sv.msg, &m);

	/* flags and modseq change in place, nothing else does */
	TEST_INTEQ(hcache_begin(hc, "v2", "INBOX", &t, &error), 0);
	TEST_INTEQ(hcache_txn_set_flags(t, 3, 77, 0x2, 900), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	sv.n = 0;
	TEST_INTEQ(hcache_foreach(hc, "v2", "INBOX", 3, save_one, &sv, &error), 0);
	TEST_INTEQ(sv.n, 1);
	m.flags = 0x2;
	m.modseq = 900;
	assert_same_msg(&sv.msg, &m);
	hcache_close(&hc);

	/* compact: a message with little in it takes few bytes */
	memset(&small, 0, sizeof(small));
	small.date = 1743508800;
	small.internaldate = -1;
	small.size = 2000;
	hcache_msg_encode(&small, &enc);
	TEST_ASSERT(enc.len <= 13 + 1 + 5 + 1 + 2 + HCACHE_NFIELDS);
	buf_free(&enc);
	buf_free(&sv.copy);
}

/* Writes a raw value under a key: kind, the mailbox hash, and for a message (kind 'm') uidvalidity and
 * uid. */
static void put_raw_key(char kind, const char *account, const char *mailbox, uint32_t uidvalidity, uint32_t uid,
			const void *data, size_t len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	uint8_t key[17];
	uint64_t h = paths_hash_pair(account, mailbox);
	MDB_val k = { kind == 'm' ? 17 : 9, key }, v = { len, (void *)data };

	key[0] = (uint8_t)kind;
	for (int i = 0; i < 8; i++)
		key[1 + i] = (uint8_t)(h >> (56 - 8 * i));
	for (int i = 0; i < 4; i++) {
		key[9 + i] = (uint8_t)(uidvalidity >> (24 - 8 * i));
		key[13 + i] = (uint8_t)(uid >> (24 - 8 * i));
	}
	TEST_INTEQ(mdb_env_create(&env), 0);
	TEST_INTEQ(mdb_env_open(env, path, MDB_NOSUBDIR, 0600), 0);
	TEST_INTEQ(mdb_txn_begin(env, NULL, 0, &txn), 0);
	TEST_INTEQ(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	TEST_INTEQ(mdb_put(txn, dbi, &k, &v, 0), 0);
	TEST_INTEQ(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void put_raw(const char *account, const char *mailbox, uint32_t uidvalidity, uint32_t uid,
		    const void *data, size_t len)
{
	put_raw_key('m', account, mailbox, uidvalidity, uid, data, len);
}

static int count_msgs(void *ctx, const struct hcache_msg *m)
{
	(void)m;
	(*(size_t *)ctx)++;
	return 0;
}

static size_t count_records(const char *account, const char *mailbox, uint32_t uidvalidity)
{
	struct hcache *hc = NULL;
	const char *error;
	size_t n = 0;

	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	if (hc != NULL)
		TEST_INTEQ(hcache_foreach(hc, account, mailbox, uidvalidity, count_msgs, &n, &error), 0);
	hcache_close(&hc);
	return n;
}

static void test_other_versions(void)
{
	/* a version-1 record as the previous release wrote it: version, flags, date, size (LE), then
	 * NFIELDS (LE32 length or 0xffffffff, bytes) */
	uint8_t v1[1 + 4 + 8 + 8 + 4 * HCACHE_NFIELDS];
	uint8_t v3[64];
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	struct hcache_msg m;
	const char *error;

	memset(v1, 0, sizeof(v1));
	v1[0] = 1;
	memset(v1 + 21, 0xff, 4 * HCACHE_NFIELDS);
	memset(v3, 0, sizeof(v3));
	v3[0] = 3;
	put_raw("old", "INBOX", 5, 1, v1, sizeof(v1));
	put_raw("old", "INBOX", 5, 3, v3, sizeof(v3));
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "old", "INBOX", &t, &error), 0);
	full_msg(&m, 2);
	TEST_INTEQ(hcache_txn_put(t, 5, &m), 0);
	/* flags of an old record are not patched into it: it stays old, so it is fetched again */
	TEST_INTEQ(hcache_txn_set_flags(t, 5, 1, 0x1, 7), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	hcache_close(&hc);
	TEST_INTEQ(count_records("old", "INBOX", 5), 1);
	TEST_ASSERT(!hcache_msg_decode(1, v1, sizeof(v1), &m));
	TEST_ASSERT(!hcache_msg_decode(3, v3, sizeof(v3), &m));
}

/* Decodes data[0..len) from an allocation of exactly len bytes, so that AddressSanitizer sees any
 * read past the end. */
static bool decode_exact(const uint8_t *data, size_t len, struct hcache_msg *m)
{
	uint8_t *copy = xmalloc(len > 0 ? len : 1);
	bool ok;

	memcpy(copy, data, len);
	ok = hcache_msg_decode(1, len > 0 ? copy : NULL, len, m);
	free(copy);
	return ok;
}

static void test_malformed(void)
{
	struct hcache_msg m, out;
	struct buf enc = BUF_INIT;
	uint8_t *bad;
	size_t skipped = 0;

	full_msg(&m, 1);
	hcache_msg_encode(&m, &enc);
	TEST_ASSERT(decode_exact((const uint8_t *)enc.data, enc.len, &out));
	/* every truncation, and one extra byte, is refused */
	for (size_t len = 0; len < enc.len; len++)
		TEST_ASSERT(!decode_exact((const uint8_t *)enc.data, len, &out));
	bad = xmalloc(enc.len + 1);
	memcpy(bad, enc.data, enc.len);
	bad[enc.len] = 0;
	TEST_ASSERT(!decode_exact(bad, enc.len + 1, &out));
	/* every byte after the version set to each of a few values: never a read out of bounds, and
	 * whatever decodes has its fields inside the record */
	for (size_t i = 1; i < enc.len; i++) {
		static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
		for (size_t j = 0; j < sizeof(values); j++) {
			memcpy(bad, enc.data, enc.len);
			bad[i] = values[j];
			if (!decode_exact(bad, enc.len, &out)) {
				skipped++;
				continue;
			}
			for (int f = 0; f < HCACHE_NFIELDS; f++)
				TEST_ASSERT(out.field[f] == NULL ||
					    out.field_len[f] <= enc.len - (size_t)((const uint8_t *)out.field[f] - bad));
		}
	}
	TEST_ASSERT(skipped > 0);
	/* a length that does not fit 64 bits, and one past the end */
	{
		uint8_t huge[13 + 4 + VARINT_TEST_LEN];
		memset(huge, 0, sizeof(huge));
		huge[0] = HCACHE_RECORD_VERSION;
		memset(huge + 13, 0xff, sizeof(huge) - 13);
		TEST_ASSERT(!decode_exact(huge, sizeof(huge), &out));
		memset(huge + 13, 0, sizeof(huge) - 13);
		huge[17] = 0x7f; /* first field: 126 bytes, with fewer left */
		TEST_ASSERT(!decode_exact(huge, 18, &out));
	}
	free(bad);
	buf_free(&enc);

	/* in the cache: truncated records are skipped, the good one beside them is read */
	hcache_msg_encode(&m, &enc);
	for (size_t len = 0; len < enc.len; len++)
		put_raw("trunc", "INBOX", 1, (uint32_t)(100 + len), enc.data, len);
	put_raw("trunc", "INBOX", 1, 5000, enc.data, enc.len);
	TEST_INTEQ(count_records("trunc", "INBOX", 1), 1);
	buf_free(&enc);
}

/* put with chosen dates */
static void put_dated(struct hcache_txn *t, uint32_t uidv, uint32_t uid, int64_t date, int64_t internaldate)
{
	struct hcache_msg m;
	memset(&m, 0, sizeof(m));
	m.uid = uid;
	m.date = date;
	m.internaldate = internaldate;
	m.size = 1;
	TEST_INTEQ(hcache_txn_put(t, uidv, &m), 0);
}

static void expect_newest(struct hcache *hc, const char *mailbox, uint32_t uidv, enum hcache_order order,
			  size_t limit, int ret, const char *uids)
{
	struct collected c;
	struct buf got = BUF_INIT;
	const char *error;

	memset(&c, 0, sizeof(c));
	TEST_INTEQ(hcache_newest(hc, "acct", mailbox, uidv, order, limit, collect, &c, &error), ret);
	for (size_t i = 0; i < c.n; i++)
		buf_appendf(&got, "%s%u", i > 0 ? " " : "", c.uids[i]);
	TEST_STREQ(got.data != NULL ? got.data : "", uids);
	buf_free(&got);
}

static void test_order(void)
{
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	struct hcache_state st = { 9, 100, 6, 0, HCACHE_STATE_ORDERED }, got;
	bool existed = true;
	const char *error;

	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_INTEQ(hcache_begin(hc, "acct", "Order", &t, &error), 0);
	put_dated(t, 9, 1, 500, 10);
	put_dated(t, 9, 2, 300, 20);
	put_dated(t, 9, 3, 500, -1);   /* same date as 1: the higher UID first; arrival unknown: oldest */
	put_dated(t, 9, 4, -5, 40);    /* a date before 1970 */
	put_dated(t, 9, 5, 900, 30);
	put_dated(t, 9, 6, 100, 40);   /* same arrival as 4 */
	put_dated(t, 8, 7, 99999, 99999); /* another UIDVALIDITY */
	TEST_INTEQ(hcache_txn_set_state(t, &st), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	expect_newest(hc, "Order", 9, HCACHE_ORDER_DATE, SIZE_MAX, 1, "5 3 1 2 6 4");
	expect_newest(hc, "Order", 9, HCACHE_ORDER_DATE, 2, 1, "5 3");
	expect_newest(hc, "Order", 9, HCACHE_ORDER_ARRIVAL, SIZE_MAX, 1, "6 4 5 2 1 3");
	/* the state names another UIDVALIDITY, or is not ordered: the cache cannot say */
	expect_newest(hc, "Order", 8, HCACHE_ORDER_DATE, SIZE_MAX, 0, "");
	expect_newest(hc, "Nothing", 9, HCACHE_ORDER_DATE, SIZE_MAX, 0, "");

	/* a replaced record with another date moves; a deleted one leaves the order */
	TEST_INTEQ(hcache_begin(hc, "acct", "Order", &t, &error), 0);
	put_dated(t, 9, 5, 1, 30);
	TEST_INTEQ(hcache_txn_remove(t, 9, 3, &existed), 0);
	TEST_ASSERT(existed);
	TEST_INTEQ(hcache_txn_remove(t, 9, 3, &existed), 0);
	TEST_ASSERT(!existed);
	TEST_INTEQ(hcache_txn_set_flags(t, 9, 1, 0x4, 0), 0);
	TEST_INTEQ(hcache_txn_get_state(t, &got), 1);
	TEST_INTEQ(got.uidvalidity, 9);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	expect_newest(hc, "Order", 9, HCACHE_ORDER_DATE, SIZE_MAX, 1, "1 2 6 5 4");

	/* an order key whose record is gone (written by hand): untrusted */
	TEST_INTEQ(hcache_begin(hc, "acct", "Order", &t, &error), 0);
	put_dated(t, 9, 50, 7777, 7777);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	hcache_close(&hc);
	put_raw_key('m', "acct", "Order", 9, 50, "", 0);
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	expect_newest(hc, "Order", 9, HCACHE_ORDER_DATE, SIZE_MAX, 0, "");

	/* a range removal takes what is there, whatever the range spans */
	TEST_INTEQ(hcache_begin(hc, "acct", "Order", &t, &error), 0);
	put_dated(t, 9, 60, 1, 1);
	put_dated(t, 9, 70, 2, 2);
	TEST_INTEQ(hcache_txn_remove_range(t, 9, 55, 4000000000u, NULL, NULL), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	expect_newest(hc, "Order", 9, HCACHE_ORDER_DATE, SIZE_MAX, 0, "");

	/* clearing drops the order keys too; a cache without them is rebuilt by build_order */
	TEST_INTEQ(hcache_begin(hc, "acct", "Order", &t, &error), 0);
	TEST_INTEQ(hcache_txn_clear(t), 0);
	TEST_INTEQ(hcache_txn_get_state(t, &got), 0);
	put_dated(t, 9, 1, 10, 10);
	put_dated(t, 9, 2, 20, 20);
	TEST_INTEQ(hcache_txn_set_state(t, &st), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	expect_newest(hc, "Order", 9, HCACHE_ORDER_DATE, SIZE_MAX, 1, "2 1");
	TEST_INTEQ(hcache_begin(hc, "acct", "Order", &t, &error), 0);
	{
		struct hcache_msg m;
		memset(&m, 0, sizeof(m));
		m.uid = 3;
		m.date = 15;
		m.internaldate = 30;
		TEST_INTEQ(hcache_txn_put_new(t, 9, &m), 0);
		TEST_INTEQ(hcache_txn_put_order(t, 9, HCACHE_ORDER_DATE, 3, 15), 0);
		TEST_INTEQ(hcache_txn_put_order(t, 9, HCACHE_ORDER_ARRIVAL, 3, 30), 0);
	}
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	expect_newest(hc, "Order", 9, HCACHE_ORDER_DATE, SIZE_MAX, 1, "2 3 1");
	expect_newest(hc, "Order", 9, HCACHE_ORDER_ARRIVAL, SIZE_MAX, 1, "3 2 1");
	TEST_INTEQ(hcache_begin(hc, "acct", "Order", &t, &error), 0);
	TEST_INTEQ(hcache_txn_build_order(t, 9), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	expect_newest(hc, "Order", 9, HCACHE_ORDER_ARRIVAL, SIZE_MAX, 1, "3 2 1");
	hcache_close(&hc);
}

static void test_open_failure(void)
{
	struct hcache *hc = NULL;
	const char *error = NULL;
	TEST_INTEQ(hcache_open("/proc/skua/cannot/hcache.mdb", &hc, &notice, &error), -1);
	TEST_ASSERT(error != NULL && strstr(error, "header cache") != NULL);
	TEST_ASSERT(hc == NULL);
}

/* Removes the cache, its lock file and marker, and every file moved aside; returns how many files were
 * moved aside. */
static int reset_files(void)
{
	char *sub = xasprintf("%s/sub", dir), *base = strrchr(path, '/') + 1;
	char *corrupt_prefix = xasprintf("%s.corrupt-", base);
	DIR *d = opendir(sub);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		char *f;
		if (de->d_name[0] == '.')
			continue;
		if (strncmp(de->d_name, corrupt_prefix, strlen(corrupt_prefix)) == 0)
			n++;
		f = xasprintf("%s/%s", sub, de->d_name);
		unlink(f);
		free(f);
	}
	if (d != NULL)
		closedir(d);
	free(corrupt_prefix);
	free(sub);
	return n;
}

/* Fills the cache with enough records for many pages; returns the file size. */
static off_t fill_cache(void)
{
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	struct stat sb;
	const char *error;
	char subject[600];

	memset(subject, 's', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '\0';
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_ASSERT(notice == NULL);
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	for (uint32_t uid = 1; uid <= 200; uid++)
		put(t, 1, uid, subject);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	hcache_close(&hc);
	TEST_INTEQ(stat(path, &sb), 0);
	return sb.st_size;
}

/* Opens a damaged cache: it must be moved aside with a notice, and the new one must work. */
static void expect_moved_aside(const char *what)
{
	struct hcache *hc = NULL;
	struct hcache_txn *t;
	struct hcache_state st;
	const char *error = NULL;
	size_t n = 0;

	notice = NULL;
	if (hcache_open(path, &hc, &notice, &error) < 0) {
		fprintf(stderr, "%s: %s\n", what, error);
		TEST_ASSERT(!"open failed");
		return;
	}
	if (notice == NULL || strstr(notice, "damaged") == NULL || strstr(notice, ".corrupt-") == NULL) {
		fprintf(stderr, "%s: notice %s\n", what, notice != NULL ? notice : "(none)");
		TEST_ASSERT(!"no notice");
	}
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX", &st, &error), 0);
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", 1, count_msgs, &n, &error), 0);
	TEST_INTEQ(n, 0);
	TEST_INTEQ(hcache_begin(hc, "acct", "INBOX", &t, &error), 0);
	put(t, 1, 9, "after");
	TEST_INTEQ(hcache_commit(&t, &error), 0);
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", 1, count_msgs, &n, &error), 0);
	TEST_INTEQ(n, 1);
	hcache_close(&hc);
	/* once is enough: the new cache opens quietly */
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_ASSERT(notice == NULL);
	hcache_close(&hc);
	if (reset_files() != 1) {
		fprintf(stderr, "%s: not exactly one file moved aside\n", what);
		TEST_ASSERT(!"moved aside");
	}
}

static void write_file(const char *file, const void *data, size_t len)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	TEST_ASSERT(fd >= 0);
	TEST_INTEQ(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_damaged(void)
{
	off_t size;
	char *garbage = xmalloc(5 * 4096);
	uint32_t x = 12345;
	struct hcache *hc = NULL;
	const char *error;
	size_t n = 0;

	reset_files();
	/* truncated to half, in whole pages (LMDB's last used page is gone) and not */
	size = fill_cache();
	TEST_ASSERT(size >= 8 * 4096);
	TEST_INTEQ(truncate(path, size / 2 / 4096 * 4096), 0);
	expect_moved_aside("truncated to whole pages");
	size = fill_cache();
	TEST_INTEQ(truncate(path, size / 2 + 100), 0);
	expect_moved_aside("truncated mid-page");
	/* too short for the two meta pages */
	fill_cache();
	TEST_INTEQ(truncate(path, 4096), 0);
	expect_moved_aside("one page");
	fill_cache();
	TEST_INTEQ(truncate(path, 100), 0);
	expect_moved_aside("100 bytes");
	/* garbage, in whole pages (LMDB refuses it) and not */
	for (size_t i = 0; i < 5 * 4096; i++) {
		x = x * 1103515245 + 12345;
		garbage[i] = (char)(x >> 16);
	}
	write_file(path, garbage, 5 * 4096);
	expect_moved_aside("garbage");
	write_file(path, garbage, 20000);
	expect_moved_aside("garbage, 20000 bytes");
	/* the data pages zeroed: LMDB opens it, the first read finds it corrupted and leaves the marker */
	size = fill_cache();
	memset(garbage, 0, 4096);
	{
		int fd = open(path, O_WRONLY);
		TEST_ASSERT(fd >= 0);
		for (off_t off = 2 * 4096; off < size; off += 4096)
			TEST_INTEQ(pwrite(fd, garbage, 4096, off), 4096);
		close(fd);
	}
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_ASSERT(notice == NULL);
	TEST_INTEQ(hcache_foreach(hc, "acct", "INBOX", 1, count_msgs, &n, &error), -1);
	hcache_close(&hc);
	{
		char *marker = xasprintf("%s.damaged", path);
		TEST_INTEQ(access(marker, F_OK), 0);
		free(marker);
	}
	expect_moved_aside("zeroed pages");
	/* an empty file is a new cache, not a damaged one */
	write_file(path, "", 0);
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_ASSERT(notice == NULL);
	hcache_close(&hc);
	TEST_INTEQ(reset_files(), 0);
	free(garbage);
}

static void put_mailbox(struct hcache *hc, const char *account, const char *mailbox, uint32_t n)
{
	struct hcache_txn *t;
	struct hcache_state st = { 7, n + 1, n, 1000 + n, HCACHE_STATE_QRESYNC };
	const char *error;

	TEST_INTEQ(hcache_begin(hc, account, mailbox, &t, &error), 0);
	for (uint32_t uid = 1; uid <= n; uid++)
		put(t, 7, uid, "s");
	TEST_INTEQ(hcache_txn_set_state(t, &st), 0);
	TEST_INTEQ(hcache_commit(&t, &error), 0);
}

static const struct hcache_mailbox_stats *find_stats(const struct hcache_stats *st, const char *account,
						      const char *mailbox)
{
	for (size_t i = 0; i < st->n_mailboxes; i++) {
		const struct hcache_mailbox_stats *ms = &st->mailboxes[i];
		if ((account == NULL && ms->account == NULL) ||
		    (account != NULL && ms->account != NULL && strcmp(ms->account, account) == 0 &&
		     strcmp(ms->mailbox, mailbox) == 0))
			return ms;
	}
	return NULL;
}

static size_t stats_count(struct hcache *hc, const char *account, const char *mailbox, uint64_t *records_r)
{
	struct hcache_stats *st = NULL;
	const char *error;
	size_t n;

	TEST_INTEQ(hcache_stats(hc, account, mailbox, &st, &error), 0);
	if (st == NULL)
		return 0;
	n = st->n_mailboxes;
	*records_r = st->records + st->other_records;
	hcache_stats_free(&st);
	TEST_ASSERT(st == NULL);
	return n;
}

static void test_stats_clear(void)
{
	struct hcache *hc = NULL;
	struct hcache_stats *st = NULL;
	const struct hcache_mailbox_stats *ms;
	struct hcache_state got;
	const char *error;
	uint8_t v1[1 + 12 + 8 + 4 + 8], rec[16];
	uint64_t records;

	reset_files();
	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	put_mailbox(hc, "acct", "INBOX", 3);
	put_mailbox(hc, "acct", "Archive", 2);
	put_mailbox(hc, "other", "INBOX", 1);
	hcache_close(&hc);
	/* a record of another version beside acct/INBOX's; a version-1 state (old/Box); records whose
	 * state is missing (ghost/x) */
	memset(rec, 0, sizeof(rec));
	rec[0] = 1;
	put_raw("acct", "INBOX", 7, 50, rec, sizeof(rec));
	memset(v1, 0, sizeof(v1));
	v1[0] = 1;
	v1[21] = 7;
	memcpy(v1 + 25, "old\0Box", 7);
	put_raw_key('s', "old", "Box", 0, 0, v1, 25 + 7);
	put_raw("old", "Box", 1, 1, rec, sizeof(rec));
	put_raw("ghost", "x", 1, 1, rec, sizeof(rec));
	put_raw("ghost", "x", 1, 2, rec, sizeof(rec));

	TEST_INTEQ(hcache_open(path, &hc, &notice, &error), 0);
	TEST_INTEQ(hcache_state_get(hc, "old", "Box", &got, &error), 0);  /* version 1: no state */
	TEST_INTEQ(hcache_stats(hc, NULL, NULL, &st, &error), 0);
	TEST_INTEQ(st->n_mailboxes, 5);
	/* sorted by account and mailbox, the unnamed last */
	TEST_STREQ(st->mailboxes[0].account, "acct");
	TEST_STREQ(st->mailboxes[0].mailbox, "Archive");
	TEST_STREQ(st->mailboxes[1].mailbox, "INBOX");
	TEST_STREQ(st->mailboxes[2].account, "old");
	TEST_STREQ(st->mailboxes[3].account, "other");
	TEST_ASSERT(st->mailboxes[4].account == NULL && st->mailboxes[4].mailbox == NULL);
	ms = find_stats(st, "acct", "INBOX");
	TEST_ASSERT(ms != NULL && ms->has_state);
	if (ms != NULL) {
		TEST_INTEQ(ms->records, 3);
		TEST_INTEQ(ms->other_records, 1);
		TEST_INTEQ(ms->state.uidvalidity, 7);
		TEST_INTEQ(ms->state.uidnext, 4);
		TEST_INTEQ(ms->state.exists, 3);
		TEST_INTEQ(ms->state.highestmodseq, 1003);
		TEST_INTEQ(ms->state.flags, HCACHE_STATE_QRESYNC);
		TEST_ASSERT(ms->bytes > 3 * 13 + sizeof(rec));
	}
	ms = find_stats(st, "old", "Box");
	TEST_ASSERT(ms != NULL && !ms->has_state && ms->records == 0 && ms->other_records == 1 &&
		    ms->state.uidvalidity == 0);
	ms = find_stats(st, NULL, NULL);
	TEST_ASSERT(ms != NULL && ms->other_records == 2 && ms->bytes == 2 * sizeof(rec));
	TEST_INTEQ(st->records, 3 + 2 + 1);
	TEST_INTEQ(st->other_records, 1 + 1 + 2);
	TEST_ASSERT(st->page_size >= 512 && st->pages_used >= 3 && st->data_pages >= 1 &&
		    st->data_pages <= st->pages_used && st->file_size >= st->pages_used * st->page_size);
	hcache_stats_free(&st);

	/* one account; one mailbox, named, even when absent */
	TEST_INTEQ(stats_count(hc, "acct", NULL, &records), 2);
	TEST_INTEQ(records, 6);
	TEST_INTEQ(stats_count(hc, "acct", "INBOX", &records), 1);
	TEST_INTEQ(records, 4);
	TEST_INTEQ(stats_count(hc, "acct", "Nope", &records), 1);
	TEST_INTEQ(records, 0);
	TEST_INTEQ(stats_count(hc, "nobody", NULL, &records), 0);

	/* clear one mailbox, then an account (a version-1 state is found too), then everything */
	TEST_INTEQ(hcache_clear(hc, "acct", "INBOX", &error), 0);
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX", &got, &error), 0);
	TEST_INTEQ(stats_count(hc, "acct", "INBOX", &records), 1);
	TEST_INTEQ(records, 0);
	TEST_INTEQ(stats_count(hc, "acct", NULL, &records), 1);
	TEST_INTEQ(records, 2);
	TEST_INTEQ(hcache_clear(hc, "old", NULL, &error), 0);
	TEST_INTEQ(stats_count(hc, "old", NULL, &records), 0);
	TEST_INTEQ(stats_count(hc, NULL, NULL, &records), 3);
	TEST_INTEQ(records, 2 + 1 + 2);
	TEST_INTEQ(hcache_clear(hc, "acct", NULL, &error), 0);
	TEST_INTEQ(stats_count(hc, NULL, NULL, &records), 2);
	TEST_INTEQ(hcache_state_get(hc, "other", "INBOX", &got, &error), 1);
	TEST_INTEQ(hcache_clear(hc, NULL, NULL, &error), 0);
	TEST_INTEQ(stats_count(hc, NULL, NULL, &records), 0);
	TEST_INTEQ(records, 0);
	/* and it is still a working cache */
	put_mailbox(hc, "acct", "INBOX", 2);
	TEST_INTEQ(hcache_state_get(hc, "acct", "INBOX", &got, &error), 1);
	hcache_close(&hc);
	reset_files();
}

static void setup(void)
{
	TEST_ASSERT(mkdtemp(dir) != NULL);
	path = xasprintf("%s/sub/hcache.mdb", dir);
}

static void teardown(void)
{
	char *sub = xasprintf("%s/sub", dir);
	reset_files();
	rmdir(sub);
	rmdir(dir);
	free(sub);
	free(path);
}

static const struct test_case tests[] = {
	{ "set up", setup },
	{ "records, state, flags, deletes, clear", test_roundtrip },
	{ "long fields are cut", test_long_field },
	{ "version 2: hints, modseq, dates", test_v2_fields },
	{ "records of other versions are skipped", test_other_versions },
	{ "malformed records are skipped", test_malformed },
	{ "damaged files are moved aside", test_damaged },
	{ "stats and clear", test_stats_clear },
	{ "order keys: newest by date and arrival", test_order },
	{ "open failure", test_open_failure },
	{ "tear down", teardown },
};

TEST_MAIN(tests)
