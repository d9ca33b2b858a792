/* worker.c: one thread per account that owns its IMAP connection and caches, driven by flat messages. */
#include "skua.h"
#include "worker.h"
#include "backend/mailbox.h"
#include "backend/session.h"
#include "bcache/bcache.h"
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
	struct hcache *hc;
	struct ev_queue *to_ui;
	struct ev_queue *requests;   /* unbounded: the UI pushes with timeout 0 */
	struct ev_cancel *cancel;
	int abort_rfd, abort_wfd;    /* a byte in it ends the worker's network waits (net_set_abort_fd) */
	pthread_t thread;
	atomic_int keepalive_ms;
	atomic_bool stopping;

	/* shared, under lock */
	pthread_mutex_t lock;
	uint64_t running;            /* the request under way, 0 none */
	uint64_t finished;           /* the last request whose final message was sent */
	uint64_t requested;          /* the last request queued */
	bool in_keepalive;           /* a keep-alive NOOP is under way */

	/* the worker thread's */
	struct session *session;
	char *selected;              /* the folder the session has SELECTed or EXAMINEd, or NULL */
	bool selected_rw;            /* SELECTed (STORE may work), not EXAMINEd */
	struct bcache *bc;
	bool bc_tried;
	int64_t last_io_ms;          /* when the connection was last used */
};

/* WORKER_REQ_FLAGS's payload. */
struct flags_req {
	uint32_t uidvalidity, add, remove;
	char folder[];
};

/* A request being run (the worker thread's). */
struct job {
	struct worker *w;
	uint64_t id;
	const char *arg;
	int64_t a;
	const struct flags_req *flags; /* WORKER_REQ_FLAGS's, else NULL */
};

