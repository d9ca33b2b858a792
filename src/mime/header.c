/* header.c: RFC 5322 header fields, RFC 2047 encoded words, RFC 2045/2231 parameters, address lists. */
#include "skua.h"
#include "mime-int.h"
#include "lib/buf.h"
#include "lib/charset.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EW_CHARSET_MAX MIME_CHARSET_NAME_MAX

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ------------------------------------------------------------------------------------------------ */
/* header fields */

/* Length of the line at p (up to end) without its CR LF; *next_r is the start of the next line. */
static size_t line_len(const char *p, const char *end, const char **next_r)
{
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	size_t n;

	if (eol == NULL) {
		*next_r = end;
		n = (size_t)(end - p);
	} else {
		*next_r = eol + 1;
		n = (size_t)(eol - p);
	}
	if (n > 0 && p[n - 1] == '\r')
		n--;
	return n;
}

/* The value of the field whose first line is [p, p+n) starting at q (after the colon), unfolded over the
 * continuation lines from *next_r on (which is advanced past them), trimmed, malloc'd. */
static char *field_value(const char *q, const char *lend, const char **next_r, const char *end)
{
	struct buf b = BUF_INIT;
	const char *next = *next_r;
	size_t s, e;
	char *ret;

	buf_append(&b, q, (size_t)(lend - q));
	/* unfold continuation lines: the line break goes, the blank stays */
	while (next < end && is_blank(*next)) {
		const char *p = next;
		size_t n = line_len(p, end, &next);
		buf_append(&b, p, n);
	}
	*next_r = next;
	s = 0;
	e = b.len;
	while (s < e && is_blank(b.data[s]))
		s++;
	while (e > s && is_blank(b.data[e - 1]))
		e--;
	ret = xstrndup(b.len > 0 ? b.data + s : "", e - s);
	buf_free(&b);
	return ret;
}

/* If the line [p, p+n) is the field `name`, returns where its value starts (after the colon). */
static const char *field_match(const char *p, size_t n, const char *name, size_t nlen)
{
	const char *q, *lend = p + n;

	if (n <= nlen || lower(p[0]) != lower(name[0]) || strncasecmp(p, name, nlen) != 0)
		return NULL;
	q = p + nlen;
	while (q < lend && is_blank(*q))
		q++;
	return q < lend && *q == ':' ? q + 1 : NULL;
}

char *mime_header_get(const char *data, size_t len, const char *name)
{
	char *value = NULL;

	mime_header_get_many(data, len, &name, 1, &value);
	return value;
}

void mime_header_get_many(const char *data, size_t len, const char *const *names, size_t count,
			  char **values_r)
{
	const char *p = data, *end = data + len, *next;
	size_t fields = 0, found = 0, nlens[MIME_HEADER_GET_MANY_MAX];

	if (count > MIME_HEADER_GET_MANY_MAX)
		count = MIME_HEADER_GET_MANY_MAX;
	for (size_t i = 0; i < count; i++) {
		values_r[i] = NULL;
		nlens[i] = strlen(names[i]);
	}
	while (p < end && found < count) {
		size_t n = line_len(p, end, &next);
		if (n == 0 || ++fields > MIME_MAX_HEADER_FIELDS)
			break; /* end of the header block (or of what we look at) */
		for (size_t i = 0; i < count; i++) {
			const char *q;
			if (values_r[i] != NULL || (q = field_match(p, n, names[i], nlens[i])) == NULL)
				continue;
			values_r[i] = field_value(q, p + n, &next, end);
			found++;
			break;
		}
		p = next;
	}
}

/* ------------------------------------------------------------------------------------------------ */
/* RFC 2047 */

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

struct ew {
	const char *charset; /* without "*lang" */
	size_t charset_len;
	char enc;            /* 'b' or 'q' */
	const char *text;
	size_t text_len;
	size_t total;        /* bytes from "=?" through "?=" */
};

/* Recognises an encoded word at p[0..len) (p starts with "=?"). When the text runs into a blank,
 * a control, 8-bit or the end without "?=", *fail_r is where it stopped: no encoded word starting
 * before that point can be complete either, so callers skip ahead (keeps scanning linear). */
