/* view-urls.c: the pager's link list: picking a link and opening it with url-command (no shell). */
#include "skua.h"
#include "view-pager.h"
#include "lib/buf.h"
#include "lib/proc.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* The links of the document the list was opened on. */
static size_t ui_pager_urls_get(struct ui_pager *p, const char *const **urls_r)
{
	const struct ui_pager_doc *doc = ui_pager_current_doc(p);

	*urls_r = NULL;
	return doc->pt != NULL ? pager_text_urls(doc->pt, urls_r) : 0;
}

bool ui_pager_urls_open(struct ui_app *app)
{
	struct ui_pager *p = app->pager;
	const char *const *urls;
	size_t n;

	if (p == NULL)
		return false;
	n = ui_pager_urls_get(p, &urls);
	if (n == 0) {
		ui_message(app, "%s", _("No links in this message."));
		return false;
	}
	p->urls_back = p->mode;
	p->mode = UI_PAGER_URLS;
	p->ulist.count = n;
	p->ulist.cur = p->ulist.top = 0;
	app->dirty = true;
	return true;
}

void ui_pager_urls_draw(struct ui_app *app, int top, int rows)
{
	struct ui_pager *p = app->pager;
	const char *const *urls;
	size_t n = ui_pager_urls_get(p, &urls);
	struct buf line = BUF_INIT;

	p->ulist.count = n;
	ui_list_clamp(&p->ulist, rows);
	for (int r = 0; r < rows; r++) {
		size_t i = p->ulist.top + (size_t)r;

		buf_reset(&line);
		if (i < n)
			buf_appendf(&line, "%3zu  %s", i + 1, urls[i]);
		ui_pager_draw_row(app, top + r, line.data != NULL ? line.data : "", line.len, i < n && i == p->ulist.cur);
	}
	buf_free(&line);
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
	ui_pager_run_report(app, (const char *const *)argv, NULL);
	proc_argv_free(&argv);
}

bool ui_pager_urls_command(struct ui_app *app, const char *command)
{
	struct ui_pager *p = app->pager;
	const char *const *urls;
	size_t n = ui_pager_urls_get(p, &urls);
	bool select;

	p->ulist.count = n;
	if (ui_pager_list_command(app, &p->ulist, command, &select)) {
		if (select && p->ulist.cur < n)
			ui_pager_urls_run(app, urls[p->ulist.cur]);
		return true;
	}
	if (strcmp(command, "exit") == 0) {
		p->mode = p->urls_back;
		app->dirty = true;
		return true;
	}
	return ui_pager_list_ignored(command);
}
