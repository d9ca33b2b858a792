/* mailbox.c: the UI-side state of an open mailbox (its model index filled from the worker's batches,
 * sorted and merged as they come, visible rows, cursor, counts), and the mailbox names messages are
 * known by. */
#include "skua.h"
#include "ui-int.h"
#include "ev/ev-loop.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define UI_MAILBOX_RESORT_MS 150 /* while a folder streams in, sort at most this often */

/* --- names --- */

uint32_t ui_names_id(struct ui_app *app, uint32_t account, const char *name)
{
	struct ui_names *t = &app->names;

	for (size_t i = 0; i < t->n; i++)
		if (t->accounts[i] == account && strcmp(t->names[i], name) == 0)
			return (uint32_t)i + 1;
	t->names = xgrow(t->names, &t->cap, t->n + 1, sizeof(*t->names));
	t->accounts = xrealloc(t->accounts, t->cap * sizeof(*t->accounts));
	t->names[t->n] = xstrdup(name);
	t->accounts[t->n] = account;
	return (uint32_t)++t->n;
}

const char *ui_names_get(const struct ui_app *app, uint32_t id)
{
	return id > 0 && id <= app->names.n ? app->names.names[id - 1] : NULL;
}

void ui_names_free(struct ui_names *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->accounts);
	memset(t, 0, sizeof(*t));
}

bool ui_msgref_eq(const struct ui_msgref *a, const struct ui_msgref *b)
{
	return a->account == b->account && a->mailbox == b->mailbox && a->uidvalidity == b->uidvalidity &&
	       a->uid == b->uid;
}

const char *ui_mailbox_order_name(enum sort_order order)
{
	static const char *const names[] = { [SORT_DATE] = "date", [SORT_ARRIVAL] = "arrival",
		[SORT_THREADS] = "threads", [SORT_FROM] = "from", [SORT_SUBJECT] = "subject", [SORT_SIZE] = "size" };

	return (unsigned)order < N_ELEMENTS(names) ? names[order] : "?";
}

/* --- rows --- */

const struct mindex_msg *ui_mailbox_row(const struct ui_mailbox *mb, size_t row)
{
	if (row >= mb->list.count || mb->rows_map == NULL)
		return NULL;
	return mindex_get(mb->idx, mb->lines[mb->rows_map[row]].pos);
}

const struct mindex_msg *ui_mailbox_current(const struct ui_mailbox *mb)
{
	return ui_mailbox_row(mb, mb->list.cur);
}

const struct mindex_msg *ui_mailbox_msg(const struct ui_mailbox *mb, uint32_t uid)
{
	size_t pos;

	return mindex_find(mb->idx, uid, &pos) ? mindex_get(mb->idx, pos) : NULL;
}

void ui_mailbox_ref(const struct ui_mailbox *mb, const struct mindex_msg *m, struct ui_msgref *ref_r)
{
	ref_r->account = mb->account;
	ref_r->mailbox = mb->name_id;
	ref_r->uidvalidity = mb->uidvalidity;
	ref_r->uid = m->uid;
}

void ui_mailbox_remember_cursor(struct ui_mailbox *mb)
{
	const struct mindex_msg *m = ui_mailbox_current(mb);

	if (m != NULL)
		mb->cursor_uid = m->uid;
}

/* Frees the sorted lines and the tree links (the visible rows stay). */
static void ui_mailbox_free_lines(struct ui_mailbox *mb)
{
	free(mb->lines);
	free(mb->tree_parent);
	free(mb->tree_more);
	mb->lines = NULL;
	mb->tree_parent = NULL;
	mb->tree_more = NULL;
	mb->n_lines = 0;
}

static void ui_mailbox_free_sort(struct ui_mailbox *mb)
{
	ui_mailbox_free_lines(mb);
	free(mb->rows_map);
	mb->rows_map = NULL;
	mb->list.count = 0;
}

void ui_mailbox_rows(struct ui_app *app, struct ui_mailbox *mb)
{
	struct ui_list *l = &mb->list;

	free(mb->rows_map);
	mb->rows_map = NULL;
	l->count = sort_visible(mb->lines, mb->n_lines, &mb->rows_map);
	if (mb->cursor_uid != 0) {
		for (size_t i = 0; i < l->count; i++) {
			const struct mindex_msg *m = mindex_get(mb->idx, mb->lines[mb->rows_map[i]].pos);
			if (m != NULL && m->uid == mb->cursor_uid) {
				l->cur = i;
				break;
			}
		}
	}
	ui_list_clamp(l, ui_main_rows(app));
	ui_dirty(app);
}

