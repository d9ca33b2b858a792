/* cmd.c: the command table, and parsing and running command lines through it. */
#include "skua.h"
#include "cmd.h"
#include "keymap.h"
#include "ui-int.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* Every command, in the order the help screen lists the ones no key reaches. */
static const struct cmd_entry *const cmd_entries[] = {
	/* every list view and the pager (cmd-move.c, cmd-select.c, cmd-search.c, cmd-ui.c, cmd-quit.c) */
	&cmd_next_entry_entry,
	&cmd_previous_entry_entry,
	&cmd_first_entry_entry,
	&cmd_last_entry_entry,
	&cmd_next_page_entry,
	&cmd_previous_page_entry,
	&cmd_half_down_entry,
	&cmd_half_up_entry,
	&cmd_next_line_entry,
	&cmd_previous_line_entry,
	&cmd_top_page_entry,
	&cmd_middle_page_entry,
	&cmd_bottom_page_entry,
	&cmd_select_entry_entry,
	&cmd_search_entry,
	&cmd_search_reverse_entry,
	&cmd_search_next_entry,
	&cmd_search_opposite_entry,
	&cmd_help_entry,
	&cmd_enter_command_entry,
	&cmd_redraw_screen_entry,
	&cmd_exit_entry,
	&cmd_quit_entry,
	&cmd_noop_entry,
	/* messages: the index and the pager */
	&cmd_display_message_entry,
	&cmd_change_folder_entry,   /* cmd-change-folder.c */
	&cmd_change_account_entry,  /* cmd-change-account.c */
	&cmd_folders_entry,
	&cmd_sidebar_toggle_entry,
	&cmd_save_message_entry,    /* cmd-triage.c */
	&cmd_copy_message_entry,
	&cmd_archive_message_entry,
	&cmd_delete_message_entry,
	&cmd_undelete_message_entry,
	&cmd_delete_thread_entry,
	&cmd_undelete_thread_entry,
	&cmd_tag_entry_entry,
	&cmd_tag_thread_entry,
	&cmd_tag_prefix_entry,
	&cmd_sync_mailbox_entry,
	&cmd_undo_entry,
	&cmd_reply_entry,           /* cmd-later.c: not written yet */
	&cmd_group_reply_entry,
	&cmd_list_reply_entry,
	&cmd_forward_message_entry,
	&cmd_mail_entry,
	&cmd_next_unread_entry,     /* cmd-thread.c */
	&cmd_next_thread_entry,
	&cmd_previous_thread_entry,
	&cmd_collapse_thread_entry,
	&cmd_collapse_all_entry,
	&cmd_flag_message_entry,    /* cmd-flag.c */
	&cmd_toggle_new_entry,
	&cmd_limit_entry,
	&cmd_tag_pattern_entry,
	&cmd_untag_pattern_entry,
	&cmd_sort_mailbox_entry,    /* cmd-sort.c */
	&cmd_view_attachments_entry, /* cmd-pager.c */
	&cmd_view_urls_entry,
	&cmd_pipe_message_entry,
	/* the pager */
	&cmd_top_entry,
	&cmd_bottom_entry,
	&cmd_display_toggle_weed_entry,
	/* the prompt's line editor (cmd-prompt.c) */
	&cmd_accept_entry,
	&cmd_abort_entry,
	&cmd_backspace_entry,
	&cmd_delete_char_entry,
	&cmd_backward_char_entry,
	&cmd_forward_char_entry,
	&cmd_backward_word_entry,
	&cmd_forward_word_entry,
	&cmd_bol_entry,
	&cmd_eol_entry,
	&cmd_kill_line_entry,
	&cmd_kill_eol_entry,
	&cmd_kill_word_entry,
	&cmd_transpose_chars_entry,
	&cmd_complete_entry,
	&cmd_history_up_entry,
	&cmd_history_down_entry,
	/* the configuration language at the prompt (cmd-bind.c) */
	&cmd_bind_entry,
	&cmd_macro_entry,
	&cmd_unbind_entry,
};

const struct cmd_entry *const *cmd_table(size_t *n_r)
{
	*n_r = N_ELEMENTS(cmd_entries);
	return cmd_entries;
}

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(cmd_entries); i++) {
		const struct cmd_entry *e = cmd_entries[i];
		if (strcmp(e->name, name) == 0 || (e->alias != NULL && strcmp(e->alias, name) == 0))
			return e;
	}
	return NULL;
}

const struct cmd_entry *cmd_find_function(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(cmd_entries); i++)
		if (cmd_entries[i]->views != 0 && strcmp(cmd_entries[i]->name, name) == 0)
			return cmd_entries[i];
	return NULL;
}

/* --- lists --- */

static void cmd_item_clear(struct cmd_item *item)
{
	for (size_t i = 0; i < item->argc; i++)
		free(item->argv[i]);
	free(item->argv);
	item->argv = NULL;
	item->argc = 0;
}

void cmd_list_free(struct cmd_list **listp)
{
	struct cmd_list *list = *listp;

	if (list == NULL)
		return;
	for (size_t i = 0; i < list->n; i++)
		cmd_item_clear(&list->items[i]);
	free(list->items);
	free(list);
	*listp = NULL;
}

struct cmd_list *cmd_list_of(const struct cmd_entry *entry)
{
	struct cmd_list *list = xcalloc(1, sizeof(*list));

