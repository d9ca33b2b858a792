/* cli-int.h: what the command-line interface's files share: the session of one command. */
#ifndef CLI_CLI_INT_H
#define CLI_CLI_INT_H

#include "skua.h"
#include "backend/account.h"
#include "backend/op.h"
#include "cfg/cfg.h"
#include "hcache/hcache.h"

struct cli {
	const char *config_path;
	const char *account_name;
	struct cfg *cfg;
	struct cfg_account *acct;
	struct hcache *hc;
	struct account *account;
};

/* Prints "skua: MESSAGE" (sanitised, one line) on stderr. */
void cli_error(const char *fmt, ...) SKUA_PRINTF(1, 2);
/* Prints s[0..len) sanitised (one line) on stdout. */
void cli_print_sanitized(const char *s, size_t len);
/* Loads the configuration, finds the account, opens the header cache and connects. Returns 0, or -1
 * after printing. */
int cli_connect(struct cli *cli);
/* Runs an operation; an error is printed. Returns 0, or -1. */
int cli_run(struct cli *cli, const struct op *op, const struct op_sink *sink);

/* The triage and folder verbs (cli-triage.c): move, copy, flag, delete, expunge, mkdir, rmdir,
 * subscribe, unsubscribe, rename. cli_triage_find returns the verb's name when command is one, else
 * NULL; cli_triage_args whether n arguments suit it; cli_triage runs it (connected) and returns 0 or
 * -1 after printing. */
const char *cli_triage_find(const char *command);
bool cli_triage_args(const char *command, int n);
int cli_triage(struct cli *cli, const char *command, int argc, char **argv);

#endif