/* Sorts again. incremental: only messages were added since the last sort (a folder streaming in), so
 * for date and arrival order they are merged in instead of sorting everything. */
static void ui_mailbox_sort_as(struct ui_app *app, struct ui_mailbox *mb, bool incremental)
{
	int64_t t0 = ev_now_ms();
	struct sort_line *merged = NULL;
	size_t n = SIZE_MAX;

	ui_mailbox_remember_cursor(mb);
	if (incremental && mb->n_lines > 0 && mb->sorted_count > 0)
		n = sort_merge(mb->idx, mb->order, mb->reverse, mb->lines, mb->n_lines, mb->sorted_count, &merged);
	ui_mailbox_free_lines(mb);
	if (n != SIZE_MAX) {
		mb->lines = merged;
		mb->n_lines = n;
	} else {
		mb->n_lines = sort_messages(mb->idx, mb->order, mb->reverse, SIZE_MAX, &mb->lines);
	}
	mb->sorted_count = mindex_count(mb->idx);
	mb->unseen = 0;
	for (size_t i = 0; i < mb->n_lines; i++) {
		const struct mindex_msg *m = mindex_get(mb->idx, mb->lines[i].pos);
		if (m != NULL && !(m->flags & IMAP_FLAG_SEEN))
			mb->unseen++;
	}
	if (mb->order == SORT_THREADS && mb->n_lines > 0) {
		mb->tree_parent = xmalloc(mb->n_lines * sizeof(*mb->tree_parent));
		mb->tree_more = xmalloc(mb->n_lines * sizeof(*mb->tree_more));
		format_tree_links(mb->lines, mb->n_lines, mb->tree_parent, mb->tree_more);
	}
	ui_mailbox_rows(app, mb);
	mb->resort_due = false;
	mb->last_sort_cost_ms = ev_now_ms() - t0;
	if (n != SIZE_MAX && mb->last_sort_cost_ms > 0)
		log_debug("ui: merged the new messages in %lld ms", (long long)mb->last_sort_cost_ms);
	mb->last_sort_ms = ev_now_ms();
	if (mb->sort_timer != NULL)
		ev_timer_stop(mb->sort_timer);
	ui_dirty(app);
}

void ui_mailbox_sort(struct ui_app *app, struct ui_mailbox *mb)
{
	ui_mailbox_sort_as(app, mb, false);
}

static void ui_mailbox_sort_timer_cb(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	struct ui_mailbox *mb = ctx;
	int64_t t0 = ev_now_ms();

	(void)loop;
	(void)timer;
	if (mb->resort_due)
		ui_mailbox_sort_as(mb->app, mb, true);
	mb->app->turn_busy_ms += ev_now_ms() - t0;
}

/* New messages arrived: sort now when the last sort is long enough ago (or the index is empty), else
 * soon, so that a streaming folder costs a few sorts, not one per batch. */
static void ui_mailbox_resort_soon(struct ui_app *app, struct ui_mailbox *mb)
{
	int64_t now = ev_now_ms();
	/* sorting a big folder takes a while: sort less often, so that the keyboard mostly waits for
	 * nothing (a sort is one loop turn) */
	int64_t interval = mb->last_sort_cost_ms * 10 > UI_MAILBOX_RESORT_MS ? mb->last_sort_cost_ms * 10 :
		UI_MAILBOX_RESORT_MS;

	mb->resort_due = true;
	if (mb->n_lines == 0 || now - mb->last_sort_ms >= interval || mb->sort_timer == NULL) {
		ui_mailbox_sort_as(app, mb, true);
		return;
	}
	if (!ev_timer_armed(mb->sort_timer))
		ev_timer_restart(mb->sort_timer, interval - (now - mb->last_sort_ms));
}

void ui_mailbox_set_flags(struct ui_app *app, struct ui_mailbox *mb, uint32_t uid, uint32_t flags)
{
	const struct mindex_msg *m = ui_mailbox_msg(mb, uid);

	if (m == NULL || m->flags == flags)
		return;
	if ((m->flags & IMAP_FLAG_SEEN) && !(flags & IMAP_FLAG_SEEN))
		mb->unseen++;
	else if (!(m->flags & IMAP_FLAG_SEEN) && (flags & IMAP_FLAG_SEEN) && mb->unseen > 0)
		mb->unseen--;
	mindex_set_flags(mb->idx, uid, flags);
	ui_dirty(app);
}

