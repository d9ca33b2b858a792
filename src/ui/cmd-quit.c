/* cmd-quit.c: exit (leave the view on top; at the bottom, skua) and quit (the deleted messages purged
 * first as the delete option says). */
#include "skua.h"
#include "ui-int.h"

static int cmd_exit_exec(struct cmd_ctx *ctx)
{
	if (ctx->view->below == NULL)
		ui_leave(ctx->app, UI_LEAVE_QUIT, 0, NULL);
	else
		ui_view_pop(ctx->app, ctx->view);
	return 0;
}

static int cmd_quit_exec(struct cmd_ctx *ctx)
{
	if ((ctx->view->type->flags & UI_VIEW_QUIT_CLOSES) && ctx->view->below != NULL)
		ui_view_pop(ctx->app, ctx->view);
	else
		ui_leave(ctx->app, UI_LEAVE_QUIT, 0, NULL);
	return 0;
}

const struct cmd_entry cmd_exit_entry = {
	"exit", NULL, N_("leave this view"), KEYMAP_V_GENERIC, { 0, 0, false, { 0 } }, cmd_exit_exec
};
const struct cmd_entry cmd_quit_entry = {
	"quit", NULL, N_("quit skua"), KEYMAP_V_GENERIC, { 0, 0, false, { 0 } }, cmd_quit_exec
};
