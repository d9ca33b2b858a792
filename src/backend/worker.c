/* worker.c: one thread per account that owns its IMAP connection and caches, driven by flat messages. */
#include "skua.h"
#include "worker.h"
#include "backend/account.h"
#include "backend/op.h"
#include "ev/ev-loop.h"
#include "imap/imap-engine.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"
#include "net/net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* How long one wait for room in the UI's queue lasts before cancellation and stop are looked at again. */
#define WORKER_PUSH_SLICE_MS 20

struct worker {
	/* set by worker_start, read-only afterwards */
	const struct cfg_account *acct;
	uint32_t account;
	struct ev_queue *to_ui;
	struct ev_queue *requests;   /* unbounded: the UI pushes with timeout 0 */
	struct ev_cancel *cancel;
	int abort_rfd, abort_wfd;    /* a byte in it ends the worker's network waits (net_set_abort_fd) */
	pthread_t thread;
	atomic_int keepalive_ms;
	atomic_bool idle_on;         /* IDLE when there is nothing to do (worker_set_idle) */
	atomic_bool stopping;

	/* shared, under lock */
	pthread_mutex_t lock;
	uint64_t running;            /* the request under way, 0 none */
	uint64_t finished;           /* the last request whose final message was sent */
	uint64_t requested;          /* the last request queued */
	bool in_keepalive;           /* a keep-alive NOOP is under way */

	/* the worker thread's */
	struct account *a;
	int64_t last_io_ms;          /* when the connection was last used */
	uint32_t idle_cmd;           /* the IDLE under way, or 0 */
	int64_t idle_start_ms;       /* when it began */
};

/* A request as queued: the operation, and for OPEN requests made with worker_request(), a preview. */
struct request {
	struct op op;
};

/* A request being run (the worker thread's). */
struct job {
	struct worker *w;
	uint64_t id;
	const struct op *op;
	/* OP_OPEN's batches */
	struct worker_batch *batch;  /* records not posted yet, or NULL */
	size_t batches;              /* posted since the start or the last reset */
	int64_t last_post_ms;
	struct worker_batch *preview;
};

/* ---- payloads ------------------------------------------------------------------------------- */

void worker_folder_free(void *folder)
{
	struct worker_folder *f = folder;

	if (f == NULL)
		return;
	free(f->name);
	free(f);
}

void worker_body_free(void *body)
{
	struct worker_body *b = body;

	if (b == NULL)
		return;
	free(b->data);
	free(b);
}

void worker_copied_free(void *copied)
{
	struct worker_copied *c = copied;

	if (c == NULL)
		return;
	imap_uidset_clear(&c->src);
	imap_uidset_clear(&c->dst);
	free(c);
}

void worker_uidset_free(void *uidset)
{
	struct imap_uidset *set = uidset;

	if (set == NULL)
		return;
	imap_uidset_clear(set);
	free(set);
}

static void request_free(void *payload)
{
	struct request *r = payload;

	if (r == NULL)
		return;
	op_clear(&r->op);
	free(r);
}

/* ---- posting to the UI ---------------------------------------------------------------------- */

static bool worker_stopping(struct worker *w)
{
	return atomic_load(&w->stopping);
}

/* True when the request should stop: cancelled, or the worker stops. */
static bool job_cancelled(const struct job *job)
{
	return worker_stopping(job->w) || (job->id != 0 && ev_cancel_is_requested(job->w->cancel, job->id));
}

/* Posts a message to the UI, waiting while its queue is full. Gives up (and frees the payload) when
 * the queue is closed or the worker stops, and, unless final, when the request is cancelled. Returns 0
 * when posted, -1 otherwise. */
static int worker_post(struct worker *w, uint64_t id, uint32_t type, int64_t a, int64_t b, void *payload,
		       void (*payload_free)(void *), bool final)
{
	struct ev_msg msg = { .type = type, .account = w->account, .request_id = id, .a = a, .b = b,
			      .payload = payload, .payload_free = payload_free };

	for (;;) {
		enum ev_queue_status st = ev_queue_push(w->to_ui, &msg, WORKER_PUSH_SLICE_MS);

		if (st == EV_QUEUE_OK)
			return 0;
		if (st == EV_QUEUE_CLOSED || worker_stopping(w) ||
		    (!final && id != 0 && ev_cancel_is_requested(w->cancel, id))) {
			ev_msg_drop(&msg);
			return -1;
		}
	}
}

