/* view.h: the view interface (what every view implements, as tmux's window modes do) and the stack
 * of views on the screen: the index at the bottom, the pager over it, the attachment list over the
 * pager, help over anything. UI thread. */
#ifndef UI_VIEW_H
#define UI_VIEW_H

#include "skua.h"
#include "lib/buf.h"
#include "ui/keymap.h"
#include "ui/list.h"
#include "ui/route.h"

struct ui_app;
struct ui_view;
struct cmd_ctx;
struct cmd_entry;

/* A view's own version of a command (an entry of cmd.c), run instead of the entry's exec while the
 * view is on top. */
struct ui_view_cmd {
	const struct cmd_entry *entry;
	int (*exec)(struct cmd_ctx *ctx);
};

#define UI_VIEW_QUIT_CLOSES 0x1u /* quit leaves the view instead of skua (help) */

/* A kind of view. Every callback but draw may be NULL. */
struct ui_view_type {
	const char *name;
	enum keymap_view keys;           /* the key table its keys are looked up in */
	const char *help_line;           /* N_(): the screen's top line while it is on top */
	unsigned flags;                  /* UI_VIEW_* */
	const struct ui_view_cmd *cmds;  /* commands it runs its own way */
	size_t n_cmds;
	/* Draws the view in screen rows [top, top + rows). */
	void (*draw)(struct ui_app *app, struct ui_view *view, int top, int rows);
	/* Appends the view's part of the status bar (after "-- skua: "). */
	void (*status)(struct ui_app *app, struct ui_view *view, struct buf *out);
	/* A reply to a request the view made with its client (route.h). */
	void (*event)(struct ui_app *app, struct ui_view *view, struct ui_reply *reply);
	/* The screen changed size. */
	void (*resize)(struct ui_app *app, struct ui_view *view);
	/* Sees a key before the key tables (only when no key sequence is pending); true: taken. */
	bool (*key)(struct ui_app *app, struct ui_view *view, uint32_t key);
	/* The view's list, for movement, search and select, or NULL. */
	struct ui_list *(*list)(struct ui_view *view);
	/* A movement, for views that are no list (or move their own way); true: done. */
	bool (*move)(struct ui_app *app, struct ui_view *view, enum ui_move move);
	/* A search, for views that are no list; text NULL: the last pattern again. */
	void (*search)(struct ui_app *app, struct ui_view *view, const char *text, enum ui_search how);
	/* The message the view is about (flag commands act on it); false: none. */
	bool (*message)(struct ui_app *app, struct ui_view *view, struct ui_msgref *ref_r);
	/* The index cursor moved to ref by a command: a view showing a message follows it. */
	void (*follow)(struct ui_app *app, struct ui_view *view, const struct ui_msgref *ref);
	/* ^C: cancels what the view waits for; false: nothing to cancel. */
	bool (*cancel)(struct ui_app *app, struct ui_view *view);
	/* Frees view->data (the view's requests and jobs are forgotten before). */
	void (*free)(struct ui_app *app, struct ui_view *view);
};

struct ui_view {
	const struct ui_view_type *type;
	struct ui_view *below;       /* the view under it on the stack, or NULL at the bottom */
	void *data;                  /* the type's */
	struct ui_client client;     /* replies to its requests reach type->event */
};

/* Pushes a new view of type with data (taken) on top of the stack. Returns it (owned by the stack). */
struct ui_view *ui_view_push(struct ui_app *app, const struct ui_view_type *type, void *data);
/* Removes view (and every view above it) from the stack and frees it. */
void ui_view_pop(struct ui_app *app, struct ui_view *view);
/* Removes and frees every view above view. */
void ui_view_pop_above(struct ui_app *app, struct ui_view *view);
/* Returns the view on top (never NULL once the UI runs). */
struct ui_view *ui_view_top(const struct ui_app *app);
/* True when view is on the stack (for prompts and jobs that come back later). */
bool ui_view_alive(const struct ui_app *app, const struct ui_view *view);
/* Returns the view's list, or NULL. */
struct ui_list *ui_view_list(struct ui_view *view);
/* Runs a movement in view: its move callback, else its list (then the list's moved callback). */
void ui_view_move(struct ui_app *app, struct ui_view *view, enum ui_move move);
/* Runs a search in view: its search callback, else its list's. */
void ui_view_search(struct ui_app *app, struct ui_view *view, const char *text, enum ui_search how);
/* The message the views are about, from the top down; false: none. */
bool ui_view_message(struct ui_app *app, struct ui_msgref *ref_r);
/* Tells the views above `from` that follow the index that it moved to ref. */
void ui_view_follow(struct ui_app *app, struct ui_view *from, const struct ui_msgref *ref);
/* Frees every view (at exit). */
void ui_view_free_all(struct ui_app *app);

#endif
