/* app.c: the UI thread: one poll loop over the terminal, signals and the worker's queue; the folder
 * and index views, the status bar, key dispatch and commands. */
#include "skua.h"
#include "ui.h"
#include "ui-int.h"
#include "view-pager.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "imap/imap-engine.h"
#include "mime/mime.h"
#include "ui/cells.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define UI_DEFAULT_INDEX_FORMAT "%4C %Z %{%b %d} %-15.15F (%4c) %s"
#define UI_DEFAULT_SIDEBAR_WIDTH 24
#define UI_KEY_TIMEOUT_MS 500       /* how long an ambiguous prefix (<Esc>) waits for the next key */
#define UI_RESORT_INTERVAL_MS 150   /* while a folder streams in, sort at most this often */
#define UI_QUEUE_BATCH 1            /* worker messages handled per loop turn: the keyboard is polled
					   * between turns, so a key waits for at most this much work */
#define UI_QUEUE_MAX 256            /* worker -> UI queue bound (back-pressure on a fast load) */
#define UI_FRAME_MS 30              /* redraws while a folder loads, at most one per this */

/* --- drawing helpers --- */

void ui_draw_text(int y, int x, int cols, const char *text, size_t len, int attr)
{
	char *fit;

	if (cols <= 0)
		return;
	fit = cells_fit(text != NULL ? text : "", text != NULL ? len : 0, (size_t)cols, 0);
	attrset(attr);
	mvaddstr(y, x, fit);
	attrset(A_NORMAL);
	free(fit);
}

static void ui_set_text(char **slot, const char *fmt, va_list ap) SKUA_PRINTF(2, 0);
static void ui_set_text(char **slot, const char *fmt, va_list ap)
{
	free(*slot);
	*slot = xvasprintf(fmt, ap);
}

void ui_message(struct ui_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_set_text(&app->message, fmt, ap);
	va_end(ap);
	app->message_is_error = false;
	app->dirty = true;
}

void ui_error(struct ui_app *app, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_set_text(&app->message, fmt, ap);
	va_end(ap);
	app->message_is_error = true;
	app->dirty = true;
	log_info("ui error: %s", app->message);
}

/* --- lists --- */

void ui_list_clamp(struct ui_list *l, int rows)
{
	size_t r = rows > 0 ? (size_t)rows : 1;

	if (l->count == 0) {
		l->cur = l->top = 0;
		return;
	}
	if (l->cur >= l->count)
		l->cur = l->count - 1;
	if (l->cur < l->top)
		l->top = l->cur;
	if (l->cur >= l->top + r)
		l->top = l->cur - r + 1;
	if (l->top + r > l->count)
		l->top = l->count > r ? l->count - r : 0;
}

bool ui_list_move(struct ui_list *l, const char *c, int page_rows)
{
	size_t page = page_rows > 1 ? (size_t)page_rows : 1;
	size_t last = l->count > 0 ? l->count - 1 : 0;

	if (strcmp(c, "next-entry") == 0 || strcmp(c, "next-line") == 0) {
		if (l->cur < last)
			l->cur++;
	} else if (strcmp(c, "previous-entry") == 0 || strcmp(c, "previous-line") == 0) {
		if (l->cur > 0)
			l->cur--;
	} else if (strcmp(c, "first-entry") == 0 || strcmp(c, "top") == 0) {
		l->cur = 0;
	} else if (strcmp(c, "last-entry") == 0 || strcmp(c, "bottom") == 0) {
		l->cur = last;
	} else if (strcmp(c, "next-page") == 0) {
		l->cur = l->cur + page < last ? l->cur + page : last;
		l->top = l->top + page < l->count ? l->top + page : l->top;
	} else if (strcmp(c, "previous-page") == 0) {
		l->cur = l->cur > page ? l->cur - page : 0;
		l->top = l->top > page ? l->top - page : 0;
	} else if (strcmp(c, "half-down") == 0) {
		l->cur = l->cur + page / 2 < last ? l->cur + page / 2 : last;
	} else if (strcmp(c, "half-up") == 0) {
		l->cur = l->cur > page / 2 ? l->cur - page / 2 : 0;
	} else if (strcmp(c, "top-page") == 0) {
		l->cur = l->top;
	} else if (strcmp(c, "middle-page") == 0) {
		l->cur = l->top + page / 2 < last ? l->top + page / 2 : last;
	} else if (strcmp(c, "bottom-page") == 0) {
		l->cur = l->top + page - 1 < last ? l->top + page - 1 : last;
	} else {
		return false;
	}
	ui_list_clamp(l, page_rows);
	return true;
}

/* Rows the main area has (between the help line and the status bar). */
static int ui_main_rows(const struct ui_app *app)
{
	return app->rows > 3 ? app->rows - 3 : 1;
}

/* --- folders --- */

static int folder_role_rank(const struct worker_folder *f)
{
	if (strcasecmp(f->name, "INBOX") == 0)
		return 0;
	if (f->attrs & IMAP_MBOX_DRAFTS)
		return 1;
	if (f->attrs & IMAP_MBOX_SENT)
		return 2;
	if (f->attrs & IMAP_MBOX_ARCHIVE)
		return 3;
	if (f->attrs & IMAP_MBOX_JUNK)
		return 4;
	if (f->attrs & IMAP_MBOX_TRASH)
		return 5;
	return 6;
}

static const char *folder_role_mark(const struct worker_folder *f)
{
	switch (folder_role_rank(f)) {
	case 0: return "\xe2\x9c\x89";      /* ✉ */
	case 1: return "\xe2\x9c\x8e";      /* ✎ */
	case 2: return "\xe2\x86\x97";      /* ↗ */
	case 3: return "\xe2\x96\xa4";      /* ▤ */
	case 4: return "\xe2\x9a\xa0";      /* ⚠ */
	case 5: return "\xe2\x99\xbb";      /* ♻ */
	default: return " ";
	}
}

static int folder_cmp(const void *a, const void *b)
{
	const struct worker_folder *x = *(const struct worker_folder *const *)a;
	const struct worker_folder *y = *(const struct worker_folder *const *)b;
	int rx = folder_role_rank(x), ry = folder_role_rank(y);

	if (rx != ry && (rx < 6 || ry < 6))
		return rx - ry;
	/* the hierarchy stays together: compare with the delimiter ranked first */
	for (const char *p = x->name, *q = y->name;; p++, q++) {
		unsigned char cp = (unsigned char)*p, cq = (unsigned char)*q;
		if (cp == (unsigned char)x->delimiter && x->delimiter != '\0')
			cp = 1;
		if (cq == (unsigned char)y->delimiter && y->delimiter != '\0')
			cq = 1;
		if (cp != cq || cp == '\0')
			return (int)cp - (int)cq;
	}
}

/* The folder line: indentation by depth, the last name component, role mark, counts. */
static void folder_line(const struct worker_folder *f, struct buf *out, bool counts)
{
	const char *name = f->name, *last = name;
	int depth = 0;

	if (f->delimiter != '\0') {
		for (const char *p = name; *p != '\0'; p++) {
			if (*p == f->delimiter) {
				depth++;
				last = p + 1;
			}
		}
	}
	buf_append_str(out, folder_role_mark(f));
	buf_append_c(out, ' ');
	for (int i = 0; i < depth && i < 8; i++)
		buf_append_str(out, "  ");
	buf_append_str(out, last);
	if (counts && f->messages >= 0) {
		buf_appendf(out, "  %lld", (long long)f->messages);
		if (f->unseen > 0)
			buf_appendf(out, " (%lld)", (long long)f->unseen);
	}
}

static void folders_clear(struct ui_app *app)
{
	for (size_t i = 0; i < app->n_folders; i++)
		worker_folder_free(app->folders[i]);
	free(app->folders);
	app->folders = NULL;
	app->n_folders = 0;
	app->folder_list.count = app->folder_list.cur = app->folder_list.top = 0;
}

