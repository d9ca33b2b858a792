/* cfg.c: the configuration file parser (accounts, global options, read through the options table of
 * options.c). */
#include "skua.h"
#include "cfg.h"
#include "options.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/proc.h"
#include "lib/xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* Named limits. */
#define CFG_MAX_FILE (1024 * 1024)       /* bytes in a configuration file */
#define CFG_MAX_LINE 4096                /* bytes in one line */
#define CFG_MAX_ACCOUNTS 1000

/* The options table (options.c). */
static const struct cfg_option *cfg_table(void)
{
	size_t n;

	return cfg_options(&n);
}

struct cfg_parser {
	struct cfg *cfg;
	const char *file;
	int line;
	bool mode_unsafe;             /* the file is readable by group or others */
	struct cfg_account *acct;     /* current account block, or NULL */
	size_t acct_cap;
	int key_line[CFG_O_COUNT];    /* where each key was set (current block / globals), 0 = unset */
	size_t ui_lines_cap;
	size_t n_warnings, warnings_cap;
	const char *error;
};

static void cfg_set_error(struct cfg_parser *p, int line, const char *fmt, ...) SKUA_PRINTF(3, 4);

static void cfg_set_error(struct cfg_parser *p, int line, const char *fmt, ...)
{
	char msg[ERRSTR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->error = errstr("%s:%d: %s", p->file, line, msg);
}

static void cfg_add_warning(struct cfg_parser *p, char *warning)
{
	p->cfg->warnings = xgrow(p->cfg->warnings, &p->warnings_cap, p->n_warnings + 2,
				 sizeof(*p->cfg->warnings));
	p->cfg->warnings[p->n_warnings++] = warning;
	p->cfg->warnings[p->n_warnings] = NULL;
}

static bool cfg_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Reads one token (bare word or quoted string) at *pos of line[0..len). Returns 1 and a malloc'd
 * token, 0 at the end of the line (or a comment), or -1 with p->error. */
static int cfg_token(struct cfg_parser *p, const char *line, size_t len, size_t *pos, char **token_r)
{
	struct buf tok = BUF_INIT;
	size_t i = *pos;

	while (i < len && cfg_is_space(line[i]))
		i++;
	if (i == len || line[i] == '#') {
		*pos = len;
		return 0;
	}
	/* room for the rest of the line at once: a password is never left behind by a realloc */
	buf_reserve(&tok, len - i);
	tok.data[0] = '\0';
	if (line[i] == '"' || line[i] == '\'') {
		char quote = line[i++];
		for (;;) {
			if (i == len) {
				cfg_set_error(p, p->line, "%s", _("unterminated quoted string"));
				goto fail;
			}
			if (line[i] == quote) {
				i++;
				break;
			}
			if (quote == '"' && line[i] == '\\') {
				if (i + 1 == len) {
					cfg_set_error(p, p->line, "%s", _("unterminated quoted string"));
					goto fail;
				}
				switch (line[i + 1]) {
				case '\\': buf_append_c(&tok, '\\'); break;
				case '"': buf_append_c(&tok, '"'); break;
				case 't': buf_append_c(&tok, '\t'); break;
				default:
					cfg_set_error(p, p->line, _("unknown escape \"\\%c\" (use \\\\, \\\" or \\t)"),
						      line[i + 1]);
					goto fail;
				}
				i += 2;
				continue;
			}
			buf_append_c(&tok, line[i++]);
		}
		if (i < len && !cfg_is_space(line[i]) && line[i] != '#') {
			cfg_set_error(p, p->line, "%s", _("unexpected text after a closing quote"));
			goto fail;
		}
	} else {
		while (i < len && !cfg_is_space(line[i])) {
			if (line[i] == '"' || line[i] == '\'') {
				cfg_set_error(p, p->line, "%s",
					      _("quote in the middle of a word; quote the whole value"));
				goto fail;
			}
			buf_append_c(&tok, line[i++]);
		}
	}
	*pos = i;
	*token_r = buf_steal(&tok);
	return 1;
fail:
	explicit_bzero(tok.data, tok.cap);
	buf_free(&tok);
	return -1;
}

/* Frees a token that may hold a secret. */
static void cfg_token_free(char **token)
{
	if (*token != NULL) {
		explicit_bzero(*token, strlen(*token));
		free(*token);
		*token = NULL;
	}
}

static bool cfg_host_is_loopback(const char *host)
{
	unsigned char addr[16];
	static const unsigned char v6_loopback[16] = { [15] = 1 };
	static const unsigned char v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127;
	if (inet_pton(AF_INET6, host, addr) == 1)
		return memcmp(addr, v6_loopback, 16) == 0 ||
		       (memcmp(addr, v4_mapped, 12) == 0 && addr[12] == 127);
	return false;
}

/* Returns the home directory (borrowed from the environment or the password database), or NULL. */
static const char *cfg_home(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home != NULL && home[0] == '/')
		return home;
	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	return NULL;
}

