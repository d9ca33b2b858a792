/* view-pager.c: the pager: a message fetched by the worker, laid out, coloured, scrolled and searched. */
#include "skua.h"
#include "view-pager.h"
#include "cells.h"
#include "pager-text.h"
#include "ev/ev-loop.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

/* The header fields shown when pager-headers is not set. */
static const char *const ui_pager_default_headers[] = { "Date", "From", "To", "Cc", "Subject" };

static bool ui_pager_is(const char *command, const char *name)
{
	return strcmp(command, name) == 0;
}

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

/* --- documents --- */

static size_t ui_pager_width(const struct ui_app *app)
{
	return app->cols > 0 ? (size_t)app->cols : 80;
}

/* Lays doc out again for the screen's width, keeping the unwrapped line at the top. */
static void ui_pager_doc_layout(struct ui_app *app, struct ui_pager_doc *doc)
{
	const struct ui_pager *p = app->pager;
	struct pager_text_opts opts = { 0 };
	size_t source = 0;

	if (doc->pt != NULL && doc->top < pager_text_count(doc->pt))
		source = pager_text_line(doc->pt, doc->top)->source;
	pager_text_free(&doc->pt);
	opts.width = ui_pager_width(app);
	opts.headers = (const char *const *)p->headers;
	opts.n_headers = p->n_headers;
	opts.all_headers = p->all_headers;
	doc->pt = pager_text_layout(doc->header, doc->header_len, doc->body != NULL ? doc->body : "", doc->body_len,
				    &opts);
	doc->width = opts.width;
	doc->top = pager_text_count(doc->pt) > 0 ? pager_text_find_source(doc->pt, source) : 0;
	doc->have_match = false;
}

static void ui_pager_doc_clear(struct ui_pager_doc *doc)
{
	pager_text_free(&doc->pt);
	free(doc->header);
	free(doc->body);
	memset(doc, 0, sizeof(*doc));
}

void ui_pager_doc_set(struct ui_app *app, struct ui_pager_doc *doc, char *header, size_t header_len, char *body,
		      size_t body_len)
{
	ui_pager_doc_clear(doc);
	doc->header = header;
	doc->header_len = header != NULL ? header_len : 0;
	doc->body = body;
	doc->body_len = body != NULL ? body_len : 0;
	ui_pager_doc_layout(app, doc);
	doc->top = 0;
}

struct ui_pager_doc *ui_pager_current_doc(struct ui_pager *p)
{
	if (p->mode == UI_PAGER_PART || (p->mode == UI_PAGER_URLS && p->urls_back == UI_PAGER_PART))
		return &p->partdoc;
	return &p->msgdoc;
}

static size_t ui_pager_doc_count(const struct ui_pager_doc *doc)
{
	return doc->pt != NULL ? pager_text_count(doc->pt) : 0;
}

static size_t ui_pager_max_top(const struct ui_pager *p, const struct ui_pager_doc *doc)
{
	size_t count = ui_pager_doc_count(doc), rows = p->rows > 0 ? (size_t)p->rows : 1;

	return count > rows ? count - rows : 0;
}

void ui_pager_part_show(struct ui_app *app, const char *title, char *text, size_t len)
{
	struct ui_pager *p = app->pager;

	ui_pager_doc_set(app, &p->partdoc, NULL, 0, text, len);
	free(p->part_title);
	p->part_title = xstrdup(title);
	p->mode = UI_PAGER_PART;
	app->dirty = true;
}

/* --- jobs: work off the UI thread --- */

struct ui_pager_job *ui_pager_job_new(ui_pager_job_fn *run, ui_pager_job_done_fn *done)
{
	struct ui_pager_job *job = xcalloc(1, sizeof(*job));

	job->run = run;
	job->done = done;
	job->fds[0] = job->fds[1] = -1;
	pthread_mutex_init(&job->lock, NULL);
	return job;
}

static void ui_pager_job_remove_tmp(struct ui_pager_job *job)
{
	if (job->tmp_path != NULL)
		unlink(job->tmp_path);
	if (job->tmp_dir != NULL)
		rmdir(job->tmp_dir);
	free(job->tmp_path);
	free(job->tmp_dir);
	job->tmp_path = job->tmp_dir = NULL;
}

