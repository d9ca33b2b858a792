/* pager-text.c: laying out a message for the pager: headers, quotes, signature, wrapping, links, search. */
#include "skua.h"
#include "pager-text.h"
#include "cells.h"
#include "lib/buf.h"
#include "lib/charset.h"
#include "lib/hash.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

static const char *const pager_text_default_headers[] = { "From", "To", "Cc", "Date", "Subject" };

/* Fields shown as address lists (decoded with mime_address_display). */
static const char *const pager_text_address_fields[] = {
	"from", "to", "cc", "bcc", "reply-to", "sender", "mail-followup-to", "mail-reply-to",
	"resent-from", "resent-to", "resent-cc", "resent-bcc", "resent-sender",
};

struct pager_text {
	struct pager_text_line *lines;
	size_t n_lines;
	char *text;                    /* every line's text, each NUL-terminated */
	struct pager_text_span *spans;
	char **urls;
	size_t n_urls;
	size_t body_first;
};

/* State while laying out. Lines point into buffers that still grow, so offsets are kept until the
 * end. */
struct pager_text_builder {
	struct pager_text *pt;
	size_t width;
	size_t lines_cap;
	size_t *text_off, *span_off;   /* per line */
	size_t off_cap, soff_cap;
	struct buf text;
	struct pager_text_span *spans;
	size_t n_spans, spans_cap;
	size_t urls_cap;
	size_t *hash;                  /* open addressing over urls: index + 1, 0 for empty */
	size_t hash_cap;
	struct hash_key key;           /* the link table's, drawn for each layout (links come from mail) */
	unsigned rekeys;               /* times a probe ran past HASH_MAX_PROBE */
	struct mime_header_budget budget; /* one for all the header fields shown */
	bool full;                     /* a line was left out past PAGER_TEXT_MAX_LINES */
	bool marker;                   /* adding the line that says so (it may go past the limit) */
	struct buf line;               /* the current unwrapped line, sanitised */
	struct pager_text_span *lspans; /* its links */
	size_t n_lspans, lspans_cap;
	struct buf url;                /* scratch */
};

/* --- links --- */

static const struct {
	const char *prefix;
	size_t len;
} pager_text_schemes[] = {
	{ "https://", 8 }, { "http://", 7 }, { "mailto:", 7 }, { "www.", 4 },
};

static bool pager_text_ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Returns the length of the URL character at t[i] (0 when it is none). */
static size_t pager_text_url_char(const char *t, size_t n, size_t i)
{
	unsigned char c = (unsigned char)t[i];
	uint32_t cp;
	size_t len;

	if (c < 0x80)
		return pager_text_ascii_alnum(c) || (c != 0 && strchr("-._~:/?#[]@!$&()*+,;=%", c) != NULL) ? 1 : 0;
	len = charset_utf8_decode(t + i, n - i, &cp);
	return cp != 0xFFFD && iswalnum((wint_t)cp) ? len : 0;
}

/* Finds a link starting at t[i]. Returns its end (> i), or 0. *www_r: it has no scheme. When a
 * scheme was there but what follows is no link, *skip_r is the end of the run of URL characters
 * read, which no link may start inside of (else 0): the caller goes on from there, so that a line of
 * "http://-http://-..." costs one scan instead of one a scheme (issue 15). */
static size_t pager_text_url_at(const char *t, size_t n, size_t i, bool *www_r, size_t *skip_r)
{
	size_t p, end, s, run;
	long paren = 0, bracket = 0; /* opened minus closed */

	*skip_r = 0;
	if (i > 0 && pager_text_ascii_alnum((unsigned char)t[i - 1]))
		return 0;
	for (s = 0; s < N_ELEMENTS(pager_text_schemes); s++)
		if (n - i > pager_text_schemes[s].len &&
		    strncasecmp(t + i, pager_text_schemes[s].prefix, pager_text_schemes[s].len) == 0)
			break;
	if (s == N_ELEMENTS(pager_text_schemes))
		return 0;
	p = i + pager_text_schemes[s].len;
	end = p;
	while (end < n) {
		size_t l = pager_text_url_char(t, n, end);
		if (l == 0)
			break;
		paren += t[end] == '(' ? 1 : t[end] == ')' ? -1 : 0;
		bracket += t[end] == '[' ? 1 : t[end] == ']' ? -1 : 0;
		end += l;
	}
	run = end;
	/* punctuation that ends a sentence, and closing brackets that were not opened in the link */
	while (end > p) {
		char c = t[end - 1];
		if (c == ')' && paren < 0)
			paren++;
		else if (c == ']' && bracket < 0)
			bracket++;
		else if (strchr(".,;:!?*", c) == NULL)
			break;
		end--;
	}
	if (end == p || !(pager_text_ascii_alnum((unsigned char)t[p]) || (unsigned char)t[p] >= 0x80 ||
			  t[p] == '[')) {
		*skip_r = run;
		return 0;
	}
	*www_r = pager_text_schemes[s].prefix[0] == 'w';
	if (*www_r && memchr(t + p, '.', end - p) == NULL) {
		*skip_r = run;
		return 0;
	}
	return end;
}

