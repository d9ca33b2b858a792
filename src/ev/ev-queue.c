/* ev-queue.c: a mutex-and-condvar ring of messages whose pipe holds one wakeup byte while it is non-empty. */
#include "skua.h"
#include "ev-queue.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A drained unbounded ring larger than this is given back, so that one burst does not pin its memory
 * (a bounded ring keeps its at most max_len slots). */
#define EV_QUEUE_KEEP 1024

struct ev_queue {
	pthread_mutex_t lock;
	pthread_cond_t can_pop, can_push;
	unsigned int pop_waiters, push_waiters;

	struct ev_msg *ring;
	size_t cap, head, len;
	size_t max_len;             /* 0: unbounded */
	bool closed;
	bool woken;                 /* the wakeup byte is in the pipe */
	int wake_rfd, wake_wfd;
};

void ev_msg_drop(struct ev_msg *msg)
{
	if (msg->payload != NULL && msg->payload_free != NULL)
		msg->payload_free(msg->payload);
	msg->payload = NULL;
	msg->payload_free = NULL;
}

uint64_t ev_request_id_next(void)
{
	static atomic_uint_fast64_t last;

	return (uint64_t)atomic_fetch_add(&last, 1) + 1;
}

struct ev_queue *ev_queue_new(size_t max_len, const char **error_r)
{
	struct ev_queue *q;
	pthread_condattr_t attr;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		*error_r = errstr(_("cannot make a queue's wakeup pipe: %s"), strerror(errno));
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->max_len = max_len;
	q->wake_rfd = fds[0];
	q->wake_wfd = fds[1];
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->can_pop, &attr);
	pthread_cond_init(&q->can_push, &attr);
	pthread_condattr_destroy(&attr);
	return q;
}

void ev_queue_free(struct ev_queue **q)
{
	struct ev_queue *qq = *q;

	if (qq == NULL)
		return;
	for (size_t i = 0; i < qq->len; i++)
		ev_msg_drop(&qq->ring[(qq->head + i) % qq->cap]);
	free(qq->ring);
	close(qq->wake_rfd);
	close(qq->wake_wfd);
	pthread_cond_destroy(&qq->can_pop);
	pthread_cond_destroy(&qq->can_push);
	pthread_mutex_destroy(&qq->lock);
	free(qq);
	*q = NULL;
}

/* Puts the wakeup byte in the pipe unless it is there. Lock held. */
static void ev_queue_wake(struct ev_queue *q)
{
	ssize_t ret;

	if (q->woken)
		return;
	ret = write(q->wake_wfd, "", 1);
	(void)ret; /* cannot fail short of a bug: the pipe is empty and ours */
	q->woken = true;
}

/* Takes the wakeup byte out again once the queue is empty (a closed queue keeps it). Lock held. */
static void ev_queue_unwake(struct ev_queue *q)
{
	char byte;
	ssize_t ret;

	if (!q->woken || q->closed || q->len > 0)
		return;
	ret = read(q->wake_rfd, &byte, 1);
	(void)ret;
	q->woken = false;
}

/* Waits on cond until signalled or the deadline (made from timeout_ms on the first wait; -1: none).
 * Returns false when the deadline passed. Lock held. */
static bool ev_queue_wait(struct ev_queue *q, pthread_cond_t *cond, unsigned int *waiters, int timeout_ms,
			  struct timespec *deadline, bool *have_deadline)
{
	int rc;

	if (timeout_ms > 0 && !*have_deadline) {
		clock_gettime(CLOCK_MONOTONIC, deadline);
		deadline->tv_sec += timeout_ms / 1000;
		deadline->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (deadline->tv_nsec >= 1000000000) {
			deadline->tv_sec++;
			deadline->tv_nsec -= 1000000000;
		}
		*have_deadline = true;
	}
	(*waiters)++;
	if (timeout_ms < 0)
		rc = pthread_cond_wait(cond, &q->lock);
	else
		rc = pthread_cond_timedwait(cond, &q->lock, deadline);
	(*waiters)--;
	return rc != ETIMEDOUT;
}

/* Moves the oldest message to *msg_r. Lock held, len > 0. */
static void ev_queue_take(struct ev_queue *q, struct ev_msg *msg_r)
{
	*msg_r = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	if (q->push_waiters > 0)
		pthread_cond_signal(&q->can_push);
	if (q->len == 0) {
		ev_queue_unwake(q);
		q->head = 0;
		if (q->max_len == 0 && q->cap > EV_QUEUE_KEEP) {
			free(q->ring);
			q->ring = NULL;
			q->cap = 0;
		}
	}
}

/* Makes room for one more message, keeping the order. Lock held. */
static void ev_queue_grow(struct ev_queue *q)
{
	size_t cap = q->cap > 0 ? q->cap * 2 : 16;
	struct ev_msg *ring;

	if (q->len < q->cap)
		return;
	if (q->max_len > 0 && cap > q->max_len)
		cap = q->max_len;
	ring = xmalloc(cap * sizeof(*ring));
	for (size_t i = 0; i < q->len; i++)
		ring[i] = q->ring[(q->head + i) % q->cap];
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
}

