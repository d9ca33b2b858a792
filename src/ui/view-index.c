/* view-index.c: the index view: a line per message (or thread) of the open mailbox, the sidebar
 * beside it, at the bottom of the view stack. */
#include "skua.h"
#include "ui-int.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

struct ui_index {
	struct ui_mailbox *mb;
	struct buf line, tree;       /* scratch for drawing */
};

static struct ui_index *ui_index_of(const struct ui_app *app)
{
	return app->index != NULL ? app->index->data : NULL;
}

struct ui_mailbox *ui_index_mailbox(const struct ui_app *app)
{
	struct ui_index *ix = ui_index_of(app);

	return ix != NULL ? ix->mb : NULL;
}

static const char *ui_index_str(const struct ui_mailbox *mb, mindex_id id, size_t *len_r)
{
	size_t len = 0;
	const char *s = mindex_str(mb->shown, id, &len);

	*len_r = s != NULL ? len : 0;
	return s;
}

static void ui_index_draw_row(struct ui_app *app, struct ui_list *l, size_t i, int y, int x, int cols, bool selected)
{
	struct ui_index *ix = ui_index_of(app);
	struct ui_mailbox *mb = ix->mb;
	const struct mindex_msg *m = ui_mailbox_row(mb, i);
	char *from_name = NULL, *from_addr = NULL, *to_name = NULL, *to_addr = NULL, *subject = NULL;
	int attr = app->attr[UI_C_NORMAL];
	struct format_msg fm;
	const char *raw;
	size_t len;

	(void)l;
	if (m == NULL) {
		ui_draw_text(y, x, cols, "", 0, attr);
		return;
	}
	buf_reset(&ix->line);
	memset(&fm, 0, sizeof(fm));
	fm.number = i + 1;
	fm.flags = m->flags & 0x3f;
	if (m->hints & HCACHE_HINT_ATTACHMENT)
		fm.flags |= FORMAT_ATTACHMENT;
	if (imap_uidset_contains(&mb->tagged, m->uid))
		fm.flags |= FORMAT_TAGGED;
	fm.date = m->date;
	fm.size = m->size;
	fm.lines = -1;
	if ((raw = ui_index_str(mb, m->from, &len)) != NULL) {
		from_name = mime_address_display(raw, len, true);
		from_addr = mime_address_display(raw, len, false);
	}
	if ((raw = ui_index_str(mb, m->to, &len)) != NULL) {
		to_name = mime_address_display(raw, len, true);
		to_addr = mime_address_display(raw, len, false);
	}
	if ((raw = ui_index_str(mb, m->subject, &len)) != NULL)
		subject = mime_decode_text(raw, len);
	fm.from_name = from_name;
	fm.from_addr = from_addr;
	fm.to_name = to_name;
	fm.to_addr = to_addr;
	fm.subject = subject != NULL ? subject : "";
	fm.list_id = ui_index_str(mb, m->list_id, &len);
	buf_reset(&ix->tree);
	if (mb->tree_parent != NULL) {
		size_t li = ui_mailbox_row_line(mb, i);
		format_tree_line(&ix->tree, mb->tree_parent, mb->tree_more, li, false);
		if (mb->lines[li].flags & SORT_LINE_COLLAPSED)
			buf_appendf(&ix->tree, "(+%u) ", mb->lines[li].descendants);
	}
	fm.tree = ix->tree.data != NULL ? ix->tree.data : "";
	format_line(app->index_format, &fm, NULL, (size_t)cols, &ix->line);
	if (m->flags & IMAP_FLAG_DELETED)
		attr = app->attr[UI_C_DELETED];
	else if (m->flags & IMAP_FLAG_FLAGGED)
		attr = app->attr[UI_C_FLAGGED];
	else if (!(m->flags & IMAP_FLAG_SEEN))
		attr = app->attr[UI_C_NEW];
	if (selected)
		attr = app->attr[UI_C_INDICATOR];
	attrset(attr);
	mvaddstr(y, x, ix->line.data != NULL ? ix->line.data : "");
	attrset(A_NORMAL);
	free(from_name);
	free(from_addr);
	free(to_name);
	free(to_addr);
	free(subject);
}

/* Whether the subject or the sender contains needle (ASCII letters case-insensitively); encoded words
 * (RFC 2047) are decoded first, so that a search for "Köln" finds =?UTF-8?Q?K=C3=B6ln?=. */
static bool ui_index_field_matches(const char *raw, size_t len, bool address, const char *needle)
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

static bool ui_index_match(struct ui_app *app, struct ui_list *l, size_t i, const char *needle)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);
	const struct mindex_msg *m = ui_mailbox_row(mb, i);
	const char *s;
	size_t len;

	(void)l;
	if (m == NULL)
		return false;
	s = ui_index_str(mb, m->subject, &len);
	if (ui_index_field_matches(s, len, false, needle))
		return true;
	s = ui_index_str(mb, m->from, &len);
	return ui_index_field_matches(s, len, true, needle);
}

static void ui_index_select(struct ui_app *app, struct ui_list *l, size_t i)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);
	const struct mindex_msg *m = ui_mailbox_row(mb, i);
	struct ui_msgref ref;

	(void)l;
	if (m == NULL) {
		ui_error(app, "%s", _("No messages."));
		return;
	}
	ui_mailbox_remember_cursor(mb);
	ui_mailbox_ref(mb, m, &ref);
	ui_pager_open(app, &ref);
}

