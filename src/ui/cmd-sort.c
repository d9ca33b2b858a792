/* cmd-sort.c: sort-mailbox: the index's order, from the argument or a prompt (a name or mutt's
 * letter; a leading "-" or "reverse-" reverses). */
#include "skua.h"
#include "ui-int.h"

#include <string.h>

static void cmd_sort_done(struct ui_app *app, const char *text, void *ctx)
{
	/* one letter, as mutt's prompt: (d)ate (a)rrival (t)hreads (f)rom (s)ubject si(z)e */
	static const char letters[] = "datfsz";
	static const enum sort_order by_letter[] = { SORT_DATE, SORT_ARRIVAL, SORT_THREADS, SORT_FROM, SORT_SUBJECT,
						     SORT_SIZE };
	struct ui_mailbox *mb = ui_index_mailbox(app);
	enum sort_order order;
	const char *name = text;
	bool reverse = false;

	(void)ctx;
	while (*name == ' ')
		name++;
	if (strncmp(name, "reverse-", 8) == 0 || *name == '-') {
		reverse = true;
		name += *name == '-' ? 1 : 8;
	}
	if (sort_order_parse(name, &order) < 0) {
		const char *p = name[0] != '\0' && name[1] == '\0' ? strchr(letters, name[0]) : NULL;
		if (p == NULL) {
			ui_error(app, _("Unknown sort order: %s"), text);
			return;
		}
		order = by_letter[p - letters];
	}
	if (mb == NULL)
		return;
	mb->order = order;
	mb->reverse = reverse;
	ui_mailbox_sort(app, mb);
	ui_message(app, _("Sorted by %s%s."), reverse ? "reverse-" : "", ui_mailbox_order_name(order));
}

static int cmd_sort_mailbox_exec(struct cmd_ctx *ctx)
{
	if (ctx->argc > 0)
		cmd_sort_done(ctx->app, ctx->argv[0], NULL);
	else
		ui_prompt_open(ctx->app, _("Sort by (d)ate (a)rrival (t)hreads (f)rom (s)ubject si(z)e, - to reverse: "),
			       NULL, CMD_COMPLETE_SORT, cmd_sort_done, NULL);
	return 0;
}

const struct cmd_entry cmd_sort_mailbox_entry = {
	"sort-mailbox", "sort", N_("change the order of the index"), KEYMAP_V(KEYMAP_INDEX),
	{ 0, 1, true, { CMD_COMPLETE_SORT } }, cmd_sort_mailbox_exec
};
