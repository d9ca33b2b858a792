/* test-cmd.c: the command table and command lines: names and aliases, words and quotes, ';', the rest
 * of a line as one argument, argument counts, and what keys may be bound to. */
#include "skua.h"
#include "cmd.h"
#include "keymap.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *line;
	const char *error;      /* NULL: parses */
	size_t n;               /* commands */
	const char *first;      /* the first command's name */
	size_t argc;            /* its arguments */
	const char *arg0;       /* its first argument */
} parse_cases[] = {
	{ "quit", NULL, 1, "quit", 0, NULL },
	{ "  quit  ", NULL, 1, "quit", 0, NULL },
	{ "", NULL, 0, NULL, 0, NULL },
	{ " ; ;", NULL, 0, NULL, 0, NULL },
	{ "sort threads; quit", NULL, 2, "sort-mailbox", 1, "threads" },
	{ "open Lists/dev", NULL, 1, "change-folder", 1, "Lists/dev" },
	{ "change-folder My Folder  ", NULL, 1, "change-folder", 1, "My Folder" },
	{ "search a; quit", NULL, 2, "search", 1, "a" },
	{ "search \"a;b\"", NULL, 1, "search", 1, "\"a;b\"" },
	{ "macro index A \"x; y\"", NULL, 1, "macro", 1, "index A \"x; y\"" },
	{ "change-account work Archive", NULL, 1, "change-account", 2, "work" },
	{ "change-account 'my work'", NULL, 1, "change-account", 1, "my work" },
	{ "frobnicate", "Unknown command: frobnicate", 0, NULL, 0, NULL },
	{ "quit; frobnicate", "Unknown command: frobnicate", 0, NULL, 0, NULL },
	{ "quit now", "quit: too many arguments", 0, NULL, 0, NULL },
	{ "change-account", "change-account needs an argument", 0, NULL, 0, NULL },
	{ "change-account a b c", "change-account: too many arguments", 0, NULL, 0, NULL },
	{ "change-account \"a", "unterminated quoted string", 0, NULL, 0, NULL },
};

static void test_parse(void)
{
	for (size_t i = 0; i < N_ELEMENTS(parse_cases); i++) {
		struct cmd_list *list = NULL;
		const char *error = NULL;
		int rc = cmd_list_parse(parse_cases[i].line, &list, &error);

		if (parse_cases[i].error != NULL) {
			TEST_INTEQ(rc, -1);
			TEST_STREQ(error, parse_cases[i].error);
			TEST_ASSERT(list == NULL);
			continue;
		}
		if (rc != 0) {
			fprintf(stderr, "\"%s\": %s\n", parse_cases[i].line, error);
			test_failures++;
			continue;
		}
		TEST_INTEQ(list->n, parse_cases[i].n);
		if (list->n > 0) {
			TEST_STREQ(list->items[0].entry->name, parse_cases[i].first);
			TEST_INTEQ(list->items[0].argc, parse_cases[i].argc);
			if (parse_cases[i].arg0 != NULL && list->items[0].argc > 0)
				TEST_STREQ(list->items[0].argv[0], parse_cases[i].arg0);
		}
		struct cmd_list *copy = cmd_list_copy(list);
		TEST_INTEQ(copy->n, list->n);
		for (size_t k = 0; k < list->n; k++) {
			TEST_ASSERT(copy->items[k].entry == list->items[k].entry);
			TEST_INTEQ(copy->items[k].argc, list->items[k].argc);
		}
		cmd_list_free(&copy);
		cmd_list_free(&list);
		TEST_ASSERT(list == NULL);
	}
}

