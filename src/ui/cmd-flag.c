/* cmd-flag.c: flag-message and toggle-new: \Flagged and \Seen of the message the views are about
 * (the pager's, else the one under the index cursor; the tagged ones after tag-prefix), changed at once
 * and on the server, undoable (triage.c). */
#include "skua.h"
#include "ui-int.h"

/* Sets flag on the messages when any of them lacks it, else clears it on all (undoable). */
static int cmd_flag_toggle(struct cmd_ctx *ctx, uint32_t flag)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	struct imap_uidset_iter it;
	struct ui_mailbox *mb;
	const struct mindex_msg *m;
	bool all = true;
	uint32_t uid;

	if (!ui_triage_target(ctx->app, UI_TRIAGE_MESSAGE, &mb, &set))
		return -1;
	imap_uidset_iter_init(&it, &set);
	while (all && imap_uidset_iter_next(&it, &uid))
		all = (m = ui_mailbox_msg(mb, uid)) == NULL || (m->flags & flag);
	ui_triage_flags(ctx->app, mb, &set, all ? 0 : flag, all ? flag : 0);
	imap_uidset_clear(&set);
	return 0;
}

static int cmd_flag_message_exec(struct cmd_ctx *ctx)
{
	return cmd_flag_toggle(ctx, IMAP_FLAG_FLAGGED);
}

static int cmd_toggle_new_exec(struct cmd_ctx *ctx)
{
	return cmd_flag_toggle(ctx, IMAP_FLAG_SEEN);
}

const struct cmd_entry cmd_flag_message_entry = {
	"flag-message", NULL, N_("mark or unmark the message as important"), KEYMAP_V_MESSAGE,
	{ 0, 0, false, { 0 } }, cmd_flag_message_exec
};
const struct cmd_entry cmd_toggle_new_entry = {
	"toggle-new", NULL, N_("mark the message read or unread"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_toggle_new_exec
};
