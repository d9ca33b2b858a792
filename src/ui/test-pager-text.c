/* test-pager-text.c: pager layout: header weeding, quotes, signatures, wrapping, links and search. */
#include "skua.h"
#include "pager-text.h"
#include "cells.h"
#include "lib/buf.h"
#include "mime/mime.h"
#include "hostile.h"
#include "test.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void setup(void)
{
	setlocale(LC_ALL, "C.UTF-8");
}

/* All display lines joined with '\n'; for kinds, one letter a line (H B Q S M, plus the level). */
static char *dump(const struct pager_text *pt, bool kinds)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < pager_text_count(pt); i++) {
		const struct pager_text_line *l = pager_text_line(pt, i);
		if (i > 0)
			buf_append_c(&b, kinds ? ' ' : '\n');
		if (kinds) {
			buf_append_c(&b, "HBQSM"[l->kind]);
			if (l->quote_level > 0)
				buf_appendf(&b, "%u", l->quote_level);
		} else {
			TEST_INTEQ(strlen(l->text), l->len);
			TEST_INTEQ(cells_width(l->text, l->len), l->cols);
			buf_append(&b, l->text, l->len);
		}
	}
	return buf_steal(&b);
}

static const char header_block[] =
	"Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	"Received: from c by d; Tue, 14 Nov 2023 22:13:19 +0000\r\n"
	"From: =?UTF-8?Q?Ren=C3=A9e?= <renee@example.org>\r\n"
	"To: Bob <bob@example.org>,\r\n"
	" Carol <carol@example.org>\r\n"
	"Subject: =?UTF-8?B?w4lsw6h2ZQ==?= report\r\n"
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	"X-Evil: \x1b]0;owned\x07 \xE2\x80\xAEtxt\r\n"
	"not a field line\r\n"
	"X-Mailer: test\r\n"
	"\r\n"
	"Body: not a header\r\n";

static void test_headers(void)
{
	struct pager_text_opts opts = { 0 };
	struct pager_text *pt;
	char *s;
	size_t hlen = pager_text_body_start(header_block, strlen(header_block));

	setup();
	TEST_INTEQ(hlen, strlen(header_block) - strlen("Body: not a header\r\n"));
	pt = pager_text_layout(header_block, hlen, "hello\n", 6, &opts);
	s = dump(pt, false);
	TEST_STREQ(s, "From: Ren\xC3\xA9" "e <renee@example.org>\n"
		      "To: Bob <bob@example.org>, Carol <carol@example.org>\n"
		      "Date: Tue, 14 Nov 2023 22:13:20 +0000\n"
		      "Subject: \xC3\x89l\xC3\xA8ve report\n"
		      "\n"
		      "hello");
	free(s);
	TEST_INTEQ(pager_text_line(pt, 0)->name_len, 5);
	TEST_INTEQ(pager_text_line(pt, 3)->name_len, 8);
	TEST_INTEQ(pager_text_body_first(pt), 5);
	s = dump(pt, true);
	TEST_STREQ(s, "H H H H B B");
	free(s);
	pager_text_free(&pt);
	TEST_ASSERT(pt == NULL);

	/* a chosen list, in its order, every field of each name */
	static const char *const shown[] = { "subject", "Received", "X-Missing", "X-Evil" };
	opts.headers = shown;
	opts.n_headers = N_ELEMENTS(shown);
	pt = pager_text_layout(header_block, hlen, NULL, 0, &opts);
	s = dump(pt, false);
	TEST_STREQ(s, "Subject: \xC3\x89l\xC3\xA8ve report\n"
		      "Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000\n"
		      "Received: from c by d; Tue, 14 Nov 2023 22:13:19 +0000\n"
		      "X-Evil: \xEF\xBF\xBD]0;owned\xEF\xBF\xBD txt\n");
	free(s);
	pager_text_free(&pt);

	/* every field, in order (the broken line is left out) */
	opts.all_headers = true;
	pt = pager_text_layout(header_block, hlen, "x", 1, &opts);
	TEST_INTEQ(pager_text_count(pt), 8 + 1 + 1);
	TEST_STREQ(pager_text_line(pt, 0)->text, "Received: from a by b; Tue, 14 Nov 2023 22:13:20 +0000");
	TEST_STREQ(pager_text_line(pt, 7)->text, "X-Mailer: test");
	pager_text_free(&pt);

	/* no header fields shown: no blank line either */
	static const char *const none[] = { "X-Nothing" };
	opts.all_headers = false;
	opts.headers = none;
	opts.n_headers = 1;
	pt = pager_text_layout(header_block, hlen, "x", 1, &opts);
	TEST_INTEQ(pager_text_count(pt), 1);
	TEST_INTEQ(pager_text_body_first(pt), 0);
	pager_text_free(&pt);
}