/* Expands a leading "~" or "~/". Returns a malloc'd path, or NULL with p->error. */
static char *cfg_expand_tilde(struct cfg_parser *p, const char *path)
{
	const char *home;

	if (path[0] != '~')
		return xstrdup(path);
	if (path[1] != '\0' && path[1] != '/') {
		cfg_set_error(p, p->line, "%s", _("only \"~\" and \"~/\" are expanded, not \"~user\""));
		return NULL;
	}
	home = cfg_home();
	if (home == NULL) {
		cfg_set_error(p, p->line, "%s", _("cannot expand \"~\": no home directory"));
		return NULL;
	}
	return xasprintf("%s%s", home, path + 1);
}

/* A file name value: "~" expanded, and then absolute. Returns a malloc'd path, or NULL with p->error. */
static char *cfg_path(struct cfg_parser *p, const struct cfg_option *o, const char *value)
{
	char *path = cfg_expand_tilde(p, value);

	if (path != NULL && path[0] != '/') {
		cfg_set_error(p, p->line, _("%s must be an absolute path or start with \"~/\""), o->name);
		free(path);
		path = NULL;
	}
	return path;
}

static bool cfg_account_name_ok(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || name[0] == '-' || strlen(name) > 64)
		return false;
	for (const char *s = name; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-' || c == '_' || c == '@' || c == '+'))
			return false;
	}
	return true;
}

static int cfg_enum_lookup(const char *const *names, const char *value)
{
	for (size_t i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], value) == 0)
			return (int)i;
	return -1;
}

static void cfg_account_free(struct cfg_account **acct)
{
	struct cfg_account *a = *acct;

	if (a == NULL)
		return;
	free(a->name);
	free(a->host);
	free(a->user);
	if (a->password != NULL) {
		explicit_bzero(a->password, strlen(a->password));
		free(a->password);
	}
	free(a->password_command);
	free(a->oauth_command);
	free(a->ca_file);
	free(a->tunnel);
	free(a->trash);
	free(a->archive);
	free(a);
	*acct = NULL;
}