/* What a request step returns. */
enum {
	JOB_OK = 0,
	JOB_FAILED = -1,             /* the request failed; the connection is fine */
	JOB_LOST = -2,               /* the connection is unusable (an error, or an abandoned wait) */
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

void worker_batch_free(void *batch)
{
	struct worker_batch *b = batch;

	if (b == NULL)
		return;
	buf_free(&b->data);
	free(b);
}

void worker_body_free(void *body)
{
	struct worker_body *b = body;

	if (b == NULL)
		return;
	free(b->data);
	free(b);
}

bool worker_batch_next(const struct worker_batch *batch, size_t *offset, struct hcache_msg *msg_r)
{
	uint32_t uid, len;
	size_t off = *offset;

	if (batch->data.data == NULL || off >= batch->data.len || batch->data.len - off < 8)
		return false;
	memcpy(&uid, batch->data.data + off, 4);
	memcpy(&len, batch->data.data + off + 4, 4);
	off += 8;
	if (len > batch->data.len - off || !hcache_msg_decode(uid, batch->data.data + off, len, msg_r))
		return false;
	*offset = off + len;
	return true;
}

/* Appends one record to a batch. */
static void batch_add(struct worker_batch *b, const struct hcache_msg *m)
{
	size_t at;
	uint32_t len;

	buf_append(&b->data, &m->uid, 4);
	at = b->data.len;
	buf_append(&b->data, "\0\0\0\0", 4);
	hcache_msg_encode(m, &b->data);
	len = (uint32_t)(b->data.len - at - 4);
	memcpy(b->data.data + at, &len, 4);
	b->count++;
}

/* ---- posting to the UI ---------------------------------------------------------------------- */

static bool worker_stopping(struct worker *w)
{
	return atomic_load(&w->stopping);
}

/* True when the request should stop: cancelled, or the worker stops. */
static bool job_cancelled(const struct job *job)
{
	return worker_stopping(job->w) || ev_cancel_is_requested(job->w->cancel, job->id);
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

/* Drops the connection (LOGOUT best effort, bounded: a poked pipe ends its wait at once). */
static void worker_disconnect(struct worker *w)
{
	session_close(&w->session);
	free(w->selected);
	w->selected = NULL;
	w->selected_rw = false;
}

/* The session's [ALERT]s, for the user (they belong to no request). */
static void worker_alert(void *ctx, const char *text)
{
	(void)worker_post_text(ctx, 0, WORKER_EV_ALERT, 0, text, false);
}

/* Connects unless connected. Returns 0, or -1 with *error_r. */
static int worker_connect(struct worker *w, const char **error_r)
{
	const char *host = w->acct->host != NULL ? w->acct->host : w->acct->name;

	if (w->session != NULL)
		return 0;
	worker_status(w, WORKER_CONN_CONNECTING, errstr(_("connecting to %s…"), host));
	if (session_open(w->acct, &w->session, error_r) < 0) {
		w->session = NULL;
		return -1;
	}
	session_set_alert_fn(w->session, worker_alert, w);
	log_info("worker %s: connected", w->acct->name);
	worker_status(w, WORKER_CONN_READY, _("connected"));
	w->last_io_ms = ev_now_ms();
	return 0;
}

/* session_wait's callback for commands whose data nobody needs. */
static int plain_event(void *ctx, const struct imap_event *ev)
{
	struct job *job = ctx;

	(void)ev;
	return job_cancelled(job) ? -1 : 0;
}

/* The keep-alive: a NOOP on an idle connection; a dead one is dropped. */
static void worker_keepalive(struct worker *w)
{
	struct job job = { w, 0, NULL, 0, NULL };
	const char *error;
	int ret;

	worker_arm(w, 0, true);
	ret = session_wait(w->session, imap_engine_cmd_noop(session_engine(w->session)), plain_event, &job, &error);
	if (ret < 0) {
		char *why = xstrdup(error);
		struct pollfd pfd = { .fd = w->abort_rfd, .events = POLLIN };
		/* poked: stopping, or a queued request was cancelled */
		bool aborted = poll(&pfd, 1, 0) > 0;

		log_info("worker %s: keep-alive: %s", w->acct->name, why);
		worker_disconnect(w);
		if (aborted)
			worker_status(w, WORKER_CONN_IDLE, _("not connected"));
		else
			worker_status(w, WORKER_CONN_FAILED, why);
		free(why);
	}
	worker_disarm(w, 0);
	w->last_io_ms = ev_now_ms();
}

/* ---- folders -------------------------------------------------------------------------------- */

/* ---- the folder list (shared with the CLI) -------------------------------------------------- */

static struct worker_folder *folder_list_find(struct worker_folder_list *fl, const char *name)
{
	for (size_t i = 0; i < fl->n; i++) {
		if (strcmp(fl->v[i].name, name) == 0)
			return &fl->v[i];
	}
	fl->v = xgrow(fl->v, &fl->cap, fl->n + 1, sizeof(*fl->v));
	/* NonExistent until LIST says otherwise (a STATUS may come first) */
	fl->v[fl->n] = (struct worker_folder){ .name = xstrdup(name), .attrs = IMAP_MBOX_NONEXISTENT,
					       .messages = -1, .unseen = -1 };
	return &fl->v[fl->n++];
}

void worker_folder_list_event(struct worker_folder_list *fl, const struct imap_event *ev)
{
	struct worker_folder *f;

	if (ev->type == IMAP_EVENT_LIST) {
		f = folder_list_find(fl, ev->u.list.name);
		f->attrs = ev->u.list.attrs;
		f->delimiter = ev->u.list.delimiter;
	} else if (ev->type == IMAP_EVENT_STATUS) {
		f = folder_list_find(fl, ev->u.status.name);
		if (ev->u.status.messages >= 0)
			f->messages = ev->u.status.messages;
		if (ev->u.status.unseen >= 0)
			f->unseen = ev->u.status.unseen;
	}
}

static int folder_list_cmp(const void *a, const void *b)
{
	const struct worker_folder *fa = a, *fb = b;
	bool ia = strcasecmp(fa->name, "INBOX") == 0, ib = strcasecmp(fb->name, "INBOX") == 0;

	if (ia != ib)
		return ia ? -1 : 1;
	return strcmp(fa->name, fb->name);
}

void worker_folder_list_sort(struct worker_folder_list *fl)
{
	qsort(fl->v, fl->n, sizeof(*fl->v), folder_list_cmp);
}

void worker_folder_list_free(struct worker_folder_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->v[i].name);
	free(fl->v);
	memset(fl, 0, sizeof(*fl));
}

/* ---- folders -------------------------------------------------------------------------------- */

struct folders_ctx {
	struct job *job;
	struct worker_folder_list list;
};

static int folders_event(void *ctx, const struct imap_event *ev)
{
	struct folders_ctx *fc = ctx;

	worker_folder_list_event(&fc->list, ev);
	return plain_event(fc->job, ev);
}

static int job_folders(struct job *job, int64_t *count_r, const char **error_r)
{
	struct worker *w = job->w;
	struct folders_ctx fc = { job, { NULL, 0, 0 } };
	int ret = session_wait(w->session, imap_engine_cmd_list(session_engine(w->session)), folders_event, &fc,
			       error_r);

	if (ret > 0) {
		*error_r = errstr(_("cannot list folders (server said: %s)"), *error_r);
		ret = JOB_FAILED;
	} else if (ret < 0) {
		ret = JOB_LOST;
	} else {
		worker_folder_list_sort(&fc.list);
		for (size_t i = 0; i < fc.list.n; i++) {
			struct worker_folder *f;

			if (fc.list.v[i].attrs & IMAP_MBOX_NONEXISTENT)
				continue;
			f = xmalloc(sizeof(*f));
			*f = fc.list.v[i];
			f->name = xstrdup(f->name);
			if (worker_post(w, job->id, WORKER_EV_FOLDER, 0, 0, f, worker_folder_free, false) < 0) {
				ret = JOB_FAILED;
				*error_r = _("aborted");
				break;
			}
			(*count_r)++;
		}
	}
	worker_folder_list_free(&fc.list);
	return ret;
}

/* ---- open ----------------------------------------------------------------------------------- */

struct open_ctx {
	struct job *job;
	struct worker_batch *batch;  /* records not posted yet, or NULL */
	size_t batches;              /* posted since the start or the last reset */
	int64_t delivered;           /* records handed over since the start or the last reset */
	int64_t last_post_ms;
	bool mailbox_posted;
	uint32_t uidvalidity, exists;/* as last posted */
};

/* Posts WORKER_EV_MAILBOX unless the UI has these figures already. */
static int open_post_mailbox(struct open_ctx *oc)
{
	struct worker *w = oc->job->w;
	const struct imap_mailbox_info *mb = imap_engine_mailbox(session_engine(w->session));

	if (oc->mailbox_posted && mb->uidvalidity == oc->uidvalidity && mb->exists == oc->exists)
		return 0;
	oc->mailbox_posted = true;
	oc->uidvalidity = mb->uidvalidity;
	oc->exists = mb->exists;
	return worker_post(w, oc->job->id, WORKER_EV_MAILBOX, mb->uidvalidity, mb->exists, NULL, NULL, false);
}

static int open_flush(struct open_ctx *oc)
{
	struct worker_batch *b = oc->batch;

	if (b == NULL)
		return 0;
	oc->batch = NULL;
	oc->batches++;
	oc->last_post_ms = ev_now_ms();
	return worker_post(oc->job->w, oc->job->id, WORKER_EV_MSGS, 0, 0, b, worker_batch_free, false);
}

/* mailbox_load's consumer: records into batches; NULL means "forget what you were given". */
static int open_record(void *ctx, const struct hcache_msg *m)
{
	struct open_ctx *oc = ctx;

	if (job_cancelled(oc->job))
		return -1;
	if (m == NULL) {
		worker_batch_free(oc->batch);
		oc->batch = NULL;
		if (oc->batches > 0 &&
		    worker_post(oc->job->w, oc->job->id, WORKER_EV_RESET, 0, 0, NULL, NULL, false) < 0)
			return -1;
		oc->batches = 0;
		oc->delivered = 0;
		return 0;
	}
	if (open_post_mailbox(oc) < 0)
		return -1;
	if (oc->batch == NULL)
		oc->batch = xcalloc(1, sizeof(*oc->batch));
	batch_add(oc->batch, m);
	oc->delivered++;
	if (oc->batches == 0 ? oc->batch->count >= WORKER_BATCH_FIRST :
	    oc->batch->count >= WORKER_BATCH_RECORDS || ev_now_ms() - oc->last_post_ms >= WORKER_BATCH_MS)
		return open_flush(oc);
	return 0;
}

static int job_open(struct job *job, int64_t *count_r, const char **error_r)
{
	struct worker *w = job->w;
	struct open_ctx oc;
	struct mailbox_load_stats stats;
	int ret;

	if (job->arg == NULL || *job->arg == '\0') {
		*error_r = _("no folder given");
		return JOB_FAILED;
	}
	memset(&oc, 0, sizeof(oc));
	oc.job = job;
	free(w->selected);
	w->selected = NULL;
	/* read-write: the UI marks messages read and flags them in the folder it shows */
	ret = mailbox_load(w->session, w->hc, w->acct->name, job->arg, false, open_record, &oc, &stats, error_r);
	if (ret == 0) {
		w->selected = xstrdup(job->arg);
		w->selected_rw = true;
		log_info("worker %s: open %s: %zu from cache, %zu fetched (%s)", w->acct->name, job->arg,
			 stats.from_cache, stats.fetched, mailbox_method_name(stats.method));
		if (open_post_mailbox(&oc) < 0 || open_flush(&oc) < 0) {
			*error_r = _("aborted");
			ret = JOB_FAILED;
		}
		*count_r = oc.delivered;
	} else if (ret > 0) {
		log_info("worker %s: SELECT %s refused: %s", w->acct->name, job->arg, *error_r);
		*error_r = errstr(_("no such folder '%s' (server said: %s)"), job->arg, *error_r);
		ret = JOB_FAILED;
	} else {
		ret = JOB_LOST;
	}
	worker_batch_free(oc.batch);
	return ret;
}

/* ---- body ----------------------------------------------------------------------------------- */

struct body_ctx {
	struct job *job;
	uint32_t uid;
	bool found, have_body;
	int64_t size;                /* RFC822.SIZE, -1 unknown */
	struct buf body;             /* the message */
	struct buf streamed;         /* the body sink's target while a literal streams */
};

static void body_sink(void *ctx, const char *data, size_t len, bool final)
{
	struct body_ctx *bc = ctx;

	buf_append(&bc->streamed, data, len);
	(void)final;
}

static int body_event(void *ctx, const struct imap_event *ev)
{
	struct body_ctx *bc = ctx;
	const struct imap_fetch *f = &ev->u.fetch;

	if (ev->type != IMAP_EVENT_FETCH || f->uid != bc->uid)
		return plain_event(bc->job, ev);
	bc->found = true;
	if (f->size >= 0)
		bc->size = f->size;
	for (size_t i = 0; i < f->n_sections; i++) {
		const struct imap_fetch_section *sec = &f->sections[i];

		if (sec->section[0] != '\0')
			continue;
		bc->have_body = true;
		buf_reset(&bc->body);
		if (sec->streamed) {
			struct buf tmp = bc->body;
			bc->body = bc->streamed;
			bc->streamed = tmp;
			buf_reset(&bc->streamed);
		} else if (sec->data != NULL) {
			buf_append(&bc->body, sec->data, sec->len);
		}
	}
	return plain_event(bc->job, ev);
}

/* The body cache, opened on first use; NULL when there is none (skua then works uncached). */
static struct bcache *worker_bcache(struct worker *w)
{
	if (!w->bc_tried) {
		char *dir = bcache_default_dir();
		const char *error;

		w->bc_tried = true;
		if (dir == NULL)
			log_warn("%s", _("no body cache: HOME is not set"));
		else if (bcache_open(dir, &w->bc, &error) < 0)
			log_warn("%s", error);
		free(dir);
	}
	return w->bc;
}

/* Waits for cmd. Returns JOB_OK, JOB_FAILED when the server refused it (*error_r = its text) or
 * JOB_LOST (*error_r). */
static int body_wait(struct body_ctx *bc, uint32_t cmd, const char **error_r)
{
	int ret = session_wait(bc->job->w->session, cmd, body_event, bc, error_r);

	return ret < 0 ? JOB_LOST : ret > 0 ? JOB_FAILED : JOB_OK;
}

static int job_body(struct job *job, const char **error_r)
{
	struct worker *w = job->w;
	struct imap_engine *engine = session_engine(w->session);
	struct body_ctx bc;
	struct bcache *cache;
	struct worker_body *body;
	uint32_t sel = 0, probe, uidvalidity;
	const char *folder = job->arg, *cerr;
	char uidstr[16];
	int ret;

	if (folder == NULL || *folder == '\0' || job->a <= 0 || job->a > UINT32_MAX) {
		*error_r = _("no such message");
		return JOB_FAILED;
	}
	memset(&bc, 0, sizeof(bc));
	bc.job = job;
	bc.uid = (uint32_t)job->a;
	bc.size = -1;
	snprintf(uidstr, sizeof(uidstr), "%u", bc.uid);
	/* pipelined: EXAMINE when another folder is selected, and a probe for existence and size */
	if (w->selected == NULL || strcmp(w->selected, folder) != 0) {
		free(w->selected);
		w->selected = NULL;
		w->selected_rw = false;
		sel = imap_engine_cmd_select(engine, folder, true);
	}
	probe = imap_engine_cmd_fetch(engine, uidstr, "(UID RFC822.SIZE)");
	if (sel != 0) {
		ret = body_wait(&bc, sel, error_r);
		if (ret == JOB_FAILED) {
			/* drain the probe pipelined behind the refused EXAMINE */
			const char *said = errstr(_("no such folder '%s' (server said: %s)"), folder, *error_r), *ignored;
			if (session_wait(w->session, probe, plain_event, job, &ignored) < 0) {
				ret = JOB_LOST;
				said = ignored;
			}
			*error_r = said;
		}
		if (ret != JOB_OK)
			goto out;
		w->selected = xstrdup(folder);
	}
	ret = body_wait(&bc, probe, error_r);
	if (ret == JOB_OK && !bc.found)
		ret = JOB_FAILED;
	if (ret == JOB_FAILED)
		*error_r = errstr(_("no such message in '%s': UID %u"), folder, bc.uid);
	if (ret != JOB_OK)
		goto out;
	uidvalidity = imap_engine_mailbox(engine)->uidvalidity;
	cache = uidvalidity != 0 ? worker_bcache(w) : NULL;
	if (cache != NULL && bcache_get(cache, w->acct->name, folder, uidvalidity, bc.uid, bc.size, &bc.body, &cerr) > 0) {
		bc.have_body = true;
		log_debug("worker %s: body %s %u from the body cache", w->acct->name, folder, bc.uid);
	} else {
		imap_engine_set_body_sink(engine, body_sink, &bc);
		ret = body_wait(&bc, imap_engine_cmd_fetch(engine, uidstr, "(UID BODY.PEEK[])"), error_r);
		imap_engine_set_body_sink(engine, NULL, NULL);
		if (ret == JOB_OK && !bc.have_body)
			ret = JOB_FAILED;
		if (ret == JOB_FAILED)
			*error_r = errstr(_("no such message in '%s': UID %u"), folder, bc.uid);
		if (ret != JOB_OK)
			goto out;
		if (cache != NULL && bcache_put(cache, w->acct->name, folder, uidvalidity, bc.uid,
						bc.body.data != NULL ? bc.body.data : "", bc.body.len, &cerr) < 0)
			log_warn("%s", cerr);
	}
	body = xmalloc(sizeof(*body));
	body->len = bc.body.len;
	body->data = bc.body.data != NULL ? buf_steal(&bc.body) : xstrdup("");
	if (worker_post(w, job->id, WORKER_EV_BODY, bc.uid, 0, body, worker_body_free, false) < 0) {
		*error_r = _("aborted");
		ret = JOB_FAILED;
	}
out:
	buf_free(&bc.body);
	buf_free(&bc.streamed);
	return ret;
}

/* ---- flags ---------------------------------------------------------------------------------- */

struct flags_ctx {
	struct job *job;
	uint32_t uid;
	bool found;                  /* a FETCH with the message's FLAGS came */
	uint32_t flags;
	uint64_t modseq;             /* the highest MODSEQ reported for it, 0 none */
};

static int flags_event(void *ctx, const struct imap_event *ev)
{
	struct flags_ctx *fc = ctx;
	const struct imap_fetch *f = &ev->u.fetch;

	if (ev->type == IMAP_EVENT_FETCH && f->uid == fc->uid) {
		if (f->has_flags) {
			fc->found = true;
			fc->flags = f->flags;
		}
		if (f->modseq > fc->modseq)
			fc->modseq = f->modseq;
	}
	return plain_event(fc->job, ev);
}

/* The parenthesised flag list of the bits in flags (WORKER_STORABLE_FLAGS), into buf. */
static void flags_list(uint32_t flags, char *buf, size_t size)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ IMAP_FLAG_SEEN, "\\Seen" }, { IMAP_FLAG_ANSWERED, "\\Answered" }, { IMAP_FLAG_FLAGGED, "\\Flagged" },
		{ IMAP_FLAG_DELETED, "\\Deleted" }, { IMAP_FLAG_DRAFT, "\\Draft" },
	};
	size_t n = 0;

	n += (size_t)snprintf(buf, size, "(");
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (flags & names[i].bit)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", buf[n - 1] == '(' ? "" : " ", names[i].name);
	}
	snprintf(buf + n, size - n, ")");
}

