/* view-attach.c: the attachment list over the pager: parts with type and size, viewed (mailcap,
 * attachment-command, copiousoutput in a job, text in the part view) and saved safely. */
#include "skua.h"
#include "view-pager.h"
#include "cells.h"
#include "mailcap.h"
#include "ui/job.h"
#include "ui/term.h"
#include "lib/buf.h"
#include "lib/charset.h"
#include "lib/errstr.h"
#include "lib/file.h"
#include "lib/proc.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define UI_PAGER_ATTACH_TYPE_COLS 28 /* columns of the type in the list */
#define UI_PAGER_ATTACH_SIZE_COLS 6  /* columns of the size */
#define UI_PAGER_ATTACH_EXT_MAX 10   /* a file name extension kept on a temporary file */

/* The attachment list's state. */
struct ui_attach {
	struct ui_view *view;
	struct ui_pager *pager;      /* the pager under it (outlives it) */
	struct ui_list list;
	unsigned save_index;         /* the part being saved */
	char *save_path;             /* waiting for "overwrite?" */
	struct ui_job *job;          /* a copiousoutput viewer, or NULL */
};

static const struct ui_list_ops ui_attach_list_ops;

bool ui_attach_open(struct ui_app *app, struct ui_pager *p)
{
	struct ui_attach *at;

	if (p->msg == NULL)
		return false;
	if (!p->atts_listed) {
		p->n_atts = mime_message_attachments(p->msg, &p->atts);
		p->atts_listed = true;
	}
	if (p->n_atts == 0) {
		ui_message(app, "%s", _("The message has no parts to list."));
		return false;
	}
	at = xcalloc(1, sizeof(*at));
	at->pager = p;
	ui_list_init(&at->list, &ui_attach_list_ops, at);
	at->list.count = p->n_atts;
	at->view = ui_view_push(app, &ui_view_attach_type, at);
	return true;
}

