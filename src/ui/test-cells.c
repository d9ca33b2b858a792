/* test-cells.c: sanitising, measuring, cutting and padding text to terminal columns. */
#include "skua.h"
#include "cells.h"
#include "test.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define FFFD "\xEF\xBF\xBD"
#define ELL "\xE2\x80\xA6"

static void setup(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		fprintf(stderr, "warning: no C.UTF-8 locale\n");
}

static const struct {
	const char *in;
	unsigned flags;
	const char *out;
	size_t cols;
} sanitize_cases[] = {
	{ "plain text", 0, "plain text", 10 },
	{ "", 0, "", 0 },
	{ "a\tb\nc\rd", 0, "a b c d", 7 },
	{ "a\tb", CELLS_TABS, "a       b", 9 },
	{ "abcdefgh\tx", CELLS_TABS, "abcdefgh        x", 17 },
	{ "\xE4\xB8\xAD\tx", CELLS_TABS, "\xE4\xB8\xAD      x", 9 },
	/* escape sequences: CSI, OSC (title, hyperlink), DCS, 8-bit CSI */
	{ "\x1b[31mred\x1b[0m", 0, "^[[31mred^[[0m", 14 },
	{ "\x1b]0;title\x07", 0, "^[]0;title^G", 12 },
	{ "\x1b]8;;http://x\x1b\\link", 0, "^[]8;;http://x^[\\link", 21 },
	{ "\x1bP1$r\x1b\\", 0, "^[P1$r^[\\", 9 },
	{ "\xC2\x9B" "31m", 0, FFFD "31m", 4 },
	{ "\x9b" "31m", 0, FFFD "31m", 4 },
	{ "del\x7f", 0, "del^?", 5 },
	{ "\x01\x1f", 0, "^A^_", 4 },
	/* bidi overrides, isolates and marks */
	{ "abc\xE2\x80\xAE" "def", 0, "abc" FFFD "def", 7 },
	{ "\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD", 0, FFFD FFFD FFFD FFFD, 4 },
	{ "\xE2\x81\xA6x\xE2\x81\xA9", 0, FFFD "x" FFFD, 3 },
	{ "\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C", 0, FFFD FFFD FFFD, 3 },
	/* invalid UTF-8: stray continuation, overlong, surrogate, truncated */
	{ "a\x80z", 0, "a" FFFD "z", 3 },
	{ "\xC0\xAF", 0, FFFD FFFD, 2 },
	{ "\xED\xA0\x80", 0, FFFD FFFD FFFD, 3 },
	{ "x\xE4\xB8", 0, "x" FFFD, 2 },
	/* unprintable code points: line separator, noncharacter */
	{ "\xE2\x80\xA8\xEF\xBF\xBE", 0, FFFD FFFD, 2 },
	/* wide and zero-width: CJK, emoji, combining acute, emoji with VS16, ZWJ family */
	{ "\xE4\xB8\xAD\xE6\x96\x87", 0, "\xE4\xB8\xAD\xE6\x96\x87", 4 },
	{ "\xF0\x9F\x98\x80", 0, "\xF0\x9F\x98\x80", 2 },
	{ "e\xCC\x81", 0, "e\xCC\x81", 1 },
	{ "\xE2\x9D\xA4\xEF\xB8\x8F", 0, "\xE2\x9D\xA4\xEF\xB8\x8F", 1 },
	/* more than CELLS_MAX_MARKS combining marks: the rest dropped */
	{ "a\xCC\x81\xCC\x82\xCC\x83\xCC\x84\xCC\x85\xCC\x86", 0, "a\xCC\x81\xCC\x82\xCC\x83\xCC\x84", 1 },
};

