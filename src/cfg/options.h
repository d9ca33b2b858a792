/* options.h: the options of the configuration file as one typed table (name, scope, type, range or
 * names, default, one-line help, where the value goes) that the parser, completion and the manual page
 * (checked by test-options) agree with. Any thread: the table is constant. */
#ifndef CFG_OPTIONS_H
#define CFG_OPTIONS_H

#include "skua.h"

enum cfg_opt_scope {
	CFG_SCOPE_ACCOUNT,  /* indented under "account NAME": goes into struct cfg_account */
	CFG_SCOPE_GLOBAL,   /* not indented: goes into struct cfg */
};

enum cfg_opt_type {
	CFG_OPT_BOOL,       /* yes or no: a bool */
	CFG_OPT_INT,        /* a decimal number from min to max: an int (or unsigned int) */
	CFG_OPT_STRING,     /* any text: a char * */
	CFG_OPT_ENUM,       /* one of names: its index as an enum, or the name as a char * (CFG_OPT_AS_NAME) */
	CFG_OPT_PATH,       /* a file: "~" or "~/" expanded, then absolute: a char * */
	CFG_OPT_COMMAND,    /* a command line run with /bin/sh -c: a char * */
	CFG_OPT_ARGV,       /* a command line split into words and run without a shell (checked): a char * */
};

/* Option flags. */
#define CFG_OPT_SECRET 0x1u    /* wiped when freed; a warning when the file is readable by others */
#define CFG_OPT_HOSTNAME 0x2u  /* a host name or address: no blanks, slashes or brackets */
#define CFG_OPT_AS_NAME 0x4u   /* CFG_OPT_ENUM kept as its name (a char *) */

/* The options, in table order (accounts' first). */
enum cfg_opt_id {
	CFG_O_HOST, CFG_O_PORT, CFG_O_TLS, CFG_O_AUTH, CFG_O_USER, CFG_O_PASSWORD, CFG_O_PASSWORD_COMMAND,
	CFG_O_OAUTH_COMMAND, CFG_O_CA_FILE, CFG_O_TUNNEL, CFG_O_TRASH, CFG_O_ARCHIVE, CFG_O_IDLE,
	CFG_O_HTML_COMMAND, CFG_O_DEFAULT_ACCOUNT, CFG_O_SORT, CFG_O_HEADER_CACHE, CFG_O_INDEX_FORMAT,
	CFG_O_PAGER_HEADERS, CFG_O_URL_COMMAND, CFG_O_ATTACHMENT_COMMAND, CFG_O_SIDEBAR, CFG_O_SIDEBAR_WIDTH,
	CFG_O_KEEPALIVE, CFG_O_DELETE,
	CFG_O_COUNT
};

struct cfg_option {
	const char *name;
	enum cfg_opt_scope scope;
	enum cfg_opt_type type;
	const char *const *names;  /* CFG_OPT_ENUM: the values, NULL-terminated */
	int min, max;              /* CFG_OPT_INT */
	const char *def;           /* the default, as the manual says it, or NULL (none, or it depends) */
	const char *help;          /* N_(): one line */
	size_t offset;             /* where the value goes in struct cfg_account or struct cfg */
	unsigned flags;            /* CFG_OPT_* */
};

/* Returns the table (static) and its size (CFG_O_COUNT). */
const struct cfg_option *cfg_options(size_t *n_r);
/* Returns the option called name, or NULL. */
const struct cfg_option *cfg_option_find(const char *name);
/* Calls add(name, ctx) for every option whose name starts with prefix. */
void cfg_options_complete(const char *prefix, void (*add)(const char *name, void *ctx), void *ctx);

#endif
