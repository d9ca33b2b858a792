/* sortjob.c: sorting a folder index on a thread of its own, so that ordering or threading a million
 * messages never holds up a key. No I/O. */
#include "skua.h"
#include "sortjob.h"
#include "pattern.h"
#include "lib/xmalloc.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sort_job {
	struct mindex *view;         /* the job's frozen view of the index */
	enum sort_order order;
	bool reverse;
	struct sort_line *old;       /* merge from these (a copy), or NULL */
	size_t n_old, old_covered;
	struct sort_result *result;
	pthread_t thread;
	pthread_mutex_t lock;
	bool done, abandoned;
	struct mindex *orphan;       /* freed by the thread when abandoned */
	char *limit, *select;        /* the filter's patterns (copies), or NULL */
	struct imap_uidset tagged;   /* the filter's tagged UIDs (a copy) */
	struct imap_uidset collapsed;/* the filter's collapsed roots (a copy) */
	bool filtered;
	int fds[2];                  /* a byte in fds[1] when done */
};

void sort_result_free(struct sort_result **result)
{
	struct sort_result *r = *result;

	if (r == NULL)
		return;
	free(r->lines);
	free(r->line_of);
	free(r->tree_parent);
	free(r->tree_more);
	free(r->selected);
	free(r);
	*result = NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void job_free(struct sort_job *job)
{
	mindex_free(&job->view);
	mindex_free(&job->orphan);
	free(job->old);
	free(job->limit);
	free(job->select);
	imap_uidset_clear(&job->tagged);
	imap_uidset_clear(&job->collapsed);
	sort_result_free(&job->result);
	pthread_mutex_destroy(&job->lock);
	close(job->fds[0]);
	close(job->fds[1]);
	free(job);
}

/* What the pattern callbacks of a filter read. */
struct filter_ctx {
	const struct mindex *idx;
	const struct imap_uidset *tagged;  /* NULL: nothing tagged */
	const bool *in_collapsed;          /* per position, or NULL: no thread collapsed */
};

static bool filter_tagged(uint32_t uid, void *arg)
{
	const struct filter_ctx *ctx = arg;

	return ctx->tagged != NULL && imap_uidset_contains(ctx->tagged, uid);
}

static bool filter_collapsed(uint32_t uid, void *arg)
{
	const struct filter_ctx *ctx = arg;
	size_t pos;

	return ctx->in_collapsed != NULL && mindex_find(ctx->idx, uid, &pos) && ctx->in_collapsed[pos];
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Matches text (or nothing, when it does not parse) against idx: a per-position array (malloc'd). */
static bool *filter_match(const struct mindex *idx, const char *text, struct filter_ctx *ctx)
{
	size_t count = mindex_count(idx);
	bool *match = xcalloc(count > 0 ? count : 1, sizeof(*match));
	struct pattern_env env = { filter_tagged, filter_collapsed, ctx };
	const char *error;
	struct pattern *p = pattern_parse(text, &error);

	if (p != NULL)
		pattern_match_index(p, idx, &env, match);
	pattern_free(&p);
	return match;
}

/* Threads order: marks the roots in collapsed (UIDs) collapsed and returns which positions are in a
 * collapsed thread (malloc'd), or NULL when none is. */
static bool *filter_collapse(struct sort_result *r, const struct mindex *idx, const struct imap_uidset *collapsed)
{
	bool *in = NULL, cur = false;

	if (r->order != SORT_THREADS || collapsed == NULL || imap_uidset_is_empty(collapsed))
		return NULL;
	in = xcalloc(mindex_count(idx) > 0 ? mindex_count(idx) : 1, sizeof(*in));
	for (size_t i = 0; i < r->n_lines; i++) {
		struct sort_line *l = &r->lines[i];
		if (l->depth == 0) {
			const struct mindex_msg *m = mindex_get(idx, l->pos);
			cur = l->descendants > 0 && m != NULL && imap_uidset_contains(collapsed, m->uid);
			if (cur)
				l->flags |= SORT_LINE_COLLAPSED;
		}
		in[l->pos] = cur;
	}
	return in;
}

/* Threads order, after a limit: the lines kept (keep[i] for line i of the n lines) as a tree of their
 * own: a line's depth is the number of its kept ancestors, its descendants the kept lines of its
 * subtree; a collapse stays where something is left to hide. O(n). */
static void filter_tree(struct sort_line *lines, size_t n, const bool *keep)
{
	size_t *kept_before = xmalloc((n + 1) * sizeof(*kept_before));
	uint16_t *stack = xmalloc((n > 0 ? n : 1) * sizeof(*stack)); /* original depths of kept ancestors */
	size_t depth = 0;

	kept_before[0] = 0;
	for (size_t i = 0; i < n; i++)
		kept_before[i + 1] = kept_before[i] + (keep[i] ? 1 : 0);
	for (size_t i = 0; i < n; i++) {
		struct sort_line *l = &lines[i];
		size_t end = i + 1 + l->descendants;
		if (end > n)
			end = n;
		while (depth > 0 && stack[depth - 1] >= l->depth)
			depth--;
		if (!keep[i])
			continue;
		l->descendants = (uint32_t)(kept_before[end] - kept_before[i + 1]);
		if (l->descendants == 0)
			l->flags &= (uint16_t)~SORT_LINE_COLLAPSED;
		stack[depth++] = l->depth;
		l->depth = (uint16_t)(depth - 1 < UINT16_MAX ? depth - 1 : UINT16_MAX);
	}
	free(kept_before);
	free(stack);
}

/* Applies filter to the sorted lines of r: the collapsed threads, the limit drops lines, the select
 * names UIDs. */
static void filter_apply(struct sort_result *r, const struct mindex *idx, const struct sort_filter *filter)
{
	struct filter_ctx ctx = { idx, filter->tagged, NULL };
	bool *in_collapsed = filter_collapse(r, idx, filter->collapsed);
	bool *keep, *sel;
	size_t n = 0;

	ctx.in_collapsed = in_collapsed;
	keep = filter->limit != NULL ? filter_match(idx, filter->limit, &ctx) : NULL;
	sel = filter->select != NULL ? filter_match(idx, filter->select, &ctx) : NULL;
	if (keep != NULL) {
		if (r->order == SORT_THREADS) {
			bool *keep_line = xmalloc((r->n_lines > 0 ? r->n_lines : 1) * sizeof(*keep_line));
			for (size_t i = 0; i < r->n_lines; i++)
				keep_line[i] = keep[r->lines[i].pos];
			filter_tree(r->lines, r->n_lines, keep_line);
			free(keep_line);
		}
		for (size_t i = 0; i < r->n_lines; i++)
			if (keep[r->lines[i].pos])
				r->lines[n++] = r->lines[i];
		r->n_lines = n;
		r->limited = true;
	}
	if (sel != NULL) {
		r->selected = xmalloc((r->n_lines > 0 ? r->n_lines : 1) * sizeof(*r->selected));
		for (size_t i = 0; i < r->n_lines; i++) {
			const struct mindex_msg *m = mindex_get(idx, r->lines[i].pos);

			if (sel[r->lines[i].pos] && m != NULL)
				r->selected[r->n_selected++] = m->uid;
		}
		qsort(r->selected, r->n_selected, sizeof(*r->selected), cmp_u32);
	}
	free(keep);
	free(sel);
	free(in_collapsed);
}

struct sort_result *sort_result_make(const struct mindex *idx, enum sort_order order, bool reverse,
				     const struct sort_line *old, size_t n_old, size_t old_covered)
{
	return sort_result_make_filtered(idx, order, reverse, old, n_old, old_covered, NULL);
}

struct sort_result *sort_result_make_filtered(const struct mindex *idx, enum sort_order order, bool reverse,
					      const struct sort_line *old, size_t n_old, size_t old_covered,
					      const struct sort_filter *filter)
{
	struct sort_result *r = xcalloc(1, sizeof(*r));
	int64_t t0 = now_ms();
	size_t n = SIZE_MAX;

	r->order = order;
	r->reverse = reverse;
	r->covered = mindex_count(idx);
	if (old != NULL && (filter == NULL || filter->limit == NULL))
		n = sort_merge(idx, order, reverse, old, n_old, old_covered, &r->lines);
	if (n == SIZE_MAX)
		n = sort_messages(idx, order, reverse, SIZE_MAX, &r->lines);
	r->n_lines = n;
	if (filter != NULL)
		filter_apply(r, idx, filter);
	n = r->n_lines;
	r->line_of = xmalloc((r->covered > 0 ? r->covered : 1) * sizeof(*r->line_of));
	memset(r->line_of, 0xff, r->covered * sizeof(*r->line_of));
	for (size_t i = 0; i < n; i++)
		r->line_of[r->lines[i].pos] = (uint32_t)i;
	if (order == SORT_THREADS && n > 0) {
		r->tree_parent = xmalloc(n * sizeof(*r->tree_parent));
		r->tree_more = xmalloc(n * sizeof(*r->tree_more));
		sort_tree_links(r->lines, n, r->tree_parent, r->tree_more);
	}
	r->cost_ms = now_ms() - t0;
	return r;
}

static void *job_main(void *arg)
{
	struct sort_job *job = arg;
	struct sort_filter filter = { job->limit, job->select, &job->tagged, &job->collapsed };
	struct sort_result *r = sort_result_make_filtered(job->view, job->order, job->reverse, job->old, job->n_old,
							  job->old_covered, job->filtered ? &filter : NULL);
	bool abandoned;

	pthread_mutex_lock(&job->lock);
	job->result = r;
	job->done = true;
	abandoned = job->abandoned;
	pthread_mutex_unlock(&job->lock);
	if (abandoned) {
		pthread_detach(pthread_self());
		job_free(job);
		return NULL;
	}
	ssize_t w = write(job->fds[1], "", 1);
	(void)w;
	return NULL;
}

struct sort_job *sort_job_start(const struct mindex *idx, enum sort_order order, bool reverse,
				const struct sort_result *old)
{
	return sort_job_start_filtered(idx, order, reverse, old, NULL);
}

struct sort_job *sort_job_start_filtered(const struct mindex *idx, enum sort_order order, bool reverse,
					 const struct sort_result *old, const struct sort_filter *filter)
{
	struct sort_job *job = xcalloc(1, sizeof(*job));
	sigset_t all, saved;
	int rc;

	if (pipe2(job->fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(job);
		return NULL;
	}
	imap_uidset_init(&job->tagged);
	imap_uidset_init(&job->collapsed);
	if (filter != NULL) {
		job->filtered = true;
		job->limit = filter->limit != NULL ? xstrdup(filter->limit) : NULL;
		job->select = filter->select != NULL ? xstrdup(filter->select) : NULL;
		if (filter->tagged != NULL)
			imap_uidset_copy(&job->tagged, filter->tagged);
		if (filter->collapsed != NULL)
			imap_uidset_copy(&job->collapsed, filter->collapsed);
		if (filter->limit != NULL)
			old = NULL; /* a limit sorts afresh */
	}
	job->view = mindex_freeze(idx);
	job->order = order;
	job->reverse = reverse;
	if (old != NULL && old->order == order && old->reverse == reverse && old->n_lines > 0 &&
	    (order == SORT_DATE || order == SORT_ARRIVAL)) {
		/* a copy: an abandoned job outlives the caller's result (only the orders sort_merge can
		 * extend: for the others it would be megabytes copied in the UI's turn for nothing) */
		job->old = xmalloc(old->n_lines * sizeof(*job->old));
		memcpy(job->old, old->lines, old->n_lines * sizeof(*job->old));
		job->n_old = old->n_lines;
		job->old_covered = old->covered;
	}
	pthread_mutex_init(&job->lock, NULL);
	/* signals are the UI thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	rc = pthread_create(&job->thread, NULL, job_main, job);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (rc != 0) {
		job_free(job);
		return NULL;
	}
	return job;
}

int sort_job_fd(const struct sort_job *job)
{
	return job->fds[0];
}

bool sort_job_ready(struct sort_job *job)
{
	bool done;

	pthread_mutex_lock(&job->lock);
	done = job->done;
	pthread_mutex_unlock(&job->lock);
	return done;
}

struct sort_result *sort_job_finish(struct sort_job **jobp)
{
	struct sort_job *job = *jobp;
	struct sort_result *r;

	pthread_join(job->thread, NULL);
	r = job->result;
	job->result = NULL;
	job_free(job);
	*jobp = NULL;
	return r;
}

void sort_job_abandon(struct sort_job **jobp, struct mindex *orphan)
{
	struct sort_job *job = *jobp;
	bool done;

	if (job == NULL)
		return;
	*jobp = NULL;
	pthread_mutex_lock(&job->lock);
	done = job->done;
	job->abandoned = true;
	job->orphan = orphan;
	pthread_mutex_unlock(&job->lock);
	if (done) {
		/* it finished (or is about to return): nothing to wait for but its exit */
		pthread_join(job->thread, NULL);
		job_free(job);
	}
}