/* Checks the finished account block. Returns 0, or -1 with p->error. */
static int cfg_account_finish(struct cfg_parser *p)
{
	struct cfg_account *a = p->acct;
	const int *kl = p->key_line;

	if (a == NULL)
		return 0;
	p->acct = NULL;
	if (a->tunnel == NULL) {
		if (a->host == NULL) {
			cfg_set_error(p, a->line, _("account \"%s\" has no host (or tunnel)"), a->name);
			return -1;
		}
		if (a->user == NULL) {
			cfg_set_error(p, a->line, _("account \"%s\" has no user"), a->name);
			return -1;
		}
		if (a->tls == CFG_TLS_NONE && !cfg_host_is_loopback(a->host)) {
			cfg_set_error(p, kl[CFG_O_TLS],
				      _("tls none would send the password in clear text to %s; it is only "
					"allowed towards localhost"), a->host);
			return -1;
		}
	} else if (kl[CFG_O_TLS] == 0) {
		/* the tunnel command (ssh, a local imapd) provides the transport */
		a->tls = CFG_TLS_NONE;
	}
	if (a->password != NULL && a->password_command != NULL) {
		cfg_set_error(p, kl[CFG_O_PASSWORD] > kl[CFG_O_PASSWORD_COMMAND] ? kl[CFG_O_PASSWORD] :
			      kl[CFG_O_PASSWORD_COMMAND],
			      "%s", _("give either password or password-command, not both"));
		return -1;
	}
	if ((a->auth == CFG_AUTH_XOAUTH2 || a->auth == CFG_AUTH_OAUTHBEARER) && a->oauth_command == NULL) {
		cfg_set_error(p, kl[CFG_O_AUTH], _("auth %s needs an oauth-command"),
			      cfg_table()[CFG_O_AUTH].names[a->auth]);
		return -1;
	}
	return 0;
}

static int cfg_account_start(struct cfg_parser *p, const char *name)
{
	struct cfg *cfg = p->cfg;
	struct cfg_account *a;

	if (cfg_account_finish(p) < 0)
		return -1;
	if (!cfg_account_name_ok(name)) {
		cfg_set_error(p, p->line, "%s",
			      _("account names are 1-64 letters, digits, \".-_@+\", not starting with \".\" or "
				"\"-\""));
		return -1;
	}
	for (size_t i = 0; i < cfg->n_accounts; i++) {
		if (strcmp(cfg->accounts[i]->name, name) == 0) {
			cfg_set_error(p, p->line, _("account \"%s\" is already defined at line %d"), name,
				      cfg->accounts[i]->line);
			return -1;
		}
	}
	if (cfg->n_accounts >= CFG_MAX_ACCOUNTS) {
		cfg_set_error(p, p->line, _("too many accounts (at most %d)"), CFG_MAX_ACCOUNTS);
		return -1;
	}
	a = xcalloc(1, sizeof(*a));
	a->name = xstrdup(name);
	a->tls = CFG_TLS_IMPLICIT; /* the table's defaults */
	a->auth = CFG_AUTH_AUTO;
	a->idle = true;
	a->file = cfg->path;
	a->line = p->line;
	cfg->accounts = xgrow(cfg->accounts, &p->acct_cap, cfg->n_accounts + 1, sizeof(*cfg->accounts));
	cfg->accounts[cfg->n_accounts++] = a;
	p->acct = a;
	size_t n_opts;
	const struct cfg_option *opts = cfg_options(&n_opts);
	for (size_t k = 0; k < n_opts; k++)
		if (opts[k].scope == CFG_SCOPE_ACCOUNT)
			p->key_line[k] = 0;
	return 0;
}

/* Stores *value (taking it) in *field. */
static void cfg_take(char **field, char **value)
{
	*field = *value;
	*value = NULL;
}

/* Appends "a, b or c" of a NULL-terminated list of names. */
static void cfg_names_list(struct buf *out, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		if (i > 0)
			buf_append_str(out, names[i + 1] == NULL ? _(" or ") : ", ");
		buf_append_str(out, names[i]);
	}
}

/* Parses a decimal number from min to max (digits only). */
static bool cfg_int_parse(const char *v, int min, int max, int *n_r)
{
	char *end;
	long n;

	if (v[0] < '0' || v[0] > '9')
		return false;
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end != '\0' || errno != 0 || n < min || n > max)
		return false;
	*n_r = (int)n;
	return true;
}

/* Applies option o with value *value to the current account or the globals, as the table says. Takes
 * *value on success. Returns 0, or -1 with p->error. */
