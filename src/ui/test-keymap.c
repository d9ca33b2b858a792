/* test-keymap.c: key names, bind/macro/unbind lines, lookups with generic fallback, help listings. */
#include "skua.h"
#include "keymap.h"
#include "test.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *text;
	size_t n;
	uint32_t keys[5];
	const char *name; /* as written back; NULL: same as text */
} key_cases[] = {
	{ "j", 1, { 'j' }, NULL },
	{ "gg", 2, { 'g', 'g' }, NULL },
	{ "^X", 1, { 0x18 }, NULL },
	{ "^x", 1, { 0x18 }, "^X" },
	{ "^?", 1, { 0x7F }, NULL },
	{ "^[", 1, { 0x1B }, "<Esc>" },
	{ "^@", 1, { 0 }, NULL },
	{ "^", 1, { '^' }, NULL },
	{ "<", 1, { '<' }, NULL },
	{ "<lt>", 1, { '<' }, "<" },
	{ "<Enter>", 1, { '\r' }, NULL },
	{ "<return>", 1, { '\r' }, "<Enter>" },
	{ "^M", 1, { '\r' }, "<Enter>" },
	{ "<Esc>v", 2, { 0x1B, 'v' }, NULL },
	{ "<ESC><esc>", 2, { 0x1B, 0x1B }, "<Esc><Esc>" },
	{ "<Tab>", 1, { '\t' }, NULL },
	{ "<BackTab>", 1, { KEYMAP_KEY_BACKTAB }, NULL },
	{ "<Space>", 1, { ' ' }, NULL },
	{ "<Up><Down><Left><Right>", 4, { KEYMAP_KEY_UP, KEYMAP_KEY_DOWN, KEYMAP_KEY_LEFT, KEYMAP_KEY_RIGHT },
	  NULL },
	{ "<PageUp><PageDown>", 2, { KEYMAP_KEY_PAGEUP, KEYMAP_KEY_PAGEDOWN }, NULL },
	{ "<Home><End>", 2, { KEYMAP_KEY_HOME, KEYMAP_KEY_END }, NULL },
	{ "<Insert><Delete>", 2, { KEYMAP_KEY_INSERT, KEYMAP_KEY_DELETE }, NULL },
	{ "<Backspace>", 1, { KEYMAP_KEY_BACKSPACE }, NULL },
	{ "<F1>", 1, { KEYMAP_KEY_F(1) }, NULL },
	{ "<f12>", 1, { KEYMAP_KEY_F(12) }, "<F12>" },
	{ "<F63>", 1, { KEYMAP_KEY_F(63) }, NULL },
	{ "<F64>", 5, { '<', 'F', '6', '4', '>' }, NULL }, /* no such name: the characters themselves */
	{ "<Foo>", 5, { '<', 'F', 'o', 'o', '>' }, NULL },
	{ "\xC3\xA9", 1, { 0xE9 }, NULL },
	{ "\xE4\xB8\xAD", 1, { 0x4E2D }, NULL },
	{ "a<Enter>", 2, { 'a', '\r' }, NULL },
};

static void test_key_names(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	for (size_t i = 0; i < N_ELEMENTS(key_cases); i++) {
		uint32_t keys[KEYMAP_MAX_SEQ];
		size_t n = 0;
		const char *error = NULL;
		struct buf b = BUF_INIT;

		if (keymap_keys_parse(key_cases[i].text, keys, &n, &error) < 0) {
			fprintf(stderr, "\"%s\": %s\n", key_cases[i].text, error);
			test_failures++;
			continue;
		}
		if (n > 5)
			n = 5;
		TEST_INTEQ(n, key_cases[i].n);
		for (size_t k = 0; k < n; k++)
			TEST_INTEQ(keys[k], key_cases[i].keys[k]);
		if (n != key_cases[i].n)
			continue;
		keymap_keys_name(&b, keys, n);
		TEST_STREQ(b.data, key_cases[i].name != NULL ? key_cases[i].name : key_cases[i].text);
		buf_free(&b);
	}
}