/* Waits for a STORE or FETCH of the flags job. Returns JOB_OK, JOB_FAILED when the server refused it
 * (*error_r = its text) or JOB_LOST (*error_r). */
static int flags_wait(struct flags_ctx *fc, uint32_t cmd, const char **error_r)
{
	int ret = session_wait(fc->job->w->session, cmd, flags_event, fc, error_r);

	return ret < 0 ? JOB_LOST : ret > 0 ? JOB_FAILED : JOB_OK;
}

/* Writes the message's new flags (and MODSEQ, when the server said) into the header cache. A failure
 * is logged, not an error: the next open resyncs the flags from the server. */
static void flags_cache(struct worker *w, const char *folder, uint32_t uidvalidity, const struct flags_ctx *fc)
{
	struct hcache_txn *txn;
	const char *error;

	if (w->hc == NULL || uidvalidity == 0)
		return;
	if (hcache_begin(w->hc, w->acct->name, folder, &txn, &error) < 0) {
		log_warn("%s", error);
		return;
	}
	(void)hcache_txn_set_flags(txn, uidvalidity, fc->uid, fc->flags, fc->modseq);
	if (hcache_commit(&txn, &error) < 0)
		log_warn("%s", error);
}

static int job_flags(struct job *job, const char **error_r)
{
	struct worker *w = job->w;
	struct imap_engine *engine = session_engine(w->session);
	const struct flags_req *fr = job->flags;
	const struct imap_mailbox_info *mb;
	struct flags_ctx fc;
	uint32_t cmds[2];
	size_t n = 0;
	char uidstr[16], list[96];
	int ret = JOB_OK;

	if (fr == NULL || fr->folder[0] == '\0' || job->a <= 0 || job->a > UINT32_MAX) {
		*error_r = _("no such message");
		return JOB_FAILED;
	}
	if (((fr->add | fr->remove) & ~(uint32_t)WORKER_STORABLE_FLAGS) != 0 || (fr->add & fr->remove) != 0 ||
	    (fr->add | fr->remove) == 0) {
		*error_r = _("these flags cannot be changed");
		return JOB_FAILED;
	}
	memset(&fc, 0, sizeof(fc));
	fc.job = job;
	fc.uid = (uint32_t)job->a;
	snprintf(uidstr, sizeof(uidstr), "%u", fc.uid);
	/* STORE needs the folder SELECTed, not EXAMINEd */
	if (w->selected == NULL || strcmp(w->selected, fr->folder) != 0 || !w->selected_rw) {
		free(w->selected);
		w->selected = NULL;
		w->selected_rw = false;
		ret = flags_wait(&fc, imap_engine_cmd_select(engine, fr->folder, false), error_r);
		if (ret == JOB_FAILED)
			*error_r = errstr(_("no such folder '%s' (server said: %s)"), fr->folder, *error_r);
		if (ret != JOB_OK)
			return ret;
		w->selected = xstrdup(fr->folder);
		w->selected_rw = true;
	}
	mb = imap_engine_mailbox(engine);
	if (mb->readonly) {
		*error_r = errstr(_("cannot change flags: the folder '%s' is read-only"), fr->folder);
		return JOB_FAILED;
	}
	if (fr->uidvalidity != 0 && mb->uidvalidity != fr->uidvalidity) {
		*error_r = errstr(_("cannot change flags: the folder '%s' was renewed on the server (open it again)"),
				  fr->folder);
		return JOB_FAILED;
	}
	/* not .SILENT: the answer says the flags the message has now */
	if (fr->add != 0) {
		flags_list(fr->add, list, sizeof(list));
		cmds[n++] = imap_engine_cmd_store(engine, uidstr, "+FLAGS", list);
	}
	if (fr->remove != 0) {
		flags_list(fr->remove, list, sizeof(list));
		cmds[n++] = imap_engine_cmd_store(engine, uidstr, "-FLAGS", list);
	}
	for (size_t i = 0; i < n; i++) {
		const char *said;
		int r = flags_wait(&fc, cmds[i], &said);

		if (r == JOB_LOST) {
			*error_r = said;
			return JOB_LOST;
		}
		if (r == JOB_FAILED && ret == JOB_OK) {
			/* the other STORE pipelined behind it is drained all the same */
			*error_r = errstr(_("the server refused to change the flags: %s"), said);
			ret = JOB_FAILED;
		}
	}
	if (ret != JOB_OK)
		return ret;
	if (!fc.found) {
		/* a server that answered without the UID, or a message that is gone: ask */
		bool modseq = (imap_engine_capabilities(engine) & IMAP_CAPA_CONDSTORE) != 0;
		uint32_t cmd = imap_engine_cmd_fetch(engine, uidstr, modseq ? "(UID FLAGS MODSEQ)" : "(UID FLAGS)");

		ret = flags_wait(&fc, cmd, error_r);
		if (ret == JOB_OK && !fc.found)
			ret = JOB_FAILED;
		if (ret == JOB_FAILED)
			*error_r = errstr(_("no such message in '%s': UID %u"), fr->folder, fc.uid);
		if (ret != JOB_OK)
			return ret;
	}
	log_debug("worker %s: flags %s %u: %#x (modseq %llu)", w->acct->name, fr->folder, fc.uid, fc.flags,
		  (unsigned long long)fc.modseq);
	flags_cache(w, fr->folder, mb->uidvalidity, &fc);
	if (worker_post(w, job->id, WORKER_EV_FLAGS, fc.uid, fc.flags, NULL, NULL, false) < 0) {
		*error_r = _("aborted");
		return JOB_FAILED;
	}
	return JOB_OK;
}

