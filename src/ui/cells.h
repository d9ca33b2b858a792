/* cells.h: display-width handling of UTF-8 text: sanitising, measuring, cutting and padding to columns. */
#ifndef UI_CELLS_H
#define UI_CELLS_H

#include "skua.h"
#include "lib/buf.h"

/* What the terminal is shown in place of text that could act on it (every function below applies
 * these rules to its input, so any bytes may be passed):
 *   - C0 controls and DEL: caret notation, two columns ("^[" for ESC, "^?" for DEL), so an escape
 *     sequence (CSI, OSC, DCS) shows as inert text such as "^[[31m"; tab, LF and CR: one space
 *     (CELLS_TABS: a tab expands to the next multiple of 8 columns);
 *   - C1 controls (U+0080-U+009F), bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
 *     U+061C), invalid UTF-8 and code points wcwidth() calls unprintable: U+FFFD, one column;
 *   - zero-width marks (combining marks, ZWJ, variation selectors) stay with the character before
 *     them; more than CELLS_MAX_MARKS in a row are dropped.
 * Widths come from wcwidth() and so from LC_CTYPE, which must be a UTF-8 locale (as ncursesw needs);
 * the UI sets it once at start-up. */
#define CELLS_MAX_MARKS 4

/* flags */
#define CELLS_TABS 0x01      /* expand tabs to 8-column stops (from the start of the text) */
#define CELLS_ELLIPSIS 0x02  /* mark cut text with an ellipsis ("…", or "..." with CELLS_ASCII) */
#define CELLS_ASCII 0x04     /* ASCII ellipsis */
#define CELLS_RIGHT 0x08     /* pad on the left (right-align) */
#define CELLS_KEEP_END 0x10  /* cut from the start instead of the end (paths): "…s/debian" */

#define CELLS_NO_LIMIT ((size_t)-1)

/* True for the bidi controls replaced above (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C).
 * Any thread. */
bool cells_is_bidi_control(uint32_t cp);

/* Appends data[0..len) sanitised as described above (flags: CELLS_TABS or 0). Returns the width in
 * columns of what was appended. Any thread. */
size_t cells_sanitize_append(struct buf *out, const char *data, size_t len, unsigned flags);
/* Returns a malloc'd, NUL-terminated sanitised copy (the caller frees it); *cols_r (may be NULL)
 * gets its width. Any thread. */
char *cells_sanitize(const char *data, size_t len, unsigned flags, size_t *cols_r);

/* Returns the width in columns data[0..len) would take once sanitised. Any thread. */
size_t cells_width(const char *data, size_t len);

/* Reads the next display cluster (one character with the zero-width marks that follow it) of
 * already-sanitised text s[0..len) (len > 0). Returns its length in bytes (>= 1) and stores its width
 * (0, 1 or 2) in *cols_r. Any thread. */
size_t cells_next(const char *s, size_t len, size_t *cols_r);

/* Appends data[0..len) sanitised, cut to at most max_cols columns (CELLS_NO_LIMIT: no cut) and then
 * padded with spaces to at least min_cols columns. A cut never splits a cluster: when a wide
 * character does not fit, a space takes its place, so a cut result is exactly max_cols wide.
 * Flags: CELLS_ELLIPSIS, CELLS_ASCII, CELLS_KEEP_END, CELLS_RIGHT (CELLS_TABS is ignored: tabs are
 * one space here). Returns the width appended. Any thread. */
size_t cells_append(struct buf *out, const char *data, size_t len, size_t min_cols, size_t max_cols,
		    unsigned flags);
/* Returns a malloc'd string exactly `cols` columns wide (cells_append with min = max = cols). Any
 * thread. */
char *cells_fit(const char *data, size_t len, size_t cols, unsigned flags);

#endif