/* The link table's hash: SipHash-1-3 under the layout's key (an unkeyed FNV-1a was flooded by URLs
 * chosen to collide, issue 15). */
static size_t pager_text_hash(const struct pager_text_builder *b, const char *s)
{
	return (size_t)hash_bytes(&b->key, s, strlen(s));
}

/* Fills the link table anew with cap slots. */
static void pager_text_url_table(struct pager_text_builder *b, size_t cap)
{
	struct pager_text *pt = b->pt;
	size_t *hash = xcalloc(cap, sizeof(*hash));

	for (size_t i = 0; i < pt->n_urls; i++) {
		size_t h = pager_text_hash(b, pt->urls[i]) & (cap - 1);
		while (hash[h] != 0)
			h = (h + 1) & (cap - 1);
		hash[h] = i + 1;
	}
	free(b->hash);
	b->hash = hash;
	b->hash_cap = cap;
}

/* Returns the index of url in the list, adding it (a copy) when new; SIZE_MAX when the list is full. */
static size_t pager_text_url_add(struct pager_text_builder *b, const char *url)
{
	struct pager_text *pt = b->pt;
	size_t h, mask, probes;

	if ((pt->n_urls + 1) * 2 > b->hash_cap)
		pager_text_url_table(b, b->hash_cap == 0 ? 64 : b->hash_cap * 2);
again:
	mask = b->hash_cap - 1;
	probes = 0;
	for (h = pager_text_hash(b, url) & mask; b->hash[h] != 0; h = (h + 1) & mask) {
		if (strcmp(pt->urls[b->hash[h] - 1], url) == 0)
			return b->hash[h] - 1;
		if (++probes > HASH_MAX_PROBE && b->rekeys < 4) {
			/* not by chance with a secret key: draw another */
			b->rekeys++;
			hash_key_random(&b->key);
			pager_text_url_table(b, b->hash_cap);
			goto again;
		}
	}
	if (pt->n_urls == PAGER_TEXT_MAX_URLS)
		return SIZE_MAX;
	pt->urls = xgrow(pt->urls, &b->urls_cap, pt->n_urls + 1, sizeof(*pt->urls));
	pt->urls[pt->n_urls] = xstrdup(url);
	b->hash[h] = ++pt->n_urls;
	return pt->n_urls - 1;
}

/* Finds the links of the current line (b->line) into b->lspans. */
static void pager_text_find_urls(struct pager_text_builder *b)
{
	const char *t = b->line.data;
	size_t n = b->line.len;

	b->n_lspans = 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		size_t end, url, skip;
		bool www;

		if (c != 'h' && c != 'H' && c != 'm' && c != 'M' && c != 'w' && c != 'W')
			continue;
		end = pager_text_url_at(t, n, i, &www, &skip);
		if (end == 0) {
			if (skip > i + 1)
				i = skip - 1;
			continue;
		}
		buf_reset(&b->url);
		if (www)
			buf_append_str(&b->url, "http://");
		for (size_t k = i; k < end; k++) {
			unsigned char u = (unsigned char)t[k];
			if (u >= 0x80)
				buf_appendf(&b->url, "%%%02X", u);
			else
				buf_append_c(&b->url, (char)u);
		}
		url = pager_text_url_add(b, b->url.data);
		if (url != SIZE_MAX) {
			b->lspans = xgrow(b->lspans, &b->lspans_cap, b->n_lspans + 1, sizeof(*b->lspans));
			b->lspans[b->n_lspans++] = (struct pager_text_span){ i, end, url };
		}
		i = end - 1;
	}
}