/* ---- requests ------------------------------------------------------------------------------- */

/* What the status bar says while a request runs. */
static const char *job_doing(const struct ev_msg *req)
{
	switch (req->type) {
	case WORKER_REQ_FOLDERS: return _("listing folders…");
	case WORKER_REQ_OPEN: return errstr(_("opening %s…"), req->payload != NULL ? (char *)req->payload : "");
	case WORKER_REQ_BODY: return _("fetching a message…");
	case WORKER_REQ_FLAGS: return _("changing flags…");
	}
	return "";
}

/* Runs one request to its final message. */
static void worker_run(struct worker *w, const struct ev_msg *req)
{
	struct job job = { w, req->request_id, req->payload, req->a, NULL };
	const char *error = NULL;
	char *why = NULL;
	int64_t count = 0;
	int ret;

	if (req->type == WORKER_REQ_FLAGS && req->payload != NULL) {
		job.flags = req->payload;
		job.arg = job.flags->folder;
	}
	worker_arm(w, job.id, false);
	if (job_cancelled(&job)) {
		(void)worker_post(w, job.id, WORKER_EV_CANCELLED, 0, 0, NULL, NULL, true);
		worker_disarm(w, job.id);
		return;
	}
	if (worker_connect(w, &error) < 0) {
		ret = JOB_LOST;
	} else {
		worker_status(w, WORKER_CONN_BUSY, job_doing(req));
		switch (req->type) {
		case WORKER_REQ_FOLDERS:
			ret = job_folders(&job, &count, &error);
			break;
		case WORKER_REQ_OPEN:
			ret = job_open(&job, &count, &error);
			break;
		case WORKER_REQ_BODY:
			ret = job_body(&job, &error);
			break;
		case WORKER_REQ_FLAGS:
			ret = job_flags(&job, &error);
			break;
		default:
			error = errstr("unknown request %u", req->type);
			ret = JOB_FAILED;
			break;
		}
	}
	if (ret != JOB_OK)
		why = xstrdup(error != NULL ? error : _("aborted"));
	/* the final message (before a disconnection that may wait for a tunnel to exit), then the
	 * connection's state */
	if (ret != JOB_OK && job_cancelled(&job))
		(void)worker_post(w, job.id, WORKER_EV_CANCELLED, 0, 0, NULL, NULL, true);
	else if (ret != JOB_OK)
		(void)worker_post_text(w, job.id, WORKER_EV_ERROR, 0, why, true);
	else
		(void)worker_post(w, job.id, WORKER_EV_DONE, 0, count, NULL, NULL, true);
	if (ret == JOB_LOST) {
		log_info("worker %s: connection dropped: %s", w->acct->name, why);
		worker_disconnect(w);
	}
	if (ret == JOB_LOST && job_cancelled(&job))
		worker_status(w, WORKER_CONN_IDLE, _("not connected"));
	else if (ret == JOB_LOST)
		worker_status(w, WORKER_CONN_FAILED, why);
	else
		worker_status(w, WORKER_CONN_READY, _("connected"));
	free(why);
	w->last_io_ms = ev_now_ms();
	worker_disarm(w, job.id);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	ev_signal_block_in_thread();
	net_set_abort_fd(w->abort_rfd);
	while (!worker_stopping(w)) {
		struct ev_msg req;
		int keepalive = atomic_load(&w->keepalive_ms), timeout = -1;
		enum ev_queue_status st;

		if (w->session != NULL && keepalive > 0) {
			int64_t left = w->last_io_ms + keepalive - ev_now_ms();
			timeout = left <= 0 ? 0 : left > keepalive ? keepalive : (int)left;
		}
		/* IDLE belongs here: with a folder selected and IDLE offered, instead of sleeping in
		 * ev_queue_pop the worker would send IDLE, poll the session's socket together with
		 * ev_queue_fd(w->requests) and the abort pipe, post what the server reports, and leave IDLE
		 * (DONE) when a request comes, the worker stops, or the keep-alive interval (then the IDLE
		 * restart interval) passes. */
		st = ev_queue_pop(w->requests, &req, timeout);
		if (st == EV_QUEUE_CLOSED || worker_stopping(w)) {
			ev_msg_drop(&req);
			break;
		}
		if (st == EV_QUEUE_EMPTY) {
			if (w->session != NULL)
				worker_keepalive(w);
			continue;
		}
		worker_run(w, &req);
		ev_msg_drop(&req);
	}
	worker_disconnect(w);
	bcache_close(&w->bc);
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
	w->hc = hc;
	w->to_ui = to_ui;
	w->abort_rfd = fds[0];
	w->abort_wfd = fds[1];
	atomic_init(&w->keepalive_ms, WORKER_KEEPALIVE_MS);
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
	ev_queue_free(&w->requests);
	ev_cancel_free(&w->cancel);
	pthread_mutex_destroy(&w->lock);
	close(w->abort_rfd);
	close(w->abort_wfd);
	free(w);
	return -1;
}

