/* mindex.c: the compact folder index: chunked records, an interning string pool, UID and string hashes. */
#include "skua.h"
#include "mindex.h"
#include "imap/imap-engine.h"
#include "lib/hash.h"
#include "lib/populate.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Layout. Records live in fixed chunks of MSG_CHUNK (never moved, so a record keeps its address).
 * Strings live in a pool of chunks (4 KiB, doubling to 256 KiB, never moved) as [length varint][bytes]
 * [NUL]; an id is (chunk << POOL_OFF_BITS | offset), and offset 0 of chunk 0 is never used, so no string
 * has id 0 (MINDEX_NONE). A reply chain is stored the same way, as the bytes of its uint32 ids (not
 * interned: a chain is a handful of bytes, and finding a sibling's copy would cost a table probe).
 * Two open-addressing tables with linear probing: strings, whose 64-bit slots hold the string's hash
 * beside its id (hash << 32 | id), so that a probe reads the pool only when the hashes match and growing
 * never rehashes a string; and UIDs (slot = position + 1). Growing by chunks keeps the unused capacity
 * to one chunk per pool instead of up to half of a doubled array.
 *
 * mindex_add is most of the cost of opening a folder. It first finds every string of a message (four
 * header values, the Message-ID, the kept References ids and In-Reply-To, usually the last of those).
 * It takes what it can from a small direct-mapped cache of the strings it met lately (by a cheap hash
 * of a string's length and ends; a hit is compared in full): a frequent sender, a list, a thread's
 * subject and the ids its replies refer to come back within a few hundred messages. The rest it
 * hashes, prefetching their table slots before it probes any, so that the cache misses of a big table
 * overlap instead of following one another; the Message-ID, nearly always new, is probed last.
 *
 * Hashing. Every string in the table comes from mail, so its hash is keyed: SipHash-1-3 under a
 * secret key (the process's, from getrandom()), which no sender can aim collisions at (an unkeyed
 * hash could be flooded: ids whose first 16 bytes zeroed the state of the wyhash used before all
 * collided whatever its seed, issue 15). UIDs, which a server chooses, use Fibonacci hashing, which
 * spreads the runs of consecutive UIDs real folders have better than any random hash, until an
 * insert probes more than HASH_MAX_PROBE slots: then the table is rebuilt with UIDs mixed under the
 * key, and if it happens again, doubled. A string probe that long rekeys the string table with fresh
 * random bits (and doubles it) before the next insert: with a secret key it does not happen by chance.
 */

#define MSG_CHUNK_BITS 9
#define MSG_CHUNK (1u << MSG_CHUNK_BITS)
#define POOL_OFF_BITS 18
#define POOL_CHUNK_MIN 4096u
#define POOL_CHUNK_MAX (1u << POOL_OFF_BITS)
#define POOL_MAX_CHUNKS (1u << (32 - POOL_OFF_BITS))
#define STR_LOAD_NUM 1      /* string table: at most half full (slots are cheap beside the strings) */
#define STR_LOAD_DEN 2
#define UID_LOAD_NUM 4      /* UID table: at most 4/5 full (Fibonacci hashing spreads UID runs) */
#define UID_LOAD_DEN 5
#define ADD_STRINGS (5 + 2 + MINDEX_MAX_REFS)  /* strings mindex_add interns at most */
#define RECENT_BITS 10      /* mindex_add's cache of strings met lately: 1024 ids (see Layout) */
#define RECENT_SIZE (1u << RECENT_BITS)
#define MINDEX_RESERVE_STRINGS 2      /* strings mindex_reserve makes room for per message: its
				       * Message-ID and about one more (senders, subjects and the ids
				       * replies refer to repeat) */
#define MINDEX_RESERVE_MAX (1u << 22) /* a larger count (a server's claim) reserves nothing */

struct mindex {
	struct mindex_msg **msg_chunks;
	size_t msg_chunks_cap, count, live;
	size_t unseen;          /* present messages without \Seen */
	bool frozen;            /* a view made by mindex_freeze: shares the chunks of its original */

	char **pool;            /* string chunks; chunk k holds pool_chunk_size(k) bytes */
	size_t pool_chunks, pool_cap, pool_used;  /* pool_used: bytes used in the last chunk */
	size_t pool_bytes;      /* sum of the chunk sizes */

	uint64_t *strs;         /* string table: hash << 32 | id, 0 empty */
	size_t strs_size, nstrs;
	struct hash_key key;    /* the string table's key (see Hashing); all zero until the first string */
	bool strs_rekey;        /* a probe ran past HASH_MAX_PROBE: rekey before the next insert */

	uint32_t *uids;         /* UID table: position + 1, 0 empty */
	size_t uids_size;
	unsigned int uids_bits;
	bool uids_keyed;        /* UIDs hashed with uids_key instead of Fibonacci hashing (see Hashing) */
	struct hash_key uids_key;
	uint32_t max_uid;       /* no UID above it was ever added (since the last reset) */

	mindex_id recent[RECENT_SIZE];  /* strings mindex_add met lately, by recent_slot; 0 empty */
	struct populate *populate;      /* mindex_reserve's helper making the tables resident, or NULL:
					 * ended before either table is freed or replaced */
};

/* --- hashing --- */

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Constants of the recent-strings cache's hash (wyhash's): a slot shared by two strings only costs a
 * miss, so it needs no key. */
#define HASH_P0 0xa0761d6478bd642full
#define HASH_P1 0xe7037ed1a0b428dbull

/* The string table's hash of s[0..len): SipHash-1-3 under the index's key, folded to 32 bits. Never 0
 * (a slot's hash half is never 0). The key must be set (strs_reserve sets it). */
static uint32_t str_hash(const struct mindex *idx, const char *s, size_t len)
{
	uint64_t h = hash_bytes(&idx->key, s, len);
	uint32_t r = (uint32_t)(h ^ (h >> 32));

	return r != 0 ? r : 1;
}

/* The recent-strings cache slot of s[0..len): a cheap hash of its length and its first and last eight
 * bytes (a slot shared by two strings only costs a miss: a hit is compared in full). */
static size_t recent_slot(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t a = len, b = 0;

	if (len >= 8) {
		a ^= rd64(p);
		b = rd64(p + len - 8);
	} else {
		for (size_t i = 0; i < len; i++)
			b = b << 8 | p[i];
	}
	return (size_t)(((a * HASH_P0) ^ b) * HASH_P1 >> (64 - RECENT_BITS));
}

static size_t uid_home(const struct mindex *idx, uint32_t uid)
{
	if (idx->uids_keyed)
		return (size_t)(hash_u64(&idx->uids_key, uid) >> (64 - idx->uids_bits));
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

static bool pool_eq(const struct mindex *idx, uint32_t id, const char *s, size_t len)
{
	size_t l;
	const char *t = pool_at(idx, id, &l);

	return l == len && memcmp(t, s, len) == 0;
}

/* Returns the string table slot holding s (hashed to hash), or the empty slot where it belongs. */
static size_t strs_slot(const struct mindex *idx, const char *s, size_t len, uint32_t hash)
{
	size_t mask = idx->strs_size - 1, i = hash & mask;

	for (; idx->strs[i] != 0; i = (i + 1) & mask) {
		if ((uint32_t)(idx->strs[i] >> 32) == hash && pool_eq(idx, (uint32_t)idx->strs[i], s, len))
			break;
	}
	return i;
}

/* Rehashes every string of the table under a fresh random key, into a table twice the size while it
 * has fewer than 16 slots a string (a probe ran past HASH_MAX_PROBE; see Hashing). */
static void strs_rekey(struct mindex *idx)
{
	uint64_t *old = idx->strs;
	size_t old_size = idx->strs_size, mask;

	populate_finish(&idx->populate);
	hash_key_random(&idx->key);
	idx->strs_size = old_size < 16 * idx->nstrs ? old_size * 2 : old_size;
	idx->strs = xcalloc(idx->strs_size, sizeof(*idx->strs));
	mask = idx->strs_size - 1;
	for (size_t i = 0; i < old_size; i++) {
		size_t j, len;
		const char *str;
		uint32_t h;

		if (old[i] == 0)
			continue;
		str = pool_at(idx, (uint32_t)old[i], &len);
		h = str_hash(idx, str, len);
		for (j = h & mask; idx->strs[j] != 0; j = (j + 1) & mask)
			;
		idx->strs[j] = (uint64_t)h << 32 | (uint32_t)old[i];
	}
	free(old);
	idx->strs_rekey = false;
}

/* Makes room in the string table for n more strings (and sets or renews its key). */
static void strs_reserve(struct mindex *idx, size_t n)
{
	uint64_t *old = idx->strs;
	size_t old_size = idx->strs_size, mask;

	if (idx->key.k0 == 0 && idx->key.k1 == 0)
		idx->key = *hash_key_process();
	if (idx->strs_rekey) {
		strs_rekey(idx);
		old = idx->strs;
		old_size = idx->strs_size;
	}
	if ((idx->nstrs + n) * STR_LOAD_DEN <= idx->strs_size * STR_LOAD_NUM)
		return;
	populate_finish(&idx->populate);
	idx->strs_size = old_size == 0 ? 1024 : old_size;
	while ((idx->nstrs + n) * STR_LOAD_DEN > idx->strs_size * STR_LOAD_NUM)
		idx->strs_size *= 2;
	idx->strs = xcalloc(idx->strs_size, sizeof(*idx->strs));
	mask = idx->strs_size - 1;
	for (size_t i = 0; i < old_size; i++) {
		size_t j;

		if (old[i] == 0)
			continue;
		for (j = (old[i] >> 32) & mask; idx->strs[j] != 0; j = (j + 1) & mask)
			;
		idx->strs[j] = old[i];
	}
	free(old);
}

/* Interns s[0..len) (already cut to MINDEX_MAX_STRING), hashed to hash; the table has room. */
static mindex_id intern_hashed(struct mindex *idx, const char *s, size_t len, uint32_t hash)
{
	size_t mask = idx->strs_size - 1, i = hash & mask, probes = 0;
	uint64_t e;

	for (; (e = idx->strs[i]) != 0; i = (i + 1) & mask) {
		if ((uint32_t)(e >> 32) == hash && pool_eq(idx, (uint32_t)e, s, len))
			return (mindex_id)e;
		if (++probes > HASH_MAX_PROBE)
			idx->strs_rekey = true;
	}
	idx->strs[i] = (uint64_t)hash << 32 | pool_put(idx, s, len);
	idx->nstrs++;
	return (mindex_id)idx->strs[i];
}

mindex_id mindex_intern(struct mindex *idx, const char *s, size_t len)
{
	if (len > MINDEX_MAX_STRING)
		len = MINDEX_MAX_STRING;
	strs_reserve(idx, 1);
	return intern_hashed(idx, s, len, str_hash(idx, s, len));
}

mindex_id mindex_lookup(const struct mindex *idx, const char *s, size_t len)
{
	if (idx->strs_size == 0)
		return MINDEX_NONE;
	if (len > MINDEX_MAX_STRING)
		len = MINDEX_MAX_STRING;
	return (mindex_id)idx->strs[strs_slot(idx, s, len, str_hash(idx, s, len))];
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

/* Returns the UID table slot holding uid, or the empty slot where it belongs; *probes_r (may be NULL)
 * is how many other slots it passed. */
static size_t uids_probe(const struct mindex *idx, uint32_t uid, size_t *probes_r)
{
	size_t mask = idx->uids_size - 1, i = uid_home(idx, uid), probes = 0;

	while (idx->uids[i] != 0 && msg_at(idx, idx->uids[i] - 1)->uid != uid) {
		i = (i + 1) & mask;
		probes++;
	}
	if (probes_r != NULL)
		*probes_r = probes;
	return i;
}

static size_t uids_slot(const struct mindex *idx, uint32_t uid)
{
	return uids_probe(idx, uid, NULL);
}

/* Fills the UID table again, doubled when grow, with the present messages at positions below upto.
 * By position, not by old slot: the records are read in order instead of at random. */
static void uids_rebuild(struct mindex *idx, size_t upto, bool grow)
{
	if (grow) {
		idx->uids_bits = idx->uids_size == 0 ? 10 : idx->uids_bits + 1;
		idx->uids_size = (size_t)1 << idx->uids_bits;
	}
	populate_finish(&idx->populate);
	free(idx->uids);
	idx->uids = xcalloc(idx->uids_size, sizeof(*idx->uids));
	for (size_t pos = 0; pos < upto; pos++) {
		uint32_t uid = msg_at(idx, pos)->uid;
		if (uid != 0)
			idx->uids[uids_slot(idx, uid)] = (uint32_t)pos + 1;
	}
}

/* Doubles the UID table (see uids_rebuild). */
static void uids_grow(struct mindex *idx, size_t upto)
{
	uids_rebuild(idx, upto, true);
}

/* An insert probed more than HASH_MAX_PROBE slots: UIDs a server chose to collide under Fibonacci
 * hashing (or bad luck at 4/5 full). The first time, hash them with the key instead, in a table at
 * most half full; after that, double the table, up to 16 slots a message (further growth would not
 * help: a bug). */
static void uids_long_probe(struct mindex *idx, size_t upto)
{
	if (!idx->uids_keyed) {
		hash_key_random(&idx->uids_key);
		idx->uids_keyed = true;
		uids_rebuild(idx, upto, idx->live * 2 > idx->uids_size);
	} else if (idx->uids_size < 16 * (idx->live + 1)) {
		uids_rebuild(idx, upto, true);
	}
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

void mindex_reserve(struct mindex *idx, size_t n)
{
	size_t want = idx->live + n + 1, num = UID_LOAD_NUM, den = UID_LOAD_DEN;
	const uint64_t *strs = idx->strs;
	unsigned int bits;
	bool uids = false;

	if (idx->frozen || n == 0 || n > MINDEX_RESERVE_MAX)
		return;
	strs_reserve(idx, n * MINDEX_RESERVE_STRINGS);
	if (idx->uids_keyed)
		num = 1, den = 2;
	bits = idx->uids_size == 0 ? 10 : idx->uids_bits;
	while (want * den > ((size_t)1 << bits) * num)
		bits++;
	if (idx->uids_size == 0 || bits != idx->uids_bits) {
		idx->uids_bits = bits;
		idx->uids_size = (size_t)1 << bits;
		uids_rebuild(idx, idx->count, false);
		uids = true;
	}
	if (!uids && idx->strs == strs)
		return;
	/* the first writes into the fresh tables would each fault a page in (see populate.h) */
	populate_finish(&idx->populate);
	idx->populate = populate_start(idx->uids, idx->uids_size * sizeof(*idx->uids), idx->strs,
				       idx->strs_size * sizeof(*idx->strs));
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

size_t mindex_unseen(const struct mindex *idx)
{
	return idx->unseen;
}

/* Keeps the unseen count as a present message's flags go from `before` to `after`. */
static void count_seen(struct mindex *idx, uint32_t before, uint32_t after)
{
	if ((before & IMAP_FLAG_SEEN) && !(after & IMAP_FLAG_SEEN))
		idx->unseen++;
	else if (!(before & IMAP_FLAG_SEEN) && (after & IMAP_FLAG_SEEN))
		idx->unseen--;
}

int mindex_set_flags(struct mindex *idx, uint32_t uid, uint32_t flags)
{
	size_t pos;
	struct mindex_msg *m;

	if (!mindex_find(idx, uid, &pos))
		return -1;
	m = msg_at(idx, pos);
	count_seen(idx, m->flags, flags);
	m->flags = flags;
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
	if (!(m->flags & IMAP_FLAG_SEEN))
		idx->unseen--;
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

#ifdef __SSE2__
/* Returns a bit per byte of the 16 at p, set for '<' and '>' (the two bytes that | 0x02 makes 0x3e). */
static uint64_t angles16(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);

	return (uint64_t)(unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(0x02)),
									_mm_set1_epi8(0x3e)));
}
#endif

/* Returns the first '<' or '>' in [p, end), or end; v <= p is where the value starts. */
static inline const char *next_angle(const char *v, const char *p, const char *end)
{
	(void)v;
#ifdef __SSE2__
	for (; end - p >= 16; p += 16) {
		uint64_t bits = angles16(p);
		if (bits != 0)
			return p + __builtin_ctzll(bits);
	}
	if (p < end && end - v >= 16) {
		/* the rest, from the 16 bytes that end where the value does */
		uint64_t bits = angles16(end - 16) >> (16 - (end - p));
		return bits != 0 ? p + __builtin_ctzll(bits) : end;
	}
#endif
	for (; p < end; p++) {
		if ((*p | 0x02) == '>')
			return p;
	}
	return end;
}

/* scan_ids for a value with no '<' (brackets forgotten): the blank-separated words with an '@'. */
static size_t scan_bare(const char *v, size_t len, bool first, struct id_span *ring)
{
	const char *p = v, *end = v + len;
	size_t found = 0;

	while (p < end) {
		const char *w;
		while (p < end && is_blank(*p))
			p++;
		w = p;
		while (p < end && !is_blank(*p))
			p++;
		if (p > w && memchr(w, '@', (size_t)(p - w)) != NULL) {
			ring[found++ % MINDEX_MAX_REFS] = (struct id_span){ w, (size_t)(p - w) };
			if (first)
				return 1;
		}
	}
	return found;
}

/* Finds the message ids of the header value v[0..len) and returns how many: with `first`, only the
 * first (in ring[0]), else all, the last MINDEX_MAX_REFS kept in ring (id k in ring[k % MINDEX_MAX_REFS]).
 * An id is the text of a "<...>": a '<' before the '>' starts over ("<a <b>" gives b), an unclosed "<a"
 * and an empty "<>" give nothing, a stray '>' is skipped. Only the angle brackets matter, so the scan
 * skips from one to the next, sixteen bytes at a time. A value without any '<' goes to scan_bare. */
static size_t scan_ids(const char *v, size_t len, bool first, struct id_span *ring)
{
	const char *p = v, *end = v + len, *lt;
	bool any_lt = false;
	size_t found = 0;

	while ((p = next_angle(v, p, end)) < end) {
		if (*p == '>') {
			p++; /* stray */
			continue;
		}
		any_lt = true;
		for (lt = p; (p = next_angle(v, p + 1, end)) < end && *p == '<';)
			lt = p;
		if (p == end)
			break; /* unclosed */
		if (p > lt + 1) {
			ring[found++ % MINDEX_MAX_REFS] = (struct id_span){ lt + 1, (size_t)(p - lt - 1) };
			if (first)
				return 1;
		}
		p++;
	}
	return any_lt ? found : scan_bare(v, len, first, ring);
}

static struct id_span cut(struct id_span sp)
{
	if (sp.len > MINDEX_MAX_STRING)
		sp.len = MINDEX_MAX_STRING;
	return sp;
}

static bool span_eq(const struct id_span *a, const struct id_span *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
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
	if (!(rec->flags & IMAP_FLAG_SEEN))
		idx->unseen++;
	if (rec->uid > idx->max_uid)
		idx->max_uid = rec->uid;
	if ((idx->live + 1) * UID_LOAD_DEN > idx->uids_size * UID_LOAD_NUM ||
	    (idx->uids_keyed && (idx->live + 1) * 2 > idx->uids_size))
		uids_grow(idx, pos); /* keyed, the runs are random: at most half full */
	size_t probes;
	idx->uids[uids_probe(idx, rec->uid, &probes)] = (uint32_t)pos + 1;
	if (probes > HASH_MAX_PROBE)
		uids_long_probe(idx, pos + 1);
	return pos;
}

/* mindex_add's strings, in the order it keeps them: five header values, the Message-ID, then the kept
 * References ids and, unless it is the last of them, the In-Reply-To id. */
enum { ADD_FROM, ADD_TO, ADD_CC, ADD_SUBJECT, ADD_LIST_ID, ADD_SELF, ADD_REFS };

size_t mindex_add(struct mindex *idx, const struct hcache_msg *m)
{
	static const enum hcache_field fields[] = { HCACHE_FROM, HCACHE_TO, HCACHE_CC, HCACHE_SUBJECT,
						    HCACHE_LIST_ID };
	struct id_span str[ADD_STRINGS], ring[MINDEX_MAX_REFS], id;
	uint32_t hash[ADD_STRINGS];
	size_t slot[ADD_STRINGS];
	mindex_id got[ADD_STRINGS], ids[MINDEX_MAX_REFS + 1];
	const char *refs = m->field[HCACHE_REFERENCES], *irt = m->field[HCACHE_IN_REPLY_TO];
	size_t n = ADD_REFS, nrefs = 0, total = 0, last = SIZE_MAX, nids = 0, pos;
	struct mindex_msg rec;

	/* find every string (an absent one has s NULL) */
	strs_reserve(idx, ADD_STRINGS);
	str[ADD_SELF].s = NULL;
	if (m->field[HCACHE_MESSAGE_ID] != NULL &&
	    scan_ids(m->field[HCACHE_MESSAGE_ID], m->field_len[HCACHE_MESSAGE_ID], true, &str[ADD_SELF]) > 0) {
		str[ADD_SELF] = cut(str[ADD_SELF]);
		hash[ADD_SELF] = str_hash(idx, str[ADD_SELF].s, str[ADD_SELF].len);
		__builtin_prefetch(&idx->strs[hash[ADD_SELF] & (idx->strs_size - 1)]);
	}
	for (size_t k = 0; k < N_ELEMENTS(fields); k++)
		str[k] = cut((struct id_span){ m->field[fields[k]], m->field_len[fields[k]] });
	if (refs != NULL && (total = scan_ids(refs, m->field_len[HCACHE_REFERENCES], false, ring)) > 0) {
		nrefs = total < MINDEX_MAX_REFS ? total : MINDEX_MAX_REFS;
		for (size_t k = total - nrefs; k < total; k++)
			str[n++] = cut(ring[k % MINDEX_MAX_REFS]);
	}
	/* In-Reply-To is usually the last of the References: then the same string, no second lookup. Most
	 * often it is that id in brackets and nothing else, which needs no scan (an id found between
	 * brackets has none inside) */
	if (irt != NULL) {
		const struct id_span *x = nrefs > 0 ? &ring[(total - 1) % MINDEX_MAX_REFS] : NULL;
		size_t len = m->field_len[HCACHE_IN_REPLY_TO];

		if (x != NULL && len == x->len + 2 && irt[0] == '<' && irt[len - 1] == '>' &&
		    x->s + x->len < refs + m->field_len[HCACHE_REFERENCES] && x->s[x->len] == '>' &&
		    memcmp(irt + 1, x->s, x->len) == 0) {
			last = n - 1;
		} else if (scan_ids(irt, len, true, &id) > 0) {
			id = cut(id);
			if (nrefs > 0 && span_eq(&str[n - 1], &id))
				last = n - 1;
			else
				str[last = n++] = id;
		}
	}

	/* what the recent-strings cache does not have, hash and prefetch its slot, then intern (the
	 * Message-ID last: the one likely new, so not in the CPU cache) */
	for (size_t k = 0; k < n; k++) {
		if (str[k].s == NULL || k == ADD_SELF) {
			got[k] = MINDEX_NONE;
			continue;
		}
		slot[k] = recent_slot(str[k].s, str[k].len);
		if ((got[k] = idx->recent[slot[k]]) != MINDEX_NONE && pool_eq(idx, got[k], str[k].s, str[k].len))
			continue;
		got[k] = MINDEX_NONE;
		hash[k] = str_hash(idx, str[k].s, str[k].len);
		__builtin_prefetch(&idx->strs[hash[k] & (idx->strs_size - 1)]);
	}
	for (size_t k = 0; k < n; k++) {
		if (k != ADD_SELF && str[k].s != NULL && got[k] == MINDEX_NONE)
			idx->recent[slot[k]] = got[k] = intern_hashed(idx, str[k].s, str[k].len, hash[k]);
	}
	if (str[ADD_SELF].s != NULL) {
		got[ADD_SELF] = intern_hashed(idx, str[ADD_SELF].s, str[ADD_SELF].len, hash[ADD_SELF]);
		idx->recent[recent_slot(str[ADD_SELF].s, str[ADD_SELF].len)] = got[ADD_SELF];
	} else {
		got[ADD_SELF] = MINDEX_NONE;
	}

	memset(&rec, 0, sizeof(rec));
	rec.uid = m->uid;
	rec.flags = m->flags;
	rec.hints = m->hints;
	rec.modseq = m->modseq;
	rec.date = m->date;
	rec.internaldate = m->internaldate;
	rec.size = m->size;
	rec.from = got[ADD_FROM];
	rec.to = got[ADD_TO];
	rec.cc = got[ADD_CC];
	rec.subject = got[ADD_SUBJECT];
	rec.list_id = got[ADD_LIST_ID];
	rec.message_id = got[ADD_SELF];
	rec.in_reply_to = last != SIZE_MAX ? got[last] : MINDEX_NONE;

	/* the reply chain: the kept References without the message itself, then In-Reply-To */
	for (size_t k = ADD_REFS; k < ADD_REFS + nrefs; k++) {
		if (got[k] != rec.message_id)
			ids[nids++] = got[k];
	}
	if (rec.in_reply_to != MINDEX_NONE && rec.in_reply_to != rec.message_id &&
	    (nids == 0 || ids[nids - 1] != rec.in_reply_to))
		ids[nids++] = rec.in_reply_to;
	if (nids > MINDEX_MAX_REFS) {
		memmove(ids, ids + 1, MINDEX_MAX_REFS * sizeof(*ids));
		nids = MINDEX_MAX_REFS;
	}
	rec.refs = nids > 0 ? pool_put(idx, (const char *)ids, nids * sizeof(*ids)) : MINDEX_NONE;

	if (m->uid != 0 && m->uid <= idx->max_uid && mindex_find(idx, m->uid, &pos)) {
		count_seen(idx, msg_at(idx, pos)->flags, rec.flags);
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
	if (idx->frozen) {
		/* the chunks are the original's */
		free(idx->msg_chunks);
		free(idx->pool);
		memset(idx, 0, sizeof(*idx));
		return;
	}
	populate_finish(&idx->populate);
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

struct mindex *mindex_freeze(const struct mindex *idx)
{
	struct mindex *v = xcalloc(1, sizeof(*v));
	size_t chunks = (idx->count + MSG_CHUNK - 1) >> MSG_CHUNK_BITS;

	v->frozen = true;
	v->count = idx->count;
	v->live = idx->live;
	v->unseen = idx->unseen;
	v->max_uid = idx->max_uid;
	v->msg_chunks_cap = chunks;
	if (chunks > 0) {
		v->msg_chunks = xmalloc(chunks * sizeof(*v->msg_chunks));
		memcpy(v->msg_chunks, idx->msg_chunks, chunks * sizeof(*v->msg_chunks));
	}
	v->pool_chunks = v->pool_cap = idx->pool_chunks;
	v->pool_used = idx->pool_used;
	v->pool_bytes = idx->pool_bytes;
	if (idx->pool_chunks > 0) {
		v->pool = xmalloc(idx->pool_chunks * sizeof(*v->pool));
		memcpy(v->pool, idx->pool, idx->pool_chunks * sizeof(*v->pool));
	}
	/* no hash tables: a view finds nothing by UID or by string (those tables move as the original
	 * grows) */
	return v;
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
		r.cc = move_str(&fresh, idx, m->cc);
		r.subject = move_str(&fresh, idx, m->subject);
		r.list_id = move_str(&fresh, idx, m->list_id);
		r.message_id = move_str(&fresh, idx, m->message_id);
		r.in_reply_to = move_str(&fresh, idx, m->in_reply_to);
		n = mindex_refs(idx, m, ids);
		for (size_t i = 0; i < n; i++)
			ids[i] = move_str(&fresh, idx, ids[i]);
		r.refs = n > 0 ? pool_put(&fresh, (const char *)ids, n * sizeof(*ids)) : MINDEX_NONE;
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