void ui_pager_job_free(struct ui_pager_job **jobp)
{
	struct ui_pager_job *job = *jobp;

	if (job == NULL)
		return;
	ui_pager_job_remove_tmp(job);
	for (int i = 0; i < 2; i++)
		if (job->fds[i] >= 0)
			close(job->fds[i]);
	pthread_mutex_destroy(&job->lock);
	free(job->data);
	free(job->command);
	free(job->title);
	free(job->error);
	buf_free(&job->out);
	free(job);
	*jobp = NULL;
}

static void *ui_pager_job_main(void *arg)
{
	struct ui_pager_job *job = arg;
	bool abandoned;
	ssize_t r;

	ev_signal_block_in_thread();
	job->run(job);
	ui_pager_job_remove_tmp(job);
	pthread_mutex_lock(&job->lock);
	job->finished = true;
	abandoned = job->abandoned;
	if (!abandoned) {
		do
			r = write(job->fds[1], "", 1);
		while (r < 0 && errno == EINTR);
	}
	pthread_mutex_unlock(&job->lock);
	/* nobody waits for an abandoned job: it is ours to free */
	if (abandoned)
		ui_pager_job_free(&job);
	return NULL;
}

static void ui_pager_job_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct ui_app *app = ctx;
	struct ui_pager *p = app->pager;
	struct ui_pager_job *job;
	bool finished;

	(void)loop;
	(void)io;
	(void)fd;
	(void)revents;
	if (p == NULL || p->job == NULL)
		return;
	job = p->job;
	pthread_mutex_lock(&job->lock);
	finished = job->finished;
	pthread_mutex_unlock(&job->lock);
	if (!finished)
		return;
	ev_io_remove(&p->job_io);
	pthread_join(job->thread, NULL);
	p->job = NULL;
	job->done(app, job);
	ui_pager_job_free(&job);
	app->dirty = true;
}

bool ui_pager_job_start(struct ui_app *app, struct ui_pager_job *job)
{
	struct ui_pager *p = app->pager;
	int err;

	if (p == NULL || p->job != NULL) {
		ui_error(app, "%s", _("Still busy with the last command."));
		ui_pager_job_free(&job);
		return false;
	}
	if (pipe2(job->fds, O_CLOEXEC) < 0) {
		ui_error(app, _("Cannot start: %s"), strerror(errno));
		ui_pager_job_free(&job);
		return false;
	}
	err = pthread_create(&job->thread, NULL, ui_pager_job_main, job);
	if (err != 0) {
		ui_error(app, _("Cannot start: %s"), strerror(err));
		ui_pager_job_free(&job);
		return false;
	}
	p->job = job;
	p->job_io = ev_io_add(app->loop, job->fds[0], EV_READ, ui_pager_job_cb, app);
	return true;
}

/* Lets a running job finish on its own (it frees itself); a finished one is freed here. */
static void ui_pager_job_abandon(struct ui_app *app, struct ui_pager *p)
{
	struct ui_pager_job *job = p->job;
	pthread_t thread;

	if (job == NULL)
		return;
	/* at shutdown the loop may be gone, and its handles with it */
	if (app->loop != NULL)
		ev_io_remove(&p->job_io);
	p->job_io = NULL;
	p->job = NULL;
	pthread_mutex_lock(&job->lock);
	if (job->finished) {
		pthread_mutex_unlock(&job->lock);
		pthread_join(job->thread, NULL);
		ui_pager_job_free(&job);
		return;
	}
	thread = job->thread;
	close(job->fds[0]);
	job->fds[0] = -1;
	job->abandoned = true;
	pthread_mutex_unlock(&job->lock);
	pthread_detach(thread);
}

/* --- running a program on the terminal --- */

