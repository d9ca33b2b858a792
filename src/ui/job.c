/* job.c: work off the UI thread: a thread per job, its end signalled through a pipe the UI loop
 * watches, its result handed to its owner on the UI thread, or dropped when the owner went away. */
#include "skua.h"
#include "ui-int.h"
#include "ui/job.h"
#include "ev/ev-loop.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ui_job {
	struct ui_job *next;     /* app->jobs */
	struct ui_app *app;
	void *owner;
	ui_job_run_fn *run;
	ui_job_done_fn *done;
	ui_job_free_fn *free_data;
	void *data;
	pthread_t thread;
	pthread_mutex_t lock;
	bool finished, abandoned;
	atomic_bool stop;        /* set when the job is abandoned: run may end early */
	int fds[2];              /* the thread writes a byte to fds[1] when it finished */
	struct ev_io *io;
};

static void ui_job_free(struct ui_job **jobp)
{
	struct ui_job *job = *jobp;

	if (job == NULL)
		return;
	for (int i = 0; i < 2; i++)
		if (job->fds[i] >= 0)
			close(job->fds[i]);
	pthread_mutex_destroy(&job->lock);
	if (job->free_data != NULL && job->data != NULL)
		job->free_data(job->data);
	free(job);
	*jobp = NULL;
}

static void *ui_job_main(void *arg)
{
	struct ui_job *job = arg;
	bool abandoned;
	ssize_t r;

	ev_signal_block_in_thread();
	job->run(job->data, &job->stop);
	pthread_mutex_lock(&job->lock);
	job->finished = true;
	abandoned = job->abandoned;
	if (!abandoned) {
		do
			r = write(job->fds[1], "", 1);
		while (r < 0 && errno == EINTR);
	}
	pthread_mutex_unlock(&job->lock);
	/* nobody waits for an abandoned job: it is ours to free */
	if (abandoned)
		ui_job_free(&job);
	return NULL;
}

static void ui_job_unlink(struct ui_app *app, struct ui_job *job)
{
	for (struct ui_job **p = &app->jobs; *p != NULL; p = &(*p)->next) {
		if (*p == job) {
			*p = job->next;
			return;
		}
	}
}

static void ui_job_cb(struct ev_loop *loop, struct ev_io *io, int fd, unsigned int revents, void *ctx)
{
	struct ui_job *job = ctx;
	struct ui_app *app = job->app;
	bool finished;

	(void)loop;
	(void)io;
	(void)fd;
	(void)revents;
	pthread_mutex_lock(&job->lock);
	finished = job->finished;
	pthread_mutex_unlock(&job->lock);
	if (!finished)
		return;
	ev_io_remove(&job->io);
	pthread_join(job->thread, NULL);
	ui_job_unlink(app, job);
	job->done(app, job->owner, job->data);
	ui_job_free(&job);
	ui_dirty(app);
}

struct ui_job *ui_job_start(struct ui_app *app, void *owner, ui_job_run_fn *run, ui_job_done_fn *done,
			    ui_job_free_fn *free_data, void *data, const char **error_r)
{
	struct ui_job *job = xcalloc(1, sizeof(*job));
	int err;

	job->app = app;
	job->owner = owner;
	job->run = run;
	job->done = done;
	job->free_data = free_data;
	job->data = data;
	job->fds[0] = job->fds[1] = -1;
	atomic_init(&job->stop, false);
	pthread_mutex_init(&job->lock, NULL);
	if (pipe2(job->fds, O_CLOEXEC) < 0) {
		*error_r = errstr(_("Cannot start: %s"), strerror(errno));
		ui_job_free(&job);
		return NULL;
	}
	err = pthread_create(&job->thread, NULL, ui_job_main, job);
	if (err != 0) {
		*error_r = errstr(_("Cannot start: %s"), strerror(err));
		ui_job_free(&job);
		return NULL;
	}
	job->io = ev_io_add(app->loop, job->fds[0], EV_READ, ui_job_cb, job);
	job->next = app->jobs;
	app->jobs = job;
	return job;
}

bool ui_job_running(const struct ui_app *app, const struct ui_job *job)
{
	for (const struct ui_job *j = app->jobs; j != NULL; j = j->next)
		if (j == job)
			return true;
	return false;
}

/* Lets a running job finish on its own (it frees itself); a finished one is freed here. */
static void ui_job_abandon(struct ui_app *app, struct ui_job *job)
{
	pthread_t thread;

	ui_job_unlink(app, job);
	/* at shutdown the loop may be gone, and its handles with it */
	if (app->loop != NULL)
		ev_io_remove(&job->io);
	job->io = NULL;
	atomic_store(&job->stop, true);
	pthread_mutex_lock(&job->lock);
	if (job->finished) {
		pthread_mutex_unlock(&job->lock);
		pthread_join(job->thread, NULL);
		ui_job_free(&job);
		return;
	}
	thread = job->thread;
	close(job->fds[0]);
	job->fds[0] = -1;
	job->abandoned = true;
	pthread_mutex_unlock(&job->lock);
	pthread_detach(thread);
}

void ui_job_cancel_owner(struct ui_app *app, void *owner)
{
	struct ui_job *job = app->jobs, *next;

	for (; job != NULL; job = next) {
		next = job->next;
		if (job->owner == owner)
			ui_job_abandon(app, job);
	}
}

void ui_job_cancel_all(struct ui_app *app)
{
	while (app->jobs != NULL)
		ui_job_abandon(app, app->jobs);
}
