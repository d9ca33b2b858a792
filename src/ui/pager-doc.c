/* pager-doc.c: a text in a view (the message, a part): layout at the screen's width, drawing with
 * header names, links and the search match in their colours, scrolling, searching. */
#include "skua.h"
#include "ui-int.h"
#include "ui/cells.h"
#include "ui/pager-doc.h"
#include "ui/job.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

static size_t ui_doc_width(const struct ui_app *app)
{
	return app->cols > 0 ? (size_t)app->cols : 80;
}

/* The display line to show at the top of pt (laid out with all_headers) in place of doc's current one:
 * the same unwrapped line, or after a change of weeding the same line of the body. */
static size_t ui_doc_anchor(const struct ui_doc *doc, const struct pager_text *pt, bool all_headers)
{
	size_t count = ui_doc_count(doc), first, rel, new_first;
	const struct pager_text_line *l;

	if (count == 0 || pager_text_count(pt) == 0)
		return 0;
	l = pager_text_line(doc->pt, doc->top < count ? doc->top : count - 1);
	if (all_headers == doc->pt_all_headers)
		return pager_text_find_source(pt, l->source);
	/* the weeding changed: keep the body line, or go to the top from the headers */
	first = pager_text_body_first(doc->pt);
	new_first = pager_text_body_first(pt);
	if (first >= count || doc->top < first || new_first >= pager_text_count(pt))
		return 0;
	rel = l->source - pager_text_line(doc->pt, first)->source;
	return pager_text_find_source(pt, pager_text_line(pt, new_first)->source + rel);
}

/* Shows pt (taken) instead of doc's layout, keeping the place. */
static void ui_doc_install(struct ui_doc *doc, struct pager_text *pt, size_t width, bool all_headers)
{
	size_t top = ui_doc_anchor(doc, pt, all_headers);

	pager_text_free(&doc->pt);
	doc->pt = pt;
	doc->width = width;
	doc->pt_all_headers = all_headers;
	doc->top = top;
	doc->have_match = false;
}

/* A layout off the UI thread: its own copies of the text and the header names. */
struct ui_doc_work {
	char *header, *body;
	size_t header_len, body_len;
	char **headers;
	size_t n_headers;
	struct pager_text_opts opts;
	struct pager_text *pt;
};

static char *ui_doc_memdup(const char *data, size_t len)
{
	char *copy;

	if (data == NULL)
		return NULL;
	copy = xmalloc(len + 1);
	if (len > 0)
		memcpy(copy, data, len);
	copy[len] = '\0';
	return copy;
}

static void ui_doc_work_free(void *arg)
{
	struct ui_doc_work *w = arg;

	for (size_t i = 0; i < w->n_headers; i++)
		free(w->headers[i]);
	free(w->headers);
	free(w->header);
	free(w->body);
	pager_text_free(&w->pt);
	free(w);
}

static void ui_doc_work_run(void *arg, const atomic_bool *stop)
{
	struct ui_doc_work *w = arg;

	w->opts.stop = stop;
	w->pt = pager_text_layout(w->header, w->header_len, w->body != NULL ? w->body : "", w->body_len, &w->opts);
}

static void ui_doc_work_done(struct ui_app *app, void *owner, void *arg)
{
	struct ui_doc *doc = owner;
	struct ui_doc_work *w = arg;

	doc->job = NULL;
	ui_doc_install(doc, w->pt, w->opts.width, w->opts.all_headers);
	w->pt = NULL;
	ui_dirty(app);
}

static void ui_doc_opts(struct ui_app *app, const struct ui_doc *doc, struct pager_text_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->width = ui_doc_width(app);
	opts->headers = doc->headers;
	opts->n_headers = doc->n_headers;
	opts->all_headers = doc->all_headers;
}

/* Starts the layout of doc for opts off the UI thread; false when no thread could start. */
static bool ui_doc_layout_job(struct ui_app *app, struct ui_doc *doc, const struct pager_text_opts *opts)
{
	struct ui_doc_work *w = xcalloc(1, sizeof(*w));
	const char *error;

	w->header = ui_doc_memdup(doc->header, doc->header_len);
	w->header_len = doc->header_len;
	w->body = ui_doc_memdup(doc->body, doc->body_len);
	w->body_len = doc->body_len;
	w->opts = *opts;
	if (doc->headers != NULL && doc->n_headers > 0) {
		w->headers = xcalloc(doc->n_headers, sizeof(*w->headers));
		for (size_t i = 0; i < doc->n_headers; i++)
			w->headers[i] = xstrdup(doc->headers[i]);
		w->n_headers = doc->n_headers;
		w->opts.headers = (const char *const *)w->headers;
	}
	doc->job = ui_job_start(app, doc, ui_doc_work_run, ui_doc_work_done, ui_doc_work_free, w, &error);
	if (doc->job == NULL)
		return false;
	doc->job_width = opts->width;
	doc->job_all_headers = opts->all_headers;
	return true;
}

