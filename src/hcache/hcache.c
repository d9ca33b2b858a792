/* hcache.c: the LMDB header cache: per-message index records and per-mailbox sync state. */
#include "skua.h"
#include "hcache.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/paths.h"
#include "lib/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HCACHE_DROP_EVERY (4u << 20) /* record bytes read between drops of mapped pages */
#define HCACHE_DROP_AFTER_WRITES 1000 /* a commit of this many records drops the mapped pages */
#define HCACHE_MAP_SIZE ((size_t)8 << 30) /* address space only: the file grows as needed */
#define HCACHE_MIN_PAGE 4096              /* no LMDB file has smaller pages */
#define HCACHE_MAX_ASIDE 100              /* "<path>.corrupt-<time>-N" names tried */
#define KEY_PREFIX_LEN 9                  /* kind byte + 64-bit mailbox hash */
#define MSG_KEY_LEN (KEY_PREFIX_LEN + 8)
/* An order key: 'o' + hash | uidvalidity (BE32) | order byte | value (BE64, sign bit flipped) | UID (BE32);
 * no value. Keys sort by value then UID, so a walk backwards from the end of (uidvalidity, order) meets
 * the newest first. */
#define ORDER_PREFIX_LEN (KEY_PREFIX_LEN + 4 + 1)
#define ORDER_KEY_LEN (ORDER_PREFIX_LEN + 8 + 4)
#define ORDER_COUNT 2                     /* enum hcache_order values */
#define VARINT_MAX 10                     /* bytes of a 64-bit LEB128 varint */

/* Message record, version 2 (HCACHE_RECORD_VERSION). Records read back are untrusted: every length is
 * checked, and one that does not decode exactly is skipped (fetched again).
 *   version (1 byte) | flags (LE32) | modseq (LE64)       fixed places: set_flags patches them in place
 *   hints, zigzag(date), zigzag(internaldate), zigzag(size)                  varints (LEB128)
 *   per field, in enum hcache_field order: varint (length + 1, 0 = absent), then the bytes
 * and nothing after the last field. The UID is in the key. */
#define REC_FLAGS_OFF 1
#define REC_MODSEQ_OFF 5
#define REC_FIXED_LEN 13

/* Mailbox state record, version 2 ('s' + hash key):
 *   version (1) | names length (LE32) | names (account NUL mailbox)
 *   record version (1) | flags (LE32) | uidvalidity, uidnext, exists (LE32 each) | highestmodseq (LE64)
 * The names come first in every version from 2 on, so that a state of any version can be listed and
 * cleared. A state of another version, or written beside records of another version, is no state.
 * Version 1 was: version | uidvalidity, uidnext, exists (LE32) | highestmodseq (LE64) | names length
 * (LE32) | names. */
#define STATE_VERSION 2
#define STATE_NAMES_OFF 5
#define STATE_TAIL_LEN (1 + 4 + 3 * 4 + 8)
#define STATE_V1_NAMES_OFF 25

struct hcache {
	MDB_env *env;
	MDB_dbi dbi;
	char *path;
	char *marker;                        /* "<path>.damaged" */
};

struct hcache_txn {
	struct hcache *hc;
	MDB_txn *txn;
	uint8_t prefix[KEY_PREFIX_LEN];      /* 'm' + hash */
	char *names;                         /* account NUL mailbox, for the state record */
	size_t names_len;
	struct buf scratch;
	int error;
	size_t writes;                       /* records written (put) */
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

static void order_key(uint8_t *key, const uint8_t *prefix, uint32_t uidvalidity, enum hcache_order order,
		      int64_t value, uint32_t uid)
{
	memcpy(key, prefix, KEY_PREFIX_LEN);
	key[0] = 'o';
	put_be(key + KEY_PREFIX_LEN, uidvalidity, 4);
	key[KEY_PREFIX_LEN + 4] = (uint8_t)order;
	put_be(key + ORDER_PREFIX_LEN, (uint64_t)value ^ ((uint64_t)1 << 63), 8);
	put_be(key + ORDER_PREFIX_LEN + 8, uid, 4);
}

/* The value a message is ordered by. */
static int64_t order_value(enum hcache_order order, int64_t date, int64_t internaldate)
{
	return order == HCACHE_ORDER_DATE ? date : internaldate;
}

static void le_put(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void le_append(struct buf *b, uint64_t v, int bytes)
{
	uint8_t tmp[8];
	le_put(tmp, v, bytes);
	buf_append(b, tmp, (size_t)bytes);
}

static void varint_append(struct buf *b, uint64_t v)
{
	uint8_t tmp[VARINT_MAX];
	size_t n = 0;

	do {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v != 0)
			tmp[n] |= 0x80;
		n++;
	} while (v != 0);
	buf_append(b, tmp, n);
}

/* A little-endian uint32 at p, in a form compilers turn into one load. */
static uint32_t le_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* varint_get's general case: a varint of any length at *p. One of up to 8 bytes with 8 bytes to read
 * (a date, a size) is taken in one word: find its last byte, drop the rest, close up the 7-bit groups. */
static bool varint_get_long(const uint8_t **p, const uint8_t *end, uint64_t *v_r)
{
	const uint8_t *q = *p;
	size_t n = (size_t)(end - q) < VARINT_MAX ? (size_t)(end - q) : VARINT_MAX;
	uint64_t v = 0;

	if (n >= 8) {
		uint64_t w = (uint64_t)le_get32(q + 4) << 32 | le_get32(q);
		uint64_t stops = ~w & 0x8080808080808080ull;

		if (stops != 0) {
			unsigned int bytes = (unsigned int)__builtin_ctzll(stops) / 8 + 1;
			if (bytes < 8)
				w &= ((uint64_t)1 << (8 * bytes)) - 1;
			w &= 0x7f7f7f7f7f7f7f7full;
			w = (w & 0x007f007f007f007full) | (w & 0x7f007f007f007f00ull) >> 1;
			w = (w & 0x00003fff00003fffull) | (w & 0x3fff00003fff0000ull) >> 2;
			*v_r = (w & 0x000000000fffffffull) | (w & 0x0fffffff00000000ull) >> 4;
			*p = q + bytes;
			return true;
		}
	}
	for (size_t i = 0; i < n; i++) {
		v |= (uint64_t)(q[i] & 0x7f) << (7 * i);
		if (!(q[i] & 0x80)) {
			if (i == VARINT_MAX - 1 && q[i] > 1)
				return false; /* more than 64 bits */
			*v_r = v;
			*p = q + i + 1;
			return true;
		}
	}
	return false;
}

/* Reads a varint at *p, before end, and advances *p past it. Returns false (*p unchanged) when it is
 * cut short or does not fit 64 bits. Inline for the usual one byte (a length, the hints). */
static inline bool varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v_r)
{
	if (*p < end && **p < 0x80) {
		*v_r = *(*p)++;
		return true;
	}
	return varint_get_long(p, end, v_r);
}