/* Gives msg a request id and queues it. Returns the id. */
static uint64_t worker_push_request(struct worker *w, struct ev_msg *msg)
{
	msg->request_id = ev_request_id_next();
	pthread_mutex_lock(&w->lock);
	w->requested = msg->request_id;
	pthread_mutex_unlock(&w->lock);
	/* unbounded and only closed by worker_stop: never full, never closed here */
	if (ev_queue_push(w->requests, msg, 0) != EV_QUEUE_OK)
		ev_msg_drop(msg);
	return msg->request_id;
}

uint64_t worker_request(struct worker *w, enum worker_req type, const char *arg, int64_t a)
{
	struct ev_msg msg = { .type = type, .account = w->account, .a = a };

	if (arg != NULL) {
		msg.payload = xstrdup(arg);
		msg.payload_free = free;
	}
	return worker_push_request(w, &msg);
}

uint64_t worker_request_flags(struct worker *w, const char *folder, uint32_t uidvalidity, uint32_t uid,
			      uint32_t add, uint32_t remove)
{
	size_t len = strlen(folder != NULL ? folder : "");
	struct flags_req *fr = xmalloc(sizeof(*fr) + len + 1);
	struct ev_msg msg = { .type = WORKER_REQ_FLAGS, .account = w->account, .a = uid, .payload = fr,
			      .payload_free = free };

	fr->uidvalidity = uidvalidity;
	fr->add = add;
	fr->remove = remove;
	memcpy(fr->folder, folder != NULL ? folder : "", len + 1);
	return worker_push_request(w, &msg);
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
