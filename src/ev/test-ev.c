/* test-ev.c: unit tests for the event loop (fds, timers, signals), the message queues and cancellation. */
#include "skua.h"
#include "ev-loop.h"
#include "ev-queue.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Every wait in these tests is a deadline, never a sleep: generous, met in microseconds when all is well. */
#define T_DEADLINE_MS 20000

/* Runs the loop until *count reaches want or the deadline passes. Returns whether it was reached. */
static bool t_run_until(struct ev_loop *loop, const int *count, int want)
{
	int64_t end = ev_now_ms() + T_DEADLINE_MS;

	while (*count < want && ev_now_ms() < end)
		TEST_ASSERT(ev_loop_run_once(loop, 50) >= 0);
	return *count >= want;
}

static atomic_int t_freed;

static void t_payload_free(void *payload)
{
	atomic_fetch_add(&t_freed, 1);
	free(payload);
}

static void *t_payload(int64_t value)
{
	int64_t *p = malloc(sizeof(*p));

	*p = value;
	return p;
}

/* ---- timers ---------------------------------------------------------------------------------- */

struct t_fired {
	int order[16];
	int64_t at[16];
	int n;
	struct ev_timer *victim;  /* removed by the timer whose id is 100 */
	struct ev_timer *self_stop;
};

struct t_timer {
	struct t_fired *log;
	int id;
};

static void t_timer_log(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	struct t_timer *tt = ctx;

	if (tt->log->n < (int)N_ELEMENTS(tt->log->order)) {
		tt->log->at[tt->log->n] = ev_now_ms();
		tt->log->order[tt->log->n] = tt->id;
	}
	tt->log->n++;
	if (tt->id == 100)
		ev_timer_remove(&tt->log->victim);
}

static void test_timer_order(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct t_fired log = { .n = 0 };
	struct t_timer t30 = { &log, 30 }, t10a = { &log, 10 }, t20 = { &log, 20 }, t10b = { &log, 11 },
		t0 = { &log, 0 };
	int64_t start = ev_now_ms();

	ev_timer_add(loop, 30, false, t_timer_log, &t30);
	ev_timer_add(loop, 10, false, t_timer_log, &t10a);
	ev_timer_add(loop, 20, false, t_timer_log, &t20);
	ev_timer_add(loop, 10, false, t_timer_log, &t10b);
	ev_timer_add(loop, 0, false, t_timer_log, &t0);
	TEST_ASSERT(t_run_until(loop, &log.n, 5));
	TEST_INTEQ(log.n, 5);
	TEST_INTEQ(log.order[0], 0);
	/* 10a and 10b may have straddled a millisecond; they were armed in this order */
	TEST_INTEQ(log.order[1], 10);
	TEST_INTEQ(log.order[2], 11);
	TEST_INTEQ(log.order[3], 20);
	TEST_INTEQ(log.order[4], 30);
	for (int i = 0; i < 5; i++)
		TEST_ASSERT(log.at[i] - start >= (log.order[i] == 11 ? 10 : log.order[i]));
	/* nothing left armed: a bounded wait returns having run nothing */
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);
	ev_loop_free(&loop);
	TEST_ASSERT(loop == NULL);
}

static void t_timer_remove_self(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	struct t_timer *tt = ctx;

	tt->log->n++;
	if (tt->log->n == 3)
		ev_timer_remove(&tt->log->self_stop);
}

