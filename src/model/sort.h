/* sort.h: ordering a folder index: by date, arrival, sender, subject, size, or into threads. No I/O. */
#ifndef MODEL_SORT_H
#define MODEL_SORT_H

#include "skua.h"
#include "model/mindex.h"

enum sort_order { SORT_DATE, SORT_ARRIVAL, SORT_THREADS, SORT_FROM, SORT_SUBJECT, SORT_SIZE };

/* sort_line.flags bits: state a view keeps on its lines. */
#define SORT_LINE_COLLAPSED 0x1u  /* the line's subtree (its descendants) is hidden */

/* One display line. */
struct sort_line {
	uint32_t pos;          /* the message's position in the index */
	uint32_t descendants;  /* SORT_THREADS: how many lines follow in this line's subtree; else 0 */
	uint16_t depth;        /* SORT_THREADS: reply depth (0 for thread roots; saturates); else 0 */
	uint16_t flags;        /* SORT_LINE_*; 0 as sort_messages returns them */
};

/* Parses "date", "arrival", "threads", "from", "subject" or "size". Returns 0, or -1 when unknown. */
int sort_order_parse(const char *name, enum sort_order *order_r);

/* Orders the messages present in idx and returns the display lines in *lines_r (malloc'd, the caller
 * frees; valid for idx until it changes) and their count:
 * SORT_DATE: the `limit` newest by Date, newest first (ties: higher UID first).
 * SORT_ARRIVAL: the `limit` newest by arrival (INTERNALDATE, then UID; unknown arrival is oldest),
 * newest first.
 * SORT_FROM/SUBJECT/SIZE: the `limit` newest by Date, ordered by that key, ties newest first: the
 * sender's address (the part in <>, else the whole value), the RFC 2047-decoded subject without
 * reply and forward prefixes (Re:, Re[2]:, Fwd:, Fw:, Aw:, Sv:, Antw:), both casefolded (ASCII, Latin,
 * Greek, Cyrillic) and compared by code point; size ascending.
 * SORT_THREADS: the first `limit` lines of all threads, the most recently active thread first, each in
 * reply order (oldest first under its parent) with depth and descendants. Threads are built JWZ-style
 * from Message-ID and the reply chain (References, In-Reply-To), ignoring links that would make a loop;
 * a duplicate Message-ID is threaded as a message of its own; the children of a missing message take
 * its place (a missing thread root leaves its replies as several depth-0 lines in one block); a
 * message with no References or In-Reply-To whose subject is a reply (Re:, Fwd: ...) joins, under its
 * root, the thread whose root has the same subject once reply prefixes and "[list]" tags are gone and
 * case is folded (preferring a root that is not itself a reply, then the oldest).
 * reverse: the same lines in the opposite order; for SORT_THREADS the threads come in the opposite
 * order, each still in reply order. Every message appears once. UI thread (any thread that owns idx). */
size_t sort_messages(const struct mindex *idx, enum sort_order order, bool reverse, size_t limit,
		     struct sort_line **lines_r);

/* For SORT_DATE and SORT_ARRIVAL: the lines of sort_messages(idx, order, reverse, SIZE_MAX) computed
 * from old (n_old lines, that call's result when idx held first_new positions) and the positions added
 * since, in O(n_old + new * log new) instead of a full sort: what a view uses while a folder streams
 * in. Messages removed since are left out. Returns the line count with *lines_r (malloc'd, the caller
 * frees), or SIZE_MAX (and nothing allocated) for other orders. UI thread (any thread that owns idx). */
size_t sort_merge(const struct mindex *idx, enum sort_order order, bool reverse, const struct sort_line *old,
		  size_t n_old, size_t first_new, struct sort_line **lines_r);

/* Sets or clears SORT_LINE_COLLAPSED on every line with descendants at depth 0 (collapse or expand
 * all threads). */
void sort_collapse_all(struct sort_line *lines, size_t count, bool collapse);

/* For display lines in sort_messages order (a line's parent is the nearest earlier line one level
 * shallower), fills parent_r[i] (SIZE_MAX for a root) and more_r[i] (line i has a later sibling),
 * both arrays of n the caller provides: what a tree drawing needs. O(n). Any thread. */
void sort_tree_links(const struct sort_line *lines, size_t n, size_t *parent_r, bool *more_r);

/* Fills *rows_r (malloc'd, the caller frees) with the indices of the lines a view shows, skipping the
 * subtrees of collapsed lines, and returns how many. Costs O(rows shown + threads), not O(count),
 * when threads are collapsed. */
size_t sort_visible(const struct sort_line *lines, size_t count, uint32_t **rows_r);

#endif
