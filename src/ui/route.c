/* route.c: the only UI file that speaks the worker API: one worker per account, started when first
 * needed, requests made for clients and every reply routed back to the client that asked (never to
 * one that forgot its requests), connection states and alerts kept for the status bar. */
#include "skua.h"
#include "ui-int.h"
#include "backend/worker.h"
#include "ev/ev-queue.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>

#define UI_ROUTE_QUEUE_BATCH 1 /* worker messages handled per loop turn: the keyboard is polled
				* between turns, so a key waits for at most this much work */
#define UI_ROUTE_QUEUE_MAX 256 /* worker -> UI queue bound (back-pressure on a fast load) */

_Static_assert(UI_STORABLE_FLAGS == WORKER_STORABLE_FLAGS, "the UI's storable flags are the worker's");
_Static_assert((int)UI_CONN_FAILED == (int)WORKER_CONN_FAILED && (int)UI_CONN_BUSY == (int)WORKER_CONN_BUSY &&
	       (int)UI_CONN_READY == (int)WORKER_CONN_READY && (int)UI_CONN_IDLE == (int)WORKER_CONN_IDLE &&
	       (int)UI_CONN_CONNECTING == (int)WORKER_CONN_CONNECTING, "connection states match");

/* A request in flight. */
struct ui_route_req {
	uint64_t id;             /* ours, unique across accounts */
	uint64_t worker_id;      /* the worker's */
	uint32_t account;
	struct ui_client *client;
};

struct ui_route {
	struct ev_queue *queue;  /* workers -> UI */
	struct ev_io *queue_io;
	struct worker **workers; /* per account, NULL until needed */
	struct ui_route_req *reqs;
	size_t n_reqs, cap_reqs;
	uint64_t next_id;
};

void ui_folder_free(struct ui_folder **f)
{
	if (*f == NULL)
		return;
	free((*f)->name);
	free(*f);
	*f = NULL;
}

bool ui_changes_next_added(const struct ui_changes *c, size_t *offset, struct hcache_msg *msg_r)
{
	return c->added != NULL && worker_batch_next(c->added, offset, msg_r);
}

bool ui_reply_next_msg(const struct ui_reply *reply, size_t *offset, struct hcache_msg *msg_r)
{
	return reply->batch != NULL && worker_batch_next(reply->batch, offset, msg_r);
}

int ui_route_init(struct ui_app *app, const char **error_r)
{
	struct ui_route *r = xcalloc(1, sizeof(*r));

	r->workers = xcalloc(app->n_accounts > 0 ? app->n_accounts : 1, sizeof(*r->workers));
	r->next_id = 1;
	app->route = r;
	if ((r->queue = ev_queue_new(UI_ROUTE_QUEUE_MAX, error_r)) == NULL)
		return -1;
	return 0;
}

int ui_route_start(struct ui_app *app, uint32_t account, const char **error_r)
{
	struct ui_route *r = app->route;

	if (account >= app->n_accounts) {
		*error_r = _("no such account");
		return -1;
	}
	if (r->workers[account] != NULL)
		return 0;
	/* the worker's account id is ours plus one (0 means none in ev_msg) */
	if (worker_start(app->accounts[account].cfg, account + 1, app->hc, r->queue, &r->workers[account], error_r) < 0)
		return -1;
	if (app->cfg->keepalive > 0)
		worker_set_keepalive(r->workers[account], app->cfg->keepalive * 1000);
	return 0;
}

static struct worker *ui_route_worker(struct ui_app *app, uint32_t account)
{
	const char *error;

	if (ui_route_start(app, account, &error) < 0) {
		ui_error(app, "%s", error);
		return NULL;
	}
	return app->route->workers[account];
}

static uint64_t ui_route_add(struct ui_app *app, uint32_t account, uint64_t worker_id, struct ui_client *client)
{
	struct ui_route *r = app->route;
	struct ui_route_req *q;

	r->reqs = xgrow(r->reqs, &r->cap_reqs, r->n_reqs + 1, sizeof(*r->reqs));
	q = &r->reqs[r->n_reqs++];
	q->id = r->next_id++;
	q->worker_id = worker_id;
	q->account = account;
	q->client = client;
	return q->id;
}

