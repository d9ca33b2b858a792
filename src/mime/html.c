/* html.c: the built-in crude HTML to text converter (fallback when no html_command is set). */
#include "skua.h"
#include "mime-int.h"
#include "lib/charset.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	uint32_t cp;
} html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", ' ' }, { "copy", 0xA9 }, { "reg", 0xAE }, { "trade", 0x2122 }, { "hellip", 0x2026 },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "lsquo", 0x2018 }, { "rsquo", 0x2019 },
	{ "ldquo", 0x201C }, { "rdquo", 0x201D }, { "sbquo", 0x201A }, { "bdquo", 0x201E },
	{ "laquo", 0xAB }, { "raquo", 0xBB }, { "euro", 0x20AC }, { "pound", 0xA3 }, { "yen", 0xA5 },
	{ "cent", 0xA2 }, { "sect", 0xA7 }, { "deg", 0xB0 }, { "plusmn", 0xB1 }, { "times", 0xD7 },
	{ "divide", 0xF7 }, { "middot", 0xB7 }, { "bull", 0x2022 }, { "para", 0xB6 },
	{ "auml", 0xE4 }, { "ouml", 0xF6 }, { "uuml", 0xFC }, { "Auml", 0xC4 }, { "Ouml", 0xD6 },
	{ "Uuml", 0xDC }, { "szlig", 0xDF }, { "eacute", 0xE9 }, { "egrave", 0xE8 },
	{ "ecirc", 0xEA }, { "agrave", 0xE0 }, { "aacute", 0xE1 }, { "acirc", 0xE2 },
	{ "ccedil", 0xE7 }, { "iacute", 0xED }, { "oacute", 0xF3 }, { "uacute", 0xFA },
	{ "ntilde", 0xF1 }, { "Eacute", 0xC9 }, { "aring", 0xE5 }, { "oslash", 0xF8 },
	{ "aelig", 0xE6 }, { "iexcl", 0xA1 }, { "iquest", 0xBF }, { "larr", 0x2190 },
	{ "rarr", 0x2192 }, { "uarr", 0x2191 }, { "darr", 0x2193 }, { "hearts", 0x2665 },
	{ "shy", 0 }, { "zwnj", 0 }, { "zwj", 0 }, { "ensp", ' ' }, { "emsp", ' ' }, { "thinsp", ' ' },
};

struct html_out {
	struct buf *out;
	size_t start;
	struct buf href;   /* target of the open <a>, entity-decoded */
	size_t link_start; /* where the link's text began in out */
	int pending_nl;    /* line breaks owed before the next text */
	bool pending_space;
	bool pre;
	bool list_item;
};

static bool at_line_start(const struct html_out *h)
{
	return h->out->len == h->start || h->out->data[h->out->len - 1] == '\n';
}

static void html_break(struct html_out *h, int n)
{
	if (h->pending_nl < n)
		h->pending_nl = n;
	h->pending_space = false;
}

/* Emits what is owed before text. */
static void html_text_prefix(struct html_out *h)
{
	if (h->pending_nl > 0) {
		if (h->out->len > h->start) {
			int have = 0;
			for (size_t i = h->out->len; i > h->start && h->out->data[i - 1] == '\n' && have < 2; i--)
				have++;
			if (have == 0) {
				buf_append_c(h->out, '\n');
				have = 1;
			}
			for (; have < h->pending_nl; have++)
				buf_append_c(h->out, '\n');
		}
		h->pending_nl = 0;
		h->pending_space = false;
	} else if (h->pending_space && !at_line_start(h)) {
		buf_append_c(h->out, ' ');
	}
	h->pending_space = false;
	if (h->list_item) {
		buf_append(h->out, "* ", 2);
		h->list_item = false;
	}
}

static void html_text(struct html_out *h, const char *p, size_t n)
{
	html_text_prefix(h);
	buf_append(h->out, p, n);
}

