/* flags.c: flag changes shown at once and sent to the server; taken back when the server refuses. */
#include "skua.h"
#include "ui-int.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

/* A flag change the server has not answered yet. */
struct ui_flag_req {
	uint64_t id;                   /* the route's request */
	struct ui_msgref ref;
	uint32_t mask;                 /* the bits it changes */
	uint32_t before;               /* those bits before the change (restored on ERROR) */
};

struct ui_flags {
	struct ui_flag_req *reqs;      /* oldest first */
	size_t n, cap;
	struct ui_client client;
};

/* True when a change of the same message made after reqs[i] is still under way. */
static bool ui_flags_later_pending(const struct ui_flags *f, size_t i)
{
	for (size_t j = i + 1; j < f->n; j++)
		if (ui_msgref_eq(&f->reqs[j].ref, &f->reqs[i].ref))
			return true;
	return false;
}

static void ui_flags_reply(struct ui_app *app, struct ui_client *client, struct ui_reply *reply)
{
	struct ui_flags *f = app->flags;
	struct ui_flag_req *r = NULL;
	struct ui_mailbox *mb;
	const struct mindex_msg *m;
	size_t i;

	(void)client;
	for (i = 0; i < f->n && r == NULL; i++)
		if (f->reqs[i].id == reply->req)
			r = &f->reqs[i];
	if (r == NULL)
		return;
	i--;
	/* the mailbox the change was made in, if it is still open under the same UIDVALIDITY */
	mb = ui_mailbox_of(app, &r->ref);
	switch (reply->kind) {
	case UI_REPLY_FLAGS:
		/* the server's word, unless a later change of the message is still on its way */
		if (mb != NULL && (uint32_t)reply->a == r->ref.uid && !ui_flags_later_pending(f, i))
			ui_mailbox_set_flags(app, mb, r->ref.uid, (uint32_t)reply->b);
		return;
	case UI_REPLY_ERROR:
	case UI_REPLY_CANCELLED:
		if (mb != NULL && (m = ui_mailbox_msg(mb, r->ref.uid)) != NULL)
			ui_mailbox_set_flags(app, mb, r->ref.uid, (m->flags & ~r->mask) | r->before);
		if (reply->kind == UI_REPLY_ERROR)
			ui_error(app, "%s", reply->text != NULL ? reply->text : _("Cannot change the flags."));
		break;
	case UI_REPLY_DONE:
		break;
	default:
		return;
	}
	/* the final reply: forget the change */
	memmove(&f->reqs[i], &f->reqs[i + 1], (f->n - i - 1) * sizeof(*f->reqs));
	f->n--;
}

bool ui_flags_change(struct ui_app *app, const struct ui_msgref *ref, uint32_t add, uint32_t remove)
{
	struct ui_mailbox *mb = ui_mailbox_of(app, ref);
	const struct mindex_msg *m;
	struct ui_flags *f;
	struct ui_flag_req *r;
	uint64_t id;

	if (mb == NULL || (m = ui_mailbox_msg(mb, ref->uid)) == NULL)
		return false;
	if (app->flags == NULL) {
		app->flags = xcalloc(1, sizeof(*app->flags));
		app->flags->client.reply = ui_flags_reply;
	}
	f = app->flags;
	/* only what changes goes to the server */
	add &= ~m->flags & UI_STORABLE_FLAGS;
	remove &= m->flags & UI_STORABLE_FLAGS;
	if ((add | remove) == 0)
		return true;
	uint32_t before = m->flags & (add | remove), flags = (m->flags | add) & ~remove;
	if ((id = ui_route_flags(app, ref, add, remove, &f->client)) == 0)
		return true; /* the error is shown; nothing changed */
	f->reqs = xgrow(f->reqs, &f->cap, f->n + 1, sizeof(*f->reqs));
	r = &f->reqs[f->n++];
	r->id = id;
	r->ref = *ref;
	r->mask = add | remove;
	r->before = before;
	ui_mailbox_set_flags(app, mb, ref->uid, flags);
	return true;
}

void ui_flags_free(struct ui_app *app)
{
	if (app->flags == NULL)
		return;
	ui_route_forget(app, &app->flags->client);
	free(app->flags->reqs);
	free(app->flags);
	app->flags = NULL;
}