/* --- lines --- */

/* Adds display line b->line.data[s..e) of width cols, with the parts of the line's links in it. */
static void pager_text_emit(struct pager_text_builder *b, size_t s, size_t e, size_t cols,
			    const struct pager_text_line *proto, bool continuation, size_t *lspan)
{
	struct pager_text *pt = b->pt;
	struct pager_text_line *l;
	size_t i = pt->n_lines;

	if (i >= PAGER_TEXT_MAX_LINES && !b->marker) {
		b->full = true; /* this line and the rest are left out */
		return;
	}
	pt->lines = xgrow(pt->lines, &b->lines_cap, i + 1, sizeof(*pt->lines));
	b->text_off = xgrow(b->text_off, &b->off_cap, i + 1, sizeof(*b->text_off));
	b->span_off = xgrow(b->span_off, &b->soff_cap, i + 1, sizeof(*b->span_off));
	l = &pt->lines[i];
	*l = *proto;
	l->len = e - s;
	l->cols = cols;
	l->continuation = continuation;
	if (continuation)
		l->name_len = 0;
	l->n_urls = 0;
	b->text_off[i] = b->text.len;
	buf_append(&b->text, b->line.data + s, e - s);
	buf_append_c(&b->text, '\0');
	b->span_off[i] = b->n_spans;
	/* skip links that ended before s; a link may go on into the next line */
	while (*lspan < b->n_lspans && b->lspans[*lspan].end <= s)
		(*lspan)++;
	for (size_t k = *lspan; k < b->n_lspans && b->lspans[k].start < e; k++) {
		const struct pager_text_span *sp = &b->lspans[k];
		b->spans = xgrow(b->spans, &b->spans_cap, b->n_spans + 1, sizeof(*b->spans));
		b->spans[b->n_spans++] = (struct pager_text_span){
			(sp->start > s ? sp->start : s) - s, (sp->end < e ? sp->end : e) - s, sp->url };
		l->n_urls++;
	}
	pt->n_lines++;
}

/* Wraps the current line (width cols) into display lines at word boundaries. */
static void pager_text_wrap(struct pager_text_builder *b, size_t cols, const struct pager_text_line *proto)
{
	const char *t = b->line.data;
	size_t n = b->line.len, width = b->width, pos = 0, lspan = 0;
	bool first = true;

	if (width == 0 || cols <= width) {
		pager_text_emit(b, 0, n, cols, proto, false, &lspan);
		return;
	}
	while (pos < n) {
		size_t i = pos, w = 0, brk = 0, brk_cols = 0, end, ecols;
		bool word = false;

		while (i < n) {
			size_t cw, clen = cells_next(t + i, n - i, &cw);
			if (w + cw > width && i > pos)
				break;
			if (t[i] == ' ') {
				if (word && t[i - 1] != ' ') {
					brk = i;
					brk_cols = w;
				}
			} else {
				word = true;
			}
			w += cw;
			i += clen;
		}
		if (i >= n) {
			end = n;
			ecols = w;
		} else if (t[i] == ' ' && word) {
			/* the break falls on blanks: the line ends before them */
			end = i;
			ecols = w;
			while (end > pos && t[end - 1] == ' ') {
				end--;
				ecols--;
			}
		} else if (brk > pos) {
			end = brk;
			ecols = brk_cols;
		} else {
			end = i; /* a word longer than the line */
			ecols = w;
		}
		pager_text_emit(b, pos, end, ecols, proto, !first, &lspan);
		first = false;
		pos = end;
		while (pos < n && t[pos] == ' ')
			pos++;
	}
}

/* Lays out one unwrapped line from raw bytes. */
static void pager_text_add(struct pager_text_builder *b, const char *raw, size_t len,
			   const struct pager_text_line *proto)
{
	size_t cols;

	if (b->full)
		return;
	buf_reset(&b->line);
	cols = cells_sanitize_append(&b->line, raw, len, CELLS_TABS);
	pager_text_find_urls(b);
	pager_text_wrap(b, cols, proto);
}

/* --- headers --- */

struct pager_text_field {
	const char *name, *value;
	size_t name_len, value_len;
};