void ui_doc_layout(struct ui_app *app, struct ui_doc *doc)
{
	struct pager_text_opts opts;

	doc->app = app;
	ui_doc_opts(app, doc, &opts);
	if (doc->job != NULL) {
		if (doc->job_width == opts.width && doc->job_all_headers == opts.all_headers)
			return; /* already on its way */
		ui_doc_cancel(doc);
	}
	if (doc->header_len + doc->body_len >= UI_DOC_SYNC_BYTES && ui_doc_layout_job(app, doc, &opts))
		return;
	ui_doc_install(doc, pager_text_layout(doc->header, doc->header_len, doc->body != NULL ? doc->body : "",
					      doc->body_len, &opts),
		       opts.width, opts.all_headers);
}

bool ui_doc_busy(const struct ui_doc *doc)
{
	return doc->job != NULL;
}

bool ui_doc_cancel(struct ui_doc *doc)
{
	if (doc->job == NULL)
		return false;
	ui_job_cancel_owner(doc->app, doc);
	doc->job = NULL;
	return true;
}

void ui_doc_clear(struct ui_doc *doc)
{
	ui_doc_cancel(doc);
	pager_text_free(&doc->pt);
	free(doc->header);
	free(doc->body);
	free(doc->search);
	doc->header = doc->body = doc->search = NULL;
	doc->header_len = doc->body_len = 0;
	doc->width = doc->top = 0;
	doc->have_match = false;
}

/* Takes the text of a doc just cleared. */
static void ui_doc_take(struct ui_app *app, struct ui_doc *doc, char *header, size_t header_len, char *body,
			size_t body_len)
{
	doc->app = app;
	doc->header = header;
	doc->header_len = header != NULL ? header_len : 0;
	doc->body = body;
	doc->body_len = body != NULL ? body_len : 0;
	doc->top = 0;
}

void ui_doc_set(struct ui_app *app, struct ui_doc *doc, char *header, size_t header_len, char *body, size_t body_len)
{
	ui_doc_clear(doc);
	ui_doc_take(app, doc, header, header_len, body, body_len);
	ui_doc_layout(app, doc);
}

void ui_doc_adopt(struct ui_app *app, struct ui_doc *doc, char *header, size_t header_len, char *body,
		  size_t body_len, struct pager_text *pt, size_t width, bool all_headers)
{
	ui_doc_clear(doc);
	ui_doc_take(app, doc, header, header_len, body, body_len);
	ui_doc_install(doc, pt, width, all_headers);
	if (width != ui_doc_width(app) || all_headers != doc->all_headers)
		ui_doc_layout(app, doc);
}

size_t ui_doc_count(const struct ui_doc *doc)
{
	return doc->pt != NULL ? pager_text_count(doc->pt) : 0;
}

static size_t ui_doc_rows(const struct ui_doc *doc)
{
	return doc->rows > 0 ? (size_t)doc->rows : 1;
}

static size_t ui_doc_max_top(const struct ui_doc *doc)
{
	size_t count = ui_doc_count(doc), rows = ui_doc_rows(doc);

	return count > rows ? count - rows : 0;
}

/* --- drawing --- */

static int ui_doc_line_attr(const struct ui_app *app, const struct pager_text_line *l)
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

