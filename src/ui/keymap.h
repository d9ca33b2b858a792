/* keymap.h: key names and codes, per-view key tables (bind, macro), the default keys, help listings. */
#ifndef UI_KEYMAP_H
#define UI_KEYMAP_H

#include "skua.h"
#include "lib/buf.h"

/* Key codes: a printable key is its Unicode code point; control keys are 1-31 and 127 (^A-^_, ^?),
 * Enter is '\r' (^M: the UI reads keys with nonl()), Tab '\t', Esc 27; other keys have codes above
 * the Unicode range. The curses layer maps its KEY_* values to these. */
#define KEYMAP_KEY_ENTER 0x0Du
#define KEYMAP_KEY_TAB 0x09u
#define KEYMAP_KEY_ESC 0x1Bu
#define KEYMAP_KEY_SPACE 0x20u
enum keymap_special {
	KEYMAP_KEY_UP = 0x110000,
	KEYMAP_KEY_DOWN,
	KEYMAP_KEY_LEFT,
	KEYMAP_KEY_RIGHT,
	KEYMAP_KEY_PAGEUP,
	KEYMAP_KEY_PAGEDOWN,
	KEYMAP_KEY_HOME,
	KEYMAP_KEY_END,
	KEYMAP_KEY_INSERT,
	KEYMAP_KEY_DELETE,
	KEYMAP_KEY_BACKSPACE,
	KEYMAP_KEY_BACKTAB,
	KEYMAP_KEY_F0 = 0x110100, /* KEYMAP_KEY_F(n) is Fn, 1 <= n <= KEYMAP_MAX_F */
};
#define KEYMAP_MAX_F 63
#define KEYMAP_KEY_F(n) ((uint32_t)KEYMAP_KEY_F0 + (uint32_t)(n))

#define KEYMAP_MAX_SEQ 8 /* keys in one binding ("gg", "<Esc>v") */

enum keymap_view { KEYMAP_GENERIC, KEYMAP_FOLDER, KEYMAP_INDEX, KEYMAP_PAGER, KEYMAP_PROMPT, KEYMAP_N_VIEWS };

/* Returns the view's config name ("generic", "folder", "index", "pager", "prompt"). Any thread. */
const char *keymap_view_name(enum keymap_view view);
/* Parses a view name ("editor" is taken for "prompt", as in mutt). Returns 0, or -1 when unknown. */
int keymap_view_parse(const char *name, enum keymap_view *view_r);

/* Parses key names: printable characters as themselves, "^X" control keys ("^?" is DEL), and
 * "<Enter>" ("<Return>"), "<Esc>", "<Tab>", "<BackTab>", "<Space>", "<Up>", "<Down>", "<Left>",
 * "<Right>", "<PageUp>", "<PageDown>", "<Home>", "<End>", "<Insert>", "<Delete>", "<Backspace>",
 * "<F1>".."<F63>", "<lt>" for '<' (names are case-insensitive; a '<' or '^' that starts no name is
 * the key itself). Several keys make a sequence ("gg", "<Esc>v"). Returns 0 and the keys in
 * keys_r[0..*n_r) (at most KEYMAP_MAX_SEQ), or -1 with a translated *error_r (errstr ring). Any
 * thread. */
int keymap_keys_parse(const char *text, uint32_t *keys_r, size_t *n_r, const char **error_r);
/* Appends the name of a key sequence in the form keymap_keys_parse reads; codes that are not keys
 * (controls, bidi marks, invalid) are written "<U+XXXX>", so the name is always safe to show. Any
 * thread. */
void keymap_keys_name(struct buf *out, const uint32_t *keys, size_t n);

/* View bits of a command's key tables (struct cmd_entry.views). */
#define KEYMAP_V(view) (1u << (view))
#define KEYMAP_V_GENERIC (KEYMAP_V(KEYMAP_GENERIC) | KEYMAP_V(KEYMAP_FOLDER) | KEYMAP_V(KEYMAP_INDEX) | \
			  KEYMAP_V(KEYMAP_PAGER))
#define KEYMAP_V_MESSAGE (KEYMAP_V(KEYMAP_INDEX) | KEYMAP_V(KEYMAP_PAGER))
#define KEYMAP_V_ALL (KEYMAP_V_GENERIC | KEYMAP_V(KEYMAP_PROMPT))

struct cmd_entry;
struct cmd_list;

/* Returns the command (cmd.h) a key may be bound to by this name, or NULL. Any thread. */
const struct cmd_entry *keymap_function_find(const char *name);

