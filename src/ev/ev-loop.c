/* ev-loop.c: the poll loop: fd registrations, a binary heap of monotonic timers, frees deferred to turn end. */
#include "skua.h"
#include "ev-loop.h"
#include "lib/xmalloc.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

struct ev_io {
	struct ev_loop *loop;
	int fd;
	unsigned int events;
	ev_io_cb *cb;
	void *ctx;
	bool dead;          /* removed inside a turn; freed when the turn ends */
};

enum ev_timer_state {
	EV_TIMER_IDLE,      /* not armed: stopped, a fired one-shot, or removed */
	EV_TIMER_ARMED,     /* in the heap at heap_idx */
	EV_TIMER_PENDING,   /* expired this turn, its callback not yet run */
};

struct ev_timer {
	struct ev_loop *loop;
	int64_t deadline;   /* ev_now_ms() time */
	int64_t period;     /* > 0 for a repeating timer */
	uint64_t seq;       /* arming order: breaks ties between equal deadlines */
	size_t heap_idx;
	enum ev_timer_state state;
	bool dead;
	ev_timer_cb *cb;
	void *ctx;
	struct ev_timer *prev, *next;  /* every live timer of the loop, for ev_loop_free */
	struct ev_timer *next_dead;    /* removed inside a turn, freed when the turn ends */
};

struct ev_loop {
	struct ev_io **ios;            /* registration order (dead ones only until the turn ends) */
	size_t n_ios, cap_ios;
	struct pollfd *pfds;           /* this turn's poll set ... */
	struct ev_io **polled;         /* ... and the registration behind each entry */
	size_t cap_polled;
	bool ios_dead;                 /* some ios are dead and wait to be freed */

	struct ev_timer **heap;        /* armed timers, a binary min-heap on (deadline, seq) */
	size_t n_heap, cap_heap;
	struct ev_timer **due;         /* timers expired in this turn, in firing order */
	size_t n_due, cap_due;
	struct ev_timer *timers;       /* every timer not yet removed */
	struct ev_timer *dead_timers;
	uint64_t timer_seq;

	bool in_turn;
};

int64_t ev_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ev_loop *ev_loop_new(void)
{
	return xcalloc(1, sizeof(struct ev_loop));
}

/* ---- timer heap ------------------------------------------------------------------------------ */

