/* list.h: the generic scrolling list under the folder list, the index, the attachment and link lists
 * and the help screen (rows from callbacks, cursor, movement, search, select). UI thread. */
#ifndef UI_LIST_H
#define UI_LIST_H

#include "skua.h"

struct ui_app;
struct ui_list;

/* The movements of the move commands (cmd-move.c); a view that is no list reads them too. */
enum ui_move {
	UI_MOVE_NEXT,        /* next-entry */
	UI_MOVE_PREV,        /* previous-entry */
	UI_MOVE_FIRST,       /* first-entry */
	UI_MOVE_LAST,        /* last-entry */
	UI_MOVE_NEXT_PAGE,
	UI_MOVE_PREV_PAGE,
	UI_MOVE_HALF_DOWN,
	UI_MOVE_HALF_UP,
	UI_MOVE_NEXT_LINE,
	UI_MOVE_PREV_LINE,
	UI_MOVE_TOP_PAGE,
	UI_MOVE_MIDDLE_PAGE,
	UI_MOVE_BOTTOM_PAGE,
	UI_MOVE_TOP,         /* top: the start of a text, the first entry of a list */
	UI_MOVE_BOTTOM,
};

/* How a search runs: a new pattern forward or backward, or the last one again. */
enum ui_search { UI_SEARCH_FORWARD, UI_SEARCH_BACKWARD, UI_SEARCH_NEXT, UI_SEARCH_OPPOSITE };

/* What a list asks of its owner; any callback may be NULL. */
struct ui_list_ops {
	/* Draws row i (< count) at screen row y, columns [x, x + cols); selected: the cursor's row in
	 * a focused list. */
	void (*draw_row)(struct ui_app *app, struct ui_list *list, size_t i, int y, int x, int cols, bool selected);
	/* True when row i contains needle (for search). */
	bool (*match)(struct ui_app *app, struct ui_list *list, size_t i, const char *needle);
	/* Opens row i (select-entry). */
	void (*select)(struct ui_app *app, struct ui_list *list, size_t i);
	/* The cursor was moved by a command (movement, search). */
	void (*moved)(struct ui_app *app, struct ui_list *list);
};

struct ui_list {
	const struct ui_list_ops *ops;
	void *ctx;              /* the owner's */
	size_t cur, top, count; /* cursor, first row shown, rows */
	char *search;           /* the last pattern, or NULL */
	bool search_backward;
};

/* Sets up an empty list. */
void ui_list_init(struct ui_list *list, const struct ui_list_ops *ops, void *ctx);
/* Frees what the list holds (its search pattern); the list may be used again. */
void ui_list_clear(struct ui_list *list);
/* Keeps cur in range and visible in a window of `rows` rows. */
void ui_list_clamp(struct ui_list *list, int rows);
/* Moves the cursor (page movements by page_rows). Calls nothing back. */
void ui_list_move(struct ui_list *list, enum ui_move move, int page_rows);
/* Draws rows [list->top, list->top + rows) at screen rows [y, y + rows), columns [x, x + cols),
 * blank rows past the end; the cursor's row is drawn selected when focused. */
void ui_list_draw(struct ui_app *app, struct ui_list *list, int y, int rows, int x, int cols, bool focused);
/* Opens the row under the cursor (ops->select), if there is one. */
void ui_list_select(struct ui_app *app, struct ui_list *list);
/* Searches the rows with ops->match from the one after (before) the cursor, around the end; moves
 * the cursor to the match (ops->moved) or says "Not found.". text: a new pattern (UI_SEARCH_FORWARD,
 * UI_SEARCH_BACKWARD; copied), or NULL for the last one again. */
void ui_list_search(struct ui_app *app, struct ui_list *list, const char *text, enum ui_search how, int page_rows);
/* For lists under the pager's keys (where <Enter> scrolls a line): <Enter> opens the row. Returns true
 * when it took the key. */
bool ui_list_enter(struct ui_app *app, struct ui_list *list, uint32_t key);
/* Draws a text row: sanitised, cut or padded to cols, highlighted when selected. */
void ui_list_draw_text(struct ui_app *app, int y, int x, int cols, const char *text, size_t len, bool selected);

#endif