static void test_kinds(void)
{
	static const char body[] =
		"Hi,\n"
		"> quoted\n"
		"> > twice\n"
		">> twice too\n"
		">>> thrice\n"
		"  > indented quote\n"
		"| bar quote\n"
		">\n"
		"not > quoted\n"
		"--\n"
		"-- \n"
		"Alice\n"
		"> in the signature\n"
		"[-- Attachment: a.pdf (application/pdf, 1.2K) --]\n"
		"after\n"
		"[-- not a marker\n";
	struct pager_text *pt;
	char *s;

	setup();
	pt = pager_text_layout(NULL, 0, body, strlen(body), NULL);
	s = dump(pt, true);
	TEST_STREQ(s, "B Q1 Q2 Q2 Q3 Q1 Q1 Q1 B B S S S M B B");
	free(s);
	pager_text_free(&pt);
}

static const struct {
	const char *in;
	size_t width;
	const char *out; /* display lines joined with '|' */
} wrap_cases[] = {
	{ "short line", 20, "short line" },
	{ "exactly ten", 11, "exactly ten" },
	{ "the quick brown fox jumps", 10, "the quick|brown fox|jumps" },
	{ "the quick brown fox jumps", 9, "the quick|brown fox|jumps" },
	{ "a  lot   of    blanks", 6, "a  lot|of|blanks" },
	{ "a  lot   of    blanks", 5, "a|lot|of|blank|s" },
	{ "   indented text here", 12, "   indented|text here" },
	{ "supercalifragilistic", 8, "supercal|ifragili|stic" },
	{ "word supercalifragilistic", 8, "word|supercal|ifragili|stic" },
	{ "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\xE5\x85\xB8", 5,
	  "\xE4\xB8\xAD\xE6\x96\x87|\xE5\xAD\x97\xE5\x85\xB8" },
	{ "a\xE4\xB8\xAD\xE6\x96\x87", 4, "a\xE4\xB8\xAD|\xE6\x96\x87" },
	{ "\xE4\xB8\xAD", 1, "\xE4\xB8\xAD" }, /* a wide character alone on a narrow line */
	{ "e\xCC\x81" "e\xCC\x81" "e\xCC\x81", 2, "e\xCC\x81" "e\xCC\x81|e\xCC\x81" },
	{ "a\tb", 5, "a|b" },
	{ "ab\tc", 0, "ab      c" },
	{ "trailing blanks     ", 9, "trailing|blanks" },
	{ "\x1b[31mred\x1b[0m text", 8, "^[[31mre|d^[[0m|text" },
	{ "", 10, "" },
};

static void test_wrap(void)
{
	setup();
	for (size_t i = 0; i < N_ELEMENTS(wrap_cases); i++) {
		struct pager_text_opts opts = { .width = wrap_cases[i].width };
		struct pager_text *pt = pager_text_layout(NULL, 0, wrap_cases[i].in, strlen(wrap_cases[i].in),
							  &opts);
		struct buf b = BUF_INIT;
		buf_append_str(&b, "");
		for (size_t k = 0; k < pager_text_count(pt); k++) {
			const struct pager_text_line *l = pager_text_line(pt, k);
			if (k > 0)
				buf_append_c(&b, '|');
			buf_append(&b, l->text, l->len);
			TEST_ASSERT(opts.width == 0 || l->cols <= opts.width || l->len <= 3);
			TEST_INTEQ(l->continuation, k > 0);
			TEST_INTEQ(l->source, 0);
		}
		TEST_STREQ(b.data, wrap_cases[i].out);
		buf_free(&b);
		pager_text_free(&pt);
	}
}