static int cfg_apply(struct cfg_parser *p, const struct cfg_option *o, char **value)
{
	size_t k = (size_t)(o - cfg_table());
	char *base = o->scope == CFG_SCOPE_ACCOUNT ? (char *)p->acct : (char *)p->cfg;
	void *field = base + o->offset;
	const char *v = *value;
	int n;

	if (p->key_line[k] != 0) {
		cfg_set_error(p, p->line, _("%s is already set at line %d"), o->name, p->key_line[k]);
		return -1;
	}
	if (v[0] == '\0') {
		cfg_set_error(p, p->line, _("%s needs a non-empty value"), o->name);
		return -1;
	}
	p->key_line[k] = p->line;

	switch (o->type) {
	case CFG_OPT_BOOL:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
			cfg_set_error(p, p->line, _("%s must be yes or no, not \"%s\""), o->name, v);
			return -1;
		}
		*(bool *)field = strcmp(v, "yes") == 0;
		return 0;
	case CFG_OPT_INT:
		if (!cfg_int_parse(v, o->min, o->max, &n)) {
			cfg_set_error(p, p->line, _("%s must be a number from %d to %d, not \"%s\""), o->name, o->min,
				      o->max, v);
			return -1;
		}
		*(int *)field = n;
		return 0;
	case CFG_OPT_ENUM:
		if ((n = cfg_enum_lookup(o->names, v)) < 0) {
			struct buf names = BUF_INIT;
			cfg_names_list(&names, o->names);
			cfg_set_error(p, p->line, _("%s must be %s, not \"%s\""), o->name, names.data, v);
			buf_free(&names);
			return -1;
		}
		if (o->flags & CFG_OPT_AS_NAME)
			cfg_take(field, value);
		else
			*(int *)field = n;
		return 0;
	case CFG_OPT_PATH:
		*(char **)field = cfg_path(p, o, v);
		return *(char **)field != NULL ? 0 : -1;
	case CFG_OPT_ARGV: {
		const char *error;
		char **argv = proc_split(v, &error);
		if (argv == NULL) {
			cfg_set_error(p, p->line, "%s: %s", o->name, error);
			return -1;
		}
		bool empty = argv[0] == NULL;
		proc_argv_free(&argv);
		if (empty) {
			cfg_set_error(p, p->line, _("%s needs a non-empty value"), o->name);
			return -1;
		}
		cfg_take(field, value);
		return 0;
	}
	case CFG_OPT_STRING:
	case CFG_OPT_COMMAND:
		break;
	}
	if (o->flags & CFG_OPT_HOSTNAME) {
		for (const char *s = v; *s != '\0'; s++) {
			if (cfg_is_space(*s) || *s == '/' || *s == '[' || *s == ']') {
				cfg_set_error(p, p->line, _("host \"%s\" is not a host name or address"), v);
				return -1;
			}
		}
	}
	if ((o->flags & CFG_OPT_SECRET) && p->mode_unsafe)
		cfg_add_warning(p, xasprintf(_("%s:%d: password is stored in a file readable by others; "
					       "use password-command"), p->file, p->line));
	cfg_take(field, value);
	return 0;
}

/* Returns the length of the valid UTF-8 sequence at s[0..len) that is not a C1 control character
 * (U+0080-U+009F), or 0. */
