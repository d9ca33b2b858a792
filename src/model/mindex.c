/* mindex.c: the compact folder index: chunked records, an interning string pool, UID and string hashes. */
#include "skua.h"
#include "mindex.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * Layout. Records live in fixed chunks of MSG_CHUNK (never moved, so a record keeps its address).
 * Strings live in a pool of chunks (4 KiB, doubling to 256 KiB, never moved) as [length varint][bytes]
 * [NUL]; an id is (chunk << POOL_OFF_BITS | offset), and offset 0 of chunk 0 is never used, so no string
 * has id 0 (MINDEX_NONE). A reply chain is interned the same way, as the bytes of its uint32 ids, so
 * siblings share one copy. Two open-addressing tables of uint32 slots (linear probing): strings (slot =
 * id, hash recomputed from the pool when the table grows) and UIDs (slot = position + 1). Growing by
 * chunks keeps the unused capacity to one chunk per pool instead of up to half of a doubled array.
 */

#define MSG_CHUNK_BITS 9
#define MSG_CHUNK (1u << MSG_CHUNK_BITS)
#define POOL_OFF_BITS 18
#define POOL_CHUNK_MIN 4096u
#define POOL_CHUNK_MAX (1u << POOL_OFF_BITS)
#define POOL_MAX_CHUNKS (1u << (32 - POOL_OFF_BITS))
#define STR_LOAD_NUM 7      /* string table: at most 7/10 full */
#define STR_LOAD_DEN 10
#define UID_LOAD_NUM 4      /* UID table: at most 4/5 full (Fibonacci hashing spreads UID runs) */
#define UID_LOAD_DEN 5

struct mindex {
	struct mindex_msg **msg_chunks;
	size_t msg_chunks_cap, count, live;

	char **pool;            /* string chunks; chunk k holds pool_chunk_size(k) bytes */
	size_t pool_chunks, pool_cap, pool_used;  /* pool_used: bytes used in the last chunk */
	size_t pool_bytes;      /* sum of the chunk sizes */

	uint32_t *strs;         /* string table: ids, 0 empty */
	size_t strs_size, nstrs;

	uint32_t *uids;         /* UID table: position + 1, 0 empty */
	size_t uids_size;
	unsigned int uids_bits;
};

/* --- hashing --- */

