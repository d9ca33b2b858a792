/* cells.c: display-width handling of UTF-8 text: sanitising, measuring, cutting and padding to columns. */
#include "skua.h"
#include "cells.h"
#include "lib/charset.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define CELLS_TAB_STOP 8

static const char cells_fffd[] = "\xEF\xBF\xBD";

/* One unit of unsanitised input: the bytes shown for it and their width. */
struct cells_unit {
	const char *rep;  /* into the input, into tmp, or static */
	size_t rep_len;
	size_t cols;      /* 0, 1 or 2 */
	bool tab;
	char tmp[2];
};

bool cells_is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

static void cells_unit_fffd(struct cells_unit *u)
{
	u->rep = cells_fffd;
	u->rep_len = 3;
	u->cols = 1;
}

/* Decodes the unit at s[0..len) (len > 0) into *u. Returns the bytes consumed. */
static size_t cells_unit_read(const char *s, size_t len, struct cells_unit *u)
{
	unsigned char c = (unsigned char)s[0];
	uint32_t cp;
	size_t n;
	int w;

	u->tab = false;
	if (c >= 0x20 && c < 0x7F) {
		u->rep = s;
		u->rep_len = 1;
		u->cols = 1;
		return 1;
	}
	if (c < 0x80) {
		if (c == '\t' || c == '\n' || c == '\r') {
			u->tab = c == '\t';
			u->rep = " ";
			u->rep_len = 1;
			u->cols = 1;
		} else {
			u->tmp[0] = '^';
			u->tmp[1] = c == 0x7F ? '?' : (char)(c + 0x40);
			u->rep = u->tmp;
			u->rep_len = 2;
			u->cols = 2;
		}
		return 1;
	}
	n = charset_utf8_decode(s, len, &cp);
	if (cp == 0xFFFD || cp <= 0x9F || cells_is_bidi_control(cp) || (w = wcwidth((wchar_t)cp)) < 0) {
		cells_unit_fffd(u);
		return n;
	}
	u->rep = s;
	u->rep_len = n;
	u->cols = (size_t)w;
	return n;
}

/* True when data[0..len) is printable ASCII only (nothing to sanitise, one column a byte). */
static bool cells_plain(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c < 0x20 || c >= 0x7F)
			return false;
	}
	return true;
}

size_t cells_sanitize_append(struct buf *out, const char *data, size_t len, unsigned flags)
{
	struct cells_unit u;
	size_t i = 0, cols = 0;
	unsigned marks = 0;

	buf_reserve(out, len);
	while (i < len) {
		/* runs of printable ASCII are copied as they are */
		size_t start = i;
		while (i < len && (unsigned char)data[i] >= 0x20 && (unsigned char)data[i] < 0x7F)
			i++;
		if (i > start) {
			buf_append(out, data + start, i - start);
			cols += i - start;
			marks = 0;
			if (i == len)
				break;
		}
		i += cells_unit_read(data + i, len - i, &u);
		if (u.cols == 0) {
			if (++marks > CELLS_MAX_MARKS)
				continue;
		} else {
			marks = 0;
		}
		if (u.tab && (flags & CELLS_TABS)) {
			size_t next = (cols / CELLS_TAB_STOP + 1) * CELLS_TAB_STOP;
			while (cols < next) {
				buf_append_c(out, ' ');
				cols++;
			}
			continue;
		}
		buf_append(out, u.rep, u.rep_len);
		cols += u.cols;
	}
	return cols;
}

char *cells_sanitize(const char *data, size_t len, unsigned flags, size_t *cols_r)
{
	struct buf b = BUF_INIT;
	size_t cols = cells_sanitize_append(&b, data, len, flags);

	if (cols_r != NULL)
		*cols_r = cols;
	return buf_steal(&b);
}

size_t cells_width(const char *data, size_t len)
{
	struct cells_unit u;
	size_t i = 0, cols = 0;

	while (i < len) {
		unsigned char c = (unsigned char)data[i];
		if (c >= 0x20 && c < 0x7F) {
			cols++;
			i++;
			continue;
		}
		i += cells_unit_read(data + i, len - i, &u);
		cols += u.cols;
	}
	return cols;
}

