/* view-pager.c: the pager: a message fetched by the worker, laid out (html-command off the UI thread),
 * coloured, scrolled and searched; marked read once shown; following the index's next/previous. */
#include "skua.h"
#include "view-pager.h"
#include "ui/job.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The header fields shown when pager-headers is not set. */
static const char *const ui_pager_default_headers[] = { "Date", "From", "To", "Cc", "Subject" };

static char *ui_pager_memdup(const char *data, size_t len)
{
	char *copy = xmalloc(len + 1);

	if (len > 0)
		memcpy(copy, data, len);
	copy[len] = '\0';
	return copy;
}

/* The header names to show when weeded, from pager-headers (blank- or comma-separated). */
static void ui_pager_headers_init(const struct ui_app *app, struct ui_pager *p)
{
	const char *s = app->cfg != NULL ? app->cfg->pager_headers : NULL;
	size_t cap = 0;

	p->headers = xgrow(NULL, &cap, N_ELEMENTS(ui_pager_default_headers), sizeof(*p->headers));
	if (s == NULL) {
		for (size_t i = 0; i < N_ELEMENTS(ui_pager_default_headers); i++)
			p->headers[p->n_headers++] = xstrdup(ui_pager_default_headers[i]);
		return;
	}
	while (*s != '\0') {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		size_t len = strcspn(s, " \t,");
		if (len == 0)
			break;
		p->headers = xgrow(p->headers, &cap, p->n_headers + 1, sizeof(*p->headers));
		p->headers[p->n_headers++] = xstrndup(s, len);
		s += len;
	}
}

void ui_pager_work_free(void *arg)
{
	struct ui_pager_work *w = arg;

	if (w == NULL)
		return;
	if (w->tmp_path != NULL)
		unlink(w->tmp_path);
	if (w->tmp_dir != NULL)
		rmdir(w->tmp_dir);
	free(w->tmp_path);
	free(w->tmp_dir);
	free(w->data);
	free(w->command);
	free(w->title);
	free(w->error);
	buf_free(&w->out);
	free(w);
}

void ui_pager_status_folder(struct ui_app *app, const struct ui_msgref *ref, struct buf *out)
{
	const char *name = ui_names_get(app, ref->mailbox);

	buf_appendf(out, "%s -- ", name != NULL ? name : "");
}

/* --- loading --- */

static void ui_pager_fail(struct ui_app *app, struct ui_pager *p, const char *why)
{
	p->state = UI_PAGER_FAILED;
	free(p->error);
	p->error = sanitize_line(why, strlen(why));
	ui_error(app, "%s", p->error);
}

/* The rendered message (headers, blank line, text) arrived: lay out its text under our headers. */
static void ui_pager_rendered(struct ui_app *app, struct ui_pager *p, const struct buf *out)
{
	const char *text = out->data != NULL ? out->data : "";
	size_t off = pager_text_body_start(text, out->len);
	enum ui_pager_pending pending = p->pending;

	ui_doc_set(app, &p->doc, ui_pager_memdup(p->header, p->header_len), p->header_len,
		   ui_pager_memdup(text + off, out->len - off), out->len - off);
	p->state = UI_PAGER_READY;
	p->pending = UI_PAGER_PENDING_NONE;
	if (pending == UI_PAGER_PENDING_ATTACH)
		ui_attach_open(app, p);
	else if (pending == UI_PAGER_PENDING_URLS)
		ui_urls_open(app, &p->doc, &p->ref);
	ui_dirty(app);
}

static void ui_pager_render_run(void *arg)
{
	struct ui_pager_work *w = arg;
	struct mime_message *msg = mime_message_parse(w->data, w->data_len);
	struct mime_render_opts opts = { w->command };

	mime_message_render(msg, &opts, &w->out);
	mime_message_free(&msg);
}

static void ui_pager_render_done(struct ui_app *app, void *owner, void *arg)
{
	struct ui_view *view = owner;
	struct ui_pager *p = view->data;
	struct ui_pager_work *w = arg;

	p->job = NULL;
	if (p->state == UI_PAGER_RENDERING)
		ui_pager_rendered(app, p, &w->out);
}

static void ui_pager_loaded(struct ui_app *app, struct ui_pager *p, const char *data, size_t len)
{
	const char *html = app->cfg != NULL ? app->cfg->html_command : NULL, *error;
	struct mime_render_opts opts = { NULL };
	struct buf out = BUF_INIT;

	p->msg = mime_message_parse(data, len);
	p->header_len = pager_text_body_start(data, len);
	p->header = ui_pager_memdup(data, p->header_len);
	if (html != NULL && html[0] != '\0') {
		/* an external converter may take its time: never on the UI thread */
		struct ui_pager_work *w = xcalloc(1, sizeof(*w));
		w->data = ui_pager_memdup(data, len);
		w->data_len = len;
		w->command = xstrdup(html);
		p->job = ui_job_start(app, p->view, ui_pager_render_run, ui_pager_render_done, ui_pager_work_free, w,
				      &error);
		if (p->job != NULL) {
			p->state = UI_PAGER_RENDERING;
			return;
		}
		ui_error(app, "%s", error);
	}
	mime_message_render(p->msg, &opts, &out);
	ui_pager_rendered(app, p, &out);
	buf_free(&out);
}

