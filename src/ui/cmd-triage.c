/* cmd-triage.c: the triage commands (delete-message, undelete-message, delete-thread, undelete-thread,
 * save-message, copy-message, archive-message, sync-mailbox, tag-entry, tag-thread, tag-prefix, undo):
 * each on the message the views are about, its thread, or the tagged messages after tag-prefix. */
#include "skua.h"
#include "ui-int.h"

/* mutt's "resolve": after acting on the index cursor's message, the cursor goes to the next one. */
static void cmd_triage_resolve(struct cmd_ctx *ctx, bool tagged)
{
	if (!tagged && ctx->view == ctx->app->index && ui_index_step(ctx->app, 1))
		ui_index_moved(ctx->app);
}

/* Sets (on) or clears \Deleted on the messages the command is about. */
static int cmd_triage_delete(struct cmd_ctx *ctx, enum ui_triage_scope scope, bool on)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	struct ui_mailbox *mb;
	bool tagged = ui_triage_tag_prefix(ctx->app, true);

	(void)ui_triage_tag_prefix(ctx->app, tagged);
	if (!ui_triage_target(ctx->app, scope, &mb, &set))
		return -1;
	ui_triage_flags(ctx->app, mb, &set, on ? IMAP_FLAG_DELETED : 0, on ? 0 : IMAP_FLAG_DELETED);
	imap_uidset_clear(&set);
	cmd_triage_resolve(ctx, tagged || scope == UI_TRIAGE_THREAD);
	return 0;
}

static int cmd_delete_message_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_delete(ctx, UI_TRIAGE_MESSAGE, true);
}

static int cmd_undelete_message_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_delete(ctx, UI_TRIAGE_MESSAGE, false);
}

static int cmd_delete_thread_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_delete(ctx, UI_TRIAGE_THREAD, true);
}

static int cmd_undelete_thread_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_delete(ctx, UI_TRIAGE_THREAD, false);
}

/* save-message and copy-message: to the folder given, else asked for. */
static int cmd_triage_transfer(struct cmd_ctx *ctx, bool move)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	struct ui_mailbox *mb;

	if (!ui_triage_target(ctx->app, UI_TRIAGE_MESSAGE, &mb, &set))
		return -1;
	if (ctx->argc > 0) {
		const char *dest = ctx->argv[0];

		if (*dest == '=' || *dest == '+')
			dest++;
		ui_triage_transfer(ctx->app, mb, &set, move, dest);
	} else {
		ui_triage_ask_folder(ctx->app, mb, &set, move);
	}
	imap_uidset_clear(&set);
	return 0;
}

static int cmd_save_message_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_transfer(ctx, true);
}

static int cmd_copy_message_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_transfer(ctx, false);
}

static int cmd_archive_message_exec(struct cmd_ctx *ctx)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	struct ui_mailbox *mb;
	int ret;

	if (!ui_triage_target(ctx->app, UI_TRIAGE_MESSAGE, &mb, &set))
		return -1;
	ret = ui_triage_archive(ctx->app, mb, &set);
	imap_uidset_clear(&set);
	return ret;
}

static int cmd_sync_mailbox_exec(struct cmd_ctx *ctx)
{
	struct ui_mailbox *mb = ui_index_mailbox(ctx->app);

	if (mb == NULL || mb->idx == NULL) {
		ui_error(ctx->app, "%s", _("No folder is open."));
		return -1;
	}
	return ui_triage_sync(ctx->app, mb);
}

/* Tags the messages when any of them is untagged, else untags them all (;t: the tagged ones, untagged). */
static int cmd_triage_tag(struct cmd_ctx *ctx, enum ui_triage_scope scope)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	struct imap_uidset_iter it;
	struct ui_mailbox *mb = ui_index_mailbox(ctx->app);
	bool all = true;
	uint32_t uid;

	if (mb == NULL || !ui_triage_target(ctx->app, scope, &mb, &set))
		return -1;
	imap_uidset_iter_init(&it, &set);
	while (imap_uidset_iter_next(&it, &uid) && all)
		all = imap_uidset_contains(&mb->tagged, uid);
	if (all)
		for (size_t i = 0; i < set.count; i++)
			imap_uidset_remove_range(&mb->tagged, set.ranges[i].lo, set.ranges[i].hi);
	else
		imap_uidset_add_set(&mb->tagged, &set);
	imap_uidset_clear(&set);
	ui_dirty(ctx->app);
	cmd_triage_resolve(ctx, false);
	return 0;
}