static void test_timer_remove_in_callback(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct t_fired log = { .n = 0 }, rep = { .n = 0 };
	struct t_timer killer = { &log, 100 }, victim = { &log, 1 }, sentinel = { &log, 2 }, r = { &rep, 3 };
	int64_t end;

	/* both expire in the same turn (already due when it runs): the first removes the second */
	ev_timer_add(loop, 0, false, t_timer_log, &killer);
	log.victim = ev_timer_add(loop, 0, false, t_timer_log, &victim);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 1);
	TEST_INTEQ(log.n, 1);
	TEST_INTEQ(log.order[0], 100);
	TEST_ASSERT(log.victim == NULL);

	/* a repeating timer that removes itself on its third call */
	rep.self_stop = ev_timer_add(loop, 1, true, t_timer_remove_self, &r);

	TEST_ASSERT(t_run_until(loop, &rep.n, 3));
	TEST_ASSERT(rep.self_stop == NULL);
	/* run past a later sentinel: neither the victim nor the removed repeating timer comes back */
	ev_timer_add(loop, 20, false, t_timer_log, &sentinel);
	TEST_ASSERT(t_run_until(loop, &log.n, 2));
	TEST_INTEQ(log.order[1], 2);
	end = ev_now_ms() + 5;
	while (ev_now_ms() < end)
		ev_loop_run_once(loop, 5);
	TEST_INTEQ(log.n, 2);
	TEST_INTEQ(rep.n, 3);
	ev_loop_free(&loop);
}

static void t_timer_count(struct ev_loop *loop, struct ev_timer *timer, void *ctx)
{
	(*(int *)ctx)++;
}

static void test_timer_restart_stop(void)
{
	struct ev_loop *loop = ev_loop_new();
	int fired = 0, stopped = 0;
	struct ev_timer *once = ev_timer_add(loop, 0, false, t_timer_count, &fired);
	struct ev_timer *never = ev_timer_add(loop, 0, false, t_timer_count, &stopped);
	struct ev_timer *later = ev_timer_add(loop, 60000, false, t_timer_count, &stopped);

	TEST_ASSERT(ev_timer_armed(once));
	ev_timer_stop(never);
	TEST_ASSERT(!ev_timer_armed(never));
	TEST_ASSERT(t_run_until(loop, &fired, 1));
	TEST_ASSERT(!ev_timer_armed(once));   /* a fired one-shot stays valid, disarmed */
	ev_timer_restart(once, 0);             /* ... and can be armed again */
	TEST_ASSERT(t_run_until(loop, &fired, 2));
	TEST_INTEQ(fired, 2);
	TEST_INTEQ(stopped, 0);
	/* a far timer does not make a bounded wait wait longer */
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);
	ev_timer_restart(later, 0);
	TEST_ASSERT(t_run_until(loop, &stopped, 1));

	/* absurd delays: one never fires (nor overflows), a negative one fires at once */
	ev_timer_add(loop, INT64_MAX, true, t_timer_count, &stopped);
	ev_timer_add(loop, -5, false, t_timer_count, &fired);
	TEST_ASSERT(t_run_until(loop, &fired, 3));
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);
	TEST_INTEQ(stopped, 1);

	ev_timer_remove(&once);
	TEST_ASSERT(once == NULL);
	ev_timer_remove(&once); /* NULL-safe */
	/* never and later are freed with the loop (ASan would see a leak otherwise) */
	ev_loop_free(&loop);
	ev_loop_free(&loop); /* NULL-safe */
}

/* ---- fds ------------------------------------------------------------------------------------- */

struct t_ios {
	struct ev_io *io[4];
	unsigned int revents[4];
	int calls[4];
	int total;
	int remove_other;  /* index the callback of io 0 removes, -1 none */
};

static void t_io_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct t_ios *t = ctx;
	int i = 0;
	char buf[16];

	while (t->io[i] != io)
		i++;
	t->calls[i]++;
	t->revents[i] = revents;
	t->total++;
	if (revents & EV_READ)
		TEST_ASSERT(read(fd, buf, sizeof(buf)) > 0);
	if (i == 0 && t->remove_other >= 0) {
		ev_io_remove(&t->io[t->remove_other]);
		ev_io_remove(&t->io[0]); /* and itself */
		t->io[0] = io;            /* keep the slot recognisable (not dereferenced again) */
	}
}

