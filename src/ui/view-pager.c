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

#include <poll.h>
#include <stdatomic.h>
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

/* A rendering off the UI thread: the message parsed, rendered (MIME decoding, charsets, HTML) and laid
 * out for the screen's width; the thread touches only this. */
struct ui_pager_render {
	char *data;                  /* the raw message */
	size_t data_len;
	char *command;               /* html-command, or NULL */
	char *gate;                  /* SKUA_TEST_RENDER_GATE, or NULL */
	char **headers;              /* the header names shown when weeded (copies) */
	size_t n_headers;
	struct pager_text_opts opts;
	struct mime_message *msg;    /* results */
	char *header, *body;
	size_t header_len, body_len;
	struct pager_text *pt;
};

static void ui_pager_render_free(void *arg)
{
	struct ui_pager_render *w = arg;

	free(w->data);
	free(w->command);
	free(w->gate);
	for (size_t i = 0; i < w->n_headers; i++)
		free(w->headers[i]);
	free(w->headers);
	mime_message_free(&w->msg);
	free(w->header);
	free(w->body);
	pager_text_free(&w->pt);
	free(w);
}

/* For tests only: with SKUA_TEST_RENDER_GATE naming a file, a rendering waits until the file exists
 * (or the rendering is cancelled), so that the test, not the machine's speed, decides how long it
 * takes (tests/ui/pager-render.sh). */
static void ui_pager_render_gate(const char *path, const atomic_bool *stop)
{
	while (path != NULL && !atomic_load(stop) && access(path, F_OK) != 0)
		poll(NULL, 0, 10);
}

/* The whole of showing a message but drawing it; bounded by MIME_RENDER_MAX_MS and stopped by a
 * cancel (^C). Job thread. */
static void ui_pager_render_run(void *arg, const atomic_bool *stop)
{
	struct ui_pager_render *w = arg;
	struct mime_render_opts opts = { w->command, stop, MIME_RENDER_MAX_MS };
	struct buf out = BUF_INIT;
	size_t off;

	ui_pager_render_gate(w->gate, stop);
	w->header_len = pager_text_body_start(w->data, w->data_len);
	w->header = ui_pager_memdup(w->data, w->header_len);
	w->msg = mime_message_parse(w->data, w->data_len);
	mime_message_render(w->msg, &opts, &out);
	off = pager_text_body_start(out.data != NULL ? out.data : "", out.len);
	w->body_len = out.len - off;
	w->body = ui_pager_memdup(out.data != NULL ? out.data + off : "", w->body_len);
	buf_free(&out);
	w->opts.stop = stop;
	w->pt = pager_text_layout(w->header, w->header_len, w->body, w->body_len, &w->opts);
}

static void ui_pager_render_done(struct ui_app *app, void *owner, void *arg)
{
	struct ui_view *view = owner;
	struct ui_pager *p = view->data;
	struct ui_pager_render *w = arg;
	enum ui_pager_pending pending = p->pending;

	p->job = NULL;
	if (p->state != UI_PAGER_RENDERING)
		return;
	p->msg = w->msg;
	p->header = w->header;
	p->header_len = w->header_len;
	w->msg = NULL;
	w->header = NULL;
	ui_doc_adopt(app, &p->doc, ui_pager_memdup(p->header, p->header_len), p->header_len, w->body, w->body_len,
		     w->pt, w->opts.width, w->opts.all_headers);
	w->body = NULL;
	w->pt = NULL;
	p->state = UI_PAGER_READY;
	p->pending = UI_PAGER_PENDING_NONE;
	if (pending == UI_PAGER_PENDING_ATTACH)
		ui_attach_open(app, p);
	else if (pending == UI_PAGER_PENDING_URLS)
		ui_urls_open(app, &p->doc, &p->ref);
	ui_dirty(app);
}

/* The body is here: render it off the UI thread (a message may cost what nobody measured yet). */
static void ui_pager_loaded(struct ui_app *app, struct ui_pager *p, const char *data, size_t len)
{
	const char *html = app->cfg != NULL ? app->cfg->html_command : NULL, *gate = getenv("SKUA_TEST_RENDER_GATE");
	struct ui_pager_render *w = xcalloc(1, sizeof(*w));
	const char *error;

	w->data = ui_pager_memdup(data, len);
	w->data_len = len;
	w->command = html != NULL && html[0] != '\0' ? xstrdup(html) : NULL;
	w->gate = gate != NULL && gate[0] != '\0' ? xstrdup(gate) : NULL;
	w->headers = xcalloc(p->n_headers + 1, sizeof(*w->headers));
	for (size_t i = 0; i < p->n_headers; i++)
		w->headers[i] = xstrdup(p->headers[i]);
	w->n_headers = p->n_headers;
	w->opts.width = app->cols > 0 ? (size_t)app->cols : 80;
	w->opts.headers = (const char *const *)w->headers;
	w->opts.n_headers = w->n_headers;
	w->opts.all_headers = p->doc.all_headers;
	p->job = ui_job_start(app, p->view, ui_pager_render_run, ui_pager_render_done, ui_pager_render_free, w,
			      &error);
	if (p->job == NULL) {
		ui_pager_fail(app, p, error);
		return;
	}
	p->state = UI_PAGER_RENDERING;
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

	if (p->state == UI_PAGER_RENDERING) {
		/* the thread is told to stop and goes on its own */
		ui_job_cancel_owner(app, p->view);
		p->job = NULL;
		ui_pager_fail(app, p, _("Rendering cancelled."));
		return true;
	}
	if (p->state == UI_PAGER_READY && ui_doc_cancel(&p->doc)) {
		ui_message(app, "%s", _("Formatting cancelled; the old layout stays."));
		return true;
	}
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