/* Splits a header block into fields (value: raw, still folded). Lines that are neither a field nor
 * a continuation are skipped. Returns the count; *fields_r is malloc'd. */
static size_t pager_text_fields(const char *data, size_t len, struct pager_text_field **fields_r)
{
	struct pager_text_field *f = NULL;
	size_t n = 0, cap = 0, i = 0;
	bool open = false;

	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - data) : len, next = nl != NULL ? end + 1 : len;
		size_t e = end > i && data[end - 1] == '\r' ? end - 1 : end;

		if (e == i)
			break; /* the empty line that ends the header */
		if (data[i] == ' ' || data[i] == '\t') {
			if (open)
				f[n - 1].value_len = e - (size_t)(f[n - 1].value - data);
		} else {
			const char *colon = memchr(data + i, ':', e - i);
			size_t k = i;
			while (colon != NULL && k < (size_t)(colon - data) && data[k] > 0x20 && data[k] < 0x7F)
				k++;
			open = colon != NULL && k > i && k == (size_t)(colon - data) && n < MIME_MAX_HEADER_FIELDS;
			if (open) {
				f = xgrow(f, &cap, n + 1, sizeof(*f));
				f[n].name = data + i;
				f[n].name_len = k - i;
				f[n].value = colon + 1;
				f[n].value_len = e - (k + 1);
				n++;
			}
		}
		i = next;
	}
	*fields_r = f;
	return n;
}

static bool pager_text_is_address_field(const char *name, size_t len)
{
	for (size_t i = 0; i < N_ELEMENTS(pager_text_address_fields); i++)
		if (strlen(pager_text_address_fields[i]) == len &&
		    strncasecmp(name, pager_text_address_fields[i], len) == 0)
			return true;
	return false;
}

static void pager_text_add_field(struct pager_text_builder *b, const struct pager_text_field *f,
				 size_t source)
{
	struct pager_text_line proto = { 0 };
	struct buf unfolded = BUF_INIT, line = BUF_INIT;
	char *value;
	size_t n;

	/* unfold: drop the line breaks, keep the blanks after them */
	for (size_t i = 0; i < f->value_len; i++)
		if (f->value[i] != '\r' && f->value[i] != '\n' &&
		    !(unfolded.len == 0 && (f->value[i] == ' ' || f->value[i] == '\t')))
			buf_append_c(&unfolded, f->value[i]);
	n = unfolded.len;
	while (n > 0 && (unfolded.data[n - 1] == ' ' || unfolded.data[n - 1] == '\t'))
		n--;
	buf_truncate(&unfolded, n);
	if (pager_text_is_address_field(f->name, f->name_len))
		value = mime_address_display_budget(unfolded.data != NULL ? unfolded.data : "", unfolded.len, false,
						    &b->budget);
	else
		value = mime_decode_text_budget(unfolded.data != NULL ? unfolded.data : "", unfolded.len, &b->budget);
	buf_append(&line, f->name, f->name_len);
	buf_append_str(&line, ": ");
	buf_append_str(&line, value);
	proto.kind = PAGER_TEXT_HEADER;
	proto.name_len = f->name_len + 1;
	proto.source = source;
	pager_text_add(b, line.data, line.len, &proto);
	free(value);
	buf_free(&unfolded);
	buf_free(&line);
}

/* Adds the header lines; returns how many unwrapped lines they were. */
static size_t pager_text_headers(struct pager_text_builder *b, const char *data, size_t len,
				 const struct pager_text_opts *opts)
{
	struct pager_text_field *f;
	size_t n = pager_text_fields(data, len, &f), source = 0;
	const char *const *names = pager_text_default_headers;
	size_t n_names = N_ELEMENTS(pager_text_default_headers);

	if (opts->all_headers) {
		for (size_t i = 0; i < n; i++)
			pager_text_add_field(b, &f[i], source++);
	} else {
		if (opts->headers != NULL) {
			names = opts->headers;
			n_names = opts->n_headers;
		}
		for (size_t k = 0; k < n_names; k++) {
			size_t nl = strlen(names[k]);
			for (size_t i = 0; i < n; i++)
				if (f[i].name_len == nl && strncasecmp(f[i].name, names[k], nl) == 0)
					pager_text_add_field(b, &f[i], source++);
		}
	}
	free(f);
	return source;
}

/* --- the body --- */

