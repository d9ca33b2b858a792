/* cmd-prompt.c: the line editor's functions (accept, abort, backspace...), bound in the prompt's key
 * table. The editor (prompt.c) reads its own keys for now: run elsewhere, they are not available. */
#include "skua.h"
#include "ui-int.h"

#define CMD_PROMPT(var, name, description) \
	const struct cmd_entry var = { name, NULL, description, KEYMAP_V(KEYMAP_PROMPT), { 0, 0, false, { 0 } }, \
				       cmd_exec_unavailable }

CMD_PROMPT(cmd_accept_entry, "accept", N_("accept the input"));
CMD_PROMPT(cmd_abort_entry, "abort", N_("cancel the prompt"));
CMD_PROMPT(cmd_backspace_entry, "backspace", N_("delete the character before the cursor"));
CMD_PROMPT(cmd_delete_char_entry, "delete-char", N_("delete the character under the cursor"));
CMD_PROMPT(cmd_backward_char_entry, "backward-char", N_("move the cursor one character left"));
CMD_PROMPT(cmd_forward_char_entry, "forward-char", N_("move the cursor one character right"));
CMD_PROMPT(cmd_backward_word_entry, "backward-word", N_("move the cursor to the previous word"));
CMD_PROMPT(cmd_forward_word_entry, "forward-word", N_("move the cursor to the next word"));
CMD_PROMPT(cmd_bol_entry, "bol", N_("move to the start of the line"));
CMD_PROMPT(cmd_eol_entry, "eol", N_("move to the end of the line"));
CMD_PROMPT(cmd_kill_line_entry, "kill-line", N_("delete the whole line"));
CMD_PROMPT(cmd_kill_eol_entry, "kill-eol", N_("delete to the end of the line"));
CMD_PROMPT(cmd_kill_word_entry, "kill-word", N_("delete the word before the cursor"));
CMD_PROMPT(cmd_transpose_chars_entry, "transpose-chars", N_("swap the two characters before the cursor"));
CMD_PROMPT(cmd_complete_entry, "complete", N_("complete the folder name or address"));
CMD_PROMPT(cmd_history_up_entry, "history-up", N_("recall the previous input"));
CMD_PROMPT(cmd_history_down_entry, "history-down", N_("recall the next input"));