/* Marks the message shown read unless it is. */
static void ui_pager_mark_read(struct ui_app *app, const struct ui_pager *p)
{
	struct ui_mailbox *mb = ui_mailbox_of(app, &p->ref);
	const struct mindex_msg *m = mb != NULL ? ui_mailbox_msg(mb, p->ref.uid) : NULL;

	if (m != NULL && !(m->flags & IMAP_FLAG_SEEN))
		ui_flags_change(app, &p->ref, IMAP_FLAG_SEEN, 0);
}

static void ui_pager_event(struct ui_app *app, struct ui_view *view, struct ui_reply *r)
{
	struct ui_pager *p = view->data;
	const char *why;

	if (r->req != p->req)
		return;
	ui_dirty(app);
	switch (r->kind) {
	case UI_REPLY_BODY:
		if (p->state == UI_PAGER_LOADING && (uint32_t)r->a == p->ref.uid)
			ui_pager_loaded(app, p, r->data, r->len);
		break;
	case UI_REPLY_DONE:
	case UI_REPLY_ERROR:
	case UI_REPLY_CANCELLED:
		/* the final reply: without a body before it, say why */
		p->req = 0;
		if (p->state != UI_PAGER_LOADING) {
			/* read now: \Seen is stored once the body is here (never by the fetch itself, so
			 * that a failed one leaves the message unread) */
			if (r->kind == UI_REPLY_DONE && p->state != UI_PAGER_FAILED)
				ui_pager_mark_read(app, p);
			break;
		}
		if (r->kind == UI_REPLY_DONE)
			why = _("The server sent no message.");
		else if (r->kind == UI_REPLY_CANCELLED)
			why = _("Cancelled.");
		else
			why = r->text != NULL ? r->text : _("Cannot fetch the message.");
		ui_pager_fail(app, p, why);
		break;
	default:
		break;
	}
}

/* Forgets the message shown (its request, its job, the views over it). */
static void ui_pager_reset(struct ui_app *app, struct ui_pager *p)
{
	ui_view_pop_above(app, p->view);
	ui_route_forget(app, &p->view->client);
	ui_job_cancel_owner(app, p->view);
	p->job = NULL;
	p->req = 0;
	ui_doc_clear(&p->doc);
	mime_message_free(&p->msg);
	mime_attachments_free(&p->atts, p->n_atts);
	p->n_atts = 0;
	p->atts_listed = false;
	free(p->header);
	p->header = NULL;
	p->header_len = 0;
	free(p->error);
	p->error = NULL;
	p->pending = UI_PAGER_PENDING_NONE;
}

/* Shows message ref in the pager view. */
static void ui_pager_show(struct ui_app *app, struct ui_pager *p, const struct ui_msgref *ref)
{
	ui_pager_reset(app, p);
	p->ref = *ref;
	p->state = UI_PAGER_LOADING;
	p->doc.rows = ui_main_rows(app);
	ui_dirty(app);
	p->req = ui_route_body(app, ref, &p->view->client);
	if (p->req == 0)
		ui_pager_fail(app, p, _("No folder is open."));
}

void ui_pager_open(struct ui_app *app, const struct ui_msgref *ref)
{
	struct ui_pager *p = xcalloc(1, sizeof(*p));

	ui_pager_headers_init(app, p);
	p->doc.headers = (const char *const *)p->headers;
	p->doc.n_headers = p->n_headers;
	p->view = ui_view_push(app, &ui_view_pager_type, p);
	ui_pager_show(app, p, ref);
}

static void ui_pager_free(struct ui_app *app, struct ui_view *view)
{
	struct ui_pager *p = view->data;

	ui_pager_reset(app, p);
	for (size_t i = 0; i < p->n_headers; i++)
		free(p->headers[i]);
	free(p->headers);
	free(p);
}

/* --- the view --- */

static void ui_pager_draw(struct ui_app *app, struct ui_view *view, int top, int rows)
{
	struct ui_pager *p = view->data;
	const char *text = NULL;
	char *owned = NULL;

	if (p->state == UI_PAGER_READY) {
		ui_doc_draw(app, &p->doc, top, rows);
		return;
	}
	p->doc.rows = rows;
	if (p->state == UI_PAGER_FAILED)
		text = p->error;
	else
		text = owned = xasprintf(p->state == UI_PAGER_LOADING ? _("Loading message %u…") : _("Formatting message %u…"),
					 p->ref.uid);
	ui_draw_text(top, 0, app->cols, text, strlen(text), app->attr[p->state == UI_PAGER_FAILED ? UI_C_ERROR : UI_C_MESSAGE]);
	free(owned);
	for (int r = 1; r < rows; r++)
		ui_draw_text(top + r, 0, app->cols, "", 0, app->attr[UI_C_NORMAL]);
}

