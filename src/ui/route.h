/* route.h: the UI's side of the backend: requests to the account workers (one per account, started
 * when first needed) and their replies routed to the client that asked. route.c is the only UI file
 * that uses the worker API (backend/worker.h). UI thread. */
#ifndef UI_ROUTE_H
#define UI_ROUTE_H

#include "skua.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"
#include "imap/imap-uidset.h"

struct ui_app;

/* A message above the engine: account (an index into the UI's accounts), mailbox (a name id, see
 * ui_names_id), UIDVALIDITY and UID. A plain value: compare with ui_msgref_eq. */
struct ui_msgref {
	uint32_t account;
	uint32_t mailbox;
	uint32_t uidvalidity;
	uint32_t uid;
};

/* True when a and b name the same message. */
bool ui_msgref_eq(const struct ui_msgref *a, const struct ui_msgref *b);

/* An account's connection, as the status bar shows it. */
enum ui_conn { UI_CONN_IDLE, UI_CONN_CONNECTING, UI_CONN_READY, UI_CONN_BUSY, UI_CONN_FAILED };

/* The flags a flag change may add or remove (enum imap_flag; \Recent is the server's). */
#define UI_STORABLE_FLAGS (IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED | IMAP_FLAG_FLAGGED | IMAP_FLAG_DELETED | \
			   IMAP_FLAG_DRAFT)

/* A folder of an account's folder list. */
struct ui_folder {
	char *name;              /* UTF-8, not sanitised */
	char delimiter;          /* '\0' when flat */
	uint32_t attrs;          /* enum imap_mbox_attr */
	int64_t messages, unseen;/* -1 unknown */
};
/* Frees *f (NULL is fine) and sets it to NULL. */
void ui_folder_free(struct ui_folder **f);

enum ui_reply_kind {
	UI_REPLY_FOLDER,    /* folders: one folder (folder) */
	UI_REPLY_MAILBOX,   /* open: a UIDVALIDITY, b EXISTS */
	UI_REPLY_PREVIEW,   /* open: the cached first screen, before the server answered (ui_reply_next_msg);
			     * the MSGS that follow are the truth */
	UI_REPLY_MSGS,      /* open: a batch of messages (ui_reply_next_msg) */
	UI_REPLY_RESET,     /* open: forget the messages delivered so far */
	UI_REPLY_BODY,      /* body: a UID, data/len the raw message */
	UI_REPLY_FLAGS,     /* flags: a UID, b its flags as the server has them */
	UI_REPLY_COPIED,    /* copy/move: a the destination's UIDVALIDITY; copy_src, copy_dst (COPYUID) */
	UI_REPLY_APPENDED,  /* append: a the folder's UIDVALIDITY, b the new message's UID */
	UI_REPLY_FOUND,     /* search: found, the UIDs */
	UI_REPLY_NOTE,      /* text: what the user should know of a request that succeeded */
	UI_REPLY_PROGRESS,  /* a done, b total */
	UI_REPLY_DONE,      /* final: done (b a count where the request says so) */
	UI_REPLY_ERROR,     /* final: text says why (translated, sanitised) */
	UI_REPLY_CANCELLED, /* final: cancelled */
};

struct ui_reply {
	enum ui_reply_kind kind;
	uint64_t req;               /* what ui_route_* returned */
	uint32_t account;
	int64_t a, b;
	const char *text;           /* UI_REPLY_ERROR: the message, or NULL */
	struct ui_folder *folder;   /* UI_REPLY_FOLDER: the client may take it (set it to NULL) */
	const char *data;           /* UI_REPLY_BODY */
	size_t len;
	const void *batch;          /* UI_REPLY_MSGS, UI_REPLY_PREVIEW */
	const struct imap_uidset *copy_src, *copy_dst; /* UI_REPLY_COPIED */
	const struct imap_uidset *found;               /* UI_REPLY_FOUND */
};

/* An operation on an account's messages or folders, as the UI asks for it (route.c makes a backend
 * operation of it). Strings and the set are borrowed for the call. */
