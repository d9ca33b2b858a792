/* worker.h: one thread per account that owns its IMAP connection and caches, driven by flat messages. */
#ifndef BACKEND_WORKER_H
#define BACKEND_WORKER_H

#include "skua.h"
#include "backend/op.h"
#include "backend/record.h"
#include "backend/track.h"
#include "cfg/cfg.h"
#include "ev/ev-queue.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"
#include "lib/buf.h"

/* The UI sends requests (operations, struct op) with worker_submit() or the shorthands below; the
 * worker runs each with op_run() and answers on the UI's queue with struct ev_msg messages whose type
 * is an enum worker_ev, account is the worker's account id and request_id the request's id (0 for
 * events that belong to no request, such as WORKER_EV_STATUS and WORKER_EV_CHANGED). Every request gets
 * exactly one final message: WORKER_EV_DONE, WORKER_EV_ERROR or WORKER_EV_CANCELLED. Requests run one
 * at a time, in the order they were made; a request's messages come in order, its final one last.
 *
 * Between requests the worker listens: it waits on the connection, its request queue and its abort pipe
 * together, so what the server says at any time (another client's flag change, an expunge, new mail,
 * answering a keep-alive NOOP or any request) is applied to the header cache by the selected mailbox's
 * tracker and posted as WORKER_EV_CHANGED, new mail with its headers fetched. */
enum worker_req {
	WORKER_REQ_FOLDERS = 1,  /* every folder with its counts: WORKER_EV_FOLDER per folder (INBOX first,
				  * then by name), then DONE (b = the folder count) */
	WORKER_REQ_OPEN,         /* arg: folder name. WORKER_EV_MAILBOX, then WORKER_EV_MSGS batches (the
				  * newest first on a cold open; WORKER_EV_RESET means forget this request's
				  * messages so far), then DONE (b = the message count) */
	WORKER_REQ_BODY,         /* arg: folder name, a: UID. WORKER_EV_BODY (the raw message, from the body
				  * cache or fetched and then cached), then DONE. Never sets \Seen (BODY.PEEK) */
	WORKER_REQ_FLAGS,        /* made with worker_request_flags(). WORKER_EV_FLAGS, then DONE */
	WORKER_REQ_OP,           /* made with worker_submit(): the events its kind brings (see op.h):
				  * OP_FOLDERS FOLDER, OP_OPEN MAILBOX PREVIEW MSGS RESET, OP_BODY BODY,
				  * OP_FLAGS FLAGS, OP_COPY/OP_MOVE COPIED, OP_APPEND APPENDED,
				  * OP_SEARCH FOUND; then DONE (b = the count the kind names) */
};

enum worker_ev {
	WORKER_EV_STATUS = 100,  /* a: enum worker_conn; payload: char * text for the status bar (from the
				  * network in part: sanitise before display) */
	WORKER_EV_ALERT,         /* payload: char * [ALERT] text from the server (sanitise before display) */
	WORKER_EV_FOLDER,        /* payload: struct worker_folder * */
	WORKER_EV_MAILBOX,       /* a: UIDVALIDITY, b: EXISTS of the folder just opened; before the first
				  * batch, and again before DONE when either changed meanwhile */
	WORKER_EV_MSGS,          /* payload: struct worker_batch * */
	WORKER_EV_RESET,         /* forget every message this request delivered so far */
	WORKER_EV_BODY,          /* a: UID; payload: struct worker_body * */
	WORKER_EV_FLAGS,         /* a: UID, b: its flags (enum imap_flag) as the server now has them */
	WORKER_EV_PROGRESS,      /* a: done, b: total (0 unknown): long work under way (not sent yet) */
	WORKER_EV_PREVIEW,       /* payload: struct worker_batch *: the folder's first screen from the cache
				  * (newest first, before the server answered; the MSGS that follow are the
				  * truth and may differ) */
	WORKER_EV_CHANGED,       /* payload: struct track_changes *: the selected mailbox as the server
				  * changed it (flags, expunges, new mail), whatever caused it; request_id 0 */
	WORKER_EV_COPIED,        /* payload: struct worker_copied *: where copied or moved messages went */
	WORKER_EV_APPENDED,      /* a: the folder's UIDVALIDITY, b: the appended message's UID */
	WORKER_EV_FOUND,         /* payload: struct imap_uidset *: the UIDs a search found */
	WORKER_EV_NOTE,          /* payload: char * a note on the request for the user (sanitised) */
	WORKER_EV_DONE,          /* final: the request succeeded (b: a count where the request says so) */
	WORKER_EV_ERROR,         /* final; payload: char * one-line message (translated, sanitised) */
	WORKER_EV_CANCELLED,     /* final: worker_cancel() reached the request before it finished */
};

/* The connection's state, as WORKER_EV_STATUS reports it: CONNECTING ("connecting to HOST…") when a
 * request needs a connection, then READY ("connected") or, after the request's final ERROR, FAILED (the
 * error); BUSY (what it does) when a request starts and READY when it ends; FAILED (the error) after
 * the final of a request that lost the connection, or when a keep-alive finds it dead; IDLE when a
 * cancel or stop dropped it. After FAILED or IDLE the next request connects again. */
enum worker_conn {
	WORKER_CONN_IDLE,        /* not connected (nothing asked yet, or logged out) */
	WORKER_CONN_CONNECTING,
	WORKER_CONN_READY,
	WORKER_CONN_BUSY,        /* a request is running */
	WORKER_CONN_FAILED,      /* the last attempt failed; the next request tries again */
};

