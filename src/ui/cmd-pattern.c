/* cmd-pattern.c: the commands that take one of mutt's patterns: limit (l), tag-pattern (T) and
 * untag-pattern (^T), from the argument or a prompt; the sort applies them (on its thread for a big
 * folder). */
#include "skua.h"
#include "ui-int.h"
#include "model/pattern.h"

enum cmd_pattern_kind { CMD_PATTERN_LIMIT, CMD_PATTERN_TAG, CMD_PATTERN_UNTAG };

/* Checks text and hands it to the index's mailbox. */
static void cmd_pattern_run(struct ui_app *app, const char *text, enum cmd_pattern_kind kind)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);
	const char *error = NULL;
	struct pattern *p;

	if (mb == NULL) {
		ui_error(app, "%s", _("No folder is open."));
		return;
	}
	if ((p = pattern_parse(text, &error)) == NULL) {
		ui_error(app, "%s", error);
		return;
	}
	pattern_free(&p);
	if (kind == CMD_PATTERN_LIMIT)
		ui_mailbox_set_limit(app, mb, text);
	else
		ui_mailbox_select(app, mb, text, kind == CMD_PATTERN_UNTAG);
}

static void cmd_pattern_done(struct ui_app *app, const char *text, void *ctx)
{
	cmd_pattern_run(app, text, (enum cmd_pattern_kind)(uintptr_t)ctx);
}

static int cmd_pattern_ask(struct cmd_ctx *ctx, enum cmd_pattern_kind kind)
{
	static const char *const labels[] = {
		[CMD_PATTERN_LIMIT] = N_("Limit to messages matching: "),
		[CMD_PATTERN_TAG] = N_("Tag messages matching: "),
		[CMD_PATTERN_UNTAG] = N_("Untag messages matching: "),
	};

	if (ctx->argc > 0)
		cmd_pattern_run(ctx->app, ctx->argv[0], kind);
	else
		ui_prompt_open(ctx->app, _(labels[kind]), NULL, CMD_COMPLETE_NONE, cmd_pattern_done,
			       (void *)(uintptr_t)kind);
	return 0;
}

static int cmd_limit_exec(struct cmd_ctx *ctx)
{
	return cmd_pattern_ask(ctx, CMD_PATTERN_LIMIT);
}

static int cmd_tag_pattern_exec(struct cmd_ctx *ctx)
{
	return cmd_pattern_ask(ctx, CMD_PATTERN_TAG);
}

static int cmd_untag_pattern_exec(struct cmd_ctx *ctx)
{
	return cmd_pattern_ask(ctx, CMD_PATTERN_UNTAG);
}

const struct cmd_entry cmd_limit_entry = {
	"limit", NULL, N_("show only the messages that match a pattern (all: every message)"),
	KEYMAP_V(KEYMAP_INDEX), { 0, 1, true, { 0 } }, cmd_limit_exec
};
const struct cmd_entry cmd_tag_pattern_entry = {
	"tag-pattern", NULL, N_("tag the messages that match a pattern"), KEYMAP_V(KEYMAP_INDEX),
	{ 0, 1, true, { 0 } }, cmd_tag_pattern_exec
};
const struct cmd_entry cmd_untag_pattern_entry = {
	"untag-pattern", NULL, N_("untag the messages that match a pattern"), KEYMAP_V(KEYMAP_INDEX),
	{ 0, 1, true, { 0 } }, cmd_untag_pattern_exec
};