static const struct {
	const char *text;
	const char *error;
} bad_key_cases[] = {
	{ "", "no key given" },
	{ "^1", "\"^1\" is not a control key (^A to ^Z, ^@, ^[, ^\\, ^], ^^, ^_, ^?)" },
	{ "abcdefghi", "too many keys in one binding (at most 8)" },
	{ "\t", "a key must be a printable character, ^X or a <Name> such as <Space> or <Enter>" },
	{ "\xC2\x9B", "a key must be a printable character, ^X or a <Name> such as <Space> or <Enter>" },
	{ "\xE2\x80\xAE", "a key must be a printable character, ^X or a <Name> such as <Space> or <Enter>" },
	{ "\xFF", "a key must be a printable character, ^X or a <Name> such as <Space> or <Enter>" },
	{ " ", "a key must be a printable character, ^X or a <Name> such as <Space> or <Enter>" },
};

static void test_bad_keys(void)
{
	for (size_t i = 0; i < N_ELEMENTS(bad_key_cases); i++) {
		uint32_t keys[KEYMAP_MAX_SEQ];
		size_t n = 0;
		const char *error = NULL;
		TEST_INTEQ(keymap_keys_parse(bad_key_cases[i].text, keys, &n, &error), -1);
		TEST_STREQ(error, bad_key_cases[i].error);
	}
}

static void test_safe_names(void)
{
	/* codes from the terminal that are no keys are named, never written raw */
	static const uint32_t odd[] = { 0x9B, 0x202E, 0xD800, 0x110000 + 0x50, 0xFFFD };
	struct buf b = BUF_INIT;
	keymap_keys_name(&b, odd, N_ELEMENTS(odd));
	TEST_STREQ(b.data, "<U+009B><U+202E><U+D800><U+110050><U+FFFD>");
	buf_free(&b);
}

static int parse_line(struct keymap *km, const char *line, const char **error_r)
{
	return keymap_parse_line(km, line, strlen(line), error_r);
}

static int parse_text(struct keymap *km, const char *text, const char **error_r)
{
	return keymap_parse(km, text, strlen(text), error_r);
}

/* A lookup's result as "MATCH command", "PREFIX command", "PREFIX" or "NONE". */
static const char *lookup(const struct keymap *km, enum keymap_view view, const char *keytext)
{
	static char out[256];
	uint32_t keys[KEYMAP_MAX_SEQ];
	size_t n;
	const char *error;
	const struct keymap_binding *b;

	if (keymap_keys_parse(keytext, keys, &n, &error) < 0)
		return error;
	switch (keymap_lookup(km, view, keys, n, &b)) {
	case KEYMAP_NONE:
		return b == NULL ? "NONE" : "NONE?";
	case KEYMAP_PREFIX:
		snprintf(out, sizeof(out), "PREFIX%s%s", b != NULL ? " " : "", b != NULL ? b->command : "");
		return out;
	case KEYMAP_MATCH:
		snprintf(out, sizeof(out), "MATCH %s", b->command);
		return out;
	}
	return "?";
}

