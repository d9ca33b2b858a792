/* cmd-search.c: search, search-reverse (a pattern from the argument or a prompt), search-next and
 * search-opposite, in the view on top (its list, or its text). */
#include "skua.h"
#include "ui-int.h"

static void cmd_search_done(struct ui_app *app, const char *text, void *ctx)
{
	ui_view_search(app, ui_view_top(app), text, ctx != NULL ? UI_SEARCH_BACKWARD : UI_SEARCH_FORWARD);
}

static int cmd_search_ask(struct cmd_ctx *ctx, bool backward)
{
	if (ctx->argc > 0)
		ui_view_search(ctx->app, ctx->view, ctx->argv[0], backward ? UI_SEARCH_BACKWARD : UI_SEARCH_FORWARD);
	else
		ui_prompt_open(ctx->app, backward ? _("Reverse search for: ") : _("Search for: "), NULL,
			       CMD_COMPLETE_NONE, cmd_search_done, backward ? ctx->app : NULL);
	return 0;
}

static int cmd_search_exec(struct cmd_ctx *ctx)
{
	return cmd_search_ask(ctx, false);
}

static int cmd_search_reverse_exec(struct cmd_ctx *ctx)
{
	return cmd_search_ask(ctx, true);
}

static int cmd_search_next_exec(struct cmd_ctx *ctx)
{
	ui_view_search(ctx->app, ctx->view, NULL, UI_SEARCH_NEXT);
	return 0;
}

static int cmd_search_opposite_exec(struct cmd_ctx *ctx)
{
	ui_view_search(ctx->app, ctx->view, NULL, UI_SEARCH_OPPOSITE);
	return 0;
}

const struct cmd_entry cmd_search_entry = {
	"search", NULL, N_("search forward"), KEYMAP_V_GENERIC, { 0, 1, true, { 0 } }, cmd_search_exec
};
const struct cmd_entry cmd_search_reverse_entry = {
	"search-reverse", NULL, N_("search backward"), KEYMAP_V_GENERIC, { 0, 1, true, { 0 } },
	cmd_search_reverse_exec
};
const struct cmd_entry cmd_search_next_entry = {
	"search-next", NULL, N_("go to the next match"), KEYMAP_V_GENERIC, { 0, 0, false, { 0 } }, cmd_search_next_exec
};
const struct cmd_entry cmd_search_opposite_entry = {
	"search-opposite", NULL, N_("go to the next match in the other direction"), KEYMAP_V_GENERIC,
	{ 0, 0, false, { 0 } }, cmd_search_opposite_exec
};
