/* sortjob.h: sorting a folder index on a thread of its own, so that ordering or threading a million
 * messages never holds up a key. No I/O. */
#ifndef MODEL_SORTJOB_H
#define MODEL_SORTJOB_H

#include "skua.h"
#include "model/mindex.h"
#include "model/sort.h"
#include "imap/imap-uidset.h"

/* What a finished job hands back; the caller owns it (sort_result_free). */
struct sort_result {
	struct sort_line *lines;   /* sort_messages' lines for the positions below `covered` */
	size_t n_lines;
	size_t covered;            /* the index's mindex_count() when the job started */
	uint32_t *line_of;         /* covered entries: the line of each position (UINT32_MAX: none, a
				    * removed message) */
	size_t *tree_parent;       /* SORT_THREADS: sort_tree_links' arrays for the lines, else NULL */
	bool *tree_more;
	enum sort_order order;
	bool reverse;
	int64_t cost_ms;           /* how long the sort took */
	bool limited;              /* the lines are only the messages the filter's limit matched (in
				    * threads order a tree of them: a message's parent is its nearest
				    * ancestor that matched) */
	uint32_t *selected;        /* the filter's select: the UIDs it matched (ascending), or NULL */
	size_t n_selected;
};

/* What a sort also does (a limit in the index, tag-pattern): patterns in mutt's syntax, parsed again
 * on the job's thread (check them with pattern_parse first: one that does not parse matches nothing). */
struct sort_filter {
	const char *limit;         /* the lines hold only the messages it matches; NULL: all */
	const char *select;        /* the result names the UIDs it matches (among the limited ones) */
	const struct imap_uidset *tagged;  /* what ~T reads (copied); NULL: nothing tagged */
	const struct imap_uidset *collapsed; /* SORT_THREADS: the UIDs of the roots of collapsed threads
					      * (copied): their lines get SORT_LINE_COLLAPSED, ~v matches
					      * the messages of those threads; NULL: none */
};

/* Sorts idx now, on the caller's thread (what a job does on its own; for small folders). old as for
 * sort_job_start (borrowed). Returns the result (the caller's). */
struct sort_result *sort_result_make(const struct mindex *idx, enum sort_order order, bool reverse,
				     const struct sort_line *old, size_t n_old, size_t old_covered);
/* The same with a filter (NULL: none; with a limit, old is not used). */
struct sort_result *sort_result_make_filtered(const struct mindex *idx, enum sort_order order, bool reverse,
					      const struct sort_line *old, size_t n_old, size_t old_covered,
					      const struct sort_filter *filter);

/* Frees *result (NULL is fine) and sets it to NULL. */
void sort_result_free(struct sort_result **result);

struct sort_job;

/* Starts sorting idx as it is now (a mindex_freeze view; see its rules: while the job lives the owner
 * may add messages with new UIDs and change flags, nothing else) by order on a new thread. With old (a
 * result of the same order and direction for this index; copied), the lines are sort_merge'd from it for the dates and arrival orders instead of sorted afresh. Returns the job, or
 * NULL when no thread could be made (then sort on the caller's thread). The owner's thread. */
struct sort_job *sort_job_start(const struct mindex *idx, enum sort_order order, bool reverse,
				const struct sort_result *old);
/* The same with a filter (copied; NULL: none). */
struct sort_job *sort_job_start_filtered(const struct mindex *idx, enum sort_order order, bool reverse,
					 const struct sort_result *old, const struct sort_filter *filter);
/* A descriptor that polls readable once the result is ready. */
int sort_job_fd(const struct sort_job *job);
/* True once the result is ready (sort_job_finish then does not wait). */
bool sort_job_ready(struct sort_job *job);
/* Waits for the job (it does not wait once sort_job_fd polled readable), frees it, sets *job NULL and
 * returns the result (the caller's). */
struct sort_result *sort_job_finish(struct sort_job **job);
/* Gives up the job without waiting: its thread frees what it made when it ends, and orphan with it: the
 * index the job reads, which becomes the job's (pass it whenever the caller would otherwise free or
 * change it; NULL when the caller keeps it unchanged for good). Sets *job NULL; NULL-safe. */
void sort_job_abandon(struct sort_job **job, struct mindex *orphan);

#endif
