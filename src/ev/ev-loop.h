/* ev-loop.h: the UI thread's event loop: one poll() over fds, monotonic timers and caught signals. */
#ifndef EV_EV_LOOP_H
#define EV_EV_LOOP_H

#include "skua.h"

/* A loop belongs to the thread that runs it (the UI thread): every function here except ev_now_ms()
 * and ev_signal_block_in_thread() is for that thread only. Callbacks run inside ev_loop_run_once(), in
 * that thread; they may add, change and remove any fd, timer or signal of the loop, including their
 * own, but must not call ev_loop_run_once() or ev_loop_free(). */
struct ev_loop;
struct ev_io;
struct ev_timer;

/* Interest (ev_io_add, ev_io_set_events) and readiness (the callback's revents) bits. EV_ERROR is
 * only ever reported: the fd hung up, failed or is not open (POLLHUP, POLLERR, POLLNVAL). A callback
 * that sees EV_ERROR and does not remove (or quiet) the fd is called again at once, every turn. */
#define EV_READ 0x1u
#define EV_WRITE 0x2u
#define EV_ERROR 0x4u

typedef void ev_io_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx);
typedef void ev_timer_cb(struct ev_loop *loop, struct ev_timer *timer, void *ctx);
typedef void ev_signal_cb(struct ev_loop *loop, int signo, void *ctx);

/* Returns milliseconds on CLOCK_MONOTONIC (an arbitrary origin; never goes back). Any thread. */
int64_t ev_now_ms(void);

/* Returns a new, empty loop the caller owns (free with ev_loop_free). Never NULL. */
struct ev_loop *ev_loop_new(void);
/* Frees every fd registration and timer still in the loop (their handles become invalid; the fds
 * themselves are not closed), gives back the signals it caught (previous dispositions restored), frees
 * the loop, sets *loop = NULL. NULL-safe. Not from inside a callback. */
void ev_loop_free(struct ev_loop **loop);

/* Waits in one poll() for the registered fds, up to max_wait_ms (-1: no limit other than the next
 * timer; 0: do not wait), then calls the callbacks of the ready fds (in registration order) and of the
 * expired timers (in deadline order; equal deadlines in the order they were armed). A timer armed or
 * re-armed by a callback fires at the earliest in the next call. Returns the number of callbacks run
 * (0 when the wait ran out or a signal interrupted it), or -1 with errno set when poll() failed. */
int ev_loop_run_once(struct ev_loop *loop, int max_wait_ms);

/* Watches fd for events (EV_READ and/or EV_WRITE; 0 keeps the registration without polling it).
 * The same fd may be registered more than once. Returns a handle the loop owns until ev_io_remove or
 * ev_loop_free. Never NULL. The fd stays the caller's: close it only after removing it. */
struct ev_io *ev_io_add(struct ev_loop *loop, int fd, unsigned int events, ev_io_cb *cb, void *ctx);
/* Replaces the events watched. From inside a callback it takes effect for the rest of the turn too:
 * a callback not yet run this turn is called only for events still watched (and EV_ERROR). */
void ev_io_set_events(struct ev_io *io, unsigned int events);
/* Unregisters and frees the handle (at the end of the turn when inside one: it is not called again),
 * sets *io = NULL. NULL-safe. */
void ev_io_remove(struct ev_io **io);

/* Arms a timer that fires delay_ms (>= 0) from now; with repeat, every delay_ms after that (a repeat
 * period below 1 ms counts as 1 ms; turns that were missed are skipped, not caught up). Returns a
 * handle the loop owns until ev_timer_remove or ev_loop_free: a one-shot timer that has fired stays
 * valid (disarmed) and can be re-armed with ev_timer_restart. Never NULL. */
struct ev_timer *ev_timer_add(struct ev_loop *loop, int64_t delay_ms, bool repeat, ev_timer_cb *cb, void *ctx);
/* Re-arms the timer to fire delay_ms from now (a repeating one then repeats every delay_ms), whether
 * it was armed, stopped, pending in this turn or fired. A way to debounce. */
void ev_timer_restart(struct ev_timer *timer, int64_t delay_ms);
/* Disarms the timer without freeing it (ev_timer_restart arms it again). */
void ev_timer_stop(struct ev_timer *timer);
/* True while the timer is armed (waiting to fire). */
bool ev_timer_armed(const struct ev_timer *timer);
/* Disarms and frees the timer (it is not called again, even if it expired in this turn), sets
 * *timer = NULL. NULL-safe. */
void ev_timer_remove(struct ev_timer **timer);

/* Catches signo (SIGWINCH, SIGTSTP, SIGCONT, SIGINT, SIGTERM, SIGHUP, SIGCHLD, or any other catchable
 * signal) for this loop: an async-signal-safe handler (SA_RESTART) records it and writes the signal
 * number to a self-pipe the loop polls, and cb runs in the loop thread in a later turn. Signals of one
 * kind that arrive before the loop gets to them coalesce into one call, as the kernel's do. Catching
 * a signal again replaces its callback. Only one loop in the process catches signals at a time.
 * Returns 0, or -1 with *error_r (an invalid or uncatchable signal, another loop holding signals,
 * sigaction or pipe failing).
 * SIGCHLD: the callback must reap only the children it owns (waitpid(pid)), never waitpid(-1): other
 * code (proc_run) waits for its own. SIGTSTP: a caught SIGTSTP no longer stops the process; to stop,
 * restore the terminal, ev_signal_release(SIGTSTP), raise(SIGTSTP), and on return (after SIGCONT)
 * catch it again and redraw. */
int ev_signal_catch(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *ctx, const char **error_r);
/* Restores the disposition signo had before ev_signal_catch; a pending, undelivered one is dropped.
 * A no-op when the loop does not catch signo. */
void ev_signal_release(struct ev_loop *loop, int signo);
/* Releases every signal the loop catches (ev_loop_free does it too). */
void ev_signal_release_all(struct ev_loop *loop);
/* Blocks, in the calling thread only, the signals listed for ev_signal_catch, so that they are
 * delivered to the loop thread and never interrupt this thread's system calls. Call it first thing in
 * each worker thread (or around pthread_create, which inherits the mask). Any thread. */
void ev_signal_block_in_thread(void);

#endif
