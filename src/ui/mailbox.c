/* mailbox.c: the UI-side state of an open mailbox (its model index filled from the worker's batches, a
 * cached first screen shown meanwhile, sorted off the UI thread when big, changes from the server
 * applied as they come, visible rows, cursor, counts), and the mailbox names messages are known by. */
#include "skua.h"
#include "ui-int.h"
#include "ev/ev-loop.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define UI_MAILBOX_RESORT_MS 150    /* while a folder streams in, sort at most this often */
#define UI_MAILBOX_SORT_INLINE 5000 /* a folder of at most this many messages sorts on the UI thread
				     * (well under a millisecond); a bigger one on a thread of its own */

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

size_t ui_mailbox_row_line(const struct ui_mailbox *mb, size_t row)
{
	return mb->rows_map != NULL ? mb->rows_map[row] : row;
}

const struct mindex_msg *ui_mailbox_line_msg(const struct ui_mailbox *mb, size_t line)
{
	if (line >= mb->n_lines || mb->shown == NULL)
		return NULL;
	return mindex_get(mb->shown, mb->lines[line].pos);
}

const struct mindex_msg *ui_mailbox_row(const struct ui_mailbox *mb, size_t row)
{
	if (row >= mb->list.count)
		return NULL;
	return ui_mailbox_line_msg(mb, ui_mailbox_row_line(mb, row));
}

const struct mindex_msg *ui_mailbox_current(const struct ui_mailbox *mb)
{
	return ui_mailbox_row(mb, mb->list.cur);
}

const struct mindex_msg *ui_mailbox_msg(const struct ui_mailbox *mb, uint32_t uid)
{
	size_t pos;

	if (mb->shown != NULL && mindex_find(mb->shown, uid, &pos))
		return mindex_get(mb->shown, pos);
	return NULL;
}

size_t ui_mailbox_count(const struct ui_mailbox *mb)
{
	return mb->shown != NULL ? mindex_live(mb->shown) : 0;
}

size_t ui_mailbox_unseen(const struct ui_mailbox *mb)
{
	return mb->shown != NULL ? mindex_unseen(mb->shown) : 0;
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

/* Forgets the lines shown (not the index). */
static void ui_mailbox_free_sort(struct ui_mailbox *mb)
{
	sort_result_free(&mb->sorted);
	free(mb->rows_map);
	mb->rows_map = NULL;
	mb->lines = NULL;
	mb->n_lines = 0;
	mb->tree_parent = NULL;
	mb->tree_more = NULL;
	mb->list.count = 0;
}

/* The visible row of the cursor's message, or SIZE_MAX. O(1) without collapsed threads, else O(log n). */
static size_t ui_mailbox_cursor_row(const struct ui_mailbox *mb)
{
	size_t pos, line;

	if (mb->cursor_uid == 0 || mb->sorted == NULL || !mindex_find(mb->shown, mb->cursor_uid, &pos) ||
	    pos >= mb->sorted->covered || (line = mb->sorted->line_of[pos]) == UINT32_MAX)
		return SIZE_MAX;
	if (mb->rows_map == NULL)
		return line;
	/* the rows are lines in ascending order: the row at or before the line (a collapsed thread's
	 * message: its root's row) */
	size_t lo = 0, hi = mb->list.count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mb->rows_map[mid] <= line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? lo - 1 : 0;
}

void ui_mailbox_rows(struct ui_app *app, struct ui_mailbox *mb)
{
	struct ui_list *l = &mb->list;
	bool collapsed = false;
	size_t row;

	free(mb->rows_map);
	mb->rows_map = NULL;
	for (size_t i = 0; i < mb->n_lines && !collapsed; i++)
		collapsed = (mb->lines[i].flags & SORT_LINE_COLLAPSED) != 0;
	/* without a collapsed thread every line is a row: no map to build */
	l->count = collapsed ? sort_visible(mb->lines, mb->n_lines, &mb->rows_map) : mb->n_lines;
	if (!imap_uidset_is_empty(&mb->hidden)) {
		/* messages on their way out (a move or expunge not yet answered) have no row */
		size_t n = 0;

		if (mb->rows_map == NULL) {
			mb->rows_map = xmalloc((mb->n_lines > 0 ? mb->n_lines : 1) * sizeof(*mb->rows_map));
			for (size_t i = 0; i < mb->n_lines; i++)
				mb->rows_map[i] = (uint32_t)i;
		}
		for (size_t i = 0; i < l->count; i++) {
			const struct mindex_msg *m = ui_mailbox_line_msg(mb, mb->rows_map[i]);

			if (m == NULL || !imap_uidset_contains(&mb->hidden, m->uid))
				mb->rows_map[n++] = mb->rows_map[i];
		}
		l->count = n;
	}
	if ((row = ui_mailbox_cursor_row(mb)) != SIZE_MAX)
		l->cur = row;
	ui_list_clamp(l, ui_main_rows(app));
	ui_dirty(app);
}

/* A result's tag-pattern or untag-pattern: the UIDs go into or out of the tagged set. */
static void ui_mailbox_apply_select(struct ui_app *app, struct ui_mailbox *mb, const struct sort_result *r)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;

	if (r->selected == NULL || mb->select == NULL)
		return;
	/* ascending: each add appends; then one merge into (or a removal of ranges from) the tagged set */
	for (size_t i = 0; i < r->n_selected; i++)
		imap_uidset_add(&set, r->selected[i]);
	if (mb->select_untag)
		for (size_t i = 0; i < set.count; i++)
			imap_uidset_remove_range(&mb->tagged, set.ranges[i].lo, set.ranges[i].hi);
	else
		imap_uidset_add_set(&mb->tagged, &set);
	imap_uidset_clear(&set);
	if (mb->select_untag)
		ui_message(app, P_("Untagged %zu message.", "Untagged %zu messages.", r->n_selected), r->n_selected);
	else
		ui_message(app, P_("Tagged %zu message.", "Tagged %zu messages.", r->n_selected), r->n_selected);
	free(mb->select);
	mb->select = NULL;
}

