/* proc.c: running helper commands with fork/execvp, concurrent stdin/stdout pipes and a time-out. */
#include "skua.h"
#include "proc.h"
#include "buf.h"
#include "errstr.h"
#include "xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

/* Bytes read from the child per read(2) call. */
#define PROC_READ_CHUNK 65536

/* Milliseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
static int64_t proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void proc_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Child side after fork(): only async-signal-safe calls from here on. Never returns. */
static SKUA_NORETURN void proc_child(const char *const *argv, int in_fd, int out_fd, int err_pipe)
{
	sigset_t none;
	int null_fd, e;

	/* Undo what the parent may have set for itself: blocked signals and an ignored SIGPIPE are
	 * inherited across exec and would confuse the helper. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);

	/* Move our descriptors above 2 first so the dup2()s below cannot clobber one another even if
	 * the parent runs with 0, 1 or 2 closed. */
	err_pipe = fcntl(err_pipe, F_DUPFD_CLOEXEC, 3);
	if (err_pipe < 0)
		_exit(127);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0 || (null_fd < 3 && (null_fd = fcntl(null_fd, F_DUPFD_CLOEXEC, 3)) < 0))
		goto fail;
	in_fd = in_fd < 0 ? null_fd : fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
	out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
	if (in_fd < 0 || out_fd < 0)
		goto fail;
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(null_fd, 2) < 0)
		goto fail;
	/* Everything from 3 up closes on exec, including descriptors other threads opened without
	 * O_CLOEXEC; the error pipe stays usable until then. */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		long max = sysconf(_SC_OPEN_MAX);
		if (max < 0 || max > 65536)
			max = 65536;
		for (int fd = 3; fd < max; fd++)
			if (fd != err_pipe)
				close(fd);
	}

	execvp(argv[0], (char *const *)argv);
fail:
	e = errno;
	if (write(err_pipe, &e, sizeof(e)) < 0) {
		/* nothing more we can do */
	}
	_exit(127);
}

/* Waits for pid until deadline (ms, proc_now_ms clock); kills it with SIGKILL at the deadline.
 * Returns the waitpid status, and *timed_out_r. */
static int proc_reap(pid_t pid, int64_t deadline, bool *timed_out_r)
{
	int status = 0, delay = 1;
	pid_t r;

	*timed_out_r = false;
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 0;
		int64_t left = deadline - proc_now_ms();
		if (left <= 0)
			break;
		if (delay > left)
			delay = (int)left;
		poll(NULL, 0, delay);
		if (delay < 50)
			delay *= 2;
	}
	*timed_out_r = true;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void proc_kill_reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

int proc_run(const char *const *argv, const void *in, size_t in_len, struct buf *out, size_t max_out,
	     int timeout_ms, const char **error_r)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	sigset_t pipe_set, old_set, pending;
	bool sigpipe_was_pending = false, timed_out = false, too_much = false;
	const unsigned char *inp = in;
	size_t in_off = 0, got = 0;
	int64_t deadline;
	pid_t pid = -1;
	int ret = -1, status, child_errno = 0;
	ssize_t n;

	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0') {
		*error_r = errstr("%s", _("empty command"));
		return -1;
	}
	if (in == NULL)
		in_len = 0;
	deadline = timeout_ms > 0 ? proc_now_ms() + timeout_ms : INT64_MAX;

	if ((in_len > 0 && pipe2(in_pipe, O_CLOEXEC) < 0) || pipe2(out_pipe, O_CLOEXEC) < 0 ||
	    pipe2(err_pipe, O_CLOEXEC) < 0) {
		*error_r = errstr(_("cannot run %s: pipe: %s"), argv[0], strerror(errno));
		goto out;
	}

	/* Writes to a pipe whose reader has gone raise SIGPIPE in this thread: block it for the
	 * duration and discard one we caused, without touching the process-wide disposition. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	sigpending(&pending);
	sigpipe_was_pending = sigismember(&pending, SIGPIPE) == 1;

	pid = fork();
	if (pid < 0) {
		*error_r = errstr(_("cannot run %s: fork: %s"), argv[0], strerror(errno));
		goto out_sig;
	}
	if (pid == 0)
		proc_child(argv, in_pipe[0], out_pipe[1], err_pipe[1]);

	proc_close(&in_pipe[0]);
	proc_close(&out_pipe[1]);
	proc_close(&err_pipe[1]);

	/* The error pipe closes on exec (EOF) or carries errno when exec failed. */
	do {
		n = read(err_pipe[0], &child_errno, sizeof(child_errno));
	} while (n < 0 && errno == EINTR);
	proc_close(&err_pipe[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		pid = -1;
		*error_r = errstr(_("cannot run %s: %s"), argv[0], strerror(child_errno));
		goto out_sig;
	}

	if (in_pipe[1] >= 0)
		fcntl(in_pipe[1], F_SETFL, fcntl(in_pipe[1], F_GETFL) | O_NONBLOCK);
	fcntl(out_pipe[0], F_SETFL, fcntl(out_pipe[0], F_GETFL) | O_NONBLOCK);

	while (out_pipe[0] >= 0) {
		struct pollfd pfd[2];
		nfds_t nfds = 0;
		int64_t left = deadline - proc_now_ms();

		if (left <= 0) {
			timed_out = true;
			break;
		}
		pfd[nfds].fd = out_pipe[0];
		pfd[nfds++].events = POLLIN;
		if (in_pipe[1] >= 0) {
			pfd[nfds].fd = in_pipe[1];
			pfd[nfds++].events = POLLOUT;
		}
		int pr = poll(pfd, nfds, left > INT32_MAX ? INT32_MAX : (int)left);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			*error_r = errstr(_("cannot run %s: poll: %s"), argv[0], strerror(errno));
			proc_kill_reap(pid);
			pid = -1;
			goto out_sig;
		}
		if (nfds > 1 && pfd[1].revents != 0) {
			n = write(in_pipe[1], inp + in_off, in_len - in_off);
			if (n > 0) {
				in_off += (size_t)n;
				if (in_off == in_len)
					proc_close(&in_pipe[1]);
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				/* EPIPE and the like: the child does not want (more) input. */
				proc_close(&in_pipe[1]);
			}
		}
		if (pfd[0].revents != 0) {
			size_t want = PROC_READ_CHUNK;
			if (max_out - got < want)
				want = max_out - got + 1;
			buf_reserve(out, want);
			n = read(out_pipe[0], out->data + out->len, want);
			if (n > 0 && (size_t)n > max_out - got) {
				out->data[out->len] = '\0';
				too_much = true;
				break;
			}
			if (n > 0) {
				out->len += (size_t)n;
				got += (size_t)n;
			}
			out->data[out->len] = '\0'; /* also when buf_reserve just allocated it */
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				proc_close(&out_pipe[0]);
			}
		}
	}
	proc_close(&in_pipe[1]);

	if (too_much || timed_out) {
		proc_kill_reap(pid);
		pid = -1;
		if (too_much)
			*error_r = errstr(_("%s: output exceeds %zu bytes"), argv[0], max_out);
		else
			*error_r = errstr(_("%s: timed out after %d ms"), argv[0], timeout_ms);
		goto out_sig;
	}
	status = proc_reap(pid, deadline, &timed_out);
	pid = -1;
	if (timed_out) {
		*error_r = errstr(_("%s: timed out after %d ms"), argv[0], timeout_ms);
	} else if (WIFEXITED(status)) {
		ret = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		*error_r = errstr(_("%s: killed by signal %d"), argv[0], WTERMSIG(status));
	} else {
		*error_r = errstr(_("%s: ended abnormally"), argv[0]);
	}