/* Zigzag: small negative numbers (-1 = unknown) stay short as varints. */
static uint64_t zigzag(int64_t v)
{
	return v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;
}

static int64_t unzigzag(uint64_t v)
{
	return (v & 1) != 0 ? (int64_t)~(v >> 1) : (int64_t)(v >> 1);
}

static uint64_t le_get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t be_get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = (v << 8) | p[i];
	return v;
}

static bool lmdb_damaged(int rc)
{
	return rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND;
}

/* Leaves the marker that makes the next hcache_open() move the file aside. */
static void mark_damaged(struct hcache *hc, int rc)
{
	int fd = open(hc->marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0) {
		const char *why = mdb_strerror(rc);
		ssize_t n = write(fd, why, strlen(why));
		(void)n;
		close(fd);
	}
}

/* Returns the message for an LMDB error met while using the cache, and marks the file when the error
 * says it is damaged. */
static const char *lmdb_error(struct hcache *hc, const char *what, int rc)
{
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND)
		mark_damaged(hc, rc);
	return errstr(_("header cache: %s: %s"), what, mdb_strerror(rc));
}

/* Whether a file of size bytes could be an LMDB file made of pages of psize bytes: empty (LMDB makes it
 * anew), or two meta pages and more, in whole pages. */
static bool size_fits_pages(uint64_t size, uint64_t psize)
{
	return size == 0 || (size % psize == 0 && size >= 2 * psize);
}

/* Checks the size of an opened file against LMDB's meta page before anything reads a data page: the
 * file is mapped, and reading past its end would be SIGBUS. Only meta pages are read so far (mdb_env_open
 * reads them with pread, and the file has two of them). The meta page is read before the size: a writer
 * in another process writes its pages before the meta page that counts them. A check that cannot be
 * made counts as a failed one. */
static bool env_size_ok(MDB_env *env)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	int fd;

	if (mdb_env_info(env, &info) != 0 || mdb_env_stat(env, &st) != 0 || mdb_env_get_fd(env, &fd) != 0 ||
	    fstat(fd, &sb) != 0 || st.ms_psize == 0)
		return false;
	return size_fits_pages((uint64_t)sb.st_size, st.ms_psize) &&
	       (uint64_t)sb.st_size / st.ms_psize >= (uint64_t)info.me_last_pgno + 1;
}

/* Opens the environment at hc->path. Returns 0, or an LMDB or errno code with *damaged_r telling
 * whether the file is to be moved aside. */