static const struct {
	enum keymap_view view;
	const char *keys;
	const char *result;
} default_cases[] = {
	{ KEYMAP_INDEX, "j", "MATCH next-entry" },
	{ KEYMAP_INDEX, "<Down>", "MATCH next-entry" },
	{ KEYMAP_INDEX, "k", "MATCH previous-entry" },
	{ KEYMAP_INDEX, "<Enter>", "MATCH display-message" },
	{ KEYMAP_FOLDER, "<Enter>", "MATCH select-entry" },
	{ KEYMAP_INDEX, "q", "MATCH quit" },
	{ KEYMAP_PAGER, "q", "MATCH exit" },
	{ KEYMAP_INDEX, "c", "MATCH change-folder" },
	{ KEYMAP_INDEX, "/", "MATCH search" },
	{ KEYMAP_INDEX, "n", "MATCH search-next" },
	{ KEYMAP_INDEX, "N", "MATCH toggle-new" },          /* mutt's; the pager keeps search-opposite */
	{ KEYMAP_PAGER, "N", "MATCH search-opposite" },
	{ KEYMAP_INDEX, "s", "MATCH save-message" },
	{ KEYMAP_INDEX, "d", "MATCH delete-message" },
	{ KEYMAP_INDEX, "u", "MATCH undelete-message" },
	{ KEYMAP_INDEX, ";", "MATCH tag-prefix" },          /* quoted in the defaults: ';' splits commands */
	{ KEYMAP_PAGER, ";", "MATCH tag-prefix" },
	{ KEYMAP_INDEX, "t", "MATCH tag-entry" },
	{ KEYMAP_INDEX, "$", "MATCH sync-mailbox" },
	{ KEYMAP_INDEX, "z", "MATCH undo" },
	{ KEYMAP_INDEX, "r", "MATCH reply" },
	{ KEYMAP_INDEX, "g", "PREFIX" },
	{ KEYMAP_INDEX, "gg", "MATCH first-entry" },
	{ KEYMAP_INDEX, "gr", "MATCH group-reply" },
	{ KEYMAP_INDEX, "gx", "NONE" },
	{ KEYMAP_INDEX, "G", "MATCH last-entry" },
	{ KEYMAP_INDEX, "<Home>", "MATCH first-entry" },
	{ KEYMAP_INDEX, "<End>", "MATCH last-entry" },
	{ KEYMAP_INDEX, "=", "MATCH first-entry" },
	{ KEYMAP_INDEX, "*", "MATCH last-entry" },
	{ KEYMAP_INDEX, "<PageUp>", "MATCH previous-page" },
	{ KEYMAP_INDEX, "<PageDown>", "MATCH next-page" },
	{ KEYMAP_PAGER, "<Space>", "MATCH next-page" },
	{ KEYMAP_PAGER, "-", "MATCH previous-page" },
	{ KEYMAP_PAGER, "gg", "MATCH top" },
	{ KEYMAP_PAGER, "G", "MATCH bottom" },
	{ KEYMAP_INDEX, "<Tab>", "MATCH next-unread" },
	{ KEYMAP_INDEX, "?", "MATCH help" },
	{ KEYMAP_INDEX, ":", "MATCH enter-command" },
	{ KEYMAP_PAGER, "h", "MATCH display-toggle-weed" },
	{ KEYMAP_PAGER, "v", "MATCH view-attachments" },
	{ KEYMAP_INDEX, "^L", "MATCH redraw-screen" },
	{ KEYMAP_INDEX, "<Esc>", "PREFIX" },
	{ KEYMAP_INDEX, "<Esc>v", "MATCH collapse-thread" },
	{ KEYMAP_INDEX, "<Esc>/", "MATCH search-reverse" },
	{ KEYMAP_INDEX, "^D", "MATCH delete-thread" },  /* mutt's, over the generic half-down */
	{ KEYMAP_PAGER, "^D", "MATCH half-down" },
	{ KEYMAP_INDEX, "L", "MATCH list-reply" },      /* the index's own, over the generic bottom-page */
	{ KEYMAP_FOLDER, "L", "MATCH bottom-page" },
	{ KEYMAP_FOLDER, "d", "NONE" },
	{ KEYMAP_GENERIC, "d", "NONE" },
	/* the prompt: its own table only, so printable keys stay text */
	{ KEYMAP_PROMPT, "j", "NONE" },
	{ KEYMAP_PROMPT, "<Enter>", "MATCH accept" },
	{ KEYMAP_PROMPT, "^G", "MATCH abort" },
	{ KEYMAP_PROMPT, "<Esc>", "PREFIX abort" },  /* <Esc>b follows, or abort after a pause */
	{ KEYMAP_PROMPT, "<Esc>b", "MATCH backward-word" },
	{ KEYMAP_PROMPT, "^W", "MATCH kill-word" },
};

