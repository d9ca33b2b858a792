/* prompt.c: the one-line editor on the last screen line (":" commands, folder names, searches): its
 * editing functions (run by the prompt's key table, cmd-prompt.c), per-label history and completion from the command table (command names, and each argument by its
 * kind: folders, sort orders, key tables, files...). */
#include "skua.h"
#include "ui-int.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "ui/cells.h"

#include <curses.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROMPT_HISTORY 100
#define PROMPT_MAX_CHARS 4096

struct ui_prompt {
	char *label;
	uint32_t *text;            /* code points */
	size_t len, cap, cursor;
	ui_prompt_done_fn *done;
	void *ctx;
	enum cmd_complete complete;  /* what Tab completes (the ":" prompt: a command line) */
	size_t hist_pos;           /* == history count when editing a new line */
	bool suggested;            /* the text is the caller's suggestion, untouched: a typed character
	                            * replaces it (as mutt's default folder), an editing key keeps it */
	/* completion cycling */
	char **matches;
	size_t n_matches, match_pos;
	size_t completion_start;
};

struct prompt_history {
	char *label;
	char *lines[PROMPT_HISTORY];
	size_t n;
};

static struct prompt_history histories[8];

static struct prompt_history *history_for(const char *label)
{
	for (size_t i = 0; i < N_ELEMENTS(histories); i++) {
		if (histories[i].label != NULL && strcmp(histories[i].label, label) == 0)
			return &histories[i];
	}
	for (size_t i = 0; i < N_ELEMENTS(histories); i++) {
		if (histories[i].label == NULL) {
			histories[i].label = xstrdup(label);
			return &histories[i];
		}
	}
	return &histories[N_ELEMENTS(histories) - 1];
}

static void history_add(const char *label, const char *line)
{
	struct prompt_history *h = history_for(label);

	if (*line == '\0' || (h->n > 0 && strcmp(h->lines[h->n - 1], line) == 0))
		return;
	if (h->n == PROMPT_HISTORY) {
		free(h->lines[0]);
		memmove(h->lines, h->lines + 1, (PROMPT_HISTORY - 1) * sizeof(h->lines[0]));
		h->n--;
	}
	h->lines[h->n++] = xstrdup(line);
}

static void utf8_put(struct buf *b, uint32_t cp)
{
	char tmp[4];

	if (cp < 0x80) {
		buf_append_c(b, (char)cp);
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, tmp, 2);
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, tmp, 3);
	} else if (cp < 0x110000) {
		tmp[0] = (char)(0xf0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, tmp, 4);
	}
}

static char *prompt_string(const struct ui_prompt *p, size_t from, size_t to)
{
	struct buf b = BUF_INIT;

	for (size_t i = from; i < to; i++)
		utf8_put(&b, p->text[i]);
	buf_append_str(&b, "");
	return buf_steal(&b);
}

static void prompt_set(struct ui_prompt *p, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	p->len = p->cursor = 0;
	while (*u != '\0' && p->len < PROMPT_MAX_CHARS) {
		uint32_t cp = *u++;
		int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
		if (more > 0)
			cp &= 0x3fu >> more;
		while (more-- > 0 && (*u & 0xc0) == 0x80)
			cp = (cp << 6) | (*u++ & 0x3f);
		p->text = xgrow(p->text, &p->cap, p->len + 1, sizeof(*p->text));
		p->text[p->len++] = cp;
	}
	p->cursor = p->len;
}

static void matches_clear(struct ui_prompt *p)
{
	for (size_t i = 0; i < p->n_matches; i++)
		free(p->matches[i]);
	free(p->matches);
	p->matches = NULL;
	p->n_matches = p->match_pos = 0;
}

void ui_prompt_free(struct ui_app *app)
{
	struct ui_prompt *p = app->prompt;

	if (p == NULL)
		return;
	matches_clear(p);
	free(p->label);
	free(p->text);
	free(p);
	app->prompt = NULL;
}

void ui_prompt_open(struct ui_app *app, const char *label, const char *initial, enum cmd_complete complete,
		    ui_prompt_done_fn *done, void *ctx)
{
	struct ui_prompt *p;

	ui_prompt_free(app);
	p = xcalloc(1, sizeof(*p));
	p->label = xstrdup(label);
	p->done = done;
	p->ctx = ctx;
	p->complete = complete;
	p->hist_pos = history_for(label)->n;
	prompt_set(p, initial != NULL ? initial : "");
	p->suggested = p->len > 0;
	app->prompt = p;
	ui_dirty(app);
}

