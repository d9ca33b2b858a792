/* hcache.c: the LMDB header cache: per-message index records and per-mailbox sync state. */
#include "skua.h"
#include "hcache.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/paths.h"
#include "lib/xmalloc.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HCACHE_MAP_SIZE ((size_t)8 << 30) /* address space only: the file grows as needed */
#define STATE_VERSION 1
#define KEY_PREFIX_LEN 9                  /* kind byte + 64-bit mailbox hash */
#define MSG_KEY_LEN (KEY_PREFIX_LEN + 8)

struct hcache {
	MDB_env *env;
	MDB_dbi dbi;
};

struct hcache_txn {
	struct hcache *hc;
	MDB_txn *txn;
	uint8_t prefix[KEY_PREFIX_LEN];      /* 'm' + hash */
	char *names;                         /* account NUL mailbox, for the state record */
	size_t names_len;
	struct buf scratch;
	int error;
};

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void make_prefix(uint8_t *key, char kind, const char *account, const char *mailbox)
{
	key[0] = (uint8_t)kind;
	put_be(key + 1, paths_hash_pair(account, mailbox), 8);
}

static void msg_key(uint8_t *key, const uint8_t *prefix, uint32_t uidvalidity, uint32_t uid)
{
	memcpy(key, prefix, KEY_PREFIX_LEN);
	key[0] = 'm';
	put_be(key + KEY_PREFIX_LEN, uidvalidity, 4);
	put_be(key + KEY_PREFIX_LEN + 4, uid, 4);
}

static void le_append(struct buf *b, uint64_t v, int bytes)
{
	uint8_t tmp[8];
	for (int i = 0; i < bytes; i++) {
		tmp[i] = (uint8_t)v;
		v >>= 8;
	}
	buf_append(b, tmp, (size_t)bytes);
}

static uint64_t le_get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static const char *lmdb_error(const char *what, int rc)
{
	return errstr(_("header cache: %s: %s"), what, mdb_strerror(rc));
}

int hcache_open(const char *path, struct hcache **hc_r, const char **error_r)
{
	struct hcache *hc = xcalloc(1, sizeof(*hc));
	MDB_txn *txn;
	int rc;

	if (paths_mkdirs(path, false) < 0) {
		*error_r = errstr(_("header cache: cannot create the directory for %s: %s"), path, strerror(errno));
		free(hc);
		return -1;
	}
	if ((rc = mdb_env_create(&hc->env)) != 0) {
		*error_r = lmdb_error("create", rc);
		free(hc);
		return -1;
	}
	mdb_env_set_mapsize(hc->env, HCACHE_MAP_SIZE);
	rc = mdb_env_open(hc->env, path, MDB_NOSUBDIR | MDB_NOTLS, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(hc->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_dbi_open(txn, NULL, 0, &hc->dbi);
		rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	}
	if (rc != 0) {
		*error_r = lmdb_error(path, rc);
		mdb_env_close(hc->env);
		free(hc);
		return -1;
	}
	*hc_r = hc;
	return 0;
}

void hcache_close(struct hcache **hc)
{
	if (*hc == NULL)
		return;
	mdb_env_close((*hc)->env);
	free(*hc);
	*hc = NULL;
}

char *hcache_default_path(void)
{
	return paths_cache("hcache.mdb");
}

int hcache_state_get(struct hcache *hc, const char *account, const char *mailbox, struct hcache_state *state_r,
		     const char **error_r)
{
	uint8_t key[KEY_PREFIX_LEN];
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn;
	size_t names_len = strlen(account) + 1 + strlen(mailbox);
	int rc, ret = 0;

	make_prefix(key, 's', account, mailbox);
	if ((rc = mdb_txn_begin(hc->env, NULL, MDB_RDONLY, &txn)) != 0) {
		*error_r = lmdb_error("read", rc);
		return -1;
	}
	rc = mdb_get(txn, hc->dbi, &k, &v);
	if (rc == 0) {
		const uint8_t *p = v.mv_data;
		/* version, uidvalidity, uidnext, exists, highestmodseq, names length, names */
		if (v.mv_size == 1 + 4 * 3 + 8 + 4 + names_len && p[0] == STATE_VERSION &&
		    le_get(p + 21, 4) == names_len && memcmp(p + 25, account, strlen(account) + 1) == 0 &&
		    memcmp(p + 25 + strlen(account) + 1, mailbox, strlen(mailbox)) == 0) {
			state_r->uidvalidity = (uint32_t)le_get(p + 1, 4);
			state_r->uidnext = (uint32_t)le_get(p + 5, 4);
			state_r->exists = (uint32_t)le_get(p + 9, 4);
			state_r->highestmodseq = le_get(p + 13, 8);
			ret = 1;
		}
	} else if (rc != MDB_NOTFOUND) {
		*error_r = lmdb_error("read", rc);
		ret = -1;
	}
	mdb_txn_abort(txn);
	return ret;
}

/* Decodes a record; returns false when it is of another version or malformed. */
static bool msg_decode(const MDB_val *k, const MDB_val *v, struct hcache_msg *m)
{
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;

	if (v->mv_size < 1 + 4 + 8 + 8 || p[0] != HCACHE_RECORD_VERSION)
		return false;
	m->uid = (uint32_t)((const uint8_t *)k->mv_data)[MSG_KEY_LEN - 4] << 24 |
		(uint32_t)((const uint8_t *)k->mv_data)[MSG_KEY_LEN - 3] << 16 |
		(uint32_t)((const uint8_t *)k->mv_data)[MSG_KEY_LEN - 2] << 8 |
		((const uint8_t *)k->mv_data)[MSG_KEY_LEN - 1];
	m->flags = (uint32_t)le_get(p + 1, 4);
	m->date = (int64_t)le_get(p + 5, 8);
	m->size = (int64_t)le_get(p + 13, 8);
	p += 21;
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		uint32_t len;
		if (end - p < 4)
			return false;
		len = (uint32_t)le_get(p, 4);
		p += 4;
		if (len == UINT32_MAX) {
			m->field[i] = NULL;
			m->field_len[i] = 0;
			continue;
		}
		if ((size_t)(end - p) < len)
			return false;
		m->field[i] = (const char *)p;
		m->field_len[i] = len;
		p += len;
	}
	return p == end;
}

