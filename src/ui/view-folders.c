/* view-folders.c: every account's folders (the index's account first, each other one under a heading),
 * roles first, the hierarchy indented, with counts: the folder view and the sidebar. */
#include "skua.h"
#include "ui-int.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UI_FOLDERS_MAX_DEPTH 8 /* indentation steps drawn */

/* One account's folders. */
struct ui_folders_acct {
	struct ui_folder **v;
	size_t n, cap;
	uint64_t req;              /* the folders request in flight, or 0 */
	bool asked;
};

/* A row of the list: an account's heading (folder NULL) or one of its folders. */
struct ui_folders_row {
	uint32_t account;
	const struct ui_folder *folder;
};

struct ui_folders {
	struct ui_folders_acct *accts;
	struct ui_folders_row *rows;
	size_t n_rows, cap_rows;
	bool stale;                /* rows to be made again from accts */
	bool sidebar;              /* drawing the sidebar (not the folder view) */
	uint32_t first;            /* the account whose folders come first (the index's) */
	struct ui_list list;
	struct ui_client client;
};

static int ui_folders_role_rank(const struct ui_folder *f)
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

static const char *ui_folders_role_mark(const struct ui_folder *f)
{
	switch (ui_folders_role_rank(f)) {
	case 0: return "\xe2\x9c\x89";      /* ✉ */
	case 1: return "\xe2\x9c\x8e";      /* ✎ */
	case 2: return "\xe2\x86\x97";      /* ↗ */
	case 3: return "\xe2\x96\xa4";      /* ▤ */
	case 4: return "\xe2\x9a\xa0";      /* ⚠ */
	case 5: return "\xe2\x99\xbb";      /* ♻ */
	default: return " ";
	}
}

static int ui_folders_cmp(const void *a, const void *b)
{
	const struct ui_folder *x = *(const struct ui_folder *const *)a;
	const struct ui_folder *y = *(const struct ui_folder *const *)b;
	int rx = ui_folders_role_rank(x), ry = ui_folders_role_rank(y);

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
static void ui_folders_line(const struct ui_folder *f, struct buf *out)
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
	buf_append_str(out, ui_folders_role_mark(f));
	buf_append_c(out, ' ');
	for (int i = 0; i < depth && i < UI_FOLDERS_MAX_DEPTH; i++)
		buf_append_str(out, "  ");
	buf_append_str(out, last);
	if (f->messages >= 0) {
		buf_appendf(out, "  %lld", (long long)f->messages);
		if (f->unseen > 0)
			buf_appendf(out, " (%lld)", (long long)f->unseen);
	}
}

/* Appends account a's rows (its heading first when asked). */
static void ui_folders_add_rows(struct ui_folders *fs, uint32_t a, bool heading)
{
	struct ui_folders_acct *fa = &fs->accts[a];

	fs->rows = xgrow(fs->rows, &fs->cap_rows, fs->n_rows + fa->n + 1, sizeof(*fs->rows));
	if (heading)
		fs->rows[fs->n_rows++] = (struct ui_folders_row){ a, NULL };
	for (size_t i = 0; i < fa->n; i++)
		fs->rows[fs->n_rows++] = (struct ui_folders_row){ a, fa->v[i] };
}

/* Makes the rows again when the folders changed: O(folders), at most once a draw or key. The account
 * of the index comes first, as the only one does (INBOX on top); every other account follows under a
 * heading line with its name. */
static void ui_folders_rows(struct ui_app *app)
{
	struct ui_folders *fs = app->folders;
	struct ui_mailbox *mb = ui_index_mailbox(app);
	uint32_t first = mb != NULL ? mb->account : 0;

	if (!fs->stale && fs->first == first)
		return;
	fs->n_rows = 0;
	fs->first = first;
	if (first < app->n_accounts)
		ui_folders_add_rows(fs, first, false);
	for (uint32_t a = 0; a < app->n_accounts; a++)
		if (a != first)
			ui_folders_add_rows(fs, a, true);
	fs->list.count = fs->n_rows;
	fs->stale = false;
}

static void ui_folders_draw_row(struct ui_app *app, struct ui_list *l, size_t i, int y, int x, int cols,
				bool selected)
{
	const struct ui_folders_row *row = &app->folders->rows[i];
	struct ui_mailbox *mb = ui_index_mailbox(app);

	(void)l;
	bool sidebar = app->folders->sidebar;
	struct buf line = BUF_INIT;
	int attr = sidebar ? app->attr[UI_C_SIDEBAR] : app->attr[UI_C_NORMAL];
	const struct ui_folder *f = row->folder;

	if (f == NULL) {
		buf_append_str(&line, app->accounts[row->account].cfg->name);
		attr = app->attr[UI_C_HEADER_NAME];
	} else {
		ui_folders_line(f, &line);
		if (sidebar && mb != NULL && mb->account == row->account && strcmp(f->name, mb->name) == 0)
			attr |= A_BOLD;
		if (f->unseen > 0)
			attr |= A_BOLD;
	}
	if (selected)
		attr = app->attr[UI_C_INDICATOR];
	ui_draw_text(y, x, cols, line.data, line.len, attr);
	buf_free(&line);
}

static bool ui_folders_match(struct ui_app *app, struct ui_list *l, size_t i, const char *needle)
{
	const struct ui_folders_row *row = &app->folders->rows[i];

	(void)l;
	return row->folder != NULL && strcasestr(row->folder->name, needle) != NULL;
}

