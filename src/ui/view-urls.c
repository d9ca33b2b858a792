/* view-urls.c: the link list over a text (the message or a part): picking a link and opening it with
 * url-command (no shell). */
#include "skua.h"
#include "view-pager.h"
#include "ui/term.h"
#include "lib/buf.h"
#include "lib/proc.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* The link list's state. */
struct ui_urls {
	struct ui_doc *doc;          /* the text it lists the links of (the view under it owns it) */
	struct ui_msgref ref;
	struct ui_list list;
};

static const struct ui_list_ops ui_urls_list_ops;

/* The links of the document the list was opened on. */
static size_t ui_urls_get(const struct ui_urls *u, const char *const **urls_r)
{
	*urls_r = NULL;
	return u->doc->pt != NULL ? pager_text_urls(u->doc->pt, urls_r) : 0;
}

bool ui_urls_open(struct ui_app *app, struct ui_doc *doc, const struct ui_msgref *ref)
{
	const char *const *urls;
	struct ui_urls *u;

	if (doc->pt == NULL || pager_text_urls(doc->pt, &urls) == 0) {
		ui_message(app, "%s", _("No links in this message."));
		return false;
	}
	u = xcalloc(1, sizeof(*u));
	u->doc = doc;
	u->ref = *ref;
	ui_list_init(&u->list, &ui_urls_list_ops, u);
	u->list.count = ui_urls_get(u, &urls);
	ui_view_push(app, &ui_view_urls_type, u);
	return true;
}

static void ui_urls_draw_row(struct ui_app *app, struct ui_list *l, size_t i, int y, int x, int cols, bool selected)
{
	const char *const *urls;
	struct buf line = BUF_INIT;

	if (i < ui_urls_get(l->ctx, &urls))
		buf_appendf(&line, "%3zu  %s", i + 1, urls[i]);
	ui_list_draw_text(app, y, x, cols, line.data != NULL ? line.data : "", line.len, selected);
	buf_free(&line);
}

static bool ui_urls_match(struct ui_app *app, struct ui_list *l, size_t i, const char *needle)
{
	const char *const *urls;

	(void)app;
	return i < ui_urls_get(l->ctx, &urls) && strcasestr(urls[i], needle) != NULL;
}

/* Runs url-command with the link as its last argument: one argv word, no shell. */
static void ui_pager_urls_run(struct ui_app *app, const char *url)
{
	const char *cmd = app->cfg != NULL ? app->cfg->url_command : NULL, *error;
	char **argv;
	size_t n = 0;

	if (cmd == NULL || cmd[0] == '\0') {
		ui_message(app, _("No url-command is set to open %s"), url);
		return;
	}
	argv = proc_split(cmd, &error);
	if (argv == NULL) {
		ui_error(app, _("url-command: %s"), error);
		return;
	}
	while (argv[n] != NULL)
		n++;
	if (n == 0) {
		ui_error(app, "%s", _("url-command is empty."));
		proc_argv_free(&argv);
		return;
	}
	argv = xrealloc(argv, (n + 2) * sizeof(*argv));
	argv[n] = xstrdup(url);
	argv[n + 1] = NULL;
	ui_term_run_report(app, (const char *const *)argv, NULL);
	proc_argv_free(&argv);
}

static void ui_urls_select(struct ui_app *app, struct ui_list *l, size_t i)
{
	const char *const *urls;

	if (i < ui_urls_get(l->ctx, &urls))
		ui_pager_urls_run(app, urls[i]);
}

static const struct ui_list_ops ui_urls_list_ops = {
	.draw_row = ui_urls_draw_row,
	.match = ui_urls_match,
	.select = ui_urls_select,
};

static void ui_urls_draw(struct ui_app *app, struct ui_view *view, int top, int rows)
{
	struct ui_urls *u = view->data;
	const char *const *urls;

	/* the text may have been laid out again (a resize): its links are counted anew */
	u->list.count = ui_urls_get(u, &urls);
	ui_list_draw(app, &u->list, top, rows, 0, app->cols, true);
}

static void ui_urls_status(struct ui_app *app, struct ui_view *view, struct buf *out)
{
	struct ui_urls *u = view->data;

	ui_pager_status_folder(app, &u->ref, out);
	buf_appendf(out, _("UID %u — link %zu/%zu"), u->ref.uid, u->list.count > 0 ? u->list.cur + 1 : 0,
		    u->list.count);
}

static bool ui_urls_key(struct ui_app *app, struct ui_view *view, uint32_t key)
{
	struct ui_urls *u = view->data;

	return ui_list_enter(app, &u->list, key);
}

static struct ui_list *ui_urls_list(struct ui_view *view)
{
	struct ui_urls *u = view->data;

	return &u->list;
}

static bool ui_urls_message(struct ui_app *app, struct ui_view *view, struct ui_msgref *ref_r)
{
	struct ui_urls *u = view->data;

	(void)app;
	*ref_r = u->ref;
	return true;
}

static void ui_urls_free(struct ui_app *app, struct ui_view *view)
{
	struct ui_urls *u = view->data;

	(void)app;
	ui_list_clear(&u->list);
	free(u);
}

static const struct ui_view_cmd ui_urls_cmds[] = {
	{ &cmd_save_message_entry, cmd_exec_nothing },
	{ &cmd_display_toggle_weed_entry, cmd_exec_nothing },
	{ &cmd_view_attachments_entry, cmd_exec_nothing },
	{ &cmd_view_urls_entry, cmd_exec_nothing },
};

const struct ui_view_type ui_view_urls_type = {
	.name = "links",
	.keys = KEYMAP_PAGER,
	.help_line = UI_PAGER_HELP_LINE,
	.cmds = ui_urls_cmds,
	.n_cmds = N_ELEMENTS(ui_urls_cmds),
	.draw = ui_urls_draw,
	.status = ui_urls_status,
	.key = ui_urls_key,
	.list = ui_urls_list,
	.message = ui_urls_message,
	.free = ui_urls_free,
};
