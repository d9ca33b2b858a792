/* mindex.h: the compact in-memory index of an open folder: one small record per message, interned strings. */
#ifndef MODEL_MINDEX_H
#define MODEL_MINDEX_H

#include "skua.h"
#include "hcache/hcache.h"

/* A string id: names one interned string (or byte string) of an index. MINDEX_NONE is "absent". Ids
 * are stable until mindex_reset, mindex_compact or mindex_free. */
typedef uint32_t mindex_id;
#define MINDEX_NONE ((mindex_id)0)

/* References kept per message: the last ones of the References chain (a chain of thousands is cut). */
#define MINDEX_MAX_REFS 20
/* Longest string kept (a longer header value or message-id is cut to this many bytes). */
#define MINDEX_MAX_STRING 2048

/* One message. 80 bytes; strings are ids (see mindex_str), raw header values as the cache holds them
 * (undecoded: decode only what is drawn). Message ids are the text between '<' and '>'. */
struct mindex_msg {
	int64_t date;           /* Date: header, epoch seconds */
	int64_t internaldate;   /* arrival, epoch seconds, -1 unknown */
	int64_t size;
	uint64_t modseq;        /* 0 unknown */
	uint32_t uid, flags;    /* flags: IMAP_FLAG_* */
	uint32_t hints;         /* HCACHE_HINT_* */
	mindex_id from, to, cc, subject, list_id;
	mindex_id message_id;   /* MINDEX_NONE when absent or unparseable */
	mindex_id in_reply_to;  /* the first id of In-Reply-To */
	mindex_id refs;         /* the reply chain, oldest first: read it with mindex_refs */
};

struct mindex;

/* Returns a new empty index the caller owns (free with mindex_free). An index is not locked: one
 * thread uses it at a time (the UI thread; the CLI's main thread). */
struct mindex *mindex_new(void);
/* Frees *idx (NULL is fine) and everything it holds, and sets *idx to NULL. */
void mindex_free(struct mindex **idx);
/* Forgets every message and string (the loader said "discard everything so far"); the index stays
 * usable. Invalidates every position, id and pointer obtained from it. */
void mindex_reset(struct mindex *idx);

/* Adds message m, copying what the index keeps (m's strings need not outlive the call): strings are
 * interned, Message-ID and In-Reply-To parsed to their first <id>, and the reply chain built from the
 * References ids (the last MINDEX_MAX_REFS) followed by the In-Reply-To id when it is not already the
 * last. A message whose UID is already present replaces it in place. Returns the message's position. */
size_t mindex_add(struct mindex *idx, const struct hcache_msg *m);

/* Makes room for n more messages (a folder's EXISTS, before its records come), so that the tables
 * grow once now instead of doubling, each time in one long step, while they come; a helper thread
 * makes their pages resident meanwhile (populate.h), ended before the tables are freed or replaced.
 * A hint: more or fewer messages may follow; a count above 2^22 is ignored (the tables grow as
 * before). Not on a view. Owner's thread. */
void mindex_reserve(struct mindex *idx, size_t n);

/* Returns the number of positions, removed messages included (positions run from 0 to count - 1). */
size_t mindex_count(const struct mindex *idx);
/* Returns the number of messages present (not removed). */
size_t mindex_live(const struct mindex *idx);
/* Returns the number of present messages without \Seen, kept as messages come, go and change: O(1). */
size_t mindex_unseen(const struct mindex *idx);
/* Returns the message at pos, or NULL when pos is out of range or its message was removed. The record
 * stays at that address (updated in place by mindex_set_flags and mindex_add of the same UID) until
 * mindex_reset, mindex_compact or mindex_free. */
const struct mindex_msg *mindex_get(const struct mindex *idx, size_t pos);
/* Finds a present message by UID. Returns true and *pos_r, or false. O(1). */
bool mindex_find(const struct mindex *idx, uint32_t uid, size_t *pos_r);
/* Sets the flags of the message with this UID. Returns 0, or -1 when there is none. */
int mindex_set_flags(struct mindex *idx, uint32_t uid, uint32_t flags);
/* Removes the message with this UID (an expunge): its position stays, empty (mindex_get returns NULL),
 * so positions a view holds remain valid. Returns 0, or -1 when there is none. */
int mindex_remove(struct mindex *idx, uint32_t uid);
/* Drops removed messages and the strings only they used: positions close up (keeping their order),
 * ids change. Invalidates every position, id and pointer obtained before; re-sort after it. */
void mindex_compact(struct mindex *idx);

/* Returns the interned string id (NUL-terminated; *len_r its length, which excludes the NUL; len_r may
 * be NULL), or NULL for MINDEX_NONE. Valid until mindex_reset, mindex_compact or mindex_free. */
const char *mindex_str(const struct mindex *idx, mindex_id id, size_t *len_r);
/* Copies m's reply chain (message ids, oldest first, the direct parent last) into ids_r. Returns how
 * many (0 to MINDEX_MAX_REFS). */
size_t mindex_refs(const struct mindex *idx, const struct mindex_msg *m, mindex_id ids_r[MINDEX_MAX_REFS]);
/* Interns s[0..len) (cut to MINDEX_MAX_STRING) and returns its id; an empty string is interned too. */
mindex_id mindex_intern(struct mindex *idx, const char *s, size_t len);
/* Returns the id of s[0..len) when it is interned, else MINDEX_NONE. Does not change the index. */
mindex_id mindex_lookup(const struct mindex *idx, const char *s, size_t len);

/* Returns a read-only view of idx as it is now (its positions 0 .. mindex_count() - 1 and their
 * strings), sharing its records and strings, for a thread that reads while the owner goes on. While a
 * view lives the owner may add messages with new UIDs (mindex_add), intern strings and change flags
 * (mindex_set_flags: nothing that reads a view looks at flags), but must not replace a message
 * (mindex_add of a UID it holds), remove one, reset, compact or free idx. The view answers mindex_get,
 * mindex_count, mindex_live, mindex_str and mindex_refs; mindex_find and mindex_lookup find nothing in
 * it. Free it with mindex_free (which frees only the view). Owner's thread; the view is then the
 * reader's. */
struct mindex *mindex_freeze(const struct mindex *idx);

/* Returns the bytes the index holds: every block it allocated (records, string pool, hash tables),
 * unused capacity included (not the allocator's own bookkeeping, a few words per block). */
size_t mindex_memory(const struct mindex *idx);

#endif
