/* app.c: the UI thread: set-up, one poll loop over the terminal, signals, the workers' replies and jobs;
 * key dispatch through the key tables to the command table; the -e commands. */
#include "skua.h"
#include "ui.h"
#include "ui-int.h"
#include "ui/job.h"
#include "ui/term.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define UI_DEFAULT_INDEX_FORMAT "%4C %Z %{%b %d} %-15.15F (%4c) %s"
#define UI_DEFAULT_SIDEBAR_WIDTH 24
#define UI_KEY_TIMEOUT_MS 500       /* how long an ambiguous prefix (<Esc>) waits for the next key */
#define UI_PROMPT_KEY_TIMEOUT_MS 50 /* the same in the prompt, where <Esc>b is Alt-b (one burst) and a
				     * lone <Esc> aborts */
#define UI_FRAME_MS 30              /* redraws while a folder loads, at most one per this */
#define UI_SLOW_PART_MS 20          /* a part of a loop turn longer than this is logged (debug) */

/* --- screen size --- */

static void ui_resize(struct ui_app *app)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resize_term(ws.ws_row, ws.ws_col);
	app->rows = LINES;
	app->cols = COLS;
	erase();
	for (struct ui_view *v = app->top; v != NULL; v = v->below)
		if (v->type->resize != NULL)
			v->type->resize(app, v);
	ui_dirty(app);
}

/* --- keys --- */

static void ui_run_binding(struct ui_app *app, const struct keymap_binding *b)
{
	/* a command may rebind the very keys that ran it: run a copy */
	struct cmd_list *list = cmd_list_copy(b->list);

	cmd_list_run(app, list);
	cmd_list_free(&list);
}

/* The key table keys are looked up in: the prompt's while it is open, else the top view's. */
static enum keymap_view ui_keys_of(const struct ui_app *app)
{
	if (app->prompt != NULL)
		return KEYMAP_PROMPT;
	return app->top != NULL ? app->top->type->keys : KEYMAP_GENERIC;
}

static void ui_key_timer_cb(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	struct ui_app *app = ctx;
	const struct keymap_binding *b = NULL;

	(void)loop;
	(void)timer;
	if (app->n_keys > 0 && keymap_lookup(app->keymap, ui_keys_of(app), app->keys, app->n_keys, &b) !=
	    KEYMAP_NONE && b != NULL) {
		app->n_keys = 0;
		ui_run_binding(app, b);
	}
	app->n_keys = 0;
	ui_dirty(app);
}

/* ^C: the views from the top down cancel what they wait for. */
static void ui_cancel(struct ui_app *app)
{
	for (struct ui_view *v = app->top; v != NULL; v = v->below) {
		if (v->type->cancel != NULL && v->type->cancel(app, v)) {
			ui_message(app, "%s", _("Cancelling…"));
			return;
		}
	}
	ui_message(app, "%s", _("Nothing to cancel."));
}

