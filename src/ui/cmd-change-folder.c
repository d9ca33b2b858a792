/* cmd-change-folder.c: change-folder (a name from the argument or a prompt, in the account of the
 * index), folders (the folder list) and sidebar-toggle. */
#include "skua.h"
#include "ui-int.h"

static void cmd_change_folder_done(struct ui_app *app, const char *text, void *ctx)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);

	(void)ctx;
	if (*text != '\0')
		ui_leave(app, UI_LEAVE_OPEN, mb != NULL ? mb->account : 0, text);
}

static int cmd_change_folder_exec(struct cmd_ctx *ctx)
{
	if (ctx->argc > 0)
		cmd_change_folder_done(ctx->app, ctx->argv[0], NULL);
	else
		ui_prompt_open(ctx->app, _("Open folder: "), NULL, CMD_COMPLETE_FOLDER, cmd_change_folder_done, NULL);
	return 0;
}

static int cmd_folders_exec(struct cmd_ctx *ctx)
{
	ui_view_push(ctx->app, &ui_view_folders_type, ctx->app->folders);
	return 0;
}

static int cmd_sidebar_toggle_exec(struct cmd_ctx *ctx)
{
	ctx->app->sidebar = !ctx->app->sidebar;
	ui_dirty(ctx->app);
	return 0;
}

const struct cmd_entry cmd_change_folder_entry = {
	"change-folder", "open", N_("open another folder"), KEYMAP_V_MESSAGE | KEYMAP_V(KEYMAP_FOLDER),
	{ 0, 1, true, { CMD_COMPLETE_FOLDER } }, cmd_change_folder_exec
};
const struct cmd_entry cmd_folders_entry = {
	"folders", "folder-list", N_("show the list of folders"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_folders_exec
};
const struct cmd_entry cmd_sidebar_toggle_entry = {
	"sidebar-toggle", "toggle-sidebar", N_("show or hide the folder list beside the index"),
	KEYMAP_V(KEYMAP_INDEX), { 0, 0, false, { 0 } }, cmd_sidebar_toggle_exec
};
