/* ev-queue.h: thread-safe queues of flat messages with a pollable wakeup fd, and request cancellation. */
#ifndef EV_EV_QUEUE_H
#define EV_EV_QUEUE_H

#include "skua.h"

/* How the UI and the account workers talk: one queue per direction. Requests (UI -> worker) go into an
 * unbounded queue the UI pushes to with timeout 0, so the UI never waits; the worker pops with a
 * timeout. Replies and events (worker -> UI) go into a bounded queue the worker pushes to with a
 * timeout (back-pressure while a big folder streams in); the UI polls ev_queue_fd() in its loop and
 * pops without waiting. Messages carry ids, not pointers into the sender's state. */

/* One message, copied in and out by value. type, account, request_id, a and b mean what the sender and
 * receiver agree they mean (ev looks at none of them). payload, when not NULL, is owned by the message:
 * whoever ends up holding the message (the receiver after a pop, the queue while it is queued, the
 * sender when a push fails) frees it, once, with ev_msg_drop() or by calling payload_free itself. A
 * payload must not point into state the sender keeps using. */
struct ev_msg {
	uint32_t type;
	uint32_t account;
	uint64_t request_id;
	int64_t a, b;
	void *payload;
	void (*payload_free)(void *payload);  /* NULL: the payload needs no freeing (or there is none) */
};

/* Frees msg->payload with msg->payload_free (when both are set) and clears both. Any thread. */
void ev_msg_drop(struct ev_msg *msg);

/* Returns a fresh request id: unique in the process, never 0, increasing. Any thread. */
uint64_t ev_request_id_next(void);

enum ev_queue_status {
	EV_QUEUE_OK = 0,
	EV_QUEUE_EMPTY,    /* pop: nothing came within the timeout */
	EV_QUEUE_FULL,     /* push: the bounded queue stayed full for the whole timeout */
	EV_QUEUE_CLOSED,   /* push: the queue is closed; pop: closed and every message taken */
};

struct ev_queue;

/* Returns a new queue holding at most max_len messages (0: no limit) the caller owns, or NULL with
 * *error_r when no wakeup pipe could be made. Any thread. */
struct ev_queue *ev_queue_new(size_t max_len, const char **error_r);
/* Drops the messages still queued (freeing their payloads), closes the wakeup fd, frees the queue, sets
 * *q = NULL. NULL-safe. Only once no other thread uses the queue any more (close it, then join them). */
void ev_queue_free(struct ev_queue **q);

/* Appends *msg. timeout_ms: 0 never waits, -1 waits as long as the queue is full, otherwise at most
 * that long; only a bounded queue ever waits (the UI thread must use 0). Returns EV_QUEUE_OK with the
 * message (and its payload) now the queue's: msg->payload and msg->payload_free are cleared. Otherwise
 * (EV_QUEUE_FULL, EV_QUEUE_CLOSED) *msg is untouched and still the caller's. Messages from one thread
 * are popped in the order that thread pushed them. Any thread. */
enum ev_queue_status ev_queue_push(struct ev_queue *q, struct ev_msg *msg, int timeout_ms);

/* Takes the oldest message into *msg_r (the caller now owns its payload). timeout_ms: 0 never waits,
 * -1 waits until a message comes or the queue is closed, otherwise at most that long. Returns
 * EV_QUEUE_OK, EV_QUEUE_EMPTY (nothing within the timeout), or EV_QUEUE_CLOSED (closed and drained:
 * messages pushed before ev_queue_close are still delivered). *msg_r is cleared when not EV_QUEUE_OK.
 * Any thread; several may pop at once (each message goes to exactly one). */
enum ev_queue_status ev_queue_pop(struct ev_queue *q, struct ev_msg *msg_r, int timeout_ms);
/* Takes up to max messages, oldest first, into msgs_r without waiting, under one lock: how a loop
 * callback drains a busy queue in batches (and leaves the rest for the next turn, so that a flood of
 * messages never starves the keyboard). Returns how many were taken (0 when empty; ev_queue_pop tells
 * an empty queue from a closed one). Any thread. */
size_t ev_queue_pop_many(struct ev_queue *q, struct ev_msg *msgs_r, size_t max);

/* Returns an fd (owned by the queue) that polls readable exactly while the queue holds a message or is
 * closed: register it with EV_READ and pop from its callback until EV_QUEUE_EMPTY (or as many as a turn
 * allows). Never read from it. One byte at most is ever pending on it: a push wakes a poller only when
 * the queue was empty. Any thread. */
int ev_queue_fd(const struct ev_queue *q);

/* Closes the queue: later pushes fail with EV_QUEUE_CLOSED, waiting pushers get it at once, waiting
 * poppers get the remaining messages and then EV_QUEUE_CLOSED, and the fd polls readable from now on.
 * Idempotent. Any thread. */
void ev_queue_close(struct ev_queue *q);
/* Returns how many messages are queued (a snapshot). Any thread. */
size_t ev_queue_len(struct ev_queue *q);

/* A set of cancelled request ids shared by the UI and a worker. The UI marks a request cancelled;
 * the worker checks between steps and, when it finds the mark, stops and sends the request's final
 * CANCELLED (it may still send DONE or ERROR instead if it finished first: one final reply either way).
 * The UI forgets the id when it receives that final reply, so the set holds only requests in flight. */
struct ev_cancel;

/* Returns a new, empty set the caller owns. Never NULL. Any thread. */
struct ev_cancel *ev_cancel_new(void);
/* Frees the set, sets *c = NULL. NULL-safe. Once no other thread uses it. */
void ev_cancel_free(struct ev_cancel **c);
/* Marks request_id cancelled (again is harmless). Any thread (the UI's). */
void ev_cancel_request(struct ev_cancel *c, uint64_t request_id);
/* True when request_id is marked. Cheap when nothing is cancelled (no lock). Any thread (the worker's). */
bool ev_cancel_is_requested(struct ev_cancel *c, uint64_t request_id);
/* Unmarks request_id (a no-op when not marked). Any thread (the UI's, on the final reply). */
void ev_cancel_forget(struct ev_cancel *c, uint64_t request_id);

#endif