/* Every entry is sound; names unique; bindable ones are what keymap_function_find finds. */
static void test_table(void)
{
	size_t n;
	const struct cmd_entry *const *t = cmd_table(&n);

	TEST_ASSERT(n > 60);
	for (size_t i = 0; i < n; i++) {
		TEST_ASSERT(t[i]->name != NULL && t[i]->description != NULL && t[i]->exec != NULL);
		TEST_ASSERT(t[i]->args.min <= t[i]->args.max && t[i]->args.max <= CMD_MAX_ARGS);
		TEST_ASSERT(!t[i]->args.rest || t[i]->args.max == 1);
		TEST_ASSERT(cmd_find(t[i]->name) == t[i]);
		if (t[i]->alias != NULL)
			TEST_ASSERT(cmd_find(t[i]->alias) == t[i]);
		TEST_ASSERT(keymap_function_find(t[i]->name) == (t[i]->views != 0 ? t[i] : NULL));
		/* a command bound alone runs without arguments */
		TEST_ASSERT(t[i]->views == 0 || t[i]->args.min == 0);
		for (size_t k = i + 1; k < n; k++)
			TEST_ASSERT(strcmp(t[i]->name, t[k]->name) != 0);
	}
	/* aliases and prompt-only commands cannot be bound */
	TEST_ASSERT(keymap_function_find("sort") == NULL);
	TEST_ASSERT(keymap_function_find("bind") == NULL);
	TEST_ASSERT(cmd_find("bind") == &cmd_bind_entry);
}

/* Keys hold their command, resolved when bound; a macro's commands are parsed when defined. */
static void test_bindings(void)
{
	struct keymap *km = keymap_new(true);
	const struct keymap_binding *b;
	uint32_t keys[KEYMAP_MAX_SEQ];
	size_t n;
	const char *error;

	TEST_INTEQ(keymap_keys_parse("j", keys, &n, &error), 0);
	TEST_INTEQ(keymap_lookup(km, KEYMAP_INDEX, keys, n, &b), KEYMAP_MATCH);
	TEST_ASSERT(b->entry == &cmd_next_entry_entry);
	TEST_ASSERT(b->list != NULL && b->list->n == 1 && b->list->items[0].entry == &cmd_next_entry_entry);
	const char *line = "macro index A \"sort threads; collapse-all\"";
	TEST_INTEQ(keymap_parse_line(km, line, strlen(line), &error), 0);
	TEST_INTEQ(keymap_keys_parse("A", keys, &n, &error), 0);
	TEST_INTEQ(keymap_lookup(km, KEYMAP_INDEX, keys, n, &b), KEYMAP_MATCH);
	TEST_ASSERT(b->entry == NULL && b->list->n == 2);
	TEST_ASSERT(b->list->items[0].entry == &cmd_sort_mailbox_entry);
	TEST_STREQ(b->list->items[0].argv[0], "threads");
	TEST_ASSERT(b->list->items[1].entry == &cmd_collapse_all_entry);
	/* an unknown command in a macro is an error of its line, the keymap unchanged */
	line = "macro index A \"sort threads; frobnicate\"";
	TEST_INTEQ(keymap_parse_line(km, line, strlen(line), &error), -1);
	TEST_STREQ(error, "Unknown command: frobnicate");
	TEST_INTEQ(keymap_lookup(km, KEYMAP_INDEX, keys, n, &b), KEYMAP_MATCH);
	TEST_ASSERT(b->list->items[1].entry == &cmd_collapse_all_entry);
	line = "bind index X change-account";
	TEST_INTEQ(keymap_parse_line(km, line, strlen(line), &error), -1);
	TEST_STREQ(error, "unknown function \"change-account\"");
	keymap_free(&km);
}

static void test_split(void)
{
	char **cmds;
	size_t n;
	const char *error;

	TEST_INTEQ(keymap_split("a 'b;c'; d \"e;\"", true, &cmds, &n, &error), 0);
	TEST_INTEQ(n, 2);
	TEST_STREQ(cmds[0], "a 'b;c'");
	TEST_STREQ(cmds[1], "d \"e;\"");
	for (size_t i = 0; i < n; i++)
		free(cmds[i]);
	free(cmds);
	TEST_INTEQ(keymap_split("a;;b", true, &cmds, &n, &error), -1);
	TEST_STREQ(error, "empty command in a macro");
	TEST_INTEQ(keymap_split("a;;b", false, &cmds, &n, &error), 0);
	TEST_INTEQ(n, 2);
	for (size_t i = 0; i < n; i++)
		free(cmds[i]);
	free(cmds);
}

static const struct test_case cases[] = {
	{ "parse", test_parse },
	{ "table", test_table },
	{ "bindings", test_bindings },
	{ "split", test_split },
};

TEST_MAIN(cases)
