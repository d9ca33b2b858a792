/* hcache.h: the LMDB header cache: per-message index records and per-mailbox sync state. */
#ifndef HCACHE_HCACHE_H
#define HCACHE_HCACHE_H

#include "skua.h"
#include "lib/buf.h"

/* Record format version. A record of another version is treated as absent (the message is fetched
 * again and the record rewritten), never as a reason to drop the cache. */
#define HCACHE_RECORD_VERSION 2
/* Largest string field kept; longer values are cut (a References chain of thousands of ids, say). */
#define HCACHE_MAX_FIELD (64 * 1024)

enum hcache_field {
	HCACHE_FROM, HCACHE_SUBJECT, HCACHE_MESSAGE_ID, HCACHE_IN_REPLY_TO, HCACHE_REFERENCES,
	HCACHE_TO, HCACHE_CC, HCACHE_LIST_ID, HCACHE_CONTENT_TYPE,
	HCACHE_NFIELDS
};

/* One message. Strings are raw header values (unfolded, undecoded), not NUL-terminated in the cache:
 * use the lengths. A NULL field is absent. */
/* hcache_msg.hints bits: what the index shows without fetching the body. */
#define HCACHE_HINT_ATTACHMENT 0x1u  /* multipart/mixed or a non-text top-level type */

struct hcache_msg {
	uint32_t uid, flags;
	uint32_t hints;         /* HCACHE_HINT_* */
	uint64_t modseq;        /* CONDSTORE MODSEQ, 0 unknown */
	int64_t date;           /* Date: header, epoch seconds (INTERNALDATE when absent or broken) */
	int64_t internaldate;   /* arrival, epoch seconds, -1 unknown */
	int64_t size;
	const char *field[HCACHE_NFIELDS];
	size_t field_len[HCACHE_NFIELDS];
};

/* hcache_state.flags bits. */
#define HCACHE_STATE_QRESYNC 0x1u   /* written by a sync over a QRESYNC-enabled connection */
#define HCACHE_STATE_ORDERED 0x2u   /* every record under uidvalidity has its order keys (hcache_newest) */

/* The orders the cache keeps beside the records, so that the newest messages of a mailbox are found
 * without reading all of them: by Date (the record's date; ties: higher UID first) and by arrival
 * (INTERNALDATE, unknown oldest; ties: higher UID first). The same orders as sort_messages' SORT_DATE and
 * SORT_ARRIVAL. */
enum hcache_order { HCACHE_ORDER_DATE, HCACHE_ORDER_ARRIVAL };

/* A mailbox's sync state, written with its records. */
struct hcache_state {
	uint32_t uidvalidity, uidnext, exists;
	uint64_t highestmodseq;
	uint32_t flags;         /* HCACHE_STATE_* */
};

/* One mailbox in hcache_stats(). */
struct hcache_mailbox_stats {
	char *account, *mailbox;     /* as given to hcache_begin(); both NULL for records whose mailbox has
				      * no readable state record */
	bool has_state;              /* a current-version state record was read into state */
	struct hcache_state state;   /* zero unless has_state */
	uint64_t records;            /* current-version records that decode */
	uint64_t other_records;      /* records of another version or that do not decode (fetched again) */
	uint64_t bytes;              /* record data (values) of both kinds */
};

struct hcache_stats {
	struct hcache_mailbox_stats *mailboxes;  /* by account, then mailbox; unnamed ones last */
	size_t n_mailboxes;
	uint64_t records, other_records, bytes;  /* sums over mailboxes */
	uint64_t file_size;          /* bytes of the cache file */
	uint64_t page_size;          /* LMDB page size */
	uint64_t pages_used;         /* pages up to the last one in use (file bytes LMDB needs / page_size) */
	uint64_t data_pages;         /* pages holding keys and records now (the rest is free for reuse) */
};

struct hcache;
struct hcache_txn;

/* Opens (creating it and its directory, mode 0700/0600) the cache file at path. Returns 0 and a handle
 * the caller owns, or -1 with *error_r. A damaged file (LMDB finds it invalid or corrupted; it is
 * shorter than the pages LMDB uses or not made of whole pages; or an earlier handle met a corrupted
 * page and left "<path>.damaged" behind) is renamed to "<path>.corrupt-<unix time>", its lock file
 * removed, and a new empty cache created in its place: then *notice_r is a translated one-line message
 * for the user (an errstr() string: valid until that thread's next ERRSTR_SLOTS errstr() calls), else
 * NULL. Any thread; a handle may be shared by threads. */
