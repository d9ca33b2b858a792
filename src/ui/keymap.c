/* keymap.c: key names and codes, per-view key tables (bind, macro), the default keys, help listings. */
#include "skua.h"
#include "keymap.h"
#include "cells.h"
#include "cmd.h"
#include "lib/charset.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Named limits. */
#define KEYMAP_MAX_LINE 4096        /* bytes in one configuration line */
#define KEYMAP_MAX_WORDS 8          /* words in one line */
#define KEYMAP_MAX_BINDINGS 10000   /* bindings in one view */
#define KEYMAP_MAX_COMMANDS 64      /* commands in one macro */

#define V(view) KEYMAP_V(view)

/* A mutt user's keys, with vi movement where mutt leaves a key free. */
const char keymap_defaults[] =
	"# moving (every list view and the pager)\n"
	"bind generic j next-entry\n"
	"bind generic <Down> next-entry\n"
	"bind generic k previous-entry\n"
	"bind generic <Up> previous-entry\n"
	"bind generic = first-entry\n"
	"bind generic <Home> first-entry\n"
	"bind generic gg first-entry\n"
	"bind generic * last-entry\n"
	"bind generic <End> last-entry\n"
	"bind generic G last-entry\n"
	"bind generic <PageDown> next-page\n"
	"bind generic ^F next-page\n"
	"bind generic <PageUp> previous-page\n"
	"bind generic ^B previous-page\n"
	"bind generic ^D half-down\n"
	"bind generic ^U half-up\n"
	"bind generic ^E next-line\n"
	"bind generic ^Y previous-line\n"
	"bind generic H top-page\n"
	"bind generic M middle-page\n"
	"bind generic L bottom-page\n"
	"bind generic <Enter> select-entry\n"
	"bind generic / search\n"
	"bind generic <Esc>/ search-reverse\n"
	"bind generic n search-next\n"
	"bind generic N search-opposite\n"
	"bind generic ? help\n"
	"bind generic : enter-command\n"
	"bind generic ^L redraw-screen\n"
	"bind generic q exit\n"
	"bind generic Q quit\n"
	"# the folder list\n"
	"bind folder <Space> select-entry\n"
	"bind folder c change-folder\n"
	"# the index\n"
	"bind index <Enter> display-message\n"
	"bind index <Space> display-message\n"
	"bind index q quit\n"
	"bind index x exit\n"
	"bind index <Tab> next-unread\n"
	"bind index ^N next-thread\n"
	"bind index ^P previous-thread\n"
	"bind index <Esc>v collapse-thread\n"
	"bind index <Esc>V collapse-all\n"
	"bind index t tag-entry\n"
	"bind index <Esc>t tag-thread\n"
	"bind index,pager \";\" tag-prefix\n"
	"bind index l limit\n"
	"bind index T tag-pattern\n"
	"bind index ^T untag-pattern\n"
	"bind index o sort-mailbox\n"
	"bind index y folders\n"
	"bind index B sidebar-toggle\n"
	"bind index $ sync-mailbox\n"
	"# messages, in the index and the pager\n"
	"bind index,pager c change-folder\n"
	"bind index,pager s save-message\n"
	"bind index,pager C copy-message\n"
	"bind index,pager d delete-message\n"
	"bind index,pager u undelete-message\n"
	"bind index,pager A archive-message\n"
	"bind index,pager z undo\n"
	"bind index,pager ^_ undo\n"
	"bind index ^D delete-thread\n"
	"bind index ^U undelete-thread\n"
	"bind index,pager r reply\n"
	"bind index,pager gr group-reply\n"
	"bind index,pager L list-reply\n"
	"bind index,pager f forward-message\n"
	"bind index,pager m mail\n"
	"bind index,pager F flag-message\n"
	"bind index N toggle-new\n"
	"bind index,pager U toggle-new\n"
	"bind index,pager v view-attachments\n"
	"bind index,pager ^B view-urls\n"
	"bind index,pager | pipe-message\n"
	"# the pager\n"
	"bind pager <Space> next-page\n"
	"bind pager - previous-page\n"
	"bind pager <Enter> next-line\n"
	"bind pager <Down> next-line\n"
	"bind pager <Up> previous-line\n"
	"bind pager <Backspace> previous-line\n"
	"bind pager <Home> top\n"
	"bind pager gg top\n"
	"bind pager ^ top\n"
	"bind pager <End> bottom\n"
	"bind pager G bottom\n"
	"bind pager <Tab> next-unread\n"
	"bind pager h display-toggle-weed\n"
	"bind pager i exit\n"
	"# the prompt's line editor\n"
	"bind prompt <Enter> accept\n"
	"bind prompt ^G abort\n"
	"bind prompt <Esc> abort\n"
	"bind prompt <Backspace> backspace\n"
	"bind prompt ^H backspace\n"
	"bind prompt ^? backspace\n"
	"bind prompt <Delete> delete-char\n"
	"bind prompt ^D delete-char\n"
	"bind prompt <Left> backward-char\n"
	"bind prompt ^B backward-char\n"
	"bind prompt <Right> forward-char\n"
	"bind prompt ^F forward-char\n"
	"bind prompt <Esc>b backward-word\n"
	"bind prompt <Esc>f forward-word\n"
	"bind prompt ^A bol\n"
	"bind prompt <Home> bol\n"
	"bind prompt ^E eol\n"
	"bind prompt <End> eol\n"
	"bind prompt ^U kill-line\n"
	"bind prompt ^K kill-eol\n"
	"bind prompt ^W kill-word\n"
	"bind prompt ^T transpose-chars\n"
	"bind prompt <Tab> complete\n"
	"bind prompt <Up> history-up\n"
	"bind prompt ^P history-up\n"
	"bind prompt <Down> history-down\n"
	"bind prompt ^N history-down\n";