int hcache_foreach(struct hcache *hc, const char *account, const char *mailbox, uint32_t uidvalidity,
		   hcache_msg_fn *fn, void *ctx, const char **error_r)
{
	uint8_t prefix[KEY_PREFIX_LEN], key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn = NULL;
	MDB_cursor *cur;
	int rc, op = MDB_SET_RANGE;

	make_prefix(prefix, 'm', account, mailbox);
	msg_key(key, prefix, uidvalidity, 0);
	if ((rc = mdb_txn_begin(hc->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, hc->dbi, &cur)) != 0) {
		if (rc != 0 && txn != NULL)
			mdb_txn_abort(txn);
		*error_r = lmdb_error("read", rc);
		return -1;
	}
	for (;;) {
		struct hcache_msg m;

		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		op = MDB_NEXT;
		if (rc != 0 || k.mv_size != MSG_KEY_LEN || memcmp(k.mv_data, key, KEY_PREFIX_LEN + 4) != 0)
			break;
		if (!msg_decode(&k, &v, &m))
			continue;
		if (fn(ctx, &m) < 0)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		*error_r = lmdb_error("read", rc);
		return -1;
	}
	return 0;
}

int hcache_begin(struct hcache *hc, const char *account, const char *mailbox, struct hcache_txn **txn_r,
		 const char **error_r)
{
	struct hcache_txn *t = xcalloc(1, sizeof(*t));
	int rc;

	if ((rc = mdb_txn_begin(hc->env, NULL, 0, &t->txn)) != 0) {
		*error_r = lmdb_error("write", rc);
		free(t);
		return -1;
	}
	t->hc = hc;
	make_prefix(t->prefix, 'm', account, mailbox);
	t->names_len = strlen(account) + 1 + strlen(mailbox);
	t->names = xmalloc(t->names_len + 1);
	memcpy(t->names, account, strlen(account) + 1);
	memcpy(t->names + strlen(account) + 1, mailbox, strlen(mailbox) + 1);
	*txn_r = t;
	return 0;
}

static int txn_result(struct hcache_txn *t, int rc)
{
	if (rc != 0 && t->error == 0)
		t->error = rc;
	return rc == 0 ? 0 : -1;
}

int hcache_txn_put(struct hcache_txn *t, uint32_t uidvalidity, const struct hcache_msg *m)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;

	msg_key(key, t->prefix, uidvalidity, m->uid);
	buf_reset(&t->scratch);
	le_append(&t->scratch, HCACHE_RECORD_VERSION, 1);
	le_append(&t->scratch, m->flags, 4);
	le_append(&t->scratch, (uint64_t)m->date, 8);
	le_append(&t->scratch, (uint64_t)m->size, 8);
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		if (m->field[i] == NULL) {
			le_append(&t->scratch, UINT32_MAX, 4);
			continue;
		}
		size_t len = m->field_len[i] > HCACHE_MAX_FIELD ? HCACHE_MAX_FIELD : m->field_len[i];
		le_append(&t->scratch, len, 4);
		buf_append(&t->scratch, m->field[i], len);
	}
	v.mv_size = t->scratch.len;
	v.mv_data = t->scratch.data;
	return txn_result(t, mdb_put(t->txn, t->hc->dbi, &k, &v, 0));
}