static int ui_doc_size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Draws a display line in pieces: header name, links and the search match in their colours. */
static void ui_doc_draw_line(struct ui_app *app, int y, const struct pager_text_line *l,
			     const struct pager_text_match *match)
{
	int base = ui_doc_line_attr(app, l), cols = app->cols, x = 0;
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
	qsort(cuts, n, sizeof(*cuts), ui_doc_size_cmp);
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

void ui_doc_draw(struct ui_app *app, struct ui_doc *doc, int top, int rows)
{
	size_t count, max_top;

	doc->rows = rows;
	if (doc->width != ui_doc_width(app) || doc->pt == NULL)
		ui_doc_layout(app, doc);
	count = ui_doc_count(doc);
	if (doc->pt == NULL && doc->job != NULL) {
		/* the first layout is on its way */
		const char *text = _("Formatting…");
		ui_draw_text(top, 0, app->cols, text, strlen(text), app->attr[UI_C_MESSAGE]);
		top++;
		rows--;
	}
	max_top = ui_doc_max_top(doc);
	if (doc->top > max_top)
		doc->top = max_top;
	for (int r = 0; r < rows; r++) {
		size_t i = doc->top + (size_t)r;
		if (i >= count) {
			ui_draw_text(top + r, 0, app->cols, "", 0, app->attr[UI_C_NORMAL]);
			continue;
		}
		ui_doc_draw_line(app, top + r, pager_text_line(doc->pt, i),
				 doc->have_match && doc->match.line == i ? &doc->match : NULL);
	}
}

void ui_doc_position(const struct ui_doc *doc, size_t *line_r, size_t *count_r, size_t *percent_r)
{
	size_t count = ui_doc_count(doc), end = doc->top + ui_doc_rows(doc);

	if (end > count)
		end = count;
	*line_r = count > 0 ? doc->top + 1 : 0;
	*count_r = count;
	*percent_r = count > 0 ? end * 100 / count : 100;
}

/* --- scrolling --- */

void ui_doc_move(struct ui_app *app, struct ui_doc *doc, enum ui_move move)
{
	size_t rows = ui_doc_rows(doc), half = rows / 2 > 0 ? rows / 2 : 1;
	size_t max_top = ui_doc_max_top(doc), top = doc->top;

	switch (move) {
	case UI_MOVE_NEXT:
	case UI_MOVE_NEXT_LINE:
		top++;
		break;
	case UI_MOVE_PREV:
	case UI_MOVE_PREV_LINE:
		top = top > 0 ? top - 1 : 0;
		break;
	case UI_MOVE_NEXT_PAGE:
		top += rows;
		break;
	case UI_MOVE_PREV_PAGE:
		top = top > rows ? top - rows : 0;
		break;
	case UI_MOVE_HALF_DOWN:
		top += half;
		break;
	case UI_MOVE_HALF_UP:
		top = top > half ? top - half : 0;
		break;
	case UI_MOVE_TOP:
	case UI_MOVE_FIRST:
		top = 0;
		break;
	case UI_MOVE_BOTTOM:
	case UI_MOVE_LAST:
		top = max_top;
		break;
	case UI_MOVE_TOP_PAGE:
	case UI_MOVE_MIDDLE_PAGE:
	case UI_MOVE_BOTTOM_PAGE:
		return; /* a text has no cursor */
	}
	doc->top = top < max_top ? top : max_top;
	ui_dirty(app);
}

/* --- searching --- */

/* Finds the next (or first) match of the pattern and scrolls to it. */
static void ui_doc_search_go(struct ui_app *app, struct ui_doc *doc, bool from_match, bool backward)
{
	size_t rows = ui_doc_rows(doc), line = doc->top, off = 0, max_top;
	struct pager_text_match m;
	bool wrapped = false;

	if (doc->pt == NULL || doc->search == NULL)
		return;
	if (from_match && doc->have_match && doc->match.line >= doc->top && doc->match.line < doc->top + rows) {
		line = doc->match.line;
		off = backward ? doc->match.start : doc->match.end;
	}
	if (!pager_text_search(doc->pt, doc->search, line, off, backward, true, &m, &wrapped)) {
		doc->have_match = false;
		ui_error(app, _("Not found: %s"), doc->search);
		return;
	}
	doc->match = m;
	doc->have_match = true;
	if (m.line < doc->top || m.line >= doc->top + rows) {
		max_top = ui_doc_max_top(doc);
		doc->top = m.line < max_top ? m.line : max_top;
	}
	if (wrapped)
		ui_message(app, "%s", backward ? _("Search wrapped to the bottom.") : _("Search wrapped to the top."));
	ui_dirty(app);
}

void ui_doc_search(struct ui_app *app, struct ui_doc *doc, const char *text, enum ui_search how)
{
	if (how == UI_SEARCH_NEXT || how == UI_SEARCH_OPPOSITE) {
		if (doc->search == NULL)
			ui_error(app, "%s", _("No search pattern."));
		else
			ui_doc_search_go(app, doc, true, doc->search_backward != (how == UI_SEARCH_OPPOSITE));
		return;
	}
	if (text != NULL && text[0] != '\0') {
		free(doc->search);
		doc->search = xstrdup(text);
	} else if (doc->search == NULL) {
		return;
	}
	doc->search_backward = how == UI_SEARCH_BACKWARD;
	ui_doc_search_go(app, doc, false, doc->search_backward);
}

void ui_doc_toggle_weed(struct ui_app *app, struct ui_doc *doc)
{
	doc->all_headers = !doc->all_headers;
	ui_doc_layout(app, doc);
	ui_dirty(app);
}
