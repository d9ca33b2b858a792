/* mailcap.c: finding an RFC 1524 mailcap viewer for a content type and expanding its command safely. */
#include "skua.h"
#include "mailcap.h"
#include "lib/buf.h"
#include "lib/proc.h"
#include "lib/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAILCAP_TEST_MAX_OUT 65536 /* output of a test= command kept (and thrown away) */

static bool mailcap_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A malloc'd copy of s[0..len) without the blanks around it. */
static char *mailcap_trimmed(const char *s, size_t len)
{
	while (len > 0 && mailcap_blank(s[0])) {
		s++;
		len--;
	}
	while (len > 0 && mailcap_blank(s[len - 1]))
		len--;
	return xstrndup(s, len);
}

/* Parses one logical line (continuations joined) into *e. Returns false when it holds no entry. */
static bool mailcap_parse_entry(const char *line, size_t len, struct mailcap_entry *e)
{
	size_t start = 0, field = 0;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] == '\\' && i + 1 < len) {
			i++;
			continue;
		}
		if (i < len && line[i] != ';')
			continue;
		char *f = mailcap_trimmed(line + start, i - start);
		start = i + 1;
		if (field == 0) {
			e->type = f;
		} else if (field == 1) {
			e->command = f;
		} else if (strcasecmp(f, "copiousoutput") == 0) {
			e->copiousoutput = true;
			free(f);
		} else if (strcasecmp(f, "needsterminal") == 0) {
			e->needsterminal = true;
			free(f);
		} else if (strncasecmp(f, "test", 4) == 0 && e->test == NULL) {
			const char *v = f + 4;
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=')
				e->test = mailcap_trimmed(v + 1, strlen(v + 1));
			free(f);
		} else {
			free(f);
		}
		field++;
	}
	if (e->type == NULL || e->type[0] == '\0' || e->command == NULL || e->command[0] == '\0') {
		free(e->type);
		free(e->command);
		free(e->test);
		memset(e, 0, sizeof(*e));
		return false;
	}
	return true;
}

size_t mailcap_parse(const char *text, size_t len, struct mailcap_entry **list_r)
{
	struct mailcap_entry *list = NULL, e;
	size_t n = 0, cap = 0, i = 0;
	struct buf line = BUF_INIT;

	while (i < len && n < MAILCAP_MAX_ENTRIES) {
		/* one logical line: a backslash before the newline joins the next one */
		buf_reset(&line);
		while (i < len) {
			const char *nl = memchr(text + i, '\n', len - i);
			size_t end = nl != NULL ? (size_t)(nl - text) : len, stop = end;
			if (stop > i && text[stop - 1] == '\r')
				stop--;
			bool cont = stop > i && text[stop - 1] == '\\';
			buf_append(&line, text + i, cont ? stop - 1 - i : stop - i);
			i = nl != NULL ? end + 1 : len;
			if (!cont)
				break;
		}
		size_t s = 0;
		while (s < line.len && mailcap_blank(line.data[s]))
			s++;
		if (s == line.len || line.data[s] == '#')
			continue;
		if (!mailcap_parse_entry(line.data + s, line.len - s, &e))
			continue;
		list = xgrow(list, &cap, n + 1, sizeof(*list));
		list[n++] = e;
	}
	buf_free(&line);
	*list_r = list;
	return n;
}

void mailcap_entry_clear(struct mailcap_entry *entry)
{
	free(entry->type);
	free(entry->command);
	free(entry->test);
	memset(entry, 0, sizeof(*entry));
}

void mailcap_entries_free(struct mailcap_entry **list, size_t n)
{
	if (*list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		mailcap_entry_clear(&(*list)[i]);
	free(*list);
	*list = NULL;
}

bool mailcap_type_matches(const char *pattern, const char *content_type)
{
	const char *slash = strchr(content_type, '/');
	size_t major = slash != NULL ? (size_t)(slash - content_type) : strlen(content_type);
	size_t plen = strlen(pattern);

	if (strcasecmp(pattern, content_type) == 0)
		return true;
	/* "text" and "text/" plus a star cover every text subtype */
	if (plen == major && strncasecmp(pattern, content_type, major) == 0)
		return true;
	return plen == major + 2 && strncasecmp(pattern, content_type, major) == 0 && pattern[major] == '/' &&
	       pattern[major + 1] == '*';
}

bool mailcap_safe_word(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return false;
	for (; *s != '\0'; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("/._+-", c) != NULL))
			return false;
	}
	return true;
}

/* Shell quoting state of the command built so far, to know whether an inserted word needs quotes. */
enum mailcap_quote { MAILCAP_Q_NONE, MAILCAP_Q_SINGLE, MAILCAP_Q_DOUBLE };

struct mailcap_out {
	struct buf b;
	enum mailcap_quote q;
	bool escaped; /* the last character was an unquoted (or double-quoted) backslash */
};

static void mailcap_put(struct mailcap_out *o, char c)
{
	buf_append_c(&o->b, c);
	if (o->escaped) {
		o->escaped = false;
		return;
	}
	switch (o->q) {
	case MAILCAP_Q_NONE:
		if (c == '\'')
			o->q = MAILCAP_Q_SINGLE;
		else if (c == '"')
			o->q = MAILCAP_Q_DOUBLE;
		else if (c == '\\')
			o->escaped = true;
		break;
	case MAILCAP_Q_SINGLE:
		if (c == '\'')
			o->q = MAILCAP_Q_NONE;
		break;
	case MAILCAP_Q_DOUBLE:
		if (c == '"')
			o->q = MAILCAP_Q_NONE;
		else if (c == '\\')
			o->escaped = true;
		break;
	}
}

