/* leave.c: leaving a folder (for another one, or to quit) with messages marked deleted there: purged
 * first as the delete option says, asking when it says so, as mutt does; a quit waits for the purge. */
#include "skua.h"
#include "ui-int.h"
#include "mailbox.h"
#include "cfg/cfg.h"
#include "imap/imap-uidset.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ui_leave {
	enum ui_leave_then then;
	uint32_t account;
	char *name;             /* UI_LEAVE_OPEN: the folder to open */
	bool quit_when_done;    /* quitting: once the purge is on the server */
};

static struct ui_leave *ui_leave_get(struct ui_app *app)
{
	if (app->leave == NULL)
		app->leave = xcalloc(1, sizeof(*app->leave));
	return app->leave;
}

/* How many messages of mb are marked deleted (and still shown). */
static size_t ui_leave_deleted(const struct ui_mailbox *mb)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	size_t n;

	ui_triage_deleted(mb, &set);
	n = (size_t)imap_uidset_count(&set);
	imap_uidset_clear(&set);
	return n;
}

static void ui_leave_now(struct ui_app *app, struct ui_leave *l)
{
	if (l->then == UI_LEAVE_QUIT)
		app->quit = true;
	else
		ui_index_open(app, l->account, l->name);
}

static void ui_leave_purge(struct ui_app *app, struct ui_mailbox *mb, struct ui_leave *l)
{
	if (ui_triage_sync(app, mb) < 0)
		return; /* it said why; the folder stays open */
	if (l->then == UI_LEAVE_QUIT) {
		/* what the screen says is done must be on the server: quit once it is */
		l->quit_when_done = true;
		ui_message(app, "%s", _("Purging the deleted messages, then quitting..."));
		if (!ui_triage_busy(app))
			app->quit = true;
	} else {
		ui_index_open(app, l->account, l->name);
	}
}

static void ui_leave_answer(struct ui_app *app, const char *text, void *ctx)
{
	struct ui_leave *l = ui_leave_get(app);
	struct ui_mailbox *mb = ui_index_mailbox(app);
	bool yes;

	(void)ctx;
	if (text[0] == '\0')
		yes = app->cfg->delete_mode == CFG_DELETE_ASK_YES;
	else if (strcasecmp(text, "y") == 0 || strcasecmp(text, "yes") == 0)
		yes = true;
	else if (strcasecmp(text, "n") == 0 || strcasecmp(text, "no") == 0)
		yes = false;
	else {
		ui_error(app, "%s", _("Answer yes or no."));
		return;
	}
	if (yes && mb != NULL)
		ui_leave_purge(app, mb, l);
	else
		ui_leave_now(app, l);
}

void ui_leave(struct ui_app *app, enum ui_leave_then then, uint32_t account, const char *name)
{
	struct ui_leave *l = ui_leave_get(app);
	struct ui_mailbox *mb = ui_index_mailbox(app);
	enum cfg_delete mode = app->cfg->delete_mode;
	size_t n = mb != NULL && mode != CFG_DELETE_NO ? ui_leave_deleted(mb) : 0;

	l->then = then;
	l->account = account;
	free(l->name);
	l->name = name != NULL ? xstrdup(name) : NULL;
	if (n == 0) {
		ui_leave_now(app, l);
	} else if (mode == CFG_DELETE_YES) {
		ui_leave_purge(app, mb, l);
	} else {
		const char *choices = mode == CFG_DELETE_ASK_YES ? _("[yes]/no") : _("yes/[no]");

		ui_prompt_open(app, errstr(P_("Purge %zu deleted message? (%s): ", "Purge %zu deleted messages? (%s): ", n),
					   n, choices),
			       NULL, CMD_COMPLETE_NONE, ui_leave_answer, NULL);
	}
}

void ui_leave_action_done(struct ui_app *app, bool failed)
{
	struct ui_leave *l = app->leave;

	if (l == NULL || !l->quit_when_done)
		return;
	if (failed) {
		/* the purge was refused (the message line says why): stay */
		l->quit_when_done = false;
		return;
	}
	if (!ui_triage_busy(app))
		app->quit = true;
}

void ui_leave_free(struct ui_app *app)
{
	if (app->leave == NULL)
		return;
	free(app->leave->name);
	free(app->leave);
	app->leave = NULL;
}