static void add_match(struct ui_prompt *p, const char *s)
{
	for (size_t i = 0; i < p->n_matches; i++) {
		if (strcmp(p->matches[i], s) == 0)
			return;
	}
	p->matches = xrealloc(p->matches, (p->n_matches + 1) * sizeof(*p->matches));
	p->matches[p->n_matches++] = xstrdup(s);
}

static void add_match_cb(const char *s, void *ctx)
{
	add_match(ctx, s);
}

/* File names starting with word (the directory part as typed). */
static void complete_file(struct ui_prompt *p, const char *word)
{
	const char *slash = strrchr(word, '/');
	char *dir = slash != NULL ? xstrndup(word, (size_t)(slash - word + 1)) : xstrdup("");
	const char *base = slash != NULL ? slash + 1 : word;
	DIR *d = opendir(dir[0] != '\0' ? dir : ".");
	struct dirent *e;

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, base, strlen(base)) != 0 || strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0 || (e->d_name[0] == '.' && base[0] != '.'))
				continue;
			char *m = xasprintf("%s%s%s", dir, e->d_name, e->d_type == DT_DIR ? "/" : "");
			add_match(p, m);
			free(m);
		}
		closedir(d);
	}
	free(dir);
}

/* Adds the completions of word as an argument of kind `kind`. */
static void complete_kind(struct ui_app *app, struct ui_prompt *p, enum cmd_complete kind, const char *word)
{
	static const char *const sorts[] = { "date", "arrival", "threads", "from", "subject", "size" };
	struct ui_mailbox *mb = ui_index_mailbox(app);
	size_t len = strlen(word), n;
	const struct cmd_entry *const *table;

	switch (kind) {
	case CMD_COMPLETE_FOLDER:
		ui_folders_complete(app, mb != NULL ? mb->account : 0, word, add_match_cb, p);
		break;
	case CMD_COMPLETE_ACCOUNT:
		for (uint32_t a = 0; a < app->n_accounts; a++)
			if (strncmp(app->accounts[a].cfg->name, word, len) == 0)
				add_match(p, app->accounts[a].cfg->name);
		break;
	case CMD_COMPLETE_SORT:
		for (size_t i = 0; i < N_ELEMENTS(sorts); i++)
			if (strncmp(sorts[i], word, len) == 0)
				add_match(p, sorts[i]);
		break;
	case CMD_COMPLETE_COMMAND:
		table = cmd_table(&n);
		for (size_t i = 0; i < n; i++) {
			if (strncmp(table[i]->name, word, len) == 0)
				add_match(p, table[i]->name);
			if (table[i]->alias != NULL && strncmp(table[i]->alias, word, len) == 0)
				add_match(p, table[i]->alias);
		}
		break;
	case CMD_COMPLETE_VIEW:
		for (int v = 0; v < KEYMAP_N_VIEWS; v++)
			if (strncmp(keymap_view_name((enum keymap_view)v), word, len) == 0)
				add_match(p, keymap_view_name((enum keymap_view)v));
		break;
	case CMD_COMPLETE_OPTION:
		cfg_options_complete(word, add_match_cb, p);
		break;
	case CMD_COMPLETE_FILE:
		complete_file(p, word);
		break;
	case CMD_COMPLETE_NONE:
		break;
	}
}

/* What the word before the cursor is on a ":" line: a command name (the first word of a command), or
 * argument number *arg_r of the command named first. Returns the kind. */
static enum cmd_complete complete_what(const struct ui_prompt *p, size_t start)
{
	char *line = prompt_string(p, 0, start), *cmd = strrchr(line, ';');
	const char *s = cmd != NULL ? cmd + 1 : line;
	const struct cmd_entry *e;
	size_t words = 0, name_len;
	enum cmd_complete kind = CMD_COMPLETE_NONE;
	char *name;