static unsigned pager_text_quote_level(const char *s, size_t len)
{
	unsigned level = 0;
	size_t i = 0;

	for (;;) {
		size_t j = i;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j == len || (s[j] != '>' && s[j] != '|'))
			return level;
		level++;
		i = j + 1;
	}
}

static bool pager_text_is_marker(const char *s, size_t len)
{
	return len >= 8 && memcmp(s, "[-- ", 4) == 0 && memcmp(s + len - 4, " --]", 4) == 0;
}

static void pager_text_body(struct pager_text_builder *b, const char *data, size_t len, size_t source,
			    const atomic_bool *stop)
{
	size_t i = 0;
	bool signature = false;

	while (i < len) {
		if (stop != NULL && atomic_load_explicit(stop, memory_order_relaxed))
			break;
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - data) : len, next = nl != NULL ? end + 1 : len;
		size_t e = end > i && data[end - 1] == '\r' ? end - 1 : end;
		struct pager_text_line proto = { 0 };

		proto.source = source++;
		if (pager_text_is_marker(data + i, e - i)) {
			proto.kind = PAGER_TEXT_MARKER;
			signature = false;
		} else if (signature || (e - i == 3 && memcmp(data + i, "-- ", 3) == 0)) {
			proto.kind = PAGER_TEXT_SIGNATURE;
			signature = true;
		} else {
			proto.quote_level = pager_text_quote_level(data + i, e - i);
			proto.kind = proto.quote_level > 0 ? PAGER_TEXT_QUOTED : PAGER_TEXT_BODY;
		}
		pager_text_add(b, data + i, e - i, &proto);
		if (b->full)
			break;
		i = next;
	}
}

struct pager_text *pager_text_layout(const char *header_block, size_t header_len, const char *body,
				     size_t body_len, const struct pager_text_opts *opts)
{
	static const struct pager_text_opts no_opts = { 0 };
	struct pager_text_builder b;
	struct pager_text *pt = xcalloc(1, sizeof(*pt));
	size_t source = 0;

	if (opts == NULL)
		opts = &no_opts;
	memset(&b, 0, sizeof(b));
	b.pt = pt;
	b.width = opts->width;
	hash_key_random(&b.key);
	if (header_len > MIME_MAX_HEADER_SIZE)
		header_len = MIME_MAX_HEADER_SIZE; /* as the MIME parser does: the rest is not shown */
	buf_reserve(&b.text, body_len + header_len + 64);
	if (header_block != NULL) {
		source = pager_text_headers(&b, header_block, header_len, opts);
		if (pt->n_lines > 0) {
			struct pager_text_line blank = { 0 };
			blank.kind = PAGER_TEXT_BODY;
			blank.source = source++;
			pager_text_add(&b, "", 0, &blank);
		}
	}
	pt->body_first = pt->n_lines;
	if (body != NULL)
		pager_text_body(&b, body, body_len, source, opts->stop);
	if (b.full) {
		/* the one line past the limit: say what is left out */
		struct pager_text_line marker = { 0 };
		char text[96];
		int n = snprintf(text, sizeof(text), _("[-- more than %d lines; the rest is not shown --]"),
				 PAGER_TEXT_MAX_LINES);
		marker.kind = PAGER_TEXT_MARKER;
		marker.source = pt->lines[pt->n_lines - 1].source + 1;
		b.full = false;
		b.marker = true;
		pager_text_add(&b, text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : strlen(text), &marker);
	}
	/* the buffers are final: turn offsets into pointers */
	pt->text = buf_steal(&b.text);
	pt->spans = b.spans;
	for (size_t i = 0; i < pt->n_lines; i++) {
		pt->lines[i].text = pt->text + b.text_off[i];
		pt->lines[i].urls = pt->lines[i].n_urls > 0 ? pt->spans + b.span_off[i] : NULL;
	}
	free(b.text_off);
	free(b.span_off);
	free(b.hash);
	free(b.lspans);
	buf_free(&b.line);
	buf_free(&b.url);
	return pt;
}

void pager_text_free(struct pager_text **pt)
{
	if (*pt == NULL)
		return;
	for (size_t i = 0; i < (*pt)->n_urls; i++)
		free((*pt)->urls[i]);
	free((*pt)->urls);
	free((*pt)->lines);
	free((*pt)->text);
	free((*pt)->spans);
	free(*pt);
	*pt = NULL;
}