/* Posts a one-line text message (sanitised). */
static int worker_post_text(struct worker *w, uint64_t id, uint32_t type, int64_t a, const char *text, bool final)
{
	char *clean = sanitize_line(text, strlen(text));

	return worker_post(w, id, type, a, 0, clean, free, final);
}

static void worker_status(struct worker *w, enum worker_conn conn, const char *text)
{
	(void)worker_post_text(w, 0, WORKER_EV_STATUS, conn, text, false);
}

/* session_pump's callback between requests: an IDLE that ended (the engine ends one itself when the
 * tracker sends a command, e.g. to fetch new mail) is no longer to be ended. */
static int worker_listen_event(void *ctx, const struct imap_event *ev)
{
	struct worker *w = ctx;

	if (ev->type == IMAP_EVENT_DONE && w->idle_cmd != 0 && ev->cmd == w->idle_cmd)
		w->idle_cmd = 0;
	return 0;
}

/* Posts what the selected mailbox's tracker gathered, and asks for the headers of mail it heard of
 * (they come through the next waits). */
static void worker_post_changes(struct worker *w)
{
	struct track_changes *c = account_changes(w->a);
	struct track *t = account_track(w->a);
	const char *error;

	if (c != NULL)
		(void)worker_post(w, 0, WORKER_EV_CHANGED, 0, 0, c, track_changes_free, false);
	if (t != NULL && track_wants_new(t) && account_session(w->a) != NULL) {
		(void)track_fetch_new(t, session_engine(account_session(w->a)));
		/* sent now; a failure shows at the next read */
		(void)session_pump(account_session(w->a), worker_listen_event, w, &error);
		/* the answer may be in already: nothing else would post it before the server speaks again
		 * (an IDLE may follow) */
		if ((c = account_changes(w->a)) != NULL)
			(void)worker_post(w, 0, WORKER_EV_CHANGED, 0, 0, c, track_changes_free, false);
	}
}

/* ---- the abort pipe and the running request ------------------------------------------------- */

/* Makes the worker's current network wait end. Lock held (or the worker stopping). */
static void worker_poke(struct worker *w)
{
	ssize_t ret = write(w->abort_wfd, "", 1);

	(void)ret; /* EAGAIN: the pipe is full, hence readable already */
}

/* Empties the abort pipe. Lock held. */
static void worker_unpoke(struct worker *w)
{
	char buf[64];

	while (read(w->abort_rfd, buf, sizeof(buf)) > 0)
		;
}

/* Marks what the worker is about to run (a request id, or 0 for a keep-alive) with the pipe empty;
 * worker_cancel then knows whether to poke. */
static void worker_arm(struct worker *w, uint64_t id, bool keepalive)
{
	pthread_mutex_lock(&w->lock);
	w->running = id;
	w->in_keepalive = keepalive;
	if (!worker_stopping(w))
		worker_unpoke(w);
	pthread_mutex_unlock(&w->lock);
}

/* Ends what worker_arm began; for a request, once its final message was posted. */
static void worker_disarm(struct worker *w, uint64_t finished)
{
	pthread_mutex_lock(&w->lock);
	w->running = 0;
	w->in_keepalive = false;
	if (finished != 0) {
		w->finished = finished;
		ev_cancel_forget(w->cancel, finished);
	}
	if (!worker_stopping(w))
		worker_unpoke(w);
	pthread_mutex_unlock(&w->lock);
}

/* ---- the connection ------------------------------------------------------------------------- */

/* The session's [ALERT]s, for the user (they belong to no request). */
static void worker_alert(void *ctx, const char *text)
{
	(void)worker_post_text(ctx, 0, WORKER_EV_ALERT, 0, text, false);
}

/* Connects unless connected. Returns 0, or -1 with *error_r. */
static int worker_connect(struct worker *w, const char **error_r)
{
	const char *host = w->acct->host != NULL ? w->acct->host : w->acct->name;

	if (account_connected(w->a))
		return 0;
	worker_status(w, WORKER_CONN_CONNECTING, errstr(_("connecting to %s…"), host));
	if (account_connect(w->a, error_r) < 0)
		return -1;
	worker_status(w, WORKER_CONN_READY, _("connected"));
	w->last_io_ms = ev_now_ms();
	return 0;
}

