/* test-format.c: index_format expansion, sizes, list names and thread-tree prefixes. */
#include "skua.h"
#include "format.h"
#include "cells.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CJK4 "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\xE5\x85\xB8" /* four wide characters */
#define CJK3 "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97"

static void setup(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	setenv("TZ", "UTC", 1);
	tzset();
}

static const struct format_msg base_msg = {
	.number = 42,
	.flags = FORMAT_SEEN,
	.date = 1700000000, /* Tue 2023-11-14 22:13:20 UTC */
	.size = 34 * 1024,
	.lines = 120,
	.attachments = 0,
	.from_name = "Alice Example",
	.from_addr = "alice@example.org",
	.to_name = "Bob",
	.to_addr = "bob@example.org",
	.subject = "Lunch plans",
	.tree = NULL,
	.list_id = NULL,
};

static const char *const own[] = { "Me@Example.org" };
static const struct format_opts own_opts = { own, 1, NULL, NULL, NULL };

/* Expands spec; checks the width is exactly cols. Returns a malloc'd line. */
static char *expand(const char *spec, const struct format_msg *msg, const struct format_opts *opts,
		    size_t cols)
{
	struct format *fmt = NULL;
	const char *error = NULL;
	struct buf b = BUF_INIT;

	if (format_compile(spec, &fmt, &error) < 0) {
		fprintf(stderr, "compile \"%s\": %s\n", spec, error);
		test_failures++;
		return xstrdup("");
	}
	format_line(fmt, msg, opts, cols, &b);
	format_free(&fmt);
	TEST_ASSERT(fmt == NULL);
	TEST_INTEQ(cells_width(b.data, b.len), cols);
	return buf_steal(&b);
}

static const struct {
	const char *spec;
	size_t cols;
	const char *out;
} line_cases[] = {
	{ "%4C %Z %{%b %d} %-15.15L (%4c) %s", 60,
	  "  42     Nov 14 Alice Example   ( 34K) Lunch plans          " },
	{ "%C", 5, "42   " },
	{ "%5C|", 6, "   42|" },
	{ "%-5C|", 6, "42   |" },
	{ "%05C|", 6, "00042|" },
	{ "%.5n|", 6, "Alice|" },
	{ "%-8.3n|", 9, "Ali     |" },
	{ "%n <%a>", 40, "Alice Example <alice@example.org>       " },
	{ "%t", 5, "Bob  " },
	{ "%d", 16, "2023-11-14 22:13" },
	{ "%[%H:%M]", 5, "22:13" },
	{ "%{%Y}%%", 5, "2023%" },
	{ "%l lines, %X att", 16, "120 lines, 0 att" },
	{ "%y|", 2, "| " },
	{ "literal only", 7, "literal" },
	{ "", 3, "   " },
	/* %> right-justifies the rest, %| fills to the end */
	{ "%s%> %c", 20, "Lunch plans      34K" },
	{ "%s%>.%c", 20, "Lunch plans......34K" },
	{ "%s%>-%c", 8, "Lunch34K" },
	{ "%s%> %s", 5, "Lunch" },
	{ "%C %|-", 8, "42 -----" },
	{ "%C %|\xE2\x94\x80" "ignored", 5, "42 \xE2\x94\x80\xE2\x94\x80" },
	/* conditionals */
	{ "%?l?%l lines&%c?", 9, "120 lines" },
	{ "%?X?has %X&none?", 6, "none  " },
	{ "%?y?list %y?|", 2, "| " },
	{ "(%?c?%c?)", 5, "(34K)" },
};

static void test_lines(void)
{
	setup();
	for (size_t i = 0; i < N_ELEMENTS(line_cases); i++) {
		char *s = expand(line_cases[i].spec, &base_msg, NULL, line_cases[i].cols);
		TEST_STREQ(s, line_cases[i].out);
		free(s);
	}
}