int ui_pager_run_foreground(struct ui_app *app, const char *const *argv, const char *stdin_path,
			    const char **error_r)
{
	struct sigaction ign, old_int, old_quit, dfl;
	int status = 0, in_fd = -1, err_pipe[2], exec_errno = 0, e = 0;
	sigset_t none;
	pid_t pid;
	ssize_t r;

	if (stdin_path != NULL && (in_fd = open(stdin_path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		*error_r = errstr("%s: %s", stdin_path, strerror(errno));
		return -1;
	}
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		*error_r = errstr(_("cannot run %s: %s"), argv[0], strerror(errno));
		if (in_fd >= 0)
			close(in_fd);
		return -1;
	}
	/* as mutt does: leave curses mode, run it on the terminal, come back */
	def_prog_mode();
	endwin();
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	dfl = ign;
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigemptyset(&none);
	pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls until exec */
		sigprocmask(SIG_SETMASK, &none, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGQUIT, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(err_pipe[1], &e, sizeof(e)) < 0) {
			/* the exit status says enough */
		}
		_exit(127);
	}
	if (pid < 0)
		e = errno;
	close(err_pipe[1]);
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				e = errno;
				break;
			}
		}
		do
			r = read(err_pipe[0], &exec_errno, sizeof(exec_errno));
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof(exec_errno))
			exec_errno = 0;
	}
	close(err_pipe[0]);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (in_fd >= 0)
		close(in_fd);
	reset_prog_mode();
	clearok(curscr, TRUE);
	app->dirty = true;

	if (pid < 0 || e != 0 || exec_errno != 0) {
		*error_r = errstr(_("cannot run %s: %s"), argv[0], strerror(exec_errno != 0 ? exec_errno : e));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		*error_r = errstr(_("%s was killed by signal %d"), argv[0], WTERMSIG(status));
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
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

	ui_pager_doc_set(app, &p->msgdoc, ui_pager_memdup(p->header, p->header_len), p->header_len,
			 ui_pager_memdup(text + off, out->len - off), out->len - off);
	p->state = UI_PAGER_READY;
	if (p->pending_mode == UI_PAGER_ATTACH)
		ui_pager_attach_open(app);
	else if (p->pending_mode == UI_PAGER_URLS)
		ui_pager_urls_open(app);
	p->pending_mode = UI_PAGER_MESSAGE;
	app->dirty = true;
}

static void ui_pager_render_run(struct ui_pager_job *job)
{
	struct mime_message *msg = mime_message_parse(job->data, job->data_len);
	struct mime_render_opts opts = { job->command };

	mime_message_render(msg, &opts, &job->out);
	mime_message_free(&msg);
}

static void ui_pager_render_done(struct ui_app *app, struct ui_pager_job *job)
{
	struct ui_pager *p = app->pager;

	if (p != NULL && p->state == UI_PAGER_RENDERING)
		ui_pager_rendered(app, p, &job->out);
}

static void ui_pager_loaded(struct ui_app *app, struct ui_pager *p, const char *data, size_t len)
{
	const char *html = app->cfg != NULL ? app->cfg->html_command : NULL;
	struct mime_render_opts opts = { NULL };
	struct buf out = BUF_INIT;

	p->msg = mime_message_parse(data, len);
	p->header_len = pager_text_body_start(data, len);
	p->header = ui_pager_memdup(data, p->header_len);
	if (html != NULL && html[0] != '\0') {
		/* an external converter may take its time: never on the UI thread */
		struct ui_pager_job *job = ui_pager_job_new(ui_pager_render_run, ui_pager_render_done);
		job->data = ui_pager_memdup(data, len);
		job->data_len = len;
		job->command = xstrdup(html);
		if (ui_pager_job_start(app, job)) {
			p->state = UI_PAGER_RENDERING;
			return;
		}
	}
	mime_message_render(p->msg, &opts, &out);
	ui_pager_rendered(app, p, &out);
	buf_free(&out);
}

/* Marks the message shown read unless it is. */
static void ui_pager_mark_read(struct ui_app *app, const struct ui_pager *p)
{
	const struct mindex_msg *m;
	size_t pos;

	if (mindex_find(app->idx, p->uid, &pos) && (m = mindex_get(app->idx, pos)) != NULL &&
	    !(m->flags & IMAP_FLAG_SEEN))
		ui_flags_change(app, p->uid, IMAP_FLAG_SEEN, 0);
}