/* Decodes an entity at p ('&'); returns bytes consumed, 0 when it is not one. */
static size_t html_entity(struct html_out *h, const char *p, size_t len)
{
	size_t i = 1;
	uint32_t cp = 0;

	if (i < len && p[i] == '#') {
		bool hex = i + 1 < len && (p[i + 1] == 'x' || p[i + 1] == 'X');
		size_t s;
		i += hex ? 2 : 1;
		s = i;
		for (; i < len && i - s < 8; i++) {
			char c = p[i];
			int v = (c >= '0' && c <= '9') ? c - '0'
				: (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
				: (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
			if (v < 0)
				break;
			cp = cp * (hex ? 16 : 10) + (uint32_t)v;
		}
		if (i == s)
			return 0;
		if (i < len && p[i] == ';')
			i++;
		if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			cp = 0xFFFD;
		html_text_prefix(h);
		charset_utf8_append(h->out, cp);
		return i;
	}
	size_t s = i;
	while (i < len && i - s < 10 && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')))
		i++;
	size_t n = i - s;
	if (n == 0)
		return 0;
	for (size_t k = 0; k < N_ELEMENTS(html_entities); k++) {
		if (strlen(html_entities[k].name) == n && memcmp(html_entities[k].name, p + s, n) == 0) {
			if (i < len && p[i] == ';')
				i++;
			if (html_entities[k].cp != 0) {
				html_text_prefix(h);
				charset_utf8_append(h->out, html_entities[k].cp);
			}
			return i;
		}
	}
	return 0;
}

/* Returns the end of the tag starting at p ('<'): just past its '>' (quotes respected). */
static size_t tag_end(const char *p, size_t len)
{
	char quote = 0;

	for (size_t i = 1; i < len; i++) {
		if (quote != 0) {
			if (p[i] == quote)
				quote = 0;
		} else if (p[i] == '"' || p[i] == '\'') {
			quote = p[i];
		} else if (p[i] == '>') {
			return i + 1;
		}
	}
	return len;
}

/* Finds "</name" (case-insensitive) from p; returns its offset or len. */
static size_t find_close(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i + n + 2 <= len; i++) {
		if (p[i] == '<' && p[i + 1] == '/' && strncasecmp(p + i + 2, name, n) == 0)
			return i;
	}
	return len;
}

/* Finds attribute `name` in the tag tag[0..len) and appends its value, entities decoded. */
static bool tag_attr(const char *tag, size_t len, const char *name, struct buf *out)
{
	size_t n = strlen(name), i = 1;

	while (i < len) {
		/* skip to the next attribute name */
		while (i < len && tag[i] != ' ' && tag[i] != '\t' && tag[i] != '\r' && tag[i] != '\n') {
			if (tag[i] == '"' || tag[i] == '\'') {
				const char *q = memchr(tag + i + 1, tag[i], len - i - 1);
				i = q != NULL ? (size_t)(q - tag) + 1 : len;
			} else {
				i++;
			}
		}
		while (i < len && (tag[i] == ' ' || tag[i] == '\t' || tag[i] == '\r' || tag[i] == '\n'))
			i++;
		if (i + n >= len || strncasecmp(tag + i, name, n) != 0)
			continue;
		size_t k = i + n;
		while (k < len && tag[k] == ' ')
			k++;
		if (k >= len || tag[k] != '=')
			continue;
		k++;
		while (k < len && tag[k] == ' ')
			k++;
		size_t vs, ve;
		if (k < len && (tag[k] == '"' || tag[k] == '\'')) {
			const char *q = memchr(tag + k + 1, tag[k], len - k - 1);
			vs = k + 1;
			ve = q != NULL ? (size_t)(q - tag) : len;
		} else {
			vs = k;
			ve = k;
			while (ve < len && tag[ve] != ' ' && tag[ve] != '>' && tag[ve] != '\t')
				ve++;
		}
		for (size_t j = vs; j < ve; j++) {
			if (tag[j] == '&' && ve - j >= 5 && strncasecmp(tag + j, "&amp;", 5) == 0) {
				buf_append_c(out, '&');
				j += 4;
			} else {
				buf_append_c(out, tag[j]);
			}
		}
		return true;
	}
	return false;
}

void mime_html_strip(const char *html, size_t len, struct buf *out, struct mime_stop *stop)
{
	struct html_out h = { out, out->len, BUF_INIT, 0, 0, false, false, false };
	size_t i = 0, look = MIME_HTML_STOP_BYTES;

	buf_reserve(out, len / 2);
	while (i < len) {
		char c = html[i];
		if (i >= look) {
			if (stop != NULL && mime_stop_check(stop))
				break;
			look = i + MIME_HTML_STOP_BYTES;
		}
		if (c == '<') {
			if (len - i >= 4 && memcmp(html + i, "<!--", 4) == 0) {
				const char *e = memmem(html + i + 4, len - i - 4, "-->", 3);
				i = e != NULL ? (size_t)(e - html) + 3 : len;
				continue;
			}
			/* a '<' that cannot start a tag is text: decide before looking for its '>', or a run
			 * of stray '<' would scan to the end from each of them */
			char next = i + 1 < len ? html[i + 1] : '\0';
			if (!((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '/' ||
			      next == '!' || next == '?')) {
				html_text(&h, "<", 1);
				i++;
				continue;
			}
			/* from here on the scan for '>' is never repeated: i moves to its end */
			size_t tag_start = i, te = i + tag_end(html + i, len - i);
			size_t k = i + 1;
			bool closing = k < te && html[k] == '/';
			if (closing)
				k++;
			char name[16];
			size_t nl = 0;
			while (k < te && nl + 1 < sizeof(name) &&
			       ((html[k] >= 'a' && html[k] <= 'z') || (html[k] >= 'A' && html[k] <= 'Z') ||
				(html[k] >= '0' && html[k] <= '9'))) {
				char lc = html[k++];
				name[nl++] = (lc >= 'A' && lc <= 'Z') ? (char)(lc - 'A' + 'a') : lc;
			}
			name[nl] = '\0';
			i = te;
			if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
					 strcmp(name, "head") == 0 || strcmp(name, "title") == 0)) {
				size_t c2 = find_close(html + i, len - i, name);
				i += c2;
				if (i < len)
					i += tag_end(html + i, len - i);
				continue;
			}
			if (strcmp(name, "br") == 0 || strcmp(name, "div") == 0 || strcmp(name, "tr") == 0 ||
			    strcmp(name, "dt") == 0 || strcmp(name, "dd") == 0) {
				if (strcmp(name, "br") == 0 && h.pending_nl == 0) {
					html_text_prefix(&h);
					buf_append_c(out, '\n');
				} else {
					html_break(&h, 1);
				}
			} else if (strcmp(name, "li") == 0) {
				html_break(&h, 1);
				if (!closing)
					h.list_item = true;
			} else if (strcmp(name, "p") == 0 || strcmp(name, "ul") == 0 ||
				   strcmp(name, "ol") == 0 || strcmp(name, "table") == 0 ||
				   strcmp(name, "blockquote") == 0 || strcmp(name, "hr") == 0 ||
				   (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0')) {
				html_break(&h, 2);
			} else if (strcmp(name, "pre") == 0) {
				html_break(&h, 2);
				h.pre = !closing;
			} else if (strcmp(name, "a") == 0 && !closing) {
				buf_reset(&h.href);
				tag_attr(html + tag_start, te - tag_start, "href", &h.href);
				h.link_start = out->len;
			} else if (strcmp(name, "a") == 0 && h.href.len > 0) {
				/* show where a link really goes, unless its text says exactly that */
				const char *text = out->data != NULL ? out->data + h.link_start : "";
				size_t tl = out->len - h.link_start;
				while (tl > 0 && (text[0] == ' ' || text[0] == '\n')) {
					text++;
					tl--;
				}
				const char *url = h.href.data;
				bool skip = url[0] == '#' || strncasecmp(url, "javascript:", 11) == 0 ||
					    (tl == h.href.len && memcmp(text, url, tl) == 0) ||
					    (strncasecmp(url, "mailto:", 7) == 0 && tl == h.href.len - 7 &&
					     memcmp(text, url + 7, tl) == 0);
				if (!skip && h.link_start <= out->len) {
					html_text_prefix(&h);
					if (!at_line_start(&h))
						buf_append_c(out, ' ');
					buf_append_c(out, '<');
					buf_append(out, url, h.href.len);
					buf_append_c(out, '>');
				}
				buf_reset(&h.href);
			} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
				if (!closing)
					h.pending_space = true;
			}
			continue;
		}
		if (c == '&') {
			size_t n = html_entity(&h, html + i, len - i);
			if (n > 0) {
				i += n;
				continue;
			}
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (h.pre) {
				if (c != '\r') {
					html_text_prefix(&h);
					buf_append_c(out, c);
				}
			} else {
				h.pending_space = true;
			}
			i++;
			continue;
		}
		size_t s = i++;
		while (i < len && html[i] != '<' && html[i] != '&' && html[i] != ' ' && html[i] != '\t' &&
		       html[i] != '\r' && html[i] != '\n')
			i++;
		html_text(&h, html + s, i - s);
	}
	buf_free(&h.href);
	if (out->data == NULL)
		buf_append(out, "", 0);
}
