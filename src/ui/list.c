/* list.c: the generic scrolling list (tmux's mode-tree): cursor, scrolling, movement, search, select
 * and drawing, rows from the owner's callbacks. */
#include "skua.h"
#include "ui-int.h"
#include "lib/xmalloc.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

void ui_list_init(struct ui_list *l, const struct ui_list_ops *ops, void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->ops = ops;
	l->ctx = ctx;
}

void ui_list_clear(struct ui_list *l)
{
	free(l->search);
	l->search = NULL;
}

void ui_list_clamp(struct ui_list *l, int rows)
{
	size_t r = rows > 0 ? (size_t)rows : 1;

	if (l->count == 0) {
		l->cur = l->top = 0;
		return;
	}
	if (l->cur >= l->count)
		l->cur = l->count - 1;
	if (l->cur < l->top)
		l->top = l->cur;
	if (l->cur >= l->top + r)
		l->top = l->cur - r + 1;
	if (l->top + r > l->count)
		l->top = l->count > r ? l->count - r : 0;
}

void ui_list_move(struct ui_list *l, enum ui_move move, int page_rows)
{
	size_t page = page_rows > 1 ? (size_t)page_rows : 1;
	size_t last = l->count > 0 ? l->count - 1 : 0;

	switch (move) {
	case UI_MOVE_NEXT:
	case UI_MOVE_NEXT_LINE:
		if (l->cur < last)
			l->cur++;
		break;
	case UI_MOVE_PREV:
	case UI_MOVE_PREV_LINE:
		if (l->cur > 0)
			l->cur--;
		break;
	case UI_MOVE_FIRST:
	case UI_MOVE_TOP:
		l->cur = 0;
		break;
	case UI_MOVE_LAST:
	case UI_MOVE_BOTTOM:
		l->cur = last;
		break;
	case UI_MOVE_NEXT_PAGE:
		l->cur = l->cur + page < last ? l->cur + page : last;
		l->top = l->top + page < l->count ? l->top + page : l->top;
		break;
	case UI_MOVE_PREV_PAGE:
		l->cur = l->cur > page ? l->cur - page : 0;
		l->top = l->top > page ? l->top - page : 0;
		break;
	case UI_MOVE_HALF_DOWN:
		l->cur = l->cur + page / 2 < last ? l->cur + page / 2 : last;
		break;
	case UI_MOVE_HALF_UP:
		l->cur = l->cur > page / 2 ? l->cur - page / 2 : 0;
		break;
	case UI_MOVE_TOP_PAGE:
		l->cur = l->top;
		break;
	case UI_MOVE_MIDDLE_PAGE:
		l->cur = l->top + page / 2 < last ? l->top + page / 2 : last;
		break;
	case UI_MOVE_BOTTOM_PAGE:
		l->cur = l->top + page - 1 < last ? l->top + page - 1 : last;
		break;
	}
	ui_list_clamp(l, page_rows);
}

void ui_list_draw_text(struct ui_app *app, int y, int x, int cols, const char *text, size_t len, bool selected)
{
	ui_draw_text(y, x, cols, text, len, app->attr[selected ? UI_C_INDICATOR : UI_C_NORMAL]);
}

void ui_list_draw(struct ui_app *app, struct ui_list *l, int y, int rows, int x, int cols, bool focused)
{
	ui_list_clamp(l, rows);
	for (int r = 0; r < rows; r++) {
		size_t i = l->top + (size_t)r;

		if (i < l->count && l->ops != NULL && l->ops->draw_row != NULL)
			l->ops->draw_row(app, l, i, y + r, x, cols, focused && i == l->cur);
		else
			ui_draw_text(y + r, x, cols, "", 0, app->attr[UI_C_NORMAL]);
	}
}

void ui_list_select(struct ui_app *app, struct ui_list *l)
{
	if (l->count > 0 && l->cur < l->count && l->ops != NULL && l->ops->select != NULL)
		l->ops->select(app, l, l->cur);
}

bool ui_list_enter(struct ui_app *app, struct ui_list *l, uint32_t key)
{
	if (key != KEYMAP_KEY_ENTER)
		return false;
	ui_list_select(app, l);
	ui_dirty(app);
	return true;
}

void ui_list_search(struct ui_app *app, struct ui_list *l, const char *text, enum ui_search how, int page_rows)
{
	bool backward;

	if (text != NULL) {
		free(l->search);
		l->search = xstrdup(text);
		l->search_backward = how == UI_SEARCH_BACKWARD;
	}
	if (l->search == NULL || l->search[0] == '\0' || l->count == 0 || l->ops == NULL || l->ops->match == NULL) {
		ui_error(app, "%s", _("No search pattern."));
		return;
	}
	backward = how == UI_SEARCH_OPPOSITE ? !l->search_backward : l->search_backward;
	for (size_t n = 1; n <= l->count; n++) {
		size_t i = backward ? (l->cur + l->count - n) % l->count : (l->cur + n) % l->count;

		if (!l->ops->match(app, l, i, l->search))
			continue;
		if (backward ? i > l->cur : i < l->cur)
			ui_message(app, "%s", backward ? _("Search wrapped to bottom.") : _("Search wrapped to top."));
		l->cur = i;
		ui_list_clamp(l, page_rows);
		if (l->ops->moved != NULL)
			l->ops->moved(app, l);
		ui_dirty(app);
		return;
	}
	ui_error(app, "%s", _("Not found."));
}