uint64_t ui_route_folders(struct ui_app *app, uint32_t account, struct ui_client *client)
{
	struct worker *w = ui_route_worker(app, account);

	return w != NULL ? ui_route_add(app, account, worker_request(w, WORKER_REQ_FOLDERS, NULL, 0), client) : 0;
}

uint64_t ui_route_open(struct ui_app *app, uint32_t account, const char *folder, struct ui_client *client)
{
	struct worker *w = ui_route_worker(app, account);

	return w != NULL ? ui_route_add(app, account, worker_request(w, WORKER_REQ_OPEN, folder, 0), client) : 0;
}

uint64_t ui_route_body(struct ui_app *app, const struct ui_msgref *ref, struct ui_client *client)
{
	const char *folder = ui_names_get(app, ref->mailbox);
	struct worker *w;

	if (folder == NULL || (w = ui_route_worker(app, ref->account)) == NULL)
		return 0;
	return ui_route_add(app, ref->account, worker_request(w, WORKER_REQ_BODY, folder, ref->uid), client);
}

uint64_t ui_route_flags(struct ui_app *app, const struct ui_msgref *ref, uint32_t add, uint32_t remove,
			struct ui_client *client)
{
	const char *folder = ui_names_get(app, ref->mailbox);
	struct worker *w;

	if (folder == NULL || (w = ui_route_worker(app, ref->account)) == NULL)
		return 0;
	return ui_route_add(app, ref->account,
			    worker_request_flags(w, folder, ref->uidvalidity, ref->uid, add, remove), client);
}

uint64_t ui_route_op(struct ui_app *app, uint32_t account, const struct ui_op *uop, struct ui_client *client)
{
	static const enum op_kind kinds[] = {
		[UI_OP_FLAGS] = OP_FLAGS, [UI_OP_COPY] = OP_COPY, [UI_OP_MOVE] = OP_MOVE, [UI_OP_EXPUNGE] = OP_EXPUNGE,
		[UI_OP_CREATE] = OP_CREATE, [UI_OP_DELETE] = OP_DELETE, [UI_OP_RENAME] = OP_RENAME,
		[UI_OP_SUBSCRIBE] = OP_SUBSCRIBE, [UI_OP_UNSUBSCRIBE] = OP_UNSUBSCRIBE, [UI_OP_APPEND] = OP_APPEND,
	};
	struct worker *w = ui_route_worker(app, account);
	struct op op;

	if (w == NULL || (size_t)uop->kind >= N_ELEMENTS(kinds))
		return 0;
	op_init(&op, kinds[uop->kind]);
	op_set(&op.mailbox, uop->mailbox);
	op_set(&op.dest, uop->dest);
	op.uidvalidity = uop->uidvalidity;
	if (uop->uids != NULL)
		imap_uidset_copy(&op.uids, uop->uids);
	op.add = uop->add;
	op.remove = uop->remove;
	if (uop->data != NULL) {
		op.data = xmalloc(uop->len + 1);
		memcpy(op.data, uop->data, uop->len);
		op.data[uop->len] = '\0';
		op.len = uop->len;
	}
	return ui_route_add(app, account, worker_submit(w, &op), client);
}

static struct ui_route_req *ui_route_find(struct ui_route *r, uint64_t id)
{
	for (size_t i = 0; i < r->n_reqs; i++)
		if (r->reqs[i].id == id)
			return &r->reqs[i];
	return NULL;
}

void ui_route_cancel(struct ui_app *app, uint64_t id)
{
	struct ui_route_req *q = app->route != NULL ? ui_route_find(app->route, id) : NULL;

	if (q != NULL && app->route->workers[q->account] != NULL)
		worker_cancel(app->route->workers[q->account], q->worker_id);
}