static void test_wrap_keeps_source(void)
{
	static const char body[] = "one two three four\nfive six seven\n> quoted line that wraps\n";
	struct pager_text_opts opts = { .width = 6 };
	struct pager_text *pt;

	setup();
	pt = pager_text_layout(NULL, 0, body, strlen(body), &opts);
	/* one|two|three|four, five|six|seven, >|quoted|line|that|wraps */
	TEST_INTEQ(pager_text_count(pt), 4 + 3 + 5);
	TEST_INTEQ(pager_text_find_source(pt, 0), 0);
	TEST_INTEQ(pager_text_find_source(pt, 1), 4);
	TEST_INTEQ(pager_text_find_source(pt, 2), 7);
	TEST_INTEQ(pager_text_find_source(pt, 99), 11);
	TEST_STREQ(pager_text_line(pt, 7)->text, ">");
	/* wrapped quoted lines keep their kind and level */
	for (size_t i = 7; i < 12; i++) {
		TEST_INTEQ(pager_text_line(pt, i)->kind, PAGER_TEXT_QUOTED);
		TEST_INTEQ(pager_text_line(pt, i)->quote_level, 1);
	}
	pager_text_free(&pt);
}

static const struct {
	const char *in;
	const char *spans;  /* "start-end:url" of the one line, space-separated */
	const char *urls;   /* the list, space-separated */
} url_cases[] = {
	{ "see https://example.org/a?b=1&c=2#frag now", "4-38:0", "https://example.org/a?b=1&c=2#frag" },
	{ "HTTP://EXAMPLE.ORG.", "0-18:0", "HTTP://EXAMPLE.ORG" },
	{ "(http://en.wikipedia.org/wiki/Foo_(bar))", "1-39:0", "http://en.wikipedia.org/wiki/Foo_(bar)" },
	{ "(see http://x.org/a)", "5-19:0", "http://x.org/a" },
	{ "<http://x.org/a>, 'http://y.org/b'", "1-15:0 19-33:1", "http://x.org/a http://y.org/b" },
	{ "\"http://x.org/\\\"evil\"", "1-14:0", "http://x.org/" },
	{ "mailto:alice@example.org?subject=hi", "0-35:0", "mailto:alice@example.org?subject=hi" },
	{ "go to www.example.org/path, then", "6-26:0", "http://www.example.org/path" },
	{ "www.nodot and www. and http:// and xhttp://x.org", "", "" },
	{ "https://x.org https://x.org http://x.org", "0-13:0 14-27:0 28-40:1", "https://x.org http://x.org" },
	{ "http://b\xC3\xBC" "cher.de/\xC3\xA4", "0-20:0", "http://b%C3%BCcher.de/%C3%A4" },
	{ "http://x.org/\x1b[31m", "0-13:0", "http://x.org/" },
	{ "http://x.org/a\xE2\x80\xAE" "b", "0-14:0", "http://x.org/a" },
	{ "http://x.org/`id`$(id)", "0-13:0", "http://x.org/" },
	{ "http://x.org/a;b&c$d", "0-20:0", "http://x.org/a;b&c$d" },
	{ "-http://x.org", "1-13:0", "http://x.org" },
	/* a scheme followed by no link: the run of URL characters is skipped as a whole (so a link
	 * starting inside it is not found), the next run is looked at */
	{ "http://-http://x.org http://-, www.-x.org http://y.org", "42-54:0", "http://y.org" },
	{ "www.-a.www.x.org", "", "" },
};

static void test_urls(void)
{
	setup();
	for (size_t i = 0; i < N_ELEMENTS(url_cases); i++) {
		struct pager_text *pt = pager_text_layout(NULL, 0, url_cases[i].in, strlen(url_cases[i].in), NULL);
		const struct pager_text_line *l = pager_text_line(pt, 0);
		const char *const *urls;
		size_t n = pager_text_urls(pt, &urls);
		struct buf sp = BUF_INIT, ul = BUF_INIT;

		buf_append_str(&sp, "");
		buf_append_str(&ul, "");
		for (size_t k = 0; k < l->n_urls; k++)
			buf_appendf(&sp, "%s%zu-%zu:%zu", k ? " " : "", l->urls[k].start, l->urls[k].end,
				    l->urls[k].url);
		for (size_t k = 0; k < n; k++) {
			buf_appendf(&ul, "%s%s", k ? " " : "", urls[k]);
			for (const char *p = urls[k]; *p; p++)
				TEST_ASSERT(*p > 0x20 && *p < 0x7F && !strchr("\"'`\\<>", *p));
		}
		TEST_STREQ(sp.data, url_cases[i].spans);
		TEST_STREQ(ul.data, url_cases[i].urls);
		buf_free(&sp);
		buf_free(&ul);
		pager_text_free(&pt);
	}
}