static void test_senders(void)
{
	struct format_msg m = base_msg;
	char *s;

	setup();
	/* from the user: %F and %L show the recipient */
	m.from_addr = "me@example.org";
	m.from_name = "Me";
	s = expand("%F|%L|%n", &m, &own_opts, 14);
	TEST_STREQ(s, "To Bob|To Bob|");
	free(s);
	m.to_name = NULL;
	s = expand("%F", &m, &own_opts, 20);
	TEST_STREQ(s, "To bob@example.org  ");
	free(s);
	/* without the opts nobody is the user */
	s = expand("%F", &m, NULL, 4);
	TEST_STREQ(s, "Me  ");
	free(s);
	/* list mail: %L names the list */
	m = base_msg;
	m.list_id = "Skua development <skua-devel.lists.example.org>";
	s = expand("%-20L|%y", &m, &own_opts, 32);
	TEST_STREQ(s, "To skua-devel       |skua-devel ");
	free(s);
	/* a sender with no name shows the address */
	m = base_msg;
	m.from_name = "";
	s = expand("%n", &m, NULL, 17);
	TEST_STREQ(s, "alice@example.org");
	free(s);
	m.from_name = NULL;
	m.from_addr = NULL;
	s = expand("[%n]", &m, NULL, 3);
	TEST_STREQ(s, "[] ");
	free(s);
}

static bool is_own_cb(const char *addr, void *ctx)
{
	return strcmp(addr, (const char *)ctx) == 0;
}

static void test_own_callback(void)
{
	struct format_opts opts = { NULL, 0, is_own_cb, (void *)"alice@example.org", NULL };
	setup();
	char *s = expand("%F", &base_msg, &opts, 6);
	TEST_STREQ(s, "To Bob");
	free(s);
}

static const struct {
	uint32_t flags;
	unsigned attachments;
	const char *out;
} flag_cases[] = {
	{ FORMAT_SEEN, 0, "   " },
	{ 0, 0, "N  " },
	{ FORMAT_OLD, 0, "O  " },
	{ FORMAT_SEEN | FORMAT_ANSWERED, 0, "r  " },
	{ FORMAT_ANSWERED, 0, "N  " },
	{ FORMAT_SEEN | FORMAT_FLAGGED, 0, " ! " },
	{ FORMAT_SEEN | FORMAT_FLAGGED | FORMAT_TAGGED, 0, " * " },
	{ FORMAT_DELETED, 0, "D  " },
	{ FORMAT_SEEN | FORMAT_DELETED | FORMAT_FLAGGED, 0, "D! " },
	{ FORMAT_SEEN | FORMAT_ATTACHMENT, 0, "  @" },
	{ FORMAT_SEEN, 2, "  @" },
	{ FORMAT_OLD | FORMAT_TAGGED, 1, "O*@" },
};

static void test_flags(void)
{
	struct format_msg m = base_msg;
	setup();
	for (size_t i = 0; i < N_ELEMENTS(flag_cases); i++) {
		m.flags = flag_cases[i].flags;
		m.attachments = flag_cases[i].attachments;
		char *s = expand("%Z", &m, NULL, 3);
		TEST_STREQ(s, flag_cases[i].out);
		free(s);
	}
}

static void test_wide_and_hostile(void)
{
	struct format_msg m = base_msg;
	char *s;

	setup();
	m.subject = CJK4;
	s = expand("%-6.6s|", &m, NULL, 7);
	TEST_STREQ(s, CJK3 "|");
	free(s);
	m.subject = "a" CJK4;
	s = expand("%-6.6s|", &m, NULL, 7);
	TEST_STREQ(s, "a\xE4\xB8\xAD\xE6\x96\x87 |");
	free(s);
	s = expand("%s", &m, NULL, 4);
	TEST_STREQ(s, "a\xE4\xB8\xAD ");
	free(s);
	/* escape sequences and bidi overrides in any field are shown, not obeyed */
	m.subject = "\x1b]0;pwned\x07 \xE2\x80\xAE" "evil";
	m.from_name = "\x1b[2J";
	s = expand("%n %s", &m, NULL, 30);
	TEST_STREQ(s, "^[[2J ^[]0;pwned^G \xEF\xBF\xBD" "evil      ");
	free(s);
	/* literal text in the format is sanitised too */
	s = expand("\x1b[7m%C", &base_msg, NULL, 7);
	TEST_STREQ(s, "^[[7m42");
	free(s);
	/* a thread tree before the subject counts in the width */
	m = base_msg;
	m.tree = "\xE2\x94\x94\xE2\x94\x80>";
	s = expand("%-8.8s|", &m, NULL, 9);
	TEST_STREQ(s, "\xE2\x94\x94\xE2\x94\x80>Lunch|");
	free(s);
}