static void ui_pager_status(struct ui_app *app, struct ui_view *view, struct buf *out)
{
	struct ui_pager *p = view->data;
	size_t line, count, percent;

	ui_pager_status_folder(app, &p->ref, out);
	if (p->state == UI_PAGER_LOADING || p->state == UI_PAGER_RENDERING) {
		buf_appendf(out, _("UID %u — loading…"), p->ref.uid);
		return;
	}
	if (p->state == UI_PAGER_FAILED) {
		buf_appendf(out, _("UID %u — not shown"), p->ref.uid);
		return;
	}
	ui_doc_position(&p->doc, &line, &count, &percent);
	buf_appendf(out, _("UID %u — line %zu/%zu — %zu%%"), p->ref.uid, line, count, percent);
}

static void ui_pager_resize(struct ui_app *app, struct ui_view *view)
{
	struct ui_pager *p = view->data;

	if (p->doc.pt != NULL)
		ui_doc_layout(app, &p->doc);
}

static bool ui_pager_move(struct ui_app *app, struct ui_view *view, enum ui_move move)
{
	struct ui_pager *p = view->data;
	int dir = move == UI_MOVE_NEXT ? 1 : move == UI_MOVE_PREV ? -1 : 0;

	if (dir != 0) {
		/* the next or previous message of the index (which the pager follows) */
		if (!ui_index_step(app, dir))
			ui_error(app, "%s", dir > 0 ? _("You are on the last message.") : _("You are on the first message."));
		return true;
	}
	ui_doc_move(app, &p->doc, move);
	return true;
}

static void ui_pager_search(struct ui_app *app, struct ui_view *view, const char *text, enum ui_search how)
{
	struct ui_pager *p = view->data;

	/* a search waits for the text */
	if (p->state == UI_PAGER_READY)
		ui_doc_search(app, &p->doc, text, how);
}

static bool ui_pager_message(struct ui_app *app, struct ui_view *view, struct ui_msgref *ref_r)
{
	struct ui_pager *p = view->data;

	(void)app;
	*ref_r = p->ref;
	return true;
}

static void ui_pager_follow(struct ui_app *app, struct ui_view *view, const struct ui_msgref *ref)
{
	struct ui_pager *p = view->data;

	if (!ui_msgref_eq(ref, &p->ref))
		ui_pager_show(app, p, ref);
}

static bool ui_pager_cancel(struct ui_app *app, struct ui_view *view)
{
	struct ui_pager *p = view->data;

	if (p->req == 0)
		return false;
	ui_route_cancel(app, p->req);
	return true;
}

/* --- its commands --- */

static int ui_pager_toggle_weed_exec(struct cmd_ctx *ctx)
{
	struct ui_pager *p = ctx->view->data;

	if (p->state != UI_PAGER_READY) {
		/* taken into account when the text is laid out */
		p->doc.all_headers = !p->doc.all_headers;
		return 0;
	}
	ui_doc_toggle_weed(ctx->app, &p->doc);
	ui_message(ctx->app, "%s", p->doc.all_headers ? _("Showing all header fields.") :
		   _("Showing the chosen header fields."));
	return 0;
}

static int ui_pager_pending(struct cmd_ctx *ctx, enum ui_pager_pending pending)
{
	struct ui_pager *p = ctx->view->data;

	if (p->state != UI_PAGER_FAILED) {
		p->pending = pending;
		ui_message(ctx->app, "%s", _("Loading the message…"));
	}
	return 0;
}

static int ui_pager_attachments_exec(struct cmd_ctx *ctx)
{
	struct ui_pager *p = ctx->view->data;

	if (p->state != UI_PAGER_READY)
		return ui_pager_pending(ctx, UI_PAGER_PENDING_ATTACH);
	ui_attach_open(ctx->app, p);
	return 0;
}

static int ui_pager_urls_exec(struct cmd_ctx *ctx)
{
	struct ui_pager *p = ctx->view->data;

	if (p->state != UI_PAGER_READY)
		return ui_pager_pending(ctx, UI_PAGER_PENDING_URLS);
	ui_urls_open(ctx->app, &p->doc, &p->ref);
	return 0;
}

static const struct ui_view_cmd ui_pager_cmds[] = {
	{ &cmd_display_toggle_weed_entry, ui_pager_toggle_weed_exec },
	{ &cmd_view_attachments_entry, ui_pager_attachments_exec },
	{ &cmd_view_urls_entry, ui_pager_urls_exec },
};

const struct ui_view_type ui_view_pager_type = {
	.name = "pager",
	.keys = KEYMAP_PAGER,
	.help_line = UI_PAGER_HELP_LINE,
	.cmds = ui_pager_cmds,
	.n_cmds = N_ELEMENTS(ui_pager_cmds),
	.draw = ui_pager_draw,
	.status = ui_pager_status,
	.event = ui_pager_event,
	.resize = ui_pager_resize,
	.move = ui_pager_move,
	.search = ui_pager_search,
	.message = ui_pager_message,
	.follow = ui_pager_follow,
	.cancel = ui_pager_cancel,
	.free = ui_pager_free,
};