static uint32_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)len, w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (len > 0) {
		w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static size_t uid_home(const struct mindex *idx, uint32_t uid)
{
	return (size_t)((uid * 0x9e3779b1u) >> (32 - idx->uids_bits));
}

/* --- string pool --- */

static size_t pool_chunk_size(size_t k)
{
	return k >= 6 ? POOL_CHUNK_MAX : POOL_CHUNK_MIN << k;
}

/* Reserves n bytes (n <= POOL_CHUNK_MAX) in the pool; returns their id. */
static uint32_t pool_alloc(struct mindex *idx, size_t n)
{
	uint32_t id;

	if (idx->pool_chunks == 0 || idx->pool_used + n > pool_chunk_size(idx->pool_chunks - 1)) {
		size_t k = idx->pool_chunks;
		if (k >= POOL_MAX_CHUNKS)
			abort(); /* 4 GiB of strings: out of memory long before */
		idx->pool = xgrow(idx->pool, &idx->pool_cap, k + 1, sizeof(*idx->pool));
		idx->pool[k] = xmalloc(pool_chunk_size(k));
		idx->pool_bytes += pool_chunk_size(k);
		idx->pool_chunks++;
		idx->pool_used = k == 0 ? 1 : 0; /* offset 0 of chunk 0 would be id 0 */
	}
	id = (uint32_t)((idx->pool_chunks - 1) << POOL_OFF_BITS | idx->pool_used);
	idx->pool_used += n;
	return id;
}

static const char *pool_at(const struct mindex *idx, uint32_t id, size_t *len_r)
{
	const unsigned char *p = (const unsigned char *)idx->pool[id >> POOL_OFF_BITS] +
				 (id & (POOL_CHUNK_MAX - 1));
	size_t len = p[0] & 0x7f;

	if (p[0] & 0x80) {
		len |= (size_t)p[1] << 7;
		p += 2;
	} else {
		p++;
	}
	*len_r = len;
	return (const char *)p;
}

static uint32_t pool_put(struct mindex *idx, const char *s, size_t len)
{
	size_t head = len < 0x80 ? 1 : 2;
	uint32_t id = pool_alloc(idx, head + len + 1);
	unsigned char *p = (unsigned char *)idx->pool[id >> POOL_OFF_BITS] + (id & (POOL_CHUNK_MAX - 1));

	if (head == 1) {
		*p++ = (unsigned char)len;
	} else {
		*p++ = (unsigned char)(0x80 | (len & 0x7f));
		*p++ = (unsigned char)(len >> 7);
	}
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return id;
}

/* Returns the string table slot holding s, or the empty slot where it belongs. */
static size_t strs_slot(const struct mindex *idx, const char *s, size_t len, uint32_t hash)
{
	size_t mask = idx->strs_size - 1, i = hash & mask;

	for (; idx->strs[i] != 0; i = (i + 1) & mask) {
		size_t l;
		const char *t = pool_at(idx, idx->strs[i], &l);
		if (l == len && memcmp(t, s, len) == 0)
			break;
	}
	return i;
}

static void strs_grow(struct mindex *idx)
{
	uint32_t *old = idx->strs;
	size_t old_size = idx->strs_size;

	idx->strs_size = old_size == 0 ? 1024 : old_size * 2;
	idx->strs = xcalloc(idx->strs_size, sizeof(*idx->strs));
	for (size_t i = 0; i < old_size; i++) {
		size_t len, mask = idx->strs_size - 1, j;
		const char *s;

		if (old[i] == 0)
			continue;
		s = pool_at(idx, old[i], &len);
		for (j = hash_bytes(s, len) & mask; idx->strs[j] != 0; j = (j + 1) & mask)
			;
		idx->strs[j] = old[i];
	}
	free(old);
}

mindex_id mindex_intern(struct mindex *idx, const char *s, size_t len)
{
	uint32_t hash;
	size_t i;

	if (len > MINDEX_MAX_STRING)
		len = MINDEX_MAX_STRING;
	if ((idx->nstrs + 1) * STR_LOAD_DEN > idx->strs_size * STR_LOAD_NUM)
		strs_grow(idx);
	hash = hash_bytes(s, len);
	i = strs_slot(idx, s, len, hash);
	if (idx->strs[i] == 0) {
		idx->strs[i] = pool_put(idx, s, len);
		idx->nstrs++;
	}
	return idx->strs[i];
}

mindex_id mindex_lookup(const struct mindex *idx, const char *s, size_t len)
{
	if (idx->strs_size == 0)
		return MINDEX_NONE;
	if (len > MINDEX_MAX_STRING)
		len = MINDEX_MAX_STRING;
	return idx->strs[strs_slot(idx, s, len, hash_bytes(s, len))];
}

const char *mindex_str(const struct mindex *idx, mindex_id id, size_t *len_r)
{
	size_t len = 0;
	const char *s = id != MINDEX_NONE ? pool_at(idx, id, &len) : NULL;

	if (len_r != NULL)
		*len_r = len;
	return s;
}

size_t mindex_refs(const struct mindex *idx, const struct mindex_msg *m, mindex_id ids_r[MINDEX_MAX_REFS])
{
	size_t len;
	const char *s;

	if (m->refs == MINDEX_NONE)
		return 0;
	s = pool_at(idx, m->refs, &len);
	len /= sizeof(mindex_id);
	if (len > MINDEX_MAX_REFS)
		len = MINDEX_MAX_REFS;
	memcpy(ids_r, s, len * sizeof(mindex_id));
	return len;
}

/* --- UID table --- */

static struct mindex_msg *msg_at(const struct mindex *idx, size_t pos)
{
	return &idx->msg_chunks[pos >> MSG_CHUNK_BITS][pos & (MSG_CHUNK - 1)];
}

/* Returns the UID table slot holding uid, or the empty slot where it belongs. */
static size_t uids_slot(const struct mindex *idx, uint32_t uid)
{
	size_t mask = idx->uids_size - 1, i = uid_home(idx, uid);

	while (idx->uids[i] != 0 && msg_at(idx, idx->uids[i] - 1)->uid != uid)
		i = (i + 1) & mask;
	return i;
}

static void uids_grow(struct mindex *idx)
{
	uint32_t *old = idx->uids;
	size_t old_size = idx->uids_size;

	idx->uids_bits = old_size == 0 ? 10 : idx->uids_bits + 1;
	idx->uids_size = (size_t)1 << idx->uids_bits;
	idx->uids = xcalloc(idx->uids_size, sizeof(*idx->uids));
	for (size_t i = 0; i < old_size; i++) {
		if (old[i] != 0)
			idx->uids[uids_slot(idx, msg_at(idx, old[i] - 1)->uid)] = old[i];
	}
	free(old);
}

/* Empties slot i, shifting later entries of its probe run back (no tombstones in the table). */
static void uids_delete(struct mindex *idx, size_t i)
{
	size_t mask = idx->uids_size - 1, j = i;

	idx->uids[i] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (idx->uids[j] == 0)
			return;
		home = uid_home(idx, msg_at(idx, idx->uids[j] - 1)->uid);
		/* the entry at j may move to i when its home is not cyclically within (i, j] */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			idx->uids[i] = idx->uids[j];
			idx->uids[j] = 0;
			i = j;
		}
	}
}