/* The connection failed outside a request (a keep-alive, or what the server said between requests). */
static void worker_lost(struct worker *w, const char *error, bool aborted)
{
	char *why = xstrdup(error);

	log_info("worker %s: connection dropped: %s", w->acct->name, why);
	worker_post_changes(w);
	w->idle_cmd = 0;
	account_disconnect(w->a);
	if (aborted)
		worker_status(w, WORKER_CONN_IDLE, _("not connected"));
	else
		worker_status(w, WORKER_CONN_FAILED, why);
	free(why);
}

/* session_wait's callback for the keep-alive. */
static int keepalive_event(void *ctx, const struct imap_event *ev)
{
	(void)ctx;
	(void)ev;
	return 0;
}

/* Begins an IDLE when it is on, a folder is selected, the server offers it and none runs. What the
 * server then says arrives through worker_listen. */
static void worker_idle_begin(struct worker *w)
{
	struct session *s = account_session(w->a);
	const char *error;

	if (s == NULL || w->idle_cmd != 0 || !atomic_load(&w->idle_on) || account_selected_name(w->a) == NULL)
		return;
	if ((w->idle_cmd = imap_engine_cmd_idle(session_engine(s))) == 0)
		return; /* not offered */
	w->idle_start_ms = ev_now_ms();
	if (session_pump(s, worker_listen_event, w, &error) < 0)
		worker_lost(w, error, false);
	else
		worker_post_changes(w); /* what that read brought */
}

/* Ends the IDLE under way (DONE, and its tagged answer: one round trip). Returns 0, or -1 when the
 * connection was lost (dropped, *error_r). */
static int worker_idle_end(struct worker *w, const char **error_r)
{
	struct session *s = account_session(w->a);
	uint32_t cmd = w->idle_cmd;

	if (cmd == 0 || s == NULL)
		return 0;
	w->idle_cmd = 0;
	(void)imap_engine_idle_done(session_engine(s));
	if (session_wait(s, cmd, keepalive_event, NULL, error_r) < 0) {
		worker_lost(w, *error_r, false);
		return -1;
	}
	w->last_io_ms = ev_now_ms();
	return 0;
}

/* The keep-alive: a NOOP on an idle connection, or the end of the IDLE under way (a round trip either
 * way; what the server says meanwhile reaches the tracker); a dead connection is dropped. */
static void worker_keepalive(struct worker *w)
{
	struct session *s = account_session(w->a);
	const char *error;
	int ret;

	worker_arm(w, 0, true);
	if (w->idle_cmd != 0) {
		/* the next wait begins another */
		if (worker_idle_end(w, &error) == 0)
			worker_post_changes(w);
		worker_disarm(w, 0);
		return;
	}
	ret = session_wait(s, imap_engine_cmd_noop(session_engine(s)), keepalive_event, NULL, &error);
	if (ret < 0) {
		struct pollfd pfd = { .fd = w->abort_rfd, .events = POLLIN };
		/* poked: stopping, or a queued request was cancelled */
		worker_lost(w, error, poll(&pfd, 1, 0) > 0);
	} else {
		worker_post_changes(w);
	}
	worker_disarm(w, 0);
	w->last_io_ms = ev_now_ms();
}

/* What the server said while no request ran. */
static void worker_listen(struct worker *w)
{
	struct session *s = account_session(w->a);
	const char *error;

	if (s != NULL && session_pump(s, worker_listen_event, w, &error) < 0) {
		worker_lost(w, error, false);
		return;
	}
	worker_post_changes(w);
}

/* ---- the sink: an operation's results as messages to the UI --------------------------------- */

static bool sink_cancelled(void *ctx)
{
	return job_cancelled(ctx);
}

static int sink_folder(void *ctx, const struct worker_folder *f)
{
	struct job *job = ctx;
	struct worker_folder *copy = xmalloc(sizeof(*copy));

	*copy = *f;
	copy->name = xstrdup(f->name);
	return worker_post(job->w, job->id, WORKER_EV_FOLDER, 0, 0, copy, worker_folder_free, false);
}

