/* cmd-thread.c: moving through the index by unread message and by thread, and collapsing threads
 * (next-unread, next-thread, previous-thread, collapse-thread, collapse-all). A view that shows a
 * message follows the index cursor. */
#include "skua.h"
#include "ui-int.h"
#include "lib/xmalloc.h"

#include <stdlib.h>

/* The index's mailbox when it has rows, else NULL (with an error for threads). */
static struct ui_mailbox *cmd_thread_mailbox(struct cmd_ctx *ctx, bool threads)
{
	struct ui_mailbox *mb = ui_index_mailbox(ctx->app);

	if (mb != NULL && threads && mb->order != SORT_THREADS) {
		ui_error(ctx->app, "%s", _("Threading is not enabled (sort by threads with o, t)."));
		return NULL;
	}
	return mb;
}

static void cmd_thread_moved(struct ui_app *app, struct ui_mailbox *mb, size_t row)
{
	mb->list.cur = row;
	ui_list_clamp(&mb->list, ui_main_rows(app));
	ui_mailbox_remember_cursor(mb);
	ui_index_moved(app);
	ui_dirty(app);
}

static int cmd_next_unread_exec(struct cmd_ctx *ctx)
{
	struct ui_mailbox *mb = cmd_thread_mailbox(ctx, false);
	struct ui_list *l;

	if (mb == NULL)
		return 0;
	l = &mb->list;
	for (size_t n = 1; n <= l->count; n++) {
		size_t i = (l->cur + n) % l->count;
		const struct mindex_msg *m = ui_mailbox_row(mb, i);
		if (m != NULL && !(m->flags & IMAP_FLAG_SEEN)) {
			cmd_thread_moved(ctx->app, mb, i);
			return 0;
		}
	}
	ui_error(ctx->app, "%s", _("No unread messages."));
	return 0;
}

static int cmd_thread_step(struct cmd_ctx *ctx, int dir)
{
	struct ui_mailbox *mb = cmd_thread_mailbox(ctx, false);
	size_t i;

	if (mb == NULL || mb->list.count == 0)
		return 0;
	i = mb->list.cur;
	for (;;) {
		if (dir > 0 ? i + 1 >= mb->list.count : i == 0) {
			ui_error(ctx->app, "%s", dir > 0 ? _("No more threads.") : _("You are on the first thread."));
			return 0;
		}
		i = dir > 0 ? i + 1 : i - 1;
		if (mb->lines[ui_mailbox_row_line(mb, i)].depth == 0)
			break;
	}
	cmd_thread_moved(ctx->app, mb, i);
	return 0;
}

static int cmd_next_thread_exec(struct cmd_ctx *ctx)
{
	return cmd_thread_step(ctx, 1);
}

static int cmd_previous_thread_exec(struct cmd_ctx *ctx)
{
	return cmd_thread_step(ctx, -1);
}

/* The line index of the thread root above visible row `row`. */
static size_t cmd_thread_root(const struct ui_mailbox *mb, size_t row)
{
	size_t li = ui_mailbox_row_line(mb, row);

	while (li > 0 && mb->lines[li].depth > 0)
		li--;
	return li;
}

/* After a collapse: the cursor on the thread's root. */
static void cmd_thread_collapsed(struct ui_app *app, struct ui_mailbox *mb, size_t root)
{
	const struct mindex_msg *m = ui_mailbox_line_msg(mb, root);

	if (m != NULL)
		mb->cursor_uid = m->uid;
	ui_mailbox_rows(app, mb);
	ui_index_moved(app);
	ui_dirty(app);
}

/* Keeps the collapse of the thread at line root over later sorts (and for ~v). */
static void cmd_thread_remember(struct ui_mailbox *mb, size_t root)
{
	const struct mindex_msg *m = ui_mailbox_line_msg(mb, root);

	if (m == NULL)
		return;
	if (mb->lines[root].flags & SORT_LINE_COLLAPSED)
		imap_uidset_add(&mb->collapsed, m->uid);
	else
		imap_uidset_remove(&mb->collapsed, m->uid);
}

static int cmd_thread_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* After collapse-all: the collapsed roots are exactly those of the lines now. O(n + threads log threads). */
static void cmd_thread_remember_all(struct ui_mailbox *mb)
{
	uint32_t *uids = xmalloc((mb->n_lines > 0 ? mb->n_lines : 1) * sizeof(*uids));
	size_t n = 0;

	imap_uidset_clear(&mb->collapsed);
	for (size_t i = 0; i < mb->n_lines; i++) {
		const struct mindex_msg *m;
		if (!(mb->lines[i].flags & SORT_LINE_COLLAPSED) || (m = ui_mailbox_line_msg(mb, i)) == NULL)
			continue;
		uids[n++] = m->uid;
	}
	/* ascending: each add appends */
	qsort(uids, n, sizeof(*uids), cmd_thread_uid_cmp);
	for (size_t i = 0; i < n; i++)
		imap_uidset_add(&mb->collapsed, uids[i]);
	free(uids);
}

static int cmd_collapse_thread_exec(struct cmd_ctx *ctx)
{
	struct ui_mailbox *mb = cmd_thread_mailbox(ctx, true);
	size_t root;

	if (mb == NULL || mb->list.count == 0)
		return 0;
	root = cmd_thread_root(mb, mb->list.cur);
	if (mb->lines[root].descendants == 0) {
		ui_message(ctx->app, "%s", _("Thread has no replies."));
		return 0;
	}
	mb->lines[root].flags ^= SORT_LINE_COLLAPSED;
	cmd_thread_remember(mb, root);
	cmd_thread_collapsed(ctx->app, mb, root);
	return 0;
}

static int cmd_collapse_all_exec(struct cmd_ctx *ctx)
{
	struct ui_mailbox *mb = cmd_thread_mailbox(ctx, true);
	bool any_open = false;

	if (mb == NULL)
		return 0;
	for (size_t i = 0; i < mb->n_lines && !any_open; i++)
		any_open = mb->lines[i].depth == 0 && mb->lines[i].descendants > 0 &&
			!(mb->lines[i].flags & SORT_LINE_COLLAPSED);
	sort_collapse_all(mb->lines, mb->n_lines, any_open);
	cmd_thread_remember_all(mb);
	if (mb->list.count > 0)
		cmd_thread_collapsed(ctx->app, mb, cmd_thread_root(mb, mb->list.cur));
	else
		ui_mailbox_rows(ctx->app, mb);
	return 0;
}

const struct cmd_entry cmd_next_unread_entry = {
	"next-unread", NULL, N_("move to the next unread message"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_next_unread_exec
};
const struct cmd_entry cmd_next_thread_entry = {
	"next-thread", NULL, N_("move to the next thread"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_next_thread_exec
};
const struct cmd_entry cmd_previous_thread_entry = {
	"previous-thread", NULL, N_("move to the previous thread"), KEYMAP_V_MESSAGE, { 0, 0, false, { 0 } },
	cmd_previous_thread_exec
};
const struct cmd_entry cmd_collapse_thread_entry = {
	"collapse-thread", NULL, N_("collapse or expand the current thread"), KEYMAP_V(KEYMAP_INDEX),
	{ 0, 0, false, { 0 } }, cmd_collapse_thread_exec
};
const struct cmd_entry cmd_collapse_all_entry = {
	"collapse-all", NULL, N_("collapse or expand every thread"), KEYMAP_V(KEYMAP_INDEX), { 0, 0, false, { 0 } },
	cmd_collapse_all_exec
};