static void test_defaults(void)
{
	struct keymap *km = keymap_new(true);
	for (size_t i = 0; i < N_ELEMENTS(default_cases); i++) {
		const char *r = lookup(km, default_cases[i].view, default_cases[i].keys);
		if (strcmp(r, default_cases[i].result) != 0)
			fprintf(stderr, "%s %s:\n", keymap_view_name(default_cases[i].view), default_cases[i].keys);
		TEST_STREQ(r, default_cases[i].result);
	}
	keymap_free(&km);
	TEST_ASSERT(km == NULL);
	keymap_free(&km);
	/* the defaults are plain configuration lines */
	km = keymap_new(false);
	const char *error = NULL;
	TEST_INTEQ(keymap_parse(km, keymap_defaults, strlen(keymap_defaults), &error), 0);
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "j"), "MATCH next-entry");
	keymap_free(&km);
}

static const struct {
	const char *line;
	const char *error; /* NULL: accepted */
} line_cases[] = {
	{ "", NULL },
	{ "   # a comment", NULL },
	{ "bind index x next-entry # trailing comment", NULL },
	{ "bind index,pager \"<Esc>x\" quit", NULL },
	{ "bind index '#' flag-message", NULL },
	{ "bind editor ^Y bol", NULL },
	{ "macro index Y \"change-folder =INBOX; next-unread\"", NULL },
	{ "macro index,pager B 'save-message \"=a; b\"; sync-mailbox' \"archive it\"", NULL },
	{ "unbind index x", NULL },
	{ "bind index", "usage: bind VIEW KEY FUNCTION" },
	{ "bind index x y z", "usage: bind VIEW KEY FUNCTION" },
	{ "bind inbox x quit", "unknown view \"inbox\" (generic, folder, index, pager or prompt)" },
	{ "bind , x quit", "no view given" },
	{ "bind index x frobnicate", "unknown function \"frobnicate\"" },
	{ "bind prompt x next-entry", "function \"next-entry\" does not work in the prompt view" },
	{ "bind index,folder x display-message", "function \"display-message\" does not work in the folder view" },
	{ "bind index ^1 quit", "key \"^1\": \"^1\" is not a control key (^A to ^Z, ^@, ^[, ^\\, ^], ^^, ^_, ^?)" },
	{ "bind index \"\" quit", "key \"\": no key given" },
	{ "macro index Y", "usage: macro VIEW KEY \"COMMAND; COMMAND...\" [\"DESCRIPTION\"]" },
	{ "macro index Y \"quit;;quit\"", "empty command in a macro" },
	{ "macro index Y \"  \"", "empty command in a macro" },
	{ "unbind index", "usage: unbind VIEW KEY" },
	{ "set sort=threads", "unknown command \"set\" (bind, macro or unbind)" },
	{ "bind index \"x quit", "unterminated quoted string" },
	{ "bind index \"x\"y quit", "unexpected text after a closing quote" },
	{ "bind index x\"y\" quit", "quote in the middle of a word; quote the whole word" },
	{ "bind index \"\\q\" quit", "unknown escape \"\\q\" (use \\\\, \\\" or \\t)" },
	{ "bind index \x1b quit", "control character in the line" },
	{ "bind index a b c d e f g h i", "too many words" },
};

static void test_lines(void)
{
	for (size_t i = 0; i < N_ELEMENTS(line_cases); i++) {
		struct keymap *km = keymap_new(false);
		const char *error = NULL;
		int rc = keymap_parse_line(km, line_cases[i].line, strlen(line_cases[i].line), &error);
		if (line_cases[i].error == NULL) {
			if (rc != 0)
				fprintf(stderr, "\"%s\": %s\n", line_cases[i].line, error);
			TEST_INTEQ(rc, 0);
		} else {
			TEST_INTEQ(rc, -1);
			TEST_STREQ(error, line_cases[i].error);
		}
		keymap_free(&km);
	}
}