static void test_io(void)
{
	struct ev_loop *loop = ev_loop_new();
	struct t_ios t;
	int a[2], b[2];

	memset(&t, 0, sizeof(t));
	t.remove_other = -1;
	TEST_ASSERT(pipe(a) == 0 && pipe(b) == 0);
	t.io[0] = ev_io_add(loop, a[0], EV_READ, t_io_cb, &t);
	t.io[1] = ev_io_add(loop, b[0], EV_READ, t_io_cb, &t);
	t.io[2] = ev_io_add(loop, a[1], EV_WRITE, t_io_cb, &t);

	/* only the writable end is ready */
	TEST_INTEQ(ev_loop_run_once(loop, 0), 1);
	TEST_INTEQ(t.calls[2], 1);
	TEST_INTEQ(t.revents[2], EV_WRITE);
	ev_io_set_events(t.io[2], 0);

	/* a blocking wait returns as soon as an fd is ready */
	TEST_ASSERT(write(b[1], "x", 1) == 1);
	TEST_INTEQ(ev_loop_run_once(loop, -1), 1);
	TEST_INTEQ(t.calls[1], 1);
	TEST_INTEQ(t.revents[1], EV_READ);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);

	/* both readable: io 0's callback removes io 1 (and itself) before io 1's turn comes */
	t.remove_other = 1;
	TEST_ASSERT(write(a[1], "x", 1) == 1);
	TEST_ASSERT(write(b[1], "x", 1) == 1);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 1);
	TEST_INTEQ(t.calls[0], 1);
	TEST_INTEQ(t.calls[1], 1);
	TEST_ASSERT(t.io[1] == NULL);
	/* b still holds a byte, a nothing: neither is watched any more */
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);
	TEST_INTEQ(t.total, 3);

	/* a hung-up pipe reports EV_ERROR */
	memset(&t, 0, sizeof(t));
	t.remove_other = -1;
	t.io[3] = ev_io_add(loop, b[0], EV_READ, t_io_cb, &t);
	close(b[1]);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 1);
	TEST_ASSERT(t.revents[3] & EV_ERROR);
	ev_io_remove(&t.io[3]);
	TEST_ASSERT(t.io[3] == NULL);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);

	ev_loop_free(&loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
}

/* ---- signals --------------------------------------------------------------------------------- */

struct t_sig {
	int count[NSIG];
	int total;
};

static void t_sig_cb(struct ev_loop *loop, int signo, void *ctx)
{
	struct t_sig *s = ctx;

	s->count[signo]++;
	s->total++;
}

static void test_signal(void)
{
	struct ev_loop *loop = ev_loop_new(), *other = ev_loop_new();
	struct t_sig s;
	struct sigaction sa;
	const char *error = NULL;

	memset(&s, 0, sizeof(s));
	TEST_INTEQ(ev_signal_catch(loop, SIGWINCH, t_sig_cb, &s, &error), 0);
	TEST_INTEQ(ev_signal_catch(loop, SIGUSR1, t_sig_cb, &s, &error), 0);
	TEST_INTEQ(ev_signal_catch(loop, SIGKILL, t_sig_cb, &s, &error), -1);
	TEST_ASSERT(error != NULL && strstr(error, "cannot be caught") != NULL);
	TEST_INTEQ(ev_signal_catch(other, SIGHUP, t_sig_cb, &s, &error), -1);

	/* the handler only records: nothing runs until the loop turns */
	raise(SIGWINCH);
	TEST_INTEQ(s.total, 0);
	TEST_ASSERT(t_run_until(loop, &s.total, 1));
	TEST_INTEQ(s.count[SIGWINCH], 1);

	/* two of a kind before the loop turns coalesce; another kind is not lost */
	raise(SIGWINCH);
	raise(SIGWINCH);
	raise(SIGUSR1);
	TEST_ASSERT(t_run_until(loop, &s.total, 3));
	TEST_INTEQ(s.count[SIGWINCH], 2);
	TEST_INTEQ(s.count[SIGUSR1], 1);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);

	/* release restores the old disposition */
	ev_signal_release(loop, SIGUSR1);
	TEST_INTEQ(sigaction(SIGUSR1, NULL, &sa), 0);
	TEST_ASSERT(sa.sa_handler == SIG_DFL);

	/* freeing the loop gives every signal back; another loop may then catch them */
	ev_loop_free(&loop);
	TEST_INTEQ(sigaction(SIGWINCH, NULL, &sa), 0);
	TEST_ASSERT(sa.sa_handler == SIG_DFL);
	TEST_INTEQ(ev_signal_catch(other, SIGWINCH, t_sig_cb, &s, &error), 0);
	raise(SIGWINCH);
	TEST_ASSERT(t_run_until(other, &s.total, 4));
	TEST_INTEQ(s.count[SIGWINCH], 3);
	ev_loop_free(&other);
}

