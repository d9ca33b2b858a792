/* test-cfg.c: unit tests for the configuration parser and account secrets. */
#include "skua.h"
#include "cfg/cfg.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static const char example[] =
	"account bench\n"
	"    host 127.0.0.1\n"
	"    port 10143\n"
	"    tls none\n"
	"    user bench\n"
	"    password-command \"echo bench\"\n"
	"\n"
	"account work\n"
	"    host imap.example.org\n"
	"    user me@example.org\n"
	"    password-command \"pass show mail/work\"\n"
	"    ca-file ~/.config/skua/work-ca.pem\n";

/* Parses text from an exactly-sized heap copy, so ASan sees any read past the end. */
static int parse(const char *text, size_t len, struct cfg **cfg_r, const char **error_r)
{
	char *copy = xmalloc(len > 0 ? len : 1);
	memcpy(copy, text, len);
	int ret = cfg_parse(copy, len, "t.conf", cfg_r, error_r);
	free(copy);
	return ret;
}

static void test_cfg_example(void)
{
	struct cfg *cfg = NULL;
	const char *error = NULL;

	setenv("HOME", "/home/tester", 1);
	TEST_INTEQ(parse(example, strlen(example), &cfg, &error), 0);
	if (cfg == NULL) {
		fprintf(stderr, "error: %s\n", error);
		return;
	}
	TEST_INTEQ(cfg->n_accounts, 2);
	TEST_ASSERT(cfg->warnings != NULL && cfg->warnings[0] == NULL);
	TEST_ASSERT(cfg->html_command == NULL);
	TEST_ASSERT(cfg->header_cache == NULL);

	struct cfg_account *a = cfg_account_find(cfg, "bench");
	TEST_ASSERT(a != NULL && a == cfg->accounts[0]);
	TEST_STREQ(a->name, "bench");
	TEST_STREQ(a->host, "127.0.0.1");
	TEST_INTEQ(a->port, 10143);
	TEST_INTEQ(a->tls, CFG_TLS_NONE);
	TEST_INTEQ(a->auth, CFG_AUTH_AUTO);
	TEST_STREQ(a->user, "bench");
	TEST_ASSERT(a->password == NULL);
	TEST_STREQ(a->password_command, "echo bench");
	TEST_ASSERT(a->ca_file == NULL && a->tunnel == NULL && a->oauth_command == NULL);
	TEST_STREQ(a->file, "t.conf");
	TEST_INTEQ(a->line, 1);

	a = cfg_account_find(cfg, "work");
	TEST_ASSERT(a != NULL);
	TEST_STREQ(a->host, "imap.example.org");
	TEST_INTEQ(a->port, 0);
	TEST_INTEQ(a->tls, CFG_TLS_IMPLICIT);
	TEST_STREQ(a->user, "me@example.org");
	TEST_STREQ(a->password_command, "pass show mail/work");
	TEST_STREQ(a->ca_file, "/home/tester/.config/skua/work-ca.pem");
	TEST_INTEQ(a->line, 8);

	TEST_ASSERT(cfg_account_find(cfg, NULL) == cfg->accounts[0]);
	TEST_ASSERT(cfg_account_find(cfg, "nope") == NULL);
	cfg_free(&cfg);
	TEST_ASSERT(cfg == NULL);
	cfg_free(&cfg);
}