static int env_open(struct hcache *hc, bool *damaged_r)
{
	struct stat sb;
	MDB_txn *txn;
	int rc;

	*damaged_r = false;
	/* the cheap checks first, before LMDB maps anything */
	if (access(hc->marker, F_OK) == 0 ||
	    (stat(hc->path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	     !size_fits_pages((uint64_t)sb.st_size, HCACHE_MIN_PAGE))) {
		*damaged_r = true;
		return MDB_CORRUPTED;
	}
	if ((rc = mdb_env_create(&hc->env)) != 0)
		return rc;
	mdb_env_set_mapsize(hc->env, HCACHE_MAP_SIZE);
	rc = mdb_env_open(hc->env, hc->path, MDB_NOSUBDIR | MDB_NOTLS, 0600);
	if (rc == 0 && !env_size_ok(hc->env))
		rc = MDB_CORRUPTED;
	if (rc == 0)
		rc = mdb_txn_begin(hc->env, NULL, 0, &txn);
	if (rc == 0) {
		rc = mdb_dbi_open(txn, NULL, 0, &hc->dbi);
		rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	}
	if (rc != 0) {
		*damaged_r = lmdb_damaged(rc);
		mdb_env_close(hc->env);
		hc->env = NULL;
	}
	return rc;
}

/* Renames the damaged file to "<path>.corrupt-<unix time>" (or "...-N" when that is taken) and removes
 * its lock file and damage marker. Returns the new name (malloc'd); NULL with errno on failure, or with
 * errno ENOENT when there was no file (the marker is then removed). */
static char *move_aside(const struct hcache *hc)
{
	long long now = (long long)time(NULL);
	char *dest = NULL, *lock;
	struct stat sb;

	for (int i = 0; i < HCACHE_MAX_ASIDE && dest == NULL; i++) {
		dest = i == 0 ? xasprintf("%s.corrupt-%lld", hc->path, now) :
				xasprintf("%s.corrupt-%lld-%d", hc->path, now, i);
		if (lstat(dest, &sb) == 0 || errno != ENOENT) {
			free(dest);
			dest = NULL;
		}
	}
	if (dest == NULL) {
		errno = EEXIST;
		return NULL;
	}
	if (rename(hc->path, dest) < 0) {
		int saved = errno;
		free(dest);
		if (saved == ENOENT)
			unlink(hc->marker);
		errno = saved;
		return NULL;
	}
	lock = xasprintf("%s-lock", hc->path);
	unlink(lock);
	free(lock);
	unlink(hc->marker);
	return dest;
}

static void hcache_free(struct hcache *hc)
{
	free(hc->path);
	free(hc->marker);
	free(hc);
}

int hcache_open(const char *path, struct hcache **hc_r, const char **notice_r, const char **error_r)
{
	struct hcache *hc;
	bool damaged;
	int rc;

	*notice_r = NULL;
	if (paths_mkdirs(path, false) < 0) {
		*error_r = errstr(_("header cache: cannot create the directory for %s: %s"), path, strerror(errno));
		return -1;
	}
	hc = xcalloc(1, sizeof(*hc));
	hc->path = xstrdup(path);
	hc->marker = xasprintf("%s.damaged", path);
	rc = env_open(hc, &damaged);
	if (damaged) {
		char *moved = move_aside(hc);

		if (moved == NULL && errno != ENOENT) {
			*error_r = errstr(_("header cache %s is damaged and cannot be moved aside: %s"), path,
					  strerror(errno));
			hcache_free(hc);
			return -1;
		}
		if (moved != NULL)
			*notice_r = errstr(_("header cache %s was damaged; moved it to %s and started a new one"),
					   path, moved);
		free(moved);
		rc = env_open(hc, &damaged);
	}
	if (rc != 0) {
		*error_r = errstr(_("header cache: %s: %s"), path, rc == MDB_CORRUPTED && damaged ?
				  _("damaged") : mdb_strerror(rc));
		hcache_free(hc);
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
	hcache_free(*hc);
	*hc = NULL;
}

char *hcache_default_path(void)
{
	return paths_cache("hcache.mdb");
}

/* Finds the names (account NUL mailbox) in a state record of any version. Returns false when it has
 * none that fit in it. */
static bool state_names(const MDB_val *v, const char **names_r, size_t *len_r)
{
	const uint8_t *p = v->mv_data;
	size_t off, len;

	if (v->mv_size < STATE_NAMES_OFF)
		return false;
	if (p[0] == 1) {
		if (v->mv_size < STATE_V1_NAMES_OFF)
			return false;
		off = STATE_V1_NAMES_OFF;
		len = (size_t)le_get(p + off - 4, 4);
		if (len != v->mv_size - off)
			return false;
	} else {
		off = STATE_NAMES_OFF;
		len = (size_t)le_get(p + 1, 4);
		if (len > v->mv_size - off)
			return false;
	}
	if (memchr(p + off, '\0', len) == NULL)
		return false;
	*names_r = (const char *)p + off;
	*len_r = len;
	return true;
}

/* Decodes a current-version state record into *st_r and its names. Returns false for another version,
 * a state written beside records of another version, or a malformed record. */
static bool state_decode(const MDB_val *v, const char **names_r, size_t *len_r, struct hcache_state *st_r)
{
	const uint8_t *q;

	if (!state_names(v, names_r, len_r) || ((const uint8_t *)v->mv_data)[0] != STATE_VERSION ||
	    v->mv_size != STATE_NAMES_OFF + *len_r + STATE_TAIL_LEN)
		return false;
	q = (const uint8_t *)v->mv_data + STATE_NAMES_OFF + *len_r;
	if (q[0] != HCACHE_RECORD_VERSION)
		return false;
	st_r->flags = (uint32_t)le_get(q + 1, 4);
	st_r->uidvalidity = (uint32_t)le_get(q + 5, 4);
	st_r->uidnext = (uint32_t)le_get(q + 9, 4);
	st_r->exists = (uint32_t)le_get(q + 13, 4);
	st_r->highestmodseq = le_get(q + 17, 8);
	return true;
}

/* Decodes a current-version state record that belongs to (account, mailbox): the names guard against
 * two mailboxes whose names hash alike. */
static bool state_match(const MDB_val *v, const char *account, const char *mailbox, struct hcache_state *st_r)
{
	size_t alen = strlen(account), mlen = strlen(mailbox), len;
	const char *names;

	return state_decode(v, &names, &len, st_r) && len == alen + 1 + mlen &&
	       memcmp(names, account, alen + 1) == 0 && memcmp(names + alen + 1, mailbox, mlen) == 0;
}

int hcache_state_get(struct hcache *hc, const char *account, const char *mailbox, struct hcache_state *state_r,
		     const char **error_r)
{
	uint8_t key[KEY_PREFIX_LEN];
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn;
	int rc, ret = 0;

	make_prefix(key, 's', account, mailbox);
	if ((rc = mdb_txn_begin(hc->env, NULL, MDB_RDONLY, &txn)) != 0) {
		*error_r = lmdb_error(hc, "read", rc);
		return -1;
	}
	rc = mdb_get(txn, hc->dbi, &k, &v);
	if (rc == 0) {
		if (state_match(&v, account, mailbox, state_r))
			ret = 1;
	} else if (rc != MDB_NOTFOUND) {
		*error_r = lmdb_error(hc, "read", rc);
		ret = -1;
	}
	mdb_txn_abort(txn);
	return ret;
}

/* Decodes a record; returns false when it is of another version or malformed. */
bool hcache_msg_decode(uint32_t uid, const void *data, size_t len, struct hcache_msg *m)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t x, date, internaldate, size;

	if (len < REC_FIXED_LEN || p[0] != HCACHE_RECORD_VERSION)
		return false;
	m->uid = uid;
	m->flags = le_get32(p + REC_FLAGS_OFF);
	m->modseq = (uint64_t)le_get32(p + REC_MODSEQ_OFF + 4) << 32 | le_get32(p + REC_MODSEQ_OFF);
	p += REC_FIXED_LEN;
	if (!varint_get(&p, end, &x) || x > UINT32_MAX || !varint_get(&p, end, &date) ||
	    !varint_get(&p, end, &internaldate) || !varint_get(&p, end, &size))
		return false;
	m->hints = (uint32_t)x;
	m->date = unzigzag(date);
	m->internaldate = unzigzag(internaldate);
	m->size = unzigzag(size);
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		if (!varint_get(&p, end, &x))
			return false;
		if (x == 0) {
			m->field[i] = NULL;
			m->field_len[i] = 0;
			continue;
		}
		x--;
		if (x > HCACHE_MAX_FIELD || x > (uint64_t)(end - p))
			return false;
		m->field[i] = (const char *)p;
		m->field_len[i] = (size_t)x;
		p += x;
	}
	return p == end;
}

void hcache_msg_encode(const struct hcache_msg *m, struct buf *out)
{
	le_append(out, HCACHE_RECORD_VERSION, 1);
	le_append(out, m->flags, 4);
	le_append(out, m->modseq, 8);
	varint_append(out, m->hints);
	varint_append(out, zigzag(m->date));
	varint_append(out, zigzag(m->internaldate));
	varint_append(out, zigzag(m->size));
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		if (m->field[i] == NULL) {
			varint_append(out, 0);
			continue;
		}
		size_t len = m->field_len[i] > HCACHE_MAX_FIELD ? HCACHE_MAX_FIELD : m->field_len[i];
		varint_append(out, (uint64_t)len + 1);
		buf_append(out, m->field[i], len);
	}
}