static const char *const keymap_view_names[KEYMAP_N_VIEWS] = {
	[KEYMAP_GENERIC] = "generic", [KEYMAP_FOLDER] = "folder", [KEYMAP_INDEX] = "index",
	[KEYMAP_PAGER] = "pager", [KEYMAP_PROMPT] = "prompt",
};

/* Key names; the first name of a code is the one written. */
static const struct {
	const char *name;
	uint32_t key;
} keymap_key_names[] = {
	{ "Enter", KEYMAP_KEY_ENTER }, { "Return", KEYMAP_KEY_ENTER }, { "Esc", KEYMAP_KEY_ESC },
	{ "Tab", KEYMAP_KEY_TAB }, { "BackTab", KEYMAP_KEY_BACKTAB }, { "Space", KEYMAP_KEY_SPACE },
	{ "Up", KEYMAP_KEY_UP }, { "Down", KEYMAP_KEY_DOWN }, { "Left", KEYMAP_KEY_LEFT },
	{ "Right", KEYMAP_KEY_RIGHT }, { "PageUp", KEYMAP_KEY_PAGEUP }, { "PageDown", KEYMAP_KEY_PAGEDOWN },
	{ "Home", KEYMAP_KEY_HOME }, { "End", KEYMAP_KEY_END }, { "Insert", KEYMAP_KEY_INSERT },
	{ "Delete", KEYMAP_KEY_DELETE }, { "Backspace", KEYMAP_KEY_BACKSPACE }, { "lt", '<' },
};

struct keymap_table {
	struct keymap_binding **b; /* sorted by keys (a sequence sorts before its extensions) */
	size_t n, cap;
};

struct keymap {
	struct keymap_table views[KEYMAP_N_VIEWS];
};

const char *keymap_view_name(enum keymap_view view)
{
	return (unsigned)view < KEYMAP_N_VIEWS ? keymap_view_names[view] : "?";
}

int keymap_view_parse(const char *name, enum keymap_view *view_r)
{
	for (size_t i = 0; i < KEYMAP_N_VIEWS; i++) {
		if (strcmp(name, keymap_view_names[i]) == 0) {
			*view_r = (enum keymap_view)i;
			return 0;
		}
	}
	if (strcmp(name, "editor") == 0) {
		*view_r = KEYMAP_PROMPT;
		return 0;
	}
	return -1;
}

const struct cmd_entry *keymap_function_find(const char *name)
{
	return cmd_find_function(name);
}

/* --- key names --- */

/* True for a code point that may be written (and bound) as itself. */
static bool keymap_is_printable(uint32_t cp)
{
	return cp > 0x20 && cp != 0x7F && !(cp >= 0x80 && cp <= 0xA0) && cp <= 0x10FFFF &&
	       !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFD && cp != 0xFEFF && !cells_is_bidi_control(cp) &&
	       cp != 0x2028 && cp != 0x2029;
}

