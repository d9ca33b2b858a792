/* mailbox.h: the UI-side state of one open mailbox: its model index as the worker streams it in, the
 * sorted lines and visible rows, the cursor, the counts; and the names of the mailboxes messages are
 * known by (struct ui_msgref). UI thread. */
#ifndef UI_MAILBOX_H
#define UI_MAILBOX_H

#include "skua.h"
#include "model/mindex.h"
#include "model/sort.h"
#include "model/sortjob.h"
#include "imap/imap-uidset.h"
#include "ui/list.h"
#include "ui/route.h"

struct ui_app;
struct ev_timer;

/* Mailbox names by id (for struct ui_msgref): ids are never reused while the UI runs. */
struct ui_names {
	char **names;
	uint32_t *accounts;
	size_t n, cap;
};

/* Returns the id of (account, name), adding it when new. */
uint32_t ui_names_id(struct ui_app *app, uint32_t account, const char *name);
/* Returns the name of id (borrowed until the UI ends), or NULL for an unknown id. */
const char *ui_names_get(const struct ui_app *app, uint32_t id);
/* Frees the table. */
void ui_names_free(struct ui_names *names);

struct ui_mailbox {
	struct ui_mailbox *next;       /* app->mailboxes: every open mailbox */
	struct ui_app *app;
	uint32_t account;
	uint32_t name_id;
	char *name;
	/* The folder's index as the worker streams it in. While a sort job reads it, it only grows (new
	 * UIDs) and changes flags: removals wait in `gone`, a reset swaps in a new index. */
	struct mindex *idx;
	/* The cached first screen the worker sent before the server answered, shown until idx is
	 * loaded and sorted; NULL once idx is shown. */
	struct mindex *preview;
	struct mindex *shown;          /* idx or preview: what lines, rows and the cursor are of */
	uint64_t open_req;             /* the open request in flight, or 0 */
	bool loading;
	bool announced;                /* the load's end was told to the app (loaded and sorted) */
	int64_t exists;                /* from the server, -1 unknown */
	uint32_t uidvalidity;
	enum sort_order order;
	bool reverse;
	struct sort_result *sorted;    /* the lines of `shown` (and each position's line, tree links) */
	struct sort_line *lines;       /* sorted->lines, or NULL */
	size_t n_lines;
	uint32_t *rows_map;            /* visible rows (collapsed threads hidden): lines; NULL: all lines */
	size_t *tree_parent;           /* per line, for tree drawing (threads only): sorted's */
	bool *tree_more;
	struct ui_list list;           /* the visible rows, cursor (the index view sets its ops) */
	uint32_t cursor_uid;           /* the message under the cursor, kept across sorts */
	bool sort_due;                 /* idx changed (or the order did) since `sorted` */
	bool sort_full;                /* the order changed: no merging */
	struct sort_job *job;          /* sorting idx on its thread, or NULL */
	struct ev_io *job_io;
	struct imap_uidset gone;       /* expunged while a job read idx: removed when it is done */
	struct imap_uidset hidden;     /* on their way out (a move or expunge under way): no row */
	struct imap_uidset tagged;     /* tagged by the user (t, ;) */
	struct imap_uidset collapsed;  /* the roots of the threads the user collapsed (UIDs): kept over
					* sorts, read by ~v */
	char *limit;                   /* the limit (l): only the messages this pattern matches have rows;
					* NULL: all */
	char *select;                  /* tag-pattern (T) or untag-pattern (^T) waiting for the next sort,
					* which matches it; NULL: none */
	bool select_untag;
	int64_t last_sort_ms, last_sort_cost_ms;
	struct ev_timer *sort_timer;
	char *progress;                /* "opening" while the open runs, or NULL */
	struct ui_client client;
};

/* Opens a mailbox: asks the account's worker for it and registers it in app->mailboxes. Returns it
 * (the caller owns it: ui_mailbox_free). */