bool mindex_find(const struct mindex *idx, uint32_t uid, size_t *pos_r)
{
	size_t i;

	if (idx->uids_size == 0 || uid == 0)
		return false;
	i = uids_slot(idx, uid);
	if (idx->uids[i] == 0)
		return false;
	*pos_r = idx->uids[i] - 1;
	return true;
}

/* --- records --- */

const struct mindex_msg *mindex_get(const struct mindex *idx, size_t pos)
{
	const struct mindex_msg *m;

	if (pos >= idx->count)
		return NULL;
	m = msg_at(idx, pos);
	return m->uid != 0 ? m : NULL; /* UID 0 (never a valid UID) marks a removed message */
}

size_t mindex_count(const struct mindex *idx)
{
	return idx->count;
}

size_t mindex_live(const struct mindex *idx)
{
	return idx->live;
}

int mindex_set_flags(struct mindex *idx, uint32_t uid, uint32_t flags)
{
	size_t pos;

	if (!mindex_find(idx, uid, &pos))
		return -1;
	msg_at(idx, pos)->flags = flags;
	return 0;
}

int mindex_remove(struct mindex *idx, uint32_t uid)
{
	size_t i;

	if (idx->uids_size == 0 || uid == 0)
		return -1;
	i = uids_slot(idx, uid);
	if (idx->uids[i] == 0)
		return -1;
	/* unlink from the table first: deleting reads the UIDs of the entries it shifts */
	struct mindex_msg *m = msg_at(idx, idx->uids[i] - 1);
	uids_delete(idx, i);
	m->uid = 0;
	idx->live--;
	return 0;
}

/* --- parsing ids --- */