bool ui_pager_event(struct ui_app *app, const struct ev_msg *msg)
{
	struct ui_pager *p = app->pager;
	const struct worker_body *body;
	const char *why;

	if (p == NULL || p->req == 0 || msg->request_id != p->req)
		return false;
	app->dirty = true;
	switch (msg->type) {
	case WORKER_EV_BODY:
		body = msg->payload;
		if (body != NULL && p->state == UI_PAGER_LOADING && (uint32_t)msg->a == p->uid)
			ui_pager_loaded(app, p, body->data != NULL ? body->data : "", body->data != NULL ? body->len : 0);
		break;
	case WORKER_EV_DONE:
	case WORKER_EV_ERROR:
	case WORKER_EV_CANCELLED:
		/* the final message: without a body before it, say why */
		p->req = 0;
		if (p->state != UI_PAGER_LOADING) {
			/* read now: \Seen is stored once the body is here (never by the fetch itself, so
			 * that a failed one leaves the message unread) */
			if (msg->type == WORKER_EV_DONE && p->state != UI_PAGER_FAILED)
				ui_pager_mark_read(app, p);
			break;
		}
		if (msg->type == WORKER_EV_DONE)
			why = _("The server sent no message.");
		else if (msg->type == WORKER_EV_CANCELLED)
			why = _("Cancelled.");
		else
			why = msg->payload != NULL ? msg->payload : _("Cannot fetch the message.");
		ui_pager_fail(app, p, why);
		break;
	default:
		break;
	}
	return true;
}

static void ui_pager_free(struct ui_app *app)
{
	struct ui_pager *p = app->pager;

	if (p == NULL)
		return;
	if (p->req != 0 && app->worker != NULL)
		worker_cancel(app->worker, p->req);
	ui_pager_job_abandon(app, p);
	ui_pager_doc_clear(&p->msgdoc);
	ui_pager_doc_clear(&p->partdoc);
	mime_message_free(&p->msg);
	mime_attachments_free(&p->atts, p->n_atts);
	for (size_t i = 0; i < p->n_headers; i++)
		free(p->headers[i]);
	free(p->headers);
	free(p->header);
	free(p->error);
	free(p->part_title);
	free(p->search);
	free(p->save_path);
	free(p);
	app->pager = NULL;
}

void ui_pager_open(struct ui_app *app, const struct mindex_msg *msg)
{
	struct ui_pager *p;

	ui_pager_free(app);
	p = xcalloc(1, sizeof(*p));
	p->uid = msg->uid;
	p->state = UI_PAGER_LOADING;
	p->mode = p->urls_back = p->pending_mode = UI_PAGER_MESSAGE;
	p->rows = app->rows > 3 ? app->rows - 3 : 1;
	ui_pager_headers_init(app, p);
	app->pager = p;
	app->view = UI_VIEW_PAGER;
	app->dirty = true;
	if (app->worker == NULL || app->folder == NULL) {
		ui_pager_fail(app, p, _("No folder is open."));
		return;
	}
	p->req = worker_request(app->worker, WORKER_REQ_BODY, app->folder, msg->uid);
}

void ui_pager_close(struct ui_app *app)
{
	ui_pager_free(app);
	if (app->view == UI_VIEW_PAGER)
		app->view = UI_VIEW_INDEX;
	app->dirty = true;
}

void ui_pager_resize(struct ui_app *app)
{
	struct ui_pager *p = app->pager;

	if (p == NULL)
		return;
	if (p->msgdoc.pt != NULL)
		ui_pager_doc_layout(app, &p->msgdoc);
	if (p->partdoc.pt != NULL)
		ui_pager_doc_layout(app, &p->partdoc);
	app->dirty = true;
}

/* --- drawing --- */

static int ui_pager_line_attr(const struct ui_app *app, const struct pager_text_line *l)
{
	switch (l->kind) {
	case PAGER_TEXT_HEADER:
		return app->attr[UI_C_HEADER];
	case PAGER_TEXT_QUOTED:
		return app->attr[UI_C_QUOTED1 + (l->quote_level > 0 ? (l->quote_level - 1) % 3 : 0)];
	case PAGER_TEXT_SIGNATURE:
		return app->attr[UI_C_SIGNATURE];
	case PAGER_TEXT_MARKER:
		return app->attr[UI_C_MARKER];
	case PAGER_TEXT_BODY:
		break;
	}
	return app->attr[UI_C_NORMAL];
}