static bool ew_parse(const char *p, size_t len, struct ew *ew, size_t *fail_r)
{
	size_t i = 2, cs_start = 2, cs_end;

	*fail_r = 0;
	while (i < len && p[i] != '?') {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c >= 0x7F || c == '"' || c == '(' || c == ')' || c == ',')
			return false;
		i++;
	}
	if (i >= len || i == cs_start || i - cs_start >= EW_CHARSET_MAX)
		return false;
	cs_end = i;
	ew->charset = p + cs_start;
	ew->charset_len = cs_end - cs_start;
	const char *star = memchr(ew->charset, '*', ew->charset_len);
	if (star != NULL)
		ew->charset_len = (size_t)(star - ew->charset);
	if (ew->charset_len == 0)
		return false;
	i++;
	if (i + 1 >= len || p[i + 1] != '?')
		return false;
	ew->enc = lower(p[i]);
	if (ew->enc != 'b' && ew->enc != 'q')
		return false;
	i += 2;
	ew->text = p + i;
	while (i + 1 < len) {
		if (p[i] == '?' && p[i + 1] == '=') {
			ew->text_len = (size_t)(p + i - ew->text);
			ew->total = i + 2;
			return true;
		}
		/* raw 8-bit bytes in a Q word are taken as bytes of its charset (as mutt and Python's
		 * email package do: real mail has them) */
		if (is_space(p[i]) || (unsigned char)p[i] < 0x20 || (unsigned char)p[i] == 0x7F ||
		    ((unsigned char)p[i] >= 0x80 && ew->enc != 'q')) {
			*fail_r = i;
			return false;
		}
		if (ew->enc == 'b' && p[i] != '=' && b64val(p[i]) < 0)
			return false; /* malformed: no need to look for its end */
		i++;
	}
	*fail_r = len;
	return false;
}

/* Decodes the text of an encoded word; false when it is malformed. */
static bool ew_decode(const struct ew *ew, struct buf *out)
{
	const char *t = ew->text;
	size_t n = ew->text_len, i;
	size_t start = out->len;

	if (ew->enc == 'q') {
		for (i = 0; i < n; i++) {
			if (t[i] == '_') {
				buf_append_c(out, ' ');
			} else if (t[i] == '=' && i + 2 < n && mime_hexval(t[i + 1]) >= 0 &&
				   mime_hexval(t[i + 2]) >= 0) {
				buf_append_c(out, (char)(mime_hexval(t[i + 1]) * 16 + mime_hexval(t[i + 2])));
				i += 2;
			} else {
				buf_append_c(out, t[i]);
			}
		}
		return true;
	}
	uint32_t acc = 0;
	unsigned bits = 0;
	bool pad = false;
	for (i = 0; i < n; i++) {
		if (t[i] == '=') {
			pad = true;
			continue;
		}
		int v = b64val(t[i]);
		if (v < 0 || pad) {
			buf_truncate(out, start);
			return false;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_append_c(out, (char)((acc >> bits) & 0xFF));
		}
	}
	return true;
}

/* Appends raw (not encoded) header text: folding removed, 8-bit guessed. */
static void append_raw(struct buf *out, const char *p, size_t len)
{
	bool plain = true;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= 0x80 || c == '\r' || c == '\n') {
			plain = false;
			break;
		}
	}
	if (plain) {
		buf_append(out, p, len);
		return;
	}
	struct buf tmp = BUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if ((p[i] == '\r' || p[i] == '\n') &&
		    (i + 1 == len || is_blank(p[i + 1]) || p[i + 1] == '\n'))
			continue; /* folding */
		buf_append_c(&tmp, p[i]);
	}
	if (tmp.len > 0)
		charset_to_utf8(NULL, tmp.data, tmp.len, out);
	buf_free(&tmp);
}

static bool all_space(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_space(p[i]))
			return false;
	}
	return true;
}

/* Whether words in charset cs (lowercase) may be converted with it under the budget: true when the
 * budget has it or room for it (then it is added), false once MIME_MAX_HEADER_CHARSETS others were
 * used. UTF-8 and US-ASCII cost nothing and always may. */
