/* triage.c: what the triage keys do to sets of messages: each action is shown at once and sent as a few
 * operations run one after the other; a refusal rolls the screen (and what was already done) back, and
 * the undo log takes the session's actions back one at a time. */
#include "skua.h"
#include "ui-int.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define UI_TRIAGE_MAX_UNDO 200  /* actions the undo log keeps (the oldest go first) */
#define UI_TRIAGE_MAX_STEPS 12  /* operations in one action (an undo of flags: two per flag) */
#define UI_TRIAGE_NBITS 6       /* enum imap_flag bits a step may change (UI_STORABLE_FLAGS within) */

/* One operation of an action. */
struct ui_step {
	enum ui_op_kind kind;    /* FLAGS, COPY, MOVE, EXPUNGE */
	char *mailbox;
	uint32_t uidvalidity;
	char *dest;
	struct imap_uidset uids;
	uint32_t add, remove;
	/* FLAGS: per changed bit, which of uids had it before (for the rollback and the undo) */
	struct imap_uidset had[UI_TRIAGE_NBITS];
	bool applied;            /* shown (and `had` taken) */
	bool no_undo;            /* its undo is part of a later step's (the \Deleted cleared before a purge) */
	bool remark;             /* MOVE of a purge to the trash: its undo marks the messages \Deleted again */
	bool on_moved;           /* FLAGS on the messages where the step before moved them (its dest and
				  * COPYUID), known once it ran; skipped when the server did not say */
	/* COPY, MOVE: where the messages went (COPYUID) */
	uint32_t dest_uidvalidity;
	struct imap_uidset src_done, dst_done;
};

struct ui_act {
	uint32_t account;
	struct ui_step steps[UI_TRIAGE_MAX_STEPS];
	size_t n, next;          /* steps; the one to run (or running) next */
	uint64_t req;            /* the running step's request, or 0 */
	bool failed, done;
	bool is_undo;            /* taking back another action: not itself in the log */
	bool refresh;            /* a step chose another folder: the index's is opened again at the end */
	char *what;              /* for the message line: "Moved 3 messages to Archive." */
};

struct ui_triage {
	struct ui_act **acts;    /* the log, oldest first; running ones too */
	size_t n, cap;
	struct ui_act **running; /* is_undo actions (not in the log) under way */
	size_t n_running, cap_running;
	struct ui_client client;
	char *last_folder;       /* offered at the next folder prompt */
	bool tag_prefix;         /* the next command is about the tagged messages */
	/* what the open folder prompt is for */
	struct imap_uidset ask_set;
	uint32_t ask_account, ask_uidvalidity;
	char *ask_mailbox;
	bool ask_move;
};

static struct ui_triage *ui_triage_get(struct ui_app *app);

static void ui_step_clear(struct ui_step *s)
{
	free(s->mailbox);
	free(s->dest);
	imap_uidset_clear(&s->uids);
	for (size_t b = 0; b < UI_TRIAGE_NBITS; b++)
		imap_uidset_clear(&s->had[b]);
	imap_uidset_clear(&s->src_done);
	imap_uidset_clear(&s->dst_done);
}

static void ui_act_free(struct ui_act **act)
{
	if (*act == NULL)
		return;
	for (size_t i = 0; i < (*act)->n; i++)
		ui_step_clear(&(*act)->steps[i]);
	free((*act)->what);
	free(*act);
	*act = NULL;
}

