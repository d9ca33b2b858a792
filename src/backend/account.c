/* account.c: one account's backend: its connection (made when needed), the mailbox selected on it and
 * that mailbox's tracker, and its caches: what the worker and the CLI run operations over. */
#include "skua.h"
#include "account.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

struct account {
	const struct cfg_account *cfg;
	struct hcache *hc;
	struct bcache *bc;
	bool bc_tried;
	struct session *session;
	char *selected;              /* the mailbox SELECTed or EXAMINEd, or NULL */
	bool selected_rw;
	struct track *track;         /* the selected mailbox's, or NULL */
	session_alert_fn *alert_fn;
	void *alert_ctx;
};

struct account *account_new(const struct cfg_account *cfg, struct hcache *hc)
{
	struct account *a = xcalloc(1, sizeof(*a));

	a->cfg = cfg;
	a->hc = hc;
	return a;
}

void account_free(struct account **account)
{
	struct account *a = *account;

	if (a == NULL)
		return;
	account_disconnect(a);
	bcache_close(&a->bc);
	free(a);
	*account = NULL;
}

const struct cfg_account *account_cfg(const struct account *a)
{
	return a->cfg;
}

struct hcache *account_hcache(const struct account *a)
{
	return a->hc;
}

struct bcache *account_bcache(struct account *a)
{
	if (!a->bc_tried) {
		char *dir = bcache_default_dir();
		const char *error;

		a->bc_tried = true;
		if (dir == NULL)
			log_warn("%s", _("no body cache: HOME is not set"));
		else if (bcache_open(dir, &a->bc, &error) < 0)
			log_warn("%s", error);
		free(dir);
	}
	return a->bc;
}

void account_set_alert_fn(struct account *a, session_alert_fn *fn, void *ctx)
{
	a->alert_fn = fn;
	a->alert_ctx = ctx;
	if (a->session != NULL)
		session_set_alert_fn(a->session, fn, ctx);
}

/* The session observer: the selected mailbox's tracker hears everything. */
static void observe(void *ctx, const struct imap_event *ev)
{
	struct account *a = ctx;

	if (a->track != NULL)
		track_event(a->track, ev);
}

int account_connect(struct account *a, const char **error_r)
{
	if (a->session != NULL)
		return 0;
	if (session_open(a->cfg, &a->session, error_r) < 0) {
		a->session = NULL;
		return -1;
	}
	session_set_alert_fn(a->session, a->alert_fn, a->alert_ctx);
	session_set_observer(a->session, observe, a);
	log_info("account %s: connected", a->cfg->name);
	return 0;
}

bool account_connected(const struct account *a)
{
	return a->session != NULL;
}

struct session *account_session(struct account *a)
{
	return a->session;
}

void account_unselected(struct account *a)
{
	track_free(&a->track);
	free(a->selected);
	a->selected = NULL;
	a->selected_rw = false;
}

void account_disconnect(struct account *a)
{
	account_unselected(a);
	session_close(&a->session);
}

void account_selected(struct account *a, const char *mailbox, bool rw, struct track *track)
{
	account_unselected(a);
	a->selected = xstrdup(mailbox);
	a->selected_rw = rw;
	a->track = track;
}

const char *account_selected_name(const struct account *a)
{
	return a->selected;
}

struct track *account_track(struct account *a)
{
	return a->track;
}

int account_select(struct account *a, const char *mailbox, bool rw, uint32_t uidvalidity, const char **error_r)
{
	struct imap_engine *engine = session_engine(a->session);
	const struct imap_mailbox_info *mb;
	int ret;

	if (a->selected == NULL || strcmp(a->selected, mailbox) != 0 || (rw && !a->selected_rw)) {
		account_unselected(a);
		ret = session_wait(a->session, imap_engine_cmd_select(engine, mailbox, !rw), NULL, NULL, error_r);
		if (ret < 0)
			return OP_LOST;
		if (ret > 0) {
			*error_r = errstr(_("no such folder '%s' (server said: %s)"), mailbox, *error_r);
			return OP_FAILED;
		}
		mb = imap_engine_mailbox(engine);
		a->selected = xstrdup(mailbox);
		a->selected_rw = rw;
		a->track = track_new(a->hc, a->cfg->name, mailbox, mb->uidvalidity, mb->uidnext, mb->exists);
	}
	mb = imap_engine_mailbox(engine);
	if (rw && mb->readonly) {
		*error_r = errstr(_("the folder '%s' is read-only"), mailbox);
		return OP_FAILED;
	}
	if (uidvalidity != 0 && mb->uidvalidity != uidvalidity) {
		*error_r = errstr(_("the folder '%s' was renewed on the server (open it again)"), mailbox);
		return OP_FAILED;
	}
	return OP_OK;
}

struct track_changes *account_changes(struct account *a)
{
	return a->track != NULL ? track_flush(a->track) : NULL;
}
