/* ui-int.h: the state the UI's files share and their functions by file (UI thread only). */
#ifndef UI_UI_INT_H
#define UI_UI_INT_H

#include "skua.h"
#include "cfg/cfg.h"
#include "ev/ev-loop.h"
#include "hcache/hcache.h"
#include "ui/cmd.h"
#include "cfg/options.h"
#include "ui/format.h"
#include "ui/keymap.h"
#include "ui/list.h"
#include "ui/mailbox.h"
#include "ui/route.h"
#include "ui/view.h"

/* Colour roles (curses pair numbers are role + 1). */
enum ui_color {
	UI_C_NORMAL, UI_C_INDICATOR, UI_C_STATUS, UI_C_ERROR, UI_C_MESSAGE, UI_C_NEW, UI_C_FLAGGED,
	UI_C_DELETED, UI_C_TREE, UI_C_HEADER, UI_C_HEADER_NAME, UI_C_QUOTED1, UI_C_QUOTED2, UI_C_QUOTED3,
	UI_C_SIGNATURE, UI_C_URL, UI_C_SEARCH, UI_C_SIDEBAR, UI_C_SIDEBAR_ROLE, UI_C_MARKER,
	UI_C_COUNT
};

/* The screen's windows, top to bottom; each is redrawn when dirty, then one doupdate(). */
enum ui_win { UI_WIN_HELP, UI_WIN_MAIN, UI_WIN_STATUS, UI_WIN_MESSAGE, UI_WIN_COUNT };

/* A configured account as the UI sees it. */
struct ui_account {
	const struct cfg_account *cfg;
	enum ui_conn conn;
	char *conn_text;               /* the worker's words on the connection (sanitise to show) */
};

struct ui_route;
struct ui_folders;
struct ui_flags;
struct ui_triage;
struct ui_leave;
struct ui_prompt;
struct ui_job;

struct ui_app {
	struct cfg *cfg;
	struct hcache *hc;
	struct ev_loop *loop;
	struct ev_io *tty_io;
	struct keymap *keymap;
	struct ui_account *accounts;   /* every account of the configuration */
	uint32_t n_accounts;
	struct ui_route *route;        /* route.c */
	struct ui_folders *folders;    /* view-folders.c: every account's folder list */
	struct ui_flags *flags;        /* flags.c: flag changes not answered yet */
	struct ui_triage *triage;      /* triage.c: triage actions under way and the undo log */
	struct ui_leave *leave;        /* leave.c: leaving a folder with messages marked deleted */
	struct ui_job *jobs;           /* job.c: jobs running */
	struct ui_names names;         /* mailbox names of struct ui_msgref */
	struct ui_mailbox *mailboxes;  /* every open mailbox */
	struct ui_view *top;           /* the view stack (view.c) */
	struct ui_view *index;         /* the index view, always at the bottom */
	int rows, cols;
	bool has_colors;
	int attr[UI_C_COUNT];          /* curses attributes per role (colour pair | bold ...) */
	bool dirty[UI_WIN_COUNT];      /* windows to redraw at the end of this loop turn */
	bool sidebar;                  /* folder list beside the index */
	int sidebar_width;
	struct format *index_format;
	bool quit;

	/* the message line (status.c) */
	char *message;                 /* shown until the next key */
	bool message_is_error;

	/* keys (app.c) */
	int64_t key_ms;                /* when the oldest key not yet answered by a redraw came */
	int64_t turn_busy_ms;          /* work done in this loop turn so far (a key waits at most this) */
	int64_t longest_turn_ms;
	int64_t last_draw_ms;
	bool first_screen_logged;
	uint32_t keys[KEYMAP_MAX_SEQ];
	size_t n_keys;
	struct ev_timer *key_timer;    /* ends an ambiguous prefix (<Esc> alone) */

	/* the one-line editor (prompt.c) */
	struct ui_prompt *prompt;

	/* start-up commands (-e), run once the start folder is loaded and drawn */
	char **start_cmds;
	size_t n_start_cmds;
	bool start_cmds_done;
	bool start_folder_pending;
};

/* --- app.c: the loop --- */
/* Adds the work since t0 (ev_now_ms) to this loop turn, the most a key waits; a part longer than
 * UI_SLOW_PART_MS is logged at debug level with `what` (for finding the long turns). UI thread. */
void ui_turn_add(struct ui_app *app, int64_t t0, const char *what);

/* --- screen.c: the windows and drawing --- */
/* Marks every window for redrawing. */
void ui_dirty(struct ui_app *app);
/* Marks one window for redrawing. */
void ui_dirty_win(struct ui_app *app, enum ui_win win);
/* True when a window waits to be redrawn. */
bool ui_is_dirty(const struct ui_app *app);
/* Redraws the dirty windows, then doupdate(). */
void ui_screen_draw(struct ui_app *app);
/* Rows the main window has (between the help line and the status bar). */
int ui_main_rows(const struct ui_app *app);
/* Draws text (sanitised) at row y, column x, exactly `cols` columns wide, with attribute attr. */
void ui_draw_text(int y, int x, int cols, const char *text, size_t len, int attr);