static void ui_route_remove(struct ui_route *r, struct ui_route_req *q)
{
	size_t i = (size_t)(q - r->reqs);

	memmove(&r->reqs[i], &r->reqs[i + 1], (r->n_reqs - i - 1) * sizeof(*r->reqs));
	r->n_reqs--;
}

void ui_route_forget(struct ui_app *app, struct ui_client *client)
{
	struct ui_route *r = app->route;

	if (r == NULL)
		return;
	for (size_t i = r->n_reqs; i-- > 0;) {
		struct ui_route_req *q = &r->reqs[i];
		if (q->client != client)
			continue;
		if (r->workers[q->account] != NULL)
			worker_cancel(r->workers[q->account], q->worker_id);
		ui_route_remove(r, q);
	}
}

/* --- replies --- */

static const struct {
	enum worker_ev ev;
	enum ui_reply_kind kind;
} ui_route_kinds[] = {
	{ WORKER_EV_FOLDER, UI_REPLY_FOLDER }, { WORKER_EV_MAILBOX, UI_REPLY_MAILBOX },
	{ WORKER_EV_MSGS, UI_REPLY_MSGS }, { WORKER_EV_PREVIEW, UI_REPLY_PREVIEW }, { WORKER_EV_RESET, UI_REPLY_RESET }, { WORKER_EV_BODY, UI_REPLY_BODY },
	{ WORKER_EV_FLAGS, UI_REPLY_FLAGS }, { WORKER_EV_PROGRESS, UI_REPLY_PROGRESS },
	{ WORKER_EV_DONE, UI_REPLY_DONE }, { WORKER_EV_ERROR, UI_REPLY_ERROR },
	{ WORKER_EV_CANCELLED, UI_REPLY_CANCELLED }, { WORKER_EV_COPIED, UI_REPLY_COPIED },
	{ WORKER_EV_APPENDED, UI_REPLY_APPENDED }, { WORKER_EV_FOUND, UI_REPLY_FOUND },
	{ WORKER_EV_NOTE, UI_REPLY_NOTE },
};

/* A mailbox changed on the server: to every open mailbox of that account and name. */
static void ui_route_changed(struct ui_app *app, uint32_t account, const struct track_changes *tc)
{
	struct ui_changes c = { .account = account, .mailbox = tc->mailbox, .uidvalidity = tc->uidvalidity,
				.exists = tc->exists, .n_flags = tc->n_flags, .expunged = &tc->expunged,
				.added = tc->added };
	struct ui_flag_state *flags = tc->n_flags > 0 ? xmalloc(tc->n_flags * sizeof(*flags)) : NULL;

	for (size_t i = 0; i < tc->n_flags; i++)
		flags[i] = (struct ui_flag_state){ tc->flags[i].uid, tc->flags[i].flags };
	c.flags = flags;
	for (struct ui_mailbox *mb = app->mailboxes; mb != NULL; mb = mb->next)
		if (mb->account == account && strcmp(mb->name, tc->mailbox) == 0)
			ui_mailbox_changed(app, mb, &c);
	free(flags);
}

/* A message that belongs to no request: the connection's state, a server alert, a mailbox change. */
static void ui_route_event(struct ui_app *app, uint32_t account, struct ev_msg *msg)
{
	struct ui_account *a = account < app->n_accounts ? &app->accounts[account] : NULL;

	if (msg->type == WORKER_EV_CHANGED && msg->payload != NULL && a != NULL) {
		ui_route_changed(app, account, msg->payload);
		return;
	}
	if (msg->type == WORKER_EV_STATUS && a != NULL) {
		a->conn = (enum ui_conn)msg->a;
		free(a->conn_text);
		a->conn_text = msg->payload != NULL ? xstrdup(msg->payload) : NULL;
		ui_dirty_win(app, UI_WIN_STATUS);
	} else if (msg->type == WORKER_EV_ALERT) {
		ui_error(app, "[ALERT] %s", msg->payload != NULL ? (const char *)msg->payload : "");
	}
}