static bool budget_charset(struct mime_header_budget *budget, const char *cs)
{
	if (charset_is_utf8(cs))
		return true;
	for (unsigned i = 0; i < budget->ncharsets; i++) {
		if (strcmp(budget->charsets[i], cs) == 0)
			return true;
	}
	if (budget->ncharsets >= MIME_MAX_HEADER_CHARSETS)
		return false;
	snprintf(budget->charsets[budget->ncharsets++], MIME_CHARSET_NAME_MAX, "%s", cs);
	return true;
}

/* Converts the pending bytes of adjacent words in one charset; over the charset budget, as text in
 * an unknown charset is (ASCII kept, every other byte U+FFFD). */
static void flush_words(struct buf *out, struct buf *pend, const char *cs, bool over_budget)
{
	if (pend->len == 0)
		return;
	if (!over_budget) {
		charset_to_utf8(cs, pend->data, pend->len, out);
	} else {
		for (size_t i = 0; i < pend->len; i++) {
			if ((unsigned char)pend->data[i] < 0x80)
				buf_append_c(out, pend->data[i]);
			else
				charset_utf8_append(out, 0xFFFD);
		}
	}
	buf_reset(pend);
}

void mime_rfc2047_decode(struct buf *out, const char *value, size_t len, struct mime_header_budget *budget)
{
	struct mime_header_budget fresh;
	struct buf pend = BUF_INIT;
	char pend_cs[EW_CHARSET_MAX] = "";
	size_t i = 0, raw_start = 0, fail = 0, fail_until = 0;
	bool last_ew = false, pend_over = false;
	struct ew ew;

	if (memmem(value, len, "=?", 2) == NULL) {
		append_raw(out, value, len);
		return;
	}
	if (budget == NULL) {
		fresh.words = 0;
		fresh.ncharsets = 0;
		budget = &fresh;
	}
	while (i + 1 < len) {
		if (value[i] != '=' || value[i + 1] != '?' || i < fail_until ||
		    !ew_parse(value + i, len - i, &ew, &fail)) {
			if (fail > 0)
				fail_until = i + fail;
			fail = 0;
			i++;
			continue;
		}
		if (budget->words >= MIME_MAX_ENCODED_WORDS)
			break; /* the rest is shown as it is */
		size_t before = pend.len;
		char cs[EW_CHARSET_MAX];
		for (size_t k = 0; k < ew.charset_len; k++)
			cs[k] = lower(ew.charset[k]);
		cs[ew.charset_len] = '\0';
		bool same = pend.len > 0 && strcmp(cs, pend_cs) == 0;
		bool joined = last_ew && all_space(value + raw_start, i - raw_start);
		if (!same || !joined) {
			/* decode into pend only after checking the word is well-formed */
			struct buf tmp = BUF_INIT;
			if (!ew_decode(&ew, &tmp)) {
				buf_free(&tmp);
				i++;
				continue;
			}
			flush_words(out, &pend, pend_cs, pend_over);
			if (!joined)
				append_raw(out, value + raw_start, i - raw_start);
			buf_append(&pend, tmp.data != NULL ? tmp.data : "", tmp.len);
			memcpy(pend_cs, cs, ew.charset_len + 1);
			pend_over = !budget_charset(budget, cs);
			buf_free(&tmp);
		} else if (!ew_decode(&ew, &pend)) {
			buf_truncate(&pend, before);
			i++;
			continue;
		}
		/* an empty word still counts as a word (its charset may be pending with nothing) */
		if (pend.len == 0) {
			memcpy(pend_cs, cs, ew.charset_len + 1);
			pend_over = !budget_charset(budget, cs);
		}
		budget->words++;
		i += ew.total;
		raw_start = i;
		last_ew = true;
	}
	flush_words(out, &pend, pend_cs, pend_over);
	append_raw(out, value + raw_start, len - raw_start);
	buf_free(&pend);
}