static size_t cfg_utf8_char(const unsigned char *s, size_t len)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* Parses one line (without its newline). Returns 0, or -1 with p->error. */
static int cfg_parse_line(struct cfg_parser *p, const char *line, size_t len)
{
	char *key = NULL, *value = NULL, *extra = NULL;
	size_t pos = 0;
	bool indented;
	const struct cfg_option *o;
	int ret = -1, r;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > CFG_MAX_LINE) {
		cfg_set_error(p, p->line, _("line longer than %d bytes"), CFG_MAX_LINE);
		return -1;
	}
	/* Keys and values may be echoed in messages to the terminal: only UTF-8 text goes in. */
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)line[i];
		size_t n;
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			cfg_set_error(p, p->line, "%s", _("control character in line"));
			return -1;
		}
		n = cfg_utf8_char((const unsigned char *)line + i, len - i);
		if (n == 0) {
			cfg_set_error(p, p->line, "%s", _("invalid UTF-8 or control character in line"));
			return -1;
		}
		i += n;
	}
	indented = len > 0 && cfg_is_space(line[0]);

	r = cfg_token(p, line, len, &pos, &key);
	if (r <= 0)
		return r; /* blank line, comment, or error */
	if (!indented && (strcmp(key, "bind") == 0 || strcmp(key, "macro") == 0 || strcmp(key, "unbind") == 0 ||
			  strcmp(key, "color") == 0)) {
		/* the UI's lines, checked when the UI reads them (cfg_ui_line) */
		size_t n = p->cfg->n_ui_lines;
		if (cfg_account_finish(p) < 0)
			goto out;
		p->cfg->ui_lines = xgrow(p->cfg->ui_lines, &p->ui_lines_cap, n + 1, sizeof(*p->cfg->ui_lines));
		p->cfg->ui_lines[n].text = xstrndup(line, len);
		p->cfg->ui_lines[n].file = p->file;
		p->cfg->ui_lines[n].line = p->line;
		p->cfg->n_ui_lines = n + 1;
		ret = 0;
		goto out;
	}
	r = cfg_token(p, line, len, &pos, &value);
	if (r < 0)
		goto out;
	if (r == 0) {
		cfg_set_error(p, p->line, _("%s needs a value"), key);
		goto out;
	}
	r = cfg_token(p, line, len, &pos, &extra);
	if (r < 0)
		goto out;
	if (r > 0) {
		cfg_set_error(p, p->line, _("%s takes one value; quote a value that contains spaces"), key);
		goto out;
	}

	if (strcmp(key, "account") == 0) {
		if (indented) {
			cfg_set_error(p, p->line, "%s", _("\"account\" must start at the beginning of the line"));
			goto out;
		}
		ret = cfg_account_start(p, value);
		goto out;
	}
	o = cfg_option_find(key);
	if (indented) {
		if (p->acct == NULL) {
			cfg_set_error(p, p->line, _("indented \"%s\" outside an account block"), key);
			goto out;
		}
		if (o == NULL) {
			cfg_set_error(p, p->line, _("unknown account key \"%s\""), key);
			goto out;
		}
		if (o->scope != CFG_SCOPE_ACCOUNT) {
			cfg_set_error(p, p->line,
				      _("%s is a global option; write it unindented, outside account blocks"),
				      key);
			goto out;
		}
	} else {
		if (o != NULL && o->scope == CFG_SCOPE_ACCOUNT) {
			cfg_set_error(p, p->line,
				      _("%s belongs in an account block; indent it under an \"account NAME\" line"),
				      key);
			goto out;
		}
		if (o == NULL) {
			cfg_set_error(p, p->line, _("unknown option \"%s\""), key);
			goto out;
		}
		/* a global option ends the current account block */
		if (cfg_account_finish(p) < 0)
			goto out;
	}
	ret = cfg_apply(p, o, &value);
out:
	free(key);
	cfg_token_free(&value);
	cfg_token_free(&extra);
	return ret;
}

static int cfg_parse_full(const char *text, size_t len, const char *filename, bool mode_unsafe,
			  struct cfg **cfg_r, const char **error_r)
{
	struct cfg_parser p;
	struct cfg *cfg;
	size_t start = 0;

	memset(&p, 0, sizeof(p));
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(filename);
	cfg->warnings = xcalloc(1, sizeof(*cfg->warnings));
	p.warnings_cap = 1;
	p.cfg = cfg;
	p.file = cfg->path;
	p.mode_unsafe = mode_unsafe;

	/* a UTF-8 byte order mark some editors write */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		start = 3;
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;