static bool msg_decode(const MDB_val *k, const MDB_val *v, struct hcache_msg *m)
{
	const uint8_t *key = k->mv_data;

	if (k->mv_size != MSG_KEY_LEN)
		return false;
	return hcache_msg_decode((uint32_t)key[MSG_KEY_LEN - 4] << 24 | (uint32_t)key[MSG_KEY_LEN - 3] << 16 |
				 (uint32_t)key[MSG_KEY_LEN - 2] << 8 | key[MSG_KEY_LEN - 1],
				 v->mv_data, v->mv_size, m);
}

/* A folder is read from the cache once per open: the mapped pages already read are handed back (they
 * stay in the page cache), so a 100,000-message folder does not keep the whole file resident. The
 * range is that of the records seen (LMDB does not tell where its map starts); only read-only mappings
 * are ever dropped (LMDB without MDB_WRITEMAP never writes through the map). */
struct mapped_range {
	uintptr_t lo, hi;
};

static void mapped_note(struct mapped_range *r, const MDB_val *v)
{
	uintptr_t a = (uintptr_t)v->mv_data;

	if (r->lo == 0 || a < r->lo)
		r->lo = a;
	if (a + v->mv_size > r->hi)
		r->hi = a + v->mv_size;
}

static void mapped_drop(struct mapped_range *r)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t lo, hi;

	if (r->lo == 0 || page <= 0)
		return;
	lo = r->lo / (uintptr_t)page * (uintptr_t)page;
	hi = (r->hi + (uintptr_t)page - 1) / (uintptr_t)page * (uintptr_t)page;
	(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
	r->lo = r->hi = 0;
}

int hcache_foreach(struct hcache *hc, const char *account, const char *mailbox, uint32_t uidvalidity,
		   hcache_msg_fn *fn, void *ctx, const char **error_r)
{
	uint8_t prefix[KEY_PREFIX_LEN], key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;
	MDB_txn *txn = NULL;
	MDB_cursor *cur;
	struct mapped_range seen = { 0, 0 };
	int rc, op = MDB_SET_RANGE;

	make_prefix(prefix, 'm', account, mailbox);
	msg_key(key, prefix, uidvalidity, 0);
	if ((rc = mdb_txn_begin(hc->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, hc->dbi, &cur)) != 0) {
		if (rc != 0 && txn != NULL)
			mdb_txn_abort(txn);
		*error_r = lmdb_error(hc, "read", rc);
		return -1;
	}
	for (size_t since_drop = 0;;) {
		struct hcache_msg m;

		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		op = MDB_NEXT;
		if (rc != 0 || k.mv_size != MSG_KEY_LEN || memcmp(k.mv_data, key, KEY_PREFIX_LEN + 4) != 0)
			break;
		if (!msg_decode(&k, &v, &m))
			continue;
		if (fn(ctx, &m) < 0)
			break;
		mapped_note(&seen, &v);
		if ((since_drop += v.mv_size) >= HCACHE_DROP_EVERY) {
			mapped_drop(&seen);
			since_drop = 0;
		}
	}
	mapped_drop(&seen);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		*error_r = lmdb_error(hc, "read", rc);
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
		*error_r = lmdb_error(hc, "write", rc);
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

/* Reads the dates of the current-version record at key (in the transaction). Returns 1 and them, 0 when
 * there is none (or one of another version), or an LMDB error as a negative number. */
static int record_dates(struct hcache_txn *t, const uint8_t *key, uint32_t uid, int64_t *date_r,
			int64_t *internaldate_r)
{
	MDB_val k = { MSG_KEY_LEN, (void *)key }, v;
	struct hcache_msg old;
	int rc = mdb_get(t->txn, t->hc->dbi, &k, &v);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return -rc;
	if (!hcache_msg_decode(uid, v.mv_data, v.mv_size, &old))
		return 0;
	*date_r = old.date;
	*internaldate_r = old.internaldate;
	return 1;
}

/* Adds (del false) or deletes the order keys of a message. Returns 0 or an LMDB error. */
static int order_keys(struct hcache_txn *t, uint32_t uidvalidity, uint32_t uid, int64_t date,
		      int64_t internaldate, bool del)
{
	uint8_t key[ORDER_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v = { 0, NULL };

	for (int o = 0; o < ORDER_COUNT; o++) {
		int rc;

		order_key(key, t->prefix, uidvalidity, (enum hcache_order)o,
			  order_value((enum hcache_order)o, date, internaldate), uid);
		if (del) {
			rc = mdb_del(t->txn, t->hc->dbi, &k, NULL);
			if (rc == MDB_NOTFOUND)
				rc = 0;
		} else {
			rc = mdb_put(t->txn, t->hc->dbi, &k, &v, 0);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int hcache_txn_replace(struct hcache_txn *t, uint32_t uidvalidity, const struct hcache_msg *m, bool *existed_r)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;
	int64_t date, internaldate;
	int rc;

	t->writes++;
	msg_key(key, t->prefix, uidvalidity, m->uid);
	rc = record_dates(t, key, m->uid, &date, &internaldate);
	if (rc < 0)
		return txn_result(t, -rc);
	if (existed_r != NULL)
		*existed_r = rc > 0;
	if (rc > 0 && (date != m->date || internaldate != m->internaldate) &&
	    txn_result(t, order_keys(t, uidvalidity, m->uid, date, internaldate, true)) < 0)
		return -1;
	buf_reset(&t->scratch);
	hcache_msg_encode(m, &t->scratch);
	v.mv_size = t->scratch.len;
	v.mv_data = t->scratch.data;
	if (txn_result(t, mdb_put(t->txn, t->hc->dbi, &k, &v, 0)) < 0)
		return -1;
	return txn_result(t, order_keys(t, uidvalidity, m->uid, m->date, m->internaldate, false));
}

int hcache_txn_put_new(struct hcache_txn *t, uint32_t uidvalidity, const struct hcache_msg *m)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;

	t->writes++;
	msg_key(key, t->prefix, uidvalidity, m->uid);
	buf_reset(&t->scratch);
	hcache_msg_encode(m, &t->scratch);
	v.mv_size = t->scratch.len;
	v.mv_data = t->scratch.data;
	return txn_result(t, mdb_put(t->txn, t->hc->dbi, &k, &v, 0));
}

int hcache_txn_put_order(struct hcache_txn *t, uint32_t uidvalidity, enum hcache_order order, uint32_t uid,
			 int64_t value)
{
	uint8_t key[ORDER_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v = { 0, NULL };

	t->writes++;
	order_key(key, t->prefix, uidvalidity, order, value, uid);
	return txn_result(t, mdb_put(t->txn, t->hc->dbi, &k, &v, 0));
}

int hcache_txn_put(struct hcache_txn *t, uint32_t uidvalidity, const struct hcache_msg *m)
{
	return hcache_txn_replace(t, uidvalidity, m, NULL);
}

int hcache_txn_set_flags(struct hcache_txn *t, uint32_t uidvalidity, uint32_t uid, uint32_t flags,
			 uint64_t modseq)
{
	return hcache_txn_update_flags(t, uidvalidity, uid, flags, modseq, NULL);
}

int hcache_txn_update_flags(struct hcache_txn *t, uint32_t uidvalidity, uint32_t uid, uint32_t flags,
			    uint64_t modseq, bool *changed_r)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;
	int rc;

	if (changed_r != NULL)
		*changed_r = false;
	msg_key(key, t->prefix, uidvalidity, uid);
	rc = mdb_get(t->txn, t->hc->dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return txn_result(t, rc);
	/* another version is as good as absent: it is fetched again, not patched */
	if (v.mv_size < REC_FIXED_LEN || ((const uint8_t *)v.mv_data)[0] != HCACHE_RECORD_VERSION)
		return 0;
	if (changed_r != NULL)
		*changed_r = le_get32((const uint8_t *)v.mv_data + REC_FLAGS_OFF) != flags;
	/* a copy: the value may sit on a page this very put rewrites */
	buf_reset(&t->scratch);
	buf_append(&t->scratch, v.mv_data, v.mv_size);
	le_put((uint8_t *)t->scratch.data + REC_FLAGS_OFF, flags, 4);
	le_put((uint8_t *)t->scratch.data + REC_MODSEQ_OFF, modseq, 8);
	v.mv_data = t->scratch.data;
	return txn_result(t, mdb_put(t->txn, t->hc->dbi, &k, &v, 0));
}

int hcache_txn_remove(struct hcache_txn *t, uint32_t uidvalidity, uint32_t uid, bool *existed_r)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key };
	int64_t date, internaldate;
	int rc;

	msg_key(key, t->prefix, uidvalidity, uid);
	rc = record_dates(t, key, uid, &date, &internaldate);
	if (rc < 0)
		return txn_result(t, -rc);
	if (existed_r != NULL)
		*existed_r = rc > 0;
	if (rc > 0 && txn_result(t, order_keys(t, uidvalidity, uid, date, internaldate, true)) < 0)
		return -1;
	rc = mdb_del(t->txn, t->hc->dbi, &k, NULL);
	return txn_result(t, rc == MDB_NOTFOUND ? 0 : rc);
}

int hcache_txn_remove_range(struct hcache_txn *t, uint32_t uidvalidity, uint32_t lo, uint32_t hi,
			    void (*fn)(void *ctx, uint32_t uid), void *ctx)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;
	MDB_cursor *cur;
	uint32_t *uids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (lo > hi)
		return 0;
	msg_key(key, t->prefix, uidvalidity, lo);
	if ((rc = mdb_cursor_open(t->txn, t->hc->dbi, &cur)) != 0)
		return txn_result(t, rc);
	/* first the UIDs there, then the removals: keys move under a cursor while its database changes */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;
		uint32_t uid;

		if (k.mv_size != MSG_KEY_LEN || memcmp(kp, key, KEY_PREFIX_LEN + 4) != 0)
			break;
		uid = (uint32_t)be_get(kp + KEY_PREFIX_LEN + 4, 4);
		if (uid > hi)
			break;
		uids = xgrow(uids, &cap, n + 1, sizeof(*uids));
		uids[n++] = uid;
	}
	mdb_cursor_close(cur);
	rc = rc == MDB_NOTFOUND ? 0 : rc;
	if (txn_result(t, rc) < 0) {
		free(uids);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		bool existed = false;

		if (hcache_txn_remove(t, uidvalidity, uids[i], &existed) < 0)
			break;
		if (existed && fn != NULL)
			fn(ctx, uids[i]);
	}
	free(uids);
	return t->error == 0 ? 0 : -1;
}

