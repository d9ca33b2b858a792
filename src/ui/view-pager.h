/* view-pager.h: the pager's state shared by view-pager.c, view-attach.c and view-urls.c (UI thread). */
#ifndef UI_VIEW_PAGER_H
#define UI_VIEW_PAGER_H

#include "skua.h"
#include "ui-int.h"
#include "pager-text.h"
#include "lib/buf.h"
#include "mime/mime.h"

#include <pthread.h>

/* Named limits. */
#define UI_PAGER_COMMAND_MAX_OUT (16 * 1024 * 1024) /* a copiousoutput viewer's output kept */
#define UI_PAGER_COMMAND_TIMEOUT_MS 30000           /* a copiousoutput viewer is stopped after this */

/* What the pager shows. */
enum ui_pager_mode {
	UI_PAGER_MESSAGE, /* the message */
	UI_PAGER_ATTACH,  /* the list of its parts */
	UI_PAGER_URLS,    /* the list of links of the message (or of the part shown) */
	UI_PAGER_PART,    /* one part as text (a text part, or a copiousoutput viewer's output) */
};

enum ui_pager_state {
	UI_PAGER_LOADING,   /* WORKER_REQ_BODY in flight */
	UI_PAGER_RENDERING, /* html-command running in a job */
	UI_PAGER_READY,
	UI_PAGER_FAILED,    /* error holds why */
};

/* A text shown in the pager: its layout for the current width, scroll position and search match. */
struct ui_pager_doc {
	char *header;        /* raw header block, or NULL */
	size_t header_len;
	char *body;          /* decoded text (sanitised again by the layout) */
	size_t body_len;
	struct pager_text *pt;
	size_t width;        /* the width pt was laid out for */
	size_t top;          /* first display line shown */
	bool have_match;
	struct pager_text_match match;
};

struct ui_pager_job;
/* Runs in the job's thread: reads the job's inputs, fills out / error / status. */
typedef void ui_pager_job_fn(struct ui_pager_job *job);
/* Runs on the UI thread once the job finished (never when the pager closed before). */
typedef void ui_pager_job_done_fn(struct ui_app *app, struct ui_pager_job *job);

/* Work done off the UI thread (html-command, a copiousoutput viewer). Everything in it belongs to
 * the job; the thread touches only the job. */
struct ui_pager_job {
	ui_pager_job_fn *run;
	ui_pager_job_done_fn *done;
	char *data;          /* render: the raw message; command: its stdin (NULL: /dev/null) */
	size_t data_len;
	char *command;       /* render: html-command; command: a /bin/sh command line */
	char *tmp_path, *tmp_dir; /* a temporary file and its private directory, removed after run */
	char *title;         /* what the result is shown as */
	struct buf out;
	char *error;         /* NULL: it ran */
	int status;          /* command: its exit status */
	/* machinery (view-pager.c) */
	pthread_t thread;
	pthread_mutex_t lock;
	bool finished, abandoned;
	int fds[2];          /* the thread writes a byte to fds[1] when it finished */
};

struct ui_pager {
	uint32_t uid;
	uint64_t req;                /* WORKER_REQ_BODY in flight, or 0 */
	enum ui_pager_state state;
	char *error;
	char *header;                /* the raw header block (copied from the message) */
	size_t header_len;
	struct mime_message *msg;
	struct mime_attachment *atts;
	size_t n_atts;
	bool atts_listed;
	char **headers;              /* the header names shown when weeded */
	size_t n_headers;
	bool all_headers;            /* weeding off */
	struct ui_pager_doc msgdoc, partdoc;
	char *part_title;
	enum ui_pager_mode mode, urls_back, pending_mode;
	struct ui_list alist, ulist; /* cursors of the attachment and link lists */
	int rows;                    /* rows drawn last time (page size) */
	char *search;
	bool search_backward;
	unsigned save_index;         /* the part being saved */
	char *save_path;             /* waiting for "overwrite?" */
	struct ui_pager_job *job;
	struct ev_io *job_io;
	char status[512];
};

/* --- view-pager.c --- */
/* Replaces doc's text (taking ownership of header and body, either may be NULL) and lays it out
 * at the screen's width from the top. */
void ui_pager_doc_set(struct ui_app *app, struct ui_pager_doc *doc, char *header, size_t header_len, char *body,
		      size_t body_len);
/* The document the current mode shows (the message, or the part for UI_PAGER_PART and its links). */
struct ui_pager_doc *ui_pager_current_doc(struct ui_pager *p);
/* Draws one list row: text cut or padded to the screen's width, highlighted when selected. */
void ui_pager_draw_row(struct ui_app *app, int y, const char *text, size_t len, bool selected);
/* Returns a new job running run in a thread, then done on the UI thread. */
struct ui_pager_job *ui_pager_job_new(ui_pager_job_fn *run, ui_pager_job_done_fn *done);
/* Frees a job that never started (or finished): removes its temporary file. NULL-safe. */
void ui_pager_job_free(struct ui_pager_job **job);
/* Starts job for the open pager (one at a time). Returns true, or false (with an error shown and the
 * job freed) when another job runs or no thread could be made. */
bool ui_pager_job_start(struct ui_app *app, struct ui_pager_job *job);
/* Runs argv (no shell unless argv says so) in the foreground: the screen is handed back to the
 * terminal (endwin) until it exits, SIGINT/SIGQUIT are ignored meanwhile, then the screen is
 * restored and redrawn. stdin_path: a file for its standard input, or NULL for the terminal.
 * Returns the exit status (0..255), or -1 with *error_r. */
int ui_pager_run_foreground(struct ui_app *app, const char *const *argv, const char *stdin_path,
			    const char **error_r);
/* As ui_pager_run_foreground, then says on the message line when it failed or exited non-zero. */
void ui_pager_run_report(struct ui_app *app, const char *const *argv, const char *stdin_path);
/* Shows text (taken over, any bytes) as the part view titled title (copied). */
void ui_pager_part_show(struct ui_app *app, const char *title, char *text, size_t len);
/* Runs a movement command in a list (the pager's page size); *select_r tells that the entry under
 * the cursor is to be opened (select-entry, or <Enter>). Returns false for other commands. */
bool ui_pager_list_command(struct ui_app *app, struct ui_list *list, const char *command, bool *select_r);
/* True for commands that do nothing in a list but must not reach the index (search, weed...). */
bool ui_pager_list_ignored(const char *command);

/* --- view-attach.c --- */
/* Switches to the attachment list; false (with a message) when there is none. */
bool ui_pager_attach_open(struct ui_app *app);
/* Runs a command in the attachment list. Returns true when handled. */
bool ui_pager_attach_command(struct ui_app *app, const char *command);
void ui_pager_attach_draw(struct ui_app *app, int top, int rows);

/* --- view-urls.c --- */
/* Switches to the link list of the current document; false (with a message) when it has none. */
bool ui_pager_urls_open(struct ui_app *app);
bool ui_pager_urls_command(struct ui_app *app, const char *command);
void ui_pager_urls_draw(struct ui_app *app, int top, int rows);

#endif
