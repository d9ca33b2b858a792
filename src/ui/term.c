/* term.c: handing the terminal to another program (a viewer; later $EDITOR and pinentry) and to the
 * shell (^Z), and taking it back redrawn. */
#include "skua.h"
#include "ui-int.h"
#include "ui/term.h"
#include "lib/errstr.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

int ui_term_run(struct ui_app *app, const char *const *argv, const char *stdin_path, const char **error_r)
{
	struct sigaction ign, old_int, old_quit, dfl;
	int status = 0, in_fd = -1, err_pipe[2], exec_errno = 0, e = 0;
	sigset_t none;
	pid_t pid;
	ssize_t r;

	if (stdin_path != NULL && (in_fd = open(stdin_path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		*error_r = errstr("%s: %s", stdin_path, strerror(errno));
		return -1;
	}
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		*error_r = errstr(_("cannot run %s: %s"), argv[0], strerror(errno));
		if (in_fd >= 0)
			close(in_fd);
		return -1;
	}
	/* as mutt does: leave curses mode, run it on the terminal, come back */
	def_prog_mode();
	endwin();
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	dfl = ign;
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	sigemptyset(&none);
	pid = fork();
	if (pid == 0) {
		/* only async-signal-safe calls until exec */
		sigprocmask(SIG_SETMASK, &none, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGQUIT, &dfl, NULL);
		sigaction(SIGPIPE, &dfl, NULL);
		if (in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0)
			_exit(127);
		execvp(argv[0], (char *const *)argv);
		e = errno;
		if (write(err_pipe[1], &e, sizeof(e)) < 0) {
			/* the exit status says enough */
		}
		_exit(127);
	}
	if (pid < 0)
		e = errno;
	close(err_pipe[1]);
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				e = errno;
				break;
			}
		}
		do
			r = read(err_pipe[0], &exec_errno, sizeof(exec_errno));
		while (r < 0 && errno == EINTR);
		if (r != (ssize_t)sizeof(exec_errno))
			exec_errno = 0;
	}
	close(err_pipe[0]);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (in_fd >= 0)
		close(in_fd);
	reset_prog_mode();
	clearok(curscr, TRUE);
	ui_dirty(app);

	if (pid < 0 || e != 0 || exec_errno != 0) {
		*error_r = errstr(_("cannot run %s: %s"), argv[0], strerror(exec_errno != 0 ? exec_errno : e));
		return -1;
	}
	if (WIFSIGNALED(status)) {
		*error_r = errstr(_("%s was killed by signal %d"), argv[0], WTERMSIG(status));
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

void ui_term_run_report(struct ui_app *app, const char *const *argv, const char *stdin_path)
{
	const char *error;
	int ret = ui_term_run(app, argv, stdin_path, &error);

	if (ret < 0)
		ui_error(app, "%s", error);
	else if (ret > 0)
		ui_error(app, _("%s exited with status %d."), argv[0], ret);
}

void ui_term_suspend(struct ui_app *app)
{
	def_prog_mode();
	endwin();
	kill(getpid(), SIGSTOP);
	/* continued: app.c's SIGCONT handler lays the screen out again */
	reset_prog_mode();
	clearok(curscr, TRUE);
	ui_dirty(app);
}