/* Shows a sort result of `shown`: the lines, the tree, the cursor on its message. */
static void ui_mailbox_install(struct ui_app *app, struct ui_mailbox *mb, struct sort_result *r)
{
	ui_mailbox_apply_select(app, mb, r);
	ui_mailbox_remember_cursor(mb);
	ui_mailbox_free_sort(mb);
	mb->sorted = r;
	mb->lines = r->lines;
	mb->n_lines = r->n_lines;
	mb->tree_parent = r->tree_parent;
	mb->tree_more = r->tree_more;
	mb->last_sort_cost_ms = r->cost_ms;
	mb->last_sort_ms = ev_now_ms();
	ui_mailbox_rows(app, mb);
}

/* Shows idx from now on (the preview goes). */
static void ui_mailbox_show_index(struct ui_mailbox *mb)
{
	if (mb->shown == mb->idx)
		return;
	ui_mailbox_remember_cursor(mb);
	/* the preview's lines name positions of the preview */
	ui_mailbox_free_sort(mb);
	mb->shown = mb->idx;
	mindex_free(&mb->preview);
}

/* The load is over and what it brought is sorted and shown: tell the app once. */
static void ui_mailbox_announce(struct ui_app *app, struct ui_mailbox *mb)
{
	if (mb->announced || mb->loading || mb->job != NULL || mb->sort_due)
		return;
	mb->announced = true;
	log_info("ui: %s loaded, %zu messages, longest loop turn %lld ms", mb->name, mindex_live(mb->idx),
		 (long long)app->longest_turn_ms);
	ui_app_mailbox_loaded(app, mb);
}

static void ui_mailbox_schedule(struct ui_app *app, struct ui_mailbox *mb);

/* Removes what was expunged while a job read the index (then another sort is due). */
static void ui_mailbox_remove_gone(struct ui_mailbox *mb)
{
	struct imap_uidset_iter it;
	uint32_t uid;

	imap_uidset_iter_init(&it, &mb->gone);
	while (imap_uidset_iter_next(&it, &uid))
		if (mindex_remove(mb->idx, uid) == 0)
			mb->sort_due = true;
	imap_uidset_clear(&mb->gone);
}

