/* test-pattern.c: mutt's patterns, table-driven: each operator on a small hand-made folder, the
 * combinations, threads, dates and sizes, and bad patterns with the position they name. */
#include "skua.h"
#include "pattern.h"
#include "test-synth.h"
#include "imap/imap-engine.h"
#include "lib/buf.h"
#include "test.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct mindex *idx;

static int64_t local_noon(int d, int m, int y)
{
	struct tm tm = { 0 };

	tm.tm_mday = d;
	tm.tm_mon = m - 1;
	tm.tm_year = y - 1900;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void build(void)
{
	int64_t now = (int64_t)time(NULL), day = 86400;
	struct hcache_msg m;

	idx = mindex_new();
	synth_fill(&m, 1, now - day, "Alice Example <alice@example.org>", "Quarterly report", "<a1@x>", NULL, NULL);
	synth_set(&m, HCACHE_TO, "bob@example.org");
	m.flags = IMAP_FLAG_SEEN;
	m.size = 100;
	mindex_add(idx, &m);
	synth_fill(&m, 2, now - 3 * day, "Bob Builder <bob@example.org>", "Re: Quarterly report", "<b2@x>", "<a1@x>",
		   "<a1@x>");
	synth_set(&m, HCACHE_TO, "Alice Example <alice@example.org>");
	synth_set(&m, HCACHE_CC, "carol@example.org");
	m.flags = 0;
	m.size = 20000;
	mindex_add(idx, &m);
	synth_fill(&m, 3, now - 20 * day, "=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>",
		   "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "<c3@x>", NULL, NULL);
	synth_set(&m, HCACHE_LIST_ID, "Dev list <dev.lists.example.org>");
	m.flags = IMAP_FLAG_FLAGGED | IMAP_FLAG_SEEN;
	m.size = 3 << 20;
	mindex_add(idx, &m);
	synth_fill(&m, 4, local_noon(15, 3, 2024), "Carol Dev <carol@example.org>", "Re: Re: Quarterly report",
		   "<d4@x>", "<b2@x>", "<a1@x> <b2@x>");
	m.flags = IMAP_FLAG_DELETED | IMAP_FLAG_ANSWERED | IMAP_FLAG_SEEN;
	m.size = 5000;
	mindex_add(idx, &m);
	synth_fill(&m, 5, now - 400 * day, "Dave Ops <dave@ops.example>", "CAPS Subject", "<e5@x>", NULL, NULL);
	m.flags = 0;
	m.size = 1024;
	mindex_add(idx, &m);
}

static bool tagged(uint32_t uid, void *ctx)
{
	(void)ctx;
	return uid == 5;
}

/* The UIDs p matches, as "1,3", or "error: ..." */
static char *run(const char *text)
{
	struct pattern_env env = { tagged, NULL, NULL };
	const char *error = NULL;
	struct pattern *p = pattern_parse(text, &error);
	bool match[8];
	struct buf out;

	out = (struct buf)BUF_INIT;
	if (p == NULL) {
		buf_appendf(&out, "error: %s", error);
		return buf_steal(&out);
	}
	pattern_match_index(p, idx, &env, match);
	for (size_t pos = 0; pos < mindex_count(idx); pos++)
		if (match[pos])
			buf_appendf(&out, "%s%u", out.len > 0 ? "," : "", mindex_get(idx, pos)->uid);
	pattern_free(&p);
	return buf_steal(&out);
}

static const struct { const char *pattern, *want; } cases[] = {
	{ "", "1,2,3,4,5" },
	{ "all", "1,2,3,4,5" },
	{ "~A", "1,2,3,4,5" },
	/* headers: lower case ignores case, an upper-case letter makes it exact; decoded */
	{ "~f alice", "1" },
	{ "~f Alice", "1" },
	{ "~f ALICE", "" },
	{ "~f jürgen", "3" },
	{ "~f juergen@example\\.de", "3" },
	{ "~s grüße", "3" },
	{ "~s report", "1,2,4" },
	{ "~s ^re:", "2,4" },
	{ "~s report !~s Re:", "1" },
	{ "~s (Re|Fwd):", "2,4" },
	{ "(~s report)", "1,2,4" },
	{ "~s \"Quarterly report\"", "1,2,4" },
	{ "~s 'CAPS Subject'", "5" },
	{ "~t alice", "2" },
	{ "~c carol", "2" },
	{ "~C carol", "2" },
	{ "~L carol", "2,4" },
	{ "~L alice", "1,2" },
	{ "~i b2@x", "2" },
	{ "~x a1@x", "2,4" },
	{ "~y dev\\.lists", "3" },
	/* flags */
	{ "~N", "2,5" },
	{ "~U", "2,5" },
	{ "~O", "" },
	{ "~R", "1,3,4" },
	{ "~F", "3" },
	{ "~D", "4" },
	{ "~Q", "4" },
	{ "~T", "5" },
	{ "~v", "" },
	/* operators */
	{ "~F | ~D", "3,4" },
	{ "!~R", "2,5" },
	{ "~R !(~F | ~D)", "1" },
	{ "~R|~T", "1,3,4,5" },
	{ "!!~F", "3" },
	/* threads: the messages of every thread holding a match */
	{ "~(~f bob)", "1,2,4" },
	{ "~(~F)", "3" },
	{ "!~(~s report)", "3,5" },
	/* sizes */
	{ "~z >10K", "2,3" },
	{ "~z <2K", "1,5" },
	{ "~z 1K-10K", "4,5" },
	{ "~z 3M", "3" },
	{ "~z 10K-", "2,3" },
	{ "~z -1K", "1,5" },
	/* dates sent and received */
	{ "~d <2d", "1" },
	{ "~d <1w", "1,2" },
	{ "~d >1y", "4,5" },
	{ "~d 15/03/2024", "4" },
	{ "~d 14/03/2024-16/03/2024", "4" },
	{ "~d 14/03/24-16/03/24", "4" },
	{ "~d -01/01/2025", "4" },
	{ "~d 16/03/2024-", "1,2,3,5" },
	/* error margins: *N both sides, -N before, +N after (mutt's) */
	{ "~d 17/03/2024*2d", "4" },
	{ "~d 17/03/2024*1d", "" },
	{ "~d 17/03/2024-2d", "4" },
	{ "~d 17/03/2024+2d", "" },
	{ "~d 13/03/2024+2d", "4" },
	{ "~d 13/03/2024+1d", "" },
	{ "~d 22/03/2024*1w", "4" },
	{ "~d 14/03/2024-16/03/2024-1d", "error: bad pattern at 4: not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)" },
	{ "~d 15/03/2024*2x", "error: bad pattern at 4: not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)" },
	{ "~r <2d", "1" },
	/* bad patterns: the position named */
	{ "~q", "error: bad pattern at 1: unknown operator ~q" },
	{ "~f", "error: bad pattern at 3: an argument is missing" },
	{ "~F ~s \"abc", "error: bad pattern at 7: the quote is not closed" },
	{ "(~F", "error: bad pattern at 4: a ')' is missing" },
	{ "~F)", "error: bad pattern at 3: this ')' closes nothing" },
	{ "~s (a", "error: bad pattern at 4: not a valid regular expression" },
	{ "~s (a)\\1", "error: bad pattern at 4: back-references are not supported" },
	{ "~z abc", "error: bad pattern at 4: not a size (10K, <1M, 1K-10K)" },
	{ "~d <2x", "error: bad pattern at 4: not a date unit (y m w d H M S)" },
	{ "~d 32/01/2024", "error: bad pattern at 4: not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)" },
	{ "x", "error: bad pattern at 1: expected ~, !, ( or |" },
	{ "~F |", "error: bad pattern at 5: a pattern is missing" },
	{ "~", "error: bad pattern at 1: an operator is missing after ~" },
	/* what regcomp would copy without end: stacked and nested repetitions (found by the fuzzer) */
	{ "~s \"R++++++++++++++++++++++++++++++++++++++++++++\"",
	  "error: bad pattern at 4: the expression repeats too much (nested or stacked repetitions)" },
	{ "~s ((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)",
	  "error: bad pattern at 4: the expression repeats too much (nested or stacked repetitions)" },
	{ "~s \"R****\"", "error: bad pattern at 4: the expression repeats too much (nested or stacked repetitions)" },
	{ "~s *x", "error: bad pattern at 4: the expression repeats too much (nested or stacked repetitions)" },
	{ "~s (a{100}){100}", "error: bad pattern at 4: the expression repeats too much (nested or stacked repetitions)" },
	{ "~s x{99999}", "error: bad pattern at 4: the expression repeats too much (nested or stacked repetitions)" },
	{ "~s \"[)(+]{2}report\"", "" },
	{ "~s re(port){1,2}", "1,2,4" },
	{ "~s [[:alpha:]]+[[:space:]]report", "1,2,4" },
};

static void test_table(void)
{
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *got = run(cases[i].pattern);

		if (strcmp(got, cases[i].want) != 0)
			printf("# pattern '%s': want '%s', got '%s'\n", cases[i].pattern, cases[i].want, got);
		TEST_STREQ(got, cases[i].want);
		free(got);
	}
}

/* Nesting and length are bounded: an error, never deep recursion or a long parse. */
static void test_limits(void)
{
	struct buf b;
	char *got;

	b = (struct buf)BUF_INIT;
	for (int i = 0; i < 100; i++)
		buf_append(&b, "!", 1);
	buf_append(&b, "~A", 2);
	got = run(b.data);
	TEST_ASSERT(strstr(got, "nested too deeply") != NULL);
	free(got);
	buf_reset(&b);
	for (int i = 0; i < 100; i++)
		buf_append(&b, "~(", 2);
	got = run(b.data);
	TEST_ASSERT(strstr(got, "nested too deeply") != NULL);
	free(got);
	buf_reset(&b);
	while (b.len <= PATTERN_MAX_LEN)
		buf_append(&b, "~F ", 3);
	got = run(b.data);
	TEST_ASSERT(strstr(got, "longer than") != NULL);
	free(got);
	buf_free(&b);
}

static const struct test_case tests[] = {
	{ "operators, combinations, threads, dates, sizes, errors", test_table },
	{ "limits", test_limits },
};

int main(void)
{
	int rc;

	setlocale(LC_ALL, "C.UTF-8");
	build();
	rc = test_run(tests, N_ELEMENTS(tests));
	mindex_free(&idx);
	return rc;
}