static void ui_route_dispatch(struct ui_app *app, struct ev_msg *msg)
{
	struct ui_route *r = app->route;
	uint32_t account = msg->account > 0 ? msg->account - 1 : 0;
	struct ui_route_req *q = NULL;
	struct ui_reply reply;
	struct worker_folder *wf;
	struct worker_body *body;

	if (msg->type == WORKER_EV_STATUS || msg->type == WORKER_EV_ALERT || msg->type == WORKER_EV_CHANGED) {
		ui_route_event(app, account, msg);
		return;
	}
	for (size_t i = 0; i < r->n_reqs && q == NULL; i++)
		if (r->reqs[i].account == account && r->reqs[i].worker_id == msg->request_id && msg->request_id != 0)
			q = &r->reqs[i];
	if (q == NULL)
		return; /* its client went away */
	memset(&reply, 0, sizeof(reply));
	reply.kind = UI_REPLY_PROGRESS;
	for (size_t i = 0; i < N_ELEMENTS(ui_route_kinds); i++)
		if (ui_route_kinds[i].ev == (enum worker_ev)msg->type)
			reply.kind = ui_route_kinds[i].kind;
	reply.req = q->id;
	reply.account = account;
	reply.a = msg->a;
	reply.b = msg->b;
	switch (msg->type) {
	case WORKER_EV_FOLDER:
		if ((wf = msg->payload) == NULL)
			return;
		reply.folder = xcalloc(1, sizeof(*reply.folder));
		reply.folder->name = wf->name;
		wf->name = NULL;
		reply.folder->delimiter = wf->delimiter;
		reply.folder->attrs = wf->attrs;
		reply.folder->messages = wf->messages;
		reply.folder->unseen = wf->unseen;
		break;
	case WORKER_EV_MSGS:
	case WORKER_EV_PREVIEW:
		reply.batch = msg->payload;
		break;
	case WORKER_EV_BODY:
		if ((body = msg->payload) == NULL)
			return;
		reply.data = body->data != NULL ? body->data : "";
		reply.len = body->data != NULL ? body->len : 0;
		break;
	case WORKER_EV_ERROR:
	case WORKER_EV_NOTE:
		reply.text = msg->payload;
		break;
	case WORKER_EV_COPIED:
		if (msg->payload == NULL)
			return;
		reply.a = ((const struct worker_copied *)msg->payload)->uidvalidity;
		reply.copy_src = &((const struct worker_copied *)msg->payload)->src;
		reply.copy_dst = &((const struct worker_copied *)msg->payload)->dst;
		break;
	case WORKER_EV_FOUND:
		reply.found = msg->payload;
		break;
	default:
		break;
	}
	struct ui_client *client = q->client;
	if (msg->type >= WORKER_EV_DONE)
		ui_route_remove(r, q); /* the final reply */
	client->reply(app, client, &reply);
	ui_folder_free(&reply.folder);
}

static void ui_route_queue_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct ui_app *app = ctx;
	struct ev_msg msgs[UI_ROUTE_QUEUE_BATCH];
	int64_t t0 = ev_now_ms();
	size_t n;

	(void)loop;
	(void)io;
	(void)fd;
	(void)revents;
	n = ev_queue_pop_many(app->route->queue, msgs, UI_ROUTE_QUEUE_BATCH);
	for (size_t i = 0; i < n; i++) {
		ui_route_dispatch(app, &msgs[i]);
		ev_msg_drop(&msgs[i]);
	}
	ui_turn_add(app, t0, "the worker's replies");
}

void ui_route_watch(struct ui_app *app)
{
	app->route->queue_io = ev_io_add(app->loop, ev_queue_fd(app->route->queue), EV_READ, ui_route_queue_cb, app);
}

void ui_route_free(struct ui_app *app)
{
	struct ui_route *r = app->route;

	if (r == NULL)
		return;
	for (uint32_t i = 0; i < app->n_accounts; i++)
		worker_stop(&r->workers[i]);
	if (r->queue_io != NULL)
		ev_io_remove(&r->queue_io);
	ev_queue_free(&r->queue);
	free(r->workers);
	free(r->reqs);
	free(r);
	app->route = NULL;
}
