/* view-part.c: one part of a message shown as text (a text part, a copiousoutput viewer's output),
 * over the attachment list. */
#include "skua.h"
#include "view-pager.h"
#include "lib/xmalloc.h"

#include <stdlib.h>

struct ui_part {
	struct ui_msgref ref;
	char *title;
	struct ui_doc doc;
};

void ui_part_open(struct ui_app *app, const struct ui_msgref *ref, const char *title, char *text, size_t len)
{
	struct ui_part *part = xcalloc(1, sizeof(*part));

	part->ref = *ref;
	part->title = xstrdup(title);
	part->doc.rows = ui_main_rows(app);
	ui_doc_set(app, &part->doc, NULL, 0, text, len);
	ui_view_push(app, &ui_view_part_type, part);
}

static void ui_part_draw(struct ui_app *app, struct ui_view *view, int top, int rows)
{
	struct ui_part *part = view->data;

	ui_doc_draw(app, &part->doc, top, rows);
}

static void ui_part_status(struct ui_app *app, struct ui_view *view, struct buf *out)
{
	struct ui_part *part = view->data;
	size_t line, count, percent;

	ui_pager_status_folder(app, &part->ref, out);
	ui_doc_position(&part->doc, &line, &count, &percent);
	buf_appendf(out, _("UID %u — %s — line %zu/%zu — %zu%%"), part->ref.uid, part->title, line, count, percent);
}

static void ui_part_resize(struct ui_app *app, struct ui_view *view)
{
	struct ui_part *part = view->data;

	ui_doc_layout(app, &part->doc);
}

static bool ui_part_move(struct ui_app *app, struct ui_view *view, enum ui_move move)
{
	struct ui_part *part = view->data;

	/* next and previous entry scroll a line: the part is no list of messages */
	ui_doc_move(app, &part->doc, move);
	return true;
}

static void ui_part_search(struct ui_app *app, struct ui_view *view, const char *text, enum ui_search how)
{
	struct ui_part *part = view->data;

	ui_doc_search(app, &part->doc, text, how);
}

static bool ui_part_message(struct ui_app *app, struct ui_view *view, struct ui_msgref *ref_r)
{
	struct ui_part *part = view->data;

	(void)app;
	*ref_r = part->ref;
	return true;
}

static void ui_part_free(struct ui_app *app, struct ui_view *view)
{
	struct ui_part *part = view->data;

	(void)app;
	ui_doc_clear(&part->doc);
	free(part->title);
	free(part);
}

/* view-attachments goes back to the list the part was opened from. */
static int ui_part_attachments_exec(struct cmd_ctx *ctx)
{
	ui_view_pop(ctx->app, ctx->view);
	return 0;
}

static int ui_part_urls_exec(struct cmd_ctx *ctx)
{
	struct ui_part *part = ctx->view->data;

	ui_urls_open(ctx->app, &part->doc, &part->ref);
	return 0;
}

static const struct ui_view_cmd ui_part_cmds[] = {
	{ &cmd_view_attachments_entry, ui_part_attachments_exec },
	{ &cmd_view_urls_entry, ui_part_urls_exec },
	{ &cmd_display_toggle_weed_entry, cmd_exec_nothing },
};

const struct ui_view_type ui_view_part_type = {
	.name = "part",
	.keys = KEYMAP_PAGER,
	.help_line = UI_PAGER_HELP_LINE,
	.cmds = ui_part_cmds,
	.n_cmds = N_ELEMENTS(ui_part_cmds),
	.draw = ui_part_draw,
	.status = ui_part_status,
	.resize = ui_part_resize,
	.move = ui_part_move,
	.search = ui_part_search,
	.message = ui_part_message,
	.free = ui_part_free,
};