static void test_bind_macro_unbind(void)
{
	struct keymap *km = keymap_new(true);
	const char *error = NULL;
	const struct keymap_binding *b;
	uint32_t keys[KEYMAP_MAX_SEQ];
	size_t n;
	static const char config[] =
		"# a user's keys\r\n"
		"bind generic j previous-entry\n"
		"bind index j next-entry\n"
		"bind pager x noop\n"
		"bind generic x quit\n"
		"macro index Y \"change-folder =INBOX; next-unread\" \"inbox, first unread\"\n"
		"unbind index c\n"
		"bind index g last-entry\n";

	TEST_INTEQ(keymap_parse(km, config, strlen(config), &error), 0);
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "j"), "MATCH next-entry");
	TEST_STREQ(lookup(km, KEYMAP_PAGER, "j"), "MATCH previous-entry");
	TEST_STREQ(lookup(km, KEYMAP_PAGER, "x"), "MATCH noop");
	TEST_STREQ(lookup(km, KEYMAP_FOLDER, "x"), "MATCH quit");
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "c"), "NONE");   /* unbound, and generic has no c */
	TEST_STREQ(lookup(km, KEYMAP_PAGER, "c"), "MATCH change-folder");
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "g"), "PREFIX last-entry"); /* and gg, gr follow */

	TEST_INTEQ(keymap_keys_parse("Y", keys, &n, &error), 0);
	TEST_INTEQ(keymap_lookup(km, KEYMAP_INDEX, keys, n, &b), KEYMAP_MATCH);
	TEST_ASSERT(b->macro);
	TEST_INTEQ(b->n_commands, 2);
	TEST_STREQ(b->commands[0], "change-folder =INBOX");
	TEST_STREQ(b->commands[1], "next-unread");
	TEST_STREQ(b->description, "inbox, first unread");
	TEST_INTEQ(keymap_lookup(km, KEYMAP_PAGER, keys, n, &b), KEYMAP_NONE);

	/* a failed line leaves the keymap as it was, for every view it names */
	TEST_INTEQ(parse_line(km, "bind index,prompt j next-entry", &error), -1);
	TEST_STREQ(lookup(km, KEYMAP_PROMPT, "j"), "NONE");
	/* errors in a text name their line */
	TEST_INTEQ(parse_text(km, "bind index j quit\n\nbind index j nothing\n", &error), -1);
	TEST_STREQ(error, "line 3: unknown function \"nothing\"");
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "j"), "MATCH quit");
	/* out-of-range lookups */
	TEST_INTEQ(keymap_lookup(km, KEYMAP_INDEX, keys, 0, &b), KEYMAP_NONE);
	TEST_INTEQ(keymap_lookup(km, KEYMAP_N_VIEWS, keys, 1, &b), KEYMAP_NONE);
	keymap_free(&km);
}

static const struct keymap_help *help_find(const struct keymap_help *h, size_t n, const char *keys,
					   const char *command)
{
	for (size_t i = 0; i < n; i++)
		if ((keys == NULL ? h[i].keys == NULL : h[i].keys != NULL && strcmp(h[i].keys, keys) == 0) &&
		    strcmp(h[i].command, command) == 0)
			return &h[i];
	return NULL;
}