static void test_url_wrapped(void)
{
	static const char body[] = "link: https://example.org/a/very/long/path/that/wraps end\n"
				   "again https://example.org/a/very/long/path/that/wraps\n";
	struct pager_text_opts opts = { .width = 20 };
	struct pager_text *pt;
	const char *const *urls;

	setup();
	pt = pager_text_layout(NULL, 0, body, strlen(body), &opts);
	TEST_INTEQ(pager_text_urls(pt, &urls), 1);
	/* "link:" | "https://example.org/" | "a/very/long/path/tha" | "t/wraps end" */
	const struct pager_text_line *l0 = pager_text_line(pt, 0), *l1 = pager_text_line(pt, 1),
				     *l3 = pager_text_line(pt, 3);
	TEST_STREQ(l0->text, "link:");
	TEST_INTEQ(l0->n_urls, 0);
	TEST_INTEQ(l1->n_urls, 1);
	TEST_INTEQ(l1->urls[0].start, 0);
	TEST_INTEQ(l1->urls[0].end, 20);
	TEST_STREQ(l3->text, "t/wraps end");
	TEST_INTEQ(l3->n_urls, 1);
	TEST_INTEQ(l3->urls[0].start, 0);
	TEST_INTEQ(l3->urls[0].end, 7);
	TEST_INTEQ(l3->urls[0].url, 0);
	pager_text_free(&pt);
}

static void test_search(void)
{
	static const char body[] =
		"First line with Apple\n"
		"second APPLE line, apple again\n"
		"\xC3\x89l\xC3\xA8ve \xC3\xA9L\xC3\x88VE\n"
		"\xE4\xB8\xAD\xE6\x96\x87 apple\n";
	struct pager_text *pt;
	struct pager_text_match m;
	bool wrapped;

	setup();
	pt = pager_text_layout(NULL, 0, body, strlen(body), NULL);
	TEST_ASSERT(pager_text_search(pt, "apple", 0, 0, false, false, &m, &wrapped));
	TEST_INTEQ(m.line, 0);
	TEST_INTEQ(m.start, 16);
	TEST_INTEQ(m.end, 21);
	TEST_ASSERT(!wrapped);
	TEST_ASSERT(pager_text_search(pt, "apple", 0, 17, false, false, &m, NULL));
	TEST_INTEQ(m.line, 1);
	TEST_INTEQ(m.start, 7);
	TEST_ASSERT(pager_text_search(pt, "apple", 1, 8, false, false, &m, NULL));
	TEST_INTEQ(m.line, 1);
	TEST_INTEQ(m.start, 19);
	TEST_ASSERT(pager_text_search(pt, "apple", 1, 20, false, false, &m, NULL));
	TEST_INTEQ(m.line, 3);
	TEST_INTEQ(m.start, 7);
	TEST_ASSERT(!pager_text_search(pt, "apple", 3, 8, false, false, &m, NULL));
	TEST_ASSERT(pager_text_search(pt, "apple", 3, 8, false, true, &m, &wrapped));
	TEST_ASSERT(wrapped);
	TEST_INTEQ(m.line, 0);
	/* backward */
	TEST_ASSERT(pager_text_search(pt, "APPLE", 1, 19, true, false, &m, NULL));
	TEST_INTEQ(m.line, 1);
	TEST_INTEQ(m.start, 7);
	TEST_ASSERT(pager_text_search(pt, "apple", 1, 7, true, false, &m, NULL));
	TEST_INTEQ(m.line, 0);
	TEST_ASSERT(!pager_text_search(pt, "apple", 0, 16, true, false, &m, NULL));
	TEST_ASSERT(pager_text_search(pt, "apple", 0, 16, true, true, &m, &wrapped));
	TEST_ASSERT(wrapped);
	TEST_INTEQ(m.line, 3);
	TEST_ASSERT(pager_text_search(pt, "apple", 99, 0, true, false, &m, NULL));
	TEST_INTEQ(m.line, 3);
	/* non-ASCII case folding; wide characters */
	TEST_ASSERT(pager_text_search(pt, "\xC3\xA9l\xC3\xA8ve", 0, 0, false, false, &m, NULL));
	TEST_INTEQ(m.line, 2);
	TEST_INTEQ(m.start, 0);
	TEST_INTEQ(m.end, 7);
	TEST_ASSERT(pager_text_search(pt, "\xC3\xA9l\xC3\xA8ve", 2, 1, false, false, &m, NULL));
	TEST_INTEQ(m.start, 8);
	TEST_ASSERT(pager_text_search(pt, "\xE6\x96\x87 A", 0, 0, false, false, &m, NULL));
	TEST_INTEQ(m.line, 3);
	TEST_INTEQ(m.start, 3);
	/* nothing, an empty needle, an empty text */
	TEST_ASSERT(!pager_text_search(pt, "pear", 0, 0, false, true, &m, &wrapped));
	TEST_ASSERT(!wrapped);
	TEST_ASSERT(!pager_text_search(pt, "", 0, 0, false, true, &m, NULL));
	pager_text_free(&pt);
	pt = pager_text_layout(NULL, 0, NULL, 0, NULL);
	TEST_INTEQ(pager_text_count(pt), 0);
	TEST_ASSERT(!pager_text_search(pt, "x", 0, 0, false, true, &m, NULL));
	pager_text_free(&pt);
}