struct ui_mailbox *ui_mailbox_open(struct ui_app *app, uint32_t account, const char *name, enum sort_order order,
				   bool reverse);
/* Limits the rows to the messages pattern matches (mutt's syntax, checked by the caller), or shows
 * all (NULL, "", "all" or "~A"): a sort, on the sort's thread for a big folder, applies it. UI thread. */
void ui_mailbox_set_limit(struct ui_app *app, struct ui_mailbox *mb, const char *pattern);
/* Tags (untag: untags) the messages pattern matches among the rows, once the sort it asks for is
 * done, and says how many on the message line. UI thread. */
void ui_mailbox_select(struct ui_app *app, struct ui_mailbox *mb, const char *pattern, bool untag);

/* Cancels its request, unregisters and frees *mb; sets it to NULL. NULL-safe. */
void ui_mailbox_free(struct ui_app *app, struct ui_mailbox **mb);
/* Returns the open mailbox ref is in (same account, name and UIDVALIDITY), or NULL. */
struct ui_mailbox *ui_mailbox_of(struct ui_app *app, const struct ui_msgref *ref);
/* Sorts again (order and reverse as set in mb), off the UI thread for a big folder; the cursor stays on
 * its message. */
void ui_mailbox_sort(struct ui_app *app, struct ui_mailbox *mb);
/* Applies what another client (or a command of ours) changed on the server: WORKER_EV_CHANGED's
 * flags, expunges and new messages. */
void ui_mailbox_changed(struct ui_app *app, struct ui_mailbox *mb, const struct ui_changes *c);
/* Hides (hide) or shows again the messages of uids: the rows follow at once. */
void ui_mailbox_hide(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *uids, bool hide);
/* Removes the messages of uids, as an expunge the server confirmed (tags and hiding go with them). */
void ui_mailbox_expunged(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *uids);
/* The open mailbox of account called name, or NULL. */
struct ui_mailbox *ui_mailbox_named(struct ui_app *app, uint32_t account, const char *name);
/* The line shown on visible row `row` (an index into mb->lines). */
size_t ui_mailbox_row_line(const struct ui_mailbox *mb, size_t row);
/* The message of line `line`, or NULL. */
const struct mindex_msg *ui_mailbox_line_msg(const struct ui_mailbox *mb, size_t line);
/* Messages present, and those without \Seen, of what is shown. O(1). */
size_t ui_mailbox_count(const struct ui_mailbox *mb);
size_t ui_mailbox_unseen(const struct ui_mailbox *mb);
/* Recomputes the visible rows after a collapse, keeping the cursor's message. */
void ui_mailbox_rows(struct ui_app *app, struct ui_mailbox *mb);
/* The message on visible row `row`, or NULL. O(1). */
const struct mindex_msg *ui_mailbox_row(const struct ui_mailbox *mb, size_t row);
/* The message under the cursor, or NULL. */
const struct mindex_msg *ui_mailbox_current(const struct ui_mailbox *mb);
/* The message with this UID, or NULL. O(1). */
const struct mindex_msg *ui_mailbox_msg(const struct ui_mailbox *mb, uint32_t uid);
/* Fills *ref_r for message m of mb. */
void ui_mailbox_ref(const struct ui_mailbox *mb, const struct mindex_msg *m, struct ui_msgref *ref_r);
/* Remembers the cursor's message (after the cursor moved). */
void ui_mailbox_remember_cursor(struct ui_mailbox *mb);
/* Sets a message's flags, keeping the unread count. */
void ui_mailbox_set_flags(struct ui_app *app, struct ui_mailbox *mb, uint32_t uid, uint32_t flags);
/* ^C: cancels the open in flight. Returns false when nothing runs. */
bool ui_mailbox_cancel(struct ui_app *app, struct ui_mailbox *mb);
/* The name of an order ("date", "threads"...). */
const char *ui_mailbox_order_name(enum sort_order order);

#endif
