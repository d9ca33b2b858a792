/* ui-int.h: the state the UI's views share (UI thread only; the only headers that see curses). */
#ifndef UI_UI_INT_H
#define UI_UI_INT_H

#include "skua.h"
#include "backend/worker.h"
#include "cfg/cfg.h"
#include "ev/ev-loop.h"
#include "ev/ev-queue.h"
#include "model/mindex.h"
#include "model/sort.h"
#include "ui/format.h"
#include "ui/keymap.h"

/* Colour roles (curses pair numbers are role + 1). */
enum ui_color {
	UI_C_NORMAL, UI_C_INDICATOR, UI_C_STATUS, UI_C_ERROR, UI_C_MESSAGE, UI_C_NEW, UI_C_FLAGGED,
	UI_C_DELETED, UI_C_TREE, UI_C_HEADER, UI_C_HEADER_NAME, UI_C_QUOTED1, UI_C_QUOTED2, UI_C_QUOTED3,
	UI_C_SIGNATURE, UI_C_URL, UI_C_SEARCH, UI_C_SIDEBAR, UI_C_SIDEBAR_ROLE, UI_C_MARKER,
	UI_C_COUNT
};

enum ui_view { UI_VIEW_FOLDERS, UI_VIEW_INDEX, UI_VIEW_PAGER, UI_VIEW_HELP };

/* A scrolling list (folder list, index, pager lines): cursor and first visible row. */
struct ui_list {
	size_t cur, top, count;
};

struct ui_pager;

/* A flag change sent to the worker, shown before the server answered (app.c). */
struct ui_flag_req {
	uint64_t id;                   /* the WORKER_REQ_FLAGS request */
	uint64_t open_req;             /* the folder's open request then: another one means another folder */
	uint32_t uid;
	uint32_t mask;                 /* the bits it changes */
	uint32_t before;               /* those bits before the change (restored on ERROR) */
};

struct ui_app {
	struct cfg *cfg;
	const struct cfg_account *acct;
	struct ev_loop *loop;
	struct ev_queue *queue;        /* worker -> UI */
	struct ev_io *queue_io, *tty_io;
	struct worker *worker;
	struct hcache *hc;
	struct keymap *keymap;
	int rows, cols;
	bool has_colors;
	int attr[UI_C_COUNT];          /* curses attributes per role (colour pair | bold ...) */
	enum ui_view view;             /* what has the keyboard */
	bool sidebar;                  /* folder list beside the index */
	int sidebar_width;
	bool dirty;                    /* redraw at the end of this loop turn */
	bool quit;

	/* folders */
	struct worker_folder **folders;
	size_t n_folders;
	struct ui_list folder_list;
	uint64_t folders_req;

	/* the open folder */
	char *folder;
	struct mindex *idx;
	uint64_t open_req;
	bool loading;                  /* OPEN in flight */
	int64_t exists;                /* from WORKER_EV_MAILBOX, -1 unknown */
	uint32_t uidvalidity;
	enum sort_order order;
	bool reverse;
	size_t unseen;                 /* messages without \Seen, as of the last sort */
	size_t sorted_count;           /* mindex_count() when the index was last sorted */
	struct sort_line *lines;       /* the sorted index */
	size_t n_lines;
	uint32_t *rows_map;            /* visible rows (collapsed threads hidden): positions in lines */
	size_t *tree_parent;           /* per line, for tree drawing */
	bool *tree_more;
	struct ui_list index_list;
	uint32_t cursor_uid;           /* the message under the cursor, kept across re-sorts */
	bool resort_due;               /* new messages arrived: sort again at the next quiet moment */
	int64_t last_sort_ms, last_sort_cost_ms;
	int64_t last_draw_ms;
	struct ev_timer *sort_timer;
	struct format *index_format;
	struct ui_flag_req *flag_reqs;  /* flag changes the worker has not finished, oldest first */
	size_t n_flag_reqs, cap_flag_reqs;

	/* the pager (view-pager.c) */
	struct ui_pager *pager;