/* Reads a "<Name>" at text (text[0] == '<'). Returns its length and the key, or 0 when it is no name. */
static size_t keymap_name_read(const char *text, uint32_t *key_r)
{
	const char *end = strchr(text, '>');
	size_t len;

	if (end == NULL)
		return 0;
	len = (size_t)(end - text - 1);
	if (len == 0 || len > 16)
		return 0;
	for (size_t i = 0; i < N_ELEMENTS(keymap_key_names); i++) {
		if (strlen(keymap_key_names[i].name) == len &&
		    strncasecmp(text + 1, keymap_key_names[i].name, len) == 0) {
			*key_r = keymap_key_names[i].key;
			return len + 2;
		}
	}
	if ((text[1] == 'F' || text[1] == 'f') && len >= 2 && len <= 3) {
		unsigned n = 0;
		for (size_t i = 2; i <= len; i++) {
			if (text[i] < '0' || text[i] > '9')
				return 0;
			n = n * 10 + (unsigned)(text[i] - '0');
		}
		if (n >= 1 && n <= KEYMAP_MAX_F && text[2] != '0') {
			*key_r = KEYMAP_KEY_F(n);
			return len + 2;
		}
	}
	return 0;
}

int keymap_keys_parse(const char *text, uint32_t *keys_r, size_t *n_r, const char **error_r)
{
	size_t i = 0, n = 0, len = strlen(text);

	while (i < len) {
		uint32_t key;
		size_t used;

		if (n == KEYMAP_MAX_SEQ) {
			*error_r = errstr(_("too many keys in one binding (at most %d)"), KEYMAP_MAX_SEQ);
			return -1;
		}
		if (text[i] == '<' && (used = keymap_name_read(text + i, &key)) > 0) {
			i += used;
		} else if (text[i] == '^' && i + 1 < len) {
			char c = text[i + 1];
			if (c == '?')
				key = 0x7F;
			else if (c >= 'a' && c <= 'z')
				key = (uint32_t)(c - 'a' + 1);
			else if (c >= '@' && c <= '_')
				key = (uint32_t)(c - '@');
			else {
				*error_r = errstr(
					_("\"^%c\" is not a control key (^A to ^Z, ^@, ^[, ^\\, ^], ^^, ^_, ^?)"),
					(unsigned char)c >= 0x21 && (unsigned char)c < 0x7F ? c : '?');
				return -1;
			}
			i += 2;
		} else {
			used = charset_utf8_decode(text + i, len - i, &key);
			if (!keymap_is_printable(key)) {
				*error_r = errstr("%s", _("a key must be a printable character, ^X or a <Name> "
							  "such as <Space> or <Enter>"));
				return -1;
			}
			i += used;
		}
		keys_r[n++] = key;
	}
	if (n == 0) {
		*error_r = errstr("%s", _("no key given"));
		return -1;
	}
	*n_r = n;
	return 0;
}

static void keymap_key_name(struct buf *out, uint32_t key)
{
	if (key == KEYMAP_KEY_ENTER || key == KEYMAP_KEY_TAB || key == KEYMAP_KEY_ESC ||
	    key == KEYMAP_KEY_SPACE || key >= (uint32_t)KEYMAP_KEY_UP) {
		for (size_t i = 0; i < N_ELEMENTS(keymap_key_names); i++) {
			if (keymap_key_names[i].key == key) {
				buf_appendf(out, "<%s>", keymap_key_names[i].name);
				return;
			}
		}
		if (key > KEYMAP_KEY_F0 && key <= KEYMAP_KEY_F(KEYMAP_MAX_F)) {
			buf_appendf(out, "<F%u>", (unsigned)(key - KEYMAP_KEY_F0));
			return;
		}
	}
	if (key < 0x20)
		buf_appendf(out, "^%c", (char)(key + '@'));
	else if (key == 0x7F)
		buf_append_str(out, "^?");
	else if (keymap_is_printable(key))
		charset_utf8_append(out, key);
	else
		buf_appendf(out, "<U+%04X>", (unsigned)key);
}

void keymap_keys_name(struct buf *out, const uint32_t *keys, size_t n)
{
	buf_reserve(out, n);
	for (size_t i = 0; i < n; i++)
		keymap_key_name(out, keys[i]);
}