static void test_cfg_more(void)
{
	static const char text[] =
		"\xef\xbb\xbf# skua config\r\n"
		"html-command 'w3m -dump -T text/html'   # trailing comment\r\n"
		"sort threads\n"
		"header-cache ~/mail/hcache.mdb\n"
		"default-account tun\n"
		"\n"
		"account first\n"
		"\thost ::1\n"
		"\tuser \"x y \xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xa6\"\n"
		"\tpassword \"p#ss \\\"w\\\\rd\\t\"\n"
		"\ttls starttls\n"
		"\tauth login\n"
		"    # an indented comment\n"
		"account tun\n"
		"    tunnel \"ssh mail /usr/lib/dovecot/imap\"\n"
		"account oauth\n"
		"    host imap.gmail.com\n"
		"    port 993\n"
		"    user me@gmail.com\n"
		"    auth xoauth2\n"
		"    oauth-command 'oama access me@gmail.com'\n"
		"account local\n"
		"    host LocalHost\n"
		"    user u\n"
		"    tls none\n"
		"account v4\n"
		"    host 127.9.8.7\n"
		"    user u\n"
		"    tls none\n"
		"    password pass#word\n";
	struct cfg *cfg = NULL;
	const char *error = NULL;

	TEST_INTEQ(parse(text, strlen(text), &cfg, &error), 0);
	if (cfg == NULL) {
		fprintf(stderr, "error: %s\n", error);
		return;
	}
	TEST_STREQ(cfg->html_command, "w3m -dump -T text/html");
	TEST_STREQ(cfg->sort, "threads");
	TEST_STREQ(cfg->header_cache, "/home/tester/mail/hcache.mdb");
	TEST_STREQ(cfg->default_account, "tun");
	TEST_INTEQ(cfg->n_accounts, 5);
	TEST_ASSERT(cfg_account_find(cfg, NULL) == cfg->accounts[1]);
	/* cfg_parse has no file mode to look at: no warning */
	TEST_ASSERT(cfg->warnings[0] == NULL);

	struct cfg_account *a = cfg->accounts[0];
	TEST_STREQ(a->host, "::1");
	TEST_STREQ(a->user, "x y \xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xa6");
	TEST_STREQ(a->password, "p#ss \"w\\rd\t");
	TEST_INTEQ(a->tls, CFG_TLS_STARTTLS);
	TEST_INTEQ(a->auth, CFG_AUTH_LOGIN);

	a = cfg->accounts[1];
	TEST_ASSERT(a->host == NULL && a->user == NULL);
	TEST_STREQ(a->tunnel, "ssh mail /usr/lib/dovecot/imap");
	TEST_INTEQ(a->tls, CFG_TLS_NONE);

	a = cfg->accounts[2];
	TEST_INTEQ(a->auth, CFG_AUTH_XOAUTH2);
	TEST_INTEQ(a->port, 993);
	TEST_STREQ(a->oauth_command, "oama access me@gmail.com");

	TEST_INTEQ(cfg->accounts[3]->tls, CFG_TLS_NONE);
	TEST_STREQ(cfg->accounts[4]->password, "pass#word");
	cfg_free(&cfg);
}

struct error_case {
	const char *text;
	const char *error;
};

#define ACCT "account a\n    host h.example\n    user u\n"