static int ui_pager_size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Draws a display line in pieces: header name, links and the search match in their colours. */
static void ui_pager_draw_line(struct ui_app *app, int y, const struct pager_text_line *l,
			       const struct pager_text_match *match)
{
	int base = ui_pager_line_attr(app, l), cols = app->cols, x = 0;
	size_t *cuts = xmalloc((2 * l->n_urls + 5) * sizeof(*cuts)), n = 0;

	cuts[n++] = 0;
	cuts[n++] = l->len;
	if (l->name_len > 0 && l->name_len < l->len)
		cuts[n++] = l->name_len;
	for (size_t i = 0; i < l->n_urls; i++) {
		cuts[n++] = l->urls[i].start < l->len ? l->urls[i].start : l->len;
		cuts[n++] = l->urls[i].end < l->len ? l->urls[i].end : l->len;
	}
	if (match != NULL) {
		cuts[n++] = match->start < l->len ? match->start : l->len;
		cuts[n++] = match->end < l->len ? match->end : l->len;
	}
	qsort(cuts, n, sizeof(*cuts), ui_pager_size_cmp);
	for (size_t i = 0; i + 1 < n && x < cols; i++) {
		size_t a = cuts[i], b = cuts[i + 1], w;
		int attr = base;

		if (a == b)
			continue;
		if (a < l->name_len)
			attr = app->attr[UI_C_HEADER_NAME];
		for (size_t k = 0; k < l->n_urls; k++)
			if (a >= l->urls[k].start && a < l->urls[k].end)
				attr = app->attr[UI_C_URL];
		if (match != NULL && a >= match->start && a < match->end)
			attr = app->attr[UI_C_SEARCH];
		w = cells_width(l->text + a, b - a);
		if (w > (size_t)(cols - x))
			w = (size_t)(cols - x);
		if (w == 0)
			continue;
		ui_draw_text(y, x, (int)w, l->text + a, b - a, attr);
		x += (int)w;
	}
	if (x < cols)
		ui_draw_text(y, x, cols - x, "", 0, base);
	free(cuts);
}

void ui_pager_draw_row(struct ui_app *app, int y, const char *text, size_t len, bool selected)
{
	ui_draw_text(y, 0, app->cols, text, len, app->attr[selected ? UI_C_INDICATOR : UI_C_NORMAL]);
}

static void ui_pager_draw_blank(struct ui_app *app, int top, int from, int rows)
{
	for (int r = from; r < rows; r++)
		ui_draw_text(top + r, 0, app->cols, "", 0, app->attr[UI_C_NORMAL]);
}

void ui_pager_draw(struct ui_app *app, int top, int rows)
{
	struct ui_pager *p = app->pager;
	struct ui_pager_doc *doc;
	const char *text = NULL;
	char *owned = NULL;
	size_t count, max_top;

	if (p == NULL || rows <= 0) {
		ui_pager_draw_blank(app, top, 0, rows);
		return;
	}
	p->rows = rows;
	if (p->mode == UI_PAGER_ATTACH) {
		ui_pager_attach_draw(app, top, rows);
		return;
	}
	if (p->mode == UI_PAGER_URLS) {
		ui_pager_urls_draw(app, top, rows);
		return;
	}
	if (p->mode == UI_PAGER_MESSAGE && p->state != UI_PAGER_READY) {
		if (p->state == UI_PAGER_FAILED)
			text = p->error;
		else
			text = owned = xasprintf(p->state == UI_PAGER_LOADING ? _("Loading message %u…")
									     : _("Formatting message %u…"),
						 p->uid);
		ui_draw_text(top, 0, app->cols, text, strlen(text),
			     app->attr[p->state == UI_PAGER_FAILED ? UI_C_ERROR : UI_C_MESSAGE]);
		free(owned);
		ui_pager_draw_blank(app, top, 1, rows);
		return;
	}
	doc = ui_pager_current_doc(p);
	if (doc->width != ui_pager_width(app))
		ui_pager_doc_layout(app, doc);
	count = ui_pager_doc_count(doc);
	max_top = ui_pager_max_top(p, doc);
	if (doc->top > max_top)
		doc->top = max_top;
	for (int r = 0; r < rows; r++) {
		size_t i = doc->top + (size_t)r;
		if (i >= count) {
			ui_pager_draw_blank(app, top, r, rows);
			break;
		}
		ui_pager_draw_line(app, top + r, pager_text_line(doc->pt, i),
				   doc->have_match && doc->match.line == i ? &doc->match : NULL);
	}
}