static void draw_folder_rows(struct ui_app *app, int top, int rows, int x, int cols, bool sidebar)
{
	struct ui_list *l = &app->folder_list;
	struct buf line = BUF_INIT;

	l->count = app->n_folders;
	ui_list_clamp(l, rows);
	for (int r = 0; r < rows; r++) {
		size_t i = l->top + (size_t)r;
		int attr = sidebar ? app->attr[UI_C_SIDEBAR] : app->attr[UI_C_NORMAL];

		buf_reset(&line);
		if (i < app->n_folders) {
			const struct worker_folder *f = app->folders[i];
			folder_line(f, &line, true);
			if (app->folder != NULL && strcmp(f->name, app->folder) == 0 && sidebar)
				attr |= A_BOLD;
			if (f->unseen > 0)
				attr |= A_BOLD;
			if (i == l->cur && (app->view == UI_VIEW_FOLDERS))
				attr = app->attr[UI_C_INDICATOR];
		}
		ui_draw_text(top + r, x, cols, line.data, line.len, attr);
	}
	buf_free(&line);
}

/* --- the index --- */

static void index_free_sort(struct ui_app *app)
{
	free(app->lines);
	free(app->rows_map);
	free(app->tree_parent);
	free(app->tree_more);
	app->lines = NULL;
	app->rows_map = NULL;
	app->tree_parent = NULL;
	app->tree_more = NULL;
	app->n_lines = 0;
	app->index_list.count = 0;
}

const struct mindex_msg *ui_index_current(struct ui_app *app)
{
	struct ui_list *l = &app->index_list;

	if (app->idx == NULL || l->count == 0 || l->cur >= l->count)
		return NULL;
	return mindex_get(app->idx, app->lines[app->rows_map[l->cur]].pos);
}

static void index_remember_cursor(struct ui_app *app)
{
	const struct mindex_msg *m = ui_index_current(app);

	if (m != NULL)
		app->cursor_uid = m->uid;
}

/* Recomputes the visible rows (after a collapse or a sort), keeping the cursor's message. */
static void index_rows(struct ui_app *app)
{
	struct ui_list *l = &app->index_list;

	free(app->rows_map);
	app->rows_map = NULL;
	l->count = sort_visible(app->lines, app->n_lines, &app->rows_map);
	if (app->cursor_uid != 0) {
		for (size_t i = 0; i < l->count; i++) {
			const struct mindex_msg *m = mindex_get(app->idx, app->lines[app->rows_map[i]].pos);
			if (m != NULL && m->uid == app->cursor_uid) {
				l->cur = i;
				break;
			}
		}
	}
	ui_list_clamp(l, ui_main_rows(app));
}

/* Sorts the index again. incremental: only messages were added since the last sort (a folder
 * streaming in), so for date and arrival order they are merged in instead of sorting everything. */
static void index_sort_as(struct ui_app *app, bool incremental)
{
	int64_t t0 = ev_now_ms();
	struct sort_line *merged = NULL;
	size_t n = SIZE_MAX;

	index_remember_cursor(app);
	if (incremental && app->idx != NULL && app->n_lines > 0 && app->sorted_count > 0)
		n = sort_merge(app->idx, app->order, app->reverse, app->lines, app->n_lines, app->sorted_count,
			       &merged);
	free(app->lines);
	free(app->tree_parent);
	free(app->tree_more);
	app->tree_parent = NULL;
	app->tree_more = NULL;
	app->lines = NULL;
	if (n != SIZE_MAX) {
		app->lines = merged;
		app->n_lines = n;
	} else {
		app->n_lines = app->idx != NULL ?
			sort_messages(app->idx, app->order, app->reverse, SIZE_MAX, &app->lines) : 0;
	}
	app->sorted_count = app->idx != NULL ? mindex_count(app->idx) : 0;
	app->unseen = 0;
	for (size_t i = 0; i < app->n_lines; i++) {
		const struct mindex_msg *m = mindex_get(app->idx, app->lines[i].pos);
		if (m != NULL && !(m->flags & IMAP_FLAG_SEEN))
			app->unseen++;
	}
	if (app->order == SORT_THREADS && app->n_lines > 0) {
		app->tree_parent = xmalloc(app->n_lines * sizeof(*app->tree_parent));
		app->tree_more = xmalloc(app->n_lines * sizeof(*app->tree_more));
		format_tree_links(app->lines, app->n_lines, app->tree_parent, app->tree_more);
	}
	index_rows(app);
	app->resort_due = false;
	app->last_sort_cost_ms = ev_now_ms() - t0;
	if (n != SIZE_MAX && app->last_sort_cost_ms > 0)
		log_debug("ui: merged the new messages in %lld ms", (long long)app->last_sort_cost_ms);
	app->last_sort_ms = ev_now_ms();
	if (app->sort_timer != NULL)
		ev_timer_stop(app->sort_timer);
	app->dirty = true;
}

static void index_sort(struct ui_app *app)
{
	index_sort_as(app, false);
}

static void sort_timer_cb(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	struct ui_app *app = ctx;

	int64_t t0 = ev_now_ms();

	(void)loop;
	(void)timer;
	if (app->resort_due)
		index_sort_as(app, true);
	app->turn_busy_ms += ev_now_ms() - t0;
}

/* New messages arrived: sort now when the last sort is long enough ago (or the index is empty), else
 * soon, so that a streaming folder costs a few sorts, not one per batch. */
static void index_resort_soon(struct ui_app *app)
{
	int64_t now = ev_now_ms();
	/* sorting a big folder takes a while: sort less often, so that the keyboard mostly waits for
	 * nothing (a sort is one loop turn) */
	int64_t interval = app->last_sort_cost_ms * 10 > UI_RESORT_INTERVAL_MS ? app->last_sort_cost_ms * 10 :
		UI_RESORT_INTERVAL_MS;

	app->resort_due = true;
	if (app->n_lines == 0 || now - app->last_sort_ms >= interval) {
		index_sort_as(app, true);
		return;
	}
	if (!ev_timer_armed(app->sort_timer))
		ev_timer_restart(app->sort_timer, interval - (now - app->last_sort_ms));
}

static char *msg_str(const struct ui_app *app, mindex_id id, size_t *len_r)
{
	size_t len = 0;
	const char *s = mindex_str(app->idx, id, &len);

	*len_r = s != NULL ? len : 0;
	return (char *)s;
}

static void draw_index_rows(struct ui_app *app, int top, int rows, int x, int cols)
{
	struct ui_list *l = &app->index_list;
	struct buf line = BUF_INIT, tree = BUF_INIT;

	ui_list_clamp(l, rows);
	for (int r = 0; r < rows; r++) {
		size_t i = l->top + (size_t)r;
		int attr = app->attr[UI_C_NORMAL];
		const struct mindex_msg *m;
		struct format_msg fm;
		char *from_name = NULL, *from_addr = NULL, *to_name = NULL, *to_addr = NULL, *subject = NULL;
		const char *raw;
		size_t len;

		buf_reset(&line);
		if (i >= l->count || (m = mindex_get(app->idx, app->lines[app->rows_map[i]].pos)) == NULL) {
			ui_draw_text(top + r, x, cols, "", 0, attr);
			continue;
		}
		memset(&fm, 0, sizeof(fm));
		fm.number = i + 1;
		fm.flags = m->flags & 0x3f;
		if (m->hints & HCACHE_HINT_ATTACHMENT)
			fm.flags |= FORMAT_ATTACHMENT;
		fm.date = m->date;
		fm.size = m->size;
		fm.lines = -1;
		if ((raw = msg_str(app, m->from, &len)) != NULL) {
			from_name = mime_address_display(raw, len, true);
			from_addr = mime_address_display(raw, len, false);
		}
		if ((raw = msg_str(app, m->to, &len)) != NULL) {
			to_name = mime_address_display(raw, len, true);
			to_addr = mime_address_display(raw, len, false);
		}
		if ((raw = msg_str(app, m->subject, &len)) != NULL)
			subject = mime_decode_text(raw, len);
		fm.from_name = from_name;
		fm.from_addr = from_addr;
		fm.to_name = to_name;
		fm.to_addr = to_addr;
		fm.subject = subject != NULL ? subject : "";
		fm.list_id = msg_str(app, m->list_id, &len);
		buf_reset(&tree);
		if (app->tree_parent != NULL) {
			size_t li = app->rows_map[i];
			format_tree_line(&tree, app->tree_parent, app->tree_more, li, false);
			if (app->lines[li].flags & SORT_LINE_COLLAPSED)
				buf_appendf(&tree, "(+%u) ", app->lines[li].descendants);
		}
		fm.tree = tree.data != NULL ? tree.data : "";
		format_line(app->index_format, &fm, NULL, (size_t)cols, &line);
		if (m->flags & IMAP_FLAG_DELETED)
			attr = app->attr[UI_C_DELETED];
		else if (m->flags & IMAP_FLAG_FLAGGED)
			attr = app->attr[UI_C_FLAGGED];
		else if (!(m->flags & IMAP_FLAG_SEEN))
			attr = app->attr[UI_C_NEW];
		if (i == l->cur && app->view == UI_VIEW_INDEX)
			attr = app->attr[UI_C_INDICATOR];
		attrset(attr);
		mvaddstr(top + r, x, line.data != NULL ? line.data : "");
		attrset(A_NORMAL);
		free(from_name);
		free(from_addr);
		free(to_name);
		free(to_addr);
		free(subject);
	}
	buf_free(&line);
	buf_free(&tree);
}