size_t pager_text_count(const struct pager_text *pt)
{
	return pt->n_lines;
}

const struct pager_text_line *pager_text_line(const struct pager_text *pt, size_t i)
{
	return &pt->lines[i];
}

size_t pager_text_body_first(const struct pager_text *pt)
{
	return pt->body_first;
}

size_t pager_text_find_source(const struct pager_text *pt, size_t source)
{
	size_t lo = 0, hi = pt->n_lines;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pt->lines[mid].source < source)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pt->n_lines ? lo : pt->n_lines > 0 ? pt->n_lines - 1 : 0;
}

size_t pager_text_urls(const struct pager_text *pt, const char *const **urls_r)
{
	*urls_r = (const char *const *)pt->urls;
	return pt->n_urls;
}

size_t pager_text_body_start(const char *text, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		if (nl == NULL)
			return len;
		size_t end = (size_t)(nl - text);
		if (end == i || (end == i + 1 && text[i] == '\r'))
			return end + 1;
		i = end + 1;
	}
	return len;
}

/* --- search --- */

static uint32_t pager_text_fold(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	return (uint32_t)towlower((wint_t)cp);
}

/* Returns the end of a match of needle (folded code points) at t[i], or 0. */
static size_t pager_text_match_at(const char *t, size_t n, size_t i, const uint32_t *nd, size_t nn)
{
	for (size_t k = 0; k < nn; k++) {
		uint32_t cp;
		if (i >= n)
			return 0;
		if ((unsigned char)t[i] < 0x80)
			cp = (unsigned char)t[i++];
		else
			i += charset_utf8_decode(t + i, n - i, &cp);
		if (pager_text_fold(cp) != nd[k])
			return 0;
	}
	return i;
}

/* Finds the first (or, backward, the last) match in line l starting in [from, to). */
static bool pager_text_search_line(const struct pager_text *pt, size_t l, size_t from, size_t to,
				   const uint32_t *nd, size_t nn, bool backward, struct pager_text_match *m)
{
	const struct pager_text_line *line = &pt->lines[l];
	bool found = false;

	if (to > line->len)
		to = line->len;
	for (size_t i = from; i < to; i++) {
		size_t end;
		if (((unsigned char)line->text[i] & 0xC0) == 0x80)
			continue; /* not the start of a character */
		end = pager_text_match_at(line->text, line->len, i, nd, nn);
		if (end == 0)
			continue;
		m->line = l;
		m->start = i;
		m->end = end;
		found = true;
		if (!backward)
			break;
	}
	return found;
}

bool pager_text_search(const struct pager_text *pt, const char *needle, size_t line, size_t offset,
		       bool backward, bool wrap, struct pager_text_match *match_r, bool *wrapped_r)
{
	size_t nlen = strlen(needle), nn = 0, n = pt->n_lines;
	uint32_t *nd;
	bool found = false;

	if (wrapped_r != NULL)
		*wrapped_r = false;
	if (nlen == 0 || n == 0)
		return false;
	nd = xmalloc(nlen * sizeof(*nd));
	for (size_t i = 0; i < nlen;) {
		uint32_t cp;
		i += charset_utf8_decode(needle + i, nlen - i, &cp);
		nd[nn++] = pager_text_fold(cp);
	}
	if (line >= n) {
		line = n - 1;
		offset = SIZE_MAX;
	}
	for (int pass = 0; pass < (wrap ? 2 : 1) && !found; pass++) {
		if (pass == 1 && wrapped_r != NULL)
			*wrapped_r = true;
		if (!backward) {
			size_t first = pass == 0 ? line : 0, off = pass == 0 ? offset : 0;
			for (size_t l = first; l < n && !found; l++, off = 0)
				found = pager_text_search_line(pt, l, off, SIZE_MAX, nd, nn, false, match_r);
		} else {
			size_t first = pass == 0 ? line : n - 1, lim = pass == 0 ? offset : SIZE_MAX;
			for (size_t l = first + 1; l-- > 0 && !found; lim = SIZE_MAX)
				found = pager_text_search_line(pt, l, 0, lim, nd, nn, true, match_r);
		}
	}
	free(nd);
	if (!found && wrapped_r != NULL)
		*wrapped_r = false;
	return found;
}