static void ui_mailbox_job_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct ui_mailbox *mb = ctx;
	struct ui_app *app = mb->app;
	int64_t t0 = ev_now_ms();
	struct sort_result *r;

	(void)loop;
	(void)io;
	(void)fd;
	(void)revents;
	if (mb->job == NULL || !sort_job_ready(mb->job))
		return;
	ev_io_remove(&mb->job_io);
	r = sort_job_finish(&mb->job);
	ui_mailbox_remove_gone(mb);
	if (r->order != mb->order || r->reverse != mb->reverse || (mb->preview != NULL && mb->loading)) {
		/* the order changed meanwhile, or the preview still stands in for a load under way */
		sort_result_free(&r);
		mb->sort_due = true;
	} else {
		ui_mailbox_show_index(mb);
		ui_mailbox_install(app, mb, r);
	}
	ui_mailbox_schedule(app, mb);
	ui_mailbox_announce(app, mb);
	ui_turn_add(app, t0, "the sort's result");
}

/* Sorts idx now (a small folder) or starts a job for it. */
static void ui_mailbox_sort_index(struct ui_app *app, struct ui_mailbox *mb)
{
	/* merging from what is shown works when only messages were added (the same order, same index) */
	const struct sort_result *old = !mb->sort_full && mb->shown == mb->idx ? mb->sorted : NULL;
	bool inline_sort = mindex_count(mb->idx) <= UI_MAILBOX_SORT_INLINE;

	struct sort_filter filter = { mb->limit, mb->select, &mb->tagged, &mb->collapsed };
	const struct sort_filter *f = mb->limit != NULL || mb->select != NULL ||
		(mb->order == SORT_THREADS && !imap_uidset_is_empty(&mb->collapsed)) ? &filter : NULL;

	ui_mailbox_remove_gone(mb);
	mb->sort_due = false;
	mb->sort_full = false;
	if (!inline_sort && (mb->job = sort_job_start_filtered(mb->idx, mb->order, mb->reverse, old, f)) != NULL) {
		mb->job_io = ev_io_add(app->loop, sort_job_fd(mb->job), EV_READ, ui_mailbox_job_cb, mb);
		return;
	}
	ui_mailbox_show_index(mb);
	ui_mailbox_install(app, mb, sort_result_make_filtered(mb->idx, mb->order, mb->reverse,
							     old != NULL ? old->lines : NULL, old != NULL ? old->n_lines : 0,
							     old != NULL ? old->covered : 0, f));
}

/* Sorts when due: not while a job runs (its end looks again), not while a preview stands in for a load,
 * and while a folder streams in at most every UI_MAILBOX_RESORT_MS (longer after a long sort). */
static void ui_mailbox_schedule(struct ui_app *app, struct ui_mailbox *mb)
{
	int64_t now = ev_now_ms();
	int64_t interval = mb->last_sort_cost_ms * 10 > UI_MAILBOX_RESORT_MS ? mb->last_sort_cost_ms * 10 :
		UI_MAILBOX_RESORT_MS;

	if (!mb->sort_due || mb->job != NULL || (mb->preview != NULL && mb->loading))
		return;
	if (mb->loading && mb->n_lines > 0 && now - mb->last_sort_ms < interval && mb->sort_timer != NULL) {
		if (!ev_timer_armed(mb->sort_timer))
			ev_timer_restart(mb->sort_timer, interval - (now - mb->last_sort_ms));
		return;
	}
	ui_mailbox_sort_index(app, mb);
}

void ui_mailbox_sort(struct ui_app *app, struct ui_mailbox *mb)
{
	mb->sort_due = true;
	mb->sort_full = true;
	if (mb->shown == mb->preview && mb->preview != NULL) {
		/* the stand-in sorts at once (it is one screen) */
		ui_mailbox_install(app, mb, sort_result_make(mb->preview, mb->order, mb->reverse, NULL, 0, 0));
	}
	ui_mailbox_schedule(app, mb);
}