enum ev_queue_status ev_queue_push(struct ev_queue *q, struct ev_msg *msg, int timeout_ms)
{
	enum ev_queue_status status = EV_QUEUE_OK;
	struct timespec deadline;
	bool have_deadline = false, timed_out = false;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		if (q->closed) {
			status = EV_QUEUE_CLOSED;
			break;
		}
		if (q->max_len == 0 || q->len < q->max_len)
			break;
		if (timeout_ms == 0 || timed_out) {
			status = EV_QUEUE_FULL;
			break;
		}
		timed_out = !ev_queue_wait(q, &q->can_push, &q->push_waiters, timeout_ms, &deadline, &have_deadline);
	}
	if (status == EV_QUEUE_OK) {
		ev_queue_grow(q);
		q->ring[(q->head + q->len) % q->cap] = *msg;
		q->len++;
		msg->payload = NULL;
		msg->payload_free = NULL;
		if (q->pop_waiters > 0)
			pthread_cond_signal(&q->can_pop);
		ev_queue_wake(q);
	}
	pthread_mutex_unlock(&q->lock);
	return status;
}

enum ev_queue_status ev_queue_pop(struct ev_queue *q, struct ev_msg *msg_r, int timeout_ms)
{
	enum ev_queue_status status;
	struct timespec deadline;
	bool have_deadline = false, timed_out = false;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		if (q->len > 0) {
			ev_queue_take(q, msg_r);
			status = EV_QUEUE_OK;
			break;
		}
		if (q->closed) {
			status = EV_QUEUE_CLOSED;
			break;
		}
		if (timeout_ms == 0 || timed_out) {
			status = EV_QUEUE_EMPTY;
			break;
		}
		timed_out = !ev_queue_wait(q, &q->can_pop, &q->pop_waiters, timeout_ms, &deadline, &have_deadline);
	}
	pthread_mutex_unlock(&q->lock);
	if (status != EV_QUEUE_OK)
		memset(msg_r, 0, sizeof(*msg_r));
	return status;
}

size_t ev_queue_pop_many(struct ev_queue *q, struct ev_msg *msgs_r, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&q->lock);
	while (n < max && q->len > 0)
		ev_queue_take(q, &msgs_r[n++]);
	pthread_mutex_unlock(&q->lock);
	return n;
}

int ev_queue_fd(const struct ev_queue *q)
{
	return q->wake_rfd;
}

void ev_queue_close(struct ev_queue *q)
{
	pthread_mutex_lock(&q->lock);
	if (!q->closed) {
		q->closed = true;
		pthread_cond_broadcast(&q->can_pop);
		pthread_cond_broadcast(&q->can_push);
		ev_queue_wake(q);
	}
	pthread_mutex_unlock(&q->lock);
}

size_t ev_queue_len(struct ev_queue *q)
{
	size_t len;

	pthread_mutex_lock(&q->lock);
	len = q->len;
	pthread_mutex_unlock(&q->lock);
	return len;
}

/* ---- cancellation ---------------------------------------------------------------------------- */

struct ev_cancel {
	pthread_mutex_t lock;
	atomic_size_t n_ids;        /* == n, readable without the lock */
	uint64_t *ids;
	size_t n, cap;
};

struct ev_cancel *ev_cancel_new(void)
{
	struct ev_cancel *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	atomic_init(&c->n_ids, 0);
	return c;
}

void ev_cancel_free(struct ev_cancel **c)
{
	if (*c == NULL)
		return;
	pthread_mutex_destroy(&(*c)->lock);
	free((*c)->ids);
	free(*c);
	*c = NULL;
}

/* Returns the index of id, or c->n. Lock held. */
static size_t ev_cancel_find(const struct ev_cancel *c, uint64_t id)
{
	size_t i;

	for (i = 0; i < c->n && c->ids[i] != id; i++)
		;
	return i;
}

void ev_cancel_request(struct ev_cancel *c, uint64_t request_id)
{
	pthread_mutex_lock(&c->lock);
	if (ev_cancel_find(c, request_id) == c->n) {
		c->ids = xgrow(c->ids, &c->cap, c->n + 1, sizeof(*c->ids));
		c->ids[c->n++] = request_id;
		atomic_store(&c->n_ids, c->n);
	}
	pthread_mutex_unlock(&c->lock);
}

bool ev_cancel_is_requested(struct ev_cancel *c, uint64_t request_id)
{
	bool found;

	if (atomic_load(&c->n_ids) == 0)
		return false;
	pthread_mutex_lock(&c->lock);
	found = ev_cancel_find(c, request_id) < c->n;
	pthread_mutex_unlock(&c->lock);
	return found;
}

void ev_cancel_forget(struct ev_cancel *c, uint64_t request_id)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	i = ev_cancel_find(c, request_id);
	if (i < c->n) {
		c->ids[i] = c->ids[--c->n];
		atomic_store(&c->n_ids, c->n);
	}
	pthread_mutex_unlock(&c->lock);
}