bool ui_index_step(struct ui_app *app, int dir)
{
	struct ui_list *l = &app->index_list;

	if (dir > 0 && l->cur + 1 < l->count)
		l->cur++;
	else if (dir < 0 && l->cur > 0)
		l->cur--;
	else
		return false;
	ui_list_clamp(l, ui_main_rows(app));
	index_remember_cursor(app);
	return true;
}

/* The line index of the thread root above visible row `row`. */
static size_t index_thread_root(const struct ui_app *app, size_t row)
{
	size_t li = app->rows_map[row];

	while (li > 0 && app->lines[li].depth > 0)
		li--;
	return li;
}

static void index_collapse_thread(struct ui_app *app)
{
	size_t root;

	if (app->order != SORT_THREADS) {
		ui_error(app, "%s", _("Threading is not enabled (sort by threads with o, t)."));
		return;
	}
	if (app->index_list.count == 0)
		return;
	root = index_thread_root(app, app->index_list.cur);
	if (app->lines[root].descendants == 0) {
		ui_message(app, "%s", _("Thread has no replies."));
		return;
	}
	app->lines[root].flags ^= SORT_LINE_COLLAPSED;
	app->cursor_uid = mindex_get(app->idx, app->lines[root].pos)->uid;
	index_rows(app);
	app->dirty = true;
}

static void index_collapse_all(struct ui_app *app)
{
	bool any_open = false;

	if (app->order != SORT_THREADS) {
		ui_error(app, "%s", _("Threading is not enabled (sort by threads with o, t)."));
		return;
	}
	for (size_t i = 0; i < app->n_lines && !any_open; i++)
		any_open = app->lines[i].depth == 0 && app->lines[i].descendants > 0 &&
			!(app->lines[i].flags & SORT_LINE_COLLAPSED);
	if (app->index_list.count > 0) {
		size_t root = index_thread_root(app, app->index_list.cur);
		app->cursor_uid = mindex_get(app->idx, app->lines[root].pos)->uid;
	}
	sort_collapse_all(app->lines, app->n_lines, any_open);
	index_rows(app);
	app->dirty = true;
}

/* Whether the subject or the sender contains needle (ASCII letters case-insensitively); encoded words
 * (RFC 2047) are decoded first, so that a search for "Köln" finds =?UTF-8?Q?K=C3=B6ln?=. */
static bool index_field_matches(const char *raw, size_t len, bool address, const char *needle)
{
	char *decoded;
	bool found;

	if (raw == NULL)
		return false;
	if (strstr(raw, "=?") == NULL)
		return strcasestr(raw, needle) != NULL;
	decoded = address ? mime_address_display(raw, len, false) : mime_decode_text(raw, len);
	found = decoded != NULL && strcasestr(decoded, needle) != NULL;
	free(decoded);
	return found;
}

static bool index_matches(const struct ui_app *app, const struct mindex_msg *m, const char *needle)
{
	size_t len;
	const char *s;

	s = mindex_str(app->idx, m->subject, &len);
	if (index_field_matches(s, len, false, needle))
		return true;
	s = mindex_str(app->idx, m->from, &len);
	return index_field_matches(s, len, true, needle);
}

static char *index_search_text;
static bool index_search_back;

static void index_search(struct ui_app *app, bool backward)
{
	struct ui_list *l = &app->index_list;

	if (index_search_text == NULL || *index_search_text == '\0' || l->count == 0) {
		ui_error(app, "%s", _("No search pattern."));
		return;
	}
	for (size_t n = 1; n <= l->count; n++) {
		size_t i = backward ? (l->cur + l->count - n) % l->count : (l->cur + n) % l->count;
		const struct mindex_msg *m = mindex_get(app->idx, app->lines[app->rows_map[i]].pos);
		if (m != NULL && index_matches(app, m, index_search_text)) {
			if (backward ? i > l->cur : i < l->cur)
				ui_message(app, "%s", backward ? _("Search wrapped to bottom.") : _("Search wrapped to top."));
			l->cur = i;
			ui_list_clamp(l, ui_main_rows(app));
			index_remember_cursor(app);
			app->dirty = true;
			return;
		}
	}
	ui_error(app, "%s", _("Not found."));
}

static void index_search_done(struct ui_app *app, const char *text, void *ctx)
{
	free(index_search_text);
	index_search_text = xstrdup(text);
	index_search_back = ctx != NULL;
	index_search(app, index_search_back);
}

static void index_next_unread(struct ui_app *app)
{
	struct ui_list *l = &app->index_list;

	for (size_t n = 1; n <= l->count; n++) {
		size_t i = (l->cur + n) % l->count;
		const struct mindex_msg *m = mindex_get(app->idx, app->lines[app->rows_map[i]].pos);
		if (m != NULL && !(m->flags & IMAP_FLAG_SEEN)) {
			l->cur = i;
			ui_list_clamp(l, ui_main_rows(app));
			index_remember_cursor(app);
			app->dirty = true;
			return;
		}
	}
	ui_error(app, "%s", _("No unread messages."));
}

static void index_next_thread(struct ui_app *app, int dir)
{
	struct ui_list *l = &app->index_list;
	size_t i = l->cur;

	if (l->count == 0)
		return;
	for (;;) {
		if (dir > 0 ? i + 1 >= l->count : i == 0) {
			ui_error(app, "%s", dir > 0 ? _("No more threads.") : _("You are on the first thread."));
			return;
		}
		i = dir > 0 ? i + 1 : i - 1;
		if (app->lines[app->rows_map[i]].depth == 0)
			break;
	}
	l->cur = i;
	ui_list_clamp(l, ui_main_rows(app));
	index_remember_cursor(app);
	app->dirty = true;
}

/* --- flags --- */

/* Sets the flags of a message in the index, keeping the unread count. */
static void index_set_flags(struct ui_app *app, uint32_t uid, uint32_t flags)
{
	const struct mindex_msg *m;
	size_t pos;

	if (!mindex_find(app->idx, uid, &pos) || (m = mindex_get(app->idx, pos)) == NULL || m->flags == flags)
		return;
	if ((m->flags & IMAP_FLAG_SEEN) && !(flags & IMAP_FLAG_SEEN))
		app->unseen++;
	else if (!(m->flags & IMAP_FLAG_SEEN) && (flags & IMAP_FLAG_SEEN) && app->unseen > 0)
		app->unseen--;
	mindex_set_flags(app->idx, uid, flags);
	app->dirty = true;
}

bool ui_flags_change(struct ui_app *app, uint32_t uid, uint32_t add, uint32_t remove)
{
	const struct mindex_msg *m;
	struct ui_flag_req *r;
	size_t pos;

	if (app->worker == NULL || app->folder == NULL || !mindex_find(app->idx, uid, &pos) ||
	    (m = mindex_get(app->idx, pos)) == NULL)
		return false;
	/* only what changes goes to the server */
	add &= ~m->flags;
	remove &= m->flags;
	if ((add | remove) == 0)
		return true;
	app->flag_reqs = xgrow(app->flag_reqs, &app->cap_flag_reqs, app->n_flag_reqs + 1, sizeof(*app->flag_reqs));
	r = &app->flag_reqs[app->n_flag_reqs++];
	r->open_req = app->open_req;
	r->uid = uid;
	r->mask = add | remove;
	r->before = m->flags & r->mask;
	index_set_flags(app, uid, (m->flags | add) & ~remove);
	r->id = worker_request_flags(app->worker, app->folder, app->uidvalidity, uid, add, remove);
	return true;
}

