/* pager-text.h: laying out a message for the pager: headers, quotes, signature, wrapping, links, search. */
#ifndef UI_PAGER_TEXT_H
#define UI_PAGER_TEXT_H

#include "skua.h"

#include <stdatomic.h>

/* Named limits. */
#define PAGER_TEXT_MAX_URLS 10000  /* links listed (and highlighted) per message */
/* Display lines of one layout; a marker line after them says the rest is not shown. A display line
 * costs about 80 bytes whatever its length, so a message of newlines would cost 80 times its size
 * without it; at the limit, about 80 MB. */
#define PAGER_TEXT_MAX_LINES 1000000

enum pager_text_kind {
	PAGER_TEXT_HEADER,    /* a header field: "Name: value" */
	PAGER_TEXT_BODY,      /* body text (and the blank line after the headers) */
	PAGER_TEXT_QUOTED,    /* body text with quote_level >= 1 */
	PAGER_TEXT_SIGNATURE, /* from a "-- " line to the end of its part */
	PAGER_TEXT_MARKER,    /* a "[-- ... --]" line mime_message_render writes for attachments, notes */
};

/* A link in a display line: bytes [start, end) of its text; url indexes pager_text_urls(). A link
 * wrapped over several lines has a span on each. */
struct pager_text_span {
	size_t start, end;
	size_t url;
};

struct pager_text_line {
	const char *text;    /* sanitised UTF-8 (no controls, escapes or bidi marks; tabs expanded),
				NUL-terminated, no newline */
	size_t len;          /* bytes */
	size_t cols;         /* display width */
	enum pager_text_kind kind;
	unsigned quote_level;
	size_t name_len;     /* the first line of a header: bytes of "Name:"; else 0 */
	bool continuation;   /* wrapped from the line before */
	size_t source;       /* the unwrapped line it belongs to (headers, blank line, then body) */
	const struct pager_text_span *urls;
	size_t n_urls;
};

struct pager_text_opts {
	size_t width;               /* wrap lines longer than this many columns at word boundaries (a
				       word longer than a line is cut between characters); 0: no wrapping */
	const char *const *headers; /* the header fields shown, in this order (every field of each
				       name, case-insensitive); NULL: From, To, Cc, Date, Subject */
	size_t n_headers;
	bool all_headers;           /* show every field, in the message's order, instead */
	const atomic_bool *stop;    /* when it becomes true (any thread) the layout ends early, keeping
				       the lines it had; NULL: never */
};

struct pager_text;

/* Lays out a message: header_block (raw RFC 5322 header fields, folded and encoded as received;
 * NULL for none; at most MIME_MAX_HEADER_SIZE bytes of it are read) is weeded, unfolded, decoded and
 * shown as "Name: value" lines (the fields shown share one struct mime_header_budget), then a blank
 * line and body (decoded text, e.g. mime_message_render's output from pager_text_body_start on; any
 * bytes are accepted and sanitised). Lines are classified, wrapped to opts->width and their links
 * found; past PAGER_TEXT_MAX_LINES display lines the rest is left out (a marker line says so). Time
 * and memory: linear in the input, whatever it is made of (the link table is keyed afresh for each
 * layout). Returns the layout, which the caller owns (free with pager_text_free).
 * Any thread (it is a pure function of its input). */
struct pager_text *pager_text_layout(const char *header_block, size_t header_len, const char *body,
				     size_t body_len, const struct pager_text_opts *opts);
/* Frees *pt (NULL is fine) and sets it to NULL. */
void pager_text_free(struct pager_text **pt);

/* Returns the number of display lines. */
size_t pager_text_count(const struct pager_text *pt);
/* Returns display line i (< count), borrowed from pt for its lifetime. */
const struct pager_text_line *pager_text_line(const struct pager_text *pt, size_t i);
/* Returns the index of the first display line of the body (count when there is no body). */
size_t pager_text_body_first(const struct pager_text *pt);
/* Returns the first display line of unwrapped line `source` (to keep the place when the width
 * changes), or the last line when source is past the end. O(log lines). */
size_t pager_text_find_source(const struct pager_text *pt, size_t source);

/* Returns the number of distinct links (http://, https://, mailto:, www.) in order of first
 * appearance and sets *urls_r to them (borrowed from pt). A "www." link is given "http://"; each is
 * printable ASCII with no blanks, quotes, backslash or '<' '>' (other bytes are %-encoded), never
 * begins with '-', so it is one safe argv word; pass it to a command as one (not through a shell,
 * where '&' ';' '$' '(' keep their meaning). */
size_t pager_text_urls(const struct pager_text *pt, const char *const **urls_r);

/* Returns the offset just past the first empty line of text (LF or CRLF): where the body of a
 * message or of mime_message_render's output starts; len when there is none. Any thread. */
size_t pager_text_body_start(const char *text, size_t len);

struct pager_text_match {
	size_t line;        /* display line */
	size_t start, end;  /* bytes of its text */
};

/* Searches the display lines for needle (UTF-8), ignoring case (towlower, so the locale's case
 * mapping). Forward: the first match starting at or after byte `offset` of display line `line`;
 * backward: the last match starting before it. With wrap, the search goes on from the other end
 * (*wrapped_r, may be NULL, tells). Returns true and *match_r, or false (also for an empty needle).
 * A match does not run across display lines. Time: the text searched times the needle's length at
 * worst. */
bool pager_text_search(const struct pager_text *pt, const char *needle, size_t line, size_t offset,
		       bool backward, bool wrap, struct pager_text_match *match_r, bool *wrapped_r);

#endif
