/* status.c: the status bar (the view's part, what is loading, the connection), the message line and
 * the help line at the top. */
#include "skua.h"
#include "ui-int.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void ui_set_message(struct ui_app *app, bool is_error, const char *fmt, va_list ap) SKUA_PRINTF(3, 0);
static void ui_set_message(struct ui_app *app, bool is_error, const char *fmt, va_list ap)
{
	free(app->message);
	app->message = xvasprintf(fmt, ap);
	app->message_is_error = is_error;
	ui_dirty_win(app, UI_WIN_MESSAGE);
}

void ui_message(struct ui_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_set_message(app, false, fmt, ap);
	va_end(ap);
}

void ui_error(struct ui_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_set_message(app, true, fmt, ap);
	va_end(ap);
	log_info("ui error: %s", app->message);
}

void ui_message_clear(struct ui_app *app)
{
	if (app->message == NULL)
		return;
	free(app->message);
	app->message = NULL;
	ui_dirty_win(app, UI_WIN_MESSAGE);
}

static const char *ui_conn_name(enum ui_conn c)
{
	switch (c) {
	case UI_CONN_CONNECTING: return _("connecting");
	case UI_CONN_READY: return _("connected");
	case UI_CONN_BUSY: return _("busy");
	case UI_CONN_FAILED: return _("offline");
	default: return _("idle");
	}
}

void ui_status_counts(struct ui_app *app, struct buf *out)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);

	if (mb == NULL)
		return;
	buf_appendf(out, " [Msgs:%zu New:%zu] (%s%s)", ui_mailbox_count(mb), ui_mailbox_unseen(mb),
		    mb->reverse ? "reverse-" : "", ui_mailbox_order_name(mb->order));
	if (mb->limit != NULL) {
		/* the pattern is the user's own text, shown as typed (the prompt took printable
		 * characters only) */
		buf_appendf(out, " [%s %zu: %s]", _("Lim"), mb->list.count, mb->limit);
	}
}

void ui_status_draw(struct ui_app *app, int y)
{
	struct ui_view *top = ui_view_top(app);
	struct ui_mailbox *mb = ui_index_mailbox(app);
	const struct ui_account *a = mb != NULL && mb->account < app->n_accounts ? &app->accounts[mb->account] : NULL;
	struct buf s = BUF_INIT;

	buf_append_str(&s, "-- skua: ");
	if (top != NULL && top->type->status != NULL)
		top->type->status(app, top, &s);
	if (mb != NULL && mb->progress != NULL)
		buf_appendf(&s, " -- %s", mb->progress);
	if (mb != NULL && mb->loading && mb->exists > 0)
		buf_appendf(&s, " %zu/%lld", mindex_live(mb->idx), (long long)mb->exists);
	if (a != NULL) {
		buf_appendf(&s, " -- %s", ui_conn_name(a->conn));
		if (a->conn_text != NULL && a->conn == UI_CONN_FAILED)
			buf_appendf(&s, ": %s", a->conn_text);
	}
	ui_draw_text(y, 0, app->cols, s.data, s.len, app->attr[UI_C_STATUS]);
	buf_free(&s);
}

void ui_message_draw(struct ui_app *app, int y)
{
	const char *m = app->message != NULL ? app->message : "";

	if (app->prompt != NULL) {
		ui_prompt_draw(app);
		return;
	}
	curs_set(0);
	leaveok(stdscr, TRUE);
	ui_draw_text(y, 0, app->cols, m, strlen(m), app->message_is_error ? app->attr[UI_C_ERROR] : app->attr[UI_C_MESSAGE]);
}

void ui_help_line_draw(struct ui_app *app, int y)
{
	struct ui_view *top = ui_view_top(app);
	const char *text = top != NULL && top->type->help_line != NULL ? _(top->type->help_line) : "";

	ui_draw_text(y, 0, app->cols, text, strlen(text), app->attr[UI_C_STATUS]);
}