void ui_index_moved(struct ui_app *app)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);
	const struct mindex_msg *m;
	struct ui_msgref ref;

	if (mb == NULL)
		return;
	ui_mailbox_remember_cursor(mb);
	if ((m = ui_mailbox_current(mb)) == NULL)
		return;
	ui_mailbox_ref(mb, m, &ref);
	ui_view_follow(app, app->index, &ref);
}

static void ui_index_list_moved(struct ui_app *app, struct ui_list *l)
{
	(void)l;
	ui_index_moved(app);
}

static const struct ui_list_ops ui_index_list_ops = {
	.draw_row = ui_index_draw_row,
	.match = ui_index_match,
	.select = ui_index_select,
	.moved = ui_index_list_moved,
};

bool ui_index_step(struct ui_app *app, int dir)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);
	struct ui_list *l;

	if (mb == NULL)
		return false;
	l = &mb->list;
	if (dir > 0 && l->cur + 1 < l->count)
		l->cur++;
	else if (dir < 0 && l->cur > 0)
		l->cur--;
	else
		return false;
	ui_list_clamp(l, ui_main_rows(app));
	ui_index_moved(app);
	return true;
}

void ui_index_push(struct ui_app *app)
{
	app->index = ui_view_push(app, &ui_view_index_type, xcalloc(1, sizeof(struct ui_index)));
}

void ui_index_open(struct ui_app *app, uint32_t account, const char *name)
{
	struct ui_index *ix = ui_index_of(app);
	enum sort_order order = SORT_DATE;
	bool reverse = false;
	char *own;

	if (ix == NULL)
		return;
	ui_view_pop_above(app, app->index);
	if (ix->mb != NULL) {
		order = ix->mb->order;
		reverse = ix->mb->reverse;
	} else if (app->cfg->sort == NULL || sort_order_parse(app->cfg->sort, &order) < 0) {
		order = SORT_DATE;
	}
	own = xstrdup(name); /* name may be the closing mailbox's own */
	ui_mailbox_free(app, &ix->mb);
	ix->mb = ui_mailbox_open(app, account, own, order, reverse);
	free(own);
	ix->mb->list.ops = &ui_index_list_ops;
	ix->mb->list.ctx = ix;
	ui_dirty(app);
}

static void ui_index_draw(struct ui_app *app, struct ui_view *view, int top, int rows)
{
	struct ui_index *ix = view->data;
	int x = 0, cols = app->cols;

	if (app->sidebar && app->cols > app->sidebar_width + 20) {
		ui_folders_draw(app, top, rows, 0, app->sidebar_width, true, false);
		for (int r = 0; r < rows; r++)
			ui_draw_text(top + r, app->sidebar_width, 1, "\xe2\x94\x82", 3, app->attr[UI_C_SIDEBAR]);
		x = app->sidebar_width + 1;
		cols = app->cols - x;
	}
	if (ix->mb == NULL)
		return;
	ui_list_draw(app, &ix->mb->list, top, rows, x, cols, app->top == view);
	if (!app->first_screen_logged && ix->mb->list.count > 0 && app->top == view) {
		app->first_screen_logged = true;
		log_info("ui: first screen drawn with %zu messages", ix->mb->list.count);
	}
}

static void ui_index_status(struct ui_app *app, struct ui_view *view, struct buf *out)
{
	struct ui_index *ix = view->data;

	buf_append_str(out, ix->mb != NULL ? ix->mb->name : "");
	ui_status_counts(app, out);
}

static void ui_index_resize(struct ui_app *app, struct ui_view *view)
{
	struct ui_index *ix = view->data;

	if (ix->mb != NULL)
		ui_list_clamp(&ix->mb->list, ui_main_rows(app));
}

static struct ui_list *ui_index_list(struct ui_view *view)
{
	struct ui_index *ix = view->data;

	return ix->mb != NULL ? &ix->mb->list : NULL;
}

static bool ui_index_message(struct ui_app *app, struct ui_view *view, struct ui_msgref *ref_r)
{
	struct ui_index *ix = view->data;
	const struct mindex_msg *m = ix->mb != NULL ? ui_mailbox_current(ix->mb) : NULL;

	(void)app;
	if (m == NULL)
		return false;
	ui_mailbox_ref(ix->mb, m, ref_r);
	return true;
}

static bool ui_index_cancel(struct ui_app *app, struct ui_view *view)
{
	struct ui_index *ix = view->data;

	return ix->mb != NULL && ui_mailbox_cancel(app, ix->mb);
}

static void ui_index_free(struct ui_app *app, struct ui_view *view)
{
	struct ui_index *ix = view->data;

	ui_mailbox_free(app, &ix->mb);
	buf_free(&ix->line);
	buf_free(&ix->tree);
	free(ix);
}

const struct ui_view_type ui_view_index_type = {
	.name = "index",
	.keys = KEYMAP_INDEX,
	.help_line = N_("q:Quit  Enter:Open  c:Folder  /:Search  o:Sort  Esc-v:Collapse  ?:Help"),
	.draw = ui_index_draw,
	.status = ui_index_status,
	.resize = ui_index_resize,
	.list = ui_index_list,
	.message = ui_index_message,
	.cancel = ui_index_cancel,
	.free = ui_index_free,
};