static bool ev_timer_before(const struct ev_timer *a, const struct ev_timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void ev_heap_place(struct ev_loop *loop, size_t i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void ev_heap_up(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];

	while (i > 0 && ev_timer_before(t, loop->heap[(i - 1) / 2])) {
		ev_heap_place(loop, i, loop->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	ev_heap_place(loop, i, t);
}

static void ev_heap_down(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= loop->n_heap)
			break;
		if (child + 1 < loop->n_heap && ev_timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!ev_timer_before(loop->heap[child], t))
			break;
		ev_heap_place(loop, i, loop->heap[child]);
		i = child;
	}
	ev_heap_place(loop, i, t);
}

static void ev_heap_remove(struct ev_loop *loop, struct ev_timer *t)
{
	size_t i = t->heap_idx;
	struct ev_timer *last = loop->heap[--loop->n_heap];

	if (last != t) {
		ev_heap_place(loop, i, last);
		ev_heap_up(loop, i);
		ev_heap_down(loop, last->heap_idx);
	}
}

/* Takes the timer out of the heap or the turn's due list: it is idle afterwards. */
static void ev_timer_disarm(struct ev_timer *t)
{
	if (t->state == EV_TIMER_ARMED)
		ev_heap_remove(t->loop, t);
	t->state = EV_TIMER_IDLE;
}

static void ev_timer_arm(struct ev_timer *t, int64_t deadline)
{
	struct ev_loop *loop = t->loop;

	ev_timer_disarm(t);
	t->deadline = deadline;
	t->seq = loop->timer_seq++;
	t->state = EV_TIMER_ARMED;
	loop->heap = xgrow(loop->heap, &loop->cap_heap, loop->n_heap + 1, sizeof(*loop->heap));
	ev_heap_place(loop, loop->n_heap++, t);
	ev_heap_up(loop, t->heap_idx);
}

/* ---- timers ---------------------------------------------------------------------------------- */

/* Longest delay taken as it is (about 142 years): deadlines never overflow. */
#define EV_TIMER_MAX_MS ((int64_t)1 << 52)

static int64_t ev_timer_delay(int64_t delay_ms)
{
	return delay_ms < 0 ? 0 : delay_ms > EV_TIMER_MAX_MS ? EV_TIMER_MAX_MS : delay_ms;
}

struct ev_timer *ev_timer_add(struct ev_loop *loop, int64_t delay_ms, bool repeat, ev_timer_cb *cb, void *ctx)
{
	struct ev_timer *t = xcalloc(1, sizeof(*t));

	delay_ms = ev_timer_delay(delay_ms);
	t->loop = loop;
	t->period = repeat ? (delay_ms > 0 ? delay_ms : 1) : 0;
	t->cb = cb;
	t->ctx = ctx;
	t->state = EV_TIMER_IDLE;
	t->next = loop->timers;
	if (loop->timers != NULL)
		loop->timers->prev = t;
	loop->timers = t;
	ev_timer_arm(t, ev_now_ms() + delay_ms);
	return t;
}

void ev_timer_restart(struct ev_timer *timer, int64_t delay_ms)
{
	assert(!timer->dead);
	delay_ms = ev_timer_delay(delay_ms);
	if (timer->period > 0)
		timer->period = delay_ms > 0 ? delay_ms : 1;
	ev_timer_arm(timer, ev_now_ms() + delay_ms);
}

void ev_timer_stop(struct ev_timer *timer)
{
	ev_timer_disarm(timer);
}

bool ev_timer_armed(const struct ev_timer *timer)
{
	return timer->state == EV_TIMER_ARMED;
}

void ev_timer_remove(struct ev_timer **timer)
{
	struct ev_timer *t = *timer;
	struct ev_loop *loop;

	if (t == NULL)
		return;
	*timer = NULL;
	loop = t->loop;
	assert(!t->dead);
	ev_timer_disarm(t);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		loop->timers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->dead = true;
	if (loop->in_turn) {
		/* the due list may still point at it */
		t->next_dead = loop->dead_timers;
		loop->dead_timers = t;
	} else {
		free(t);
	}
}

/* Runs the callbacks of the timers expired by now. Returns how many ran. */
static int ev_loop_run_timers(struct ev_loop *loop)
{
	int64_t now = ev_now_ms();
	int ran = 0;

	loop->n_due = 0;
	while (loop->n_heap > 0 && loop->heap[0]->deadline <= now) {
		struct ev_timer *t = loop->heap[0];
		ev_heap_remove(loop, t);
		t->state = EV_TIMER_PENDING;
		loop->due = xgrow(loop->due, &loop->cap_due, loop->n_due + 1, sizeof(*loop->due));
		loop->due[loop->n_due++] = t;
	}
	for (size_t i = 0; i < loop->n_due; i++) {
		struct ev_timer *t = loop->due[i];
		if (t->state != EV_TIMER_PENDING)
			continue; /* removed, stopped or re-armed by an earlier callback */
		if (t->period > 0) {
			int64_t next = t->deadline + t->period;
			ev_timer_arm(t, next > now ? next : now + t->period);
		} else {
			t->state = EV_TIMER_IDLE;
		}
		t->cb(loop, t, t->ctx);
		ran++;
	}
	loop->n_due = 0;
	return ran;
}

/* ---- fds ------------------------------------------------------------------------------------- */

struct ev_io *ev_io_add(struct ev_loop *loop, int fd, unsigned int events, ev_io_cb *cb, void *ctx)
{
	struct ev_io *io = xcalloc(1, sizeof(*io));

	io->loop = loop;
	io->fd = fd;
	io->events = events & (EV_READ | EV_WRITE);
	io->cb = cb;
	io->ctx = ctx;
	loop->ios = xgrow(loop->ios, &loop->cap_ios, loop->n_ios + 1, sizeof(*loop->ios));
	loop->ios[loop->n_ios++] = io;
	return io;
}

void ev_io_set_events(struct ev_io *io, unsigned int events)
{
	io->events = events & (EV_READ | EV_WRITE);
}

/* Frees the registrations and timers removed during the turn. */
static void ev_loop_reap(struct ev_loop *loop)
{
	while (loop->dead_timers != NULL) {
		struct ev_timer *t = loop->dead_timers;
		loop->dead_timers = t->next_dead;
		free(t);
	}
	if (loop->ios_dead) {
		size_t j = 0;
		for (size_t i = 0; i < loop->n_ios; i++) {
			if (loop->ios[i]->dead)
				free(loop->ios[i]);
			else
				loop->ios[j++] = loop->ios[i];
		}
		loop->n_ios = j;
		loop->ios_dead = false;
	}
}

void ev_io_remove(struct ev_io **io)
{
	struct ev_loop *loop;

	if (*io == NULL)
		return;
	loop = (*io)->loop;
	assert(!(*io)->dead);
	(*io)->dead = true;
	*io = NULL;
	loop->ios_dead = true;
	if (!loop->in_turn)
		ev_loop_reap(loop);
}

static unsigned int ev_revents(short revents)
{
	unsigned int r = 0;

	if (revents & POLLIN)
		r |= EV_READ;
	if (revents & POLLOUT)
		r |= EV_WRITE;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		r |= EV_ERROR;
	return r;
}

/* Fills the turn's poll set from the live registrations that watch something. Returns its size. */
static size_t ev_loop_poll_set(struct ev_loop *loop)
{
	size_t n = 0;

	if (loop->cap_polled < loop->n_ios) {
		loop->cap_polled = loop->cap_ios;
		loop->pfds = xrealloc(loop->pfds, loop->cap_polled * sizeof(*loop->pfds));
		loop->polled = xrealloc(loop->polled, loop->cap_polled * sizeof(*loop->polled));
	}
	for (size_t i = 0; i < loop->n_ios; i++) {
		struct ev_io *io = loop->ios[i];
		if (io->events == 0)
			continue;
		loop->pfds[n].fd = io->fd;
		loop->pfds[n].events = (short)(((io->events & EV_READ) ? POLLIN : 0) |
					       ((io->events & EV_WRITE) ? POLLOUT : 0));
		loop->pfds[n].revents = 0;
		loop->polled[n++] = io;
	}
	return n;
}

/* ---- the loop -------------------------------------------------------------------------------- */

int ev_loop_run_once(struct ev_loop *loop, int max_wait_ms)
{
	int timeout = max_wait_ms < 0 ? -1 : max_wait_ms;
	size_t n;
	int ready, ran = 0;

	assert(!loop->in_turn);
	if (loop->n_heap > 0) {
		int64_t wait = loop->heap[0]->deadline - ev_now_ms();
		if (wait < 0)
			wait = 0;
		if (wait > INT_MAX)
			wait = INT_MAX;
		if (timeout < 0 || wait < timeout)
			timeout = (int)wait;
	}
	n = ev_loop_poll_set(loop);
	ready = poll(loop->pfds, (nfds_t)n, timeout);
	if (ready < 0) {
		if (errno != EINTR)
			return -1;
		ready = 0;
	}

	loop->in_turn = true;
	for (size_t i = 0; ready > 0 && i < n; i++) {
		struct ev_io *io = loop->polled[i];
		unsigned int revents;

		if (loop->pfds[i].revents == 0)
			continue;
		ready--;
		if (io->dead)
			continue;
		revents = ev_revents(loop->pfds[i].revents) & (io->events | EV_ERROR);
		if (revents == 0)
			continue;
		io->cb(loop, io, io->fd, revents, io->ctx);
		ran++;
	}
	ran += ev_loop_run_timers(loop);
	loop->in_turn = false;
	ev_loop_reap(loop);
	return ran;
}

void ev_loop_free(struct ev_loop **loop)
{
	struct ev_loop *l = *loop;

	if (l == NULL)
		return;
	assert(!l->in_turn);
	ev_signal_release_all(l);
	for (size_t i = 0; i < l->n_ios; i++)
		free(l->ios[i]);
	while (l->timers != NULL) {
		struct ev_timer *t = l->timers;
		l->timers = t->next;
		free(t);
	}
	free(l->ios);
	free(l->pfds);
	free(l->polled);
	free(l->heap);
	free(l->due);
	free(l);
	*loop = NULL;
}
