/* test-options.c: the options table agrees with the manual (doc/skua.conf.5): every option of the
 * table is documented in its section (ACCOUNT KEYS or GLOBAL OPTIONS), and the manual documents no
 * option the table lacks; the table itself is sound, and the parser reads every option through it. */
#include "skua.h"
#include "cfg/cfg.h"
#include "cfg/options.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CFG_MANUAL
#define CFG_MANUAL "doc/skua.conf.5"
#endif

#define MAN_MAX_NAMES 200

struct man_entry {
	char name[64];
	enum cfg_opt_scope scope;
};

/* Reads the option names the manual documents: the first word of each .TP entry of the sections
 * "ACCOUNT KEYS" and "GLOBAL OPTIONS" (roff's "\-" read as "-"). Returns how many, or -1. */
static int man_names(struct man_entry *out, size_t max)
{
	FILE *f = fopen(CFG_MANUAL, "r");
	char line[1024];
	int n = 0, section = -1;
	bool after_tp = false;

	if (f == NULL) {
		perror(CFG_MANUAL);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".SH ", 4) == 0) {
			section = strstr(line, "ACCOUNT KEYS") != NULL ? CFG_SCOPE_ACCOUNT :
				  strstr(line, "GLOBAL OPTIONS") != NULL ? CFG_SCOPE_GLOBAL : -1;
			after_tp = false;
			continue;
		}
		if (strncmp(line, ".TP", 3) == 0) {
			after_tp = true;
			continue;
		}
		if (!after_tp || section < 0)
			continue;
		after_tp = false;
		const char *s = line;
		if (strncmp(s, ".BI ", 4) == 0 || strncmp(s, ".BR ", 4) == 0)
			s += 4;
		else if (strncmp(s, ".B ", 3) == 0)
			s += 3;
		else
			continue;
		struct man_entry e = { "", (enum cfg_opt_scope)section };
		size_t len = 0;
		for (; *s != '\0' && *s != ' ' && *s != '\n' && len + 1 < sizeof(e.name); s++) {
			if (s[0] == '\\' && s[1] == '-') {
				e.name[len++] = '-';
				s++;
			} else if (*s != '"') {
				e.name[len++] = *s;
			}
		}
		e.name[len] = '\0';
		if ((size_t)n < max)
			out[n++] = e;
	}
	fclose(f);
	return n;
}

static void test_manual(void)
{
	struct man_entry man[MAN_MAX_NAMES];
	int n_man = man_names(man, N_ELEMENTS(man));
	size_t n;
	const struct cfg_option *opts = cfg_options(&n);

	TEST_ASSERT(n_man > 0);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (int k = 0; k < n_man; k++)
			if (strcmp(man[k].name, opts[i].name) == 0 && man[k].scope == opts[i].scope)
				found = true;
		if (!found)
			fprintf(stderr, "%s: option \"%s\" is not documented under %s\n", CFG_MANUAL, opts[i].name,
				opts[i].scope == CFG_SCOPE_ACCOUNT ? "ACCOUNT KEYS" : "GLOBAL OPTIONS");
		TEST_ASSERT(found);
	}
	for (int k = 0; k < n_man; k++) {
		const struct cfg_option *o = cfg_option_find(man[k].name);
		if (o == NULL || o->scope != man[k].scope)
			fprintf(stderr, "%s: \"%s\" is documented, but the options table has no such %s\n", CFG_MANUAL,
				man[k].name, man[k].scope == CFG_SCOPE_ACCOUNT ? "account key" : "global option");
		TEST_ASSERT(o != NULL && o->scope == man[k].scope);
	}
}

/* Names unique, help for all, ranges and names where the type needs them, account keys first. */
static void test_table(void)
{
	size_t n;
	const struct cfg_option *opts = cfg_options(&n);
	bool globals = false;

	TEST_INTEQ(n, CFG_O_COUNT);
	for (size_t i = 0; i < n; i++) {
		const struct cfg_option *o = &opts[i];
		TEST_ASSERT(o->name != NULL && o->help != NULL && o->help[0] != '\0');
		TEST_ASSERT(cfg_option_find(o->name) == o);
		if (o->type == CFG_OPT_INT)
			TEST_ASSERT(o->min <= o->max);
		if (o->type == CFG_OPT_ENUM)
			TEST_ASSERT(o->names != NULL && o->names[0] != NULL);
		if (o->scope == CFG_SCOPE_GLOBAL)
			globals = true;
		else
			TEST_ASSERT(!globals);
	}
	TEST_ASSERT(cfg_option_find("no-such-option") == NULL);
}

static void add_name(const char *name, void *ctx)
{
	buf_appendf(ctx, "%s ", name);
}

static void test_complete(void)
{
	struct buf b = BUF_INIT;

	cfg_options_complete("side", add_name, &b);
	TEST_STREQ(b.data, "sidebar sidebar-width ");
	buf_free(&b);
}

/* Every option of the table is read by the parser: a valid value of each type lands in its field. */
static void test_parse_each(void)
{
	static const char text[] =
		"html-command w3m\ndefault-account a\nsort threads\nheader-cache /tmp/h.mdb\nindex-format %s\n"
		"pager-headers From\nurl-command xdg-open\nattachment-command \"v %s\"\nsidebar yes\nsidebar-width 9\n"
		"account a\n host h\n port 7\n tls starttls\n auth login\n user u\n password p\n"
		" oauth-command o\n ca-file /c.pem\n tunnel t\n"
		"account b\n host h\n user u\n password-command pc\n";
	struct cfg *cfg = NULL;
	const char *error = NULL;

	TEST_INTEQ(cfg_parse(text, strlen(text), "t.conf", &cfg, &error), 0);
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", error);
		return;
	}
	TEST_STREQ(cfg->sort, "threads");
	TEST_STREQ(cfg->header_cache, "/tmp/h.mdb");
	TEST_ASSERT(cfg->sidebar);
	TEST_INTEQ(cfg->sidebar_width, 9);
	TEST_STREQ(cfg->attachment_command, "v %s");
	TEST_INTEQ(cfg->accounts[0]->port, 7);
	TEST_INTEQ(cfg->accounts[0]->tls, CFG_TLS_STARTTLS);
	TEST_INTEQ(cfg->accounts[0]->auth, CFG_AUTH_LOGIN);
	TEST_STREQ(cfg->accounts[0]->ca_file, "/c.pem");
	TEST_STREQ(cfg->accounts[0]->tunnel, "t");
	TEST_STREQ(cfg->accounts[1]->password_command, "pc");
	cfg_free(&cfg);
}

static const struct test_case cases[] = {
	{ "manual", test_manual },
	{ "table", test_table },
	{ "complete", test_complete },
	{ "parse_each", test_parse_each },
};

TEST_MAIN(cases)
