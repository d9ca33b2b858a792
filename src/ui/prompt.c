/* prompt.c: the one-line editor on the last screen line (":" commands, folder names, searches), with
 * per-label history and completion of folder and command names. */
#include "skua.h"
#include "ui-int.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "ui/cells.h"

#include <curses.h>
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
	size_t hist_pos;           /* == history count when editing a new line */
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

void ui_prompt_open(struct ui_app *app, const char *label, const char *initial, ui_prompt_done_fn *done, void *ctx)
{
	struct ui_prompt *p;

	ui_prompt_free(app);
	p = xcalloc(1, sizeof(*p));
	p->label = xstrdup(label);
	p->done = done;
	p->ctx = ctx;
	p->hist_pos = history_for(label)->n;
	prompt_set(p, initial != NULL ? initial : "");
	app->prompt = p;
	app->dirty = true;
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

/* Tab: complete the word before the cursor: folder names (":" command arguments and the folder
 * prompt) or command names (the first word of a ":" line). Repeated Tabs cycle through the matches. */
static void prompt_complete(struct ui_app *app, struct ui_prompt *p)
{
	static const char *const commands[] = { "change-folder", "sort", "collapse-all", "collapse-thread",
		"sidebar-toggle", "folders", "help", "quit", "exit", "search", "bind", "macro", "unbind",
		"next-unread", "redraw-screen" };
	char *word, *line;
	size_t start;

	if (p->n_matches == 0) {
		bool first_word, command_prompt = strcmp(p->label, ":") == 0;

		start = p->cursor;
		while (start > 0 && p->text[start - 1] != ' ')
			start--;
		first_word = true;
		for (size_t i = 0; i < start; i++)
			first_word = first_word && p->text[i] == ' ';
		word = prompt_string(p, start, p->cursor);
		line = prompt_string(p, 0, p->len);
		if (command_prompt && first_word) {
			for (size_t i = 0; i < N_ELEMENTS(commands); i++) {
				if (strncmp(commands[i], word, strlen(word)) == 0)
					add_match(p, commands[i]);
			}
		} else if (!command_prompt || strncmp(line, "change-folder", 13) == 0 || strncmp(line, "open", 4) == 0) {
			if (!command_prompt)
				start = 0, free(word), word = prompt_string(p, 0, p->cursor);
			for (size_t i = 0; i < app->n_folders; i++) {
				if (strncasecmp(app->folders[i]->name, word, strlen(word)) == 0)
					add_match(p, app->folders[i]->name);
			}
		}
		free(word);
		free(line);
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

void ui_prompt_key(struct ui_app *app, uint32_t key)
{
	struct ui_prompt *p = app->prompt;
	struct prompt_history *h;

	if (p == NULL)
		return;
	if (key != KEYMAP_KEY_TAB)
		matches_clear(p);
	switch (key) {
	case KEYMAP_KEY_ENTER: {
		char *text = prompt_string(p, 0, p->len);
		ui_prompt_done_fn *done = p->done;
		void *ctx = p->ctx;

		history_add(p->label, text);
		ui_prompt_free(app);
		done(app, text, ctx);
		free(text);
		return;
	}
	case 7:                    /* ^G */
	case KEYMAP_KEY_ESC:
		ui_prompt_free(app);
		return;
	case KEYMAP_KEY_BACKSPACE:
		if (p->cursor == 0) {
			if (p->len == 0)
				ui_prompt_free(app); /* backspace on an empty line leaves, as in mutt */
			return;
		}
		memmove(p->text + p->cursor - 1, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
		p->cursor--;
		p->len--;
		return;
	case KEYMAP_KEY_DELETE:
	case 4:                    /* ^D */
		if (p->cursor < p->len) {
			memmove(p->text + p->cursor, p->text + p->cursor + 1, (p->len - p->cursor - 1) * sizeof(*p->text));
			p->len--;
		}
		return;
	case KEYMAP_KEY_LEFT:
	case 2:                    /* ^B */
		if (p->cursor > 0)
			p->cursor--;
		return;
	case KEYMAP_KEY_RIGHT:
	case 6:                    /* ^F */
		if (p->cursor < p->len)
			p->cursor++;
		return;
	case KEYMAP_KEY_HOME:
	case 1:                    /* ^A */
		p->cursor = 0;
		return;
	case KEYMAP_KEY_END:
	case 5:                    /* ^E */
		p->cursor = p->len;
		return;
	case 21:                   /* ^U */
		memmove(p->text, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
		p->len -= p->cursor;
		p->cursor = 0;
		return;
	case 11:                   /* ^K */
		p->len = p->cursor;
		return;
	case 23: {                 /* ^W */
		size_t start = p->cursor;
		while (start > 0 && p->text[start - 1] == ' ')
			start--;
		while (start > 0 && p->text[start - 1] != ' ')
			start--;
		memmove(p->text + start, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
		p->len -= p->cursor - start;
		p->cursor = start;
		return;
	}
	case KEYMAP_KEY_UP:
	case 16:                   /* ^P */
	case KEYMAP_KEY_DOWN:
	case 14:                   /* ^N */
		h = history_for(p->label);
		if (key == KEYMAP_KEY_UP || key == 16) {
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
	case KEYMAP_KEY_TAB:
		prompt_complete(app, p);
		return;
	default:
		if (key < 0x20 || (key >= 0x7f && key < 0xa0) || key >= 0x110000 || p->len >= PROMPT_MAX_CHARS)
			return;
		p->text = xgrow(p->text, &p->cap, p->len + 1, sizeof(*p->text));
		memmove(p->text + p->cursor + 1, p->text + p->cursor, (p->len - p->cursor) * sizeof(*p->text));
		p->text[p->cursor++] = key;
		p->len++;
	}
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