static const struct error_case error_cases[] = {
	{ ACCT "    colour red\n", "t.conf:4: unknown account key \"colour\"" },
	{ ACCT "    port 0\n", "t.conf:4: port must be a number from 1 to 65535, not \"0\"" },
	{ ACCT "    port 65536\n", "t.conf:4: port must be a number from 1 to 65535, not \"65536\"" },
	{ ACCT "    port -1\n", "t.conf:4: port must be a number from 1 to 65535, not \"-1\"" },
	{ ACCT "    port 99999999999999999999999\n",
	  "t.conf:4: port must be a number from 1 to 65535, not \"99999999999999999999999\"" },
	{ ACCT "    port 143x\n", "t.conf:4: port must be a number from 1 to 65535, not \"143x\"" },
	{ ACCT "    tls maybe\n", "t.conf:4: tls must be implicit, starttls or none, not \"maybe\"" },
	{ ACCT "    auth cram-md5\n",
	  "t.conf:4: auth must be auto, plain, login, xoauth2 or oauthbearer, not \"cram-md5\"" },
	{ ACCT "\naccount a\n    host x\n    user y\n", "t.conf:5: account \"a\" is already defined at line 1" },
	{ "account a\n    user u\n", "t.conf:1: account \"a\" has no host (or tunnel)" },
	{ "# c\naccount a\n    host h\n", "t.conf:2: account \"a\" has no user" },
	{ "account a\n    host imap.example.org\n    tls none\n    user u\n",
	  "t.conf:3: tls none would send the password in clear text to imap.example.org; it is only "
	  "allowed towards localhost" },
	{ "account a\n    host 128.0.0.1\n    tls none\n    user u\n",
	  "t.conf:3: tls none would send the password in clear text to 128.0.0.1; it is only "
	  "allowed towards localhost" },
	{ "account a\n    host localhost.example.org\n    tls none\n    user u\n",
	  "t.conf:3: tls none would send the password in clear text to localhost.example.org; it is only "
	  "allowed towards localhost" },
	{ "foo bar\n", "t.conf:1: unknown option \"foo\"" },
	{ "account a\n    host h\n    user u\nfoo bar\n", "t.conf:4: unknown option \"foo\"" },
	{ "host h\n", "t.conf:1: host belongs in an account block; indent it under an \"account NAME\" line" },
	{ ACCT "port 143\n", "t.conf:4: port belongs in an account block; indent it under an \"account NAME\" line" },
	{ "  host h\n", "t.conf:1: indented \"host\" outside an account block" },
	{ ACCT "    html-command lynx\n",
	  "t.conf:4: html-command is a global option; write it unindented, outside account blocks" },
	{ "  account a\n", "t.conf:1: \"account\" must start at the beginning of the line" },
	{ ACCT "    password x\n    password-command \"echo x\"\n",
	  "t.conf:5: give either password or password-command, not both" },
	{ ACCT "    password-command pass show mail/work\n",
	  "t.conf:4: password-command takes one value; quote a value that contains spaces" },
	{ ACCT "    password-command \"pass show\n", "t.conf:4: unterminated quoted string" },
	{ ACCT "    password-command 'pass show\n", "t.conf:4: unterminated quoted string" },
	{ ACCT "    password-command \"pass\\\n", "t.conf:4: unterminated quoted string" },
	{ ACCT "    user \"a\\nb\"\n", "t.conf:4: unknown escape \"\\n\" (use \\\\, \\\" or \\t)" },
	{ ACCT "    user \"a\"b\n", "t.conf:4: unexpected text after a closing quote" },
	{ ACCT "    user a\"b\"\n", "t.conf:4: quote in the middle of a word; quote the whole value" },
	{ ACCT "    host\n", "t.conf:4: host needs a value" },
	{ ACCT "    host # comment\n", "t.conf:4: host needs a value" },
	{ "account a\n    host \"\"\n", "t.conf:2: host needs a non-empty value" },
	{ ACCT "    host other\n", "t.conf:4: host is already set at line 2" },
	{ ACCT "    host \"a b\"\n", "t.conf:4: host is already set at line 2" },
	{ "account a\n    host \"a b\"\n", "t.conf:2: host \"a b\" is not a host name or address" },
	{ ACCT "    ca-file ca.pem\n", "t.conf:4: ca-file must be an absolute path or start with \"~/\"" },
	{ ACCT "    ca-file ~root/ca.pem\n", "t.conf:4: only \"~\" and \"~/\" are expanded, not \"~user\"" },
	{ ACCT "    auth xoauth2\n", "t.conf:4: auth xoauth2 needs an oauth-command" },
	{ ACCT "    auth oauthbearer\n", "t.conf:4: auth oauthbearer needs an oauth-command" },
	{ "default-account b\n" ACCT, "t.conf:1: default-account \"b\" is not defined" },
	{ "html-command \"w3m 'x\"\n",
	  "t.conf:1: html-command: unbalanced quotes or trailing backslash in command" },
	{ "html-command \"  \"\n", "t.conf:1: html-command needs a non-empty value" },
	{ "html-command a\nhtml-command b\n", "t.conf:2: html-command is already set at line 1" },
	{ "header-cache hcache.mdb\n",
	  "t.conf:1: header-cache must be an absolute path or start with \"~/\"" },
	{ "header-cache /a\nheader-cache /b\n", "t.conf:2: header-cache is already set at line 1" },
	{ ACCT "    header-cache /a\n",
	  "t.conf:4: header-cache is a global option; write it unindented, outside account blocks" },
	{ "sort random\n", "t.conf:1: sort must be date, threads, from, subject or size, not \"random\"" },
	{ "account a/b\n",
	  "t.conf:1: account names are 1-64 letters, digits, \".-_@+\", not starting with \".\" or \"-\"" },
	{ "account\n", "t.conf:1: account needs a value" },
	{ ACCT "    user \x1b[31m\n", "t.conf:4: control character in line" },
	{ ACCT "    user \x7f\n", "t.conf:4: control character in line" },
	{ ACCT "    user \xc2\x9b\n", "t.conf:4: invalid UTF-8 or control character in line" },
	{ ACCT "    user caf\xe9\n", "t.conf:4: invalid UTF-8 or control character in line" },
	{ ACCT "    user \xc0\xaf\n", "t.conf:4: invalid UTF-8 or control character in line" },
	{ ACCT "    user \xed\xa0\x80\n", "t.conf:4: invalid UTF-8 or control character in line" },
	{ ACCT "    user \xf4\x90\x80\x80\n", "t.conf:4: invalid UTF-8 or control character in line" },
	{ ACCT "    user \xe2\x82\n", "t.conf:4: invalid UTF-8 or control character in line" },
};