static int cmd_tag_entry_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_tag(ctx, UI_TRIAGE_MESSAGE);
}

static int cmd_tag_thread_exec(struct cmd_ctx *ctx)
{
	return cmd_triage_tag(ctx, UI_TRIAGE_THREAD);
}

static int cmd_tag_prefix_exec(struct cmd_ctx *ctx)
{
	struct ui_mailbox *mb = ui_index_mailbox(ctx->app);

	if (mb == NULL || imap_uidset_is_empty(&mb->tagged)) {
		ui_error(ctx->app, "%s", _("No tagged messages."));
		return -1;
	}
	(void)ui_triage_tag_prefix(ctx->app, true);
	ui_message(ctx->app, "%s", _("tag-"));
	return 0;
}

static int cmd_undo_exec(struct cmd_ctx *ctx)
{
	return ui_triage_undo(ctx->app);
}

const struct cmd_entry cmd_delete_message_entry = {
	"delete-message", NULL, N_("mark the message deleted"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_delete_message_exec
};
const struct cmd_entry cmd_undelete_message_entry = {
	"undelete-message", NULL, N_("remove the deleted mark"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_undelete_message_exec
};
const struct cmd_entry cmd_delete_thread_entry = {
	"delete-thread", NULL, N_("mark every message of the thread deleted"), KEYMAP_V_MESSAGE,
	{ 0, 0, false, { 0 } }, cmd_delete_thread_exec
};
const struct cmd_entry cmd_undelete_thread_entry = {
	"undelete-thread", NULL, N_("remove the deleted mark from the thread"), KEYMAP_V_MESSAGE,
	{ 0, 0, false, { 0 } }, cmd_undelete_thread_exec
};
const struct cmd_entry cmd_save_message_entry = {
	"save-message", NULL, N_("move the message to a folder"), KEYMAP_V_MESSAGE,
	{ 0, 1, true, { CMD_COMPLETE_FOLDER } }, cmd_save_message_exec
};
const struct cmd_entry cmd_copy_message_entry = {
	"copy-message", NULL, N_("copy the message to a folder"), KEYMAP_V_MESSAGE,
	{ 0, 1, true, { CMD_COMPLETE_FOLDER } }, cmd_copy_message_exec
};
const struct cmd_entry cmd_archive_message_entry = {
	"archive-message", NULL, N_("move the message to the archive folder"), KEYMAP_V_MESSAGE,
	{ 0, 0, false, { 0 } }, cmd_archive_message_exec
};
const struct cmd_entry cmd_sync_mailbox_entry = {
	"sync-mailbox", NULL, N_("move the deleted messages to the trash (expunge them in the trash)"),
	KEYMAP_V(KEYMAP_INDEX), { 0, 0, false, { 0 } }, cmd_sync_mailbox_exec
};
const struct cmd_entry cmd_tag_entry_entry = {
	"tag-entry", "tag-message", N_("tag or untag the message"), KEYMAP_V(KEYMAP_INDEX), { 0, 0, false, { 0 } },
	cmd_tag_entry_exec
};
const struct cmd_entry cmd_tag_thread_entry = {
	"tag-thread", NULL, N_("tag or untag the messages of the thread"), KEYMAP_V(KEYMAP_INDEX),
	{ 0, 0, false, { 0 } }, cmd_tag_thread_exec
};
const struct cmd_entry cmd_tag_prefix_entry = {
	"tag-prefix", NULL, N_("apply the next command to the tagged messages"), KEYMAP_V_MESSAGE,
	{ 0, 0, false, { 0 } }, cmd_tag_prefix_exec
};
const struct cmd_entry cmd_undo_entry = {
	"undo", NULL, N_("take back the last triage action (flags, deletion marks, moves, copies)"), KEYMAP_V_MESSAGE,
	{ 0, 0, false, { 0 } }, cmd_undo_exec
};
