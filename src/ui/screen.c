/* screen.c: the screen's windows (help line, the view on top, status bar, message line), each
 * redrawn when dirty, then one doupdate() per loop turn; and the text drawing every view uses. */
#include "skua.h"
#include "ui-int.h"
#include "ui/cells.h"
#include "ev/ev-loop.h"
#include "lib/log.h"

#include <curses.h>
#include <stdlib.h>

void ui_draw_text(int y, int x, int cols, const char *text, size_t len, int attr)
{
	char *fit;

	if (cols <= 0)
		return;
	fit = cells_fit(text != NULL ? text : "", text != NULL ? len : 0, (size_t)cols, 0);
	attrset(attr);
	mvaddstr(y, x, fit);
	attrset(A_NORMAL);
	free(fit);
}

int ui_main_rows(const struct ui_app *app)
{
	return app->rows > 3 ? app->rows - 3 : 1;
}

void ui_dirty(struct ui_app *app)
{
	for (int i = 0; i < UI_WIN_COUNT; i++)
		app->dirty[i] = true;
}

void ui_dirty_win(struct ui_app *app, enum ui_win win)
{
	app->dirty[win] = true;
}

bool ui_is_dirty(const struct ui_app *app)
{
	for (int i = 0; i < UI_WIN_COUNT; i++)
		if (app->dirty[i])
			return true;
	return false;
}

void ui_screen_draw(struct ui_app *app)
{
	struct ui_view *top = ui_view_top(app);

	if (app->dirty[UI_WIN_HELP])
		ui_help_line_draw(app, 0);
	if (app->dirty[UI_WIN_MAIN] && top != NULL)
		top->type->draw(app, top, 1, ui_main_rows(app));
	/* the status bar shows positions the main window's drawing may have clamped */
	if (app->dirty[UI_WIN_STATUS] || app->dirty[UI_WIN_MAIN])
		ui_status_draw(app, app->rows - 2);
	/* the prompt's cursor is placed last */
	if (app->dirty[UI_WIN_MESSAGE] || app->prompt != NULL)
		ui_message_draw(app, app->rows - 1);
	wnoutrefresh(stdscr);
	doupdate();
	for (int i = 0; i < UI_WIN_COUNT; i++)
		app->dirty[i] = false;
	/* figures for the benchmark (make bench reads them from the -d log) */
	if (app->key_ms != 0) {
		log_debug("ui: key answered in %lld ms", (long long)(ev_now_ms() - app->key_ms));
		app->key_ms = 0;
	}
}