/* Reads the next word of line[*pos..len): blanks separate words; "double quotes" (with \\ \" \t
 * escapes) or 'single quotes' hold blanks; a '#' starting a word starts a comment. Returns 1 and a
 * malloc'd word (advancing *pos), 0 at the end of the line or a comment, or -1 with a translated
 * *error_r. The configuration and the prompt read words with it. Any thread. */
int keymap_word(const char *line, size_t len, size_t *pos, char **word_r, const char **error_r);
/* Splits text at ';' outside quotes into trimmed commands (malloc'd, *n_r of them in *cmds_r). An
 * empty command is an error when strict, else left out. Returns 0, or -1 with *error_r (nothing
 * allocated). Any thread. */
int keymap_split(const char *text, bool strict, char ***cmds_r, size_t *n_r, const char **error_r);

/* A binding: to one function (bind) or to a list of commands (macro). Owned by the keymap. */
struct keymap_binding {
	uint32_t keys[KEYMAP_MAX_SEQ];
	size_t n_keys;
	bool macro;
	char *command;         /* bind: the function name; macro: its text as written */
	char **commands;       /* the commands to run: bind: { function }; macro: split at ';' */
	size_t n_commands;
	char *description;     /* macro's description, or NULL */
	const struct cmd_entry *entry; /* bind: the command, resolved when bound */
	struct cmd_list *list; /* what runs: bind: { entry }; macro: its commands, parsed when bound */
};

/* The default keys, in the configuration language keymap_parse reads. */
extern const char keymap_defaults[];

struct keymap;

/* Returns a keymap holding the default keys (defaults false: none). The caller owns it (free with
 * keymap_free). UI thread (or any, one thread per keymap). */
struct keymap *keymap_new(bool defaults);
/* Frees *km (NULL is fine) and sets it to NULL. */
void keymap_free(struct keymap **km);

/* Carries out one configuration line:
 *   bind VIEW[,VIEW...] KEY FUNCTION        ("noop" hides a generic binding)
 *   macro VIEW[,VIEW...] KEY "CMD; CMD" ["DESCRIPTION"]
 *   unbind VIEW[,VIEW...] KEY               (the view's own binding; the generic one shows again)
 * Words are separated by blanks; "double quotes" (with \\ \" \t escapes) or 'single quotes' hold
 * blanks; a '#' starting a word starts a comment. A blank or comment line does nothing. A binding
 * replaces an earlier one of the same keys in the same view. Returns 0, or -1 with a translated
 * *error_r (errstr ring) and the keymap unchanged. */
int keymap_parse_line(struct keymap *km, const char *line, size_t len, const char **error_r);
/* Carries out every line of text (as keymap_parse_line); stops at the first error, reported as
 * "line N: ...". Returns 0 or -1. */
int keymap_parse(struct keymap *km, const char *text, size_t len, const char **error_r);

enum keymap_result {
	KEYMAP_NONE,   /* no binding starts with these keys */
	KEYMAP_PREFIX, /* a longer binding starts with them: read another key. *binding_r is the binding
			  of exactly these keys when there is one (the view takes it if no key follows
			  soon, as after <Esc>), else NULL */
	KEYMAP_MATCH,  /* *binding_r is bound to exactly these keys */
};

/* Looks keys[0..n) up in view's table; folder, index and pager fall back to the generic table
 * (the view's own binding wins for the same keys); the prompt does not (its printable keys are
 * text). The binding is borrowed from km until it next changes. O(log bindings). */
enum keymap_result keymap_lookup(const struct keymap *km, enum keymap_view view, const uint32_t *keys,
				 size_t n, const struct keymap_binding **binding_r);

/* One line of the help screen. */
struct keymap_help {
	char *keys;              /* malloc'd key names; NULL for a function with no key */
	const char *command;     /* function name or macro text (borrowed from km / static) */
	const char *description; /* translated; NULL for a macro without one */
	bool generic;            /* inherited from the generic table */
};

/* Lists what the help screen of view shows: the view's own bindings, then the generic ones it
 * inherits (not hidden by its own), each part in key order, then the functions of the view that no
 * key reaches. "noop" bindings are left out. Returns the count; *list_r is malloc'd (free with
 * keymap_help_free) and borrows from km until it next changes. */
size_t keymap_help_list(const struct keymap *km, enum keymap_view view, struct keymap_help **list_r);
/* Frees the n entries of *list and the array, and sets *list to NULL. */
void keymap_help_free(struct keymap_help **list, size_t n);

#endif