static int sink_mailbox(void *ctx, uint32_t uidvalidity, uint32_t exists)
{
	struct job *job = ctx;

	return worker_post(job->w, job->id, WORKER_EV_MAILBOX, uidvalidity, exists, NULL, NULL, false);
}

static int open_flush(struct job *job)
{
	struct worker_batch *b = job->batch;

	if (b == NULL)
		return 0;
	job->batch = NULL;
	job->batches++;
	job->last_post_ms = ev_now_ms();
	return worker_post(job->w, job->id, WORKER_EV_MSGS, 0, 0, b, worker_batch_free, false);
}

static int sink_preview(void *ctx, const struct hcache_msg *m)
{
	struct job *job = ctx;

	if (m == NULL) {
		/* that is all: a small folder's first screen, whole */
		if (job->preview == NULL)
			return 0;
	} else {
		if (job->preview == NULL)
			job->preview = worker_batch_new();
		worker_batch_add(job->preview, m);
		if (job->preview->count < job->op->preview)
			return 0;
	}
	/* complete: to the UI before the server has answered */
	struct worker_batch *b = job->preview;
	job->preview = NULL;
	return worker_post(job->w, job->id, WORKER_EV_PREVIEW, 0, 0, b, worker_batch_free, false);
}

/* Records into batches; NULL means "forget what you were given". */
static int sink_msg(void *ctx, const struct hcache_msg *m)
{
	struct job *job = ctx;

	if (job->preview != NULL) {
		/* a preview shorter than asked (a small folder): it is all there is */
		struct worker_batch *b = job->preview;
		job->preview = NULL;
		if (worker_post(job->w, job->id, WORKER_EV_PREVIEW, 0, 0, b, worker_batch_free, false) < 0)
			return -1;
	}
	if (m == NULL) {
		worker_batch_free(job->batch);
		job->batch = NULL;
		if (job->batches > 0 && worker_post(job->w, job->id, WORKER_EV_RESET, 0, 0, NULL, NULL, false) < 0)
			return -1;
		job->batches = 0;
		return 0;
	}
	if (job->batch == NULL)
		job->batch = worker_batch_new();
	worker_batch_add(job->batch, m);
	if (job->batches == 0 ? job->batch->count >= WORKER_BATCH_FIRST :
	    job->batch->count >= WORKER_BATCH_RECORDS || ev_now_ms() - job->last_post_ms >= WORKER_BATCH_MS)
		return open_flush(job);
	return 0;
}

static int sink_body(void *ctx, char *data, size_t len)
{
	struct job *job = ctx;
	struct worker_body *body = xmalloc(sizeof(*body));

	body->data = data;
	body->len = len;
	return worker_post(job->w, job->id, WORKER_EV_BODY, imap_uidset_min(&job->op->uids), 0, body,
			   worker_body_free, false);
}

static int sink_flags(void *ctx, uint32_t uid, uint32_t flags)
{
	struct job *job = ctx;

	return worker_post(job->w, job->id, WORKER_EV_FLAGS, uid, flags, NULL, NULL, false);
}

static int sink_copied(void *ctx, uint32_t uidvalidity, const struct imap_uidset *src, const struct imap_uidset *dst)
{
	struct job *job = ctx;
	struct worker_copied *c = xcalloc(1, sizeof(*c));

	c->uidvalidity = uidvalidity;
	imap_uidset_copy(&c->src, src);
	imap_uidset_copy(&c->dst, dst);
	return worker_post(job->w, job->id, WORKER_EV_COPIED, 0, 0, c, worker_copied_free, false);
}

static int sink_appended(void *ctx, uint32_t uidvalidity, uint32_t uid)
{
	struct job *job = ctx;

	return worker_post(job->w, job->id, WORKER_EV_APPENDED, uidvalidity, uid, NULL, NULL, false);
}

static int sink_found(void *ctx, const struct imap_uidset *uids)
{
	struct job *job = ctx;
	struct imap_uidset *copy = xcalloc(1, sizeof(*copy));

	imap_uidset_copy(copy, uids);
	return worker_post(job->w, job->id, WORKER_EV_FOUND, 0, 0, copy, worker_uidset_free, false);
}

static void sink_note(void *ctx, const char *text)
{
	struct job *job = ctx;

	(void)worker_post_text(job->w, job->id, WORKER_EV_NOTE, 0, text, false);
}