	list->items = xcalloc(1, sizeof(*list->items));
	list->items[0].entry = entry;
	list->n = 1;
	return list;
}

struct cmd_list *cmd_list_copy(const struct cmd_list *src)
{
	struct cmd_list *list = xcalloc(1, sizeof(*list));

	list->items = xcalloc(src->n > 0 ? src->n : 1, sizeof(*list->items));
	list->n = src->n;
	for (size_t i = 0; i < src->n; i++) {
		struct cmd_item *to = &list->items[i];
		const struct cmd_item *from = &src->items[i];
		to->entry = from->entry;
		to->argc = from->argc;
		to->argv = xcalloc(from->argc + 1, sizeof(*to->argv));
		for (size_t a = 0; a < from->argc; a++)
			to->argv[a] = xstrdup(from->argv[a]);
	}
	return list;
}

static bool cmd_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses one command (no ';' outside quotes) into item. Returns 1, 0 for an empty command, or -1. */
static int cmd_parse_one(const char *text, struct cmd_item *item, const char **error_r)
{
	size_t len = strlen(text), pos = 0;
	char *name = NULL, *word;
	int r;

	memset(item, 0, sizeof(*item));
	if ((r = keymap_word(text, len, &pos, &name, error_r)) <= 0)
		return r;
	item->entry = cmd_find(name);
	if (item->entry == NULL) {
		*error_r = errstr(_("Unknown command: %s"), name);
		free(name);
		return -1;
	}
	item->argv = xcalloc(CMD_MAX_ARGS + 1, sizeof(*item->argv));
	if (item->entry->args.rest) {
		size_t s = pos, e = len;
		while (s < e && cmd_is_blank(text[s]))
			s++;
		while (e > s && cmd_is_blank(text[e - 1]))
			e--;
		if (e > s)
			item->argv[item->argc++] = xstrndup(text + s, e - s);
	} else {
		while ((r = keymap_word(text, len, &pos, &word, error_r)) > 0) {
			if (item->argc == item->entry->args.max || item->argc == CMD_MAX_ARGS) {
				free(word);
				*error_r = errstr(_("%s: too many arguments"), name);
				goto fail;
			}
			item->argv[item->argc++] = word;
		}
		if (r < 0)
			goto fail;
	}
	if (item->argc < item->entry->args.min) {
		*error_r = errstr(_("%s needs an argument"), name);
		goto fail;
	}
	if (item->argc > item->entry->args.max) {
		*error_r = errstr(_("%s: too many arguments"), name);
		goto fail;
	}
	free(name);
	return 1;
fail:
	free(name);
	cmd_item_clear(item);
	return -1;
}

int cmd_list_parse(const char *text, struct cmd_list **list_r, const char **error_r)
{
	struct cmd_list *list = xcalloc(1, sizeof(*list));
	char **parts = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;

	if (strlen(text) > CMD_MAX_LINE) {
		*error_r = errstr(_("line longer than %d bytes"), CMD_MAX_LINE);
		free(list);
		return -1;
	}
	if (keymap_split(text, false, &parts, &n, error_r) < 0)
		goto out;
	if (n > CMD_MAX_COMMANDS) {
		*error_r = errstr(_("more than %d commands in a line"), CMD_MAX_COMMANDS);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct cmd_item item;
		int r = cmd_parse_one(parts[i], &item, error_r);
		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		list->items = xgrow(list->items, &cap, list->n + 1, sizeof(*list->items));
		list->items[list->n++] = item;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	free(parts);
	if (ret < 0)
		cmd_list_free(&list);
	*list_r = list;
	return ret;
}

/* --- running --- */

/* The view's own version of entry, or the entry's exec. */
static int (*cmd_exec_in(const struct ui_view *view, const struct cmd_entry *entry))(struct cmd_ctx *)
{
	if (view != NULL)
		for (size_t i = 0; i < view->type->n_cmds; i++)
			if (view->type->cmds[i].entry == entry)
				return view->type->cmds[i].exec;
	return entry->exec;
}

int cmd_list_run(struct ui_app *app, const struct cmd_list *list)
{
	for (size_t i = 0; i < list->n && !app->quit; i++) {
		const struct cmd_item *item = &list->items[i];
		struct cmd_ctx ctx = { app, ui_view_top(app), item->entry, item->argc, item->argv };

		ui_dirty(app);
		if (item->argc < item->entry->args.min) {
			ui_error(app, _("%s needs an argument"), item->entry->name);
			return -1;
		}
		if (cmd_exec_in(ctx.view, item->entry)(&ctx) < 0) {
			(void)ui_triage_tag_prefix(app, false);
			return -1;
		}
		/* tag-prefix is for the one command after it */
		if (item->entry != &cmd_tag_prefix_entry)
			(void)ui_triage_tag_prefix(app, false);
	}
	return 0;
}

int cmd_run_line(struct ui_app *app, const char *line)
{
	struct cmd_list *list;
	const char *error;
	int ret;

	if (cmd_list_parse(line, &list, &error) < 0) {
		ui_error(app, "%s", error);
		return -1;
	}
	ret = cmd_list_run(app, list);
	cmd_list_free(&list);
	return ret;
}

int cmd_exec_nothing(struct cmd_ctx *ctx)
{
	(void)ctx;
	return 0;
}

int cmd_exec_unavailable(struct cmd_ctx *ctx)
{
	ui_error(ctx->app, _("%s is not available yet."), ctx->entry->name);
	return -1;
}