const char *ui_pager_status(struct ui_app *app)
{
	struct ui_pager *p = app->pager;
	const struct ui_pager_doc *doc;
	const struct ui_list *l;
	size_t count, end;

	if (p == NULL)
		return "";
	switch (p->mode) {
	case UI_PAGER_ATTACH:
	case UI_PAGER_URLS:
		l = p->mode == UI_PAGER_ATTACH ? &p->alist : &p->ulist;
		snprintf(p->status, sizeof(p->status),
			 p->mode == UI_PAGER_ATTACH ? _("UID %u — attachment %zu/%zu") : _("UID %u — link %zu/%zu"),
			 p->uid, l->count > 0 ? l->cur + 1 : 0, l->count);
		return p->status;
	case UI_PAGER_MESSAGE:
		if (p->state == UI_PAGER_LOADING || p->state == UI_PAGER_RENDERING) {
			snprintf(p->status, sizeof(p->status), _("UID %u — loading…"), p->uid);
			return p->status;
		}
		if (p->state == UI_PAGER_FAILED) {
			snprintf(p->status, sizeof(p->status), _("UID %u — not shown"), p->uid);
			return p->status;
		}
		break;
	case UI_PAGER_PART:
		break;
	}
	doc = ui_pager_current_doc(p);
	count = ui_pager_doc_count(doc);
	end = doc->top + (size_t)(p->rows > 0 ? p->rows : 1);
	if (end > count)
		end = count;
	if (p->mode == UI_PAGER_PART)
		snprintf(p->status, sizeof(p->status), _("UID %u — %s — line %zu/%zu — %zu%%"), p->uid,
			 p->part_title != NULL ? p->part_title : "", count > 0 ? doc->top + 1 : 0, count,
			 count > 0 ? end * 100 / count : 100);
	else
		snprintf(p->status, sizeof(p->status), _("UID %u — line %zu/%zu — %zu%%"), p->uid,
			 count > 0 ? doc->top + 1 : 0, count, count > 0 ? end * 100 / count : 100);
	return p->status;
}

/* --- searching --- */

/* Finds the next (or first) match of the pattern and scrolls to it. */
static void ui_pager_search_go(struct ui_app *app, struct ui_pager *p, bool from_match, bool backward)
{
	struct ui_pager_doc *doc = ui_pager_current_doc(p);
	size_t rows = p->rows > 0 ? (size_t)p->rows : 1, line = doc->top, off = 0, max_top;
	struct pager_text_match m;
	bool wrapped = false;

	if (doc->pt == NULL || p->search == NULL)
		return;
	if (from_match && doc->have_match && doc->match.line >= doc->top && doc->match.line < doc->top + rows) {
		line = doc->match.line;
		off = backward ? doc->match.start : doc->match.end;
	}
	if (!pager_text_search(doc->pt, p->search, line, off, backward, true, &m, &wrapped)) {
		doc->have_match = false;
		ui_error(app, _("Not found: %s"), p->search);
		return;
	}
	doc->match = m;
	doc->have_match = true;
	if (m.line < doc->top || m.line >= doc->top + rows) {
		max_top = ui_pager_max_top(p, doc);
		doc->top = m.line < max_top ? m.line : max_top;
	}
	if (wrapped)
		ui_message(app, "%s", backward ? _("Search wrapped to the bottom.") : _("Search wrapped to the top."));
	app->dirty = true;
}

static void ui_pager_search_done(struct ui_app *app, const char *text, bool backward)
{
	struct ui_pager *p = app->pager;

	if (p == NULL)
		return;
	if (text[0] != '\0') {
		free(p->search);
		p->search = xstrdup(text);
	} else if (p->search == NULL) {
		return;
	}
	p->search_backward = backward;
	ui_pager_search_go(app, p, false, backward);
}

static void ui_pager_search_forward_done(struct ui_app *app, const char *text, void *ctx)
{
	(void)ctx;
	ui_pager_search_done(app, text, false);
}

static void ui_pager_search_backward_done(struct ui_app *app, const char *text, void *ctx)
{
	(void)ctx;
	ui_pager_search_done(app, text, true);
}