/* A request's first batch holds WORKER_BATCH_FIRST records (a first screen; fewer when the folder has
 * fewer); later ones are sent when they hold WORKER_BATCH_RECORDS or WORKER_BATCH_MS after the
 * previous one, whichever comes first, and at the end. After a RESET the next batch counts as a first
 * one again. A PREVIEW holds at most WORKER_BATCH_FIRST records. */
#define WORKER_BATCH_FIRST 250
#define WORKER_BATCH_RECORDS 2000
#define WORKER_BATCH_MS 50

/* WORKER_EV_COPIED's payload: the destination's UIDVALIDITY and the UIDs the sources got (COPYUID). */
struct worker_copied {
	uint32_t uidvalidity;
	struct imap_uidset src, dst;
};

struct worker_body {
	char *data;
	size_t len;
};

/* Idle time after which the worker sends a NOOP, so that NATs and servers keep the connection and a
 * dead one is found before the user waits on it. */
#define WORKER_KEEPALIVE_MS (4 * 60 * 1000)
/* An IDLE is ended and begun again after this long at most (RFC 2177: servers may drop an IDLE client
 * after 30 minutes of it). */
#define WORKER_IDLE_MAX_MS (28 * 60 * 1000)

struct worker;

/* Starts the worker thread of account acct (borrowed: it must outlive the worker), posting to `to_ui`
 * with `account` as the ev_msg account. hc (may be NULL) is shared with other workers (LMDB handles
 * are thread-safe) and must outlive the worker. to_ui may be bounded: the worker then waits while it
 * is full (the UI must keep popping). The body cache is the default one, opened by the worker when it
 * first needs it. Nothing connects until the first request. Returns 0 and the worker, or -1 with
 * *error_r. UI thread. */
int worker_start(const struct cfg_account *acct, uint32_t account, struct hcache *hc, struct ev_queue *to_ui,
		 struct worker **worker_r, const char **error_r);

/* Queues the operation op (its contents are taken: *op is left empty) as a WORKER_REQ_OP request (never
 * blocks). Returns the request id. UI thread. */
uint64_t worker_submit(struct worker *worker, struct op *op);

/* Queues a request (never blocks). arg is copied (may be NULL). Returns its request id. UI thread.
 * OPEN hands over the cached first screen as WORKER_EV_PREVIEW (newest by date) first. */
uint64_t worker_request(struct worker *worker, enum worker_req type, const char *arg, int64_t a);

/* Flags a WORKER_REQ_FLAGS request may add or remove (enum imap_flag; \Recent is the server's). */
#define WORKER_STORABLE_FLAGS OP_STORABLE_FLAGS

/* Queues a WORKER_REQ_FLAGS request (never blocks): adds the flags `add` and removes the flags `remove`
 * (WORKER_STORABLE_FLAGS bits, not the same bit in both) on message uid of folder (copied). The folder
 * is SELECTed read-write unless it is already; uidvalidity is the UIDVALIDITY the caller knows the UID
 * under (0: not checked): another one fails the request instead of changing another message. The
 * header cache record follows the server's answer. Answers WORKER_EV_FLAGS then DONE, or ERROR (no
 * such folder or message, a read-only folder, UIDVALIDITY changed, the server refused: the message
 * says which). Returns the request id. UI thread. */
uint64_t worker_request_flags(struct worker *worker, const char *folder, uint32_t uidvalidity, uint32_t uid,
			      uint32_t add, uint32_t remove);

/* Asks the worker to stop the request; its final message then is WORKER_EV_CANCELLED (or DONE/ERROR
 * if it finished first). A queued request is answered CANCELLED without running. A running one stops
 * between records, events and steps; a wait on the network (connecting, a hung server) is abandoned
 * at once, and so is a keep-alive NOOP a queued request waits behind: the connection is then dropped
 * and made again by the next request. Not abandoned early: a host name look-up, a password command
 * (bounded by its own time-out), a body streaming in without pause (bounded by its size), waiting for
 * another writer of the header cache. An id that is not this worker's, or whose final message was
 * sent, is ignored. Never blocks. UI thread. */
void worker_cancel(struct worker *worker, uint64_t request_id);

/* Sets the keep-alive interval (WORKER_KEEPALIVE_MS at start; 0 turns keep-alives off); it applies
 * from the next idle wait on. UI thread. */
void worker_set_keepalive(struct worker *worker, int ms);

/* Turns IDLE on or off (at start: the account's `idle`). With it on, a worker with a folder selected and
 * nothing to do waits in IDLE when the server offers it, so that what other clients change reaches the
 * UI at once (as WORKER_EV_CHANGED); a request ends the IDLE first (one round trip); the keep-alive then
 * ends and begins it again instead of a NOOP. Applies from the next idle wait on. UI thread. */
void worker_set_idle(struct worker *worker, bool on);

/* Stops the thread (cancelling what runs, LOGOUT best effort), joins it, frees the worker and the
 * requests still queued, and sets *worker = NULL. Requests not finished by then may get no final
 * message: the UI forgets them. Messages already posted stay in the UI's queue. Returns promptly even
 * while a request waits on a hung server or on a full to_ui queue (within the bounds worker_cancel
 * names, plus up to 1 s for a tunnel command that ignores the end of its input to be killed).
 * NULL-safe. UI thread. */
void worker_stop(struct worker **worker);

/* Payload destructors (what ev_msg.payload_free points at; worker_batch_free is in record.h,
 * track_changes_free in track.h). */
void worker_folder_free(void *folder);
void worker_body_free(void *body);
void worker_copied_free(void *copied);
void worker_uidset_free(void *uidset);

#endif