static void ui_mailbox_sort_timer_cb(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	struct ui_mailbox *mb = ctx;
	int64_t t0 = ev_now_ms();

	(void)loop;
	(void)timer;
	if (mb->sort_due && mb->job == NULL && !(mb->preview != NULL && mb->loading))
		ui_mailbox_sort_index(mb->app, mb);
	ui_turn_add(mb->app, t0, "a sort");
}

void ui_mailbox_set_limit(struct ui_app *app, struct ui_mailbox *mb, const char *pattern)
{
	free(mb->limit);
	mb->limit = NULL;
	if (pattern != NULL && pattern[strspn(pattern, " \t")] != '\0' && strcmp(pattern, "all") != 0 &&
	    strcmp(pattern, "~A") != 0)
		mb->limit = xstrdup(pattern);
	ui_mailbox_sort(app, mb);
}

void ui_mailbox_select(struct ui_app *app, struct ui_mailbox *mb, const char *pattern, bool untag)
{
	free(mb->select);
	mb->select = xstrdup(pattern);
	mb->select_untag = untag;
	ui_mailbox_sort(app, mb);
}

void ui_mailbox_set_flags(struct ui_app *app, struct ui_mailbox *mb, uint32_t uid, uint32_t flags)
{
	/* the flags are not what a sort reads: set them in both indexes even while a job runs */
	mindex_set_flags(mb->idx, uid, flags);
	if (mb->preview != NULL)
		mindex_set_flags(mb->preview, uid, flags);
	ui_dirty(app);
}

/* Adds a message to idx; while a job reads it, one it holds already is not replaced (its newer
 * record comes with the next open). */
static void ui_mailbox_add(struct ui_mailbox *mb, const struct hcache_msg *m)
{
	size_t pos;

	if (mb->job != NULL && mindex_find(mb->idx, m->uid, &pos))
		return;
	mindex_add(mb->idx, m);
}

/* Removes the messages of uids (expunged); a sort is then due. Returns true when there were any. */
static bool ui_mailbox_remove(struct ui_mailbox *mb, const struct imap_uidset *uids)
{
	struct imap_uidset_iter it;
	uint32_t uid;
	bool changed = false;

	imap_uidset_iter_init(&it, uids);
	while (imap_uidset_iter_next(&it, &uid)) {
		if (mb->preview != NULL)
			mindex_remove(mb->preview, uid);
		if (mb->job != NULL)
			imap_uidset_add(&mb->gone, uid);
		else
			mindex_remove(mb->idx, uid);
		imap_uidset_remove(&mb->tagged, uid);
		imap_uidset_remove(&mb->hidden, uid);
		changed = true;
	}
	return changed;
}

void ui_mailbox_hide(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *uids, bool hide)
{
	if (hide)
		imap_uidset_add_set(&mb->hidden, uids);
	else
		for (size_t i = 0; i < uids->count; i++)
			imap_uidset_remove_range(&mb->hidden, uids->ranges[i].lo, uids->ranges[i].hi);
	ui_mailbox_rows(app, mb);
}

void ui_mailbox_expunged(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *uids)
{
	if (!ui_mailbox_remove(mb, uids))
		return;
	if (mb->shown == mb->preview && mb->preview != NULL)
		ui_mailbox_install(app, mb, sort_result_make(mb->preview, mb->order, mb->reverse, NULL, 0, 0));
	mb->sort_due = true;
	ui_mailbox_schedule(app, mb);
	ui_mailbox_rows(app, mb);
}

void ui_mailbox_changed(struct ui_app *app, struct ui_mailbox *mb, const struct ui_changes *c)
{
	struct hcache_msg m;
	size_t off = 0;
	bool changed = false;

	if (mb->uidvalidity != 0 && c->uidvalidity != mb->uidvalidity)
		return; /* another life of that folder: the open under way (or the next) brings it */
	mb->exists = c->exists;
	for (size_t i = 0; i < c->n_flags; i++)
		ui_mailbox_set_flags(app, mb, c->flags[i].uid, c->flags[i].flags);
	changed = ui_mailbox_remove(mb, c->expunged);
	while (ui_changes_next_added(c, &off, &m)) {
		ui_mailbox_add(mb, &m);
		changed = true;
	}
	if (changed) {
		if (mb->shown == mb->preview && mb->preview != NULL)
			ui_mailbox_install(app, mb, sort_result_make(mb->preview, mb->order, mb->reverse, NULL, 0, 0));
		mb->sort_due = true;
		ui_mailbox_schedule(app, mb);
	}
	ui_dirty(app);
}