	/* status bar, message line */
	enum worker_conn conn;
	char *conn_text;
	char *message;                 /* shown on the last line until the next key */
	bool message_is_error;
	char *progress;                /* "loading 1234/100000" while a request runs, or NULL */

	/* keys */
	int64_t key_ms;                /* when the oldest key not yet answered by a redraw came */
	int64_t turn_busy_ms;          /* work done in this loop turn so far (a key waits at most this) */
	int64_t longest_turn_ms;
	bool first_screen_logged;
	uint32_t keys[KEYMAP_MAX_SEQ];
	size_t n_keys;
	struct ev_timer *key_timer;    /* ends an ambiguous prefix (<Esc> alone) */

	/* the : prompt (prompt.c) */
	struct ui_prompt *prompt;

	/* start-up commands (-e), run once the start folder is loaded and drawn */
	char **start_cmds;
	size_t n_start_cmds;
	bool start_cmds_done;
	bool start_folder_pending;
};

/* --- app.c --- */
/* Shows text on the message line (sanitised there); printf-style. */
void ui_message(struct ui_app *app, const char *fmt, ...) SKUA_PRINTF(2, 3);
void ui_error(struct ui_app *app, const char *fmt, ...) SKUA_PRINTF(2, 3);
/* Runs one command line ("name args; name args"). Returns 0, or -1 after showing the error. */
int ui_run_command_line(struct ui_app *app, const char *line);
/* Draws text (sanitised) at row y, column x, exactly `cols` columns wide, with attribute attr. */
void ui_draw_text(int y, int x, int cols, const char *text, size_t len, int attr);
/* Moves a list by a generic movement command (next-entry, next-page...); returns true when handled. */
bool ui_list_move(struct ui_list *list, const char *command, int page_rows);
/* Keeps cur visible in a window of `rows` rows. */
void ui_list_clamp(struct ui_list *list, int rows);
/* The message under the index cursor, or NULL. */
const struct mindex_msg *ui_index_current(struct ui_app *app);
/* Changes the flags of message uid of the open folder: adds `add` and removes `remove`
 * (WORKER_STORABLE_FLAGS). The index shows the change at once (and the unread count follows); the
 * server is told with WORKER_REQ_FLAGS; when the worker answers ERROR the flags go back and the error
 * is shown. Returns false when the message is not in the index (nothing done). */
bool ui_flags_change(struct ui_app *app, uint32_t uid, uint32_t add, uint32_t remove);
/* Moves the index cursor to the next/previous visible message (for the pager's next/previous). Returns
 * false at the end. */
bool ui_index_step(struct ui_app *app, int dir);

/* --- view-pager.c --- */
/* Opens the pager on the message (fetching its body through the worker). */
void ui_pager_open(struct ui_app *app, const struct mindex_msg *msg);
/* Handles a worker message that belongs to the pager's request; returns true when it did. */
bool ui_pager_event(struct ui_app *app, const struct ev_msg *msg);
/* Draws the pager in rows [top, top + rows) of the screen. */
void ui_pager_draw(struct ui_app *app, int top, int rows);
/* Runs a command in the pager (movement, search, toggle weed, attachments, urls, next message...).
 * Returns true when the pager handled it. */
bool ui_pager_command(struct ui_app *app, const char *command, const char *args);
/* Status text for the pager (shown in the status bar). */
const char *ui_pager_status(struct ui_app *app);
/* Re-lays out for a new width. */
void ui_pager_resize(struct ui_app *app);
void ui_pager_close(struct ui_app *app);

/* --- prompt.c --- */
/* Opens the line editor on the last line with `label`; on accept calls done(app, text). History is
 * kept per label. */
typedef void ui_prompt_done_fn(struct ui_app *app, const char *text, void *ctx);
void ui_prompt_open(struct ui_app *app, const char *label, const char *initial, ui_prompt_done_fn *done,
		    void *ctx);
/* Feeds a key to the open prompt. */
void ui_prompt_key(struct ui_app *app, uint32_t key);
void ui_prompt_draw(struct ui_app *app);
void ui_prompt_free(struct ui_app *app);

#endif