/* Width of one code point of sanitised text (unprintable ones count 1, as their replacement). */
static size_t cells_cp_width(uint32_t cp)
{
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (size_t)w;
}

size_t cells_next(const char *s, size_t len, size_t *cols_r)
{
	uint32_t cp;
	size_t n;

	if ((unsigned char)s[0] < 0x80) {
		n = 1;
		*cols_r = 1;
	} else {
		n = charset_utf8_decode(s, len, &cp);
		*cols_r = cells_cp_width(cp);
	}
	/* zero-width marks that follow belong to this cluster (they are never ASCII) */
	while (n < len && (unsigned char)s[n] >= 0x80) {
		size_t m = charset_utf8_decode(s + n, len - n, &cp);
		if (cells_cp_width(cp) != 0)
			break;
		n += m;
	}
	return n;
}

static void cells_spaces(struct buf *out, size_t n)
{
	while (n-- > 0)
		buf_append_c(out, ' ');
}

/* Appends sanitised text t[0..len) of width `width` cut to at most max_cols columns. Returns the
 * width appended. */
static size_t cells_cut(struct buf *out, const char *t, size_t len, size_t width, size_t max_cols,
			unsigned flags)
{
	const char *ell = "";
	size_t ew = 0, target, w = 0, i = 0, cw;

	if (width <= max_cols) {
		buf_append(out, t, len);
		return width;
	}
	if (flags & CELLS_ELLIPSIS) {
		ell = (flags & CELLS_ASCII) ? "..." : "\xE2\x80\xA6";
		ew = (flags & CELLS_ASCII) ? 3 : 1;
		if (ew > max_cols) {
			ell = "";
			ew = 0;
		}
	}
	target = max_cols - ew;
	if (flags & CELLS_KEEP_END) {
		/* drop clusters from the start until the rest fits */
		size_t skipped = 0, need = width - target;
		while (i < len && skipped < need) {
			i += cells_next(t + i, len - i, &cw);
			skipped += cw;
		}
		/* zero-width marks without a base would now lead the text: drop them too */
		while (i < len) {
			size_t n = cells_next(t + i, len - i, &cw);
			if (cw != 0)
				break;
			i += n;
		}
		cells_spaces(out, target - (width - skipped));
		buf_append_str(out, ell);
		buf_append(out, t + i, len - i);
		return max_cols;
	}
	while (i < len) {
		size_t n = cells_next(t + i, len - i, &cw);
		if (w + cw > target)
			break;
		w += cw;
		i += n;
	}
	buf_append(out, t, i);
	buf_append_str(out, ell);
	cells_spaces(out, target - w);
	return max_cols;
}

size_t cells_append(struct buf *out, const char *data, size_t len, size_t min_cols, size_t max_cols,
		    unsigned flags)
{
	struct buf tmp = BUF_INIT;
	const char *t = data;
	size_t tlen = len, width, pad_at, w;

	if (cells_plain(data, len)) {
		width = len;
	} else {
		width = cells_sanitize_append(&tmp, data, len, 0);
		t = tmp.data;
		tlen = tmp.len;
	}
	pad_at = out->len;
	w = cells_cut(out, t, tlen, width, max_cols, flags);
	buf_free(&tmp);
	if (w < min_cols) {
		size_t pad = min_cols - w;
		if (flags & CELLS_RIGHT) {
			/* move what was appended right by `pad` bytes and fill the gap */
			size_t n = out->len - pad_at;
			buf_reserve(out, pad);
			memmove(out->data + pad_at + pad, out->data + pad_at, n);
			memset(out->data + pad_at, ' ', pad);
			out->len += pad;
			out->data[out->len] = '\0';
		} else {
			cells_spaces(out, pad);
		}
		w = min_cols;
	}
	return w;
}

char *cells_fit(const char *data, size_t len, size_t cols, unsigned flags)
{
	struct buf b = BUF_INIT;

	cells_append(&b, data, len, cols, cols, flags);
	return buf_steal(&b);
}
