/* format.c: mutt-style index_format expansion into index lines of an exact width; thread-tree prefixes. */
#include "skua.h"
#include "format.h"
#include "cells.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Named limits. */
#define FORMAT_MAX_SPEC 4096      /* bytes in a format string */
#define FORMAT_MAX_WIDTH 1000     /* a conversion's MIN or MAX */
#define FORMAT_DATE_MAX 256       /* bytes of one formatted date */

static const char format_default_date[] = "%Y-%m-%d %H:%M";
static const char format_convs[] = "CZdnatFLyscXl{[";

enum format_tok_kind { FORMAT_TEXT, FORMAT_CONV, FORMAT_COND, FORMAT_RIGHT, FORMAT_FILL };

struct format_seq {
	struct format_tok *toks;
	size_t n, cap;
};

struct format_tok {
	enum format_tok_kind kind;
	char conv;
	bool left, zero;
	size_t min, max;
	char *text;               /* TEXT: sanitised literal; '{'/'[': strftime format; RIGHT/FILL: fill */
	struct format_seq then_seq, else_seq; /* COND */
};

struct format {
	struct format_seq seq;
};

struct format_parser {
	const char *p, *end;
	const char *error;
};

static void format_seq_clear(struct format_seq *seq)
{
	for (size_t i = 0; i < seq->n; i++) {
		free(seq->toks[i].text);
		format_seq_clear(&seq->toks[i].then_seq);
		format_seq_clear(&seq->toks[i].else_seq);
	}
	free(seq->toks);
	seq->toks = NULL;
	seq->n = seq->cap = 0;
}

static struct format_tok *format_seq_add(struct format_seq *seq, enum format_tok_kind kind)
{
	struct format_tok *t;