/* "512B", "1.5K", "34K", "2.0M"... */
static void ui_pager_attach_size(size_t size, char *out, size_t out_size)
{
	static const char units[] = "KMGT";
	double v = (double)size;
	size_t u = 0;

	if (size < 1024) {
		snprintf(out, out_size, "%zuB", size);
		return;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	if (v < 10)
		snprintf(out, out_size, "%.1f%c", v, units[u]);
	else
		snprintf(out, out_size, "%.0f%c", v, units[u]);
}

static const char *ui_pager_attach_name(const struct mime_attachment *a)
{
	return a->display_name[0] != '\0' ? a->display_name : a->file_name;
}

static void ui_pager_attach_draw_row(struct ui_app *app, struct ui_list *l, size_t i, int y, int x, int cols_i,
				     bool selected)
{
	struct ui_attach *at = l->ctx;
	size_t cols = cols_i > 0 ? (size_t)cols_i : 80;
	size_t fixed = 4 + 2 + UI_PAGER_ATTACH_TYPE_COLS + 2 + UI_PAGER_ATTACH_SIZE_COLS;
	size_t name_cols = cols > fixed + 8 ? cols - fixed : 8;
	const struct mime_attachment *a = &at->pager->atts[i];
	const char *name = ui_pager_attach_name(a);
	struct buf line = BUF_INIT;
	char size[32];

	buf_appendf(&line, "%3zu ", i + 1);
	cells_append(&line, name, strlen(name), name_cols, name_cols, CELLS_ELLIPSIS);
	buf_append_str(&line, "  ");
	cells_append(&line, a->content_type, strlen(a->content_type), UI_PAGER_ATTACH_TYPE_COLS,
		     UI_PAGER_ATTACH_TYPE_COLS, CELLS_ELLIPSIS);
	buf_append_str(&line, "  ");
	ui_pager_attach_size(a->size, size, sizeof(size));
	cells_append(&line, size, strlen(size), UI_PAGER_ATTACH_SIZE_COLS, UI_PAGER_ATTACH_SIZE_COLS, CELLS_RIGHT);
	ui_list_draw_text(app, y, x, cols_i, line.data, line.len, selected);
	buf_free(&line);
}

static bool ui_pager_attach_match(struct ui_app *app, struct ui_list *l, size_t i, const char *needle)
{
	struct ui_attach *at = l->ctx;
	const struct mime_attachment *a = &at->pager->atts[i];

	(void)app;
	return strcasestr(ui_pager_attach_name(a), needle) != NULL || strcasestr(a->content_type, needle) != NULL;
}

/* --- files --- */

/* Writes data to path: a new file (mode 0600), or over an existing one when overwrite. Returns 0, 1
 * when the file exists and overwrite is false, or -1 with *error_r. */
static int ui_pager_attach_write(const char *path, const char *data, size_t len, bool overwrite, const char **error_r)
{
	/* never through a symbolic link, and only over a regular file of the user's (see file.h) */
	int fd = file_open_write(path, overwrite ? FILE_TRUNCATE : FILE_EXCL, error_r);
	size_t done = 0;
	ssize_t r;

	if (fd < 0)
		return errno == EEXIST && !overwrite ? 1 : -1;
	while (done < len) {
		r = write(fd, data + done, len - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		done += (size_t)r;
	}
	if (done < len || close(fd) < 0) {
		*error_r = errstr("%s: %s", path, strerror(errno));
		if (done < len)
			close(fd);
		if (!overwrite)
			unlink(path);
		return -1;
	}
	return 0;
}

/* Writes the part into a new private directory as "attachment" plus the extension of its (safe)
 * file name: a path of our own, made of [A-Za-z0-9/._+-] only. Returns 0, or -1 with *error_r. */
static int ui_pager_attach_tmp(const struct mime_attachment *a, const struct buf *data, char **dir_r, char **path_r,
			       const char **error_r)
{
	const char *base = getenv("TMPDIR"), *dot = strrchr(a->file_name, '.');
	char ext[UI_PAGER_ATTACH_EXT_MAX + 2] = "";
	char *dir, *path;
	bool ok = dot != NULL && dot != a->file_name && dot[1] != '\0' && strlen(dot + 1) <= UI_PAGER_ATTACH_EXT_MAX;

	if (base == NULL || base[0] != '/' || !mailcap_safe_word(base))
		base = "/tmp";
	for (const char *s = ok ? dot + 1 : ""; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			ok = false;
	if (ok)
		snprintf(ext, sizeof(ext), ".%s", dot + 1);
	dir = xasprintf("%s/skua-XXXXXX", base);
	if (mkdtemp(dir) == NULL) {
		*error_r = errstr(_("cannot make a temporary directory in %s: %s"), base, strerror(errno));
		free(dir);
		return -1;
	}
	path = xasprintf("%s/attachment%s", dir, ext);
	if (ui_pager_attach_write(path, data->data != NULL ? data->data : "", data->len, false, error_r) != 0) {
		unlink(path);
		rmdir(dir);
		free(path);
		free(dir);
		return -1;
	}
	*dir_r = dir;
	*path_r = path;
	return 0;
}

static void ui_pager_attach_tmp_remove(char *dir, char *path)
{
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

/* --- viewing --- */

static char *ui_pager_attach_title(const struct mime_attachment *a)
{
	return xasprintf("%s (%s)", ui_pager_attach_name(a), a->content_type);
}

/* Shows bytes in the part view as text (UTF-8 kept, anything else read as Windows-1252). */
static void ui_pager_attach_show(struct ui_app *app, struct ui_attach *at, const char *title, const char *data,
				 size_t len)
{
	struct buf text = BUF_INIT;

	charset_to_utf8(NULL, data, len, &text);
	if (text.data == NULL)
		buf_append_str(&text, "");
	len = text.len;
	ui_part_open(app, &at->pager->ref, title, buf_steal(&text), len);
}

/* Replaces every "%s" in word by path. */
static char *ui_pager_attach_subst(const char *word, const char *path, bool *used_r)
{
	struct buf b = BUF_INIT;

	for (const char *s = word; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == 's') {
			buf_append_str(&b, path);
			*used_r = true;
			s++;
		} else {
			buf_append_c(&b, *s);
		}
	}
	if (b.data == NULL)
		return xstrdup("");
	return buf_steal(&b);
}

/* attachment-command: split without a shell, "%s" in a word (or a last word) the file. */
static void ui_pager_attach_run_command(struct ui_app *app, const struct mime_attachment *a, const char *cmdline,
					const struct buf *data)
{
	const char *error;
	char **words = proc_split(cmdline, &error), **argv, *dir, *path;
	size_t n = 0;
	bool used = false;

	if (words == NULL) {
		ui_error(app, _("attachment-command: %s"), error);
		return;
	}
	if (words[0] == NULL) {
		ui_error(app, "%s", _("attachment-command is empty."));
		proc_argv_free(&words);
		return;
	}
	if (ui_pager_attach_tmp(a, data, &dir, &path, &error) < 0) {
		ui_error(app, "%s", error);
		proc_argv_free(&words);
		return;
	}
	while (words[n] != NULL)
		n++;
	argv = xcalloc(n + 2, sizeof(*argv));
	for (size_t i = 0; i < n; i++)
		argv[i] = ui_pager_attach_subst(words[i], path, &used);
	if (!used)
		argv[n] = xstrdup(path);
	ui_term_run_report(app, (const char *const *)argv, NULL);
	proc_argv_free(&argv);
	proc_argv_free(&words);
	ui_pager_attach_tmp_remove(dir, path);
}

static void ui_pager_attach_copious_run(void *arg, const atomic_bool *stop)
{
	struct ui_pager_work *job = arg;
	const char *argv[] = { "/bin/sh", "-c", job->command, NULL }, *error;
	int ret = proc_run(argv, job->data, job->data_len, &job->out, UI_PAGER_COMMAND_MAX_OUT,
			   UI_PAGER_COMMAND_TIMEOUT_MS, &error);

	(void)stop; /* proc_run ends the viewer at its own deadline */
	if (ret < 0)
		job->error = xstrdup(error);
	job->status = ret;
	/* the file goes once the viewer is done with it */
	unlink(job->tmp_path);
	rmdir(job->tmp_dir);
	free(job->tmp_path);
	free(job->tmp_dir);
	job->tmp_path = job->tmp_dir = NULL;
}

static void ui_pager_attach_copious_done(struct ui_app *app, void *owner, void *arg)
{
	struct ui_view *view = owner;
	struct ui_attach *at = view->data;
	struct ui_pager_work *job = arg;

	at->job = NULL;
	if (job->error != NULL) {
		ui_error(app, _("The viewer failed: %s"), job->error);
		return;
	}
	ui_pager_attach_show(app, at, job->title, job->out.data != NULL ? job->out.data : "", job->out.len);
	ui_message(app, "%s", "");
	if (job->status > 0)
		ui_error(app, _("The viewer exited with status %d."), job->status);
}

/* A mailcap entry: a shell command by definition (RFC 1524), given only our own temporary path. */
static void ui_pager_attach_run_mailcap(struct ui_app *app, struct ui_attach *at, const struct mime_attachment *a,
				       const struct mailcap_entry *e, const struct buf *data)
{
	const char *error;
	char *dir, *path, *cmd;
	bool used;

	if (ui_pager_attach_tmp(a, data, &dir, &path, &error) < 0) {
		ui_error(app, "%s", error);
		return;
	}
	cmd = mailcap_expand(e->command, path, a->content_type, &used);
	if (cmd == NULL) {
		ui_error(app, "%s", _("The temporary file name is not safe for a shell."));
		ui_pager_attach_tmp_remove(dir, path);
		return;
	}
	if (e->copiousoutput) {
		/* text for the pager: the command runs off the UI thread, the file goes with it */
		struct ui_pager_work *job;
		if (at->job != NULL && ui_job_running(app, at->job)) {
			ui_error(app, "%s", _("Still busy with the last command."));
			free(cmd);
			ui_pager_attach_tmp_remove(dir, path);
			return;
		}
		job = xcalloc(1, sizeof(*job));
		job->command = cmd;
		job->tmp_dir = dir;
		job->tmp_path = path;
		job->title = ui_pager_attach_title(a);
		if (!used) {
			job->data = xmalloc(data->len + 1);
			if (data->len > 0)
				memcpy(job->data, data->data, data->len);
			job->data_len = data->len;
		}
		at->job = ui_job_start(app, at->view, ui_pager_attach_copious_run, ui_pager_attach_copious_done,
				       ui_pager_work_free, job, &error);
		if (at->job != NULL)
			ui_message(app, "%s", _("Running the viewer…"));
		else
			ui_error(app, "%s", error);
		return;
	}
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	ui_term_run_report(app, argv, used ? NULL : path);
	free(cmd);
	ui_pager_attach_tmp_remove(dir, path);
}

static void ui_pager_attach_view(struct ui_app *app, struct ui_attach *at, const struct mime_attachment *a)
{
	struct ui_pager *p = at->pager;
	const char *cmd = app->cfg != NULL ? app->cfg->attachment_command : NULL, *error;
	struct buf data = BUF_INIT;
	struct mailcap_entry e;

	if (mime_message_attachment_data(p->msg, a->index, &data, &error) < 0) {
		ui_error(app, "%s", error);
		return;
	}
	if (cmd != NULL && cmd[0] != '\0') {
		ui_pager_attach_run_command(app, a, cmd, &data);
	} else if (mailcap_find(a->content_type, &e)) {
		ui_pager_attach_run_mailcap(app, at, a, &e, &data);
		mailcap_entry_clear(&e);
	} else if (strncmp(a->content_type, "text/", 5) == 0) {
		char *title = ui_pager_attach_title(a);
		ui_pager_attach_show(app, at, title, data.data != NULL ? data.data : "", data.len);
		free(title);
	} else {
		ui_error(app, _("No viewer for %s: set attachment-command, or add a mailcap entry."), a->content_type);
	}
	buf_free(&data);
}

/* --- saving --- */

/* The path the user typed: "~/" is the home directory; a directory gets the part's file name. */
static char *ui_pager_attach_path(const char *text, const char *file_name)
{
	const char *home = getenv("HOME");
	struct stat st;
	char *path, *joined;

	if (text[0] == '~' && text[1] == '/' && home != NULL && home[0] != '\0')
		path = xasprintf("%s%s", home, text + 1);
	else
		path = xstrdup(text);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t len = strlen(path);
		joined = xasprintf("%s%s%s", path, len > 0 && path[len - 1] == '/' ? "" : "/", file_name);
		free(path);
		path = joined;
	}
	return path;
}

static void ui_pager_attach_overwrite_done(struct ui_app *app, const char *text, void *ctx);

static void ui_pager_attach_save_to(struct ui_app *app, struct ui_attach *at, const char *path, bool overwrite)
{
	struct ui_pager *p = at->pager;
	struct buf data = BUF_INIT;
	const char *error;
	int r;

	if (mime_message_attachment_data(p->msg, at->save_index, &data, &error) < 0) {
		ui_error(app, "%s", error);
		return;
	}
	r = ui_pager_attach_write(path, data.data != NULL ? data.data : "", data.len, overwrite, &error);
	if (r == 1) {
		free(at->save_path);
		at->save_path = xstrdup(path);
		ui_prompt_open(app, _("The file exists. Overwrite it? (y/n) "), NULL, CMD_COMPLETE_NONE,
			       ui_pager_attach_overwrite_done, at->view);
	} else if (r < 0) {
		ui_error(app, "%s", error);
	} else {
		ui_message(app, _("Saved %s (%zu bytes)."), path, data.len);
	}
	buf_free(&data);
}

static void ui_pager_attach_overwrite_done(struct ui_app *app, const char *text, void *ctx)
{
	struct ui_view *view = ctx;
	struct ui_attach *at;
	char *path;

	if (!ui_view_alive(app, view))
		return;
	at = view->data;
	if (at->save_path == NULL)
		return;
	path = at->save_path;
	at->save_path = NULL;
	while (*text == ' ')
		text++;
	if (text[0] == 'y' || text[0] == 'Y' || (text[0] != '\0' && strncmp(text, _("y"), strlen(_("y"))) == 0))
		ui_pager_attach_save_to(app, at, path, true);
	else
		ui_message(app, "%s", _("Not saved."));
	free(path);
}

static void ui_pager_attach_save_done(struct ui_app *app, const char *text, void *ctx)
{
	struct ui_view *view = ctx;
	const char *file_name = "attachment";
	struct ui_attach *at;
	struct ui_pager *p;
	char *path;

	if (!ui_view_alive(app, view))
		return;
	at = view->data;
	p = at->pager;
	if (text[0] == '\0') {
		ui_message(app, "%s", _("Not saved."));
		return;
	}
	for (size_t i = 0; i < p->n_atts; i++)
		if (p->atts[i].index == at->save_index)
			file_name = p->atts[i].file_name;
	path = ui_pager_attach_path(text, file_name);
	ui_pager_attach_save_to(app, at, path, false);
	free(path);
}

static int ui_pager_attach_save_exec(struct cmd_ctx *ctx)
{
	struct ui_attach *at = ctx->view->data;
	const struct mime_attachment *a;

	if (at->pager->n_atts == 0 || at->list.cur >= at->pager->n_atts)
		return 0;
	a = &at->pager->atts[at->list.cur];
	at->save_index = a->index;
	/* the safe name (no path, no controls, no leading dot or dash), in the current directory */
	ui_prompt_open(ctx->app, _("Save to file: "), a->file_name, CMD_COMPLETE_FILE, ui_pager_attach_save_done,
		       ctx->view);
	return 0;
}

/* --- the view --- */

static void ui_pager_attach_select(struct ui_app *app, struct ui_list *l, size_t i)
{
	struct ui_attach *at = l->ctx;

	ui_pager_attach_view(app, at, &at->pager->atts[i]);
}

static const struct ui_list_ops ui_attach_list_ops = {
	.draw_row = ui_pager_attach_draw_row,
	.match = ui_pager_attach_match,
	.select = ui_pager_attach_select,
};

static void ui_attach_draw(struct ui_app *app, struct ui_view *view, int top, int rows)
{
	struct ui_attach *at = view->data;

	ui_list_draw(app, &at->list, top, rows, 0, app->cols, true);
}

static void ui_attach_status(struct ui_app *app, struct ui_view *view, struct buf *out)
{
	struct ui_attach *at = view->data;

	ui_pager_status_folder(app, &at->pager->ref, out);
	buf_appendf(out, _("UID %u — attachment %zu/%zu"), at->pager->ref.uid, at->list.count > 0 ? at->list.cur + 1 : 0,
		    at->list.count);
}

static bool ui_attach_key(struct ui_app *app, struct ui_view *view, uint32_t key)
{
	struct ui_attach *at = view->data;

	return ui_list_enter(app, &at->list, key);
}

static struct ui_list *ui_attach_list(struct ui_view *view)
{
	struct ui_attach *at = view->data;

	return &at->list;
}

static bool ui_attach_message(struct ui_app *app, struct ui_view *view, struct ui_msgref *ref_r)
{
	struct ui_attach *at = view->data;

	(void)app;
	*ref_r = at->pager->ref;
	return true;
}

static void ui_attach_free(struct ui_app *app, struct ui_view *view)
{
	struct ui_attach *at = view->data;

	(void)app;
	ui_list_clear(&at->list);
	free(at->save_path);
	free(at);
}

static const struct ui_view_cmd ui_attach_cmds[] = {
	{ &cmd_save_message_entry, ui_pager_attach_save_exec },
	{ &cmd_display_toggle_weed_entry, cmd_exec_nothing },
	{ &cmd_view_attachments_entry, cmd_exec_nothing },
	{ &cmd_view_urls_entry, cmd_exec_nothing },
};

const struct ui_view_type ui_view_attach_type = {
	.name = "attachments",
	.keys = KEYMAP_PAGER,
	.help_line = UI_PAGER_HELP_LINE,
	.cmds = ui_attach_cmds,
	.n_cmds = N_ELEMENTS(ui_attach_cmds),
	.draw = ui_attach_draw,
	.status = ui_attach_status,
	.key = ui_attach_key,
	.list = ui_attach_list,
	.message = ui_attach_message,
	.free = ui_attach_free,
};