char *mime_decode_text_budget(const char *value, size_t len, struct mime_header_budget *budget)
{
	struct buf b = BUF_INIT;
	char *ret;

	mime_rfc2047_decode(&b, value, len, budget);
	ret = sanitize_line(b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	return ret;
}

char *mime_decode_text(const char *value, size_t len)
{
	return mime_decode_text_budget(value, len, NULL);
}

/* ------------------------------------------------------------------------------------------------ */
/* RFC 2045 / 2231 parameters */

struct param_sec {
	int section;   /* -1 when the name has no *N */
	bool extended; /* charset'lang'%XX encoded */
	char *value;   /* unquoted bytes */
	size_t len;
};

static const char *skip_comment(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return end;
}

/* Matches attr against name, name*, name*N, name*N*. Returns false when it is another attribute. */
static bool param_name_match(const char *attr, size_t alen, const char *name, size_t nlen,
			     int *section_r, bool *extended_r)
{
	size_t i;
	int sec = 0;

	if (alen < nlen || strncasecmp(attr, name, nlen) != 0)
		return false;
	*section_r = -1;
	*extended_r = false;
	if (alen == nlen)
		return true;
	if (attr[nlen] != '*')
		return false;
	if (alen == nlen + 1) {
		*extended_r = true;
		return true;
	}
	for (i = nlen + 1; i < alen && attr[i] >= '0' && attr[i] <= '9'; i++) {
		if (sec > 100000)
			return false;
		sec = sec * 10 + (attr[i] - '0');
	}
	if (i == nlen + 1)
		return false;
	if (i < alen) {
		if (attr[i] != '*' || i + 1 != alen)
			return false;
		*extended_r = true;
	}
	*section_r = sec;
	return true;
}

static void percent_decode(struct buf *out, const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '%' && i + 2 < len && mime_hexval(p[i + 1]) >= 0 && mime_hexval(p[i + 2]) >= 0) {
			buf_append_c(out, (char)(mime_hexval(p[i + 1]) * 16 + mime_hexval(p[i + 2])));
			i += 2;
		} else {
			buf_append_c(out, p[i]);
		}
	}
}

/* Splits charset'lang'rest; returns rest and the charset (NUL-terminated into cs) when present. */
static const char *split_2231_charset(const char *v, size_t len, char *cs, size_t cs_size,
				      size_t *rest_len_r)
{
	const char *q1 = memchr(v, '\'', len), *q2;

	cs[0] = '\0';
	if (q1 == NULL || (q2 = memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - v))) == NULL) {
		*rest_len_r = len;
		return v;
	}
	size_t cl = (size_t)(q1 - v);
	if (cl < cs_size) {
		memcpy(cs, v, cl);
		cs[cl] = '\0';
	}
	*rest_len_r = len - (size_t)(q2 + 1 - v);
	return q2 + 1;
}

