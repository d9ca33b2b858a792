/* cmd-later.c: the commands of a mail client that skua does not have yet (triage, compose): they can
 * be bound and are listed by help; running one says it is not available yet. */
#include "skua.h"
#include "ui-int.h"

#define CMD_LATER(var, name, description, views) \
	const struct cmd_entry var = { name, NULL, description, views, { 0, 1, true, { 0 } }, cmd_exec_unavailable }

CMD_LATER(cmd_reply_entry, "reply", N_("reply to the sender"), KEYMAP_V_MESSAGE);
CMD_LATER(cmd_group_reply_entry, "group-reply", N_("reply to all recipients"), KEYMAP_V_MESSAGE);
CMD_LATER(cmd_list_reply_entry, "list-reply", N_("reply to the mailing list"), KEYMAP_V_MESSAGE);
CMD_LATER(cmd_forward_message_entry, "forward-message", N_("forward the message"), KEYMAP_V_MESSAGE);
CMD_LATER(cmd_mail_entry, "mail", N_("write a new message"), KEYMAP_V_MESSAGE);
CMD_LATER(cmd_pipe_message_entry, "pipe-message", N_("pipe the message to a command"), KEYMAP_V_MESSAGE);
