/* cmd-bind.c: bind, macro and unbind at the prompt: the configuration's key lines, run as they are
 * read from the file. */
#include "skua.h"
#include "ui-int.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

static int cmd_bind_exec(struct cmd_ctx *ctx)
{
	const char *error;
	char *line = xasprintf("%s %s", ctx->entry->name, ctx->argc > 0 ? ctx->argv[0] : "");
	int ret = keymap_parse_line(ctx->app->keymap, line, strlen(line), &error);

	free(line);
	if (ret < 0)
		ui_error(ctx->app, "%s", error);
	return ret;
}

const struct cmd_entry cmd_bind_entry = {
	"bind", NULL, N_("bind a key: bind VIEW KEY FUNCTION"), 0,
	{ 0, 1, true, { CMD_COMPLETE_VIEW } }, cmd_bind_exec
};
const struct cmd_entry cmd_macro_entry = {
	"macro", NULL, N_("bind a key to commands: macro VIEW KEY \"COMMANDS\" [\"DESCRIPTION\"]"), 0,
	{ 0, 1, true, { CMD_COMPLETE_VIEW } }, cmd_bind_exec
};
const struct cmd_entry cmd_unbind_entry = {
	"unbind", NULL, N_("remove a key's binding: unbind VIEW KEY"), 0,
	{ 0, 1, true, { CMD_COMPLETE_VIEW } }, cmd_bind_exec
};