char *mime_param_get(const char *value, size_t len, const char *name, bool decode)
{
	const char *p = memchr(value, ';', len), *end = value + len;
	struct param_sec secs[MIME_MAX_PARAM_SECTIONS];
	size_t nsecs = 0, nlen = strlen(name);
	char *plain = NULL, *ext = NULL, *ret = NULL;
	size_t plain_len = 0, ext_len = 0;
	struct buf v = BUF_INIT, raw = BUF_INIT, res = BUF_INIT;
	char cs[EW_CHARSET_MAX];

	if (p == NULL)
		return NULL;
	while (p < end) {
		while (p < end && (*p == ';' || is_space(*p)))
			p++;
		if (p < end && *p == '(') {
			p = skip_comment(p, end);
			continue;
		}
		const char *attr = p;
		while (p < end && *p != '=' && *p != ';' && !is_space(*p))
			p++;
		size_t alen = (size_t)(p - attr);
		while (p < end && is_space(*p))
			p++;
		if (p >= end || *p != '=')
			continue;
		p++;
		while (p < end && is_space(*p))
			p++;
		buf_reset(&v);
		if (p < end && *p == '"') {
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				buf_append_c(&v, *p);
			}
			while (p < end && *p != ';')
				p++;
		} else {
			const char *vs = p, *ve;
			while (p < end && *p != ';')
				p++;
			ve = p;
			/* a comment after the value: "us-ascii (Plain text)" */
			for (const char *c = vs + 1; c < ve; c++) {
				if (*c == '(' && is_space(c[-1])) {
					ve = c;
					break;
				}
			}
			while (ve > vs && is_space(ve[-1]))
				ve--;
			buf_append(&v, vs, (size_t)(ve - vs));
		}
		int sec;
		bool extended;
		if (alen == 0 || !param_name_match(attr, alen, name, nlen, &sec, &extended))
			continue;
		if (sec >= 0) {
			bool dup = false;
			for (size_t k = 0; k < nsecs; k++)
				dup = dup || secs[k].section == sec;
			if (dup || sec >= MIME_MAX_PARAM_SECTIONS || nsecs >= MIME_MAX_PARAM_SECTIONS)
				continue;
			secs[nsecs].section = sec;
			secs[nsecs].extended = extended;
			secs[nsecs].len = v.len;
			secs[nsecs].value = buf_steal(&v);
			nsecs++;
		} else if (extended && ext == NULL) {
			ext_len = v.len;
			ext = buf_steal(&v);
		} else if (!extended && plain == NULL) {
			plain_len = v.len;
			plain = buf_steal(&v);
		}
	}

	bool have_sec0 = false;
	for (size_t k = 0; k < nsecs; k++)
		have_sec0 = have_sec0 || secs[k].section == 0;
	cs[0] = '\0';
	if (have_sec0) {
		for (int want = 0; want < MIME_MAX_PARAM_SECTIONS; want++) {
			struct param_sec *s = NULL;
			for (size_t k = 0; k < nsecs; k++) {
				if (secs[k].section == want)
					s = &secs[k];
			}
			if (s == NULL)
				break;
			if (!s->extended) {
				buf_append(&raw, s->value, s->len);
				continue;
			}
			const char *rest = s->value;
			size_t rest_len = s->len;
			if (want == 0)
				rest = split_2231_charset(s->value, s->len, cs, sizeof(cs), &rest_len);
			percent_decode(&raw, rest, rest_len);
		}
	} else if (ext != NULL) {
		size_t rest_len;
		const char *rest = split_2231_charset(ext, ext_len, cs, sizeof(cs), &rest_len);
		percent_decode(&raw, rest, rest_len);
	} else if (plain != NULL) {
		if (decode)
			mime_rfc2047_decode(&res, plain, plain_len, NULL);
		else
			buf_append(&res, plain, plain_len);
		ret = buf_steal(&res);
		goto out;
	} else {
		goto out;
	}
	if (decode && raw.len > 0)
		charset_to_utf8(cs[0] != '\0' ? cs : NULL, raw.data, raw.len, &res);
	else
		buf_append(&res, raw.data != NULL ? raw.data : "", raw.len);
	ret = buf_steal(&res);
out:
	for (size_t k = 0; k < nsecs; k++)
		free(secs[k].value);
	free(plain);
	free(ext);
	buf_free(&v);
	buf_free(&raw);
	buf_free(&res);
	return ret;
}

static bool is_type_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("!#$&^_.+-", c) != NULL;
}

bool mime_content_type_parse(const char *value, size_t len, char **type_r, char **subtype_r)
{
	size_t i = 0, ts, te, ss, se;

	while (i < len && is_space(value[i]))
		i++;
	ts = i;
	while (i < len && value[i] != '\0' && is_type_char(value[i]))
		i++;
	te = i;
	while (i < len && is_space(value[i]))
		i++;
	if (te == ts || i >= len || value[i] != '/')
		return false;
	i++;
	while (i < len && is_space(value[i]))
		i++;
	ss = i;
	while (i < len && value[i] != '\0' && is_type_char(value[i]))
		i++;
	se = i;
	if (se == ss)
		return false;
	char *t = xstrndup(value + ts, te - ts), *s = xstrndup(value + ss, se - ss);
	for (char *c = t; *c != '\0'; c++)
		*c = lower(*c);
	for (char *c = s; *c != '\0'; c++)
		*c = lower(*c);
	*type_r = t;
	*subtype_r = s;
	return true;
}

