/* options.c: the table of the configuration file's options. */
#include "skua.h"
#include "options.h"
#include "cfg.h"

#include <stddef.h>
#include <string.h>

static const char *const cfg_tls_names[] = { "implicit", "starttls", "none", NULL };
static const char *const cfg_auth_names[] = { "auto", "plain", "login", "xoauth2", "oauthbearer", NULL };
static const char *const cfg_sort_names[] = { "date", "threads", "from", "subject", "size", NULL };
static const char *const cfg_delete_names[] = { "ask-yes", "ask-no", "yes", "no", NULL };

_Static_assert(CFG_TLS_IMPLICIT == 0 && CFG_TLS_STARTTLS == 1 && CFG_TLS_NONE == 2, "tls names in enum order");
_Static_assert(CFG_AUTH_AUTO == 0 && CFG_AUTH_OAUTHBEARER == 4, "auth names in enum order");
_Static_assert(CFG_DELETE_ASK_YES == 0 && CFG_DELETE_NO == 3, "delete names in enum order");


static const struct cfg_option cfg_option_table[CFG_O_COUNT] = {
	/* account keys */
	[CFG_O_HOST] = { "host", CFG_SCOPE_ACCOUNT, CFG_OPT_STRING, NULL, 0, 0, NULL,
			 N_("the IMAP server's host name or address"), offsetof(struct cfg_account, host),
			 CFG_OPT_HOSTNAME },
	[CFG_O_PORT] = { "port", CFG_SCOPE_ACCOUNT, CFG_OPT_INT, NULL, 1, 65535, NULL,
			 N_("the TCP port (993 with tls implicit, 143 otherwise)"), offsetof(struct cfg_account, port),
			 0 },
	[CFG_O_TLS] = { "tls", CFG_SCOPE_ACCOUNT, CFG_OPT_ENUM, cfg_tls_names, 0, 0, "implicit",
			N_("how the connection is protected"), offsetof(struct cfg_account, tls), 0 },
	[CFG_O_AUTH] = { "auth", CFG_SCOPE_ACCOUNT, CFG_OPT_ENUM, cfg_auth_names, 0, 0, "auto",
			 N_("the authentication mechanism"), offsetof(struct cfg_account, auth), 0 },
	[CFG_O_USER] = { "user", CFG_SCOPE_ACCOUNT, CFG_OPT_STRING, NULL, 0, 0, NULL, N_("the login name"),
			 offsetof(struct cfg_account, user), 0 },
	[CFG_O_PASSWORD] = { "password", CFG_SCOPE_ACCOUNT, CFG_OPT_STRING, NULL, 0, 0, NULL,
			     N_("the password, literally (prefer password-command)"),
			     offsetof(struct cfg_account, password), CFG_OPT_SECRET },
	[CFG_O_PASSWORD_COMMAND] = { "password-command", CFG_SCOPE_ACCOUNT, CFG_OPT_COMMAND, NULL, 0, 0, NULL,
				     N_("a command whose first line of output is the password"),
				     offsetof(struct cfg_account, password_command), 0 },
	[CFG_O_OAUTH_COMMAND] = { "oauth-command", CFG_SCOPE_ACCOUNT, CFG_OPT_COMMAND, NULL, 0, 0, NULL,
				  N_("a command that prints an OAuth 2.0 access token"),
				  offsetof(struct cfg_account, oauth_command), 0 },
	[CFG_O_CA_FILE] = { "ca-file", CFG_SCOPE_ACCOUNT, CFG_OPT_PATH, NULL, 0, 0, NULL,
			    N_("PEM certificates trusted for this account besides the system's"),
			    offsetof(struct cfg_account, ca_file), 0 },
	[CFG_O_TUNNEL] = { "tunnel", CFG_SCOPE_ACCOUNT, CFG_OPT_COMMAND, NULL, 0, 0, NULL,
			   N_("a command that speaks IMAP on its standard input and output"),
			   offsetof(struct cfg_account, tunnel), 0 },
	[CFG_O_TRASH] = { "trash", CFG_SCOPE_ACCOUNT, CFG_OPT_STRING, NULL, 0, 0, NULL,
			  N_("the folder deleted messages go to (default: the server's \\Trash folder)"),
			  offsetof(struct cfg_account, trash), 0 },
	[CFG_O_ARCHIVE] = { "archive", CFG_SCOPE_ACCOUNT, CFG_OPT_STRING, NULL, 0, 0, NULL,
			    N_("the folder archived messages go to (default: the server's \\Archive folder)"),
			    offsetof(struct cfg_account, archive), 0 },
	[CFG_O_IDLE] = { "idle", CFG_SCOPE_ACCOUNT, CFG_OPT_BOOL, NULL, 0, 0, "yes",
			 N_("wait with IDLE on the open folder, so that new mail and changes show at once"),
			 offsetof(struct cfg_account, idle), 0 },
	/* global options */
	[CFG_O_HTML_COMMAND] = { "html-command", CFG_SCOPE_GLOBAL, CFG_OPT_ARGV, NULL, 0, 0, NULL,
				 N_("a command that turns HTML into text (no shell)"), offsetof(struct cfg, html_command),
				 0 },
	[CFG_O_DEFAULT_ACCOUNT] = { "default-account", CFG_SCOPE_GLOBAL, CFG_OPT_STRING, NULL, 0, 0, NULL,
				    N_("the account used when none is given"), offsetof(struct cfg, default_account),
				    0 },
	[CFG_O_SORT] = { "sort", CFG_SCOPE_GLOBAL, CFG_OPT_ENUM, cfg_sort_names, 0, 0, "date",
			 N_("the default order of messages"), offsetof(struct cfg, sort), CFG_OPT_AS_NAME },
	[CFG_O_HEADER_CACHE] = { "header-cache", CFG_SCOPE_GLOBAL, CFG_OPT_PATH, NULL, 0, 0,
				 "$XDG_CACHE_HOME/skua/hcache.mdb", N_("the header cache file"),
				 offsetof(struct cfg, header_cache), 0 },
	[CFG_O_INDEX_FORMAT] = { "index-format", CFG_SCOPE_GLOBAL, CFG_OPT_STRING, NULL, 0, 0,
				 "%4C %Z %{%b %d} %-15.15F (%4c) %s", N_("the columns of an index line"),
				 offsetof(struct cfg, index_format), 0 },
	[CFG_O_PAGER_HEADERS] = { "pager-headers", CFG_SCOPE_GLOBAL, CFG_OPT_STRING, NULL, 0, 0,
				  "Date From To Cc Subject", N_("the header fields the pager shows, in order"),
				  offsetof(struct cfg, pager_headers), 0 },
	[CFG_O_URL_COMMAND] = { "url-command", CFG_SCOPE_GLOBAL, CFG_OPT_ARGV, NULL, 0, 0, NULL,
				N_("the command that opens a link (the link its last argument, no shell)"),
				offsetof(struct cfg, url_command), 0 },
	[CFG_O_ATTACHMENT_COMMAND] = { "attachment-command", CFG_SCOPE_GLOBAL, CFG_OPT_ARGV, NULL, 0, 0, NULL,
				       N_("the command that views an attachment (%s: its file, no shell)"),
				       offsetof(struct cfg, attachment_command), 0 },
	[CFG_O_SIDEBAR] = { "sidebar", CFG_SCOPE_GLOBAL, CFG_OPT_BOOL, NULL, 0, 0, "no",
			    N_("show the folder list beside the index at start"), offsetof(struct cfg, sidebar), 0 },
	[CFG_O_SIDEBAR_WIDTH] = { "sidebar-width", CFG_SCOPE_GLOBAL, CFG_OPT_INT, NULL, 8, 200, "24",
				  N_("the sidebar's width in columns"), offsetof(struct cfg, sidebar_width), 0 },
	[CFG_O_KEEPALIVE] = { "keepalive", CFG_SCOPE_GLOBAL, CFG_OPT_INT, NULL, 1, 3600, "240",
			      N_("seconds of quiet after which an idle connection is checked with a NOOP"),
			      offsetof(struct cfg, keepalive), 0 },
	[CFG_O_DELETE] = { "delete", CFG_SCOPE_GLOBAL, CFG_OPT_ENUM, cfg_delete_names, 0, 0, "ask-yes",
			   N_("purge the messages marked deleted on leaving a folder: ask-yes, ask-no, yes, no"),
			   offsetof(struct cfg, delete_mode), 0 },
};

const struct cfg_option *cfg_options(size_t *n_r)
{
	*n_r = N_ELEMENTS(cfg_option_table);
	return cfg_option_table;
}

const struct cfg_option *cfg_option_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(cfg_option_table); i++)
		if (strcmp(cfg_option_table[i].name, name) == 0)
			return &cfg_option_table[i];
	return NULL;
}

void cfg_options_complete(const char *prefix, void (*add)(const char *name, void *ctx), void *ctx)
{
	size_t len = strlen(prefix);

	for (size_t i = 0; i < N_ELEMENTS(cfg_option_table); i++)
		if (strncmp(cfg_option_table[i].name, prefix, len) == 0)
			add(cfg_option_table[i].name, ctx);
}
