/* pager-doc.c: a text in a view (the message, a part): layout at the screen's width, drawing with
 * header names, links and the search match in their colours, scrolling, searching. */
#include "skua.h"
#include "ui-int.h"
#include "ui/cells.h"
#include "ui/pager-doc.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

static size_t ui_doc_width(const struct ui_app *app)
{
	return app->cols > 0 ? (size_t)app->cols : 80;
}

void ui_doc_layout(struct ui_app *app, struct ui_doc *doc)
{
	struct pager_text_opts opts = { 0 };
	size_t source = 0;

	if (doc->pt != NULL && doc->top < pager_text_count(doc->pt))
		source = pager_text_line(doc->pt, doc->top)->source;
	pager_text_free(&doc->pt);
	opts.width = ui_doc_width(app);
	opts.headers = doc->headers;
	opts.n_headers = doc->n_headers;
	opts.all_headers = doc->all_headers;
	doc->pt = pager_text_layout(doc->header, doc->header_len, doc->body != NULL ? doc->body : "", doc->body_len,
				    &opts);
	doc->width = opts.width;
	doc->top = pager_text_count(doc->pt) > 0 ? pager_text_find_source(doc->pt, source) : 0;
	doc->have_match = false;
}

void ui_doc_clear(struct ui_doc *doc)
{
	pager_text_free(&doc->pt);
	free(doc->header);
	free(doc->body);
	free(doc->search);
	doc->header = doc->body = doc->search = NULL;
	doc->header_len = doc->body_len = 0;
	doc->width = doc->top = 0;
	doc->have_match = false;
}

void ui_doc_set(struct ui_app *app, struct ui_doc *doc, char *header, size_t header_len, char *body, size_t body_len)
{
	ui_doc_clear(doc);
	doc->header = header;
	doc->header_len = header != NULL ? header_len : 0;
	doc->body = body;
	doc->body_len = body != NULL ? body_len : 0;
	ui_doc_layout(app, doc);
	doc->top = 0;
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
	if (doc->width != ui_doc_width(app))
		ui_doc_layout(app, doc);
	count = ui_doc_count(doc);
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
	size_t count = ui_doc_count(doc), first = pager_text_body_first(doc->pt), rel = 0;
	bool in_body = first < count && doc->top >= first;

	if (in_body)
		rel = pager_text_line(doc->pt, doc->top)->source - pager_text_line(doc->pt, first)->source;
	doc->all_headers = !doc->all_headers;
	doc->top = 0;
	ui_doc_layout(app, doc);
	count = ui_doc_count(doc);
	first = pager_text_body_first(doc->pt);
	if (in_body && first < count)
		doc->top = pager_text_find_source(doc->pt, pager_text_line(doc->pt, first)->source + rel);
	ui_dirty(app);
}