static void test_help(void)
{
	struct keymap *km = keymap_new(true);
	struct keymap_help *h;
	const struct keymap_help *e;
	const char *error;
	size_t n;

	TEST_INTEQ(parse_line(km, "macro index Y \"sync-mailbox; quit\"", &error), 0);
	TEST_INTEQ(parse_line(km, "bind index Z noop", &error), 0);
	n = keymap_help_list(km, KEYMAP_INDEX, &h);
	TEST_ASSERT(n > 40);
	e = help_find(h, n, "d", "delete-message");
	TEST_ASSERT(e != NULL && !e->generic && strcmp(e->description, "mark the message deleted") == 0);
	e = help_find(h, n, "j", "next-entry");
	TEST_ASSERT(e != NULL && e->generic);
	e = help_find(h, n, "<Esc>v", "collapse-thread");
	TEST_ASSERT(e != NULL);
	e = help_find(h, n, "Y", "sync-mailbox; quit");
	TEST_ASSERT(e != NULL && e->description == NULL);
	TEST_ASSERT(help_find(h, n, "Z", "noop") == NULL);
	/* hidden generic bindings are not listed: L is list-reply here, not bottom-page */
	TEST_ASSERT(help_find(h, n, "L", "bottom-page") == NULL);
	TEST_ASSERT(help_find(h, n, "L", "list-reply") != NULL);
	/* own bindings come first, then generic ones, then functions with no key */
	bool seen_generic = false, seen_unbound = false;
	for (size_t i = 0; i < n; i++) {
		if (h[i].keys == NULL)
			seen_unbound = true;
		else if (h[i].generic)
			seen_generic = true;
		TEST_ASSERT(!(seen_generic && h[i].keys != NULL && !h[i].generic));
		TEST_ASSERT(!(seen_unbound && h[i].keys != NULL));
	}
	TEST_ASSERT(seen_generic);
	keymap_help_free(&h, n);
	TEST_ASSERT(h == NULL);

	/* a function whose only key is hidden shows as one with no key */
	TEST_INTEQ(parse_line(km, "bind index ^L noop", &error), 0);
	n = keymap_help_list(km, KEYMAP_INDEX, &h);
	TEST_ASSERT(help_find(h, n, NULL, "redraw-screen") != NULL);
	TEST_ASSERT(help_find(h, n, NULL, "display-message") == NULL);
	keymap_help_free(&h, n);

	n = keymap_help_list(km, KEYMAP_PROMPT, &h);
	for (size_t i = 0; i < n; i++)
		TEST_ASSERT(!h[i].generic && keymap_function_find(h[i].command) != NULL);
	TEST_ASSERT(help_find(h, n, "^A", "bol") != NULL);
	keymap_help_free(&h, n);
	keymap_free(&km);
}

static void test_views(void)
{
	enum keymap_view v;
	for (int i = 0; i < KEYMAP_N_VIEWS; i++) {
		TEST_INTEQ(keymap_view_parse(keymap_view_name((enum keymap_view)i), &v), 0);
		TEST_INTEQ(v, i);
	}
	TEST_INTEQ(keymap_view_parse("editor", &v), 0);
	TEST_INTEQ(v, KEYMAP_PROMPT);
	TEST_INTEQ(keymap_view_parse("Index", &v), -1);
	/* every default binding names a function of its view */
	TEST_ASSERT(keymap_function_find("noop") != NULL);
	TEST_ASSERT(keymap_function_find("nothing") == NULL);
}

static void test_many_bindings(void)
{
	/* thousands of bindings: lookups stay logarithmic, rebinding keeps one binding per keys */
	struct keymap *km = keymap_new(false);
	const char *error;
	char line[64];
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3000; i++) {
			int len = snprintf(line, sizeof(line), "bind index <F%d>%c%c %s", i / 676 + 1,
					   'a' + i % 26, 'a' + i / 26 % 26, round == 0 ? "quit" : "exit");
			TEST_INTEQ(keymap_parse_line(km, line, (size_t)len, &error), 0);
		}
	}
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "<F1>aa"), "MATCH exit");
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "<F5>"), "PREFIX");
	TEST_STREQ(lookup(km, KEYMAP_INDEX, "<F6>"), "NONE");
	struct keymap_help *h;
	size_t n = keymap_help_list(km, KEYMAP_INDEX, &h);
	size_t bound = 0;
	for (size_t i = 0; i < n; i++)
		bound += h[i].keys != NULL;
	TEST_INTEQ(bound, 3000);
	keymap_help_free(&h, n);
	keymap_free(&km);
}

static const struct test_case cases[] = {
	{ "key_names", test_key_names },
	{ "bad_keys", test_bad_keys },
	{ "safe_names", test_safe_names },
	{ "defaults", test_defaults },
	{ "lines", test_lines },
	{ "bind_macro_unbind", test_bind_macro_unbind },
	{ "help", test_help },
	{ "views", test_views },
	{ "many_bindings", test_many_bindings },
};

TEST_MAIN(cases)
