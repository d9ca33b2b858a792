/* cmd.h: the command table (tmux's cmd_entry): every command a key, a macro, the ":" prompt and -e
 * run, with its description, the key tables it may be bound in and its arguments. Commands live one
 * file per command or small family (cmd-*.c); cmd.c lists them. Parsing is curses-free (keymap.c
 * parses macros with it); running is for the UI thread. */
#ifndef UI_CMD_H
#define UI_CMD_H

#include "skua.h"

struct ui_app;
struct ui_view;

/* Named limits. */
#define CMD_MAX_ARGS 4          /* arguments of one command */
#define CMD_MAX_COMMANDS 64     /* commands in one line or macro */
#define CMD_MAX_LINE 4096       /* bytes in one command line */

/* What an argument is, for completion at the prompt. */
enum cmd_complete {
	CMD_COMPLETE_NONE,
	CMD_COMPLETE_FOLDER,   /* a folder of the current account */
	CMD_COMPLETE_ACCOUNT,  /* an account's name */
	CMD_COMPLETE_SORT,     /* a sort order */
	CMD_COMPLETE_COMMAND,  /* a command name */
	CMD_COMPLETE_VIEW,     /* a key table name */
	CMD_COMPLETE_OPTION,   /* a configuration option */
	CMD_COMPLETE_FILE,     /* a file name */
};

struct cmd_args {
	uint8_t min, max;      /* how many arguments */
	bool rest;             /* the (one) argument is the rest of the line as written */
	enum cmd_complete complete[CMD_MAX_ARGS];
};

struct cmd_entry;

/* What a command runs with. */
struct cmd_ctx {
	struct ui_app *app;
	struct ui_view *view;            /* the view on top */
	const struct cmd_entry *entry;
	size_t argc;
	char *const *argv;
};

struct cmd_entry {
	const char *name;
	const char *alias;               /* another name the prompt takes (older spelling), or NULL */
	const char *description;         /* N_(); show with _() */
	unsigned views;                  /* KEYMAP_V() bits of the key tables it may be bound in; 0: the
					  * prompt only (bind, macro...) */
	struct cmd_args args;
	/* Runs it. Returns 0, or -1 after showing why (a macro stops there). UI thread. */
	int (*exec)(struct cmd_ctx *ctx);
};

/* A parsed command line: entries with their arguments. */
struct cmd_item {
	const struct cmd_entry *entry;
	char **argv;
	size_t argc;
};
struct cmd_list {
	struct cmd_item *items;
	size_t n;
};

/* Returns the table (borrowed, static) and its size. Any thread. */
const struct cmd_entry *const *cmd_table(size_t *n_r);
/* Returns the command named name (or by its alias), or NULL. Any thread. */
const struct cmd_entry *cmd_find(const char *name);
/* Returns the command a key may be bound to by this name (no alias, not prompt-only), or NULL. */
const struct cmd_entry *cmd_find_function(const char *name);

/* Parses "name args; name args" (';' inside quotes is text; empty commands are skipped). Arguments
 * are words (blanks between, "double" or 'single' quotes as in the configuration), or the rest of the
 * line for commands that take it. Returns 0 and a list the caller owns (free with cmd_list_free), or
 * -1 with a translated *error_r (errstr ring). Any thread. */
int cmd_list_parse(const char *text, struct cmd_list **list_r, const char **error_r);
/* Returns a list of one command without arguments. */
struct cmd_list *cmd_list_of(const struct cmd_entry *entry);
/* Returns a copy of list. */
struct cmd_list *cmd_list_copy(const struct cmd_list *list);
/* Frees *list (NULL is fine) and sets it to NULL. */
void cmd_list_free(struct cmd_list **list);

/* Runs the commands one after the other in the view then on top (its own version of a command
 * first, see struct ui_view_cmd); stops at the first that fails or when skua quits. Returns 0 or -1. */
int cmd_list_run(struct ui_app *app, const struct cmd_list *list);
/* Parses and runs a line; a parse error is shown. Returns 0 or -1. */
int cmd_run_line(struct ui_app *app, const char *line);

/* An exec for commands that do nothing where they are run (a view's "ignore this"). */
int cmd_exec_nothing(struct cmd_ctx *ctx);
/* An exec for commands not written yet: says so. */
int cmd_exec_unavailable(struct cmd_ctx *ctx);

/* The entries (each in its cmd-*.c). */
extern const struct cmd_entry cmd_next_entry_entry, cmd_previous_entry_entry, cmd_first_entry_entry,
	cmd_last_entry_entry, cmd_next_page_entry, cmd_previous_page_entry, cmd_half_down_entry, cmd_half_up_entry,
	cmd_next_line_entry, cmd_previous_line_entry, cmd_top_page_entry, cmd_middle_page_entry,
	cmd_bottom_page_entry, cmd_top_entry, cmd_bottom_entry;
extern const struct cmd_entry cmd_select_entry_entry, cmd_display_message_entry;
extern const struct cmd_entry cmd_search_entry, cmd_search_reverse_entry, cmd_search_next_entry,
	cmd_search_opposite_entry;
extern const struct cmd_entry cmd_help_entry, cmd_enter_command_entry, cmd_redraw_screen_entry, cmd_noop_entry;
extern const struct cmd_entry cmd_exit_entry, cmd_quit_entry;
extern const struct cmd_entry cmd_change_folder_entry, cmd_folders_entry, cmd_sidebar_toggle_entry;
extern const struct cmd_entry cmd_change_account_entry;
extern const struct cmd_entry cmd_sort_mailbox_entry;
extern const struct cmd_entry cmd_next_unread_entry, cmd_next_thread_entry, cmd_previous_thread_entry,
	cmd_collapse_thread_entry, cmd_collapse_all_entry;
extern const struct cmd_entry cmd_flag_message_entry, cmd_toggle_new_entry;
extern const struct cmd_entry cmd_display_toggle_weed_entry, cmd_view_attachments_entry, cmd_view_urls_entry;
extern const struct cmd_entry cmd_save_message_entry, cmd_copy_message_entry, cmd_archive_message_entry,
	cmd_delete_message_entry, cmd_undelete_message_entry, cmd_delete_thread_entry, cmd_undelete_thread_entry,
	cmd_tag_entry_entry, cmd_tag_thread_entry, cmd_tag_prefix_entry, cmd_sync_mailbox_entry, cmd_undo_entry;
extern const struct cmd_entry cmd_reply_entry, cmd_group_reply_entry, cmd_list_reply_entry,
	cmd_forward_message_entry, cmd_mail_entry, cmd_pipe_message_entry;
/* cmd-pattern.c */
extern const struct cmd_entry cmd_limit_entry, cmd_tag_pattern_entry, cmd_untag_pattern_entry;
extern const struct cmd_entry cmd_accept_entry, cmd_abort_entry, cmd_backspace_entry, cmd_delete_char_entry,
	cmd_backward_char_entry, cmd_forward_char_entry, cmd_backward_word_entry, cmd_forward_word_entry,
	cmd_bol_entry, cmd_eol_entry, cmd_kill_line_entry, cmd_kill_eol_entry, cmd_kill_word_entry,
	cmd_transpose_chars_entry, cmd_complete_entry, cmd_history_up_entry, cmd_history_down_entry;
extern const struct cmd_entry cmd_bind_entry, cmd_macro_entry, cmd_unbind_entry;

#endif