static void ui_handle_key(struct ui_app *app, uint32_t key)
{
	const struct keymap_binding *b = NULL;
	struct ui_view *top = app->top;
	enum keymap_result r;

	if (app->key_ms == 0)
		app->key_ms = ev_now_ms();
	ui_dirty(app);
	/* the prompt looks its keys up in its own table only (a key it does not bind is text) */
	if (app->prompt == NULL) {
		ui_message_clear(app);
		if (key == 3) { /* ^C */
			app->n_keys = 0;
			ui_cancel(app);
			return;
		}
		if (key == 26) { /* ^Z */
			app->n_keys = 0;
			ui_term_suspend(app);
			ui_resize(app);
			return;
		}
		if (app->n_keys == 0 && top->type->key != NULL && top->type->key(app, top, key))
			return;
	}
	if (app->n_keys == KEYMAP_MAX_SEQ)
		app->n_keys = 0;
	app->keys[app->n_keys++] = key;
	r = keymap_lookup(app->keymap, ui_keys_of(app), app->keys, app->n_keys, &b);
	if (r == KEYMAP_PREFIX) {
		ev_timer_restart(app->key_timer, app->prompt != NULL ? UI_PROMPT_KEY_TIMEOUT_MS : UI_KEY_TIMEOUT_MS);
		return;
	}
	ev_timer_stop(app->key_timer);
	if (r == KEYMAP_MATCH) {
		app->n_keys = 0;
		ui_run_binding(app, b);
		return;
	}
	if (app->n_keys > 1) {
		/* an unbound continuation of a prefix: run the prefix's own binding, then this key */
		app->n_keys--;
		if (keymap_lookup(app->keymap, ui_keys_of(app), app->keys, app->n_keys, &b) != KEYMAP_NONE &&
		    b != NULL) {
			app->n_keys = 0;
			ui_run_binding(app, b);
			if (!app->quit)
				ui_handle_key(app, key);
			return;
		}
	}
	app->n_keys = 0;
	if (app->prompt != NULL)
		ui_prompt_insert(app, key);
	else
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

static void ui_tty_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
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
			ui_handle_key(app, key);
	}
}

static void ui_signal_cb(struct ev_loop *loop, int signo, void *ctx)
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

/* --- start-up commands --- */

void ui_app_mailbox_loaded(struct ui_app *app, struct ui_mailbox *mb)
{
	(void)mb;
	if (app->start_folder_pending) {
		app->start_folder_pending = false;
		app->start_cmds_done = false;
	}
}

/* --- set-up --- */

