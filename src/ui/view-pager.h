/* view-pager.h: the pager's state, shared with the views over it: the attachment list (view-attach.c),
 * the link list (view-urls.c) and a part shown as text (view-part.c). UI thread. */
#ifndef UI_VIEW_PAGER_H
#define UI_VIEW_PAGER_H

#include "skua.h"
#include "ui-int.h"
#include "pager-doc.h"
#include "pager-text.h"
#include "lib/buf.h"
#include "mime/mime.h"

/* Named limits. */
#define UI_PAGER_COMMAND_MAX_OUT (16 * 1024 * 1024) /* a copiousoutput viewer's output kept */
#define UI_PAGER_COMMAND_TIMEOUT_MS 30000           /* a copiousoutput viewer is stopped after this */

/* The top line of the pager and the views over it. */
#define UI_PAGER_HELP_LINE N_("q:Back  j/k:Next/Prev  Space:Page  /:Search  h:Headers  v:Attachments  ^B:URLs  ?:Help")

enum ui_pager_state {
	UI_PAGER_LOADING,   /* the body request in flight */
	UI_PAGER_RENDERING, /* parsed, rendered and laid out by a job (job) */
	UI_PAGER_READY,
	UI_PAGER_FAILED,    /* error holds why */
};

/* What to open once the text is there (a key pressed while it loads). */
enum ui_pager_pending { UI_PAGER_PENDING_NONE, UI_PAGER_PENDING_ATTACH, UI_PAGER_PENDING_URLS };

/* Work for a job (job.h): its inputs and outputs; the thread touches only this. */
struct ui_pager_work {
	char *data;          /* render: the raw message; command: its stdin (NULL: /dev/null) */
	size_t data_len;
	char *command;       /* render: html-command; command: a /bin/sh command line */
	char *tmp_path, *tmp_dir; /* a temporary file and its private directory, removed after the run */
	char *title;         /* what the result is shown as */
	struct buf out;
	char *error;         /* NULL: it ran */
	int status;          /* command: its exit status */
};

/* The message view's state. */
struct ui_pager {
	struct ui_view *view;        /* the pager's view */
	struct ui_msgref ref;
	uint64_t req;                /* the body request in flight, or 0 */
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
	struct ui_doc doc;
	enum ui_pager_pending pending;
	struct ui_job *job;          /* the rendering, or NULL */
};

/* --- view-pager.c --- */
/* Removes the work's temporary file, frees it. NULL-safe (the job's free function). */
void ui_pager_work_free(void *work);
/* Appends "FOLDER -- " for the status bar of a view about ref. */
void ui_pager_status_folder(struct ui_app *app, const struct ui_msgref *ref, struct buf *out);

/* --- view-attach.c --- */
extern const struct ui_view_type ui_view_attach_type;
/* Pushes the attachment list of the pager's message; false (with a message) when it has none. */
bool ui_attach_open(struct ui_app *app, struct ui_pager *pager);

/* --- view-urls.c --- */
extern const struct ui_view_type ui_view_urls_type;
/* Pushes the link list of doc (owned by the view under it); false (with a message) when it has none. */
bool ui_urls_open(struct ui_app *app, struct ui_doc *doc, const struct ui_msgref *ref);

/* --- view-part.c --- */
extern const struct ui_view_type ui_view_part_type;
/* Pushes a part shown as text (taken over, any bytes), titled title (copied). */
void ui_part_open(struct ui_app *app, const struct ui_msgref *ref, const char *title, char *text, size_t len);

#endif