int hcache_txn_set_flags(struct hcache_txn *t, uint32_t uidvalidity, uint32_t uid, uint32_t flags)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	msg_key(key, t->prefix, uidvalidity, uid);
	rc = mdb_get(t->txn, t->hc->dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || v.mv_size < 5)
		return txn_result(t, rc != 0 ? rc : MDB_CORRUPTED);
	buf_reset(&t->scratch);
	buf_append(&t->scratch, v.mv_data, v.mv_size);
	for (int i = 0; i < 4; i++)
		t->scratch.data[1 + i] = (char)(flags >> (8 * i));
	v.mv_data = t->scratch.data;
	return txn_result(t, mdb_put(t->txn, t->hc->dbi, &k, &v, 0));
}

int hcache_txn_delete(struct hcache_txn *t, uint32_t uidvalidity, uint32_t uid)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key };
	int rc;

	msg_key(key, t->prefix, uidvalidity, uid);
	rc = mdb_del(t->txn, t->hc->dbi, &k, NULL);
	return txn_result(t, rc == MDB_NOTFOUND ? 0 : rc);
}

int hcache_txn_clear(struct hcache_txn *t)
{
	uint8_t state[KEY_PREFIX_LEN];
	MDB_val k = { KEY_PREFIX_LEN, t->prefix }, v;
	MDB_cursor *cur;
	int rc;

	if ((rc = mdb_cursor_open(t->txn, t->hc->dbi, &cur)) != 0)
		return txn_result(t, rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size >= KEY_PREFIX_LEN && memcmp(k.mv_data, t->prefix, KEY_PREFIX_LEN) == 0) {
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
		if (rc == MDB_NOTFOUND || rc == EINVAL)
			break;
		if (rc != 0)
			break;
		if (k.mv_size < KEY_PREFIX_LEN || memcmp(k.mv_data, t->prefix, KEY_PREFIX_LEN) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND && rc != EINVAL)
		return txn_result(t, rc);
	memcpy(state, t->prefix, KEY_PREFIX_LEN);
	state[0] = 's';
	k.mv_size = KEY_PREFIX_LEN;
	k.mv_data = state;
	rc = mdb_del(t->txn, t->hc->dbi, &k, NULL);
	return txn_result(t, rc == MDB_NOTFOUND ? 0 : rc);
}

int hcache_txn_set_state(struct hcache_txn *t, const struct hcache_state *st)
{
	uint8_t key[KEY_PREFIX_LEN];
	MDB_val k = { sizeof(key), key }, v;

	memcpy(key, t->prefix, KEY_PREFIX_LEN);
	key[0] = 's';
	buf_reset(&t->scratch);
	le_append(&t->scratch, STATE_VERSION, 1);
	le_append(&t->scratch, st->uidvalidity, 4);
	le_append(&t->scratch, st->uidnext, 4);
	le_append(&t->scratch, st->exists, 4);
	le_append(&t->scratch, st->highestmodseq, 8);
	le_append(&t->scratch, t->names_len, 4);
	buf_append(&t->scratch, t->names, t->names_len);
	v.mv_size = t->scratch.len;
	v.mv_data = t->scratch.data;
	return txn_result(t, mdb_put(t->txn, t->hc->dbi, &k, &v, 0));
}

static void txn_free(struct hcache_txn **txn)
{
	buf_free(&(*txn)->scratch);
	free((*txn)->names);
	free(*txn);
	*txn = NULL;
}

int hcache_commit(struct hcache_txn **txn, const char **error_r)
{
	struct hcache_txn *t = *txn;
	int rc = t->error;

	if (rc != 0) {
		mdb_txn_abort(t->txn);
	} else {
		rc = mdb_txn_commit(t->txn);
	}
	txn_free(txn);
	if (rc != 0) {
		*error_r = lmdb_error("write", rc);
		return -1;
	}
	return 0;
}

void hcache_abort(struct hcache_txn **txn)
{
	if (*txn == NULL)
		return;
	mdb_txn_abort((*txn)->txn);
	txn_free(txn);
}