enum ui_op_kind {
	UI_OP_FLAGS,       /* add/remove flags (UI_STORABLE_FLAGS) of uids: FLAGS per message */
	UI_OP_COPY,        /* uids to dest: COPIED when the server says where */
	UI_OP_MOVE,        /* uids to dest (UID MOVE, else COPY + UID EXPUNGE): COPIED */
	UI_OP_EXPUNGE,     /* exactly uids (marked \Deleted first) */
	UI_OP_CREATE, UI_OP_DELETE, UI_OP_RENAME, UI_OP_SUBSCRIBE, UI_OP_UNSUBSCRIBE, /* mailbox (RENAME: to dest) */
	UI_OP_APPEND,      /* data/len to mailbox with flags add: APPENDED */
};
struct ui_op {
	enum ui_op_kind kind;
	const char *mailbox;
	uint32_t uidvalidity;      /* what uids are under (0: not checked) */
	const struct imap_uidset *uids;
	const char *dest;
	uint32_t add, remove;
	const char *data;
	size_t len;
};

/* One message's flags as the server now has them. */
struct ui_flag_state {
	uint32_t uid, flags;
};

/* What changed in a mailbox on the server (another client, or a command's side effects), whatever
 * request brought it: routed to the open mailboxes of that account and name. */
struct ui_changes {
	uint32_t account;
	const char *mailbox;           /* UTF-8, not sanitised */
	uint32_t uidvalidity;
	uint32_t exists;               /* its message count now */
	const struct ui_flag_state *flags; /* oldest first; a UID may come again: the last wins */
	size_t n_flags;
	const struct imap_uidset *expunged;
	const void *added;             /* new messages (ui_changes_next_added), or NULL */
};

/* Reads the next new message of c into *msg_r (its strings point into c) and advances *offset (start
 * at 0). Returns false at the end. */
bool ui_changes_next_added(const struct ui_changes *c, size_t *offset, struct hcache_msg *msg_r);

/* Who gets the replies of a request: embed one in the owner and set reply. */
struct ui_client {
	void (*reply)(struct ui_app *app, struct ui_client *client, struct ui_reply *reply);
};

/* Reads the next message of a UI_REPLY_MSGS batch into *msg_r (its strings point into the batch) and
 * advances *offset (start at 0). Returns false at the end. */
bool ui_reply_next_msg(const struct ui_reply *reply, size_t *offset, struct hcache_msg *msg_r);

/* Sets up the routing (the queue the workers answer on, watched by the UI loop). Returns 0, or -1
 * with *error_r. */
int ui_route_init(struct ui_app *app, const char **error_r);
/* Starts the worker of an account now, unless it runs. Returns 0, or -1 with *error_r. */
int ui_route_start(struct ui_app *app, uint32_t account, const char **error_r);
/* Starts watching the queue in app->loop (once the loop exists). */
void ui_route_watch(struct ui_app *app);
/* Stops every worker and frees the routing. NULL-safe on a UI that never started it. */
void ui_route_free(struct ui_app *app);

/* Requests; each returns the request's id, or 0 (the error shown) when the account's worker cannot
 * start. Every request gets exactly one final reply (DONE, ERROR, CANCELLED) unless the client
 * forgets it first. Never block. */
/* The account's folders: a FOLDER reply each, then DONE. */
uint64_t ui_route_folders(struct ui_app *app, uint32_t account, struct ui_client *client);
/* Opens a folder: MAILBOX, MSGS batches (RESET: forget the batches so far), then DONE. */
uint64_t ui_route_open(struct ui_app *app, uint32_t account, const char *folder, struct ui_client *client);
/* A message's raw text: BODY, then DONE. */
uint64_t ui_route_body(struct ui_app *app, const struct ui_msgref *ref, struct ui_client *client);
/* Adds and removes flags (UI_STORABLE_FLAGS) of a message on the server: FLAGS, then DONE, or ERROR
 * (with the server's reason) when it could not. */
uint64_t ui_route_flags(struct ui_app *app, const struct ui_msgref *ref, uint32_t add, uint32_t remove,
			struct ui_client *client);
/* Any operation of an account: its replies as the kind says, then DONE, or ERROR (the server's reason)
 * when it could not. */
uint64_t ui_route_op(struct ui_app *app, uint32_t account, const struct ui_op *op, struct ui_client *client);
/* Asks for a request to stop: its final reply is then CANCELLED (or DONE/ERROR if it finished). */
void ui_route_cancel(struct ui_app *app, uint64_t req);
/* Cancels every request of client and forgets them: no reply reaches it after this. */
void ui_route_forget(struct ui_app *app, struct ui_client *client);

#endif
