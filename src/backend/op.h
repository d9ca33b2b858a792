/* op.h: typed operations on an account's messages and folders, and the one procedure per kind that
 * runs them over the account's session: what the worker (for the UI) and the CLI both run. */
#ifndef BACKEND_OP_H
#define BACKEND_OP_H

#include "skua.h"
#include "backend/account.h"
#include "backend/mailbox.h"
#include "backend/track.h"
#include "hcache/hcache.h"
#include "imap/imap-uidset.h"

enum op_kind {
	OP_FOLDERS = 1, /* every folder with its counts: sink->folder per folder (INBOX first, then by
			 * name); count = the folder count */
	OP_OPEN,        /* mailbox: sync it and hand over its index: sink->mailbox, sink->preview (the
			 * cached first screen, when preview > 0), sink->msg (NULL: forget those so far);
			 * count = the records handed over. The mailbox stays selected and tracked. */
	OP_BODY,        /* the message uids (one UID) of mailbox: sink->body (from the body cache, or
			 * fetched and then cached; never sets \Seen) */
	OP_FLAGS,       /* add the flags `add` and remove `remove` (OP_STORABLE_FLAGS) on uids of mailbox:
			 * sink->flags per message as the server then has them */
	OP_COPY,        /* copy uids of mailbox to dest: sink->copied (when the server says where) */
	OP_MOVE,        /* move uids of mailbox to dest: UID MOVE, else UID COPY + \Deleted + UID EXPUNGE
			 * (UIDPLUS); with neither, a copy that leaves the originals marked \Deleted
			 * (sink->note says so). sink->copied */
	OP_EXPUNGE,     /* expunge exactly uids of mailbox (marked \Deleted first): UID EXPUNGE (UIDPLUS);
			 * refused without UIDPLUS, never a plain EXPUNGE */
	OP_APPEND,      /* append data (a whole message) to mailbox with the flags `add`, arrival date
			 * `date` (0: the server's clock): sink->appended */
	OP_CREATE,      /* create mailbox */
	OP_DELETE,      /* delete mailbox */
	OP_RENAME,      /* rename mailbox to dest */
	OP_SUBSCRIBE,   /* subscribe to mailbox */
	OP_UNSUBSCRIBE, /* unsubscribe from mailbox */
	OP_SEARCH,      /* the UIDs of mailbox whose `field` contains `text` (server SEARCH), or of `uids` those
			 * that exist (OP_SEARCH_UIDS): sink->found */
};

/* Flags an OP_FLAGS request may add or remove (enum imap_flag; \Recent is the server's). */
#define OP_STORABLE_FLAGS (IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED | IMAP_FLAG_DELETED | \
			   IMAP_FLAG_DRAFT)

/* What OP_SEARCH looks in. */
enum op_search_field { OP_SEARCH_TEXT, OP_SEARCH_BODY, OP_SEARCH_SUBJECT, OP_SEARCH_FROM, OP_SEARCH_TO,
		       OP_SEARCH_UIDS /* which of `uids` exist (no text) */ };

/* An operation: plain data a thread can hand to another (op_copy, op_clear). Messages are (mailbox,
 * uidvalidity, uids); the account is the one the operation is run on. */
struct op {
	enum op_kind kind;
	char *mailbox;             /* UTF-8: the folder the messages are in, or the folder acted on */
	uint32_t uidvalidity;      /* what the UIDs are under; 0: not checked. Another one fails the
				    * operation instead of touching other messages */
	struct imap_uidset uids;
	char *dest;                /* OP_COPY/OP_MOVE destination, OP_RENAME's new name */
	uint32_t add, remove;      /* OP_FLAGS; OP_APPEND's flags in add */
	bool readonly;             /* OP_OPEN: EXAMINE (the CLI), else SELECT */
	size_t preview;            /* OP_OPEN: cached first-screen records handed over first (0: none) */
	size_t limit;              /* OP_OPEN: only the newest `limit` in `order` when the cache can tell
				    * (SIZE_MAX, the default of op_init: all) */
	enum hcache_order order;   /* OP_OPEN: the order of preview and limit */
	char *data;                /* OP_APPEND: the message */
	size_t len;
	int64_t date;              /* OP_APPEND: arrival time (epoch seconds), 0: now */
	enum op_search_field field;/* OP_SEARCH */
	char *text;                /* OP_SEARCH: UTF-8 */
};