		p.line++;
		if (memchr(text + start, '\0', end - start) != NULL) {
			cfg_set_error(&p, p.line, "%s", _("NUL byte in line"));
			goto fail;
		}
		if (cfg_parse_line(&p, text + start, end - start) < 0)
			goto fail;
		start = end + 1;
	}
	if (cfg_account_finish(&p) < 0)
		goto fail;
	if (cfg->default_account != NULL && cfg_account_find(cfg, cfg->default_account) == NULL) {
		cfg_set_error(&p, p.key_line[CFG_O_DEFAULT_ACCOUNT], _("default-account \"%s\" is not defined"),
			      cfg->default_account);
		goto fail;
	}
	*cfg_r = cfg;
	return 0;
fail:
	*error_r = p.error;
	cfg_free(&cfg);
	return -1;
}

int cfg_parse(const char *text, size_t len, const char *filename, struct cfg **cfg_r, const char **error_r)
{
	return cfg_parse_full(text, len, filename, false, cfg_r, error_r);
}

int cfg_load(const char *path, struct cfg **cfg_r, const char **error_r)
{
	struct buf text = BUF_INIT;
	struct stat st;
	int fd, ret;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*error_r = errstr("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		*error_r = errstr("%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*error_r = errstr("%s: %s", path, _("not a regular file"));
		close(fd);
		return -1;
	}
	for (;;) {
		buf_reserve(&text, 65536);
		n = read(fd, text.data + text.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = errstr("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		text.len += (size_t)n;
		if (text.len > CFG_MAX_FILE) {
			*error_r = errstr(_("%s: larger than %d bytes"), path, CFG_MAX_FILE);
			goto fail;
		}
	}
	close(fd);
	ret = cfg_parse_full(text.data, text.len, path, (st.st_mode & (S_IRGRP | S_IROTH)) != 0, cfg_r,
			     error_r);
	if (ret == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		struct cfg *cfg = *cfg_r;
		size_t nw = 0;
		while (cfg->warnings[nw] != NULL)
			nw++;
		cfg->warnings = xrealloc(cfg->warnings, (nw + 2) * sizeof(*cfg->warnings));
		cfg->warnings[nw] = xasprintf(_("%s: the file is writable by others, who could make skua run "
						"any command as you; chmod go-w it"), path);
		cfg->warnings[nw + 1] = NULL;
	}
	explicit_bzero(text.data, text.cap);
	buf_free(&text);
	return ret;
fail:
	close(fd);
	explicit_bzero(text.data, text.cap);
	buf_free(&text);
	return -1;
}

char *cfg_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home;

	/* the XDG base directory spec says relative values are to be ignored */
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/skua/config", xdg);
	home = cfg_home();
	if (home == NULL)
		return NULL;
	return xasprintf("%s/.config/skua/config", home);
}

struct cfg_account *cfg_account_find(const struct cfg *cfg, const char *name)
{
	if (name == NULL)
		name = cfg->default_account;
	if (name == NULL)
		return cfg->n_accounts > 0 ? cfg->accounts[0] : NULL;
	for (size_t i = 0; i < cfg->n_accounts; i++)
		if (strcmp(cfg->accounts[i]->name, name) == 0)
			return cfg->accounts[i];
	return NULL;
}

void cfg_free(struct cfg **cfgp)
{
	struct cfg *cfg = *cfgp;

	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_accounts; i++)
		cfg_account_free(&cfg->accounts[i]);
	free(cfg->accounts);
	if (cfg->warnings != NULL) {
		for (char **w = cfg->warnings; *w != NULL; w++)
			free(*w);
		free(cfg->warnings);
	}
	free(cfg->html_command);
	free(cfg->default_account);
	free(cfg->sort);
	free(cfg->header_cache);
	free(cfg->index_format);
	free(cfg->pager_headers);
	free(cfg->url_command);
	free(cfg->attachment_command);
	for (size_t i = 0; i < cfg->n_ui_lines; i++)
		free(cfg->ui_lines[i].text);
	free(cfg->ui_lines);
	free(cfg->path);
	free(cfg);
	*cfgp = NULL;
}