static void test_sanitize(void)
{
	setup();
	for (size_t i = 0; i < N_ELEMENTS(sanitize_cases); i++) {
		const char *in = sanitize_cases[i].in;
		size_t len = strlen(in), cols;
		char *s = cells_sanitize(in, len, sanitize_cases[i].flags, &cols);
		TEST_STREQ(s, sanitize_cases[i].out);
		TEST_INTEQ(cols, sanitize_cases[i].cols);
		if (!(sanitize_cases[i].flags & CELLS_TABS))
			TEST_INTEQ(cells_width(in, len), sanitize_cases[i].cols);
		/* idempotent, and the result holds no byte a terminal acts on */
		char *again = cells_sanitize(s, strlen(s), 0, NULL);
		TEST_STREQ(again, s);
		for (const char *p = s; *p; p++)
			TEST_ASSERT((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7F);
		free(again);
		free(s);
	}
}

static void test_nul(void)
{
	size_t cols;
	setup();
	char *s = cells_sanitize("nul\0x", 5, 0, &cols);
	TEST_STREQ(s, "nul^@x");
	TEST_INTEQ(cols, 6);
	TEST_INTEQ(cells_width("nul\0x", 5), 6);
	free(s);
}

static void test_next(void)
{
	size_t cols;
	setup();
	TEST_INTEQ(cells_next("ab", 2, &cols), 1);
	TEST_INTEQ(cols, 1);
	TEST_INTEQ(cells_next("e\xCC\x81x", 4, &cols), 3);
	TEST_INTEQ(cols, 1);
	TEST_INTEQ(cells_next("\xE4\xB8\xAD\xCC\x81", 5, &cols), 5);
	TEST_INTEQ(cols, 2);
	TEST_INTEQ(cells_next("\xCC\x81" "a", 3, &cols), 2);
	TEST_INTEQ(cols, 0);
	TEST_INTEQ(cells_next("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9", 11, &cols), 7);
	TEST_INTEQ(cols, 2);
}

static const struct {
	const char *in;
	size_t min, max;
	unsigned flags;
	const char *out;
} append_cases[] = {
	{ "hello", 8, 8, 0, "hello   " },
	{ "hello", 8, 8, CELLS_RIGHT, "   hello" },
	{ "hello", 3, 3, 0, "hel" },
	{ "hello", 3, 3, CELLS_ELLIPSIS, "he" ELL },
	{ "hello", 4, 4, CELLS_ELLIPSIS | CELLS_ASCII, "h..." },
	{ "hello", 2, 2, CELLS_ELLIPSIS | CELLS_ASCII, "he" },
	{ "hello", 1, 1, CELLS_ELLIPSIS, ELL },
	{ "hello", 0, 0, CELLS_ELLIPSIS, "" },
	{ "hello", 5, 5, CELLS_ELLIPSIS, "hello" },
	{ "hello", 0, CELLS_NO_LIMIT, 0, "hello" },
	{ "hi", 5, CELLS_NO_LIMIT, 0, "hi   " },
	{ "hello world", 0, 7, 0, "hello w" },
	/* wide characters never split: a space takes the half that does not fit */
	{ "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 5, 5, 0, "\xE4\xB8\xAD\xE6\x96\x87 " },
	{ "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 4, 4, CELLS_ELLIPSIS, "\xE4\xB8\xAD" ELL " " },
	{ "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 5, 5, CELLS_ELLIPSIS, "\xE4\xB8\xAD\xE6\x96\x87" ELL },
	{ "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 1, 1, 0, " " },
	{ "\xE4\xB8\xAD", 3, 3, CELLS_RIGHT, " \xE4\xB8\xAD" },
	{ "a\xF0\x9F\x98\x80" "b", 2, 2, 0, "a " },
	{ "a\xF0\x9F\x98\x80" "b", 3, 3, 0, "a\xF0\x9F\x98\x80" },
	/* combining marks stay with their base, through a cut too */
	{ "e\xCC\x81" "e\xCC\x81" "e", 2, 2, 0, "e\xCC\x81" "e\xCC\x81" },
	{ "e\xCC\x81" "e\xCC\x81" "e", 3, 3, CELLS_RIGHT, "e\xCC\x81" "e\xCC\x81" "e" },
	/* cutting from the start */
	{ "/home/user/mail/lists/debian", 12, 12, CELLS_KEEP_END | CELLS_ELLIPSIS, ELL "ists/debian" },
	{ "/home/user/mail/lists/debian", 12, 12, CELLS_KEEP_END, "lists/debian" },
	{ "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 3, 3, CELLS_KEEP_END, " \xE5\xAD\x97" },
	{ "ab\xCC\x81" "cd", 2, 2, CELLS_KEEP_END, "cd" },
	/* sanitised on the way */
	{ "\x1b[2Jx", 4, 4, 0, "^[[2" },
	{ "a\xE2\x80\xAE" "b", 4, 4, CELLS_RIGHT, " a" FFFD "b" },
	{ "a\tb", 0, CELLS_NO_LIMIT, CELLS_TABS, "a b" },
};

static void test_append(void)
{
	setup();
	for (size_t i = 0; i < N_ELEMENTS(append_cases); i++) {
		struct buf b = BUF_INIT;
		buf_append_str(&b, "[");
		size_t w = cells_append(&b, append_cases[i].in, strlen(append_cases[i].in),
					append_cases[i].min, append_cases[i].max, append_cases[i].flags);
		TEST_STREQ(b.data + 1, append_cases[i].out);
		TEST_INTEQ(w, cells_width(b.data + 1, b.len - 1));
		buf_free(&b);
	}
}

static void test_fit_exact(void)
{
	static const char *const texts[] = {
		"", "x", "hello world", "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97 mixed \xF0\x9F\x98\x80 text",
		"e\xCC\x81\xCC\x81 marks", "\x1b]0;evil\x07 and \xE2\x80\xAE bidi",
	};
	static const unsigned flags[] = { 0, CELLS_ELLIPSIS, CELLS_RIGHT | CELLS_ELLIPSIS, CELLS_KEEP_END,
					  CELLS_KEEP_END | CELLS_ELLIPSIS | CELLS_ASCII };
	setup();
	for (size_t t = 0; t < N_ELEMENTS(texts); t++)
		for (size_t f = 0; f < N_ELEMENTS(flags); f++)
			for (size_t cols = 0; cols < 40; cols++) {
				char *s = cells_fit(texts[t], strlen(texts[t]), cols, flags[f]);
				TEST_INTEQ(cells_width(s, strlen(s)), cols);
				free(s);
			}
}

static void test_speed(void)
{
	/* a long line of mixed text: linear time, a width that adds up */
	struct buf b = BUF_INIT;
	setup();
	for (int i = 0; i < 20000; i++)
		buf_append_str(&b, "ab\xE4\xB8\xAD" "e\xCC\x81");
	TEST_INTEQ(cells_width(b.data, b.len), 20000 * 5);
	char *s = cells_fit(b.data, b.len, 99999, CELLS_ELLIPSIS);
	TEST_INTEQ(cells_width(s, strlen(s)), 99999);
	free(s);
	buf_free(&b);
}

static const struct test_case cases[] = {
	{ "sanitize", test_sanitize },
	{ "nul", test_nul },
	{ "next", test_next },
	{ "append", test_append },
	{ "fit_exact", test_fit_exact },
	{ "speed", test_speed },
};

TEST_MAIN(cases)
