/* ev-signal.c: signals caught by an async-signal-safe handler and delivered through a self-pipe to a loop. */
#include "skua.h"
#include "ev-loop.h"
#include "lib/errstr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs lock-free atomic ints");

/* The self-pipe is process-wide and never closed: a handler may still be running in another thread
 * after the disposition was restored, and must never write into an fd number that was reused. */
static atomic_int ev_sig_rfd = -1, ev_sig_wfd = -1;
/* Set by the handler, taken by the loop: one call for any number of deliveries in between. */
static atomic_int ev_sig_pending[NSIG];

/* Loop-thread state: which loop catches signals and what each one calls. */
static struct {
	struct ev_loop *owner;
	struct ev_io *io;
	unsigned int n_caught;
	bool caught[NSIG];
	struct sigaction old[NSIG];
	ev_signal_cb *cb[NSIG];
	void *ctx[NSIG];
} ev_sig;

/* The signals ev_signal_block_in_thread() blocks: those the UI loop is expected to catch. */
static const int ev_sig_ui[] = { SIGWINCH, SIGTSTP, SIGCONT, SIGINT, SIGTERM, SIGHUP, SIGCHLD };

static void ev_signal_handler(int signo)
{
	int saved_errno = errno;
	unsigned char byte = (unsigned char)signo;
	ssize_t ret;

	atomic_store(&ev_sig_pending[signo], 1);
	/* non-blocking: a full pipe already guarantees a wakeup, and the pending flag is set */
	ret = write(atomic_load_explicit(&ev_sig_wfd, memory_order_relaxed), &byte, 1);
	(void)ret;
	errno = saved_errno;
}

static void ev_signal_on_pipe(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	unsigned char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (int signo = 1; signo < NSIG; signo++) {
		if (atomic_exchange(&ev_sig_pending[signo], 0) == 0)
			continue;
		/* an earlier callback may have released it */
		if (ev_sig.owner == loop && ev_sig.caught[signo])
			ev_sig.cb[signo](loop, signo, ev_sig.ctx[signo]);
	}
}

static int ev_signal_pipe(const char **error_r)
{
	int fds[2];

	if (atomic_load(&ev_sig_rfd) >= 0)
		return 0;
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		*error_r = errstr(_("cannot make the signal pipe: %s"), strerror(errno));
		return -1;
	}
	atomic_store(&ev_sig_rfd, fds[0]);
	atomic_store(&ev_sig_wfd, fds[1]);
	return 0;
}

int ev_signal_catch(struct ev_loop *loop, int signo, ev_signal_cb *cb, void *ctx, const char **error_r)
{
	struct sigaction sa;

	if (signo <= 0 || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP) {
		*error_r = errstr(_("signal %d cannot be caught"), signo);
		return -1;
	}
	if (ev_sig.owner != NULL && ev_sig.owner != loop) {
		*error_r = errstr(_("another event loop catches signals"));
		return -1;
	}
	if (ev_signal_pipe(error_r) < 0)
		return -1;
	if (!ev_sig.caught[signo]) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = ev_signal_handler;
		sigfillset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		atomic_store(&ev_sig_pending[signo], 0);
		if (sigaction(signo, &sa, &ev_sig.old[signo]) < 0) {
			*error_r = errstr(_("cannot catch signal %d: %s"), signo, strerror(errno));
			return -1;
		}
		ev_sig.caught[signo] = true;
		ev_sig.n_caught++;
	}
	if (ev_sig.owner == NULL) {
		ev_sig.owner = loop;
		ev_sig.io = ev_io_add(loop, atomic_load(&ev_sig_rfd), EV_READ, ev_signal_on_pipe, NULL);
	}
	ev_sig.cb[signo] = cb;
	ev_sig.ctx[signo] = ctx;
	return 0;
}

void ev_signal_release(struct ev_loop *loop, int signo)
{
	if (ev_sig.owner != loop || signo <= 0 || signo >= NSIG || !ev_sig.caught[signo])
		return;
	sigaction(signo, &ev_sig.old[signo], NULL);
	atomic_store(&ev_sig_pending[signo], 0);
	ev_sig.caught[signo] = false;
	ev_sig.cb[signo] = NULL;
	ev_sig.ctx[signo] = NULL;
	if (--ev_sig.n_caught == 0) {
		ev_io_remove(&ev_sig.io);
		ev_sig.owner = NULL;
	}
}

void ev_signal_release_all(struct ev_loop *loop)
{
	for (int signo = 1; signo < NSIG && ev_sig.owner == loop; signo++)
		ev_signal_release(loop, signo);
}

void ev_signal_block_in_thread(void)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < N_ELEMENTS(ev_sig_ui); i++)
		sigaddset(&set, ev_sig_ui[i]);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}