	while (*s == ' ')
		s++;
	name_len = strcspn(s, " ");
	if (s[name_len] == '\0') {
		free(line);
		return CMD_COMPLETE_COMMAND;
	}
	name = xstrndup(s, name_len);
	for (const char *t = s + name_len; *t != '\0'; t++)
		if (*t != ' ' && (t[-1] == ' '))
			words++;
	if ((e = cmd_find(name)) != NULL) {
		if (e->args.rest)
			words = 0;
		kind = words < CMD_MAX_ARGS ? e->args.complete[words] : CMD_COMPLETE_NONE;
	}
	free(name);
	free(line);
	return kind;
}

/* Tab: complete the word before the cursor (for the ":" prompt from the command table: a command name,
 * or the argument's kind; for other prompts, the whole text as the prompt's kind). Repeated Tabs cycle
 * through the matches. */
static void prompt_complete(struct ui_app *app, struct ui_prompt *p)
{
	size_t start;

	if (p->n_matches == 0) {
		enum cmd_complete kind = p->complete;
		char *word;

		start = 0;
		if (kind == CMD_COMPLETE_COMMAND) {
			/* a command line: the word before the cursor */
			start = p->cursor;
			while (start > 0 && p->text[start - 1] != ' ' && p->text[start - 1] != ';')
				start--;
			kind = complete_what(p, start);
		}
		/* mutt's "=name" and "+name" for a folder: the name after the mark is completed */
		if (kind == CMD_COMPLETE_FOLDER && start < p->cursor && (p->text[start] == '=' || p->text[start] == '+'))
			start++;
		word = prompt_string(p, start, p->cursor);
		complete_kind(app, p, kind, word);
		free(word);
		if (p->n_matches == 0) {
			beep();
			return;
		}
		p->completion_start = start;
		p->match_pos = 0;
	} else {
		p->match_pos = (p->match_pos + 1) % p->n_matches;
	}
	/* replace [completion_start, cursor) with the match */
	{
		char *head = prompt_string(p, 0, p->completion_start);
		char *tail = prompt_string(p, p->cursor, p->len);
		char *joined = xasprintf("%s%s", head, p->matches[p->match_pos]);
		size_t cursor;
		char *all = xasprintf("%s%s", joined, tail);

		prompt_set(p, joined);
		cursor = p->len;
		prompt_set(p, all);
		p->cursor = cursor;
		free(head);
		free(tail);
		free(joined);
		free(all);
	}
}

static bool prompt_is_word(uint32_t c)
{
	return c != ' ';
}