/* ---- queue: one thread ----------------------------------------------------------------------- */

static int t_fd_pending(int fd)
{
	int n = -1;

	TEST_INTEQ(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

static struct ev_msg t_msg(uint32_t type, int64_t a, bool with_payload)
{
	struct ev_msg m = { .type = type, .account = 1, .request_id = 7, .a = a, .b = -a };

	if (with_payload) {
		m.payload = t_payload(a);
		m.payload_free = t_payload_free;
	}
	return m;
}

static void test_queue_basics(void)
{
	const char *error = NULL;
	struct ev_queue *q = ev_queue_new(3, &error);
	struct ev_msg m, batch[8];
	int64_t start;
	int fd;

	atomic_store(&t_freed, 0);
	TEST_ASSERT(q != NULL);
	fd = ev_queue_fd(q);
	TEST_INTEQ(t_fd_pending(fd), 0);
	for (int i = 1; i <= 3; i++) {
		m = t_msg(1, i, true);
		TEST_INTEQ(ev_queue_push(q, &m, 0), EV_QUEUE_OK);
		TEST_ASSERT(m.payload == NULL && m.payload_free == NULL);
		/* one wakeup byte however many messages */
		TEST_INTEQ(t_fd_pending(fd), 1);
	}
	TEST_INTEQ(ev_queue_len(q), 3);

	/* full: refused at once, or after the timeout; the message stays the caller's */
	m = t_msg(1, 4, true);
	TEST_INTEQ(ev_queue_push(q, &m, 0), EV_QUEUE_FULL);
	start = ev_now_ms();
	TEST_INTEQ(ev_queue_push(q, &m, 30), EV_QUEUE_FULL);
	TEST_ASSERT(ev_now_ms() - start >= 29);
	TEST_ASSERT(m.payload != NULL);
	ev_msg_drop(&m);
	TEST_ASSERT(m.payload == NULL);
	TEST_INTEQ(atomic_load(&t_freed), 1);

	TEST_INTEQ(ev_queue_pop(q, &m, 0), EV_QUEUE_OK);
	TEST_INTEQ(m.a, 1);
	TEST_INTEQ(m.b, -1);
	TEST_INTEQ(m.request_id, 7);
	TEST_INTEQ(*(int64_t *)m.payload, 1);
	ev_msg_drop(&m);
	TEST_INTEQ(t_fd_pending(fd), 1);
	TEST_INTEQ(ev_queue_pop_many(q, batch, N_ELEMENTS(batch)), 2);
	TEST_INTEQ(batch[0].a, 2);
	TEST_INTEQ(batch[1].a, 3);
	ev_msg_drop(&batch[0]);
	ev_msg_drop(&batch[1]);
	/* drained: the byte is gone */
	TEST_INTEQ(t_fd_pending(fd), 0);
	TEST_INTEQ(ev_queue_pop(q, &m, 0), EV_QUEUE_EMPTY);
	TEST_ASSERT(m.payload == NULL);
	start = ev_now_ms();
	TEST_INTEQ(ev_queue_pop(q, &m, 30), EV_QUEUE_EMPTY);
	TEST_ASSERT(ev_now_ms() - start >= 29);

	/* close: queued messages are still delivered, then CLOSED; the fd stays readable */
	m = t_msg(2, 5, true);
	TEST_INTEQ(ev_queue_push(q, &m, 0), EV_QUEUE_OK);
	ev_queue_close(q);
	ev_queue_close(q);
	m = t_msg(2, 6, true);
	TEST_INTEQ(ev_queue_push(q, &m, -1), EV_QUEUE_CLOSED);
	ev_msg_drop(&m);
	TEST_INTEQ(ev_queue_pop(q, &m, -1), EV_QUEUE_OK);
	TEST_INTEQ(m.a, 5);
	ev_msg_drop(&m);
	TEST_INTEQ(ev_queue_pop(q, &m, -1), EV_QUEUE_CLOSED);
	TEST_INTEQ(t_fd_pending(fd), 1);
	TEST_INTEQ(atomic_load(&t_freed), 6);
	ev_queue_free(&q);
	TEST_ASSERT(q == NULL);
	ev_queue_free(&q);

	/* a queue freed with messages in it frees their payloads */
	q = ev_queue_new(0, &error);
	for (int i = 0; i < 2000; i++) {
		m = t_msg(3, i, i % 2 == 0);
		TEST_INTEQ(ev_queue_push(q, &m, 0), EV_QUEUE_OK);
	}
	TEST_INTEQ(ev_queue_len(q), 2000);
	ev_queue_free(&q);
	TEST_INTEQ(atomic_load(&t_freed), 6 + 1000);
}

static void test_request_ids(void)
{
	uint64_t a = ev_request_id_next(), b = ev_request_id_next();

	TEST_ASSERT(a != 0);
	TEST_ASSERT(b > a);
}

static void test_cancel(void)
{
	struct ev_cancel *c = ev_cancel_new();

	TEST_ASSERT(!ev_cancel_is_requested(c, 1));
	ev_cancel_request(c, 1);
	ev_cancel_request(c, 1);
	for (uint64_t id = 100; id < 200; id++)
		ev_cancel_request(c, id);
	TEST_ASSERT(ev_cancel_is_requested(c, 1));
	TEST_ASSERT(ev_cancel_is_requested(c, 150));
	TEST_ASSERT(!ev_cancel_is_requested(c, 2));
	ev_cancel_forget(c, 1);
	TEST_ASSERT(!ev_cancel_is_requested(c, 1));
	ev_cancel_forget(c, 1);
	for (uint64_t id = 100; id < 200; id++)
		ev_cancel_forget(c, id);
	TEST_ASSERT(!ev_cancel_is_requested(c, 150));
	ev_cancel_free(&c);
	TEST_ASSERT(c == NULL);
	ev_cancel_free(&c);
}

/* ---- queue: threads -------------------------------------------------------------------------- */

#define T_PRODUCERS 4
#define T_PER_PRODUCER 25000

struct t_producer {
	struct ev_queue *q;
	uint32_t id;
	int count;
};

static void *t_producer_main(void *arg)
{
	struct t_producer *p = arg;

	ev_signal_block_in_thread();
	for (int i = 0; i < p->count; i++) {
		struct ev_msg m = { .type = 1, .account = p->id, .request_id = (uint64_t)p->id << 32 | (uint32_t)i,
				    .a = i, .payload = t_payload(i), .payload_free = t_payload_free };
		if (ev_queue_push(p->q, &m, -1) != EV_QUEUE_OK) {
			ev_msg_drop(&m);
			break;
		}
	}
	return NULL;
}

struct t_consumer {
	struct ev_queue *q;
	int64_t next[T_PRODUCERS];   /* the seq expected next from each producer */
	int received;
	int bad;
	int turns;
};

static void t_consume(struct t_consumer *c, struct ev_msg *m)
{
	if (m->account >= T_PRODUCERS || m->a != c->next[m->account] || m->payload == NULL ||
	    *(int64_t *)m->payload != m->a || m->request_id != ((uint64_t)m->account << 32 | (uint32_t)m->a))
		c->bad++;
	else
		c->next[m->account]++;
	c->received++;
	ev_msg_drop(m);
}

static void t_on_queue(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct t_consumer *c = ctx;
	struct ev_msg batch[64];
	size_t n;

	/* a bounded batch per turn, as the UI will: the fd stays readable while more is queued */
	n = ev_queue_pop_many(c->q, batch, N_ELEMENTS(batch));
	for (size_t i = 0; i < n; i++)
		t_consume(c, &batch[i]);
	c->turns++;
}

static void test_queue_producers_loop(void)
{
	const char *error = NULL;
	struct ev_loop *loop = ev_loop_new();
	struct ev_queue *q = ev_queue_new(1024, &error);
	struct t_producer p[T_PRODUCERS];
	pthread_t th[T_PRODUCERS];
	struct t_consumer c;
	struct ev_io *io;
	int want = T_PRODUCERS * T_PER_PRODUCER;

	memset(&c, 0, sizeof(c));
	c.q = q;
	atomic_store(&t_freed, 0);
	io = ev_io_add(loop, ev_queue_fd(q), EV_READ, t_on_queue, &c);
	for (uint32_t i = 0; i < T_PRODUCERS; i++) {
		p[i] = (struct t_producer){ q, i, T_PER_PRODUCER };
		TEST_INTEQ(pthread_create(&th[i], NULL, t_producer_main, &p[i]), 0);
	}
	TEST_ASSERT(t_run_until(loop, &c.received, want));
	for (int i = 0; i < T_PRODUCERS; i++)
		pthread_join(th[i], NULL);
	TEST_INTEQ(c.received, want);
	TEST_INTEQ(c.bad, 0);
	for (int i = 0; i < T_PRODUCERS; i++)
		TEST_INTEQ(c.next[i], T_PER_PRODUCER);
	TEST_INTEQ(atomic_load(&t_freed), want);
	/* drained: nothing left, the fd is quiet */
	TEST_INTEQ(ev_queue_len(q), 0);
	TEST_INTEQ(t_fd_pending(ev_queue_fd(q)), 0);
	TEST_INTEQ(ev_loop_run_once(loop, 0), 0);
	ev_io_remove(&io);
	ev_queue_free(&q);
	ev_loop_free(&loop);
}

/* Several producers and several consumers blocked in ev_queue_pop: every message reaches one. */
struct t_mc {
	struct ev_queue *q;
	atomic_int *seen;           /* per message: how many consumers got it */
	int64_t last[T_PRODUCERS];  /* per producer: the last seq this consumer saw */
	int bad;
};

static void *t_mc_main(void *arg)
{
	struct t_mc *mc = arg;
	struct ev_msg m;

	ev_signal_block_in_thread();
	for (int i = 0; i < T_PRODUCERS; i++)
		mc->last[i] = -1;
	while (ev_queue_pop(mc->q, &m, -1) == EV_QUEUE_OK) {
		if (m.account >= T_PRODUCERS || m.a <= mc->last[m.account])
			mc->bad++;
		else
			mc->last[m.account] = m.a;
		if (m.account < T_PRODUCERS && m.a >= 0 && m.a < T_PER_PRODUCER / 5)
			atomic_fetch_add(&mc->seen[m.account * (T_PER_PRODUCER / 5) + m.a], 1);
		ev_msg_drop(&m);
	}
	return NULL;
}

static void test_queue_mpmc(void)
{
	enum { N_CONSUMERS = 3, PER = T_PER_PRODUCER / 5 };
	const char *error = NULL;
	struct ev_queue *q = ev_queue_new(64, &error);
	static atomic_int seen[T_PRODUCERS * PER];
	struct t_producer p[T_PRODUCERS];
	struct t_mc mc[N_CONSUMERS];
	pthread_t pth[T_PRODUCERS], cth[N_CONSUMERS];
	int once = 0;

	atomic_store(&t_freed, 0);
	for (size_t i = 0; i < N_ELEMENTS(seen); i++)
		atomic_store(&seen[i], 0);
	for (int i = 0; i < N_CONSUMERS; i++) {
		mc[i] = (struct t_mc){ .q = q, .seen = seen };
		TEST_INTEQ(pthread_create(&cth[i], NULL, t_mc_main, &mc[i]), 0);
	}
	for (uint32_t i = 0; i < T_PRODUCERS; i++) {
		p[i] = (struct t_producer){ q, i, PER };
		TEST_INTEQ(pthread_create(&pth[i], NULL, t_producer_main, &p[i]), 0);
	}
	for (int i = 0; i < T_PRODUCERS; i++)
		pthread_join(pth[i], NULL);
	/* the consumers drain what is queued, then see CLOSED */
	ev_queue_close(q);
	for (int i = 0; i < N_CONSUMERS; i++) {
		pthread_join(cth[i], NULL);
		TEST_INTEQ(mc[i].bad, 0);
	}
	for (size_t i = 0; i < N_ELEMENTS(seen); i++)
		once += atomic_load(&seen[i]) == 1;
	TEST_INTEQ(once, T_PRODUCERS * PER);
	TEST_INTEQ(atomic_load(&t_freed), T_PRODUCERS * PER);
	ev_queue_free(&q);
}

/* A thread blocked without a timeout in ev_queue_pop or ev_queue_push; close must wake it. */
struct t_blocked {
	struct ev_queue *q;
	bool push;
	atomic_int tid;
	atomic_int done;
	enum ev_queue_status status;
};

static void *t_blocked_main(void *arg)
{
	struct t_blocked *b = arg;
	struct ev_msg m = { .type = 9, .payload = t_payload(9), .payload_free = t_payload_free };

	atomic_store(&b->tid, (int)syscall(SYS_gettid));
	if (b->push) {
		b->status = ev_queue_push(b->q, &m, -1);
	} else {
		ev_msg_drop(&m);
		b->status = ev_queue_pop(b->q, &m, -1);
	}
	ev_msg_drop(&m);
	atomic_store(&b->done, 1);
	return NULL;
}

/* Polls until the thread sleeps in the kernel (the condition wait), or the deadline passes. */
static bool t_wait_sleeping(atomic_int *tid)
{
	int64_t end = ev_now_ms() + T_DEADLINE_MS;
	char path[64], stat[512];

	while (atomic_load(tid) == 0 && ev_now_ms() < end)
		sched_yield();
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", atomic_load(tid));
	while (ev_now_ms() < end) {
		FILE *f = fopen(path, "r");
		char *paren;
		bool sleeping = false;
		if (f == NULL)
			return false;
		if (fgets(stat, sizeof(stat), f) != NULL && (paren = strrchr(stat, ')')) != NULL)
			sleeping = paren[1] == ' ' && paren[2] == 'S';
		fclose(f);
		if (sleeping)
			return true;
		sched_yield();
	}
	return false;
}

static void t_close_wakes(bool push)
{
	const char *error = NULL;
	struct ev_queue *q = ev_queue_new(1, &error);
	struct t_blocked b = { .q = q, .push = push };
	struct ev_msg m = t_msg(1, 1, true);
	pthread_t th;
	int64_t end;

	atomic_store(&t_freed, 0);
	atomic_init(&b.tid, 0);
	atomic_init(&b.done, 0);
	if (push)
		TEST_INTEQ(ev_queue_push(q, &m, 0), EV_QUEUE_OK); /* full: the thread's push waits */
	else
		ev_msg_drop(&m);
	TEST_INTEQ(pthread_create(&th, NULL, t_blocked_main, &b), 0);
	TEST_ASSERT(t_wait_sleeping(&b.tid));
	TEST_INTEQ(atomic_load(&b.done), 0);
	ev_queue_close(q);
	end = ev_now_ms() + T_DEADLINE_MS;
	while (!atomic_load(&b.done) && ev_now_ms() < end)
		sched_yield();
	if (!atomic_load(&b.done)) {
		fprintf(stderr, "close did not wake the blocked %s\n", push ? "push" : "pop");
		abort();
	}
	pthread_join(th, NULL);
	TEST_INTEQ(b.status, EV_QUEUE_CLOSED);
	ev_queue_free(&q);
	TEST_INTEQ(atomic_load(&t_freed), 2);
}

static void test_queue_close_wakes_pop(void)
{
	t_close_wakes(false);
}

static void test_queue_close_wakes_push(void)
{
	t_close_wakes(true);
}

/* A worker blocked in pop gets a message pushed later (the UI's request), and its reply wakes the loop. */
static void *t_echo_main(void *arg)
{
	struct ev_queue **qs = arg;
	struct ev_msg m;

	ev_signal_block_in_thread();
	while (ev_queue_pop(qs[0], &m, -1) == EV_QUEUE_OK) {
		m.type = 2; /* DONE */
		m.b = m.a * 2;
		if (ev_queue_push(qs[1], &m, -1) != EV_QUEUE_OK)
			ev_msg_drop(&m);
	}
	return NULL;
}

struct t_echo {
	struct ev_queue *replies;
	int got;
	int64_t sum;
};

static void t_on_reply(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct t_echo *e = ctx;
	struct ev_msg m;

	while (ev_queue_pop(e->replies, &m, 0) == EV_QUEUE_OK) {
		if (m.type == 2)
			e->sum += m.b;
		e->got++;
		ev_msg_drop(&m);
	}
}

static void test_queue_request_reply(void)
{
	const char *error = NULL;
	struct ev_queue *qs[2] = { ev_queue_new(0, &error), ev_queue_new(16, &error) };
	struct ev_loop *loop = ev_loop_new();
	struct t_echo e = { .replies = qs[1] };
	struct ev_io *io = ev_io_add(loop, ev_queue_fd(qs[1]), EV_READ, t_on_reply, &e);
	pthread_t th;

	atomic_store(&t_freed, 0);
	TEST_INTEQ(pthread_create(&th, NULL, t_echo_main, qs), 0);
	for (int i = 1; i <= 100; i++) {
		struct ev_msg m = t_msg(1, i, true);
		m.request_id = ev_request_id_next();
		TEST_INTEQ(ev_queue_push(qs[0], &m, 0), EV_QUEUE_OK);
		if (i % 10 == 0)
			ev_loop_run_once(loop, 0);
	}
	TEST_ASSERT(t_run_until(loop, &e.got, 100));
	TEST_INTEQ(e.sum, 100 * 101);
	ev_queue_close(qs[0]);
	pthread_join(th, NULL);
	TEST_INTEQ(atomic_load(&t_freed), 100);
	ev_io_remove(&io);
	ev_loop_free(&loop);
	ev_queue_free(&qs[0]);
	ev_queue_free(&qs[1]);
}

static const struct test_case cases[] = {
	{ "timers fire in deadline order", test_timer_order },
	{ "timers removed inside callbacks never fire", test_timer_remove_in_callback },
	{ "timers restart and stop", test_timer_restart_stop },
	{ "fd callbacks, removal inside callbacks, hang-up", test_io },
	{ "raised signals reach their callbacks through the loop", test_signal },
	{ "queue push/pop, bound, wakeup byte, close, free", test_queue_basics },
	{ "request ids are unique and increasing", test_request_ids },
	{ "cancellation set", test_cancel },
	{ "100k messages from 4 producers into a loop: none lost or duplicated, in order", test_queue_producers_loop },
	{ "several producers and consumers: each message consumed once", test_queue_mpmc },
	{ "close wakes a blocked pop", test_queue_close_wakes_pop },
	{ "close wakes a blocked push", test_queue_close_wakes_push },
	{ "requests to a worker, replies into the loop", test_queue_request_reply },
};

TEST_MAIN(cases)
