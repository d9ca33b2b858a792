/* cfg.h: the configuration file: accounts and global options, parsed into typed structs. */
#ifndef CFG_CFG_H
#define CFG_CFG_H

#include "skua.h"

enum cfg_tls { CFG_TLS_IMPLICIT, CFG_TLS_STARTTLS, CFG_TLS_NONE };
/* What leaving a folder does with the messages marked deleted (mutt's delete quadoption). */
enum cfg_delete { CFG_DELETE_ASK_YES, CFG_DELETE_ASK_NO, CFG_DELETE_YES, CFG_DELETE_NO };
enum cfg_auth { CFG_AUTH_AUTO, CFG_AUTH_PLAIN, CFG_AUTH_LOGIN, CFG_AUTH_XOAUTH2, CFG_AUTH_OAUTHBEARER };

struct cfg_account {
	char *name;
	char *host;              /* NULL only for a tunnel account */
	unsigned int port;       /* 0 = default for tls (993 implicit, 143 otherwise) */
	enum cfg_tls tls;
	enum cfg_auth auth;
	char *user;
	char *password;          /* literal, or NULL */
	char *password_command;  /* run with /bin/sh -c; first line of stdout; or NULL */
	char *oauth_command;     /* token command for XOAUTH2/OAUTHBEARER, or NULL */
	char *ca_file;           /* ~ expanded, or NULL */
	char *tunnel;            /* command speaking IMAP on stdin/stdout, or NULL */
	char *trash;             /* where deleted messages go, or NULL: the SPECIAL-USE \Trash folder */
	char *archive;           /* where archived messages go, or NULL: the SPECIAL-USE \Archive folder */
	bool idle;               /* IDLE on the open folder when the server offers it (default yes) */
	const char *file;        /* where it was defined (points into struct cfg) */
	int line;
};

struct cfg {
	char *path;
	struct cfg_account **accounts;
	size_t n_accounts;
	char *html_command;      /* HTML-to-text command line (split with proc_split), or NULL */
	char **warnings;         /* NULL-terminated list of "file:line: ..." warnings for the user; never
				  * NULL (empty list when there is nothing to say) */
	char *default_account;   /* name of an existing account used when none is given, or NULL */
	char *sort;              /* default index order: "date", "threads", "from", "subject" or "size";
				  * NULL = date */
	char *header_cache;      /* the header cache file ("~" expanded, absolute), or NULL: the default */
	char *index_format;      /* the index line format (mutt-style %-conversions), or NULL: default */
	char *pager_headers;     /* header names the pager shows, space-separated, in order; NULL: default */
	char *url_command;       /* command line (proc_split, no shell) that opens a URL given as its last
				  * argument, or NULL */
	char *attachment_command;/* command line viewing an attachment: "%s" in a word is replaced by the
				  * file's path, else the path is appended; NULL: mailcap, then the pager */
	bool sidebar;            /* the folder list beside the index at start */
	int sidebar_width;       /* columns, 0 = default */
	int keepalive;           /* seconds between keep-alive NOOPs on an idle connection, 0 = default */
	enum cfg_delete delete_mode; /* purge the messages marked deleted on leaving a folder: ask (the
				      * answer's default yes or no), always, never */
	struct cfg_ui_line {     /* bind/macro/unbind/color lines, for the UI to parse, in file order */
		char *text;
		const char *file;
		int line;
	} *ui_lines;
	size_t n_ui_lines;
};

/* Reads and parses the file at path. Returns 0 and a config the caller owns, or -1 with *error_r of
 * the form "FILE:LINE: message" (or "FILE: message" when it cannot be read). Any thread. */
int cfg_load(const char *path, struct cfg **cfg_r, const char **error_r);
/* Parses text (len bytes, need not be NUL-terminated); `filename` is used in messages. As cfg_load. */
int cfg_parse(const char *text, size_t len, const char *filename, struct cfg **cfg_r, const char **error_r);
/* Returns the default path ($XDG_CONFIG_HOME/skua/config or ~/.config/skua/config), malloc'd; NULL only
 * when no home directory can be found. Any thread. */
char *cfg_default_path(void);
/* Returns the named account (NULL name: default-account when set, else the first), or NULL. Borrowed
 * from cfg. Any thread. */
struct cfg_account *cfg_account_find(const struct cfg *cfg, const char *name);
/* Fetches the account's secret: literal password or password-command output (first line, no newline).
 * Returns 0 and a malloc'd secret (*secret_r; wipe and free it), or -1 with *error_r (never containing
 * the secret). Worker thread (runs a command). oauth selects oauth_command. */
int cfg_account_secret(const struct cfg_account *acct, bool oauth, char **secret_r, const char **error_r);
/* Frees cfg and everything in it (a literal password is wiped) and sets *cfg to NULL. */
void cfg_free(struct cfg **cfg);

#endif
