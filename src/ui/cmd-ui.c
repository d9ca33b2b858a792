/* cmd-ui.c: the commands about the screen itself: help, enter-command, redraw-screen, noop. */
#include "skua.h"
#include "ui-int.h"

#include <curses.h>

static int cmd_help_exec(struct cmd_ctx *ctx)
{
	ui_help_open(ctx->app);
	return 0;
}

static void cmd_enter_command_done(struct ui_app *app, const char *text, void *ctx)
{
	(void)ctx;
	if (*text != '\0')
		cmd_run_line(app, text);
}

static int cmd_enter_command_exec(struct cmd_ctx *ctx)
{
	ui_prompt_open(ctx->app, ":", NULL, CMD_COMPLETE_COMMAND, cmd_enter_command_done, NULL);
	return 0;
}

static int cmd_redraw_screen_exec(struct cmd_ctx *ctx)
{
	clearok(curscr, TRUE);
	ui_dirty(ctx->app);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	"help", NULL, N_("show the keys of this view"), KEYMAP_V_GENERIC, { 0, 0, false, { 0 } }, cmd_help_exec
};
const struct cmd_entry cmd_enter_command_entry = {
	"enter-command", NULL, N_("enter a configuration command"), KEYMAP_V_GENERIC, { 0, 0, false, { 0 } },
	cmd_enter_command_exec
};
const struct cmd_entry cmd_redraw_screen_entry = {
	"redraw-screen", NULL, N_("clear and redraw the screen"), KEYMAP_V_GENERIC, { 0, 0, false, { 0 } },
	cmd_redraw_screen_exec
};
const struct cmd_entry cmd_noop_entry = {
	"noop", NULL, N_("do nothing"), KEYMAP_V_ALL, { 0, 0, false, { 0 } }, cmd_exec_nothing
};