int hcache_open(const char *path, struct hcache **hc_r, const char **notice_r, const char **error_r);
/* Closes the cache and sets *hc to NULL; NULL is fine. No transaction of it may be open. */
void hcache_close(struct hcache **hc);
/* Returns the default cache path ($XDG_CACHE_HOME/skua/hcache.mdb or ~/.cache/skua/hcache.mdb),
 * malloc'd, or NULL when there is no home directory. */
char *hcache_default_path(void);

/* Reads the mailbox's sync state. Returns 1 and *state_r, 0 when the cache has none (or one of another
 * version, or written beside records of another version), -1 with *error_r. Any thread. */
int hcache_state_get(struct hcache *hc, const char *account, const char *mailbox, struct hcache_state *state_r,
		     const char **error_r);

/* Calls fn for every current-version record of the mailbox under uidvalidity, in UID order. The
 * message's strings are valid only during the call. fn returns 0 to go on, -1 to stop. Returns 0, or -1
 * with *error_r. Records that do not decode are skipped (and so fetched again). */
typedef int hcache_msg_fn(void *ctx, const struct hcache_msg *msg);
int hcache_foreach(struct hcache *hc, const char *account, const char *mailbox, uint32_t uidvalidity,
		   hcache_msg_fn *fn, void *ctx, const char **error_r);

/* Calls fn for the newest records of the mailbox under uidvalidity in `order`, newest first, until fn
 * returns -1 or `limit` records were passed (SIZE_MAX: all). The message's strings are valid only during
 * the call. Returns 1 when the walk ended (limit reached, fn stopped, or no record left), 0 when the cache
 * cannot say (the mailbox's state lacks HCACHE_STATE_ORDERED for this uidvalidity, or an order key
 * names a record that is missing or of another version: then fn may have been called for some records
 * and the caller must not trust them to be the newest), -1 with *error_r. Costs O(limit log n): the
 * first screen of a folder costs the same at any size. Any thread. */
int hcache_newest(struct hcache *hc, const char *account, const char *mailbox, uint32_t uidvalidity,
		  enum hcache_order order, size_t limit, hcache_msg_fn *fn, void *ctx, const char **error_r);

/* Appends msg encoded as a current-version record (the UID is not in it: it is in the key) to out.
 * Fields longer than HCACHE_MAX_FIELD are cut. Any thread. */
void hcache_msg_encode(const struct hcache_msg *msg, struct buf *out);
/* Decodes a record of len bytes (untrusted: every length is checked) for the given UID into *msg_r,
 * whose strings then point into data. Returns false for a record of another version or one that does
 * not decode exactly. Any thread. */
bool hcache_msg_decode(uint32_t uid, const void *data, size_t len, struct hcache_msg *msg_r);

/* A write transaction on one mailbox: everything in it lands together at commit, or not at all.
 * Returns 0 and *txn_r (end it with hcache_commit or hcache_abort), or -1 with *error_r. Waits while
 * another writer (thread or process) holds the cache. The transaction belongs to the calling thread:
 * every hcache_txn_* call and its end happen there. */
int hcache_begin(struct hcache *hc, const char *account, const char *mailbox, struct hcache_txn **txn_r,
		 const char **error_r);
/* The hcache_txn_* calls return 0, or -1 after which the transaction only aborts: hcache_commit then
 * fails with the first error. */
/* Stores msg (its strings copied) under uidvalidity and msg->uid, replacing any record there, with its
 * order keys. */
int hcache_txn_put(struct hcache_txn *txn, uint32_t uidvalidity, const struct hcache_msg *msg);
/* As hcache_txn_put for a record the caller knows is not there (a mailbox cleared in this transaction
 * or an earlier one of the same fill), without its order keys: no look-up first, so a fill touches
 * only the pages it writes. The caller adds the order keys afterwards with hcache_txn_put_order, in
 * key order (random inserts would dirty a page each), before it sets HCACHE_STATE_ORDERED. */
