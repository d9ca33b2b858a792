/* test-mailcap.c: mailcap parsing, type matching, safe command expansion and viewer lookup. */
#include "skua.h"
#include "mailcap.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_parse(void)
{
	static const char text[] =
		"# a comment\n"
		"\n"
		"text/html; w3m -dump -T text/html %s; copiousoutput; needsterminal\n"
		"image/*; display %s; test=test -n \"$DISPLAY\"\n"
		"application/pdf; zathura \\\n"
		"   %s\r\n"
		"text/x-semi; printf 'a\\;b' %s ;\n"
		"broken\n"
		"empty/command; ;copiousoutput\n"
		"  # indented comment\n"
		"audio/mpeg; mpv %s; TEST = true";
	struct mailcap_entry *list;
	size_t n = mailcap_parse(text, strlen(text), &list);

	TEST_INTEQ(n, 5);
	if (n != 5) {
		mailcap_entries_free(&list, n);
		return;
	}
	TEST_STREQ(list[0].type, "text/html");
	TEST_STREQ(list[0].command, "w3m -dump -T text/html %s");
	TEST_ASSERT(list[0].copiousoutput && list[0].needsterminal);
	TEST_ASSERT(list[0].test == NULL);
	TEST_STREQ(list[1].type, "image/*");
	TEST_STREQ(list[1].test, "test -n \"$DISPLAY\"");
	TEST_ASSERT(!list[1].copiousoutput);
	TEST_STREQ(list[2].command, "zathura    %s");
	TEST_STREQ(list[3].command, "printf 'a\\;b' %s");
	TEST_STREQ(list[4].test, "true");
	mailcap_entries_free(&list, n);
	TEST_ASSERT(list == NULL);
}

static void test_match(void)
{
	TEST_ASSERT(mailcap_type_matches("text/plain", "text/plain"));
	TEST_ASSERT(mailcap_type_matches("Text/Plain", "text/plain"));
	TEST_ASSERT(mailcap_type_matches("text/*", "text/html"));
	TEST_ASSERT(mailcap_type_matches("text", "text/html"));
	TEST_ASSERT(!mailcap_type_matches("text/plain", "text/html"));
	TEST_ASSERT(!mailcap_type_matches("tex", "text/html"));
	TEST_ASSERT(!mailcap_type_matches("text/*", "textual/html"));
	TEST_ASSERT(!mailcap_type_matches("image/*", "text/plain"));
}

static void test_expand(void)
{
	bool used;
	char *s;

	s = mailcap_expand("less %s", "/tmp/skua-x/attachment.txt", "text/plain", &used);
	TEST_STREQ(s, "less '/tmp/skua-x/attachment.txt'");
	TEST_ASSERT(used);
	free(s);
	/* already quoted by the entry: no second pair of quotes */
	s = mailcap_expand("view '%s' \"%s\" --type=%t", "/tmp/a", "text/plain", &used);
	TEST_STREQ(s, "view '/tmp/a' \"/tmp/a\" --type='text/plain'");
	free(s);
	/* escapes, %%, parameters, no %s */
	s = mailcap_expand("a\\;b 100%% %{charset} \\%s", "/tmp/a", "text/plain", &used);
	TEST_STREQ(s, "a;b 100% '' %s");
	TEST_ASSERT(!used);
	free(s);
	/* a hostile type from the mail never reaches the shell */
	s = mailcap_expand("x %t", "/tmp/a", "text/x'; rm -rf ~; '", NULL);
	TEST_STREQ(s, "x 'application/octet-stream'");
	free(s);
	s = mailcap_expand("x \"%t\"", "/tmp/a", "text/x\"$(id)\"", NULL);
	TEST_STREQ(s, "x \"application/octet-stream\"");
	free(s);
	/* an unsafe path is refused */
	TEST_ASSERT(mailcap_expand("x %s", "/tmp/a b", "text/plain", NULL) == NULL);
	TEST_ASSERT(mailcap_expand("x %s", "/tmp/$(id)", "text/plain", NULL) == NULL);
	/* a trailing % and an unterminated %{ */
	s = mailcap_expand("x %", "/tmp/a", "text/plain", NULL);
	TEST_STREQ(s, "x %");
	free(s);
	s = mailcap_expand("x %{y", "/tmp/a", "text/plain", NULL);
	TEST_STREQ(s, "x ''");
	free(s);
}

static void test_find(void)
{
	char dir[] = "/tmp/skua-test-mailcap-XXXXXX";
	char *a, *b, *env;
	FILE *f;
	struct mailcap_entry e;

	TEST_ASSERT(mkdtemp(dir) != NULL);
	a = xasprintf("%s/one", dir);
	b = xasprintf("%s/two", dir);
	f = fopen(a, "w");
	TEST_ASSERT(f != NULL);
	fputs("text/html; lynx -dump %s; copiousoutput\n"
	      "image/png; failing %s; test=false\n"
	      "text/*; first-copious %s; copiousoutput\n", f);
	fclose(f);
	f = fopen(b, "w");
	TEST_ASSERT(f != NULL);
	fputs("image/*; display %s; test=true\n"
	      "text/html; firefox %s\n", f);
	fclose(f);
	env = xasprintf("%s:%s/missing:%s", a, dir, b);
	setenv("MAILCAPS", env, 1);

	/* the first match wins, copiousoutput or not: earlier files first */
	TEST_ASSERT(mailcap_find("text/html", &e));
	TEST_STREQ(e.command, "lynx -dump %s");
	TEST_ASSERT(e.copiousoutput);
	mailcap_entry_clear(&e);
	/* a failing test is skipped */
	TEST_ASSERT(mailcap_find("image/png", &e));
	TEST_STREQ(e.command, "display %s");
	mailcap_entry_clear(&e);
	/* a wildcard type */
	TEST_ASSERT(mailcap_find("text/plain", &e));
	TEST_STREQ(e.command, "first-copious %s");
	TEST_ASSERT(e.copiousoutput);
	mailcap_entry_clear(&e);
	TEST_ASSERT(!mailcap_find("application/pdf", &e));
	TEST_ASSERT(e.command == NULL);

	unsetenv("MAILCAPS");
	unlink(a);
	unlink(b);
	rmdir(dir);
	free(a);
	free(b);
	free(env);
}

static const struct test_case cases[] = {
	{ "parse", test_parse },
	{ "match", test_match },
	{ "expand", test_expand },
	{ "find", test_find },
};

TEST_MAIN(cases)