/* --- status.c: the status bar, the message line, the help line --- */
/* Shows text on the message line (sanitised there); printf-style. */
void ui_message(struct ui_app *app, const char *fmt, ...) SKUA_PRINTF(2, 3);
void ui_error(struct ui_app *app, const char *fmt, ...) SKUA_PRINTF(2, 3);
/* Clears the message line. */
void ui_message_clear(struct ui_app *app);
/* Appends " [Msgs:N New:N] (order)" of the index's mailbox. */
void ui_status_counts(struct ui_app *app, struct buf *out);
void ui_status_draw(struct ui_app *app, int y);
void ui_message_draw(struct ui_app *app, int y);
void ui_help_line_draw(struct ui_app *app, int y);

/* --- color.c --- */
/* Sets the default colours (after the screen is set up). */
void ui_color_defaults(struct ui_app *app);
/* Carries out a "color ROLE FG [BG] [ATTR...]" line. Returns 0, or -1 with *error_r. */
int ui_color_line(struct ui_app *app, const char *line, const char **error_r);

/* --- app.c --- */
/* The index's mailbox finished loading (the -e commands may run). */
void ui_app_mailbox_loaded(struct ui_app *app, struct ui_mailbox *mb);

/* --- view-index.c --- */
extern const struct ui_view_type ui_view_index_type;
/* Puts the index view (no mailbox yet) at the bottom of the empty view stack. */
void ui_index_push(struct ui_app *app);
/* Returns the mailbox the index shows, or NULL. */
struct ui_mailbox *ui_index_mailbox(const struct ui_app *app);
/* Opens folder `name` of account in the index, closing the views above it (name may be the open
 * mailbox's own: it is copied first). UI thread. */
void ui_index_open(struct ui_app *app, uint32_t account, const char *name);
/* Moves the index cursor to the next/previous visible message (for the pager's next/previous). Returns
 * false at the end. */
bool ui_index_step(struct ui_app *app, int dir);
/* The index cursor moved by a command: views that follow it are told. */
void ui_index_moved(struct ui_app *app);

/* --- view-folders.c --- */
extern const struct ui_view_type ui_view_folders_type;
/* Sets up the folder lists (none asked yet). */
void ui_folders_init(struct ui_app *app);
void ui_folders_free(struct ui_app *app);
/* Asks the account for its folder list unless it has been asked. */
void ui_folders_want(struct ui_app *app, uint32_t account);
/* Draws the folder list at [x, x + cols) (the sidebar, or the folder view). */
void ui_folders_draw(struct ui_app *app, int top, int rows, int x, int cols, bool sidebar, bool focused);
/* The folder of account with the SPECIAL-USE attribute attr (IMAP_MBOX_TRASH...): returns 0 and *name_r
 * (borrowed until the list changes; NULL: there is none), or -1 while the list has not arrived (it is
 * asked for). */
int ui_folders_role(struct ui_app *app, uint32_t account, uint32_t attr, const char **name_r);
/* Calls add(name, ctx) for each folder of account whose name starts with prefix (case-insensitive). */
void ui_folders_complete(struct ui_app *app, uint32_t account, const char *prefix,
			 void (*add)(const char *name, void *ctx), void *ctx);

/* --- view-help.c --- */
extern const struct ui_view_type ui_view_help_type;
/* Opens the help screen for the keys of the view on top. */
void ui_help_open(struct ui_app *app);

/* --- flags.c --- */
/* Changes the flags of message ref: adds `add` and removes `remove` (UI_STORABLE_FLAGS). The open
 * mailbox shows the change at once (and the unread count follows); when the server refuses, the flags
 * go back and the error is shown. Returns false when the message is in no open mailbox (nothing
 * done). */
bool ui_flags_change(struct ui_app *app, const struct ui_msgref *ref, uint32_t add, uint32_t remove);
/* Frees the pending changes (at exit). */
void ui_flags_free(struct ui_app *app);

/* --- triage.c: actions on sets of messages, shown at once, rolled back on refusal, undoable --- */
enum ui_triage_scope { UI_TRIAGE_MESSAGE, UI_TRIAGE_THREAD };
/* Sets whether the next command is about the tagged messages (tag-prefix); returns what it was. */
bool ui_triage_tag_prefix(struct ui_app *app, bool set);
/* The messages a triage command is about: the tagged ones after tag-prefix (which it consumes), else
 * the thread of the index cursor (UI_TRIAGE_THREAD), else the message the views are about. Adds their
 * UIDs to set and returns true with *mb_r their mailbox, or false after showing why. */