/* True when a flag change of the same message made after flag_reqs[i] is still under way. */
static bool flags_later_pending(const struct ui_app *app, size_t i)
{
	const struct ui_flag_req *r = &app->flag_reqs[i];

	for (size_t j = i + 1; j < app->n_flag_reqs; j++) {
		if (app->flag_reqs[j].uid == r->uid && app->flag_reqs[j].open_req == r->open_req)
			return true;
	}
	return false;
}

/* Handles a worker message of a flag change; returns false when it belongs to none. */
static bool flags_event(struct ui_app *app, const struct ev_msg *msg)
{
	struct ui_flag_req *r = NULL;
	const struct mindex_msg *m;
	size_t i, pos;
	bool here;

	for (i = 0; i < app->n_flag_reqs && r == NULL; i++) {
		if (app->flag_reqs[i].id == msg->request_id)
			r = &app->flag_reqs[i];
	}
	if (r == NULL || msg->request_id == 0)
		return false;
	i--;
	/* the folder the change was made in is still the one shown */
	here = r->open_req == app->open_req;
	switch (msg->type) {
	case WORKER_EV_FLAGS:
		/* the server's word, unless a later change of the message is still on its way */
		if (here && (uint32_t)msg->a == r->uid && !flags_later_pending(app, i))
			index_set_flags(app, r->uid, (uint32_t)msg->b);
		return true;
	case WORKER_EV_ERROR:
	case WORKER_EV_CANCELLED:
		if (here && mindex_find(app->idx, r->uid, &pos) && (m = mindex_get(app->idx, pos)) != NULL)
			index_set_flags(app, r->uid, (m->flags & ~r->mask) | r->before);
		if (msg->type == WORKER_EV_ERROR)
			ui_error(app, "%s", msg->payload != NULL ? (const char *)msg->payload :
				 _("Cannot change the flags."));
		break;
	case WORKER_EV_DONE:
		break;
	default:
		return true;
	}
	/* the final message: forget the request */
	memmove(&app->flag_reqs[i], &app->flag_reqs[i + 1], (app->n_flag_reqs - i - 1) * sizeof(*app->flag_reqs));
	app->n_flag_reqs--;
	return true;
}

/* toggle-new, flag-message: the message shown in the pager, else the one under the index cursor. */
static void index_toggle_flag(struct ui_app *app, uint32_t flag)
{
	const struct mindex_msg *m = ui_index_current(app);
	uint32_t uid = app->view == UI_VIEW_PAGER && app->pager != NULL ? app->pager->uid : m != NULL ? m->uid : 0;
	size_t pos;

	if (uid == 0 || !mindex_find(app->idx, uid, &pos) || (m = mindex_get(app->idx, pos)) == NULL) {
		ui_error(app, "%s", _("No messages."));
		return;
	}
	if (m->flags & flag)
		ui_flags_change(app, uid, 0, flag);
	else
		ui_flags_change(app, uid, flag, 0);
}

/* Opens a folder: the index is emptied and filled as the worker streams the messages in. */
static void open_folder(struct ui_app *app, const char *name)
{
	if (app->loading && app->open_req != 0)
		worker_cancel(app->worker, app->open_req);
	ui_pager_close(app);
	free(app->folder);
	app->folder = xstrdup(name);
	mindex_reset(app->idx);
	index_free_sort(app);
	app->index_list.cur = app->index_list.top = 0;
	app->cursor_uid = 0;
	app->exists = -1;
	app->loading = true;
	app->open_req = worker_request(app->worker, WORKER_REQ_OPEN, name, 0);
	app->view = UI_VIEW_INDEX;
	free(app->progress);
	app->progress = xstrdup(_("opening"));
	app->dirty = true;
}

/* --- the help screen --- */

static struct keymap_help *help_list;
static size_t help_n;
static struct ui_list help_pos;
static enum ui_view help_return;

static void help_open(struct ui_app *app)
{
	static const enum keymap_view views[] = { KEYMAP_FOLDER, KEYMAP_INDEX, KEYMAP_PAGER, KEYMAP_GENERIC };

	keymap_help_free(&help_list, help_n);
	help_n = keymap_help_list(app->keymap, views[app->view < UI_VIEW_HELP ? app->view : 3], &help_list);
	help_pos.cur = help_pos.top = 0;
	help_pos.count = help_n;
	help_return = app->view;
	app->view = UI_VIEW_HELP;
	app->dirty = true;
}

static void draw_help(struct ui_app *app, int top, int rows)
{
	struct buf line = BUF_INIT;

	ui_list_clamp(&help_pos, rows);
	for (int r = 0; r < rows; r++) {
		size_t i = help_pos.top + (size_t)r;
		buf_reset(&line);
		if (i < help_n) {
			const struct keymap_help *h = &help_list[i];
			buf_appendf(&line, "%-12s %-24s %s", h->keys != NULL ? h->keys : "", h->command,
				    h->description != NULL ? h->description : "");
		}
		ui_draw_text(top + r, 0, app->cols, line.data, line.len,
			     i == help_pos.cur && i < help_n ? app->attr[UI_C_INDICATOR] : app->attr[UI_C_NORMAL]);
	}
	buf_free(&line);
}

/* --- screen --- */

static const char *view_title(const struct ui_app *app)
{
	switch (app->view) {
	case UI_VIEW_FOLDERS: return _("Folders");
	case UI_VIEW_PAGER: return _("Message");
	case UI_VIEW_HELP: return _("Help");
	default: return app->folder != NULL ? app->folder : "";
	}
}

static const char *order_name(const struct ui_app *app)
{
	static const char *const names[] = { [SORT_DATE] = "date", [SORT_ARRIVAL] = "arrival",
		[SORT_THREADS] = "threads", [SORT_FROM] = "from", [SORT_SUBJECT] = "subject", [SORT_SIZE] = "size" };
	return names[app->order];
}

static const char *conn_name(enum worker_conn c)
{
	switch (c) {
	case WORKER_CONN_CONNECTING: return _("connecting");
	case WORKER_CONN_READY: return _("connected");
	case WORKER_CONN_BUSY: return _("busy");
	case WORKER_CONN_FAILED: return _("offline");
	default: return _("idle");
	}
}

static void draw_status(struct ui_app *app, int y)
{
	struct buf s = BUF_INIT;
	size_t total = app->idx != NULL ? mindex_live(app->idx) : 0;

	if (app->view == UI_VIEW_PAGER) {
		buf_appendf(&s, "-- skua: %s -- %s", app->folder != NULL ? app->folder : "", ui_pager_status(app));
	} else {
		buf_appendf(&s, "-- skua: %s", view_title(app));
		if (app->view != UI_VIEW_HELP && app->folder != NULL)
			buf_appendf(&s, " [Msgs:%zu New:%zu] (%s%s)", total, app->unseen,
				    app->reverse ? "reverse-" : "", order_name(app));
	}
	if (app->progress != NULL)
		buf_appendf(&s, " -- %s", app->progress);
	if (app->loading && app->exists > 0)
		buf_appendf(&s, " %zu/%lld", total, (long long)app->exists);
	buf_appendf(&s, " -- %s", conn_name(app->conn));
	if (app->conn_text != NULL && app->conn == WORKER_CONN_FAILED)
		buf_appendf(&s, ": %s", app->conn_text);
	ui_draw_text(y, 0, app->cols, s.data, s.len, app->attr[UI_C_STATUS]);
	buf_free(&s);
}

static void draw_help_line(struct ui_app *app)
{
	const char *text;

	switch (app->view) {
	case UI_VIEW_PAGER:
		text = _("q:Back  j/k:Next/Prev  Space:Page  /:Search  h:Headers  v:Attachments  ^B:URLs  ?:Help");
		break;
	case UI_VIEW_FOLDERS:
		text = _("q:Quit  Enter:Open  j/k:Move  ?:Help");
		break;
	case UI_VIEW_HELP:
		text = _("q:Back  j/k:Move");
		break;
	default:
		text = _("q:Quit  Enter:Open  c:Folder  /:Search  o:Sort  Esc-v:Collapse  ?:Help");
	}
	ui_draw_text(0, 0, app->cols, text, strlen(text), app->attr[UI_C_STATUS]);
}