/* The search commands in a text view. Returns false for other commands. */
static bool ui_pager_search_command(struct ui_app *app, struct ui_pager *p, const char *c)
{
	if (ui_pager_is(c, "search")) {
		ui_prompt_open(app, _("Search for: "), NULL, ui_pager_search_forward_done, NULL);
	} else if (ui_pager_is(c, "search-reverse")) {
		ui_prompt_open(app, _("Reverse search for: "), NULL, ui_pager_search_backward_done, NULL);
	} else if (ui_pager_is(c, "search-next") || ui_pager_is(c, "search-opposite")) {
		if (p->search == NULL)
			ui_error(app, "%s", _("No search pattern."));
		else
			ui_pager_search_go(app, p, true, p->search_backward != ui_pager_is(c, "search-opposite"));
	} else {
		return false;
	}
	return true;
}

/* --- commands --- */

/* Scrolling commands in a text view. Returns false for other commands. */
static bool ui_pager_scroll_command(struct ui_app *app, struct ui_pager *p, const char *c)
{
	struct ui_pager_doc *doc = ui_pager_current_doc(p);
	size_t rows = p->rows > 0 ? (size_t)p->rows : 1, half = rows / 2 > 0 ? rows / 2 : 1;
	size_t max_top = ui_pager_max_top(p, doc), top = doc->top;

	if (ui_pager_is(c, "next-line"))
		top++;
	else if (ui_pager_is(c, "previous-line"))
		top = top > 0 ? top - 1 : 0;
	else if (ui_pager_is(c, "next-page"))
		top += rows;
	else if (ui_pager_is(c, "previous-page"))
		top = top > rows ? top - rows : 0;
	else if (ui_pager_is(c, "half-down"))
		top += half;
	else if (ui_pager_is(c, "half-up"))
		top = top > half ? top - half : 0;
	else if (ui_pager_is(c, "top") || ui_pager_is(c, "first-entry"))
		top = 0;
	else if (ui_pager_is(c, "bottom") || ui_pager_is(c, "last-entry"))
		top = max_top;
	else
		return false;
	doc->top = top < max_top ? top : max_top;
	app->dirty = true;
	return true;
}

/* Commands that mean nothing in a text view but belong to it (not passed on to the index). */
static bool ui_pager_ignored(const char *c)
{
	static const char *const names[] = { "select-entry", "top-page", "middle-page", "bottom-page" };

	for (size_t i = 0; i < N_ELEMENTS(names); i++)
		if (ui_pager_is(c, names[i]))
			return true;
	return false;
}

/* Shows all header fields or only the chosen ones, keeping the body line at the top in place. */
static void ui_pager_toggle_weed(struct ui_app *app, struct ui_pager *p)
{
	struct ui_pager_doc *doc = &p->msgdoc;
	size_t count = ui_pager_doc_count(doc), first = pager_text_body_first(doc->pt), rel = 0;
	bool in_body = first < count && doc->top >= first;

	if (in_body)
		rel = pager_text_line(doc->pt, doc->top)->source - pager_text_line(doc->pt, first)->source;
	p->all_headers = !p->all_headers;
	doc->top = 0;
	ui_pager_doc_layout(app, doc);
	count = ui_pager_doc_count(doc);
	first = pager_text_body_first(doc->pt);
	if (in_body && first < count)
		doc->top = pager_text_find_source(doc->pt, pager_text_line(doc->pt, first)->source + rel);
	ui_message(app, "%s", p->all_headers ? _("Showing all header fields.") : _("Showing the chosen header fields."));
}

static void ui_pager_step(struct ui_app *app, int dir)
{
	const struct mindex_msg *m;

	if (!ui_index_step(app, dir)) {
		ui_error(app, "%s", dir > 0 ? _("You are on the last message.") : _("You are on the first message."));
		return;
	}
	m = ui_index_current(app);
	if (m != NULL)
		ui_pager_open(app, m);
}