/* The UI's settings, and bind/macro/unbind/color lines kept raw (with where they were) for the UI. */
static void test_cfg_ui(void)
{
	static const char text[] =
		"account a\n    host h\n    user u\n"
		"bind index d delete-message\n"
		"index-format \"%4C %Z %s\"\n"
		"macro index ,a \"change-folder Archive\"\n"
		"pager-headers \"From Date Subject\"\n"
		"url-command \"xdg-open\"\n"
		"sidebar yes\nsidebar-width 30\n"
		"color status white blue\n";
	struct cfg *cfg = NULL;
	const char *error = NULL;

	TEST_INTEQ(parse(text, strlen(text), &cfg, &error), 0);
	if (cfg == NULL) {
		fprintf(stderr, "error: %s\n", error);
		return;
	}
	TEST_STREQ(cfg->index_format, "%4C %Z %s");
	TEST_STREQ(cfg->pager_headers, "From Date Subject");
	TEST_STREQ(cfg->url_command, "xdg-open");
	TEST_ASSERT(cfg->sidebar);
	TEST_INTEQ(cfg->sidebar_width, 30);
	TEST_INTEQ(cfg->n_ui_lines, 3);
	TEST_STREQ(cfg->ui_lines[0].text, "bind index d delete-message");
	TEST_INTEQ(cfg->ui_lines[0].line, 4);
	TEST_STREQ(cfg->ui_lines[1].text, "macro index ,a \"change-folder Archive\"");
	TEST_STREQ(cfg->ui_lines[2].text, "color status white blue");
	TEST_STREQ(cfg->ui_lines[2].file, "t.conf");
	TEST_INTEQ(cfg->n_accounts, 1);
	cfg_free(&cfg);
	TEST_INTEQ(parse("sidebar maybe\n", 14, &cfg, &error), -1);
	TEST_STREQ(error, "t.conf:1: sidebar must be yes or no, not \"maybe\"");
	TEST_INTEQ(parse("sidebar-width 3\n", 16, &cfg, &error), -1);
}