static void draw(struct ui_app *app)
{
	int rows = ui_main_rows(app), x = 0, cols = app->cols;

	draw_help_line(app);
	switch (app->view) {
	case UI_VIEW_FOLDERS:
		draw_folder_rows(app, 1, rows, 0, app->cols, false);
		break;
	case UI_VIEW_PAGER:
		ui_pager_draw(app, 1, rows);
		break;
	case UI_VIEW_HELP:
		draw_help(app, 1, rows);
		break;
	default:
		if (app->sidebar && app->cols > app->sidebar_width + 20) {
			draw_folder_rows(app, 1, rows, 0, app->sidebar_width, true);
			for (int r = 0; r < rows; r++)
				ui_draw_text(1 + r, app->sidebar_width, 1, "\xe2\x94\x82", 3, app->attr[UI_C_SIDEBAR]);
			x = app->sidebar_width + 1;
			cols = app->cols - x;
		}
		draw_index_rows(app, 1, rows, x, cols);
	}
	draw_status(app, app->rows - 2);
	if (app->prompt != NULL) {
		ui_prompt_draw(app);
	} else {
		curs_set(0);
		leaveok(stdscr, TRUE);
		const char *m = app->message != NULL ? app->message : "";
		ui_draw_text(app->rows - 1, 0, app->cols, m, strlen(m),
			     app->message_is_error ? app->attr[UI_C_ERROR] : app->attr[UI_C_MESSAGE]);
	}
	wnoutrefresh(stdscr);
	doupdate();
	app->dirty = false;
	/* figures for the benchmark (make bench reads them from the -d log) */
	if (app->key_ms != 0) {
		log_debug("ui: key answered in %lld ms", (long long)(ev_now_ms() - app->key_ms));
		app->key_ms = 0;
	}
	if (!app->first_screen_logged && app->index_list.count > 0 && app->view == UI_VIEW_INDEX) {
		app->first_screen_logged = true;
		log_info("ui: first screen drawn with %zu messages", app->index_list.count);
	}
}

static void ui_resize(struct ui_app *app)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	app->rows = LINES;
	app->cols = COLS;
	erase();
	ui_list_clamp(&app->index_list, ui_main_rows(app));
	ui_list_clamp(&app->folder_list, ui_main_rows(app));
	if (app->view == UI_VIEW_PAGER)
		ui_pager_resize(app);
	app->dirty = true;
}

static void ui_suspend(struct ui_app *app)
{
	def_prog_mode();
	endwin();
	kill(getpid(), SIGSTOP);
	/* continued */
	reset_prog_mode();
	ui_resize(app);
	clearok(curscr, TRUE);
}

/* --- commands --- */

static const char *const sort_names[] = { "date", "arrival", "threads", "from", "subject", "size" };

static void sort_done(struct ui_app *app, const char *text, void *ctx)
{
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
		/* one letter, as mutt's prompt: (d)ate (a)rrival (t)hreads (f)rom (s)ubject si(z)e */
		static const char letters[] = "datfsz";
		const char *p = name[0] != '\0' && name[1] == '\0' ? strchr(letters, name[0]) : NULL;
		if (p == NULL) {
			ui_error(app, _("Unknown sort order: %s"), text);
			return;
		}
		order = (enum sort_order)0;
		sort_order_parse(sort_names[p - letters], &order);
	}
	app->order = order;
	app->reverse = reverse;
	index_sort(app);
	ui_message(app, _("Sorted by %s%s."), reverse ? "reverse-" : "", order_name(app));
}

static void folder_done(struct ui_app *app, const char *text, void *ctx)
{
	(void)ctx;
	if (*text != '\0')
		open_folder(app, text);
}

static void command_done(struct ui_app *app, const char *text, void *ctx)
{
	(void)ctx;
	if (*text != '\0')
		ui_run_command_line(app, text);
}

static void select_entry(struct ui_app *app)
{
	if (app->view == UI_VIEW_FOLDERS) {
		if (app->folder_list.cur < app->n_folders)
			open_folder(app, app->folders[app->folder_list.cur]->name);
	} else if (app->view == UI_VIEW_INDEX) {
		const struct mindex_msg *m = ui_index_current(app);
		if (m == NULL) {
			ui_error(app, "%s", _("No messages."));
			return;
		}
		index_remember_cursor(app);
		ui_pager_open(app, m);
	}
}

static struct ui_list *current_list(struct ui_app *app)
{
	switch (app->view) {
	case UI_VIEW_FOLDERS: return &app->folder_list;
	case UI_VIEW_INDEX: return &app->index_list;
	case UI_VIEW_HELP: return &help_pos;
	default: return NULL;
	}
}

/* Runs one command (a function name with its arguments). Returns 0, or -1 after showing an error. */
static int run_command_in_view(struct ui_app *app, const char *name, const char *args);

/* Runs one command. In the pager, an index movement the pager does not handle itself (next unread,
 * next thread...) shows the message it lands on. */
static int run_command(struct ui_app *app, const char *name, const char *args)
{
	const struct mindex_msg *m;
	uint32_t before;
	int ret;

	app->dirty = true;
	if (app->view != UI_VIEW_PAGER)
		return run_command_in_view(app, name, args);
	if (ui_pager_command(app, name, args))
		return 0;
	m = ui_index_current(app);
	before = m != NULL ? m->uid : 0;
	ret = run_command_in_view(app, name, args);
	m = ui_index_current(app);
	if (ret == 0 && app->view == UI_VIEW_PAGER && m != NULL && m->uid != before)
		ui_pager_open(app, m);
	return ret;
}

static int run_command_in_view(struct ui_app *app, const char *name, const char *args)
{
	struct ui_list *list;

	if (strcmp(name, "quit") == 0) {
		if (app->view == UI_VIEW_HELP) {
			app->view = help_return;
			return 0;
		}
		app->quit = true;
		return 0;
	}
	if (strcmp(name, "exit") == 0) {
		if (app->view == UI_VIEW_HELP || app->view == UI_VIEW_PAGER) {
			app->view = app->view == UI_VIEW_HELP ? help_return : UI_VIEW_INDEX;
			return 0;
		}
		if (app->view == UI_VIEW_FOLDERS && app->folder != NULL) {
			app->view = UI_VIEW_INDEX;
			return 0;
		}
		app->quit = true;
		return 0;
	}
	if ((list = current_list(app)) != NULL && ui_list_move(list, name, ui_main_rows(app))) {
		if (list == &app->index_list)
			index_remember_cursor(app);
		return 0;
	}
	if (strcmp(name, "select-entry") == 0 || strcmp(name, "display-message") == 0) {
		select_entry(app);
	} else if (strcmp(name, "change-folder") == 0 || strcmp(name, "open") == 0) {
		if (args != NULL && *args != '\0')
			open_folder(app, args);
		else
			ui_prompt_open(app, _("Open folder: "), NULL, folder_done, NULL);
	} else if (strcmp(name, "folders") == 0 || strcmp(name, "folder-list") == 0) {
		app->view = UI_VIEW_FOLDERS;
	} else if (strcmp(name, "sidebar-toggle") == 0 || strcmp(name, "toggle-sidebar") == 0) {
		app->sidebar = !app->sidebar;
	} else if (strcmp(name, "sort-mailbox") == 0 || strcmp(name, "sort") == 0) {
		if (args != NULL && *args != '\0')
			sort_done(app, args, NULL);
		else
			ui_prompt_open(app, _("Sort by (d)ate (a)rrival (t)hreads (f)rom (s)ubject si(z)e, - to reverse: "),
				       NULL, sort_done, NULL);
	} else if (strcmp(name, "collapse-thread") == 0) {
		index_collapse_thread(app);
	} else if (strcmp(name, "collapse-all") == 0) {
		index_collapse_all(app);
	} else if (strcmp(name, "toggle-new") == 0) {
		index_toggle_flag(app, IMAP_FLAG_SEEN);
	} else if (strcmp(name, "flag-message") == 0) {
		index_toggle_flag(app, IMAP_FLAG_FLAGGED);
	} else if (strcmp(name, "next-unread") == 0) {
		index_next_unread(app);
	} else if (strcmp(name, "next-thread") == 0 || strcmp(name, "previous-thread") == 0) {
		index_next_thread(app, name[0] == 'n' ? 1 : -1);
	} else if (strcmp(name, "search") == 0 || strcmp(name, "search-reverse") == 0) {
		if (args != NULL && *args != '\0')
			index_search_done(app, args, name[6] == '-' ? app : NULL);
		else
			ui_prompt_open(app, name[6] == '-' ? _("Reverse search for: ") : _("Search for: "), NULL,
				       index_search_done, name[6] == '-' ? app : NULL);
	} else if (strcmp(name, "search-next") == 0) {
		index_search(app, index_search_back);
	} else if (strcmp(name, "search-opposite") == 0) {
		index_search(app, !index_search_back);
	} else if (strcmp(name, "enter-command") == 0) {
		ui_prompt_open(app, ":", NULL, command_done, NULL);
	} else if (strcmp(name, "help") == 0) {
		help_open(app);
	} else if (strcmp(name, "redraw-screen") == 0) {
		clearok(curscr, TRUE);
	} else if (strcmp(name, "noop") == 0) {
		/* nothing */
	} else if (strcmp(name, "bind") == 0 || strcmp(name, "macro") == 0 || strcmp(name, "unbind") == 0) {
		const char *error;
		char *line = xasprintf("%s %s", name, args != NULL ? args : "");
		int ret = keymap_parse_line(app->keymap, line, strlen(line), &error);
		free(line);
		if (ret < 0) {
			ui_error(app, "%s", error);
			return -1;
		}
	} else if (keymap_function_find(name) != NULL) {
		ui_error(app, _("%s is not available yet."), name);
		return -1;
	} else {
		ui_error(app, _("Unknown command: %s"), name);
		return -1;
	}
	return 0;
}