static bool ui_pager_message_command(struct ui_app *app, struct ui_pager *p, const char *c)
{
	if (ui_pager_is(c, "exit")) {
		ui_pager_close(app);
		return true;
	}
	if (ui_pager_is(c, "next-entry") || ui_pager_is(c, "previous-entry")) {
		ui_pager_step(app, ui_pager_is(c, "next-entry") ? 1 : -1);
		return true;
	}
	if (p->state != UI_PAGER_READY) {
		if (ui_pager_is(c, "view-attachments") || ui_pager_is(c, "view-urls")) {
			if (p->state == UI_PAGER_FAILED)
				return true;
			p->pending_mode = ui_pager_is(c, "view-urls") ? UI_PAGER_URLS : UI_PAGER_ATTACH;
			ui_message(app, "%s", _("Loading the message…"));
			return true;
		}
		if (ui_pager_is(c, "display-toggle-weed")) {
			/* taken into account when the text is laid out */
			p->all_headers = !p->all_headers;
			return true;
		}
		/* other text commands wait for the text */
		return ui_pager_scroll_command(app, p, c) || ui_pager_ignored(c) || ui_pager_is(c, "search") ||
		       ui_pager_is(c, "search-reverse") || ui_pager_is(c, "search-next") ||
		       ui_pager_is(c, "search-opposite");
	}
	if (ui_pager_scroll_command(app, p, c) || ui_pager_search_command(app, p, c) || ui_pager_ignored(c))
		return true;
	if (ui_pager_is(c, "display-toggle-weed")) {
		ui_pager_toggle_weed(app, p);
		return true;
	}
	if (ui_pager_is(c, "view-attachments")) {
		ui_pager_attach_open(app);
		return true;
	}
	if (ui_pager_is(c, "view-urls")) {
		ui_pager_urls_open(app);
		return true;
	}
	return false;
}

static bool ui_pager_part_command(struct ui_app *app, struct ui_pager *p, const char *c)
{
	if (ui_pager_is(c, "exit") || ui_pager_is(c, "view-attachments")) {
		ui_pager_doc_clear(&p->partdoc);
		p->mode = UI_PAGER_ATTACH;
		return true;
	}
	if (ui_pager_is(c, "next-entry"))
		c = "next-line";
	else if (ui_pager_is(c, "previous-entry"))
		c = "previous-line";
	if (ui_pager_scroll_command(app, p, c) || ui_pager_search_command(app, p, c) || ui_pager_ignored(c) ||
	    ui_pager_is(c, "display-toggle-weed"))
		return true;
	if (ui_pager_is(c, "view-urls")) {
		ui_pager_urls_open(app);
		return true;
	}
	return false;
}

bool ui_pager_command(struct ui_app *app, const char *command, const char *args)
{
	struct ui_pager *p = app->pager;

	(void)args;
	if (p == NULL)
		return false;
	app->dirty = true;
	switch (p->mode) {
	case UI_PAGER_ATTACH:
		return ui_pager_attach_command(app, command);
	case UI_PAGER_URLS:
		return ui_pager_urls_command(app, command);
	case UI_PAGER_PART:
		return ui_pager_part_command(app, p, command);
	case UI_PAGER_MESSAGE:
		break;
	}
	return ui_pager_message_command(app, p, command);
}

/* --- the lists (attachments, links) --- */

bool ui_pager_list_command(struct ui_app *app, struct ui_list *list, const char *command, bool *select_r)
{
	struct ui_pager *p = app->pager;

	*select_r = false;
	/* The pager's key table applies in its lists too, where <Enter> and <Down> are both next-line:
	 * the key just pressed tells them apart (<Enter> picks the entry, as select-entry does). */
	if (ui_pager_is(command, "select-entry") ||
	    (ui_pager_is(command, "next-line") && app->n_keys == 0 && app->keys[0] == KEYMAP_KEY_ENTER)) {
		*select_r = list->count > 0;
		return true;
	}
	if (ui_list_move(list, command, p->rows)) {
		app->dirty = true;
		return true;
	}
	return false;
}

/* Commands that mean nothing in a list but must not reach the index. */
bool ui_pager_list_ignored(const char *command)
{
	static const char *const names[] = {
		"search", "search-reverse", "search-next", "search-opposite", "display-toggle-weed",
		"view-attachments", "view-urls", "save-message",
	};

	for (size_t i = 0; i < N_ELEMENTS(names); i++)
		if (ui_pager_is(command, names[i]))
			return true;
	return false;
}

void ui_pager_run_report(struct ui_app *app, const char *const *argv, const char *stdin_path)
{
	const char *error;
	int ret = ui_pager_run_foreground(app, argv, stdin_path, &error);

	if (ret < 0)
		ui_error(app, "%s", error);
	else if (ret > 0)
		ui_error(app, _("%s exited with status %d."), argv[0], ret);
}