static struct ui_step *ui_act_step(struct ui_act *act, enum ui_op_kind kind, const char *mailbox,
				   uint32_t uidvalidity, const struct imap_uidset *uids)
{
	struct ui_step *s;

	if (act->n >= UI_TRIAGE_MAX_STEPS || imap_uidset_is_empty(uids))
		return NULL;
	s = &act->steps[act->n++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->mailbox = xstrdup(mailbox);
	s->uidvalidity = uidvalidity;
	imap_uidset_copy(&s->uids, uids);
	return s;
}

/* The open mailbox a step is about (same account, name and UIDVALIDITY), or NULL. */
static struct ui_mailbox *ui_step_mailbox(struct ui_app *app, const struct ui_act *act, const char *name,
					  uint32_t uidvalidity)
{
	struct ui_mailbox *mb = ui_mailbox_named(app, act->account, name);

	return mb != NULL && (uidvalidity == 0 || mb->uidvalidity == uidvalidity) ? mb : NULL;
}

/* Shows a step at once: flags set (what they were is kept), messages leaving hidden. */
static void ui_step_apply(struct ui_app *app, struct ui_act *act, struct ui_step *s)
{
	struct ui_mailbox *mb = ui_step_mailbox(app, act, s->mailbox, s->uidvalidity);
	struct imap_uidset_iter it;
	const struct mindex_msg *m;
	uint32_t uid;

	s->applied = true;
	if (mb == NULL)
		return;
	switch (s->kind) {
	case UI_OP_FLAGS:
		imap_uidset_iter_init(&it, &s->uids);
		while (imap_uidset_iter_next(&it, &uid)) {
			if ((m = ui_mailbox_msg(mb, uid)) == NULL)
				continue;
			for (size_t b = 0; b < UI_TRIAGE_NBITS; b++)
				if (((s->add | s->remove) & (1u << b)) && (m->flags & (1u << b)))
					imap_uidset_add(&s->had[b], uid);
			ui_mailbox_set_flags(app, mb, uid, (m->flags | s->add) & ~s->remove);
		}
		break;
	case UI_OP_MOVE:
	case UI_OP_EXPUNGE:
		ui_mailbox_hide(app, mb, &s->uids, true);
		break;
	default:
		break;
	}
}

/* Takes back what ui_step_apply showed (the server refused, or never did it). */
static void ui_step_unapply(struct ui_app *app, struct ui_act *act, struct ui_step *s)
{
	struct ui_mailbox *mb = ui_step_mailbox(app, act, s->mailbox, s->uidvalidity);
	struct imap_uidset_iter it;
	const struct mindex_msg *m;
	uint32_t uid, mask = s->add | s->remove;

	if (!s->applied || mb == NULL)
		return;
	s->applied = false;
	switch (s->kind) {
	case UI_OP_FLAGS:
		imap_uidset_iter_init(&it, &s->uids);
		while (imap_uidset_iter_next(&it, &uid)) {
			uint32_t before = 0;

			if ((m = ui_mailbox_msg(mb, uid)) == NULL)
				continue;
			for (size_t b = 0; b < UI_TRIAGE_NBITS; b++)
				if (imap_uidset_contains(&s->had[b], uid))
					before |= 1u << b;
			ui_mailbox_set_flags(app, mb, uid, (m->flags & ~mask) | (before & mask));
		}
		break;
	case UI_OP_MOVE:
	case UI_OP_EXPUNGE:
		ui_mailbox_hide(app, mb, &s->uids, false);
		break;
	default:
		break;
	}
}

/* Sends the next step of act, or finishes it. */
static void ui_act_run(struct ui_app *app, struct ui_act *act);

/* The inverse of FLAGS step s done on the server: a new action, not logged (a rollback). */
static struct ui_act *ui_act_new(uint32_t account, bool is_undo)
{
	struct ui_act *act = xcalloc(1, sizeof(*act));

	act->account = account;
	act->is_undo = is_undo;
	return act;
}

/* Adds to act the steps that take FLAGS step s back. Returns false when they do not fit. */
static bool ui_act_add_flags_inverse(struct ui_act *act, const struct ui_step *s)
{
	struct imap_uidset lacked = IMAP_UIDSET_INIT;
	struct ui_step *n;
	bool ok = true;

	for (size_t b = 0; b < UI_TRIAGE_NBITS && ok; b++) {
		uint32_t bit = 1u << b;

		if (!((s->add | s->remove) & bit))
			continue;
		imap_uidset_copy(&lacked, &s->uids);
		for (size_t i = 0; i < s->had[b].count; i++)
			imap_uidset_remove_range(&lacked, s->had[b].ranges[i].lo, s->had[b].ranges[i].hi);
		/* those that had the bit get it back; those that lacked it lose it */
		if (!imap_uidset_is_empty(&s->had[b])) {
			if ((n = ui_act_step(act, UI_OP_FLAGS, s->mailbox, s->uidvalidity, &s->had[b])) == NULL)
				ok = false;
			else
				n->add = bit;
		}
		if (ok && !imap_uidset_is_empty(&lacked)) {
			if ((n = ui_act_step(act, UI_OP_FLAGS, s->mailbox, s->uidvalidity, &lacked)) == NULL)
				ok = false;
			else
				n->remove = bit;
		}
	}
	imap_uidset_clear(&lacked);
	return ok;
}

static void ui_triage_start(struct ui_app *app, struct ui_act *act, bool log)
{
	struct ui_triage *t = ui_triage_get(app);

	if (log) {
		if (t->n >= UI_TRIAGE_MAX_UNDO) {
			/* the oldest finished action leaves the log */
			for (size_t i = 0; i < t->n; i++) {
				if (t->acts[i]->done || t->acts[i]->failed) {
					ui_act_free(&t->acts[i]);
					memmove(&t->acts[i], &t->acts[i + 1], (t->n - i - 1) * sizeof(*t->acts));
					t->n--;
					break;
				}
			}
		}
		t->acts = xgrow(t->acts, &t->cap, t->n + 1, sizeof(*t->acts));
		t->acts[t->n++] = act;
	} else {
		t->running = xgrow(t->running, &t->cap_running, t->n_running + 1, sizeof(*t->running));
		t->running[t->n_running++] = act;
	}
	ui_act_run(app, act);
}

/* Forgets a finished action that is not in the log. */
static void ui_triage_drop_running(struct ui_app *app, struct ui_act *act)
{
	struct ui_triage *t = ui_triage_get(app);

	for (size_t i = 0; i < t->n_running; i++) {
		if (t->running[i] == act) {
			memmove(&t->running[i], &t->running[i + 1], (t->n_running - i - 1) * sizeof(*t->running));
			t->n_running--;
			ui_act_free(&act);
			return;
		}
	}
}

static void ui_act_finish(struct ui_app *app, struct ui_act *act)
{
	struct ui_mailbox *ix = ui_index_mailbox(app);

	act->req = 0;
	if (act->failed) {
		/* what was already done goes back, on the screen and on the server */
		struct ui_act *back = ui_act_new(act->account, true);

		for (size_t i = act->next + 1; i-- > 0;) {
			if (i >= act->n)
				continue;
			ui_step_unapply(app, act, &act->steps[i]);
			if (i < act->next && act->steps[i].kind == UI_OP_FLAGS)
				(void)ui_act_add_flags_inverse(back, &act->steps[i]);
		}
		if (back->n > 0)
			ui_triage_start(app, back, false);
		else
			ui_act_free(&back);
	} else {
		act->done = true;
		if (act->what != NULL)
			ui_message(app, "%s", act->what);
	}
	/* a step chose another folder, where the index's folder stops being followed: open it again
	 * (from the cache at once; the server's changes, ours included, follow) */
	if (act->refresh && ix != NULL && ix->account == act->account && !ix->loading)
		ui_index_open(app, ix->account, ix->name);
	bool failed = act->failed;

	if (act->is_undo)
		ui_triage_drop_running(app, act); /* frees it */
	ui_leave_action_done(app, failed);
}

static void ui_act_run(struct ui_app *app, struct ui_act *act)
{
	struct ui_triage *t = ui_triage_get(app);
	struct ui_mailbox *ix = ui_index_mailbox(app);
	struct ui_step *s;
	struct ui_op op;

	if (act->next >= act->n) {
		ui_act_finish(app, act);
		return;
	}
	s = &act->steps[act->next];
	if (s->on_moved) {
		const struct ui_step *prev = &act->steps[act->next - 1];
		if (imap_uidset_is_empty(&prev->dst_done)) {
			act->next++;
			ui_act_run(app, act);
			return;
		}
		imap_uidset_copy(&s->uids, &prev->dst_done);
		free(s->mailbox);
		s->mailbox = xstrdup(prev->dest);
		s->uidvalidity = prev->dest_uidvalidity;
	}
	if (ix == NULL || ix->account != act->account || strcmp(ix->name, s->mailbox) != 0)
		act->refresh = true;
	ui_step_apply(app, act, s);
	memset(&op, 0, sizeof(op));
	op.kind = s->kind;
	op.mailbox = s->mailbox;
	op.uidvalidity = s->uidvalidity;
	op.uids = &s->uids;
	op.dest = s->dest;
	op.add = s->add;
	op.remove = s->remove;
	if ((act->req = ui_route_op(app, act->account, &op, &t->client)) == 0) {
		act->failed = true;
		ui_act_finish(app, act);
	}
}

static struct ui_act *ui_triage_find(struct ui_triage *t, uint64_t req)
{
	for (size_t i = t->n; i-- > 0;)
		if (t->acts[i]->req == req)
			return t->acts[i];
	for (size_t i = 0; i < t->n_running; i++)
		if (t->running[i]->req == req)
			return t->running[i];
	return NULL;
}

/* True when an action begun after act is still changing messages of that mailbox. */
static bool ui_triage_later_pending(struct ui_triage *t, const struct ui_act *act, const char *mailbox)
{
	bool after = false;

	for (size_t i = 0; i < t->n; i++) {
		if (t->acts[i] == act) {
			after = true;
			continue;
		}
		if (after && !t->acts[i]->done && !t->acts[i]->failed && t->acts[i]->next < t->acts[i]->n &&
		    strcmp(t->acts[i]->steps[t->acts[i]->next].mailbox, mailbox) == 0)
			return true;
	}
	return false;
}

static void ui_triage_reply(struct ui_app *app, struct ui_client *client, struct ui_reply *reply)
{
	struct ui_triage *t = ui_triage_get(app);
	struct ui_act *act = ui_triage_find(t, reply->req);
	struct ui_mailbox *mb;
	struct ui_step *s;

	(void)client;
	if (act == NULL || act->next >= act->n)
		return;
	s = &act->steps[act->next];
	mb = ui_step_mailbox(app, act, s->mailbox, s->uidvalidity);
	switch (reply->kind) {
	case UI_REPLY_FLAGS:
		/* the server's word, unless a later action is changing that folder */
		if (mb != NULL && !ui_triage_later_pending(t, act, s->mailbox))
			ui_mailbox_set_flags(app, mb, (uint32_t)reply->a, (uint32_t)reply->b);
		return;
	case UI_REPLY_COPIED:
		s->dest_uidvalidity = (uint32_t)reply->a;
		if (reply->copy_src != NULL && reply->copy_dst != NULL) {
			imap_uidset_add_set(&s->src_done, reply->copy_src);
			imap_uidset_add_set(&s->dst_done, reply->copy_dst);
		}
		return;
	case UI_REPLY_NOTE:
		if (reply->text != NULL)
			ui_message(app, "%s", reply->text);
		return;
	case UI_REPLY_DONE:
		if (mb != NULL && (s->kind == UI_OP_MOVE || s->kind == UI_OP_EXPUNGE))
			ui_mailbox_expunged(app, mb, &s->uids);
		act->next++;
		act->req = 0;
		ui_act_run(app, act);
		return;
	case UI_REPLY_ERROR:
	case UI_REPLY_CANCELLED:
		ui_error(app, "%s", reply->kind == UI_REPLY_ERROR && reply->text != NULL ? reply->text :
				    _("The action was cancelled."));
		act->failed = true;
		ui_act_finish(app, act);
		return;
	default:
		return;
	}
}

static struct ui_triage *ui_triage_get(struct ui_app *app)
{
	if (app->triage == NULL) {
		app->triage = xcalloc(1, sizeof(*app->triage));
		app->triage->client.reply = ui_triage_reply;
	}
	return app->triage;
}

/* --- what a command is about --- */

bool ui_triage_tag_prefix(struct ui_app *app, bool set)
{
	struct ui_triage *t = ui_triage_get(app);
	bool was = t->tag_prefix;

	t->tag_prefix = set;
	return was;
}

/* Adds to set the UIDs of the thread (threads order) of the index cursor's line. */
static bool ui_triage_thread(struct ui_app *app, struct ui_mailbox *mb, struct imap_uidset *set)
{
	size_t line, root, end;

	if (mb->order != SORT_THREADS) {
		ui_error(app, "%s", _("Threading is not enabled (sort by threads with o, t)."));
		return false;
	}
	if (mb->list.count == 0 || mb->n_lines == 0)
		return false;
	line = ui_mailbox_row_line(mb, mb->list.cur);
	for (root = line; root > 0 && mb->lines[root].depth > 0; root--)
		;
	end = root + 1 + mb->lines[root].descendants;
	for (size_t i = root; i < end && i < mb->n_lines; i++) {
		const struct mindex_msg *m = ui_mailbox_line_msg(mb, i);

		if (m != NULL && !imap_uidset_contains(&mb->hidden, m->uid))
			imap_uidset_add(set, m->uid);
	}
	return true;
}

bool ui_triage_target(struct ui_app *app, enum ui_triage_scope scope, struct ui_mailbox **mb_r,
		      struct imap_uidset *set)
{
	struct ui_mailbox *mb = ui_index_mailbox(app);
	struct ui_msgref ref;

	*mb_r = NULL;
	if (ui_triage_tag_prefix(app, false)) {
		if (mb == NULL || imap_uidset_is_empty(&mb->tagged)) {
			ui_error(app, "%s", _("No tagged messages."));
			return false;
		}
		imap_uidset_add_set(set, &mb->tagged);
		*mb_r = mb;
		return true;
	}
	if (scope == UI_TRIAGE_THREAD) {
		if (mb == NULL || !ui_triage_thread(app, mb, set))
			return false;
		*mb_r = mb;
		return !imap_uidset_is_empty(set);
	}
	if (!ui_view_message(app, &ref) || (mb = ui_mailbox_of(app, &ref)) == NULL ||
	    ui_mailbox_msg(mb, ref.uid) == NULL) {
		ui_error(app, "%s", _("No messages."));
		return false;
	}
	imap_uidset_add(set, ref.uid);
	*mb_r = mb;
	return true;
}

/* --- the actions --- */

static size_t ui_triage_count(const struct imap_uidset *set)
{
	size_t n = 0;

	for (size_t i = 0; i < set->count; i++)
		n += (size_t)set->ranges[i].hi - set->ranges[i].lo + 1;
	return n;
}

void ui_triage_flags(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set, uint32_t add,
		     uint32_t remove)
{
	struct ui_act *act = ui_act_new(mb->account, false);
	struct ui_step *s = ui_act_step(act, UI_OP_FLAGS, mb->name, mb->uidvalidity, set);

	if (s == NULL) {
		ui_act_free(&act);
		return;
	}
	s->add = add & UI_STORABLE_FLAGS;
	s->remove = remove & UI_STORABLE_FLAGS;
	ui_triage_start(app, act, true);
}

void ui_triage_transfer(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set, bool move,
			const char *dest)
{
	struct ui_act *act;
	struct ui_step *s;
	size_t n = ui_triage_count(set);

	if (strcmp(dest, mb->name) == 0) {
		ui_error(app, "%s", _("The messages are already in that folder."));
		return;
	}
	act = ui_act_new(mb->account, false);
	s = ui_act_step(act, move ? UI_OP_MOVE : UI_OP_COPY, mb->name, mb->uidvalidity, set);
	s->dest = xstrdup(dest);
	act->what = xstrdup(move ? errstr(P_("Moved %zu message to %s.", "Moved %zu messages to %s.", n), n, dest) :
			    errstr(P_("Copied %zu message to %s.", "Copied %zu messages to %s.", n), n, dest));
	ui_triage_set_last_folder(app, dest);
	ui_triage_start(app, act, true);
}

/* The folder prompt was accepted: "=NAME" and "+NAME" (mutt's shorthands for the folder root) are NAME. */
static void ui_triage_ask_done(struct ui_app *app, const char *text, void *ctx)
{
	struct ui_triage *t = ui_triage_get(app);
	struct ui_mailbox *mb = ui_mailbox_named(app, t->ask_account, t->ask_mailbox);

	(void)ctx;
	if (*text == '=' || *text == '+')
		text++;
	if (*text == '\0')
		return;
	if (mb == NULL || mb->uidvalidity != t->ask_uidvalidity) {
		ui_error(app, "%s", _("The folder was closed meanwhile."));
		return;
	}
	ui_triage_transfer(app, mb, &t->ask_set, t->ask_move, text);
}

void ui_triage_ask_folder(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set, bool move)
{
	struct ui_triage *t = ui_triage_get(app);
	size_t n = ui_triage_count(set);
	char *suggest;

	imap_uidset_clear(&t->ask_set);
	imap_uidset_copy(&t->ask_set, set);
	t->ask_account = mb->account;
	t->ask_uidvalidity = mb->uidvalidity;
	free(t->ask_mailbox);
	t->ask_mailbox = xstrdup(mb->name);
	t->ask_move = move;
	/* the last folder, written as mutt users write a folder of the account */
	suggest = t->last_folder != NULL ? xasprintf("=%s", t->last_folder) : NULL;
	ui_prompt_open(app, move ? errstr(P_("Move %zu message to folder: ", "Move %zu messages to folder: ", n), n) :
			     errstr(P_("Copy %zu message to folder: ", "Copy %zu messages to folder: ", n), n),
		       suggest, CMD_COMPLETE_FOLDER, ui_triage_ask_done, NULL);
	free(suggest);
}

int ui_triage_archive(struct ui_app *app, struct ui_mailbox *mb, const struct imap_uidset *set)
{
	const char *archive = app->accounts[mb->account].cfg->archive;

	if (archive == NULL && ui_folders_role(app, mb->account, IMAP_MBOX_ARCHIVE, &archive) < 0) {
		ui_error(app, "%s", _("The folder list has not arrived yet: try again in a moment."));
		return -1;
	}
	if (archive == NULL) {
		ui_error(app, "%s", _("No archive folder: the server marks none \\Archive; set `archive` in the account."));
		return -1;
	}
	ui_triage_transfer(app, mb, set, true, archive);
	return 0;
}

void ui_triage_deleted(const struct ui_mailbox *mb, struct imap_uidset *set_r)
{
	for (size_t pos = 0, count = mindex_count(mb->idx); pos < count; pos++) {
		const struct mindex_msg *m = mindex_get(mb->idx, pos);

		if (m != NULL && (m->flags & IMAP_FLAG_DELETED) && !imap_uidset_contains(&mb->hidden, m->uid))
			imap_uidset_add(set_r, m->uid);
	}
}

int ui_triage_sync(struct ui_app *app, struct ui_mailbox *mb)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	const char *trash = NULL;
	struct ui_act *act;
	struct ui_step *s;
	size_t n;

	ui_triage_deleted(mb, &set);
	if (imap_uidset_is_empty(&set)) {
		ui_message(app, "%s", _("No deleted messages."));
		return 0;
	}
	trash = app->accounts[mb->account].cfg->trash;
	if (trash == NULL && ui_folders_role(app, mb->account, IMAP_MBOX_TRASH, &trash) < 0) {
		imap_uidset_clear(&set);
		ui_error(app, "%s", _("The folder list has not arrived yet: try again in a moment."));
		return -1;
	}
	n = ui_triage_count(&set);
	act = ui_act_new(mb->account, false);
	if (trash != NULL && strcmp(trash, mb->name) != 0) {
		/* to the trash: the copies there are not to be deleted, so the mark goes first */
		s = ui_act_step(act, UI_OP_FLAGS, mb->name, mb->uidvalidity, &set);
		s->remove = IMAP_FLAG_DELETED;
		s->no_undo = true;
		s = ui_act_step(act, UI_OP_MOVE, mb->name, mb->uidvalidity, &set);
		s->dest = xstrdup(trash);
		s->remark = true;
		act->what = xstrdup(errstr(P_("Moved %zu deleted message to %s.", "Moved %zu deleted messages to %s.",
					      n), n, trash));
	} else {
		ui_act_step(act, UI_OP_EXPUNGE, mb->name, mb->uidvalidity, &set);
		act->what = xstrdup(errstr(P_("Expunged %zu message.", "Expunged %zu messages.", n), n));
	}
	imap_uidset_clear(&set);
	ui_triage_start(app, act, true);
	return 0;
}

