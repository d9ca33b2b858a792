/* imap-uidset.h: compressed sets of IMAP UIDs (or sequence numbers) as sorted ranges, and their protocol text. */
#ifndef IMAP_IMAP_UIDSET_H
#define IMAP_IMAP_UIDSET_H

#include "skua.h"
#include "lib/buf.h"

/* Named limits. A parsed set may hold at most IMAP_UIDSET_MAX_RANGES ranges unless the caller gives a
 * smaller bound (8 bytes a range: 8 MiB at the most). The text of one range is at most
 * IMAP_UIDSET_RANGE_TEXT_MAX bytes ("4294967294:4294967295"). */
#define IMAP_UIDSET_MAX_RANGES (1u << 20)
#define IMAP_UIDSET_RANGE_TEXT_MAX 21

struct imap_uid_range {
	uint32_t lo, hi;       /* 1 <= lo <= hi */
};

/* A set of UIDs (1 .. 2^32-1). Plain data: the ranges array is owned by the set and points into nothing
 * else, so a set can be handed to another thread (imap_uidset_move) or copied (imap_uidset_copy).
 * ranges[0 .. count) are sorted ascending, disjoint and never adjacent (5:7 and 8 are kept as 5:8); read
 * them freely, change them only through the functions below.
 *
 * A set is embedded by value: initialise it with IMAP_UIDSET_INIT or imap_uidset_init(), release it
 * with imap_uidset_clear() (which leaves an empty, reusable set). Functions that grow a set never fail
 * (allocation aborts). A set is used by one thread at a time; every function may run in any thread. */
struct imap_uidset {
	struct imap_uid_range *ranges;
	size_t count;          /* ranges in use */
	size_t cap;            /* ranges allocated */
};

#define IMAP_UIDSET_INIT { NULL, 0, 0 }

void imap_uidset_init(struct imap_uidset *set);
/* Frees the ranges; the set is empty afterwards and may be used again. */
void imap_uidset_clear(struct imap_uidset *set);
/* Makes dst (initialised; its old contents are dropped) an independent copy of src. */
void imap_uidset_copy(struct imap_uidset *dst, const struct imap_uidset *src);
/* Moves src's ranges into dst (whose old contents are dropped) without copying; src is left empty. */
void imap_uidset_move(struct imap_uidset *dst, struct imap_uidset *src);

/* Adds one UID, or the range lo:hi (in either order), merging with what is there. Returns false (the set
 * unchanged) when a bound is 0. Appending above the current maximum is amortised O(1); elsewhere
 * O(log n) to find the place plus the move of the ranges after it. */
bool imap_uidset_add(struct imap_uidset *set, uint32_t uid);
bool imap_uidset_add_range(struct imap_uidset *set, uint32_t lo, uint32_t hi);
/* Adds every UID of src to dst (dst != src). O(n + m). */
void imap_uidset_add_set(struct imap_uidset *dst, const struct imap_uidset *src);
/* Removes one UID or the range lo:hi (in either order); UIDs not in the set are ignored. */
void imap_uidset_remove(struct imap_uidset *set, uint32_t uid);
void imap_uidset_remove_range(struct imap_uidset *set, uint32_t lo, uint32_t hi);

/* O(log n). */
bool imap_uidset_contains(const struct imap_uidset *set, uint32_t uid);
/* Returns the number of UIDs (not ranges). O(n) in ranges. */
uint64_t imap_uidset_count(const struct imap_uidset *set);
bool imap_uidset_is_empty(const struct imap_uidset *set);
/* Return the smallest / largest UID, or 0 for an empty set. */
uint32_t imap_uidset_min(const struct imap_uidset *set);
uint32_t imap_uidset_max(const struct imap_uidset *set);
bool imap_uidset_equal(const struct imap_uidset *a, const struct imap_uidset *b);

/* Iterates UIDs in ascending order. The set must not change while an iterator is in use. */
struct imap_uidset_iter {
	const struct imap_uidset *set;
	size_t range;
	uint64_t next;
};
void imap_uidset_iter_init(struct imap_uidset_iter *iter, const struct imap_uidset *set);
/* Returns true with the next UID in *uid_r, false at the end. */
bool imap_uidset_iter_next(struct imap_uidset_iter *iter, uint32_t *uid_r);

/* Appends the compressed protocol text ("1:500,502,510:900", ascending) to out; nothing for an empty
 * set. */
void imap_uidset_format(const struct imap_uidset *set, struct buf *out);
/* Appends the text of the ranges from index *pos on, as many as fit in max_len bytes (always at least
 * one, so max_len < IMAP_UIDSET_RANGE_TEXT_MAX may exceed it), and advances *pos past them. Start with
 * *pos = 0; returns false (nothing appended) once every range has been formatted. Each chunk is a valid
 * set text on its own, for splitting a huge set into several commands. */
bool imap_uidset_format_chunk(const struct imap_uidset *set, size_t *pos, size_t max_len, struct buf *out);

/* Parses a sequence set ("1:4,7,9:8") of exactly len bytes at text (no NUL needed). Strict: no empty
 * set, no empty element, no 0, no leading zero, no number over 2^32-1, no spaces or other junk. "*" is
 * accepted only when star != 0 and then stands for star (say, the mailbox's highest UID, or
 * UINT32_MAX). At most max_ranges elements (0: IMAP_UIDSET_MAX_RANGES) are accepted, so a hostile text
 * costs bounded memory; time is linear for ascending input and O(n log n) otherwise. Returns 0 with set
 * (initialised; old contents dropped) holding the UIDs, or -1 with *error_r (static) and set empty. */
int imap_uidset_parse(struct imap_uidset *set, const char *text, size_t len, uint32_t star, size_t max_ranges,
		      const char **error_r);

#endif