int ui_run_command_line(struct ui_app *app, const char *line)
{
	char *copy = xstrdup(line), *p = copy;
	int ret = 0;

	while (p != NULL && ret == 0) {
		char *next = strchr(p, ';'), *name, *args;
		if (next != NULL)
			*next++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		name = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		args = p;
		for (char *e = args + strlen(args); e > args && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		if (*name != '\0')
			ret = run_command(app, name, args);
		p = next;
	}
	free(copy);
	return ret;
}

/* --- keys --- */

static enum keymap_view keymap_view_of(const struct ui_app *app)
{
	switch (app->view) {
	case UI_VIEW_FOLDERS: return KEYMAP_FOLDER;
	case UI_VIEW_PAGER: return KEYMAP_PAGER;
	case UI_VIEW_HELP: return KEYMAP_GENERIC;
	default: return KEYMAP_INDEX;
	}
}

static void run_binding(struct ui_app *app, const struct keymap_binding *b)
{
	for (size_t i = 0; i < b->n_commands && !app->quit; i++) {
		if (ui_run_command_line(app, b->commands[i]) < 0)
			break;
	}
}

static void key_timer_cb(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	struct ui_app *app = ctx;
	const struct keymap_binding *b = NULL;

	(void)loop;
	(void)timer;
	if (app->n_keys > 0 && keymap_lookup(app->keymap, keymap_view_of(app), app->keys, app->n_keys, &b) !=
	    KEYMAP_NONE && b != NULL) {
		app->n_keys = 0;
		run_binding(app, b);
	}
	app->n_keys = 0;
	app->dirty = true;
}

static void cancel_current(struct ui_app *app)
{
	if (app->view == UI_VIEW_PAGER && app->pager != NULL && app->pager->req != 0) {
		worker_cancel(app->worker, app->pager->req);
		ui_message(app, "%s", _("Cancelling…"));
	} else if (app->loading && app->open_req != 0) {
		worker_cancel(app->worker, app->open_req);
		ui_message(app, "%s", _("Cancelling…"));
	} else {
		ui_message(app, "%s", _("Nothing to cancel."));
	}
}

static void handle_key(struct ui_app *app, uint32_t key)
{
	const struct keymap_binding *b = NULL;
	enum keymap_result r;

	if (app->key_ms == 0)
		app->key_ms = ev_now_ms();
	app->dirty = true;
	if (app->prompt != NULL) {
		ui_prompt_key(app, key);
		return;
	}
	if (app->message != NULL) {
		free(app->message);
		app->message = NULL;
		app->dirty = true;
	}
	if (key == 3) { /* ^C */
		app->n_keys = 0;
		cancel_current(app);
		return;
	}
	if (key == 26) { /* ^Z */
		app->n_keys = 0;
		ui_suspend(app);
		return;
	}
	if (app->n_keys == KEYMAP_MAX_SEQ)
		app->n_keys = 0;
	app->keys[app->n_keys++] = key;
	r = keymap_lookup(app->keymap, keymap_view_of(app), app->keys, app->n_keys, &b);
	if (r == KEYMAP_PREFIX) {
		ev_timer_restart(app->key_timer, UI_KEY_TIMEOUT_MS);
		return;
	}
	ev_timer_stop(app->key_timer);
	if (r == KEYMAP_MATCH) {
		app->n_keys = 0;
		run_binding(app, b);
		return;
	}
	if (app->n_keys > 1) {
		/* an unbound continuation of a prefix: run the prefix's own binding, then this key */
		app->n_keys--;
		if (keymap_lookup(app->keymap, keymap_view_of(app), app->keys, app->n_keys, &b) != KEYMAP_NONE &&
		    b != NULL) {
			app->n_keys = 0;
			run_binding(app, b);
			handle_key(app, key);
			return;
		}
	}
	app->n_keys = 0;
	ui_error(app, "%s", _("Key is not bound.  Press '?' for help."));
}

static uint32_t map_key(int ret, wint_t ch, bool *resize_r)
{
	*resize_r = false;
	if (ret == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return KEYMAP_KEY_UP;
		case KEY_DOWN: return KEYMAP_KEY_DOWN;
		case KEY_LEFT: return KEYMAP_KEY_LEFT;
		case KEY_RIGHT: return KEYMAP_KEY_RIGHT;
		case KEY_PPAGE: return KEYMAP_KEY_PAGEUP;
		case KEY_NPAGE: return KEYMAP_KEY_PAGEDOWN;
		case KEY_HOME: return KEYMAP_KEY_HOME;
		case KEY_END: return KEYMAP_KEY_END;
		case KEY_IC: return KEYMAP_KEY_INSERT;
		case KEY_DC: return KEYMAP_KEY_DELETE;
		case KEY_BACKSPACE: return KEYMAP_KEY_BACKSPACE;
		case KEY_BTAB: return KEYMAP_KEY_BACKTAB;
		case KEY_ENTER: return KEYMAP_KEY_ENTER;
		case KEY_RESIZE: *resize_r = true; return 0;
		default:
			if (ch >= KEY_F(1) && ch <= KEY_F(KEYMAP_MAX_F))
				return KEYMAP_KEY_F(ch - KEY_F0);
			return 0;
		}
	}
	if (ch == '\n' || ch == '\r')
		return KEYMAP_KEY_ENTER;
	if (ch == 127 || ch == 8)
		return KEYMAP_KEY_BACKSPACE;
	return (uint32_t)ch;
}

static void tty_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct ui_app *app = ctx;
	wint_t ch;
	int ret;

	(void)loop;
	(void)io;
	(void)fd;
	if (revents & EV_ERROR) {
		app->quit = true; /* the terminal went away */
		return;
	}
	while (!app->quit && (ret = wget_wch(stdscr, &ch)) != ERR) {
		bool resize;
		uint32_t key = map_key(ret, ch, &resize);

		if (resize)
			ui_resize(app);
		else if (key != 0)
			handle_key(app, key);
	}
}

/* --- worker messages --- */

static void handle_batch(struct ui_app *app, const struct worker_batch *batch)
{
	struct hcache_msg m;
	size_t off = 0;

	while (worker_batch_next(batch, &off, &m))
		mindex_add(app->idx, &m);
	index_resort_soon(app);
}

static void start_commands_due(struct ui_app *app)
{
	if (app->start_folder_pending) {
		app->start_folder_pending = false;
		app->start_cmds_done = false;
	}
}

