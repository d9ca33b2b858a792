/* cmd-change-account.c: change-account NAME [FOLDER]: the index shows a folder (INBOX unless named)
 * of another configured account, whose worker starts when first needed. */
#include "skua.h"
#include "ui-int.h"

#include <string.h>

static int cmd_change_account_exec(struct cmd_ctx *ctx)
{
	struct ui_app *app = ctx->app;

	for (uint32_t a = 0; a < app->n_accounts; a++) {
		if (strcmp(app->accounts[a].cfg->name, ctx->argv[0]) == 0) {
			ui_leave(app, UI_LEAVE_OPEN, a, ctx->argc > 1 ? ctx->argv[1] : "INBOX");
			return 0;
		}
	}
	ui_error(app, _("No account is called %s."), ctx->argv[0]);
	return -1;
}

const struct cmd_entry cmd_change_account_entry = {
	"change-account", NULL, N_("open a folder (INBOX) of another account"),
	0, /* it needs an argument: at the prompt or in a macro, not bound alone */
	{ 1, 2, false, { CMD_COMPLETE_ACCOUNT, CMD_COMPLETE_FOLDER } },
	cmd_change_account_exec
};