/* ---- requests ------------------------------------------------------------------------------- */

/* What the status bar says while a request runs. */
static const char *job_doing(const struct op *op)
{
	switch (op->kind) {
	case OP_FOLDERS: return _("listing folders…");
	case OP_OPEN: return errstr(_("opening %s…"), op->mailbox != NULL ? op->mailbox : "");
	case OP_BODY: return _("fetching a message…");
	case OP_FLAGS: return _("changing flags…");
	case OP_COPY: return _("copying…");
	case OP_MOVE: return _("moving…");
	case OP_EXPUNGE: return _("expunging…");
	case OP_APPEND: return _("storing a message…");
	case OP_SEARCH: return _("searching…");
	default: return _("changing folders…");
	}
}

/* Runs one request to its final message. */
static void worker_run(struct worker *w, uint64_t id, const struct op *op)
{
	static const struct op_sink sink_proto = {
		.cancelled = sink_cancelled, .folder = sink_folder, .mailbox = sink_mailbox,
		.preview = sink_preview, .msg = sink_msg, .body = sink_body, .flags = sink_flags,
		.copied = sink_copied, .appended = sink_appended, .found = sink_found, .note = sink_note,
	};
	struct job job = { .w = w, .id = id, .op = op };
	struct op_sink sink = sink_proto;
	const char *error = NULL;
	char *why = NULL;
	int64_t count = 0;
	int ret;

	sink.ctx = &job;
	worker_arm(w, id, false);
	if (job_cancelled(&job)) {
		(void)worker_post(w, id, WORKER_EV_CANCELLED, 0, 0, NULL, NULL, true);
		worker_disarm(w, id);
		return;
	}
	/* an IDLE under way ends first (a lost connection is made again below) */
	if (w->idle_cmd != 0 && worker_idle_end(w, &error) == 0)
		worker_post_changes(w);
	/* a folder in the cache is on the screen before the server has said a word */
	struct op quiet;
	if (op_open_preview(w->a, op, &sink)) {
		quiet = *op;
		quiet.preview = 0;
		op = &quiet;
	}
	if (worker_connect(w, &error) < 0) {
		ret = OP_LOST;
	} else {
		worker_status(w, WORKER_CONN_BUSY, job_doing(op));
		ret = op_run(w->a, op, &sink, &count, &error);
		/* the last batch (a preview never posted is stale by now: dropped) */
		if (ret == OP_OK && op->kind == OP_OPEN && open_flush(&job) < 0) {
			error = _("aborted");
			ret = OP_FAILED;
		}
	}
	if (ret != OP_OK)
		why = xstrdup(error != NULL ? error : _("aborted"));
	worker_batch_free(job.batch);
	worker_batch_free(job.preview);
	/* what the server changed meanwhile, then the final message (before a disconnection that may wait
	 * for a tunnel to exit), then the connection's state */
	worker_post_changes(w);
	if (ret != OP_OK && job_cancelled(&job))
		(void)worker_post(w, id, WORKER_EV_CANCELLED, 0, 0, NULL, NULL, true);
	else if (ret != OP_OK)
		(void)worker_post_text(w, id, WORKER_EV_ERROR, 0, why, true);
	else
		(void)worker_post(w, id, WORKER_EV_DONE, 0, count, NULL, NULL, true);
	if (ret == OP_LOST) {
		log_info("worker %s: connection dropped: %s", w->acct->name, why);
		account_disconnect(w->a);
	}
	if (ret == OP_LOST && job_cancelled(&job))
		worker_status(w, WORKER_CONN_IDLE, _("not connected"));
	else if (ret == OP_LOST)
		worker_status(w, WORKER_CONN_FAILED, why);
	else
		worker_status(w, WORKER_CONN_READY, _("connected"));
	free(why);
	w->last_io_ms = ev_now_ms();
	worker_disarm(w, id);
}

/* Waits for a request, for what the server says, or for the keep-alive time. Returns a request popped
 * (EV_QUEUE_OK), EV_QUEUE_EMPTY when the wait ended without one, EV_QUEUE_CLOSED at the end. */