bool ui_triage_target(struct ui_app *app, enum ui_triage_scope scope, struct ui_mailbox **mb_r,
		      struct imap_uidset *set);
/* Adds and removes flags (UI_STORABLE_FLAGS) of set in mb: one request, undoable. */
void ui_triage_flags(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set, uint32_t add,
		     uint32_t remove);
/* Moves (else copies) set of mb to folder dest of its account: the moved leave the index at once;
 * undoable where the server says where they went (COPYUID). */
void ui_triage_transfer(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set, bool move,
			const char *dest);
/* Asks for a folder (Tab completes; "=" and "+" name the root; the last folder used is offered), then
 * moves or copies set of mb there. */
void ui_triage_ask_folder(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set, bool move);
/* Moves set of mb to the archive: the account's `archive`, else the server's \Archive folder. Returns 0,
 * or -1 after showing why. */
int ui_triage_archive(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set);
/* Adds to *set_r the messages of mb marked \Deleted that are still shown (not on their way out). */
void ui_triage_deleted(const struct ui_mailbox *mb, struct imap_uidset *set_r);
/* sync-mailbox: the messages of mb marked \Deleted go to the trash (the account's `trash`, else the
 * server's \Trash folder; the mark is cleared first) or, in the trash or without one, are expunged
 * (exactly those UIDs). Returns 0, or -1 after showing why. */
int ui_triage_sync(struct ui_app *app, struct ui_mailbox *mb);
/* Takes back the last action of the session not yet undone. Returns 0, or -1 after showing why. */
int ui_triage_undo(struct ui_app *app);
/* The folder the last move or copy went to (offered at the next prompt), or NULL. */
const char *ui_triage_last_folder(struct ui_app *app);
void ui_triage_set_last_folder(struct ui_app *app, const char *name);
/* True while an action (or an undo) waits for the server. */
bool ui_triage_busy(struct ui_app *app);
/* Frees the log and forgets the requests under way (at exit). */
void ui_triage_free(struct ui_app *app);

/* --- leave.c --- */
enum ui_leave_then { UI_LEAVE_QUIT, UI_LEAVE_OPEN };
/* Leaves the index's folder: to quit, or to open folder `name` of account. Its messages marked deleted
 * are first purged (as sync-mailbox does) or kept as the delete option says, asking when it says ask-yes
 * or ask-no. A quit after a purge waits until the server has done it; one the server refuses keeps skua
 * running with the reason on the message line. UI thread. */
void ui_leave(struct ui_app *app, enum ui_leave_then then, uint32_t account, const char *name);
/* triage.c tells it that an action ended (failed: it was refused and rolled back). */
void ui_leave_action_done(struct ui_app *app, bool failed);
void ui_leave_free(struct ui_app *app);

/* --- view-pager.c --- */
extern const struct ui_view_type ui_view_pager_type;
/* Opens the pager on message ref (fetching its body through the worker). */
void ui_pager_open(struct ui_app *app, const struct ui_msgref *ref);

/* --- prompt.c --- */
/* Opens the line editor on the last line with `label`; on accept calls done(app, text, ctx). History
 * is kept per label; Tab completes what `complete` says. A non-empty `initial` is a suggestion: the
 * first typed character replaces it, an editing key (arrows, Backspace, Tab) keeps it. */
typedef void ui_prompt_done_fn(struct ui_app *app, const char *text, void *ctx);
void ui_prompt_open(struct ui_app *app, const char *label, const char *initial, enum cmd_complete complete,
		    ui_prompt_done_fn *done, void *ctx);
/* The line editor's functions (what the prompt's key table runs, see cmd-prompt.c). */
enum ui_prompt_op {
	UI_PROMPT_ACCEPT, UI_PROMPT_ABORT, UI_PROMPT_BACKSPACE, UI_PROMPT_DELETE_CHAR, UI_PROMPT_BACKWARD_CHAR,
	UI_PROMPT_FORWARD_CHAR, UI_PROMPT_BACKWARD_WORD, UI_PROMPT_FORWARD_WORD, UI_PROMPT_BOL, UI_PROMPT_EOL,
	UI_PROMPT_KILL_LINE, UI_PROMPT_KILL_EOL, UI_PROMPT_KILL_WORD, UI_PROMPT_TRANSPOSE_CHARS, UI_PROMPT_COMPLETE,
	UI_PROMPT_HISTORY_UP, UI_PROMPT_HISTORY_DOWN,
};
/* Runs an editing function on the open prompt (none open: nothing). accept calls the prompt's done. */
void ui_prompt_edit(struct ui_app *app, enum ui_prompt_op op);
/* Types a key that no binding of the prompt's table took: a character is inserted. Returns false for a
 * key that is no character (a control key), which does nothing. */
bool ui_prompt_insert(struct ui_app *app, uint32_t key);
void ui_prompt_draw(struct ui_app *app);
void ui_prompt_free(struct ui_app *app);

#endif