/* --- loading --- */

static void ui_mailbox_finished(struct ui_app *app, struct ui_mailbox *mb)
{
	mb->loading = false;
	mb->open_req = 0;
	free(mb->progress);
	mb->progress = NULL;
	mb->sort_due = true;
	ui_mailbox_schedule(app, mb);
	ui_mailbox_announce(app, mb);
}

/* A cached first screen: shown at once, until the load is in and sorted. */
static void ui_mailbox_preview(struct ui_app *app, struct ui_mailbox *mb, const struct ui_reply *r)
{
	struct hcache_msg m;
	size_t off = 0;

	if (mb->n_lines > 0 || mb->preview != NULL)
		return; /* something is shown already */
	mb->preview = mindex_new();
	while (ui_reply_next_msg(r, &off, &m))
		mindex_add(mb->preview, &m);
	mb->shown = mb->preview;
	ui_mailbox_install(app, mb, sort_result_make(mb->preview, mb->order, mb->reverse, NULL, 0, 0));
}

static void ui_mailbox_reset(struct ui_mailbox *mb)
{
	/* a job may read the index: it takes the old one along and frees it */
	if (mb->job != NULL) {
		ev_io_remove(&mb->job_io);
		sort_job_abandon(&mb->job, mb->idx);
		mb->idx = mindex_new();
	} else {
		mindex_reset(mb->idx);
	}
	imap_uidset_clear(&mb->gone);
	if (mb->shown != mb->preview || mb->preview == NULL) {
		mb->shown = mb->idx;
		ui_mailbox_free_sort(mb);
	}
	mb->sort_full = true;
}

/* Sizes the index's tables for the folder's EXISTS at once: growing them while a million records
 * stream in would double them in single loop turns of tens of milliseconds. */
static void ui_mailbox_reserve(struct ui_mailbox *mb)
{
	size_t live = mindex_live(mb->idx);

	if (mb->exists > 0 && (size_t)mb->exists > live)
		mindex_reserve(mb->idx, (size_t)mb->exists - live);
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
		ui_mailbox_reserve(mb);
		break;
	case UI_REPLY_PREVIEW:
		ui_mailbox_preview(app, mb, r);
		break;
	case UI_REPLY_MSGS:
		while (ui_reply_next_msg(r, &off, &m))
			ui_mailbox_add(mb, &m);
		mb->sort_due = true;
		ui_mailbox_schedule(app, mb);
		break;
	case UI_REPLY_RESET:
		ui_mailbox_reset(mb);
		ui_mailbox_reserve(mb);
		break;
	case UI_REPLY_DONE:
		ui_mailbox_finished(app, mb);
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
	mb->shown = mb->idx;
	imap_uidset_init(&mb->gone);
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
	if (mb->job != NULL) {
		/* never wait for a sort: the job frees the index it reads when it ends */
		ev_io_remove(&mb->job_io);
		sort_job_abandon(&mb->job, mb->idx);
		mb->idx = NULL;
	}
	ui_mailbox_free_sort(mb);
	ui_list_clear(&mb->list);
	mindex_free(&mb->idx);
	mindex_free(&mb->preview);
	imap_uidset_clear(&mb->gone);
	imap_uidset_clear(&mb->hidden);
	imap_uidset_clear(&mb->tagged);
	imap_uidset_clear(&mb->collapsed);
	free(mb->limit);
	free(mb->select);
	free(mb->progress);
	free(mb->name);
	free(mb);
	*mbp = NULL;
}

struct ui_mailbox *ui_mailbox_named(struct ui_app *app, uint32_t account, const char *name)
{
	for (struct ui_mailbox *mb = app->mailboxes; mb != NULL; mb = mb->next)
		if (mb->account == account && strcmp(mb->name, name) == 0)
			return mb;
	return NULL;
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
