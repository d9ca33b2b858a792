/* test-sortjob.c: the folder index's unseen count and frozen views, and sorting on a thread while the
 * owner goes on adding messages. */
#include "skua.h"
#include "model/mindex.h"
#include "model/sort.h"
#include "model/sortjob.h"
#include "model/pattern.h"
#include "model/test-synth.h"
#include "imap/imap-engine.h"
#include "test.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

static void test_unseen(void)
{
	struct mindex *idx = mindex_new();
	struct hcache_msg m;

	synth_fill(&m, 1, 100, "a@example.org", "one", "1@x", NULL, NULL);
	mindex_add(idx, &m);
	synth_fill(&m, 2, 200, "a@example.org", "two", "2@x", NULL, NULL);
	m.flags = IMAP_FLAG_SEEN;
	mindex_add(idx, &m);
	TEST_INTEQ(mindex_unseen(idx), 1);
	TEST_INTEQ(mindex_set_flags(idx, 1, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED), 0);
	TEST_INTEQ(mindex_unseen(idx), 0);
	TEST_INTEQ(mindex_set_flags(idx, 2, 0), 0);
	TEST_INTEQ(mindex_unseen(idx), 1);
	/* replaced in place with other flags */
	m.flags = IMAP_FLAG_SEEN;
	mindex_add(idx, &m);
	TEST_INTEQ(mindex_unseen(idx), 0);
	mindex_set_flags(idx, 1, 0);
	TEST_INTEQ(mindex_remove(idx, 1), 0);
	TEST_INTEQ(mindex_unseen(idx), 0);
	synth_fill(&m, 3, 300, "b@example.org", "three", "3@x", NULL, NULL);
	mindex_add(idx, &m);
	mindex_compact(idx);
	TEST_INTEQ(mindex_unseen(idx), 1);
	TEST_INTEQ(mindex_live(idx), 2);
	mindex_reset(idx);
	TEST_INTEQ(mindex_unseen(idx), 0);
	mindex_free(&idx);
}

static void test_freeze(void)
{
	struct synth_folder *sf = synth_new(3000, 7);
	struct mindex *idx = mindex_new(), *view;
	struct hcache_msg m;
	size_t pos, len;
	const char *subject;
	char *kept;

	for (size_t i = 0; i < 1000; i++) {
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
	}
	view = mindex_freeze(idx);
	subject = mindex_str(view, mindex_get(view, 999)->subject, &len);
	kept = strndup(subject, len);
	/* the owner grows: the view keeps its positions and strings */
	for (size_t i = 1000; i < 3000; i++) {
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
	}
	mindex_set_flags(idx, 5, IMAP_FLAG_FLAGGED);
	TEST_INTEQ(mindex_count(view), 1000);
	TEST_INTEQ(mindex_count(idx), 3000);
	TEST_ASSERT(mindex_get(view, 1000) == NULL);
	subject = mindex_str(view, mindex_get(view, 999)->subject, &len);
	TEST_ASSERT(len == strlen(kept) && memcmp(subject, kept, len) == 0);
	TEST_ASSERT(!mindex_find(view, 5, &pos));
	TEST_ASSERT(mindex_find(idx, 2500, &pos));
	mindex_free(&view);
	TEST_ASSERT(view == NULL);
	/* the original is whole */
	TEST_INTEQ(mindex_get(idx, 999)->uid, 1000);
	free(kept);
	mindex_free(&idx);
	synth_free(&sf);
}

/* Waits for the job's descriptor. */
static void wait_job(struct sort_job *job)
{
	struct pollfd pfd = { .fd = sort_job_fd(job), .events = POLLIN };

	TEST_INTEQ(poll(&pfd, 1, 60000), 1);
	TEST_ASSERT(sort_job_ready(job));
}

static void same_lines(const struct mindex *idx, enum sort_order order, const struct sort_result *r)
{
	struct sort_line *want = NULL;
	struct mindex *view = mindex_freeze(idx);
	size_t n;

	/* what sort_messages says of the same positions (the index has not grown since the job began) */
	TEST_INTEQ(mindex_count(view), r->covered);
	n = sort_messages(view, order, r->reverse, SIZE_MAX, &want);
	TEST_INTEQ(r->n_lines, n);
	for (size_t i = 0; i < n && i < r->n_lines; i++) {
		TEST_INTEQ(r->lines[i].pos, want[i].pos);
		TEST_INTEQ(r->lines[i].depth, want[i].depth);
		TEST_INTEQ(r->line_of[r->lines[i].pos], i);
	}
	free(want);
	mindex_free(&view);
}