static int ui_apply_config(struct ui_app *app, const char **error_r)
{
	for (size_t i = 0; i < app->cfg->n_ui_lines; i++) {
		const struct cfg_ui_line *l = &app->cfg->ui_lines[i];
		const char *error;
		int ret = strncmp(l->text, "color", 5) == 0 ?
			ui_color_line(app, l->text, &error) :
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
	ui_prompt_free(app);
	ui_view_free_all(app);
	ui_job_cancel_all(app);
	ui_flags_free(app);
	ui_triage_free(app);
	ui_leave_free(app);
	ui_folders_free(app);
	ui_route_free(app);
	ev_io_remove(&app->tty_io);
	ev_timer_remove(&app->key_timer);
	ev_loop_free(&app->loop);
	keymap_free(&app->keymap);
	format_free(&app->index_format);
	ui_names_free(&app->names);
	for (uint32_t i = 0; i < app->n_accounts; i++)
		free(app->accounts[i].conn_text);
	free(app->accounts);
	free(app->message);
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

/* The account to start with: the one named, else the configuration's default. */
static int ui_start_account(const struct cfg *cfg, const char *name, uint32_t *account_r, const char **error_r)
{
	const struct cfg_account *acct = cfg_account_find(cfg, name);

	for (uint32_t i = 0; acct != NULL && i < cfg->n_accounts; i++) {
		if (cfg->accounts[i] == acct) {
			*account_r = i;
			return 0;
		}
	}
	*error_r = name != NULL ? errstr(_("unknown account '%s'"), name) : errstr(_("no account configured in %s"), cfg->path);
	return -1;
}

void ui_turn_add(struct ui_app *app, int64_t t0, const char *what)
{
	int64_t ms = ev_now_ms() - t0;

	app->turn_busy_ms += ms;
	if (ms > UI_SLOW_PART_MS)
		log_debug("ui: %s took %lld ms of a loop turn", what, (long long)ms);
}

int ui_main(struct cfg *cfg, struct hcache *hc, const struct ui_start *start, const char **error_r)
{
	static const int signals[] = { SIGWINCH, SIGCONT, SIGTERM, SIGHUP };
	struct ui_app app;
	SCREEN *screen;
	const char *error;
	uint32_t account = 0;
	int ret = 0;

	log_process_start();
	memset(&app, 0, sizeof(app));
	app.cfg = cfg;
	app.hc = hc;
	app.sidebar = cfg->sidebar;
	app.sidebar_width = cfg->sidebar_width > 0 ? cfg->sidebar_width : UI_DEFAULT_SIDEBAR_WIDTH;
	app.keymap = keymap_new(true);
	app.start_cmds = start->commands;
	app.n_start_cmds = start->n_commands;
	app.start_folder_pending = true;
	app.start_cmds_done = true;
	app.n_accounts = (uint32_t)cfg->n_accounts;
	app.accounts = xcalloc(cfg->n_accounts > 0 ? cfg->n_accounts : 1, sizeof(*app.accounts));
	for (uint32_t i = 0; i < app.n_accounts; i++)
		app.accounts[i].cfg = cfg->accounts[i];
	if (format_compile(cfg->index_format != NULL ? cfg->index_format : UI_DEFAULT_INDEX_FORMAT, &app.index_format,
			   &error) < 0) {
		*error_r = errstr("%s: index-format: %s", cfg->path, error);
		ui_app_free(&app);
		return -1;
	}
	if (ui_start_account(cfg, start->account, &account, error_r) < 0 || ui_route_init(&app, error_r) < 0) {
		ui_app_free(&app);
		return -1;
	}
	/* key and colour lines are checked before the screen is taken over */
	if (ui_apply_config(&app, error_r) < 0) {
		ui_app_free(&app);
		return -1;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*error_r = _("the full-screen interface needs a terminal (see skua --help for commands)");
		ui_app_free(&app);
		return -1;
	}
	/* the start account's worker now (its failure stops skua); the others when first needed */
	if (ui_route_start(&app, account, error_r) < 0) {
		ui_app_free(&app);
		return -1;
	}
	/* the start folder first (it is what the user waits for), then the folder list */
	app.loop = ev_loop_new();
	ui_folders_init(&app);
	ui_index_push(&app);
	ui_index_open(&app, account, start->folder != NULL ? start->folder : "INBOX");
	ui_folders_want(&app, account);

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
	ui_color_defaults(&app);
	(void)ui_apply_config(&app, &error); /* again: colours need the screen */
	app.rows = LINES;
	app.cols = COLS;

	for (size_t i = 0; i < N_ELEMENTS(signals); i++) {
		if (ev_signal_catch(app.loop, signals[i], ui_signal_cb, &app, &error) < 0)
			log_warn("%s", error);
	}
	app.tty_io = ev_io_add(app.loop, STDIN_FILENO, EV_READ, ui_tty_cb, &app);
	ui_route_watch(&app);
	app.key_timer = ev_timer_add(app.loop, UI_KEY_TIMEOUT_MS, false, ui_key_timer_cb, &app);
	ev_timer_stop(app.key_timer);
	ui_dirty(&app);

	while (!app.quit) {
		/* how long the keyboard could have waited: the work of one loop turn */
		int64_t t0 = ev_now_ms(), wait = -1;
		struct ui_mailbox *mb = ui_index_mailbox(&app);
		bool dirty = ui_is_dirty(&app);

		/* while a folder streams in, the screen is redrawn at most every UI_FRAME_MS (a key is
		 * answered at once) */
		if (dirty && mb != NULL && mb->loading && app.key_ms == 0 && app.prompt == NULL &&
		    t0 - app.last_draw_ms < UI_FRAME_MS && app.first_screen_logged)
			wait = UI_FRAME_MS - (t0 - app.last_draw_ms);
		else if (dirty)
			ui_screen_draw(&app), app.last_draw_ms = ev_now_ms();
		ui_turn_add(&app, t0, "the redraw");
		if (app.turn_busy_ms > app.longest_turn_ms)
			app.longest_turn_ms = app.turn_busy_ms;
		app.turn_busy_ms = 0;
		/* -e commands run once the start folder is loaded and drawn */
		if (!app.start_cmds_done && !ui_is_dirty(&app)) {
			app.start_cmds_done = true;
			for (size_t i = 0; i < app.n_start_cmds && !app.quit; i++)
				cmd_run_line(&app, app.start_cmds[i]);
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