void ui_prompt_edit(struct ui_app *app, enum ui_prompt_op op)
{
	struct ui_prompt *p = app->prompt;
	struct prompt_history *h;
	size_t start;

	if (p == NULL)
		return;
	ui_dirty_win(app, UI_WIN_MESSAGE);
	p->suggested = false;
	if (op != UI_PROMPT_COMPLETE)
		matches_clear(p);
	switch (op) {
	case UI_PROMPT_ACCEPT: {
		char *text = prompt_string(p, 0, p->len);
		ui_prompt_done_fn *done = p->done;
		void *ctx = p->ctx;

		history_add(p->label, text);
		ui_prompt_free(app);
		done(app, text, ctx);
		free(text);
		return;
	}
	case UI_PROMPT_ABORT:
		ui_prompt_free(app);
		return;
	case UI_PROMPT_BACKSPACE:
		if (p->cursor == 0) {
			if (p->len == 0)
				ui_prompt_free(app); /* backspace on an empty line leaves, as in mutt */
			return;
		}
		memmove(p->text + p->cursor - 1, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
		p->cursor--;
		p->len--;
		return;
	case UI_PROMPT_DELETE_CHAR:
		if (p->cursor < p->len) {
			memmove(p->text + p->cursor, p->text + p->cursor + 1, (p->len - p->cursor - 1) * sizeof(*p->text));
			p->len--;
		}
		return;
	case UI_PROMPT_BACKWARD_CHAR:
		if (p->cursor > 0)
			p->cursor--;
		return;
	case UI_PROMPT_FORWARD_CHAR:
		if (p->cursor < p->len)
			p->cursor++;
		return;
	case UI_PROMPT_BACKWARD_WORD:
		while (p->cursor > 0 && !prompt_is_word(p->text[p->cursor - 1]))
			p->cursor--;
		while (p->cursor > 0 && prompt_is_word(p->text[p->cursor - 1]))
			p->cursor--;
		return;
	case UI_PROMPT_FORWARD_WORD:
		while (p->cursor < p->len && !prompt_is_word(p->text[p->cursor]))
			p->cursor++;
		while (p->cursor < p->len && prompt_is_word(p->text[p->cursor]))
			p->cursor++;
		return;
	case UI_PROMPT_BOL:
		p->cursor = 0;
		return;
	case UI_PROMPT_EOL:
		p->cursor = p->len;
		return;
	case UI_PROMPT_KILL_LINE:
		/* what is before the cursor, as ^U in a shell */
		memmove(p->text, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
		p->len -= p->cursor;
		p->cursor = 0;
		return;
	case UI_PROMPT_KILL_EOL:
		p->len = p->cursor;
		return;
	case UI_PROMPT_KILL_WORD:
		start = p->cursor;
		while (start > 0 && !prompt_is_word(p->text[start - 1]))
			start--;
		while (start > 0 && prompt_is_word(p->text[start - 1]))
			start--;
		memmove(p->text + start, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
		p->len -= p->cursor - start;
		p->cursor = start;
		return;
	case UI_PROMPT_TRANSPOSE_CHARS:
		if (p->len >= 2) {
			size_t at = p->cursor < p->len ? p->cursor : p->len - 1;
			uint32_t c;
			if (at == 0)
				return;
			c = p->text[at - 1];
			p->text[at - 1] = p->text[at];
			p->text[at] = c;
			p->cursor = at + 1;
		}
		return;
	case UI_PROMPT_HISTORY_UP:
	case UI_PROMPT_HISTORY_DOWN:
		h = history_for(p->label);
		if (op == UI_PROMPT_HISTORY_UP) {
			if (p->hist_pos == 0)
				return;
			p->hist_pos--;
		} else {
			if (p->hist_pos >= h->n)
				return;
			p->hist_pos++;
		}
		prompt_set(p, p->hist_pos < h->n ? h->lines[p->hist_pos] : "");
		return;
	case UI_PROMPT_COMPLETE:
		prompt_complete(app, p);
		return;
	}
}

bool ui_prompt_insert(struct ui_app *app, uint32_t key)
{
	struct ui_prompt *p = app->prompt;

	if (p == NULL || key < 0x20 || (key >= 0x7f && key < 0xa0) || key >= 0x110000)
		return false;
	ui_dirty_win(app, UI_WIN_MESSAGE);
	matches_clear(p);
	if (p->suggested) {
		p->len = p->cursor = 0;
		p->suggested = false;
	}
	if (p->len >= PROMPT_MAX_CHARS)
		return true;
	p->text = xgrow(p->text, &p->cap, p->len + 1, sizeof(*p->text));
	memmove(p->text + p->cursor + 1, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
	p->text[p->cursor++] = key;
	p->len++;
	return true;
}

void ui_prompt_draw(struct ui_app *app)
{
	struct ui_prompt *p = app->prompt;
	char *before, *after, *label;
	size_t label_cols, before_cols, room;
	int y = app->rows - 1;

	if (p == NULL)
		return;
	label = cells_sanitize(p->label, strlen(p->label), 0, &label_cols);
	before = prompt_string(p, 0, p->cursor);
	after = prompt_string(p, p->cursor, p->len);
	before_cols = cells_width(before, strlen(before));
	room = (size_t)app->cols > label_cols + 1 ? (size_t)app->cols - label_cols - 1 : 1;
	ui_draw_text(y, 0, app->cols, label, strlen(label), app->attr[UI_C_MESSAGE]);
	{
		/* keep the cursor visible: show the end of the text before it when it is long */
		char *shown = xasprintf("%s%s", before, after);
		size_t skip_cols = before_cols >= room ? before_cols - room + 1 : 0;
		char *fit;
		if (skip_cols > 0) {
			char *tail = cells_fit(before, strlen(before), room - 1, CELLS_KEEP_END);
			free(shown);
			shown = xasprintf("%s", tail);
			free(tail);
			before_cols = room - 1;
		}
		fit = cells_fit(shown, strlen(shown), room, 0);
		attrset(app->attr[UI_C_MESSAGE]);
		mvaddstr(y, (int)label_cols, fit);
		attrset(A_NORMAL);
		free(fit);
		free(shown);
	}
	/* the cursor */
	curs_set(1);
	leaveok(stdscr, FALSE);
	move(y, (int)(label_cols + before_cols));
	free(label);
	free(before);
	free(after);
}