static void test_exact_width(void)
{
	static const char *const specs[] = {
		"%4C %Z %{%b %d} %-15.15L (%4c) %s", "%s%> %c", "%C %|x", "%?l?%l&%c? %s",
	};
	struct format_msg m = base_msg;
	setup();
	m.subject = "a" CJK4 "b" CJK4;
	for (size_t i = 0; i < N_ELEMENTS(specs); i++)
		for (size_t cols = 0; cols < 70; cols++)
			free(expand(specs[i], &m, NULL, cols));
}

static const struct {
	const char *spec;
	const char *error;
} error_cases[] = {
	{ "%", "index format: '%' at the end" },
	{ "abc %-5", "index format: '%' at the end" },
	{ "%q", "index format: unknown conversion \"%q\"" },
	{ "%{%b", "index format: \"%{\" without its closing '}'" },
	{ "%[%b", "index format: \"%[\" without its closing ']'" },
	{ "%?l?x", "index format: a conditional without its closing '?'" },
	{ "%?Q?x?", "index format: a conditional is %?X?then?  or %?X?then&else?" },
	{ "%?l", "index format: a conditional is %?X?then?  or %?X?then&else?" },
	{ "%?l?%?c?x??", "index format: conditionals cannot be nested" },
	{ "%?l?%>x?", "index format: %> inside a conditional" },
	{ "%>", "index format: %> and %| need a fill character" },
	{ "%>\x1b", "index format: the fill character must be one column wide" },
	{ "%>\xE4\xB8\xAD", "index format: the fill character must be one column wide" },
	{ "%5000C", "index format: a width over 1000" },
};

static void test_errors(void)
{
	setup();
	for (size_t i = 0; i < N_ELEMENTS(error_cases); i++) {
		struct format *fmt = NULL;
		const char *error = NULL;
		TEST_INTEQ(format_compile(error_cases[i].spec, &fmt, &error), -1);
		TEST_ASSERT(fmt == NULL);
		TEST_STREQ(error, error_cases[i].error);
	}
}

static const struct {
	int64_t bytes;
	const char *out;
} size_cases[] = {
	{ -1, "?" },
	{ 0, "0" },
	{ 999, "999" },
	{ 1000, "1.0K" },
	{ 1229, "1.2K" },
	{ 10188, "9.9K" },
	{ 10189, "10K" },
	{ 34 * 1024, "34K" },
	{ 20000, "19K" },         /* as mutt: whole units round up from .95 only */
	{ 1023948, "999K" },
	{ 1023949, "1.0M" },
	{ 1153434, "1.1M" },
	{ 12 * 1048576, "12M" },
	{ 1536LL * 1048576, "1.5G" },
	{ 5000LL * 1073741824, "4.9T" },
	{ 2000000LL * 1073741824, "1953T" },
};

static void test_sizes(void)
{
	char buf[16];
	for (size_t i = 0; i < N_ELEMENTS(size_cases); i++)
		TEST_STREQ(format_size(size_cases[i].bytes, buf, sizeof(buf)), size_cases[i].out);
}

static const struct {
	const char *in;
	const char *out;
} list_cases[] = {
	{ "Skua development <skua-devel.lists.example.org>", "skua-devel" },
	{ "<debian-devel.lists.debian.org>", "debian-devel" },
	{ "  plain.example.org ", "plain" },
	{ "noangle", "noangle" },
	{ "<unterminated.example", "unterminated" },
	{ "<.leading-dot>", ".leading-dot" },
	{ "", "" },
};

static void test_list_names(void)
{
	for (size_t i = 0; i < N_ELEMENTS(list_cases); i++) {
		char *s = format_list_name(list_cases[i].in);
		TEST_STREQ(s, list_cases[i].out);
		free(s);
	}
	char *s = format_list_name(NULL);
	TEST_STREQ(s, "");
	free(s);
}

static const struct {
	unsigned depth;
	bool more[4];
	const char *utf8, *ascii;
} tree_cases[] = {
	{ 0, { false }, "", "" },
	{ 1, { true }, "\xE2\x94\x9C\xE2\x94\x80>", "|->" },
	{ 1, { false }, "\xE2\x94\x94\xE2\x94\x80>", "`->" },
	{ 2, { true, false }, "\xE2\x94\x82 \xE2\x94\x94\xE2\x94\x80>", "| `->" },
	{ 3, { false, true, true }, "  \xE2\x94\x82 \xE2\x94\x9C\xE2\x94\x80>", "  | |->" },
};