static enum ev_queue_status worker_wait(struct worker *w, struct ev_msg *req)
{
	struct session *s = account_session(w->a);
	struct pollfd pfd[3];
	int keepalive = atomic_load(&w->keepalive_ms), timeout = -1, n = 0, ret;
	enum ev_queue_status st;

	st = ev_queue_pop(w->requests, req, 0);
	if (st != EV_QUEUE_EMPTY)
		return st;
	if (s != NULL && !atomic_load(&w->idle_on) && w->idle_cmd != 0) {
		/* turned off meanwhile */
		const char *error;
		(void)worker_idle_end(w, &error);
	}
	worker_idle_begin(w);
	s = account_session(w->a);
	if (s != NULL && keepalive > 0) {
		int64_t left = w->last_io_ms + keepalive - ev_now_ms();
		timeout = left <= 0 ? 0 : left > keepalive ? keepalive : (int)left;
	}
	if (s != NULL && w->idle_cmd != 0) {
		/* an IDLE is begun again before the server may drop it */
		int64_t left = w->idle_start_ms + WORKER_IDLE_MAX_MS - ev_now_ms();
		int until = left <= 0 ? 0 : left > WORKER_IDLE_MAX_MS ? WORKER_IDLE_MAX_MS : (int)left;
		if (timeout < 0 || until < timeout)
			timeout = until;
	}
	pfd[n++] = (struct pollfd){ .fd = ev_queue_fd(w->requests), .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = w->abort_rfd, .events = POLLIN };
	if (s != NULL) {
		short events;
		pfd[n].fd = session_poll_fd(s, &events);
		pfd[n++].events = events;
	}
	ret = poll(pfd, (nfds_t)n, timeout);
	if (worker_stopping(w))
		return EV_QUEUE_CLOSED;
	if (ret < 0 && errno != EINTR)
		log_warn("worker %s: poll: %s", w->acct->name, strerror(errno));
	if (ret > 0 && n == 3 && (pfd[2].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)) != 0) {
		worker_listen(w);
		w->last_io_ms = ev_now_ms();
	} else if (ret == 0 && account_connected(w->a)) {
		worker_keepalive(w);
	}
	if (pfd[1].revents & POLLIN) {
		/* a cancel of a queued request, or the stop: nothing to do but look again */
		pthread_mutex_lock(&w->lock);
		if (w->running == 0)
			worker_unpoke(w);
		pthread_mutex_unlock(&w->lock);
	}
	return ev_queue_pop(w->requests, req, 0);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	ev_signal_block_in_thread();
	net_set_abort_fd(w->abort_rfd);
	while (!worker_stopping(w)) {
		struct ev_msg req;
		enum ev_queue_status st = worker_wait(w, &req);

		if (st == EV_QUEUE_CLOSED || worker_stopping(w)) {
			if (st == EV_QUEUE_OK)
				ev_msg_drop(&req);
			break;
		}
		if (st != EV_QUEUE_OK)
			continue;
		worker_run(w, req.request_id, &((struct request *)req.payload)->op);
		ev_msg_drop(&req);
	}
	account_free(&w->a);
	net_set_abort_fd(-1);
	return NULL;
}

/* ---- the UI's side -------------------------------------------------------------------------- */

int worker_start(const struct cfg_account *acct, uint32_t account, struct hcache *hc, struct ev_queue *to_ui,
		 struct worker **worker_r, const char **error_r)
{
	struct worker *w;
	sigset_t saved;
	int fds[2], rc;

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		*error_r = errstr(_("cannot start the worker of account %s: %s"), acct->name, strerror(errno));
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->acct = acct;
	w->account = account;
	w->to_ui = to_ui;
	w->abort_rfd = fds[0];
	w->abort_wfd = fds[1];
	w->a = account_new(acct, hc);
	account_set_alert_fn(w->a, worker_alert, w);
	atomic_init(&w->keepalive_ms, WORKER_KEEPALIVE_MS);
	atomic_init(&w->idle_on, acct->idle);
	atomic_init(&w->stopping, false);
	pthread_mutex_init(&w->lock, NULL);
	if ((w->requests = ev_queue_new(0, error_r)) == NULL)
		goto fail;
	w->cancel = ev_cancel_new();
	/* the thread starts with the signals blocked: they go to the UI thread's loop */
	pthread_sigmask(SIG_SETMASK, NULL, &saved);
	ev_signal_block_in_thread();
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (rc != 0) {
		*error_r = errstr(_("cannot start the worker of account %s: %s"), acct->name, strerror(rc));
		goto fail;
	}
	*worker_r = w;
	return 0;
fail:
	account_free(&w->a);
	ev_queue_free(&w->requests);
	ev_cancel_free(&w->cancel);
	pthread_mutex_destroy(&w->lock);
	close(w->abort_rfd);
	close(w->abort_wfd);
	free(w);
	return -1;
}