	seq->toks = xgrow(seq->toks, &seq->cap, seq->n + 1, sizeof(*seq->toks));
	t = &seq->toks[seq->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->max = CELLS_NO_LIMIT;
	return t;
}

static void format_add_text(struct format_seq *seq, const char *s, size_t len)
{
	if (len > 0)
		format_seq_add(seq, FORMAT_TEXT)->text = cells_sanitize(s, len, 0, NULL);
}

/* Reads a decimal number at p->p (at most FORMAT_MAX_WIDTH). */
static int format_number(struct format_parser *p, size_t *n_r)
{
	size_t n = 0;

	while (p->p < p->end && *p->p >= '0' && *p->p <= '9') {
		n = n * 10 + (size_t)(*p->p++ - '0');
		if (n > FORMAT_MAX_WIDTH) {
			p->error = errstr(_("index format: a width over %d"), FORMAT_MAX_WIDTH);
			return -1;
		}
	}
	*n_r = n;
	return 0;
}

/* Reads the fill character of %> or %|: one printable character one column wide. */
static int format_fill(struct format_parser *p, struct format_tok *t)
{
	size_t n, cols;
	char *fill;

	if (p->p == p->end) {
		p->error = errstr("%s", _("index format: %> and %| need a fill character"));
		return -1;
	}
	n = cells_next(p->p, (size_t)(p->end - p->p), &cols);
	fill = cells_sanitize(p->p, n, 0, &cols);
	if (cols != 1 || strcmp(fill, "\xEF\xBF\xBD") == 0) {
		free(fill);
		p->error = errstr("%s", _("index format: the fill character must be one column wide"));
		return -1;
	}
	t->text = fill;
	p->p += n;
	return 0;
}

static int format_parse_seq(struct format_parser *p, struct format_seq *seq, bool in_cond);

/* Parses what follows '%' (p->p is past it) into seq. */
static int format_parse_conv(struct format_parser *p, struct format_seq *seq, bool in_cond)
{
	struct format_tok *t;
	char c;

	if (p->p == p->end) {
		p->error = errstr("%s", _("index format: '%' at the end"));
		return -1;
	}
	c = *p->p;
	if (c == '%') {
		p->p++;
		format_add_text(seq, "%", 1);
		return 0;
	}
	if (c == '>' || c == '|') {
		if (in_cond) {
			p->error = errstr(_("index format: %%%c inside a conditional"), c);
			return -1;
		}
		p->p++;
		t = format_seq_add(seq, c == '>' ? FORMAT_RIGHT : FORMAT_FILL);
		return format_fill(p, t);
	}
	if (c == '?') {
		if (in_cond) {
			p->error = errstr("%s", _("index format: conditionals cannot be nested"));
			return -1;
		}
		p->p++;
		if (p->p + 1 >= p->end || strchr("CZdnatFLyscXl", *p->p) == NULL || *p->p == '\0' ||
		    p->p[1] != '?') {
			p->error = errstr("%s", _("index format: a conditional is %?X?then?  or %?X?then&else?"));
			return -1;
		}
		t = format_seq_add(seq, FORMAT_COND);
		t->conv = *p->p;
		p->p += 2;
		/* seq may move while the branches are parsed: work on a copy of the token */
		struct format_seq then_seq = { NULL, 0, 0 }, else_seq = { NULL, 0, 0 };
		int rc = format_parse_seq(p, &then_seq, true);
		if (rc == 0 && p->p < p->end && *p->p == '&') {
			p->p++;
			rc = format_parse_seq(p, &else_seq, true);
		}
		if (rc == 0 && (p->p == p->end || *p->p != '?')) {
			p->error = errstr("%s", _("index format: a conditional without its closing '?'"));
			rc = -1;
		}
		t->then_seq = then_seq;
		t->else_seq = else_seq;
		if (rc == 0)
			p->p++;
		return rc;
	}
	t = format_seq_add(seq, FORMAT_CONV);
	while (p->p < p->end && (*p->p == '-' || *p->p == '0')) {
		if (*p->p == '-')
			t->left = true;
		else
			t->zero = true;
		p->p++;
	}
	if (format_number(p, &t->min) < 0)
		return -1;
	if (p->p < p->end && *p->p == '.') {
		p->p++;
		if (format_number(p, &t->max) < 0)
			return -1;
	}
	if (p->p == p->end || *p->p == '\0' || strchr(format_convs, *p->p) == NULL) {
		if (p->p == p->end)
			p->error = errstr("%s", _("index format: '%' at the end"));
		else
			p->error = errstr(_("index format: unknown conversion \"%%%c\""), *p->p);
		return -1;
	}
	t->conv = *p->p++;
	if (t->conv == '{' || t->conv == '[') {
		char close = t->conv == '{' ? '}' : ']';
		const char *start = p->p;
		while (p->p < p->end && *p->p != close)
			p->p++;
		if (p->p == p->end) {
			p->error = errstr(_("index format: \"%%%c\" without its closing '%c'"), t->conv, close);
			return -1;
		}
		t->text = cells_sanitize(start, (size_t)(p->p - start), 0, NULL);
		p->p++;
	}
	return 0;
}

/* Parses up to the end (or, in a conditional, up to its '&' or '?'). */
static int format_parse_seq(struct format_parser *p, struct format_seq *seq, bool in_cond)
{
	const char *text = p->p;

	while (p->p < p->end) {
		char c = *p->p;
		if (in_cond && (c == '&' || c == '?'))
			break;
		if (c != '%') {
			p->p++;
			continue;
		}
		format_add_text(seq, text, (size_t)(p->p - text));
		p->p++;
		if (format_parse_conv(p, seq, in_cond) < 0)
			return -1;
		text = p->p;
	}
	format_add_text(seq, text, (size_t)(p->p - text));
	return 0;
}

int format_compile(const char *spec, struct format **fmt_r, const char **error_r)
{
	struct format_parser p;
	struct format *fmt;
	size_t len = strlen(spec);

	if (len > FORMAT_MAX_SPEC) {
		*error_r = errstr(_("index format: longer than %d bytes"), FORMAT_MAX_SPEC);
		return -1;
	}
	p.p = spec;
	p.end = spec + len;
	p.error = NULL;
	fmt = xcalloc(1, sizeof(*fmt));
	if (format_parse_seq(&p, &fmt->seq, false) < 0) {
		*error_r = p.error;
		format_free(&fmt);
		return -1;
	}
	*fmt_r = fmt;
	return 0;
}

void format_free(struct format **fmt)
{
	if (*fmt == NULL)
		return;
	format_seq_clear(&(*fmt)->seq);
	free(*fmt);
	*fmt = NULL;
}

/* --- values --- */

char *format_size(int64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	uint64_t n = (uint64_t)bytes, scale = 1024;

	if (bytes < 0) {
		snprintf(buf, size, "?");
		return buf;
	}
	if (n < 1000) {
		snprintf(buf, size, "%u", (unsigned)n);
		return buf;
	}
	/* as mutt: one decimal under 9.95 units, then whole units (rounded up from .95) under 1000,
	 * then the next unit */
	for (size_t u = 0; u < sizeof(units) - 1; u++, scale *= 1024) {
		uint64_t tenths = (n * 10 + scale / 2) / scale, whole = (n + scale / 20) / scale;
		if (tenths < 100) {
			snprintf(buf, size, "%u.%u%c", (unsigned)(tenths / 10), (unsigned)(tenths % 10), units[u]);
			return buf;
		}
		if (whole < 1000 || u == sizeof(units) - 2) {
			snprintf(buf, size, "%llu%c", (unsigned long long)whole, units[u]);
			return buf;
		}
	}
	return buf;
}

char *format_list_name(const char *list_id)
{
	const char *s, *e, *lt;

	if (list_id == NULL)
		return xstrdup("");
	s = list_id;
	lt = strrchr(list_id, '<');
	if (lt != NULL) {
		s = lt + 1;
		e = strchr(s, '>');
		if (e == NULL)
			e = s + strlen(s);
	} else {
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
	}
	const char *dot = memchr(s, '.', (size_t)(e - s));
	if (dot != NULL && dot > s)
		e = dot;
	return xstrndup(s, (size_t)(e - s));
}

static bool format_is_own(const char *addr, const struct format_opts *opts)
{
	if (addr == NULL || *addr == '\0' || opts == NULL)
		return false;
	for (size_t i = 0; i < opts->n_own; i++)
		if (opts->own_addresses[i] != NULL && strcasecmp(addr, opts->own_addresses[i]) == 0)
			return true;
	return opts->is_own != NULL && opts->is_own(addr, opts->own_ctx);
}

static const char *format_nonempty(const char *a, const char *b)
{
	return a != NULL && *a != '\0' ? a : b != NULL ? b : "";
}

static void format_date(struct buf *val, int64_t date, const char *fmt)
{
	char out[FORMAT_DATE_MAX];
	time_t t = (time_t)date;
	struct tm tm;
	size_t n;

	if (date < 0 || localtime_r(&t, &tm) == NULL)
		return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(out, sizeof(out), fmt, &tm);
#pragma GCC diagnostic pop
	buf_append(val, out, n);
}

/* The sender, or "To <recipient>" when the sender is the user (%F). */
static void format_from(struct buf *val, const struct format_msg *msg, const struct format_opts *opts)
{
	if (format_is_own(msg->from_addr, opts)) {
		buf_append_str(val, _("To "));
		buf_append_str(val, format_nonempty(msg->to_name, msg->to_addr));
	} else {
		buf_append_str(val, format_nonempty(msg->from_name, msg->from_addr));
	}
}

/* Appends the unformatted value of conversion c to val. Returns its number for numeric
 * conversions (for zero padding and conditionals), else -1. */
static long long format_value(struct buf *val, const struct format_tok *t, const struct format_msg *msg,
			      const struct format_opts *opts)
{
	char tmp[32];
	char *name;

	switch (t->conv) {
	case 'C':
		buf_appendf(val, "%zu", msg->number);
		return (long long)msg->number;
	case 'Z': {
		uint32_t f = msg->flags;
		char z[4];
		z[0] = (f & FORMAT_DELETED) ? 'D' : !(f & FORMAT_SEEN) ? ((f & FORMAT_OLD) ? 'O' : 'N') :
		       (f & FORMAT_ANSWERED) ? 'r' : ' ';
		z[1] = (f & FORMAT_TAGGED) ? '*' : (f & FORMAT_FLAGGED) ? '!' : ' ';
		z[2] = (f & FORMAT_ATTACHMENT) || msg->attachments > 0 ? '@' : ' ';
		z[3] = '\0';
		buf_append_str(val, z);
		return -1;
	}
	case 'd':
		format_date(val, msg->date, opts != NULL && opts->date_format != NULL ? opts->date_format :
					    format_default_date);
		return -1;
	case '{':
	case '[':
		format_date(val, msg->date, t->text);
		return -1;
	case 'n':
		buf_append_str(val, format_nonempty(msg->from_name, msg->from_addr));
		return -1;
	case 'a':
		buf_append_str(val, format_nonempty(msg->from_addr, NULL));
		return -1;
	case 't':
		buf_append_str(val, format_nonempty(msg->to_name, msg->to_addr));
		return -1;
	case 'F':
		format_from(val, msg, opts);
		return -1;
	case 'L':
	case 'y':
		if (msg->list_id == NULL || *msg->list_id == '\0') {
			if (t->conv == 'L')
				format_from(val, msg, opts);
			return -1;
		}
		name = format_list_name(msg->list_id);
		if (t->conv == 'L')
			buf_append_str(val, _("To "));
		buf_append_str(val, name);
		free(name);
		return -1;
	case 's':
		if (msg->tree != NULL)
			buf_append_str(val, msg->tree);
		buf_append_str(val, format_nonempty(msg->subject, NULL));
		return -1;
	case 'c':
		buf_append_str(val, format_size(msg->size, tmp, sizeof(tmp)));
		return msg->size;
	case 'l':
		if (msg->lines < 0) {
			buf_append_c(val, '?');
			return 0;
		}
		buf_appendf(val, "%ld", msg->lines);
		return msg->lines;
	case 'X':
		buf_appendf(val, "%u", msg->attachments);
		return msg->attachments;
	}
	return -1;
}

/* True when val holds something other than blanks. */
static bool format_nonblank(const struct buf *val)
{
	for (size_t i = 0; i < val->len; i++)
		if (val->data[i] != ' ')
			return true;
	return false;
}

struct format_run {
	const struct format_msg *msg;
	const struct format_opts *opts;
	struct buf *cur;       /* left part, then (after %>) the right part */
	struct buf *right;
	const char *right_fill, *end_fill;
	struct buf val;
	bool stop;             /* after %| */
};

static void format_expand(struct format_run *r, const struct format_seq *seq)
{
	for (size_t i = 0; i < seq->n && !r->stop; i++) {
		const struct format_tok *t = &seq->toks[i];
		long long num;

		switch (t->kind) {
		case FORMAT_TEXT:
			buf_append_str(r->cur, t->text);
			break;
		case FORMAT_RIGHT:
			if (r->right_fill == NULL) {
				r->right_fill = t->text;
				r->cur = r->right;
			}
			break;
		case FORMAT_FILL:
			r->end_fill = t->text;
			r->stop = true;
			break;
		case FORMAT_COND:
			buf_reset(&r->val);
			num = format_value(&r->val, t, r->msg, r->opts);
			format_expand(r, (num >= 0 ? num > 0 : format_nonblank(&r->val)) ? &t->then_seq :
											  &t->else_seq);
			break;
		case FORMAT_CONV:
			buf_reset(&r->val);
			num = format_value(&r->val, t, r->msg, r->opts);
			if (t->zero && num >= 0 && !t->left && r->val.len < t->min) {
				size_t pad = t->min - r->val.len;
				buf_reserve(&r->val, pad);
				memmove(r->val.data + pad, r->val.data, r->val.len + 1);
				memset(r->val.data, '0', pad);
				r->val.len += pad;
			}
			cells_append(r->cur, r->val.data != NULL ? r->val.data : "", r->val.len, t->min, t->max,
				     t->left ? 0 : CELLS_RIGHT);
			break;
		}
	}
}

static void format_fill_append(struct buf *out, const char *fill, size_t n)
{
	while (n-- > 0)
		buf_append_str(out, fill);
}

void format_line(const struct format *fmt, const struct format_msg *msg, const struct format_opts *opts,
		 size_t cols, struct buf *out)
{
	struct buf left = BUF_INIT, right = BUF_INIT;
	struct format_run r = { msg, opts, &left, &right, NULL, NULL, BUF_INIT, false };
	size_t wl, wr;

	format_expand(&r, &fmt->seq);
	buf_free(&r.val);
	if (r.right_fill != NULL) {
		wr = cells_width(right.data, right.len);
		if (wr >= cols) {
			cells_append(out, right.data, right.len, cols, cols, 0);
		} else {
			wl = cells_append(out, left.data, left.len, 0, cols - wr, 0);
			format_fill_append(out, r.right_fill, cols - wr - wl);
			buf_append(out, right.data, right.len);
		}
	} else {
		wl = cells_append(out, left.data, left.len, 0, cols, 0);
		if (r.end_fill != NULL)
			format_fill_append(out, r.end_fill, cols - wl);
		else
			cells_append(out, "", 0, cols - wl, cols - wl, 0);
	}
	buf_free(&left);
	buf_free(&right);
}

/* --- thread trees --- */

void format_tree_prefix(struct buf *out, unsigned depth, const bool *more, bool ascii)
{
	static const char *const utf8[] = { "\xE2\x94\x82 ", "  ", "\xE2\x94\x9C\xE2\x94\x80>",
					     "\xE2\x94\x94\xE2\x94\x80>" };
	static const char *const asc[] = { "| ", "  ", "|->", "`->" };
	const char *const *g = ascii ? asc : utf8;

	for (unsigned i = 0; i + 1 < depth; i++)
		buf_append_str(out, more[i] ? g[0] : g[1]);
	if (depth > 0)
		buf_append_str(out, more[depth - 1] ? g[2] : g[3]);
}

void format_tree_links(const struct sort_line *lines, size_t n, size_t *parent_r, bool *more_r)
{
	sort_tree_links(lines, n, parent_r, more_r);
}

void format_tree_line(struct buf *out, const size_t *parent, const bool *more, size_t i, bool ascii)
{
	bool small[64] = { false }, *path = small;
	size_t depth = 0;

	for (size_t j = i; parent[j] != SIZE_MAX; j = parent[j])
		depth++;
	if (depth > N_ELEMENTS(small))
		path = xmalloc(depth * sizeof(*path));
	/* path[k]: whether the node at depth k+1 on the way to line i has a later sibling */
	size_t k = depth;
	for (size_t j = i; parent[j] != SIZE_MAX; j = parent[j])
		path[--k] = more[j];
	format_tree_prefix(out, (unsigned)depth, path, ascii);
	if (path != small)
		free(path);
}