static void test_tree_prefix(void)
{
	setup();
	for (size_t i = 0; i < N_ELEMENTS(tree_cases); i++) {
		struct buf b = BUF_INIT;
		format_tree_prefix(&b, tree_cases[i].depth, tree_cases[i].more, false);
		TEST_STREQ(b.data ? b.data : "", tree_cases[i].utf8);
		buf_reset(&b);
		format_tree_prefix(&b, tree_cases[i].depth, tree_cases[i].more, true);
		TEST_STREQ(b.data ? b.data : "", tree_cases[i].ascii);
		buf_free(&b);
	}
}

static void test_tree_links(void)
{
	/* A            root
	 * |-> B
	 * |   `-> C
	 * `-> D
	 *     |-> E
	 *     `-> F
	 *         `-> G
	 * H            another root
	 * `-> I */
	static const unsigned depths[] = { 0, 1, 2, 1, 2, 2, 3, 0, 1 };
	static const char *const ascii[] = { "", "|->", "| `->", "`->", "  |->", "  `->", "    `->", "",
					     "`->" };
	struct sort_line lines[N_ELEMENTS(depths)];
	size_t parent[N_ELEMENTS(depths)];
	bool more[N_ELEMENTS(depths)];

	setup();
	for (size_t i = 0; i < N_ELEMENTS(depths); i++) {
		memset(&lines[i], 0, sizeof(lines[i]));
		lines[i].depth = depths[i];
	}
	format_tree_links(lines, N_ELEMENTS(lines), parent, more);
	TEST_INTEQ(parent[0], SIZE_MAX);
	TEST_INTEQ(parent[2], 1);
	TEST_INTEQ(parent[6], 5);
	TEST_INTEQ(parent[8], 7);
	TEST_ASSERT(more[0]); /* the next root follows */
	TEST_ASSERT(!more[7]);
	for (size_t i = 0; i < N_ELEMENTS(depths); i++) {
		struct buf b = BUF_INIT;
		format_tree_line(&b, parent, more, i, true);
		TEST_STREQ(b.data ? b.data : "", ascii[i]);
		buf_free(&b);
	}
}

static void test_tree_deep(void)
{
	/* a chain deeper than the stack buffer, and depths that jump (taken as one level down) */
	enum { N = 200 };
	struct sort_line lines[N];
	size_t parent[N];
	bool more[N];
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < N; i++) {
		memset(&lines[i], 0, sizeof(lines[i]));
		lines[i].depth = (unsigned)i;
	}
	lines[1].depth = 5;
	format_tree_links(lines, N, parent, more);
	TEST_INTEQ(parent[1], 0);
	format_tree_line(&b, parent, more, N - 1, true);
	TEST_INTEQ(b.len, (N - 2) * 2 + 3);
	buf_free(&b);
}

static void test_speed(void)
{
	/* formatting does not depend on the folder: 100,000 lines is a fraction of a second */
	struct format *fmt = NULL;
	const char *error;
	struct buf b = BUF_INIT;
	struct format_msg m = base_msg;
	clock_t start = clock();

	setup();
	TEST_INTEQ(format_compile("%4C %Z %{%b %d} %-15.15L (%?l?%4l&%4c?) %s", &fmt, &error), 0);
	m.subject = "Re: a subject of some length " CJK4 " with wide characters";
	for (size_t i = 0; i < 100000; i++) {
		m.number = i + 1;
		buf_reset(&b);
		format_line(fmt, &m, &own_opts, 120, &b);
	}
	TEST_INTEQ(cells_width(b.data, b.len), 120);
	printf("# 100000 index lines in %.3f s\n", (double)(clock() - start) / CLOCKS_PER_SEC);
	buf_free(&b);
	format_free(&fmt);
}

static const struct test_case cases[] = {
	{ "lines", test_lines },
	{ "senders", test_senders },
	{ "own_callback", test_own_callback },
	{ "flags", test_flags },
	{ "wide_and_hostile", test_wide_and_hostile },
	{ "exact_width", test_exact_width },
	{ "errors", test_errors },
	{ "sizes", test_sizes },
	{ "list_names", test_list_names },
	{ "tree_prefix", test_tree_prefix },
	{ "tree_links", test_tree_links },
	{ "tree_deep", test_tree_deep },
	{ "speed", test_speed },
};

TEST_MAIN(cases)