out_sig:
	/* Discard a SIGPIPE this call raised, then restore the thread's mask. */
	if (!sigpipe_was_pending) {
		struct timespec zero = { 0, 0 };
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) == 1) {
			while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
				;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
out:
	if (pid > 0)
		proc_kill_reap(pid);
	proc_close(&in_pipe[0]);
	proc_close(&in_pipe[1]);
	proc_close(&out_pipe[0]);
	proc_close(&out_pipe[1]);
	proc_close(&err_pipe[0]);
	proc_close(&err_pipe[1]);
	return ret;
}

char **proc_split(const char *cmdline, const char **error_r)
{
	char **argv = NULL;
	size_t n = 0, cap = 0;
	const char *p = cmdline;
	struct buf word = BUF_INIT;

	for (;;) {
		bool in_word = false;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		buf_reset(&word);
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			in_word = true;
			if (*p == '\'') {
				/* 'single': everything literal up to the next quote */
				const char *end = strchr(p + 1, '\'');
				if (end == NULL)
					goto unbalanced;
				buf_append(&word, p + 1, (size_t)(end - p - 1));
				p = end + 1;
			} else if (*p == '"') {
				/* "double": backslash escapes only \ " $ ` and newline, as in sh */
				p++;
				for (;;) {
					if (*p == '\0')
						goto unbalanced;
					if (*p == '"') {
						p++;
						break;
					}
					if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == '$' ||
							   p[1] == '`')) {
						buf_append_c(&word, p[1]);
						p += 2;
					} else if (*p == '\\' && p[1] == '\n') {
						p += 2;
					} else {
						buf_append_c(&word, *p++);
					}
				}
			} else if (*p == '\\') {
				if (p[1] == '\0')
					goto unbalanced;
				if (p[1] != '\n')
					buf_append_c(&word, p[1]);
				p += 2;
			} else {
				buf_append_c(&word, *p++);
			}
		}
		if (in_word) {
			argv = xgrow(argv, &cap, n + 2, sizeof(*argv));
			argv[n++] = word.data != NULL ? buf_steal(&word) : xstrdup("");
		}
	}
	buf_free(&word);
	argv = xgrow(argv, &cap, n + 1, sizeof(*argv));
	argv[n] = NULL;
	return argv;

unbalanced:
	buf_free(&word);
	argv = xgrow(argv, &cap, n + 1, sizeof(*argv));
	argv[n] = NULL;
	proc_argv_free(&argv);
	*error_r = errstr("%s", _("unbalanced quotes or trailing backslash in command"));
	return NULL;
}

void proc_argv_free(char ***argv)
{
	if (*argv == NULL)
		return;
	for (char **a = *argv; *a != NULL; a++)
		free(*a);
	free(*argv);
	*argv = NULL;
}
