/* job.h: work run on a thread of its own for the UI (an HTML converter, a copiousoutput viewer),
 * its completion delivered to the UI loop through a pipe, only to an owner that still lives. */
#ifndef UI_JOB_H
#define UI_JOB_H

#include "skua.h"

#include <stdatomic.h>

struct ui_app;
struct ui_job;

/* Runs in the job's thread: reads and writes only data. *stop becomes true when the job is cancelled
 * (its result is then dropped): long work checks it and ends early. */
typedef void ui_job_run_fn(void *data, const atomic_bool *stop);
/* Runs on the UI thread once run returned, unless the job was cancelled (its owner went away). */
typedef void ui_job_done_fn(struct ui_app *app, void *owner, void *data);
/* Frees data (on whichever thread finishes with it last). */
typedef void ui_job_free_fn(void *data);

/* Starts run(data) on a new thread for owner (any pointer that names who waits: a view). data is
 * taken (freed with free_data after done, or when the job is cancelled). Returns the job (owned by the
 * UI until done runs), or NULL with *error_r (data freed). UI thread. */
struct ui_job *ui_job_start(struct ui_app *app, void *owner, ui_job_run_fn *run, ui_job_done_fn *done,
			    ui_job_free_fn *free_data, void *data, const char **error_r);
/* True while the job has not finished (and was not cancelled). */
bool ui_job_running(const struct ui_app *app, const struct ui_job *job);
/* Cancels every job of owner: their done never runs; a running thread is told to stop (its *stop),
 * finishes alone and frees its data. UI thread. */
void ui_job_cancel_owner(struct ui_app *app, void *owner);
/* Cancels every job (at exit). */
void ui_job_cancel_all(struct ui_app *app);

#endif