static void test_hostile_body(void)
{
	/* nothing a terminal acts on survives, in any line */
	static const char body[] =
		"\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1bP+q\x1b\\\r\n"
		"\xC2\x9B" "6n \xE2\x80\xAE\xE2\x81\xA6 \x80\xFF\r\n"
		"nul \0 byte\n";
	struct pager_text_opts opts = { .width = 7 };
	struct pager_text *pt;

	setup();
	pt = pager_text_layout(NULL, 0, body, sizeof(body) - 1, &opts);
	for (size_t i = 0; i < pager_text_count(pt); i++) {
		const struct pager_text_line *l = pager_text_line(pt, i);
		for (size_t k = 0; k < l->len; k++) {
			unsigned char c = (unsigned char)l->text[k];
			TEST_ASSERT(c >= 0x20 && c != 0x7F);
			TEST_ASSERT(!(c == 0xC2 && k + 1 < l->len && (unsigned char)l->text[k + 1] < 0xA0));
			TEST_ASSERT(!(c == 0xE2 && k + 2 < l->len && (unsigned char)l->text[k + 1] == 0x80 &&
				      (unsigned char)l->text[k + 2] >= 0xAA && (unsigned char)l->text[k + 2] <= 0xAE));
		}
	}
	TEST_STREQ(pager_text_line(pt, 0)->text, "^[[2J^[");
	TEST_STREQ(pager_text_line(pt, pager_text_count(pt) - 1)->text, "byte");
	pager_text_free(&pt);
}

static void test_body_start(void)
{
	TEST_INTEQ(pager_text_body_start("A: b\r\n\r\nbody", 13), 8);
	TEST_INTEQ(pager_text_body_start("A: b\n\nbody", 10), 6);
	TEST_INTEQ(pager_text_body_start("\nbody", 5), 1);
	TEST_INTEQ(pager_text_body_start("A: b\nC: d", 9), 9);
	TEST_INTEQ(pager_text_body_start("", 0), 0);
}

static void test_speed(void)
{
	/* a 100,000-line message with quotes, links, wide text and long lines */
	struct buf b = BUF_INIT;
	struct pager_text_opts opts = { .width = 80 };
	struct pager_text *pt;
	struct pager_text_match m;
	const char *const *urls;
	clock_t start;

	setup();
	for (int i = 0; i < 100000; i++) {
		switch (i % 4) {
		case 0:
			buf_appendf(&b, "> quoted text of line %d with a link https://example.org/%d\n", i, i % 500);
			break;
		case 1:
			buf_append_str(&b, "\xE4\xB8\xAD\xE6\x96\x87 wide text and more words to wrap past the "
					   "eighty column limit of this pager layout\n");
			break;
		case 2: buf_append_str(&b, "\tplain\ttabbed line\n"); break;
		default: buf_append_str(&b, "\n"); break;
		}
	}
	start = clock();
	pt = pager_text_layout(header_block, pager_text_body_start(header_block, strlen(header_block)), b.data,
			       b.len, &opts);
	double secs = (double)(clock() - start) / CLOCKS_PER_SEC;
	printf("# 100000-line message laid out in %.3f s (%zu display lines)\n", secs, pager_text_count(pt));
	TEST_INTEQ(pager_text_urls(pt, &urls), 125); /* i % 500 for i a multiple of 4 */
	TEST_ASSERT(pager_text_count(pt) > 100000);
	start = clock();
	TEST_ASSERT(!pager_text_search(pt, "no such text", 0, 0, false, true, &m, NULL));
	printf("# a search through it in %.3f s\n", (double)(clock() - start) / CLOCKS_PER_SEC);
	pager_text_free(&pt);
	buf_free(&b);
}