void mime_first_token(const char *value, size_t len, char *dst, size_t dst_size)
{
	size_t i = 0, n = 0;

	while (i < len && is_space(value[i]))
		i++;
	while (i < len && value[i] != ';' && value[i] != '(' && !is_space(value[i])) {
		if (n + 1 < dst_size)
			dst[n++] = lower(value[i]);
		i++;
	}
	dst[n] = '\0';
}

/* ------------------------------------------------------------------------------------------------ */
/* address lists */

struct addr_state {
	struct mime_header_budget *budget; /* one for the whole list */
	bool name_only;
	bool done;
	size_t count;
	struct buf out;
	struct buf phrase;  /* display name words (raw, quotes removed) */
	struct buf addr;    /* angle-addr content */
	struct buf comment; /* the first comment of this mailbox */
	struct buf tmp;
	bool angle;
	bool in_group;
	size_t group_members;
	struct buf group;
};

static void addr_emit(struct addr_state *st, const char *name, size_t nlen, const char *addr,
		      size_t alen)
{
	if (nlen == 0 && alen == 0)
		return;
	if (st->name_only) {
		if (nlen > 0)
			buf_append(&st->out, name, nlen);
		else
			buf_append(&st->out, addr, alen);
		st->done = true;
		return;
	}
	if (st->count++ > 0)
		buf_append(&st->out, ", ", 2);
	if (nlen == 0) {
		buf_append(&st->out, addr, alen);
		return;
	}
	bool quote = false;
	for (size_t i = 0; i < nlen && !quote; i++)
		quote = strchr(",;<>@:\"", name[i]) != NULL && name[i] != '\0';
	if (quote) {
		buf_append_c(&st->out, '"');
		for (size_t i = 0; i < nlen; i++) {
			if (name[i] == '"')
				buf_append_c(&st->out, '\\');
			buf_append_c(&st->out, name[i]);
		}
		buf_append_c(&st->out, '"');
	} else {
		buf_append(&st->out, name, nlen);
	}
	if (alen > 0) {
		buf_append(&st->out, " <", 2);
		buf_append(&st->out, addr, alen);
		buf_append_c(&st->out, '>');
	}
}

static void addr_finish_mailbox(struct addr_state *st)
{
	buf_reset(&st->tmp);
	if (st->angle) {
		mime_rfc2047_decode(&st->tmp, st->phrase.data != NULL ? st->phrase.data : "",
				    st->phrase.len, st->budget);
		addr_emit(st, st->tmp.data, st->tmp.len, st->addr.data, st->addr.len);
	} else if (st->phrase.len > 0) {
		if (st->comment.len > 0)
			mime_rfc2047_decode(&st->tmp, st->comment.data, st->comment.len, st->budget);
		addr_emit(st, st->tmp.data, st->tmp.len, st->phrase.data, st->phrase.len);
	}
	if (st->angle || st->phrase.len > 0)
		st->group_members++;
	buf_reset(&st->phrase);
	buf_reset(&st->addr);
	buf_reset(&st->comment);
	st->angle = false;
}

static void addr_word(struct addr_state *st, const char *p, size_t n, bool spaced)
{
	if (spaced && st->phrase.len > 0)
		buf_append_c(&st->phrase, ' ');
	buf_append(&st->phrase, p, n);
}

char *mime_address_display(const char *value, size_t len, bool name_only)
{
	struct mime_header_budget budget;

	if (memmem(value, len, "=?", 2) == NULL)
		return mime_address_display_budget(value, len, name_only, NULL); /* nothing to spend */
	budget.words = 0;
	budget.ncharsets = 0;
	return mime_address_display_budget(value, len, name_only, &budget);
}

char *mime_address_display_budget(const char *value, size_t len, bool name_only,
				  struct mime_header_budget *budget)
{
	struct addr_state st;
	size_t i = 0, ew_fail_until = 0;
	bool spaced = false;
	char *ret;