static void test_cfg_errors(void)
{
	for (size_t i = 0; i < N_ELEMENTS(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		struct cfg *cfg = NULL;
		const char *error = NULL;
		int ret = parse(c->text, strlen(c->text), &cfg, &error);
		TEST_INTEQ(ret, -1);
		TEST_ASSERT(cfg == NULL);
		TEST_STREQ(error, c->error);
		cfg_free(&cfg);
	}
	/* a NUL byte inside the text */
	struct cfg *cfg = NULL;
	const char *error = NULL;
	TEST_INTEQ(parse(ACCT "# a\0b\n", sizeof(ACCT "# a\0b\n") - 1, &cfg, &error), -1);
	TEST_STREQ(error, "t.conf:4: NUL byte in line");
}

/* tls none is fine towards every spelling of loopback */
static void test_cfg_loopback(void)
{
	static const char *const hosts[] = { "localhost", "LOCALHOST.", "127.0.0.1", "127.255.255.254", "::1",
					     "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1" };
	for (size_t i = 0; i < N_ELEMENTS(hosts); i++) {
		char *text = xasprintf("account a\n host %s\n tls none\n user u\n", hosts[i]);
		struct cfg *cfg = NULL;
		const char *error = NULL;
		TEST_INTEQ(parse(text, strlen(text), &cfg, &error), 0);
		cfg_free(&cfg);
		free(text);
	}
}

/* Every truncation point of the example parses or fails cleanly, with a FILE:LINE error. */
static void test_cfg_truncations(void)
{
	static const char *const texts[] = { example, ACCT "    password \"a\\\"b\" # c\n" };
	for (size_t t = 0; t < N_ELEMENTS(texts); t++) {
		size_t len = strlen(texts[t]);
		for (size_t i = 0; i <= len; i++) {
			struct cfg *cfg = NULL;
			const char *error = NULL;
			int ret = parse(texts[t], i, &cfg, &error);
			if (ret == 0) {
				TEST_ASSERT(cfg != NULL);
				cfg_free(&cfg);
			} else {
				TEST_INTEQ(ret, -1);
				TEST_ASSERT(error != NULL && strncmp(error, "t.conf:", 7) == 0);
			}
		}
	}
	/* and the whole example line by line: each prefix of whole lines that ends an account parses */
	struct cfg *cfg = NULL;
	const char *error = NULL;
	TEST_INTEQ(parse(example, strlen(example) - 1, &cfg, &error), 0); /* no final newline */
	cfg_free(&cfg);
	TEST_INTEQ(parse("", 0, &cfg, &error), 0);
	TEST_INTEQ(cfg->n_accounts, 0);
	TEST_ASSERT(cfg_account_find(cfg, NULL) == NULL);
	cfg_free(&cfg);
}

static char *write_temp(const char *text, mode_t mode)
{
	char *path = xstrdup("/tmp/skua-test-cfg-XXXXXX");
	int fd = mkstemp(path);
	TEST_ASSERT(fd >= 0);
	TEST_INTEQ(write(fd, text, strlen(text)), (long long)strlen(text));
	fchmod(fd, mode);
	close(fd);
	return path;
}

static void test_cfg_load_warnings(void)
{
	static const char text[] = "account a\n    host h.example\n    password s3cret\n    user u\n";
	struct cfg *cfg = NULL;
	const char *error = NULL;

	char *path = write_temp(text, 0644);
	TEST_INTEQ(cfg_load(path, &cfg, &error), 0);
	if (cfg != NULL) {
		char *want = xasprintf("%s:3: password is stored in a file readable by others; use "
				       "password-command", path);
		TEST_STREQ(cfg->warnings[0], want);
		TEST_ASSERT(cfg->warnings[0] != NULL && cfg->warnings[1] == NULL);
		TEST_STREQ(cfg->accounts[0]->password, "s3cret");
		TEST_STREQ(cfg->accounts[0]->file, path);
		free(want);
		cfg_free(&cfg);
	}

	chmod(path, 0600);
	TEST_INTEQ(cfg_load(path, &cfg, &error), 0);
	TEST_ASSERT(cfg != NULL && cfg->warnings[0] == NULL);
	cfg_free(&cfg);

	chmod(path, 0622);
	TEST_INTEQ(cfg_load(path, &cfg, &error), 0);
	TEST_ASSERT(cfg != NULL && cfg->warnings[0] != NULL && strstr(cfg->warnings[0], "writable") != NULL);
	cfg_free(&cfg);
	unlink(path);

	/* errors from a file carry its name */
	TEST_INTEQ(cfg_load(path, &cfg, &error), -1);
	char *want = xasprintf("%s: No such file or directory", path);
	TEST_STREQ(error, want);
	free(want);
	free(path);

	path = write_temp("account a\n    host h\n", 0600);
	TEST_INTEQ(cfg_load(path, &cfg, &error), -1);
	want = xasprintf("%s:1: account \"a\" has no user", path);
	TEST_STREQ(error, want);
	free(want);
	unlink(path);
	free(path);

	TEST_INTEQ(cfg_load("/tmp", &cfg, &error), -1);
	TEST_STREQ(error, "/tmp: not a regular file");
}

struct secret_case {
	const char *command;
	bool oauth;
	const char *secret;  /* expected secret, or NULL for an error */
	const char *error;   /* expected error */
};

static const struct secret_case secret_cases[] = {
	{ "echo s3cret", false, "s3cret", NULL },
	{ "printf 'tok\\r\\nsecond line\\n'", true, "tok", NULL },
	{ "printf 'no newline'", false, "no newline", NULL },
	{ "echo s3cret >&2; echo ok", false, "ok", NULL },
	{ "exit 3", false, NULL, "password-command of account \"a\" exited with status 3" },
	{ "echo s3cret; exit 3", false, NULL, "password-command of account \"a\" exited with status 3" },
	{ "true", false, NULL, "password-command of account \"a\" printed nothing" },
	{ "echo", true, NULL, "oauth-command of account \"a\" printed nothing" },
	{ "kill -9 $$", false, NULL, "password-command of account \"a\" failed: /bin/sh: killed by signal 9" },
};

static void test_cfg_secret(void)
{
	for (size_t i = 0; i < N_ELEMENTS(secret_cases); i++) {
		const struct secret_case *c = &secret_cases[i];
		struct cfg_account acct = { .name = (char *)"a" };
		char *secret = NULL;
		const char *error = NULL;

		if (c->oauth)
			acct.oauth_command = (char *)c->command;
		else
			acct.password_command = (char *)c->command;
		int ret = cfg_account_secret(&acct, c->oauth, &secret, &error);
		if (c->secret != NULL) {
			TEST_INTEQ(ret, 0);
			TEST_STREQ(secret, c->secret);
		} else {
			TEST_INTEQ(ret, -1);
			TEST_ASSERT(secret == NULL);
			TEST_STREQ(error, c->error);
			TEST_ASSERT(error == NULL || strstr(error, "s3cret") == NULL);
		}
		free(secret);
	}

	/* a literal password, and missing commands */
	struct cfg_account acct = { .name = (char *)"a", .password = (char *)"lit" };
	char *secret = NULL;
	const char *error = NULL;
	TEST_INTEQ(cfg_account_secret(&acct, false, &secret, &error), 0);
	TEST_STREQ(secret, "lit");
	free(secret);
	secret = NULL;
	TEST_INTEQ(cfg_account_secret(&acct, true, &secret, &error), -1);
	TEST_STREQ(error, "account \"a\" has no oauth-command");
	acct.password = NULL;
	TEST_INTEQ(cfg_account_secret(&acct, false, &secret, &error), -1);
	TEST_STREQ(error, "account \"a\" has no password or password-command");
}

static void test_cfg_default_path(void)
{
	char *path;

	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	setenv("HOME", "/home/tester", 1);
	path = cfg_default_path();
	TEST_STREQ(path, "/xdg/skua/config");
	free(path);
	setenv("XDG_CONFIG_HOME", "relative", 1);
	path = cfg_default_path();
	TEST_STREQ(path, "/home/tester/.config/skua/config");
	free(path);
	unsetenv("XDG_CONFIG_HOME");
	path = cfg_default_path();
	TEST_STREQ(path, "/home/tester/.config/skua/config");
	free(path);
}

static const struct test_case cases[] = {
	{ "cfg example", test_cfg_example },
	{ "cfg globals, quoting, tunnel, oauth", test_cfg_more },
	{ "cfg errors", test_cfg_errors },
	{ "cfg ui settings", test_cfg_ui },
	{ "cfg loopback for tls none", test_cfg_loopback },
	{ "cfg every truncation point", test_cfg_truncations },
	{ "cfg_load and warnings", test_cfg_load_warnings },
	{ "cfg_account_secret", test_cfg_secret },
	{ "cfg_default_path", test_cfg_default_path },
};

TEST_MAIN(cases)