static void test_pathological(void)
{
	/* inputs built to be slow stay linear: one huge word, a link ending in 200,000 ')', a line of
	 * blanks, a line of combining marks */
	struct buf b = BUF_INIT;
	struct pager_text_opts opts = { .width = 80 };
	struct pager_text *pt;
	const char *const *urls;
	clock_t start;

	setup();
	for (int i = 0; i < 1000000; i++)
		buf_append_c(&b, (char)('a' + i % 26));
	buf_append_str(&b, "\nhttp://x.org/");
	for (int i = 0; i < 200000; i++)
		buf_append_c(&b, ')');
	buf_append_c(&b, '\n');
	for (int i = 0; i < 1000000; i++)
		buf_append_c(&b, ' ');
	buf_append_str(&b, "x\ne");
	for (int i = 0; i < 200000; i++)
		buf_append_str(&b, "\xCC\x81");
	start = clock();
	pt = pager_text_layout(NULL, 0, b.data, b.len, &opts);
	printf("# pathological input laid out in %.3f s\n", (double)(clock() - start) / CLOCKS_PER_SEC);
	TEST_INTEQ(pager_text_urls(pt, &urls), 1);
	TEST_STREQ(urls[0], "http://x.org/");
	TEST_INTEQ(pager_text_line(pt, 0)->cols, 80);
	TEST_INTEQ(pager_text_find_source(pt, 1), 12500);
	pager_text_free(&pt);
	buf_free(&b);
}

/* --- hostile bodies (issue 15): the link finder and the link table stay linear --- */

struct body_work {
	void (*make)(struct buf *out, size_t n);
	struct buf body;
	size_t urls;
};

static void body_work(void *arg, size_t n)
{
	struct body_work *w = arg;
	struct pager_text_opts opts = { .width = 80 };
	const char *const *urls;

	buf_reset(&w->body);
	w->make(&w->body, n);
	struct pager_text *pt = pager_text_layout(NULL, 0, w->body.data, w->body.len, &opts);
	w->urls = pager_text_urls(pt, &urls);
	pager_text_free(&pt);
}

static void test_hostile_links(void)
{
	struct body_work w = { hostile_url_run, BUF_INIT, 0 };

	setup();
	/* a line of "http://-" rescanned the rest of the line from each 'h' */
	TEST_ASSERT(hostile_ratio("a line of http://-", body_work, &w, 2048, 65536, 0.02, NULL) <=
		    HOSTILE_MAX_RATIO);
	TEST_INTEQ(w.urls, 0);
	/* URLs whose FNV-1a hashes agree in their low 16 bits all fell into one run of the link table */
	w.make = hostile_fnv_urls;
	TEST_ASSERT(hostile_ratio("URLs colliding under FNV-1a", body_work, &w, 256, 16384, 0.01, NULL) <=
		    HOSTILE_MAX_RATIO);
	body_work(&w, 65536);
	TEST_INTEQ(w.urls, PAGER_TEXT_MAX_URLS);
	buf_free(&w.body);
}

/* The header lines of one message share one decoding budget: twelve charsets over three fields, the
 * words in the ninth and later lose their non-ASCII characters. */