static void ui_folders_select(struct ui_app *app, struct ui_list *l, size_t i)
{
	const struct ui_folders_row *row = &app->folders->rows[i];

	(void)l;
	if (row->folder != NULL)
		ui_leave(app, UI_LEAVE_OPEN, row->account, row->folder->name);
}

static const struct ui_list_ops ui_folders_list_ops = {
	.draw_row = ui_folders_draw_row,
	.match = ui_folders_match,
	.select = ui_folders_select,
};

static void ui_folders_reply(struct ui_app *app, struct ui_client *client, struct ui_reply *r)
{
	struct ui_folders *fs = app->folders;
	struct ui_folders_acct *fa;

	(void)client;
	if (r->account >= app->n_accounts)
		return;
	fa = &fs->accts[r->account];
	ui_dirty(app);
	if (r->kind == UI_REPLY_FOLDER && r->folder != NULL) {
		fa->v = xgrow(fa->v, &fa->cap, fa->n + 1, sizeof(*fa->v));
		fa->v[fa->n++] = r->folder;
		r->folder = NULL;
		fs->stale = true;
	} else if (r->kind >= UI_REPLY_DONE) {
		/* sorted once, at the end: thousands of folders would make sorting per folder slow */
		qsort(fa->v, fa->n, sizeof(*fa->v), ui_folders_cmp);
		fs->stale = true;
		if (r->kind == UI_REPLY_ERROR)
			ui_error(app, "%s", r->text != NULL ? r->text : _("cannot list folders"));
		fa->req = 0;
	}
}

void ui_folders_init(struct ui_app *app)
{
	struct ui_folders *fs = xcalloc(1, sizeof(*fs));

	fs->accts = xcalloc(app->n_accounts > 0 ? app->n_accounts : 1, sizeof(*fs->accts));
	fs->client.reply = ui_folders_reply;
	fs->stale = true;
	ui_list_init(&fs->list, &ui_folders_list_ops, NULL);
	app->folders = fs;
}

void ui_folders_want(struct ui_app *app, uint32_t account)
{
	struct ui_folders_acct *fa;

	if (app->folders == NULL || account >= app->n_accounts)
		return;
	fa = &app->folders->accts[account];
	if (fa->asked)
		return;
	fa->asked = true;
	fa->req = ui_route_folders(app, account, &app->folders->client);
}

static void ui_folders_want_all(struct ui_app *app)
{
	for (uint32_t a = 0; a < app->n_accounts; a++)
		ui_folders_want(app, a);
}

void ui_folders_free(struct ui_app *app)
{
	struct ui_folders *fs = app->folders;

	if (fs == NULL)
		return;
	ui_route_forget(app, &fs->client);
	for (uint32_t a = 0; a < app->n_accounts; a++) {
		for (size_t i = 0; i < fs->accts[a].n; i++)
			ui_folder_free(&fs->accts[a].v[i]);
		free(fs->accts[a].v);
	}
	free(fs->accts);
	free(fs->rows);
	ui_list_clear(&fs->list);
	free(fs);
	app->folders = NULL;
}

void ui_folders_draw(struct ui_app *app, int top, int rows, int x, int cols, bool sidebar, bool focused)
{
	struct ui_folders *fs = app->folders;

	ui_folders_want_all(app);
	ui_folders_rows(app);
	fs->sidebar = sidebar;
	ui_list_draw(app, &fs->list, top, rows, x, cols, focused);
}

void ui_folders_complete(struct ui_app *app, uint32_t account, const char *prefix,
			 void (*add)(const char *name, void *ctx), void *ctx)
{
	struct ui_folders_acct *fa;
	size_t len = strlen(prefix);

	if (app->folders == NULL || account >= app->n_accounts)
		return;
	fa = &app->folders->accts[account];
	for (size_t i = 0; i < fa->n; i++)
		if (strncasecmp(fa->v[i]->name, prefix, len) == 0)
			add(fa->v[i]->name, ctx);
}

int ui_folders_role(struct ui_app *app, uint32_t account, uint32_t attr, const char **name_r)
{
	struct ui_folders_acct *fa;

	*name_r = NULL;
	if (app->folders == NULL || account >= app->n_accounts)
		return -1;
	fa = &app->folders->accts[account];
	if (!fa->asked || fa->req != 0) {
		ui_folders_want(app, account);
		return -1;
	}
	for (size_t i = 0; i < fa->n && *name_r == NULL; i++)
		if (fa->v[i]->attrs & attr)
			*name_r = fa->v[i]->name;
	return 0;
}

/* --- the view --- */

static void ui_folders_view_draw(struct ui_app *app, struct ui_view *view, int top, int rows)
{
	ui_folders_draw(app, top, rows, 0, app->cols, false, app->top == view);
}

static void ui_folders_status(struct ui_app *app, struct ui_view *view, struct buf *out)
{
	(void)view;
	buf_append_str(out, _("Folders"));
	ui_status_counts(app, out);
}

static struct ui_list *ui_folders_list(struct ui_view *view)
{
	struct ui_folders *fs = view->data;

	return &fs->list;
}

static void ui_folders_resize(struct ui_app *app, struct ui_view *view)
{
	struct ui_folders *fs = view->data;

	ui_list_clamp(&fs->list, ui_main_rows(app));
}

const struct ui_view_type ui_view_folders_type = {
	.name = "folders",
	.keys = KEYMAP_FOLDER,
	.help_line = N_("q:Quit  Enter:Open  j/k:Move  ?:Help"),
	.draw = ui_folders_view_draw,
	.status = ui_folders_status,
	.resize = ui_folders_resize,
	.list = ui_folders_list,
};