int ui_triage_undo(struct ui_app *app)
{
	struct ui_triage *t = ui_triage_get(app);
	struct ui_act *act = NULL, *back;
	size_t i;

	for (i = t->n; i-- > 0;) {
		if (!t->acts[i]->failed) {
			act = t->acts[i];
			break;
		}
	}
	if (act == NULL) {
		ui_error(app, "%s", _("Nothing to undo."));
		return -1;
	}
	if (!act->done) {
		ui_error(app, "%s", _("The last action is still under way: undo it once it is done."));
		return -1;
	}
	back = ui_act_new(act->account, true);
	for (size_t k = act->n; k-- > 0;) {
		struct ui_step *s = &act->steps[k], *n;

		switch (s->kind) {
		case UI_OP_FLAGS:
			if (!s->no_undo)
				(void)ui_act_add_flags_inverse(back, s);
			break;
		case UI_OP_MOVE:
		case UI_OP_COPY:
			if (imap_uidset_is_empty(&s->dst_done)) {
				ui_error(app, "%s", _("Cannot undo: the server did not say where the messages went."));
				ui_act_free(&back);
				return -1;
			}
			/* moved: back where they were; copied: the copies go */
			n = ui_act_step(back, s->kind == UI_OP_MOVE ? UI_OP_MOVE : UI_OP_EXPUNGE, s->dest,
					s->dest_uidvalidity, &s->dst_done);
			if (n != NULL && s->kind == UI_OP_MOVE)
				n->dest = xstrdup(s->mailbox);
			if (n != NULL && s->remark) {
				/* a purge to the trash undone: back, and marked deleted as they were */
				n = ui_act_step(back, UI_OP_FLAGS, s->mailbox, s->uidvalidity, &s->dst_done);
				if (n != NULL) {
					n->add = IMAP_FLAG_DELETED;
					n->on_moved = true;
				}
			}
			break;
		case UI_OP_EXPUNGE:
			ui_error(app, "%s", _("Cannot undo: expunged messages are gone for good."));
			ui_act_free(&back);
			ui_act_free(&t->acts[i]);
			memmove(&t->acts[i], &t->acts[i + 1], (t->n - i - 1) * sizeof(*t->acts));
			t->n--;
			return -1;
		default:
			break;
		}
	}
	/* the action leaves the log now: undo again takes the one before */
	back->what = xstrdup(_("Undone."));
	ui_act_free(&t->acts[i]);
	memmove(&t->acts[i], &t->acts[i + 1], (t->n - i - 1) * sizeof(*t->acts));
	t->n--;
	if (back->n == 0) {
		ui_message(app, "%s", back->what);
		ui_act_free(&back);
		return 0;
	}
	ui_triage_start(app, back, false);
	return 0;
}

bool ui_triage_busy(struct ui_app *app)
{
	struct ui_triage *t = app->triage;

	if (t == NULL)
		return false;
	if (t->n_running > 0)
		return true;
	for (size_t i = 0; i < t->n; i++)
		if (!t->acts[i]->done && !t->acts[i]->failed)
			return true;
	return false;
}

const char *ui_triage_last_folder(struct ui_app *app)
{
	return ui_triage_get(app)->last_folder;
}

void ui_triage_set_last_folder(struct ui_app *app, const char *name)
{
	struct ui_triage *t = ui_triage_get(app);

	free(t->last_folder);
	t->last_folder = xstrdup(name);
}

void ui_triage_free(struct ui_app *app)
{
	struct ui_triage *t = app->triage;

	if (t == NULL)
		return;
	ui_route_forget(app, &t->client);
	for (size_t i = 0; i < t->n; i++)
		ui_act_free(&t->acts[i]);
	for (size_t i = 0; i < t->n_running; i++)
		ui_act_free(&t->running[i]);
	free(t->acts);
	free(t->running);
	free(t->last_folder);
	free(t->ask_mailbox);
	imap_uidset_clear(&t->ask_set);
	free(t);
	app->triage = NULL;
}