uint64_t worker_submit(struct worker *w, struct op *op)
{
	struct request *r = xmalloc(sizeof(*r));
	struct ev_msg msg = { .type = WORKER_REQ_OP, .account = w->account, .payload = r,
			      .payload_free = request_free };

	r->op = *op;
	op_init(op, op->kind);
	msg.request_id = ev_request_id_next();
	pthread_mutex_lock(&w->lock);
	w->requested = msg.request_id;
	pthread_mutex_unlock(&w->lock);
	/* unbounded and only closed by worker_stop: never full, never closed here */
	if (ev_queue_push(w->requests, &msg, 0) != EV_QUEUE_OK)
		ev_msg_drop(&msg);
	return msg.request_id;
}

uint64_t worker_request(struct worker *w, enum worker_req type, const char *arg, int64_t a)
{
	struct op op;

	switch (type) {
	case WORKER_REQ_FOLDERS:
		op_init(&op, OP_FOLDERS);
		break;
	case WORKER_REQ_OPEN:
		op_init(&op, OP_OPEN);
		op.preview = WORKER_BATCH_FIRST;
		op.order = HCACHE_ORDER_DATE;
		break;
	case WORKER_REQ_BODY:
		op_init(&op, OP_BODY);
		if (a > 0 && a <= UINT32_MAX)
			imap_uidset_add(&op.uids, (uint32_t)a);
		break;
	default:
		op_init(&op, (enum op_kind)0); /* answered "unknown operation" */
		break;
	}
	op_set(&op.mailbox, arg);
	return worker_submit(w, &op);
}

uint64_t worker_request_flags(struct worker *w, const char *folder, uint32_t uidvalidity, uint32_t uid,
			      uint32_t add, uint32_t remove)
{
	struct op op;

	op_init(&op, OP_FLAGS);
	op_set(&op.mailbox, folder != NULL ? folder : "");
	op.uidvalidity = uidvalidity;
	if (uid != 0)
		imap_uidset_add(&op.uids, uid);
	op.add = add;
	op.remove = remove;
	return worker_submit(w, &op);
}

void worker_cancel(struct worker *w, uint64_t request_id)
{
	if (w == NULL || request_id == 0)
		return;
	pthread_mutex_lock(&w->lock);
	if (request_id > w->finished && request_id <= w->requested) {
		ev_cancel_request(w->cancel, request_id);
		if (w->running == request_id || w->in_keepalive)
			worker_poke(w);
	}
	pthread_mutex_unlock(&w->lock);
}

void worker_set_keepalive(struct worker *w, int ms)
{
	atomic_store(&w->keepalive_ms, ms < 0 ? 0 : ms);
	/* the wait under way takes the new interval at once */
	pthread_mutex_lock(&w->lock);
	if (w->running == 0 && !w->in_keepalive)
		worker_poke(w);
	pthread_mutex_unlock(&w->lock);
}

void worker_set_idle(struct worker *w, bool on)
{
	atomic_store(&w->idle_on, on);
	pthread_mutex_lock(&w->lock);
	if (w->running == 0 && !w->in_keepalive)
		worker_poke(w);
	pthread_mutex_unlock(&w->lock);
}

void worker_stop(struct worker **worker)
{
	struct worker *w = *worker;

	if (w == NULL)
		return;
	atomic_store(&w->stopping, true);
	pthread_mutex_lock(&w->lock);
	worker_poke(w);
	pthread_mutex_unlock(&w->lock);
	ev_queue_close(w->requests);
	pthread_join(w->thread, NULL);
	ev_queue_free(&w->requests);
	ev_cancel_free(&w->cancel);
	pthread_mutex_destroy(&w->lock);
	close(w->abort_rfd);
	close(w->abort_wfd);
	free(w);
	*worker = NULL;
}
