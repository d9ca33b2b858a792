/* cmd-flag.c: flag-message and toggle-new: \Flagged and \Seen of the message the views are about
 * (the pager's, else the one under the index cursor), changed at once and on the server. */
#include "skua.h"
#include "ui-int.h"

static int cmd_flag_toggle(struct cmd_ctx *ctx, uint32_t flag)
{
	struct ui_msgref ref;
	struct ui_mailbox *mb;
	const struct mindex_msg *m;

	if (!ui_view_message(ctx->app, &ref) || (mb = ui_mailbox_of(ctx->app, &ref)) == NULL ||
	    (m = ui_mailbox_msg(mb, ref.uid)) == NULL) {
		ui_error(ctx->app, "%s", _("No messages."));
		return -1;
	}
	if (m->flags & flag)
		ui_flags_change(ctx->app, &ref, 0, flag);
	else
		ui_flags_change(ctx->app, &ref, flag, 0);
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
