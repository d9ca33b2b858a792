/* cmd-prompt.c: the line editor's functions (accept, abort, backspace...), bound in the prompt's key
 * table; they edit the open prompt (prompt.c), and without one they are not available. */
#include "skua.h"
#include "ui-int.h"

#define CMD_PROMPT(var, name, description, op)                                                          \
	static int var##_exec(struct cmd_ctx *ctx)                                                      \
	{                                                                                               \
		if (ctx->app->prompt == NULL)                                                            \
			return cmd_exec_unavailable(ctx);                                                \
		ui_prompt_edit(ctx->app, op);                                                            \
		return 0;                                                                                \
	}                                                                                               \
	const struct cmd_entry var = { name, NULL, description, KEYMAP_V(KEYMAP_PROMPT), { 0, 0, false, { 0 } }, \
				       var##_exec }

CMD_PROMPT(cmd_accept_entry, "accept", N_("accept the input"), UI_PROMPT_ACCEPT);
CMD_PROMPT(cmd_abort_entry, "abort", N_("cancel the prompt"), UI_PROMPT_ABORT);
CMD_PROMPT(cmd_backspace_entry, "backspace", N_("delete the character before the cursor"), UI_PROMPT_BACKSPACE);
CMD_PROMPT(cmd_delete_char_entry, "delete-char", N_("delete the character under the cursor"), UI_PROMPT_DELETE_CHAR);
CMD_PROMPT(cmd_backward_char_entry, "backward-char", N_("move the cursor one character left"),
	   UI_PROMPT_BACKWARD_CHAR);
CMD_PROMPT(cmd_forward_char_entry, "forward-char", N_("move the cursor one character right"), UI_PROMPT_FORWARD_CHAR);
CMD_PROMPT(cmd_backward_word_entry, "backward-word", N_("move the cursor to the previous word"),
	   UI_PROMPT_BACKWARD_WORD);
CMD_PROMPT(cmd_forward_word_entry, "forward-word", N_("move the cursor to the next word"), UI_PROMPT_FORWARD_WORD);
CMD_PROMPT(cmd_bol_entry, "bol", N_("move to the start of the line"), UI_PROMPT_BOL);
CMD_PROMPT(cmd_eol_entry, "eol", N_("move to the end of the line"), UI_PROMPT_EOL);
CMD_PROMPT(cmd_kill_line_entry, "kill-line", N_("delete from the start of the line to the cursor"),
	   UI_PROMPT_KILL_LINE);
CMD_PROMPT(cmd_kill_eol_entry, "kill-eol", N_("delete to the end of the line"), UI_PROMPT_KILL_EOL);
CMD_PROMPT(cmd_kill_word_entry, "kill-word", N_("delete the word before the cursor"), UI_PROMPT_KILL_WORD);
CMD_PROMPT(cmd_transpose_chars_entry, "transpose-chars", N_("swap the two characters before the cursor"),
	   UI_PROMPT_TRANSPOSE_CHARS);
CMD_PROMPT(cmd_complete_entry, "complete", N_("complete the folder name or address"), UI_PROMPT_COMPLETE);
CMD_PROMPT(cmd_history_up_entry, "history-up", N_("recall the previous input"), UI_PROMPT_HISTORY_UP);
CMD_PROMPT(cmd_history_down_entry, "history-down", N_("recall the next input"), UI_PROMPT_HISTORY_DOWN);