/* Inserts a safe word (or an empty one): quoted when the command has no quotes open here. */
static void mailcap_put_word(struct mailcap_out *o, const char *w)
{
	bool quote = o->q == MAILCAP_Q_NONE && !o->escaped;

	o->escaped = false;
	if (quote)
		buf_append_c(&o->b, '\'');
	buf_append_str(&o->b, w);
	if (quote)
		buf_append_c(&o->b, '\'');
}

char *mailcap_expand(const char *command, const char *path, const char *content_type, bool *used_path_r)
{
	struct mailcap_out o = { BUF_INIT, MAILCAP_Q_NONE, false };
	const char *type = mailcap_safe_word(content_type) ? content_type : "application/octet-stream";
	bool used = false;

	if (!mailcap_safe_word(path))
		return NULL;
	for (const char *p = command; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			mailcap_put(&o, *++p);
			continue;
		}
		if (*p != '%' || p[1] == '\0') {
			mailcap_put(&o, *p);
			continue;
		}
		p++;
		if (*p == 's') {
			mailcap_put_word(&o, path);
			used = true;
		} else if (*p == 't') {
			mailcap_put_word(&o, type);
		} else if (*p == '{') {
			const char *end = strchr(p, '}');
			mailcap_put_word(&o, "");
			if (end == NULL)
				break;
			p = end;
		} else if (*p == '%') {
			mailcap_put(&o, '%');
		} else {
			mailcap_put(&o, '%');
			mailcap_put(&o, *p);
		}
	}
	if (used_path_r != NULL)
		*used_path_r = used;
	if (o.b.data == NULL)
		return xstrdup("");
	return buf_steal(&o.b);
}

/* Reads at most MAILCAP_MAX_FILE bytes of path into out. Returns false when it cannot be read. */
static bool mailcap_read(const char *path, struct buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t r;

	if (fd < 0)
		return false;
	while (out->len < MAILCAP_MAX_FILE) {
		size_t want = MAILCAP_MAX_FILE - out->len;
		if (want > 65536)
			want = 65536;
		buf_reserve(out, want);
		r = read(fd, out->data + out->len, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		out->len += (size_t)r;
		out->data[out->len] = '\0';
	}
	close(fd);
	return true;
}

/* Runs an entry's test (none passes). */
static bool mailcap_test_passes(const struct mailcap_entry *e, const char *content_type)
{
	struct buf out = BUF_INIT;
	const char *error;
	char *cmd;
	int ret;

	if (e->test == NULL)
		return true;
	cmd = mailcap_expand(e->test, "/dev/null", content_type, NULL);
	if (cmd == NULL)
		return false;
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	ret = proc_run(argv, NULL, 0, &out, MAILCAP_TEST_MAX_OUT, MAILCAP_TEST_TIMEOUT_MS, &error);
	free(cmd);
	buf_free(&out);
	return ret == 0;
}

static void mailcap_entry_copy(struct mailcap_entry *dst, const struct mailcap_entry *src)
{
	dst->type = xstrdup(src->type);
	dst->command = xstrdup(src->command);
	dst->test = src->test != NULL ? xstrdup(src->test) : NULL;
	dst->copiousoutput = src->copiousoutput;
	dst->needsterminal = src->needsterminal;
}

/* The files searched, in order (malloc'd strings, NULL-terminated). */
static char **mailcap_paths(void)
{
	const char *env = getenv("MAILCAPS"), *home = getenv("HOME");
	char **paths = NULL;
	size_t n = 0, cap = 0;

	if (env != NULL && env[0] != '\0') {
		for (const char *p = env;;) {
			const char *colon = strchr(p, ':');
			size_t len = colon != NULL ? (size_t)(colon - p) : strlen(p);
			if (len > 0) {
				paths = xgrow(paths, &cap, n + 2, sizeof(*paths));
				paths[n++] = xstrndup(p, len);
			}
			if (colon == NULL)
				break;
			p = colon + 1;
		}
	} else {
		paths = xgrow(paths, &cap, 3, sizeof(*paths));
		if (home != NULL && home[0] == '/')
			paths[n++] = xasprintf("%s/.mailcap", home);
		paths[n++] = xstrdup("/etc/mailcap");
	}
	paths = xgrow(paths, &cap, n + 1, sizeof(*paths));
	paths[n] = NULL;
	return paths;
}

bool mailcap_find(const char *content_type, struct mailcap_entry *entry_r)
{
	char **paths = mailcap_paths();
	bool found = false;

	memset(entry_r, 0, sizeof(*entry_r));
	for (size_t f = 0; paths[f] != NULL && !found; f++) {
		struct buf text = BUF_INIT;
		struct mailcap_entry *list;
		size_t n;

		if (!mailcap_read(paths[f], &text)) {
			buf_free(&text);
			continue;
		}
		n = mailcap_parse(text.data != NULL ? text.data : "", text.len, &list);
		buf_free(&text);
		for (size_t i = 0; i < n && !found; i++) {
			if (mailcap_type_matches(list[i].type, content_type) && mailcap_test_passes(&list[i], content_type)) {
				mailcap_entry_copy(entry_r, &list[i]);
				found = true;
			}
		}
		mailcap_entries_free(&list, n);
	}
	for (size_t f = 0; paths[f] != NULL; f++)
		free(paths[f]);
	free(paths);
	return found;
}