static void test_header_budget(void)
{
	static const char *const cs[] = {
		"iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-9", "iso-8859-10", "iso-8859-13",
		"iso-8859-14", "iso-8859-15", "iso-8859-16", "windows-1250", "windows-1252", "koi8-r",
	};
	static const char *const fields[] = { "From", "To", "Subject" };
	struct pager_text_opts opts = { .all_headers = true };
	struct buf h = BUF_INIT, got = BUF_INIT;
	struct pager_text *pt;

	setup();
	for (size_t f = 0, k = 0; f < N_ELEMENTS(fields); f++) {
		buf_appendf(&h, "%s:", fields[f]);
		for (int i = 0; i < 4; i++, k++)
			buf_appendf(&h, " =?%s?q?%c=E9?=", cs[k], (char)('a' + k));
		buf_append_str(&h, f < 2 ? " <x@y>\r\n" : "\r\n");
	}
	buf_append_str(&h, "\r\n");
	pt = pager_text_layout(h.data, h.len, NULL, 0, &opts);
	for (size_t i = 0; i < pager_text_count(pt); i++)
		buf_appendf(&got, "%s\n", pager_text_line(pt, i)->text);
	TEST_STREQ(got.data, "From: a\xc3\xa9" "b\xc3\xa9" "c\xc3\xa9" "d\xc3\xa9 <x@y>\n"
			     "To: e\xc3\xa9" "f\xc3\xa9" "g\xc3\xa9" "h\xc3\xa9 <x@y>\n"
			     "Subject: i\xef\xbf\xbdj\xef\xbf\xbdk\xef\xbf\xbdl\xef\xbf\xbd\n\n");
	pager_text_free(&pt);
	buf_free(&h);
	buf_free(&got);
}

/* A body of newlines: a display line each, about 80 bytes apiece; past PAGER_TEXT_MAX_LINES the rest
 * is left out, so memory stays bounded whatever the message's size. */
static void newlines(struct buf *out, size_t n)
{
	buf_reserve(out, n);
	memset(out->data + out->len, '\n', n);
	out->len += n;
	out->data[out->len] = '\0';
}

static void test_hostile_lines(void)
{
	struct body_work w = { newlines, BUF_INIT, 0 };
	struct pager_text_opts opts = { .width = 80 };
	struct buf b = BUF_INIT;
	struct pager_text *pt;
	size_t before;

	setup();
	TEST_ASSERT(hostile_ratio("a body of newlines", body_work, &w, 4096, 131072, 0.005, NULL) <=
		    HOSTILE_MAX_RATIO);
	buf_free(&w.body);
	newlines(&b, PAGER_TEXT_MAX_LINES + PAGER_TEXT_MAX_LINES / 4);
	before = hostile_heap();
	pt = pager_text_layout(NULL, 0, b.data, b.len, &opts);
	size_t held = hostile_heap() - before;
	printf("# %zu newlines: %zu display lines, %zu bytes held\n", b.len, pager_text_count(pt), held);
	TEST_INTEQ(pager_text_count(pt), PAGER_TEXT_MAX_LINES + 1);
	TEST_INTEQ(pager_text_line(pt, PAGER_TEXT_MAX_LINES)->kind, PAGER_TEXT_MARKER);
	TEST_STREQ(pager_text_line(pt, PAGER_TEXT_MAX_LINES)->text,
		   "[-- more than 1000000 lines; the rest is not shown --]");
	TEST_ASSERT(held < (size_t)PAGER_TEXT_MAX_LINES * 100);
	pager_text_free(&pt);
	/* a message with exactly the limit has no marker */
	buf_truncate(&b, PAGER_TEXT_MAX_LINES - 1);
	buf_append_c(&b, 'x');
	pt = pager_text_layout(NULL, 0, b.data, b.len, &opts);
	TEST_INTEQ(pager_text_count(pt), PAGER_TEXT_MAX_LINES);
	TEST_STREQ(pager_text_line(pt, PAGER_TEXT_MAX_LINES - 1)->text, "x");
	pager_text_free(&pt);
	buf_free(&b);
}

static const struct test_case cases[] = {
	{ "headers", test_headers },
	{ "kinds", test_kinds },
	{ "wrap", test_wrap },
	{ "wrap_keeps_source", test_wrap_keeps_source },
	{ "urls", test_urls },
	{ "url_wrapped", test_url_wrapped },
	{ "search", test_search },
	{ "hostile_body", test_hostile_body },
	{ "body_start", test_body_start },
	{ "speed", test_speed },
	{ "pathological", test_pathological },
	{ "hostile links", test_hostile_links },
	{ "one header budget for the fields shown", test_header_budget },
	{ "hostile line counts", test_hostile_lines },
};

TEST_MAIN(cases)