int hcache_txn_delete(struct hcache_txn *t, uint32_t uidvalidity, uint32_t uid)
{
	return hcache_txn_remove(t, uidvalidity, uid, NULL);
}


/* qsort_r's comparison of entries in the order *ctx. */
static int order_entry_cmp(const void *a, const void *b, void *ctx)
{
	const struct hcache_order_entry *x = a, *y = b;
	enum hcache_order order = *(const enum hcache_order *)ctx;
	int64_t vx = order_value(order, x->date, x->internaldate);
	int64_t vy = order_value(order, y->date, y->internaldate);

	if (vx != vy)
		return vx < vy ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

void hcache_order_sort(struct hcache_order_entry *v, size_t n, enum hcache_order order)
{
	if (n > 1)
		qsort_r(v, n, sizeof(*v), order_entry_cmp, &order);
}

int hcache_txn_build_order(struct hcache_txn *t, uint32_t uidvalidity)
{
	uint8_t key[MSG_KEY_LEN];
	MDB_val k = { sizeof(key), key }, v;
	MDB_cursor *cur;
	struct hcache_order_entry *list = NULL;
	size_t n = 0, cap = 0;
	int rc, op = MDB_SET_RANGE;

	msg_key(key, t->prefix, uidvalidity, 0);
	if ((rc = mdb_cursor_open(t->txn, t->hc->dbi, &cur)) != 0)
		return txn_result(t, rc);
	/* first the list, then the writes: keys move under a cursor while its database changes */
	for (;;) {
		struct hcache_msg m;

		rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op);
		op = MDB_NEXT;
		if (rc != 0 || k.mv_size != MSG_KEY_LEN || memcmp(k.mv_data, key, KEY_PREFIX_LEN + 4) != 0)
			break;
		if (!msg_decode(&k, &v, &m))
			continue;
		list = xgrow(list, &cap, n + 1, sizeof(*list));
		list[n++] = (struct hcache_order_entry){ m.uid, m.date, m.internaldate };
	}
	mdb_cursor_close(cur);
	rc = rc == MDB_NOTFOUND ? 0 : rc;
	/* in key order, each order in turn: inserts that follow one another fill pages one after another */
	for (int o = 0; rc == 0 && o < ORDER_COUNT; o++) {
		hcache_order_sort(list, n, (enum hcache_order)o);
		for (size_t i = 0; rc == 0 && i < n; i++) {
			uint8_t okey[ORDER_KEY_LEN];
			MDB_val ok = { sizeof(okey), okey }, ov = { 0, NULL };

			order_key(okey, t->prefix, uidvalidity, (enum hcache_order)o,
				  order_value((enum hcache_order)o, list[i].date, list[i].internaldate), list[i].uid);
			rc = mdb_put(t->txn, t->hc->dbi, &ok, &ov, 0);
		}
	}
	free(list);
	return txn_result(t, rc);
}