/* --- tables --- */

static int keymap_cmp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return an < bn ? -1 : an > bn ? 1 : 0;
}

/* The first entry not sorting before keys. */
static size_t keymap_lower_bound(const struct keymap_table *t, const uint32_t *keys, size_t n)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (keymap_cmp(t->b[mid]->keys, t->b[mid]->n_keys, keys, n) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void keymap_binding_free(struct keymap_binding **b)
{
	if (*b == NULL)
		return;
	for (size_t i = 0; i < (*b)->n_commands; i++)
		free((*b)->commands[i]);
	free((*b)->commands);
	free((*b)->command);
	free((*b)->description);
	cmd_list_free(&(*b)->list);
	free(*b);
	*b = NULL;
}

/* Puts b in the table, replacing a binding of the same keys. Takes b. */
static void keymap_table_put(struct keymap_table *t, struct keymap_binding *b)
{
	size_t pos = keymap_lower_bound(t, b->keys, b->n_keys);

	if (pos < t->n && keymap_cmp(t->b[pos]->keys, t->b[pos]->n_keys, b->keys, b->n_keys) == 0) {
		keymap_binding_free(&t->b[pos]);
		t->b[pos] = b;
		return;
	}
	t->b = xgrow(t->b, &t->cap, t->n + 1, sizeof(*t->b));
	memmove(t->b + pos + 1, t->b + pos, (t->n - pos) * sizeof(*t->b));
	t->b[pos] = b;
	t->n++;
}

static bool keymap_table_remove(struct keymap_table *t, const uint32_t *keys, size_t n)
{
	size_t pos = keymap_lower_bound(t, keys, n);

	if (pos == t->n || keymap_cmp(t->b[pos]->keys, t->b[pos]->n_keys, keys, n) != 0)
		return false;
	keymap_binding_free(&t->b[pos]);
	memmove(t->b + pos, t->b + pos + 1, (t->n - pos - 1) * sizeof(*t->b));
	t->n--;
	return true;
}

/* Finds the binding of exactly keys (*exact_r, or NULL) and whether a longer one starts with them. */
static bool keymap_table_probe(const struct keymap_table *t, const uint32_t *keys, size_t n,
			       const struct keymap_binding **exact_r)
{
	size_t pos = keymap_lower_bound(t, keys, n);

	*exact_r = NULL;
	if (pos < t->n && keymap_cmp(t->b[pos]->keys, t->b[pos]->n_keys, keys, n) == 0)
		*exact_r = t->b[pos++];
	return pos < t->n && t->b[pos]->n_keys > n &&
	       memcmp(t->b[pos]->keys, keys, n * sizeof(*keys)) == 0;
}

static bool keymap_falls_back(enum keymap_view view)
{
	return view == KEYMAP_FOLDER || view == KEYMAP_INDEX || view == KEYMAP_PAGER;
}

enum keymap_result keymap_lookup(const struct keymap *km, enum keymap_view view, const uint32_t *keys,
				 size_t n, const struct keymap_binding **binding_r)
{
	const struct keymap_binding *exact = NULL, *gexact = NULL;
	bool prefix;

	*binding_r = NULL;
	if (n == 0 || n > KEYMAP_MAX_SEQ || (unsigned)view >= KEYMAP_N_VIEWS)
		return KEYMAP_NONE;
	prefix = keymap_table_probe(&km->views[view], keys, n, &exact);
	if (keymap_falls_back(view)) {
		prefix |= keymap_table_probe(&km->views[KEYMAP_GENERIC], keys, n, &gexact);
		if (exact == NULL)
			exact = gexact;
	}
	*binding_r = exact;
	if (prefix)
		return KEYMAP_PREFIX;
	return exact != NULL ? KEYMAP_MATCH : KEYMAP_NONE;
}

struct keymap *keymap_new(bool defaults)
{
	struct keymap *km = xcalloc(1, sizeof(*km));
	const char *error;

	if (defaults && keymap_parse(km, keymap_defaults, strlen(keymap_defaults), &error) < 0)
		abort(); /* the built-in keys are checked by test-keymap */
	return km;
}

void keymap_free(struct keymap **km)
{
	if (*km == NULL)
		return;
	for (size_t v = 0; v < KEYMAP_N_VIEWS; v++) {
		struct keymap_table *t = &(*km)->views[v];
		for (size_t i = 0; i < t->n; i++)
			keymap_binding_free(&t->b[i]);
		free(t->b);
	}
	free(*km);
	*km = NULL;
}

/* --- the configuration language --- */

static bool keymap_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int keymap_word(const char *line, size_t len, size_t *pos, char **word_r, const char **error_r)
{
	struct buf w = BUF_INIT;
	size_t i = *pos;

	while (i < len && keymap_is_blank(line[i]))
		i++;
	if (i == len || line[i] == '#') {
		*pos = len;
		return 0;
	}
	buf_reserve(&w, len - i);
	if (line[i] == '"' || line[i] == '\'') {
		char quote = line[i++];
		for (;;) {
			if (i == len) {
				*error_r = errstr("%s", _("unterminated quoted string"));
				goto fail;
			}
			if (line[i] == quote) {
				i++;
				break;
			}
			if (quote == '"' && line[i] == '\\' && i + 1 < len) {
				char c = line[i + 1];
				if (c != '\\' && c != '"' && c != 't') {
					*error_r = errstr(
						_("unknown escape \"\\%c\" (use \\\\, \\\" or \\t)"),
						(unsigned char)c >= 0x21 && (unsigned char)c < 0x7F ? c : '?');
					goto fail;
				}
				buf_append_c(&w, c == 't' ? '\t' : c);
				i += 2;
				continue;
			}
			buf_append_c(&w, line[i++]);
		}
		if (i < len && !keymap_is_blank(line[i])) {
			*error_r = errstr("%s", _("unexpected text after a closing quote"));
			goto fail;
		}
	} else {
		while (i < len && !keymap_is_blank(line[i])) {
			if (line[i] == '"' || line[i] == '\'') {
				*error_r = errstr("%s", _("quote in the middle of a word; quote the whole word"));
				goto fail;
			}
			buf_append_c(&w, line[i++]);
		}
	}
	*pos = i;
	*word_r = buf_steal(&w);
	return 1;
fail:
	buf_free(&w);
	return -1;
}

/* Parses "index,pager" into a view bit mask. */
static int keymap_views_parse(const char *text, unsigned *views_r, const char **error_r)
{
	char *copy = xstrdup(text), *save = NULL;
	unsigned views = 0;
	int rc = 0;

	for (char *name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
		enum keymap_view view;
		if (keymap_view_parse(name, &view) < 0) {
			*error_r = errstr(_("unknown view \"%s\" (generic, folder, index, pager or prompt)"), name);
			rc = -1;
			break;
		}
		views |= V(view);
	}
	if (rc == 0 && views == 0) {
		*error_r = errstr("%s", _("no view given"));
		rc = -1;
	}
	free(copy);
	*views_r = views;
	return rc;
}

int keymap_split(const char *text, bool strict, char ***cmds_r, size_t *n_r, const char **error_r)
{
	size_t cap = 0, start = 0, len = strlen(text), n = 0;
	char quote = 0, **cmds = NULL;

	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? text[i] : ';';
		if (quote != 0) {
			if (c == quote)
				quote = 0;
			if (i < len)
				continue;
		} else if (c == '"' || c == '\'') {
			quote = c;
			continue;
		}
		if (c != ';' && i < len)
			continue;
		size_t s = start, e = i;
		while (s < e && keymap_is_blank(text[s]))
			s++;
		while (e > s && keymap_is_blank(text[e - 1]))
			e--;
		start = i + 1;
		if (s == e && !strict)
			continue;
		if (s == e || n == KEYMAP_MAX_COMMANDS) {
			*error_r = s == e ? errstr("%s", _("empty command in a macro")) :
				errstr(_("more than %d commands in a macro"), KEYMAP_MAX_COMMANDS);
			for (size_t k = 0; k < n; k++)
				free(cmds[k]);
			free(cmds);
			return -1;
		}
		cmds = xgrow(cmds, &cap, n + 1, sizeof(*cmds));
		cmds[n++] = xstrndup(text + s, e - s);
	}
	*cmds_r = cmds;
	*n_r = n;
	return 0;
}