/* Initialises an empty operation of kind (limit SIZE_MAX). */
void op_init(struct op *op, enum op_kind kind);
/* Makes dst (not initialised) an independent copy of src. */
void op_copy(struct op *dst, const struct op *src);
/* Frees what op holds (the struct itself is the caller's) and leaves it empty. */
void op_clear(struct op *op);
/* Sets a string field (copied). */
void op_set(char **field, const char *value);
/* The operation's name for logs ("open", "move"...). Static. */
const char *op_name(enum op_kind kind);

/* A folder as OP_FOLDERS reports it. */
struct worker_folder {
	char *name;              /* UTF-8, not sanitised */
	char delimiter;          /* '\0' when flat */
	uint32_t attrs;          /* enum imap_mbox_attr */
	int64_t messages, unseen;/* -1 unknown */
};

/* The folder list as LIST and STATUS events build it (a folder seen only in STATUS stays
 * IMAP_MBOX_NONEXISTENT). */
struct worker_folder_list {
	struct worker_folder *v;
	size_t n, cap;
	uint32_t *slots;         /* a keyed hash of the names: position + 1, 0 empty (linear probing) */
	size_t n_slots;
};
/* Merges a LIST or STATUS event into fl (other events are ignored). Any thread (one per list). */
void worker_folder_list_event(struct worker_folder_list *fl, const struct imap_event *ev);
/* Sorts fl: INBOX first, then by name. */
void worker_folder_list_sort(struct worker_folder_list *fl);
/* Frees what fl holds and empties it (fl itself is the caller's). */
void worker_folder_list_free(struct worker_folder_list *fl);

/* Where an operation's results go. Every callback may be NULL (the result is dropped) and returns 0 to
 * go on, -1 to stop the operation (it then fails "aborted"). Strings and records are borrowed for the
 * call unless said. */
struct op_sink {
	void *ctx;
	/* polled between steps: true stops the operation ("aborted") */
	bool (*cancelled)(void *ctx);
	int (*folder)(void *ctx, const struct worker_folder *folder);
	/* OP_OPEN: the mailbox's UIDVALIDITY and message count, before its records and again when they
	 * changed meanwhile */
	int (*mailbox)(void *ctx, uint32_t uidvalidity, uint32_t exists);
	/* OP_OPEN: a record of the cached first screen; NULL: that is all of it (sent when the first
	 * screen went out before the connection was made) */
	int (*preview)(void *ctx, const struct hcache_msg *msg);
	int (*msg)(void *ctx, const struct hcache_msg *msg);
	/* OP_OPEN, once it succeeded: how the sync went; partial: only the newest `limit` were handed over */
	void (*opened)(void *ctx, const struct mailbox_load_stats *stats, bool partial);
	/* OP_BODY: the raw message, taken (malloc'd, NUL-terminated beyond len) */
	int (*body)(void *ctx, char *data, size_t len);
	int (*flags)(void *ctx, uint32_t uid, uint32_t flags);
	/* OP_COPY/OP_MOVE: the destination's UIDVALIDITY and the UIDs the sources got (COPYUID) */
	int (*copied)(void *ctx, uint32_t uidvalidity, const struct imap_uidset *src, const struct imap_uidset *dst);
	int (*appended)(void *ctx, uint32_t uidvalidity, uint32_t uid);
	int (*found)(void *ctx, const struct imap_uidset *uids);
	/* something the user should know of an operation that succeeded (translated, not sanitised) */
	void (*note)(void *ctx, const char *text);
};

/* OP_OPEN, before the connection is made: hands the folder's cached first screen (op->preview records
 * in op->order) to sink->preview now, then NULL, so that it shows without waiting for a TLS handshake and
 * a login. Returns true when the cache had the folder (run the operation with preview 0 then), false when
 * there was nothing to do (not an open, connected already, nothing cached). Worker thread (any thread
 * owning the account). */
bool op_open_preview(struct account *a, const struct op *op, const struct op_sink *sink);

/* Runs op over account (connecting first when needed). Returns OP_OK (*count_r as the kind says, may be
 * NULL), OP_FAILED (*error_r: one translated line naming the cause; the connection is fine) or OP_LOST
 * (*error_r; the connection was dropped: account_disconnect() was called). The account's thread (blocks
 * on the network and the disk). */
int op_run(struct account *account, const struct op *op, const struct op_sink *sink, int64_t *count_r,
	   const char **error_r);

#endif