static void test_job(void)
{
	static const enum sort_order orders[] = { SORT_DATE, SORT_THREADS, SORT_SUBJECT };
	struct synth_folder *sf = synth_new(40000, 11);
	struct mindex *idx = mindex_new();
	struct hcache_msg m;

	for (size_t i = 0; i < 20000; i++) {
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
	}
	for (size_t k = 0; k < N_ELEMENTS(orders); k++) {
		struct sort_job *job = sort_job_start(idx, orders[k], k == 1, NULL);
		struct sort_result *r;

		TEST_ASSERT(job != NULL);
		wait_job(job);
		r = sort_job_finish(&job);
		TEST_ASSERT(job == NULL);
		TEST_INTEQ(r->covered, 20000);
		same_lines(idx, orders[k], r);
		sort_result_free(&r);
		TEST_ASSERT(r == NULL);
	}
	/* the owner adds while a job sorts: the job covers what it saw; a merge takes in the rest */
	struct sort_job *job = sort_job_start(idx, SORT_DATE, false, NULL);
	for (size_t i = 20000; i < 30000; i++) {
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
		if (i % 1000 == 0)
			mindex_set_flags(idx, (uint32_t)(i / 2), IMAP_FLAG_SEEN);
	}
	wait_job(job);
	struct sort_result *first = sort_job_finish(&job);
	TEST_INTEQ(first->covered, 20000);
	TEST_INTEQ(first->n_lines, 20000);
	job = sort_job_start(idx, SORT_DATE, false, first);
	sort_result_free(&first); /* the job copied what it merges from */
	wait_job(job);
	struct sort_result *merged = sort_job_finish(&job);
	TEST_INTEQ(merged->covered, 30000);
	same_lines(idx, SORT_DATE, merged);
	sort_result_free(&merged);
	/* abandoned while running, with the index handed over: nothing leaks, nothing is read after free */
	for (size_t i = 30000; i < 40000; i++) {
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
	}
	job = sort_job_start(idx, SORT_THREADS, false, NULL);
	sort_job_abandon(&job, idx);
	TEST_ASSERT(job == NULL);
	/* and abandoned once done, the caller keeping its index */
	idx = mindex_new();
	synth_msg(sf, 0, &m);
	mindex_add(idx, &m);
	job = sort_job_start(idx, SORT_DATE, false, NULL);
	wait_job(job);
	sort_job_abandon(&job, NULL);
	mindex_free(&idx);
	synth_free(&sf);
}

/* A filter: the limit keeps the lines of the matching messages in order (a tree of them in threads order), the
 * select names the matching UIDs among them, ascending; on a thread as on the caller's; ~T reads the
 * tagged set handed over. */
/* Adds messages [from, to) of sf to idx. */
static void add_range(struct mindex *idx, struct synth_folder *sf, size_t from, size_t to)
{
	struct hcache_msg m;

	for (size_t i = from; i < to; i++) {
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
	}
}

/* Threads order, limited: the lines are the kept ones in thread order; a line's depth is the number
 * of its kept ancestors and its descendants the kept lines of its subtree (checked against the whole
 * tree, the slow way). */
static void check_limited_tree(const struct mindex *idx, const bool *want, const struct sort_result *r)
{
	struct sort_line *t;
	size_t n = sort_messages(idx, SORT_THREADS, false, SIZE_MAX, &t), k = 0;
	size_t *parent = malloc((n > 0 ? n : 1) * sizeof(*parent));
	bool *more = malloc((n > 0 ? n : 1) * sizeof(*more));
	bool deep = false;

	sort_tree_links(t, n, parent, more);
	for (size_t i = 0; i < n; i++) {
		size_t depth = 0, desc = 0;
		if (!want[t[i].pos])
			continue;
		for (size_t p = parent[i]; p != SIZE_MAX; p = parent[p])
			depth += want[t[p].pos];
		for (size_t j = i + 1; j <= i + t[i].descendants && j < n; j++)
			desc += want[t[j].pos];
		TEST_ASSERT(k < r->n_lines);
		TEST_INTEQ(r->lines[k].pos, t[i].pos);
		TEST_INTEQ(r->lines[k].depth, depth);
		TEST_INTEQ(r->lines[k].descendants, desc);
		deep |= depth > 0;
		k++;
	}
	TEST_INTEQ(k, r->n_lines);
	TEST_ASSERT(deep); /* the folder has replies that matched under messages that matched */
	free(t);
	free(parent);
	free(more);
}