static struct keymap_binding *keymap_binding_copy(const struct keymap_binding *src)
{
	struct keymap_binding *b = xcalloc(1, sizeof(*b));

	memcpy(b->keys, src->keys, sizeof(b->keys));
	b->n_keys = src->n_keys;
	b->macro = src->macro;
	b->command = xstrdup(src->command);
	b->description = src->description != NULL ? xstrdup(src->description) : NULL;
	b->commands = xcalloc(src->n_commands, sizeof(*b->commands));
	for (size_t i = 0; i < src->n_commands; i++)
		b->commands[i] = xstrdup(src->commands[i]);
	b->n_commands = src->n_commands;
	b->entry = src->entry;
	b->list = cmd_list_copy(src->list);
	return b;
}

static bool keymap_has_controls(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return true;
	return false;
}

int keymap_parse_line(struct keymap *km, const char *line, size_t len, const char **error_r)
{
	char *w[KEYMAP_MAX_WORDS + 1] = { NULL };
	size_t nw = 0, pos = 0;
	struct keymap_binding b;
	unsigned views = 0;
	int rc = -1, r;

	memset(&b, 0, sizeof(b));
	if (len > KEYMAP_MAX_LINE) {
		*error_r = errstr(_("line longer than %d bytes"), KEYMAP_MAX_LINE);
		return -1;
	}
	if (memchr(line, '\0', len) != NULL) {
		*error_r = errstr("%s", _("control character in the line"));
		return -1;
	}
	while ((r = keymap_word(line, len, &pos, &w[nw], error_r)) > 0) {
		if (keymap_has_controls(w[nw])) {
			nw++;
			*error_r = errstr("%s", _("control character in the line"));
			goto out;
		}
		if (++nw > KEYMAP_MAX_WORDS) {
			*error_r = errstr("%s", _("too many words"));
			goto out;
		}
	}
	if (r < 0)
		goto out;
	if (nw == 0) {
		rc = 0;
		goto out;
	}
	if (strcmp(w[0], "bind") == 0) {
		if (nw != 4) {
			*error_r = errstr("%s", _("usage: bind VIEW KEY FUNCTION"));
			goto out;
		}
	} else if (strcmp(w[0], "macro") == 0) {
		if (nw != 4 && nw != 5) {
			*error_r = errstr("%s", _("usage: macro VIEW KEY \"COMMAND; COMMAND...\" [\"DESCRIPTION\"]"));
			goto out;
		}
	} else if (strcmp(w[0], "unbind") == 0) {
		if (nw != 3) {
			*error_r = errstr("%s", _("usage: unbind VIEW KEY"));
			goto out;
		}
	} else {
		*error_r = errstr(_("unknown command \"%s\" (bind, macro or unbind)"), w[0]);
		goto out;
	}
	if (keymap_views_parse(w[1], &views, error_r) < 0)
		goto out;
	if (keymap_keys_parse(w[2], b.keys, &b.n_keys, error_r) < 0) {
		*error_r = errstr(_("key \"%s\": %s"), w[2], *error_r);
		goto out;
	}
	if (w[0][0] == 'u') {
		for (size_t v = 0; v < KEYMAP_N_VIEWS; v++)
			if (views & V(v))
				keymap_table_remove(&km->views[v], b.keys, b.n_keys);
		rc = 0;
		goto out;
	}
	if (w[0][0] == 'b') {
		const struct cmd_entry *f = cmd_find_function(w[3]);
		if (f == NULL) {
			*error_r = errstr(_("unknown function \"%s\""), w[3]);
			goto out;
		}
		for (size_t v = 0; v < KEYMAP_N_VIEWS; v++) {
			if ((views & V(v)) && !(f->views & V(v))) {
				*error_r = errstr(_("function \"%s\" does not work in the %s view"), w[3],
						  keymap_view_names[v]);
				goto out;
			}
		}
		b.command = xstrdup(w[3]);
		b.commands = xcalloc(1, sizeof(*b.commands));
		b.commands[0] = xstrdup(w[3]);
		b.n_commands = 1;
		b.entry = f;
		b.list = cmd_list_of(f);
	} else {
		b.macro = true;
		b.command = xstrdup(w[3]);
		if (keymap_split(w[3], true, &b.commands, &b.n_commands, error_r) < 0)
			goto out;
		/* the commands are resolved now: an unknown one is an error of this line */
		if (cmd_list_parse(w[3], &b.list, error_r) < 0)
			goto out;
		if (nw == 5)
			b.description = xstrdup(w[4]);
	}
	for (size_t v = 0; v < KEYMAP_N_VIEWS; v++)
		if (views & V(v))
			keymap_table_put(&km->views[v], keymap_binding_copy(&b));
	rc = 0;
out:
	for (size_t i = 0; i < nw && i <= KEYMAP_MAX_WORDS; i++)
		free(w[i]);
	for (size_t i = 0; i < b.n_commands; i++)
		free(b.commands[i]);
	free(b.commands);
	free(b.command);
	free(b.description);
	cmd_list_free(&b.list);
	return rc;
}