/* --- loading --- */

static void ui_mailbox_finished(struct ui_app *app, struct ui_mailbox *mb)
{
	mb->loading = false;
	mb->open_req = 0;
	free(mb->progress);
	mb->progress = NULL;
	ui_mailbox_sort_as(app, mb, true); /* only additions since the last sort */
	ui_app_mailbox_loaded(app, mb);
}

static void ui_mailbox_reply(struct ui_app *app, struct ui_client *client, struct ui_reply *r)
{
	struct ui_mailbox *mb = (struct ui_mailbox *)((char *)client - offsetof(struct ui_mailbox, client));
	struct hcache_msg m;
	size_t off = 0;

	ui_dirty(app);
	switch (r->kind) {
	case UI_REPLY_MAILBOX:
		mb->uidvalidity = (uint32_t)r->a;
		mb->exists = r->b;
		break;
	case UI_REPLY_MSGS:
		while (ui_reply_next_msg(r, &off, &m))
			mindex_add(mb->idx, &m);
		ui_mailbox_resort_soon(app, mb);
		break;
	case UI_REPLY_RESET:
		mindex_reset(mb->idx);
		ui_mailbox_free_sort(mb);
		mb->sorted_count = 0;
		break;
	case UI_REPLY_DONE:
		ui_mailbox_finished(app, mb);
		log_info("ui: %s loaded, %zu messages, longest loop turn %lld ms", mb->name, mindex_live(mb->idx),
			 (long long)app->longest_turn_ms);
		break;
	case UI_REPLY_ERROR:
		ui_error(app, "%s", r->text != NULL ? r->text : _("cannot open the folder"));
		ui_mailbox_finished(app, mb);
		break;
	case UI_REPLY_CANCELLED:
		ui_message(app, "%s", _("Cancelled."));
		ui_mailbox_finished(app, mb);
		break;
	default:
		break;
	}
}

struct ui_mailbox *ui_mailbox_open(struct ui_app *app, uint32_t account, const char *name, enum sort_order order,
				   bool reverse)
{
	struct ui_mailbox *mb = xcalloc(1, sizeof(*mb));

	mb->app = app;
	mb->account = account;
	mb->name = xstrdup(name);
	mb->name_id = ui_names_id(app, account, name);
	mb->idx = mindex_new();
	mb->exists = -1;
	mb->order = order;
	mb->reverse = reverse;
	mb->client.reply = ui_mailbox_reply;
	ui_list_init(&mb->list, NULL, NULL);
	if (app->loop != NULL) {
		mb->sort_timer = ev_timer_add(app->loop, UI_MAILBOX_RESORT_MS, false, ui_mailbox_sort_timer_cb, mb);
		ev_timer_stop(mb->sort_timer);
	}
	mb->next = app->mailboxes;
	app->mailboxes = mb;
	mb->loading = true;
	mb->progress = xstrdup(_("opening"));
	mb->open_req = ui_route_open(app, account, name, &mb->client);
	if (mb->open_req == 0) {
		mb->loading = false;
		free(mb->progress);
		mb->progress = NULL;
	}
	ui_dirty(app);
	return mb;
}

void ui_mailbox_free(struct ui_app *app, struct ui_mailbox **mbp)
{
	struct ui_mailbox *mb = *mbp;

	if (mb == NULL)
		return;
	ui_route_forget(app, &mb->client);
	for (struct ui_mailbox **p = &app->mailboxes; *p != NULL; p = &(*p)->next) {
		if (*p == mb) {
			*p = mb->next;
			break;
		}
	}
	if (app->loop != NULL)
		ev_timer_remove(&mb->sort_timer);
	ui_mailbox_free_sort(mb);
	ui_list_clear(&mb->list);
	mindex_free(&mb->idx);
	free(mb->progress);
	free(mb->name);
	free(mb);
	*mbp = NULL;
}

struct ui_mailbox *ui_mailbox_of(struct ui_app *app, const struct ui_msgref *ref)
{
	for (struct ui_mailbox *mb = app->mailboxes; mb != NULL; mb = mb->next)
		if (mb->account == ref->account && mb->name_id == ref->mailbox && mb->uidvalidity == ref->uidvalidity)
			return mb;
	return NULL;
}

bool ui_mailbox_cancel(struct ui_app *app, struct ui_mailbox *mb)
{
	if (!mb->loading || mb->open_req == 0)
		return false;
	ui_route_cancel(app, mb->open_req);
	return true;
}
