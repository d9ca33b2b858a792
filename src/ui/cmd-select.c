/* cmd-select.c: select-entry and display-message: open what the cursor of the view's list is on. */
#include "skua.h"
#include "ui-int.h"

static int cmd_select_exec(struct cmd_ctx *ctx)
{
	struct ui_list *l = ui_view_list(ctx->view);

	if (l != NULL)
		ui_list_select(ctx->app, l);
	return 0;
}

const struct cmd_entry cmd_select_entry_entry = {
	"select-entry", NULL, N_("open the current entry"), KEYMAP_V_GENERIC, { 0, 0, false, { 0 } }, cmd_select_exec
};

const struct cmd_entry cmd_display_message_entry = {
	"display-message", NULL, N_("show the message"), KEYMAP_V(KEYMAP_INDEX), { 0, 0, false, { 0 } },
	cmd_select_exec
};