static void handle_msg(struct ui_app *app, struct ev_msg *msg)
{
	app->dirty = true;
	switch (msg->type) {
	case WORKER_EV_STATUS:
		app->conn = (enum worker_conn)msg->a;
		free(app->conn_text);
		app->conn_text = msg->payload != NULL ? xstrdup(msg->payload) : NULL;
		return;
	case WORKER_EV_ALERT:
		ui_error(app, "[ALERT] %s", msg->payload != NULL ? (const char *)msg->payload : "");
		return;
	default:
		break;
	}
	if (msg->request_id != 0 && msg->request_id == app->folders_req) {
		if (msg->type == WORKER_EV_FOLDER && msg->payload != NULL) {
			app->folders = xrealloc(app->folders, (app->n_folders + 1) * sizeof(*app->folders));
			app->folders[app->n_folders++] = msg->payload;
			msg->payload = NULL;
			msg->payload_free = NULL;
			app->folder_list.count = app->n_folders;
		} else if (msg->type >= WORKER_EV_DONE) {
			/* sorted once, at the end: thousands of folders would make sorting per folder slow */
			qsort(app->folders, app->n_folders, sizeof(*app->folders), folder_cmp);
			if (msg->type == WORKER_EV_ERROR)
				ui_error(app, "%s", msg->payload != NULL ? (const char *)msg->payload :
					 _("cannot list folders"));
			app->folders_req = 0;
		}
		return;
	}
	if (msg->request_id != 0 && msg->request_id == app->open_req) {
		switch (msg->type) {
		case WORKER_EV_MAILBOX:
			app->uidvalidity = (uint32_t)msg->a;
			app->exists = msg->b;
			break;
		case WORKER_EV_MSGS:
			handle_batch(app, msg->payload);
			break;
		case WORKER_EV_RESET:
			mindex_reset(app->idx);
			index_free_sort(app);
			break;
		case WORKER_EV_PROGRESS:
			break;
		case WORKER_EV_DONE:
			app->loading = false;
			free(app->progress);
			app->progress = NULL;
			index_sort_as(app, true); /* only additions since the last sort */
			log_info("ui: %s loaded, %zu messages, longest loop turn %lld ms", app->folder,
				 mindex_live(app->idx), (long long)app->longest_turn_ms);
			start_commands_due(app);
			break;
		case WORKER_EV_ERROR:
			app->loading = false;
			free(app->progress);
			app->progress = NULL;
			ui_error(app, "%s", msg->payload != NULL ? (const char *)msg->payload : _("cannot open the folder"));
			index_sort_as(app, true);
			start_commands_due(app);
			break;
		case WORKER_EV_CANCELLED:
			app->loading = false;
			free(app->progress);
			app->progress = NULL;
			ui_message(app, "%s", _("Cancelled."));
			index_sort_as(app, true);
			start_commands_due(app);
			break;
		default:
			break;
		}
		return;
	}
	if (flags_event(app, msg))
		return;
	ui_pager_event(app, msg);
}

static void queue_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct ui_app *app = ctx;
	struct ev_msg msgs[UI_QUEUE_BATCH];
	size_t n;

	(void)loop;
	(void)io;
	(void)fd;
	(void)revents;
	int64_t t0 = ev_now_ms();

	n = ev_queue_pop_many(app->queue, msgs, UI_QUEUE_BATCH);
	for (size_t i = 0; i < n; i++) {
		handle_msg(app, &msgs[i]);
		ev_msg_drop(&msgs[i]);
	}
	app->turn_busy_ms += ev_now_ms() - t0;
}

static void signal_cb(struct ev_loop *loop, int signo, void *ctx)
{
	struct ui_app *app = ctx;

	(void)loop;
	if (signo == SIGWINCH)
		ui_resize(app);
	else if (signo == SIGCONT)
		ui_resize(app), clearok(curscr, TRUE);
	else
		app->quit = true; /* SIGTERM, SIGHUP */
}

/* --- set-up --- */

static short color_number(const char *name)
{
	static const char *const names[] = { "black", "red", "green", "yellow", "blue", "magenta", "cyan",
					     "white" };
	char *end;

	if (strcmp(name, "default") == 0)
		return -1;
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strcmp(name, names[i]) == 0)
			return (short)i;
		if (strncmp(name, "bright", 6) == 0 && strcmp(name + 6, names[i]) == 0)
			return (short)(i + 8);
	}
	if (strncmp(name, "color", 5) == 0) {
		long n = strtol(name + 5, &end, 10);
		if (*end == '\0' && end != name + 5 && n >= 0 && n < 256)
			return (short)n;
	}
	return -2;
}

static const char *const color_roles[UI_C_COUNT] = {
	[UI_C_NORMAL] = "normal", [UI_C_INDICATOR] = "indicator", [UI_C_STATUS] = "status",
	[UI_C_ERROR] = "error", [UI_C_MESSAGE] = "message", [UI_C_NEW] = "index-new",
	[UI_C_FLAGGED] = "index-flagged", [UI_C_DELETED] = "index-deleted", [UI_C_TREE] = "tree",
	[UI_C_HEADER] = "header", [UI_C_HEADER_NAME] = "hdrdefault", [UI_C_QUOTED1] = "quoted",
	[UI_C_QUOTED2] = "quoted1", [UI_C_QUOTED3] = "quoted2", [UI_C_SIGNATURE] = "signature",
	[UI_C_URL] = "url", [UI_C_SEARCH] = "search", [UI_C_SIDEBAR] = "sidebar",
	[UI_C_SIDEBAR_ROLE] = "sidebar-role", [UI_C_MARKER] = "markers",
};

static void set_color(struct ui_app *app, enum ui_color role, short fg, short bg, int extra)
{
	if (app->has_colors && COLOR_PAIRS > (int)role + 1 && fg < COLORS && bg < COLORS) {
		init_pair((short)(role + 1), fg, bg);
		app->attr[role] = (int)COLOR_PAIR(role + 1) | extra;
	} else {
		app->attr[role] = extra;
	}
}

static void default_colors(struct ui_app *app)
{
	for (int i = 0; i < UI_C_COUNT; i++)
		app->attr[i] = A_NORMAL;
	set_color(app, UI_C_NORMAL, -1, -1, 0);
	app->attr[UI_C_INDICATOR] = A_REVERSE;
	app->attr[UI_C_STATUS] = A_REVERSE;
	set_color(app, UI_C_ERROR, COLOR_RED, -1, A_BOLD);
	set_color(app, UI_C_MESSAGE, -1, -1, 0);
	app->attr[UI_C_NEW] = A_BOLD;
	set_color(app, UI_C_FLAGGED, COLOR_RED, -1, A_BOLD);
	set_color(app, UI_C_DELETED, COLOR_YELLOW, -1, 0);
	set_color(app, UI_C_TREE, COLOR_MAGENTA, -1, 0);
	set_color(app, UI_C_HEADER, -1, -1, 0);
	app->attr[UI_C_HEADER_NAME] = A_BOLD;
	set_color(app, UI_C_QUOTED1, COLOR_CYAN, -1, 0);
	set_color(app, UI_C_QUOTED2, COLOR_YELLOW, -1, 0);
	set_color(app, UI_C_QUOTED3, COLOR_GREEN, -1, 0);
	app->attr[UI_C_SIGNATURE] = A_DIM;
	set_color(app, UI_C_URL, COLOR_BLUE, -1, A_UNDERLINE);
	app->attr[UI_C_SEARCH] = A_REVERSE | A_BOLD;
	set_color(app, UI_C_SIDEBAR, -1, -1, 0);
	set_color(app, UI_C_SIDEBAR_ROLE, COLOR_CYAN, -1, 0);
	set_color(app, UI_C_MARKER, COLOR_CYAN, -1, A_BOLD);
}