	memset(&st, 0, sizeof(st));
	st.budget = budget;
	st.name_only = name_only;
	while (i < len && !st.done) {
		char c = value[i];
		if (is_space(c)) {
			spaced = true;
			i++;
		} else if (c == '(') {
			const char *e = skip_comment(value + i, value + len);
			if (st.comment.len == 0 && e - (value + i) > 2) {
				/* unescape the comment's text, keeping nested parentheses */
				const char *q = value + i + 1, *qe = e[-1] == ')' ? e - 1 : e;
				for (; q < qe; q++) {
					if (*q == '\\' && q + 1 < qe)
						q++;
					buf_append_c(&st.comment, *q);
				}
			}
			i = (size_t)(e - value);
			spaced = true;
		} else if (c == '"') {
			if (spaced && st.phrase.len > 0)
				buf_append_c(&st.phrase, ' ');
			for (i++; i < len && value[i] != '"'; i++) {
				if (value[i] == '\\' && i + 1 < len)
					i++;
				buf_append_c(&st.phrase, value[i]);
			}
			i++;
			spaced = false;
		} else if (c == '<') {
			const char *e = memchr(value + i + 1, '>', len - i - 1);
			size_t s = i + 1, f = e != NULL ? (size_t)(e - value) : len;
			while (s < f && is_space(value[s]))
				s++;
			while (f > s && is_space(value[f - 1]))
				f--;
			buf_reset(&st.addr);
			/* folding inside the address */
			for (size_t k = s; k < f; k++) {
				if (value[k] != '\r' && value[k] != '\n')
					buf_append_c(&st.addr, value[k]);
			}
			st.angle = true;
			i = e != NULL ? (size_t)(e - value) + 1 : len;
			spaced = true;
		} else if (c == ',') {
			addr_finish_mailbox(&st);
			i++;
			spaced = false;
		} else if (c == ':' && !st.in_group && !st.angle) {
			buf_reset(&st.group);
			mime_rfc2047_decode(&st.group, st.phrase.data != NULL ? st.phrase.data : "",
					    st.phrase.len, st.budget);
			buf_reset(&st.phrase);
			buf_reset(&st.comment);
			st.in_group = true;
			st.group_members = 0;
			i++;
			spaced = false;
		} else if (c == ';') {
			addr_finish_mailbox(&st);
			if (st.in_group && st.group_members == 0 && st.group.len > 0 && !st.done) {
				if (name_only) {
					addr_emit(&st, st.group.data, st.group.len, "", 0);
				} else {
					buf_append(&st.group, ":;", 2);
					addr_emit(&st, "", 0, st.group.data, st.group.len);
				}
			}
			st.in_group = false;
			i++;
			spaced = false;
		} else {
			size_t s = i, fail = 0;
			struct ew ew;
			while (i < len && !is_space(value[i]) && strchr("(\"<,;", value[i]) == NULL &&
			       value[i] != '\0' && !(value[i] == ':' && !st.in_group && !st.angle)) {
				/* an encoded word is one atom, whatever specials its text holds */
				if (value[i] == '=' && i + 1 < len && value[i + 1] == '?' && i >= ew_fail_until &&
				    ew_parse(value + i, len - i, &ew, &fail))
					i += ew.total;
				else
					i++;
				if (fail > 0)
					ew_fail_until = i - 1 + fail;
				fail = 0;
			}
			if (i == s)
				i++; /* a NUL byte */
			else
				addr_word(&st, value + s, i - s, spaced);
			spaced = false;
		}
	}
	if (!st.done)
		addr_finish_mailbox(&st);
	if (!st.done && st.in_group && st.group_members == 0 && st.group.len > 0) {
		if (name_only) {
			addr_emit(&st, st.group.data, st.group.len, "", 0);
		} else {
			buf_append(&st.group, ":;", 2);
			addr_emit(&st, "", 0, st.group.data, st.group.len);
		}
	}
	ret = sanitize_line(st.out.data != NULL ? st.out.data : "", st.out.len);
	buf_free(&st.out);
	buf_free(&st.phrase);
	buf_free(&st.addr);
	buf_free(&st.comment);
	buf_free(&st.tmp);
	buf_free(&st.group);
	return ret;
}