int keymap_parse(struct keymap *km, const char *text, size_t len, const char **error_r)
{
	size_t start = 0, lineno = 0;

	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl != NULL ? (size_t)(nl - text) : len, n = end - start;
		lineno++;
		if (n > 0 && text[start + n - 1] == '\r')
			n--;
		if (keymap_parse_line(km, text + start, n, error_r) < 0) {
			*error_r = errstr(_("line %zu: %s"), lineno, *error_r);
			return -1;
		}
		start = end + 1;
	}
	return 0;
}

/* --- help --- */

static bool keymap_function_reached(const struct keymap *km, enum keymap_view view, const struct cmd_entry *f)
{
	const struct keymap_table *own = &km->views[view], *gen = &km->views[KEYMAP_GENERIC];
	const struct keymap_binding *shadow;

	for (size_t i = 0; i < own->n; i++)
		if (!own->b[i]->macro && own->b[i]->entry == f)
			return true;
	if (!keymap_falls_back(view))
		return false;
	for (size_t i = 0; i < gen->n; i++) {
		if (gen->b[i]->macro || gen->b[i]->entry != f)
			continue;
		keymap_table_probe(own, gen->b[i]->keys, gen->b[i]->n_keys, &shadow);
		if (shadow == NULL)
			return true;
	}
	return false;
}