int hcache_txn_get_state(struct hcache_txn *t, struct hcache_state *st_r)
{
	uint8_t key[KEY_PREFIX_LEN];
	MDB_val k = { sizeof(key), key }, v;
	const char *names;
	size_t len;
	int rc;

	memcpy(key, t->prefix, KEY_PREFIX_LEN);
	key[0] = 's';
	rc = mdb_get(t->txn, t->hc->dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return txn_result(t, rc);
	if (!state_decode(&v, &names, &len, st_r) || len != t->names_len || memcmp(names, t->names, len) != 0)
		return 0;
	return 1;
}

int hcache_newest(struct hcache *hc, const char *account, const char *mailbox, uint32_t uidvalidity,
		  enum hcache_order order, size_t limit, hcache_msg_fn *fn, void *ctx, const char **error_r)
{
	uint8_t prefix[KEY_PREFIX_LEN], okey[ORDER_KEY_LEN], mkey[MSG_KEY_LEN];
	MDB_val k, v;
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	struct hcache_state st;
	size_t passed = 0;
	int rc, ret = 1;

	make_prefix(prefix, 's', account, mailbox);
	if ((rc = mdb_txn_begin(hc->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, hc->dbi, &cur)) != 0)
		goto fail;
	k.mv_size = KEY_PREFIX_LEN;
	k.mv_data = prefix;
	rc = mdb_get(txn, hc->dbi, &k, &v);
	if (rc == MDB_NOTFOUND || (rc == 0 && (!state_match(&v, account, mailbox, &st) ||
					       st.uidvalidity != uidvalidity || !(st.flags & HCACHE_STATE_ORDERED)))) {
		ret = 0;
		goto out;
	}
	if (rc != 0)
		goto fail;
	/* from just past the last key of (uidvalidity, order), backwards */
	order_key(okey, prefix, uidvalidity, order, INT64_MAX, UINT32_MAX);
	k.mv_size = sizeof(okey);
	k.mv_data = okey;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size == sizeof(okey) && memcmp(k.mv_data, okey, sizeof(okey)) == 0)
		rc = 0; /* the very last possible key: it is the newest itself */
	else if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	for (; rc == 0 && passed < limit; rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		const uint8_t *key = k.mv_data;
		struct hcache_msg m;
		MDB_val mk = { sizeof(mkey), mkey }, mv;
		uint32_t uid;

		if (k.mv_size != ORDER_KEY_LEN || memcmp(key, okey, ORDER_PREFIX_LEN) != 0)
			break;
		uid = (uint32_t)be_get(key + ORDER_PREFIX_LEN + 8, 4);
		msg_key(mkey, prefix, uidvalidity, uid);
		if (mdb_get(txn, hc->dbi, &mk, &mv) != 0 || !hcache_msg_decode(uid, mv.mv_data, mv.mv_size, &m) ||
		    order_value(order, m.date, m.internaldate) != (int64_t)(be_get(key + ORDER_PREFIX_LEN, 8) ^ ((uint64_t)1 << 63))) {
			ret = 0; /* a key without its record: the order cannot be trusted */
			goto out;
		}
		passed++;
		if (fn(ctx, &m) < 0)
			break;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
out:
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return ret;
fail:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	*error_r = lmdb_error(hc, "read", rc);
	return -1;
}

/* Deletes every record (all UIDVALIDITYs: one contiguous key range) and the state of the mailbox whose
 * key prefix (any kind byte, then the hash) is given. Returns 0 or an LMDB error. */
static int clear_mailbox(MDB_txn *txn, MDB_dbi dbi, const uint8_t *key_prefix)
{
	static const char kinds[] = { 'm', 'o' };
	uint8_t prefix[KEY_PREFIX_LEN];
	MDB_val k, v;
	MDB_cursor *cur;
	int rc;

	memcpy(prefix, key_prefix, KEY_PREFIX_LEN);
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	for (size_t i = 0; i < sizeof(kinds) && (rc == 0 || rc == MDB_NOTFOUND || rc == EINVAL); i++) {
		prefix[0] = (uint8_t)kinds[i];
		k.mv_size = KEY_PREFIX_LEN;
		k.mv_data = prefix;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		while (rc == 0 && k.mv_size >= KEY_PREFIX_LEN && memcmp(k.mv_data, prefix, KEY_PREFIX_LEN) == 0) {
			if ((rc = mdb_cursor_del(cur, 0)) != 0)
				break;
			/* the cursor now stands on the next key, if any */
			rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
		}
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND && rc != EINVAL)
		return rc;
	prefix[0] = 's';
	k.mv_size = KEY_PREFIX_LEN;
	k.mv_data = prefix;
	rc = mdb_del(txn, dbi, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int hcache_txn_clear(struct hcache_txn *t)
{
	return txn_result(t, clear_mailbox(t->txn, t->hc->dbi, t->prefix));
}

int hcache_txn_set_state(struct hcache_txn *t, const struct hcache_state *st)
{
	uint8_t key[KEY_PREFIX_LEN];
	MDB_val k = { sizeof(key), key }, v;

	memcpy(key, t->prefix, KEY_PREFIX_LEN);
	key[0] = 's';
	buf_reset(&t->scratch);
	le_append(&t->scratch, STATE_VERSION, 1);
	le_append(&t->scratch, t->names_len, 4);
	buf_append(&t->scratch, t->names, t->names_len);
	le_append(&t->scratch, HCACHE_RECORD_VERSION, 1);
	le_append(&t->scratch, st->flags, 4);
	le_append(&t->scratch, st->uidvalidity, 4);
	le_append(&t->scratch, st->uidnext, 4);
	le_append(&t->scratch, st->exists, 4);
	le_append(&t->scratch, st->highestmodseq, 8);
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

/* After a big write, hands the file pages this process mapped back to the kernel (they stay in the page
 * cache): a fill touches pages all over the order keys, and those would stay resident. Only a read-only
 * map is ever dropped (LMDB without MDB_WRITEMAP never writes through it). */
static void drop_map(struct hcache *hc)
{
	MDB_envinfo info;
	MDB_stat st;
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0 || mdb_env_info(hc->env, &info) != 0 || mdb_env_stat(hc->env, &st) != 0 || info.me_mapaddr == NULL)
		return;
	size_t len = (size_t)(info.me_last_pgno + 1) * st.ms_psize;
	uintptr_t lo = (uintptr_t)info.me_mapaddr / (uintptr_t)page * (uintptr_t)page;
	(void)madvise((void *)lo, len + ((uintptr_t)info.me_mapaddr - lo), MADV_DONTNEED);
}

int hcache_commit(struct hcache_txn **txn, const char **error_r)
{
	struct hcache_txn *t = *txn;
	struct hcache *hc = t->hc;
	int rc = t->error;
	bool big = t->writes >= HCACHE_DROP_AFTER_WRITES;

	if (rc != 0) {
		mdb_txn_abort(t->txn);
	} else {
		rc = mdb_txn_commit(t->txn);
	}
	txn_free(txn);
	if (rc != 0) {
		*error_r = lmdb_error(hc, "write", rc);
		return -1;
	}
	if (big)
		drop_map(hc);
	return 0;
}

void hcache_abort(struct hcache_txn **txn)
{
	if (*txn == NULL)
		return;
	mdb_txn_abort((*txn)->txn);
	txn_free(txn);
}

/* --- statistics and clearing --- */


/* Appends a mailbox to st (account and mailbox taken, NULL for an unnamed one); hashes[] grows alongside.
 * Returns its index. */
static size_t stats_add(struct hcache_stats *st, size_t *cap, uint64_t **hashes, size_t *hashes_cap,
			char *account, char *mailbox, uint64_t hash)
{
	struct hcache_mailbox_stats *ms;

	st->mailboxes = xgrow(st->mailboxes, cap, st->n_mailboxes + 1, sizeof(*st->mailboxes));
	*hashes = xgrow(*hashes, hashes_cap, st->n_mailboxes + 1, sizeof(**hashes));
	ms = &st->mailboxes[st->n_mailboxes];
	memset(ms, 0, sizeof(*ms));
	ms->account = account;
	ms->mailbox = mailbox;
	(*hashes)[st->n_mailboxes] = hash;
	return st->n_mailboxes++;
}

/* Counts the records from the cursor's current key (k, v) while they are under prefix; leaves the cursor
 * on the first key past them. Returns 0 or an LMDB error (MDB_NOTFOUND at the end). */
static int count_range(MDB_cursor *cur, MDB_val *k, MDB_val *v, const uint8_t *prefix,
		       struct hcache_mailbox_stats *ms)
{
	int rc = 0;

	while (rc == 0 && k->mv_size >= KEY_PREFIX_LEN && memcmp(k->mv_data, prefix, KEY_PREFIX_LEN) == 0) {
		struct hcache_msg m;
		if (msg_decode(k, v, &m))
			ms->records++;
		else
			ms->other_records++;
		ms->bytes += v->mv_size;
		rc = mdb_cursor_get(cur, k, v, MDB_NEXT);
	}
	return rc;
}

/* Counts the records of the mailbox whose 'm' key prefix is given. Returns 0 or an LMDB error. */
static int count_mailbox(MDB_cursor *cur, const uint8_t *prefix, struct hcache_mailbox_stats *ms)
{
	MDB_val k = { KEY_PREFIX_LEN, (void *)prefix }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);

	if (rc == 0)
		rc = count_range(cur, &k, &v, prefix, ms);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Adds every state record (of any version whose names can be read), in key (hash) order, keeping only
 * those of account when it is not NULL. Returns 0 or an LMDB error. */
static int stats_states(MDB_cursor *cur, const char *account, struct hcache_stats *st, size_t *cap,
			uint64_t **hashes, size_t *hashes_cap)
{
	uint8_t kind = 's';
	MDB_val k = { 1, &kind }, v;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);

	for (; rc == 0 && ((const uint8_t *)k.mv_data)[0] == 's'; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *names;
		size_t len, i;
		struct hcache_mailbox_stats *ms;

		if (k.mv_size != KEY_PREFIX_LEN || !state_names(&v, &names, &len) ||
		    (account != NULL && strcmp(names, account) != 0))
			continue;
		i = stats_add(st, cap, hashes, hashes_cap, xstrdup(names),
			      xstrndup(names + strlen(names) + 1, len - strlen(names) - 1),
			      be_get((const uint8_t *)k.mv_data + 1, 8));
		ms = &st->mailboxes[i];
		ms->has_state = state_match(&v, ms->account, ms->mailbox, &ms->state);
		if (!ms->has_state)
			memset(&ms->state, 0, sizeof(ms->state));
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Counts every record, by mailbox: the named ones (the first n_named, in hash order) and, for records
 * whose mailbox has no state, unnamed ones. Returns 0 or an LMDB error. */
static int stats_all_records(MDB_cursor *cur, struct hcache_stats *st, size_t *cap, uint64_t **hashes,
			     size_t *hashes_cap)
{
	uint8_t kind = 'm', prefix[KEY_PREFIX_LEN];
	MDB_val k = { 1, &kind }, v;
	size_t n_named = st->n_mailboxes, j = 0;
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);

	while (rc == 0 && ((const uint8_t *)k.mv_data)[0] == 'm') {
		uint64_t hash;
		size_t i;

		if (k.mv_size < KEY_PREFIX_LEN) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		memcpy(prefix, k.mv_data, KEY_PREFIX_LEN);
		hash = be_get(prefix + 1, 8);
		while (j < n_named && (*hashes)[j] < hash)
			j++;
		if (j < n_named && (*hashes)[j] == hash)
			i = j;
		else
			i = stats_add(st, cap, hashes, hashes_cap, NULL, NULL, hash);
		rc = count_range(cur, &k, &v, prefix, &st->mailboxes[i]);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int stats_cmp(const void *a, const void *b)
{
	const struct hcache_mailbox_stats *x = a, *y = b;
	int c;

	if (x->account == NULL || y->account == NULL)
		return (x->account == NULL) - (y->account == NULL);
	c = strcmp(x->account, y->account);
	return c != 0 ? c : strcmp(x->mailbox, y->mailbox);
}

/* Fills in the file and page figures. Returns 0 or an error code. */
static int stats_file(struct hcache *hc, MDB_txn *txn, struct hcache_stats *st)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	int fd, rc;

	if ((rc = mdb_env_info(hc->env, &info)) != 0 || (rc = mdb_stat(txn, hc->dbi, &ms)) != 0 ||
	    (rc = mdb_env_get_fd(hc->env, &fd)) != 0)
		return rc;
	if (fstat(fd, &sb) != 0)
		return errno;
	st->file_size = (uint64_t)sb.st_size;
	st->page_size = ms.ms_psize;
	st->pages_used = (uint64_t)info.me_last_pgno + 1;
	st->data_pages = (uint64_t)ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages;
	return 0;
}

int hcache_stats(struct hcache *hc, const char *account, const char *mailbox, struct hcache_stats **stats_r,
		 const char **error_r)
{
	struct hcache_stats *st = xcalloc(1, sizeof(*st));
	uint64_t *hashes = NULL;
	size_t cap = 0, hashes_cap = 0;
	uint8_t key[KEY_PREFIX_LEN];
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	int rc;

	if ((rc = mdb_txn_begin(hc->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, hc->dbi, &cur)) != 0)
		goto out;
	if (account != NULL && mailbox != NULL) {
		/* one mailbox, named: listed even when the cache holds nothing of it */
		MDB_val k = { KEY_PREFIX_LEN, key }, v;
		struct hcache_mailbox_stats *ms;

		size_t i = stats_add(st, &cap, &hashes, &hashes_cap, xstrdup(account), xstrdup(mailbox), 0);

		make_prefix(key, 's', account, mailbox);
		ms = &st->mailboxes[i];
		rc = mdb_get(txn, hc->dbi, &k, &v);
		if (rc == 0)
			ms->has_state = state_match(&v, account, mailbox, &ms->state);
		if (!ms->has_state)
			memset(&ms->state, 0, sizeof(ms->state));
		if (rc != 0 && rc != MDB_NOTFOUND)
			goto out;
		key[0] = 'm';
		rc = count_mailbox(cur, key, ms);
	} else {
		rc = stats_states(cur, account, st, &cap, &hashes, &hashes_cap);
		if (rc == 0 && account == NULL) {
			rc = stats_all_records(cur, st, &cap, &hashes, &hashes_cap);
		} else {
			for (size_t i = 0; rc == 0 && i < st->n_mailboxes; i++) {
				key[0] = 'm';
				put_be(key + 1, hashes[i], 8);
				rc = count_mailbox(cur, key, &st->mailboxes[i]);
			}
		}
	}
	if (rc == 0)
		rc = stats_file(hc, txn, st);
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(hashes);
	if (rc != 0) {
		*error_r = lmdb_error(hc, "read", rc);
		hcache_stats_free(&st);
		return -1;
	}
	if (st->n_mailboxes > 1)
		qsort(st->mailboxes, st->n_mailboxes, sizeof(*st->mailboxes), stats_cmp);
	for (size_t i = 0; i < st->n_mailboxes; i++) {
		st->records += st->mailboxes[i].records;
		st->other_records += st->mailboxes[i].other_records;
		st->bytes += st->mailboxes[i].bytes;
	}
	*stats_r = st;
	return 0;
}

void hcache_stats_free(struct hcache_stats **stats)
{
	if (*stats == NULL)
		return;
	for (size_t i = 0; i < (*stats)->n_mailboxes; i++) {
		free((*stats)->mailboxes[i].account);
		free((*stats)->mailboxes[i].mailbox);
	}
	free((*stats)->mailboxes);
	free(*stats);
	*stats = NULL;
}

/* Clears every mailbox of account that has a state record (of any version). Returns 0 or an LMDB
 * error. */
static int clear_account(MDB_txn *txn, MDB_dbi dbi, const char *account)
{
	uint8_t kind = 's', (*prefixes)[KEY_PREFIX_LEN] = NULL;
	size_t n = 0, cap = 0;
	MDB_val k = { 1, &kind }, v;
	MDB_cursor *cur;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return rc;
	/* first the list (keys move under a cursor that deletes), then the deletes */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && ((const uint8_t *)k.mv_data)[0] == 's';
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *names;
		size_t len;

		if (k.mv_size != KEY_PREFIX_LEN || !state_names(&v, &names, &len) || strcmp(names, account) != 0)
			continue;
		prefixes = xgrow(prefixes, &cap, n + 1, sizeof(*prefixes));
		memcpy(prefixes[n++], k.mv_data, KEY_PREFIX_LEN);
	}
	mdb_cursor_close(cur);
	rc = rc == MDB_NOTFOUND ? 0 : rc;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = clear_mailbox(txn, dbi, prefixes[i]);
	free(prefixes);
	return rc;
}

int hcache_clear(struct hcache *hc, const char *account, const char *mailbox, const char **error_r)
{
	uint8_t key[KEY_PREFIX_LEN];
	MDB_txn *txn;
	int rc;

	if ((rc = mdb_txn_begin(hc->env, NULL, 0, &txn)) == 0) {
		if (account == NULL) {
			rc = mdb_drop(txn, hc->dbi, 0);
		} else if (mailbox != NULL) {
			make_prefix(key, 'm', account, mailbox);
			rc = clear_mailbox(txn, hc->dbi, key);
		} else {
			rc = clear_account(txn, hc->dbi, account);
		}
		rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
	}
	if (rc != 0) {
		*error_r = lmdb_error(hc, "write", rc);
		return -1;
	}
	return 0;
}
