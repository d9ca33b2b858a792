/* view-help.c: the help screen: the keys of the view it was opened over, then the functions no key
 * reaches, from the key tables and the command table. */
#include "skua.h"
#include "ui-int.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

struct ui_help {
	struct keymap_help *entries;
	size_t n;
	struct ui_list list;
};

static void ui_help_draw_row(struct ui_app *app, struct ui_list *l, size_t i, int y, int x, int cols, bool selected)
{
	const struct ui_help *h = l->ctx;
	const struct keymap_help *e = &h->entries[i];
	struct buf line = BUF_INIT;

	buf_appendf(&line, "%-12s %-24s %s", e->keys != NULL ? e->keys : "", e->command,
		    e->description != NULL ? e->description : "");
	ui_list_draw_text(app, y, x, cols, line.data, line.len, selected);
	buf_free(&line);
}

static bool ui_help_match(struct ui_app *app, struct ui_list *l, size_t i, const char *needle)
{
	const struct ui_help *h = l->ctx;
	const struct keymap_help *e = &h->entries[i];

	(void)app;
	return strcasestr(e->command, needle) != NULL || (e->keys != NULL && strstr(e->keys, needle) != NULL) ||
	       (e->description != NULL && strcasestr(e->description, needle) != NULL);
}

static const struct ui_list_ops ui_help_list_ops = {
	.draw_row = ui_help_draw_row,
	.match = ui_help_match,
};

void ui_help_open(struct ui_app *app)
{
	struct ui_view *top = ui_view_top(app);
	struct ui_help *h = xcalloc(1, sizeof(*h));

	h->n = keymap_help_list(app->keymap, top != NULL ? top->type->keys : KEYMAP_GENERIC, &h->entries);
	ui_list_init(&h->list, &ui_help_list_ops, h);
	h->list.count = h->n;
	ui_view_push(app, &ui_view_help_type, h);
}

static void ui_help_draw(struct ui_app *app, struct ui_view *view, int top, int rows)
{
	struct ui_help *h = view->data;

	ui_list_draw(app, &h->list, top, rows, 0, app->cols, true);
}

static void ui_help_status(struct ui_app *app, struct ui_view *view, struct buf *out)
{
	(void)app;
	(void)view;
	buf_append_str(out, _("Help"));
}

static struct ui_list *ui_help_list(struct ui_view *view)
{
	struct ui_help *h = view->data;

	return &h->list;
}

static void ui_help_free(struct ui_app *app, struct ui_view *view)
{
	struct ui_help *h = view->data;

	(void)app;
	keymap_help_free(&h->entries, h->n);
	ui_list_clear(&h->list);
	free(h);
}

const struct ui_view_type ui_view_help_type = {
	.name = "help",
	.keys = KEYMAP_GENERIC,
	.help_line = N_("q:Back  j/k:Move"),
	.flags = UI_VIEW_QUIT_CLOSES,
	.draw = ui_help_draw,
	.status = ui_help_status,
	.list = ui_help_list,
	.free = ui_help_free,
};