/* color ROLE FG [BG] [bold|underline|reverse|dim]... */
static int apply_color_line(struct ui_app *app, const char *line, const char **error_r)
{
	char *copy = xstrdup(line), *save = NULL, *word[8];
	size_t n = 0;
	int extra = 0, role = -1, ret = -1;
	short fg = -1, bg = -1;

	for (char *w = strtok_r(copy, " \t", &save); w != NULL && n < N_ELEMENTS(word); w = strtok_r(NULL, " \t", &save))
		word[n++] = w;
	if (n < 3) {
		*error_r = _("color needs a role and a colour");
		goto out;
	}
	for (int i = 0; i < UI_C_COUNT; i++) {
		if (strcmp(word[1], color_roles[i]) == 0)
			role = i;
	}
	if (role < 0) {
		*error_r = errstr(_("unknown colour role \"%s\""), word[1]);
		goto out;
	}
	for (size_t i = 2; i < n; i++) {
		short c;
		if (strcmp(word[i], "bold") == 0) {
			extra |= A_BOLD;
		} else if (strcmp(word[i], "underline") == 0) {
			extra |= A_UNDERLINE;
		} else if (strcmp(word[i], "reverse") == 0) {
			extra |= A_REVERSE;
		} else if (strcmp(word[i], "dim") == 0) {
			extra |= A_DIM;
		} else if ((c = color_number(word[i])) >= -1 && i <= 3) {
			if (i == 2)
				fg = c;
			else
				bg = c;
		} else {
			*error_r = errstr(_("unknown colour \"%s\""), word[i]);
			goto out;
		}
	}
	set_color(app, (enum ui_color)role, fg, bg, extra);
	ret = 0;
out:
	free(copy);
	return ret;
}

static int apply_config(struct ui_app *app, const char **error_r)
{
	for (size_t i = 0; i < app->cfg->n_ui_lines; i++) {
		const struct cfg_ui_line *l = &app->cfg->ui_lines[i];
		const char *error;
		int ret = strncmp(l->text, "color", 5) == 0 ?
			apply_color_line(app, l->text, &error) :
			keymap_parse_line(app->keymap, l->text, strlen(l->text), &error);
		if (ret < 0) {
			*error_r = errstr("%s:%d: %s", l->file, l->line, error);
			return -1;
		}
	}
	return 0;
}

static void ui_app_free(struct ui_app *app)
{
	worker_stop(&app->worker);
	ev_io_remove(&app->queue_io);
	ev_io_remove(&app->tty_io);
	ev_timer_remove(&app->key_timer);
	ev_timer_remove(&app->sort_timer);
	ev_loop_free(&app->loop);
	ev_queue_free(&app->queue);
	ui_pager_close(app);
	ui_prompt_free(app);
	folders_clear(app);
	index_free_sort(app);
	mindex_free(&app->idx);
	keymap_free(&app->keymap);
	format_free(&app->index_format);
	keymap_help_free(&help_list, help_n);
	help_n = 0;
	free(index_search_text);
	index_search_text = NULL;
	free(app->flag_reqs);
	free(app->folder);
	free(app->conn_text);
	free(app->message);
	free(app->progress);
}

/* Logs when the process started, in the log's own clock, so that "first screen drawn" can be timed
 * from exec (make bench does). */
static void log_process_start(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char line[1024], *p;
	unsigned long long start_ticks = 0;
	struct timespec boot, real;
	long hz = sysconf(_SC_CLK_TCK);

	if (f == NULL)
		return;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	if (p == NULL || (p = strrchr(line, ')')) == NULL || hz <= 0)
		return;
	/* after the command name: fields 3 (state) ... 22 (starttime) */
	for (int field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &start_ticks) != 1)
		return;
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_REALTIME, &real);
	{
		double ago = (double)boot.tv_sec + boot.tv_nsec / 1e9 - (double)start_ticks / (double)hz;
		double start = (double)real.tv_sec + real.tv_nsec / 1e9 - ago;
		log_info("ui: process started at %.3f", start);
	}
}

int ui_main(struct cfg *cfg, const struct cfg_account *acct, struct hcache *hc, const struct ui_start *start,
	    const char **error_r)
{
	static const int signals[] = { SIGWINCH, SIGCONT, SIGTERM, SIGHUP };
	struct ui_app app;
	SCREEN *screen;
	const char *error;
	int ret = 0;

	log_process_start();
	memset(&app, 0, sizeof(app));
	app.cfg = cfg;
	app.acct = acct;
	app.hc = hc;
	app.exists = -1;
	app.sidebar = cfg->sidebar;
	app.sidebar_width = cfg->sidebar_width > 0 ? cfg->sidebar_width : UI_DEFAULT_SIDEBAR_WIDTH;
	app.keymap = keymap_new(true);
	app.idx = mindex_new();
	app.start_cmds = start->commands;
	app.n_start_cmds = start->n_commands;
	app.start_folder_pending = true;
	app.start_cmds_done = true;
	if (cfg->sort == NULL || sort_order_parse(cfg->sort, &app.order) < 0)
		app.order = SORT_DATE;
	if (format_compile(cfg->index_format != NULL ? cfg->index_format : UI_DEFAULT_INDEX_FORMAT, &app.index_format,
			   &error) < 0) {
		*error_r = errstr("%s: index-format: %s", cfg->path, error);
		ui_app_free(&app);
		return -1;
	}
	if ((app.queue = ev_queue_new(UI_QUEUE_MAX, error_r)) == NULL) {
		ui_app_free(&app);
		return -1;
	}
	/* key and colour lines are checked before the screen is taken over */
	if (apply_config(&app, error_r) < 0) {
		ui_app_free(&app);
		return -1;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*error_r = _("the full-screen interface needs a terminal (see skua --help for commands)");
		ui_app_free(&app);
		return -1;
	}
	if (worker_start(acct, 1, hc, app.queue, &app.worker, error_r) < 0) {
		ui_app_free(&app);
		return -1;
	}
	/* the start folder first (it is what the user waits for), then the folder list */
	app.loop = ev_loop_new();
	open_folder(&app, start->folder != NULL ? start->folder : "INBOX");
	app.folders_req = worker_request(app.worker, WORKER_REQ_FOLDERS, NULL, 0);

	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	screen = newterm(NULL, stdout, stdin);
	if (screen == NULL) {
		*error_r = errstr(_("cannot use the terminal (TERM=%s)"), getenv("TERM") != NULL ? getenv("TERM") : "");
		ui_app_free(&app);
		return -1;
	}
	set_term(screen);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	app.has_colors = has_colors();
	if (app.has_colors) {
		start_color();
		use_default_colors();
	}
	default_colors(&app);
	(void)apply_config(&app, &error); /* again: colours need the screen */
	app.rows = LINES;
	app.cols = COLS;

	for (size_t i = 0; i < N_ELEMENTS(signals); i++) {
		if (ev_signal_catch(app.loop, signals[i], signal_cb, &app, &error) < 0)
			log_warn("%s", error);
	}
	app.tty_io = ev_io_add(app.loop, STDIN_FILENO, EV_READ, tty_cb, &app);
	app.queue_io = ev_io_add(app.loop, ev_queue_fd(app.queue), EV_READ, queue_cb, &app);
	app.key_timer = ev_timer_add(app.loop, UI_KEY_TIMEOUT_MS, false, key_timer_cb, &app);
	ev_timer_stop(app.key_timer);
	app.sort_timer = ev_timer_add(app.loop, UI_RESORT_INTERVAL_MS, false, sort_timer_cb, &app);
	ev_timer_stop(app.sort_timer);
	app.dirty = true;

	while (!app.quit) {
		/* how long the keyboard could have waited: the work of one loop turn */
		int64_t t0 = ev_now_ms(), wait = -1;

		/* while a folder streams in, the screen is redrawn at most every UI_FRAME_MS (a key is
		 * answered at once) */
		if (app.dirty && app.loading && app.key_ms == 0 && app.prompt == NULL &&
		    t0 - app.last_draw_ms < UI_FRAME_MS && app.first_screen_logged)
			wait = UI_FRAME_MS - (t0 - app.last_draw_ms);
		else if (app.dirty)
			draw(&app), app.last_draw_ms = ev_now_ms();
		app.turn_busy_ms += ev_now_ms() - t0;
		if (app.turn_busy_ms > app.longest_turn_ms)
			app.longest_turn_ms = app.turn_busy_ms;
		app.turn_busy_ms = 0;
		/* -e commands run once the start folder is loaded and drawn */
		if (!app.start_cmds_done && !app.dirty) {
			app.start_cmds_done = true;
			for (size_t i = 0; i < app.n_start_cmds && !app.quit; i++)
				ui_run_command_line(&app, app.start_cmds[i]);
			continue;
		}
		if (ev_loop_run_once(app.loop, (int)wait) < 0 && errno != EINTR) {
			*error_r = errstr("poll: %s", strerror(errno));
			ret = -1;
			break;
		}
	}
	endwin();
	delscreen(screen);
	ui_app_free(&app);
	return ret;
}