/* Collapsed threads: their roots' lines are marked, kept over a sort, and ~v matches their messages. */
static void test_collapsed(void)
{
	struct synth_folder *sf = synth_new(3000, 11);
	struct mindex *idx = mindex_new();
	struct imap_uidset collapsed;
	struct sort_line *t;
	size_t n, members = 0, root = SIZE_MAX;

	add_range(idx, sf, 0, 3000);
	n = sort_messages(idx, SORT_THREADS, false, SIZE_MAX, &t);
	for (size_t i = 0; i < n && root == SIZE_MAX; i++)
		if (t[i].depth == 0 && t[i].descendants >= 2)
			root = i;
	TEST_ASSERT(root != SIZE_MAX);
	members = t[root].descendants + 1;
	imap_uidset_init(&collapsed);
	imap_uidset_add(&collapsed, mindex_get(idx, t[root].pos)->uid);
	for (int limited = 0; limited < 2; limited++) {
		struct sort_filter filter = { limited ? "~v" : NULL, NULL, NULL, &collapsed };
		struct sort_result *r = sort_result_make_filtered(idx, SORT_THREADS, false, NULL, 0, 0, &filter);
		size_t marked = 0;

		TEST_INTEQ(r->n_lines, limited ? members : n);
		for (size_t i = 0; i < r->n_lines; i++)
			if (r->lines[i].flags & SORT_LINE_COLLAPSED) {
				marked++;
				TEST_INTEQ(r->lines[i].pos, t[root].pos);
				TEST_INTEQ(r->lines[i].descendants, members - 1);
			}
		TEST_INTEQ(marked, 1);
		if (limited)
			for (size_t i = 0; i < r->n_lines; i++)
				TEST_INTEQ(r->lines[i].pos, t[root + i].pos);
		sort_result_free(&r);
	}
	/* in date order nothing is collapsed: ~v matches nothing */
	struct sort_filter filter = { "~v", NULL, NULL, &collapsed };
	struct sort_result *r = sort_result_make_filtered(idx, SORT_DATE, false, NULL, 0, 0, &filter);
	TEST_INTEQ(r->n_lines, 0);
	sort_result_free(&r);
	free(t);
	imap_uidset_clear(&collapsed);
	mindex_free(&idx);
	synth_free(&sf);
}

static void test_filter(void)
{
	struct synth_folder *sf = synth_new(5000, 7);
	struct mindex *idx = mindex_new();
	struct imap_uidset tagged;
	struct hcache_msg m;
	struct sort_line *all;
	bool *want;
	const char *error;
	struct pattern *p;
	struct pattern_env env = { NULL, NULL, NULL };
	size_t n_all, n_want = 0;

	for (size_t i = 0; i < 5000; i++) {
		synth_msg(sf, i, &m);
		mindex_add(idx, &m);
	}
	imap_uidset_init(&tagged);
	imap_uidset_add_range(&tagged, 100, 199);
	p = pattern_parse("~s ^re:", &error);
	TEST_ASSERT(p != NULL);
	want = calloc(mindex_count(idx), sizeof(*want));
	pattern_match_index(p, idx, &env, want);
	pattern_free(&p);
	n_all = sort_messages(idx, SORT_DATE, false, SIZE_MAX, &all);
	for (size_t i = 0; i < n_all; i++)
		n_want += want[all[i].pos];
	TEST_ASSERT(n_want > 100 && n_want < n_all);
	for (int threaded = 0; threaded < 2; threaded++) {
		struct sort_filter filter = { "~s ^re:", "~T", &tagged, NULL };
		struct sort_job *job = sort_job_start_filtered(idx, threaded ? SORT_THREADS : SORT_DATE, false, NULL,
							       &filter);
		struct sort_result *r, *inline_r;
		size_t k = 0, n_sel = 0;

		TEST_ASSERT(job != NULL);
		wait_job(job);
		r = sort_job_finish(&job);
		inline_r = sort_result_make_filtered(idx, threaded ? SORT_THREADS : SORT_DATE, false, NULL, 0, 0, &filter);
		TEST_ASSERT(r->limited);
		TEST_INTEQ(r->n_lines, n_want);
		TEST_INTEQ(inline_r->n_lines, r->n_lines);
		for (size_t i = 0; i < r->n_lines; i++) {
			TEST_ASSERT(want[r->lines[i].pos]);
			TEST_INTEQ(r->lines[i].pos, inline_r->lines[i].pos);
			n_sel += imap_uidset_contains(&tagged, mindex_get(idx, r->lines[i].pos)->uid);
		}
		if (!threaded) {
			/* date order: the filtered lines keep the unfiltered order */
			for (size_t i = 0; i < n_all && k < r->n_lines; i++)
				if (want[all[i].pos])
					TEST_INTEQ(all[i].pos, r->lines[k++].pos);
		} else {
			check_limited_tree(idx, want, r);
		}
		TEST_INTEQ(r->n_selected, n_sel);
		for (size_t i = 1; i < r->n_selected; i++)
			TEST_ASSERT(r->selected[i - 1] < r->selected[i]);
		for (size_t i = 0; i < r->n_selected; i++)
			TEST_ASSERT(imap_uidset_contains(&tagged, r->selected[i]));
		sort_result_free(&r);
		sort_result_free(&inline_r);
	}
	free(all);
	free(want);
	imap_uidset_clear(&tagged);
	mindex_free(&idx);
	synth_free(&sf);
}

static const struct test_case cases[] = {
	{ "unseen count through adds, flags, removals, compaction", test_unseen },
	{ "a frozen view while the owner grows", test_freeze },
	{ "sorting on a thread: orders, adds meanwhile, merge, abandon", test_job },
	{ "a filter: limit and select, on a thread and inline", test_filter },
	{ "collapsed threads over a sort, and ~v", test_collapsed },
};

TEST_MAIN(cases)
