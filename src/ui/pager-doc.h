/* pager-doc.h: a text shown by a view (a message, a part): its layout for the screen's width, scroll
 * position, search and drawing. UI thread. */
#ifndef UI_PAGER_DOC_H
#define UI_PAGER_DOC_H

#include "skua.h"
#include "lib/buf.h"
#include "ui/list.h"
#include "ui/pager-text.h"

struct ui_app;
struct ui_job;

/* A text at least this long (header and body, bytes) is laid out off the UI thread: below it a
 * layout takes well under a millisecond. */
#define UI_DOC_SYNC_BYTES (128 * 1024)

struct ui_doc {
	char *header;        /* raw header block, or NULL */
	size_t header_len;
	char *body;          /* decoded text (sanitised again by the layout) */
	size_t body_len;
	const char *const *headers; /* the header names shown when weeded (borrowed), and how many */
	size_t n_headers;
	bool all_headers;    /* weeding off */
	struct pager_text *pt;
	size_t width;        /* the width pt was laid out for */
	bool pt_all_headers; /* the weeding pt was laid out with */
	struct ui_app *app;  /* whose jobs the layout runs as (set with the text) */
	struct ui_job *job;  /* a layout running off the UI thread (pt stays shown meanwhile), or NULL */
	size_t job_width;    /* what that layout is for */
	bool job_all_headers;
	size_t top;          /* first display line shown */
	int rows;            /* rows drawn last (the page) */
	bool have_match;
	struct pager_text_match match;
	char *search;        /* the last pattern, or NULL */
	bool search_backward;
};

/* Replaces doc's text (taking header and body, either may be NULL) and lays it out at the screen's
 * width from the top (off the UI thread from UI_DOC_SYNC_BYTES on: nothing is shown until it is
 * done). UI thread. */
void ui_doc_set(struct ui_app *app, struct ui_doc *doc, char *header, size_t header_len, char *body, size_t body_len);
/* Replaces doc's text as ui_doc_set does, with pt (taken) its layout made elsewhere for width and
 * all_headers; laid out again when the screen or the weeding changed since. UI thread. */
void ui_doc_adopt(struct ui_app *app, struct ui_doc *doc, char *header, size_t header_len, char *body,
		  size_t body_len, struct pager_text *pt, size_t width, bool all_headers);
/* Lays doc out again (new width, weeding), keeping the unwrapped line at the top (or, when the weeding
 * changed, the body line). From UI_DOC_SYNC_BYTES on the layout runs off the UI thread and the old one
 * stays shown until it is done. UI thread. */
void ui_doc_layout(struct ui_app *app, struct ui_doc *doc);
/* Whether a layout runs off the UI thread. */
bool ui_doc_busy(const struct ui_doc *doc);
/* Stops a layout running off the UI thread (the old one stays). Returns whether there was one. */
bool ui_doc_cancel(struct ui_doc *doc);
/* Frees what doc holds and stops its layout (the layout options stay). UI thread. */
void ui_doc_clear(struct ui_doc *doc);
/* Display lines. */
size_t ui_doc_count(const struct ui_doc *doc);
/* Draws rows [top, top + rows) of the screen (and remembers rows as the page). */
void ui_doc_draw(struct ui_app *app, struct ui_doc *doc, int top, int rows);
/* Scrolls (next-line, next-page, top...); NEXT/PREV scroll a line; the page positions do nothing. */
void ui_doc_move(struct ui_app *app, struct ui_doc *doc, enum ui_move move);
/* Searches the text (a new pattern, or the last one again when text is NULL or empty). */
void ui_doc_search(struct ui_app *app, struct ui_doc *doc, const char *text, enum ui_search how);
/* Shows all header fields or the chosen ones, keeping the body line at the top in place. */
void ui_doc_toggle_weed(struct ui_app *app, struct ui_doc *doc);
/* The first line shown (1-based, 0 when empty), the line count and the percentage shown. */
void ui_doc_position(const struct ui_doc *doc, size_t *line_r, size_t *count_r, size_t *percent_r);

#endif