struct id_span {
	const char *s;
	size_t len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Finds the next message id in [*pp, end) and advances *pp past it. Normally an id is the text of a
 * "<...>" (a '<' before the '>' starts over: "<a <b>" gives b; an unclosed "<a" and an empty "<>" give
 * nothing); `bare` (the value has no '<' at all: brackets forgotten) takes blank-separated words that
 * contain an '@'. Returns false at the end. */
static bool next_id(const char **pp, const char *end, bool bare, struct id_span *id_r)
{
	const char *p = *pp, *lt = NULL;

	while (bare && p < end) {
		const char *w;
		while (p < end && is_blank(*p))
			p++;
		w = p;
		while (p < end && !is_blank(*p))
			p++;
		if (p > w && memchr(w, '@', (size_t)(p - w)) != NULL) {
			*id_r = (struct id_span){ w, (size_t)(p - w) };
			*pp = p;
			return true;
		}
	}
	for (; !bare && p < end; p++) {
		if (*p == '<') {
			lt = p;
		} else if (*p == '>' && lt != NULL) {
			if (p > lt + 1) {
				*id_r = (struct id_span){ lt + 1, (size_t)(p - lt - 1) };
				*pp = p + 1;
				return true;
			}
			lt = NULL;
		}
	}
	*pp = end;
	return false;
}

static bool ids_bare(const char *v, size_t len)
{
	return memchr(v, '<', len) == NULL;
}

/* Interns the first message id of the header value v[0..len) (NULL: absent). */
static mindex_id intern_first_id(struct mindex *idx, const char *v, size_t len)
{
	struct id_span id;

	if (v == NULL || !next_id(&v, v + len, ids_bare(v, len), &id))
		return MINDEX_NONE;
	return mindex_intern(idx, id.s, id.len);
}

/* Builds and interns m's reply chain (see mindex_add); self (the message's own id) is left out. */
static mindex_id intern_chain(struct mindex *idx, const struct hcache_msg *m, mindex_id self, mindex_id irt)
{
	struct id_span ring[MINDEX_MAX_REFS], id;
	mindex_id ids[MINDEX_MAX_REFS + 1];
	const char *v = m->field[HCACHE_REFERENCES];
	size_t len = m->field_len[HCACHE_REFERENCES], total = 0, n = 0;

	if (v != NULL) {
		bool bare = ids_bare(v, len);
		for (const char *p = v; next_id(&p, v + len, bare, &id);)
			ring[total++ % MINDEX_MAX_REFS] = id;
	}
	for (size_t k = total > MINDEX_MAX_REFS ? total - MINDEX_MAX_REFS : 0; k < total; k++) {
		mindex_id r = mindex_intern(idx, ring[k % MINDEX_MAX_REFS].s, ring[k % MINDEX_MAX_REFS].len);
		if (r != self)
			ids[n++] = r;
	}
	if (irt != MINDEX_NONE && irt != self && (n == 0 || ids[n - 1] != irt))
		ids[n++] = irt;
	if (n > MINDEX_MAX_REFS) {
		memmove(ids, ids + 1, MINDEX_MAX_REFS * sizeof(*ids));
		n = MINDEX_MAX_REFS;
	}
	return n > 0 ? mindex_intern(idx, (const char *)ids, n * sizeof(*ids)) : MINDEX_NONE;
}

static mindex_id intern_field(struct mindex *idx, const struct hcache_msg *m, enum hcache_field f)
{
	return m->field[f] != NULL ? mindex_intern(idx, m->field[f], m->field_len[f]) : MINDEX_NONE;
}

/* Stores rec at a new position (the last); returns it. */
static size_t append(struct mindex *idx, const struct mindex_msg *rec)
{
	size_t pos = idx->count;

	if ((pos & (MSG_CHUNK - 1)) == 0) {
		size_t k = pos >> MSG_CHUNK_BITS;
		idx->msg_chunks = xgrow(idx->msg_chunks, &idx->msg_chunks_cap, k + 1, sizeof(*idx->msg_chunks));
		idx->msg_chunks[k] = xmalloc(MSG_CHUNK * sizeof(struct mindex_msg));
	}
	*msg_at(idx, pos) = *rec;
	idx->count++;
	if (rec->uid == 0)
		return pos; /* no valid UID: kept, but as a removed message */
	idx->live++;
	if ((idx->live + 1) * UID_LOAD_DEN > idx->uids_size * UID_LOAD_NUM)
		uids_grow(idx);
	idx->uids[uids_slot(idx, rec->uid)] = (uint32_t)pos + 1;
	return pos;
}

size_t mindex_add(struct mindex *idx, const struct hcache_msg *m)
{
	struct mindex_msg rec;
	size_t pos;

	memset(&rec, 0, sizeof(rec));
	rec.uid = m->uid;
	rec.flags = m->flags;
	rec.hints = m->hints;
	rec.modseq = m->modseq;
	rec.date = m->date;
	rec.internaldate = m->internaldate;
	rec.size = m->size;
	rec.from = intern_field(idx, m, HCACHE_FROM);
	rec.to = intern_field(idx, m, HCACHE_TO);
	rec.subject = intern_field(idx, m, HCACHE_SUBJECT);
	rec.list_id = intern_field(idx, m, HCACHE_LIST_ID);
	rec.message_id = intern_first_id(idx, m->field[HCACHE_MESSAGE_ID], m->field_len[HCACHE_MESSAGE_ID]);
	rec.in_reply_to = intern_first_id(idx, m->field[HCACHE_IN_REPLY_TO], m->field_len[HCACHE_IN_REPLY_TO]);
	rec.refs = intern_chain(idx, m, rec.message_id, rec.in_reply_to);

	if (m->uid != 0 && mindex_find(idx, m->uid, &pos)) {
		*msg_at(idx, pos) = rec;
		return pos;
	}
	return append(idx, &rec);
}

/* --- life cycle --- */

struct mindex *mindex_new(void)
{
	return xcalloc(1, sizeof(struct mindex));
}

static void release(struct mindex *idx)
{
	for (size_t k = 0; k < (idx->count + MSG_CHUNK - 1) >> MSG_CHUNK_BITS; k++)
		free(idx->msg_chunks[k]);
	free(idx->msg_chunks);
	for (size_t k = 0; k < idx->pool_chunks; k++)
		free(idx->pool[k]);
	free(idx->pool);
	free(idx->strs);
	free(idx->uids);
	memset(idx, 0, sizeof(*idx));
}

void mindex_reset(struct mindex *idx)
{
	release(idx);
}

void mindex_free(struct mindex **idx)
{
	if (*idx == NULL)
		return;
	release(*idx);
	free(*idx);
	*idx = NULL;
}

/* Interns into `to` the string `id` names in `from`. */
static mindex_id move_str(struct mindex *to, const struct mindex *from, mindex_id id)
{
	size_t len;
	const char *s = mindex_str(from, id, &len);

	return s != NULL ? mindex_intern(to, s, len) : MINDEX_NONE;
}

void mindex_compact(struct mindex *idx)
{
	struct mindex fresh;

	if (idx->live == idx->count)
		return;
	memset(&fresh, 0, sizeof(fresh));
	for (size_t pos = 0; pos < idx->count; pos++) {
		const struct mindex_msg *m = mindex_get(idx, pos);
		mindex_id ids[MINDEX_MAX_REFS];
		struct mindex_msg r;
		size_t n;

		if (m == NULL)
			continue;
		r = *m;
		r.from = move_str(&fresh, idx, m->from);
		r.to = move_str(&fresh, idx, m->to);
		r.subject = move_str(&fresh, idx, m->subject);
		r.list_id = move_str(&fresh, idx, m->list_id);
		r.message_id = move_str(&fresh, idx, m->message_id);
		r.in_reply_to = move_str(&fresh, idx, m->in_reply_to);
		n = mindex_refs(idx, m, ids);
		for (size_t i = 0; i < n; i++)
			ids[i] = move_str(&fresh, idx, ids[i]);
		r.refs = n > 0 ? mindex_intern(&fresh, (const char *)ids, n * sizeof(*ids)) : MINDEX_NONE;
		append(&fresh, &r);
	}
	release(idx);
	*idx = fresh;
}

size_t mindex_memory(const struct mindex *idx)
{
	size_t chunks = (idx->count + MSG_CHUNK - 1) >> MSG_CHUNK_BITS;

	return sizeof(*idx) +
	       idx->msg_chunks_cap * sizeof(*idx->msg_chunks) + chunks * MSG_CHUNK * sizeof(struct mindex_msg) +
	       idx->pool_cap * sizeof(*idx->pool) + idx->pool_bytes +
	       idx->strs_size * sizeof(*idx->strs) +
	       idx->uids_size * sizeof(*idx->uids);
}