static void keymap_help_add(struct keymap_help **list, size_t *n, size_t *cap, const struct keymap_binding *b,
			    bool generic)
{
	struct keymap_help *h;
	struct buf keys = BUF_INIT;

	if (!b->macro && b->entry == &cmd_noop_entry)
		return;
	*list = xgrow(*list, cap, *n + 1, sizeof(**list));
	h = &(*list)[(*n)++];
	keymap_keys_name(&keys, b->keys, b->n_keys);
	h->keys = buf_steal(&keys);
	h->command = b->command;
	h->generic = generic;
	if (b->macro) {
		h->description = b->description;
	} else {
		h->description = b->entry != NULL ? _(b->entry->description) : NULL;
	}
}

size_t keymap_help_list(const struct keymap *km, enum keymap_view view, struct keymap_help **list_r)
{
	struct keymap_help *list = NULL;
	size_t n = 0, cap = 0;
	const struct keymap_table *own, *gen = &km->views[KEYMAP_GENERIC];
	const struct keymap_binding *shadow;

	*list_r = NULL;
	if ((unsigned)view >= KEYMAP_N_VIEWS)
		return 0;
	own = &km->views[view];
	for (size_t i = 0; i < own->n; i++)
		keymap_help_add(&list, &n, &cap, own->b[i], view == KEYMAP_GENERIC);
	if (keymap_falls_back(view)) {
		for (size_t i = 0; i < gen->n; i++) {
			keymap_table_probe(own, gen->b[i]->keys, gen->b[i]->n_keys, &shadow);
			if (shadow == NULL)
				keymap_help_add(&list, &n, &cap, gen->b[i], true);
		}
	}
	size_t n_table;
	const struct cmd_entry *const *table = cmd_table(&n_table);
	for (size_t i = 0; i < n_table; i++) {
		const struct cmd_entry *f = table[i];
		if (!(f->views & V(view)) || f == &cmd_noop_entry ||
		    keymap_function_reached(km, view, f))
			continue;
		list = xgrow(list, &cap, n + 1, sizeof(*list));
		list[n].keys = NULL;
		list[n].command = f->name;
		list[n].description = _(f->description);
		list[n].generic = false;
		n++;
	}
	*list_r = list;
	return n;
}

void keymap_help_free(struct keymap_help **list, size_t n)
{
	if (*list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*list)[i].keys);
	free(*list);
	*list = NULL;
}