int hcache_txn_put_new(struct hcache_txn *txn, uint32_t uidvalidity, const struct hcache_msg *msg);
/* A message as the order keys see it. */
struct hcache_order_entry {
	uint32_t uid;
	int64_t date, internaldate;
};
/* Sorts v by order's key (the order the keys are stored in). Any thread. */
void hcache_order_sort(struct hcache_order_entry *v, size_t n, enum hcache_order order);
/* Writes one order key: message uid in order at value (its date, or its arrival). */
int hcache_txn_put_order(struct hcache_txn *txn, uint32_t uidvalidity, enum hcache_order order, uint32_t uid,
			 int64_t value);
/* As hcache_txn_put; *existed_r (may be NULL) tells whether a current-version record was replaced. */
int hcache_txn_replace(struct hcache_txn *txn, uint32_t uidvalidity, const struct hcache_msg *msg, bool *existed_r);
/* Changes the flags and the MODSEQ (0 unknown) of a cached record; a missing record, or one of another
 * version, is left as it is. */
int hcache_txn_set_flags(struct hcache_txn *txn, uint32_t uidvalidity, uint32_t uid, uint32_t flags,
			 uint64_t modseq);
/* As hcache_txn_set_flags; *changed_r (may be NULL) tells whether a current-version record was there
 * with other flags. */
int hcache_txn_update_flags(struct hcache_txn *txn, uint32_t uidvalidity, uint32_t uid, uint32_t flags,
			    uint64_t modseq, bool *changed_r);
/* Deletes a record and its order keys; a missing one is no error. */
int hcache_txn_delete(struct hcache_txn *txn, uint32_t uidvalidity, uint32_t uid);
/* As hcache_txn_delete; *existed_r (may be NULL) tells whether a current-version record was there. */
int hcache_txn_remove(struct hcache_txn *txn, uint32_t uidvalidity, uint32_t uid, bool *existed_r);
/* Deletes, with their order keys, the records under uidvalidity whose UIDs are in lo..hi (a VANISHED
 * range), walking the records there rather than the range: the cost follows the records, whatever
 * range a server names. Calls fn (may be NULL) with each UID removed. Returns 0 or -1. */
int hcache_txn_remove_range(struct hcache_txn *txn, uint32_t uidvalidity, uint32_t lo, uint32_t hi,
			    void (*fn)(void *ctx, uint32_t uid), void *ctx);
/* Writes the order keys of every current-version record under uidvalidity that lacks them (a cache
 * written before the keys existed), so that HCACHE_STATE_ORDERED may be set. Returns 0 or -1. */
int hcache_txn_build_order(struct hcache_txn *txn, uint32_t uidvalidity);
/* Reads the mailbox's state inside the transaction (what it wrote so far included). Returns 1 and
 * *state_r, 0 when there is none, -1 after which the transaction only aborts. */
int hcache_txn_get_state(struct hcache_txn *txn, struct hcache_state *state_r);
/* Drops every record and the state of the mailbox (UIDVALIDITY changed). */
int hcache_txn_clear(struct hcache_txn *txn);
/* Writes the mailbox's sync state (with its account and mailbox names, for hcache_stats). */
int hcache_txn_set_state(struct hcache_txn *txn, const struct hcache_state *state);
/* Commits (returns 0) or, on failure, aborts (returns -1 with *error_r); frees and NULLs *txn. */
int hcache_commit(struct hcache_txn **txn, const char **error_r);
/* Drops everything the transaction did; frees and NULLs *txn (NULL is fine). */
void hcache_abort(struct hcache_txn **txn);

/* Reads figures about the cache: with account and mailbox, that one mailbox (always listed, zero when
 * the cache has nothing of it); with account alone, its mailboxes; with neither, every mailbox, and the
 * records of mailboxes without a state (unnamed). Returns 0 and *stats_r (free it with
 * hcache_stats_free), or -1 with *error_r. Any thread; a read transaction, so it never blocks writers. */
int hcache_stats(struct hcache *hc, const char *account, const char *mailbox, struct hcache_stats **stats_r,
		 const char **error_r);
/* Frees stats and its names, and sets *stats to NULL; NULL is fine. */
void hcache_stats_free(struct hcache_stats **stats);
/* Deletes, in one transaction, every record and state: of the whole cache (account NULL), of every
 * mailbox of account (mailbox NULL; those with a state record of any version), or of one mailbox. The
 * file does not shrink: LMDB reuses the pages. Returns 0, or -1 with *error_r. Any thread; waits for
 * another writer. */
int hcache_clear(struct hcache *hc, const char *account, const char *mailbox, const char **error_r);

#endif
