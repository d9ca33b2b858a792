/* imap-uidset.c: compressed UID sets (sorted, disjoint, non-adjacent ranges) and their protocol text. */
#include "skua.h"
#include "imap-uidset.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void imap_uidset_init(struct imap_uidset *set)
{
	set->ranges = NULL;
	set->count = set->cap = 0;
}

void imap_uidset_clear(struct imap_uidset *set)
{
	free(set->ranges);
	imap_uidset_init(set);
}

void imap_uidset_copy(struct imap_uidset *dst, const struct imap_uidset *src)
{
	if (dst == src)
		return;
	dst->count = 0;
	if (src->count > 0) {
		dst->ranges = xgrow(dst->ranges, &dst->cap, src->count, sizeof(*dst->ranges));
		memcpy(dst->ranges, src->ranges, src->count * sizeof(*dst->ranges));
	}
	dst->count = src->count;
}

void imap_uidset_move(struct imap_uidset *dst, struct imap_uidset *src)
{
	if (dst == src)
		return;
	free(dst->ranges);
	*dst = *src;
	imap_uidset_init(src);
}

/* Returns the first index whose range ends at or above v - 1 (so it overlaps or touches v), or count. */
static size_t first_touching(const struct imap_uidset *set, uint64_t v)
{
	size_t lo = 0, hi = set->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((uint64_t)set->ranges[mid].hi + 1 < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Returns the first index whose range starts above v, or count. */
static size_t first_above(const struct imap_uidset *set, uint64_t v)
{
	size_t lo = 0, hi = set->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->ranges[mid].lo <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replaces ranges [i, j) with n new ones (n <= 2) from repl. */
static void splice(struct imap_uidset *set, size_t i, size_t j, const struct imap_uid_range *repl, size_t n)
{
	size_t tail = set->count - j;

	if (n > j - i)
		set->ranges = xgrow(set->ranges, &set->cap, set->count + n - (j - i), sizeof(*set->ranges));
	memmove(set->ranges + i + n, set->ranges + j, tail * sizeof(*set->ranges));
	memcpy(set->ranges + i, repl, n * sizeof(*set->ranges));
	set->count = i + n + tail;
}

bool imap_uidset_add_range(struct imap_uidset *set, uint32_t lo, uint32_t hi)
{
	struct imap_uid_range r;
	size_t i, j;

	if (lo == 0 || hi == 0)
		return false;
	if (lo > hi) {
		uint32_t t = lo;
		lo = hi;
		hi = t;
	}
	if (set->count > 0) {
		struct imap_uid_range *last = &set->ranges[set->count - 1];
		if (lo > (uint64_t)last->hi + 1)
			goto append;
		if (lo >= last->lo) {
			if (hi > last->hi)
				last->hi = hi;
			return true;
		}
	} else {
		goto append;
	}
	/* ranges [i, j) overlap or touch lo:hi and merge with it */
	i = first_touching(set, lo);
	j = first_above(set, (uint64_t)hi + 1);
	r.lo = lo;
	r.hi = hi;
	if (i < j) {
		if (set->ranges[i].lo < r.lo)
			r.lo = set->ranges[i].lo;
		if (set->ranges[j - 1].hi > r.hi)
			r.hi = set->ranges[j - 1].hi;
	}
	splice(set, i, j, &r, 1);
	return true;
append:
	set->ranges = xgrow(set->ranges, &set->cap, set->count + 1, sizeof(*set->ranges));
	set->ranges[set->count].lo = lo;
	set->ranges[set->count].hi = hi;
	set->count++;
	return true;
}

bool imap_uidset_add(struct imap_uidset *set, uint32_t uid)
{
	return imap_uidset_add_range(set, uid, uid);
}

void imap_uidset_add_set(struct imap_uidset *dst, const struct imap_uidset *src)
{
	struct imap_uid_range *out;
	size_t i = 0, j = 0, n = 0, total;

	if (src->count == 0 || dst == src)
		return;
	if (dst->count == 0 || src->ranges[0].lo > (uint64_t)dst->ranges[dst->count - 1].hi + 1) {
		/* everything goes above, with a gap: append */
		dst->ranges = xgrow(dst->ranges, &dst->cap, dst->count + src->count, sizeof(*dst->ranges));
		memcpy(dst->ranges + dst->count, src->ranges, src->count * sizeof(*src->ranges));
		dst->count += src->count;
		return;
	}
	/* a linear merge by lower bound, coalescing as it goes */
	total = dst->count + src->count;
	out = xmalloc(total * sizeof(*out));
	while (i < dst->count || j < src->count) {
		struct imap_uid_range r;
		if (j >= src->count || (i < dst->count && dst->ranges[i].lo <= src->ranges[j].lo))
			r = dst->ranges[i++];
		else
			r = src->ranges[j++];
		if (n > 0 && r.lo <= (uint64_t)out[n - 1].hi + 1) {
			if (r.hi > out[n - 1].hi)
				out[n - 1].hi = r.hi;
		} else {
			out[n++] = r;
		}
	}
	free(dst->ranges);
	dst->ranges = out;
	dst->count = n;
	dst->cap = total;
}

void imap_uidset_remove_range(struct imap_uidset *set, uint32_t lo, uint32_t hi)
{
	struct imap_uid_range keep[2];
	size_t i, j, n = 0;

	if (lo > hi) {
		uint32_t t = lo;
		lo = hi;
		hi = t;
	}
	if (hi == 0 || set->count == 0)
		return;
	if (lo == 0)
		lo = 1;
	/* ranges [i, j) intersect lo:hi */
	i = first_touching(set, (uint64_t)lo + 1);
	j = first_above(set, hi);
	if (i >= j)
		return;
	if (set->ranges[i].lo < lo)
		keep[n++] = (struct imap_uid_range){ set->ranges[i].lo, lo - 1 };
	if (set->ranges[j - 1].hi > hi)
		keep[n++] = (struct imap_uid_range){ hi + 1, set->ranges[j - 1].hi };
	splice(set, i, j, keep, n);
}

void imap_uidset_remove(struct imap_uidset *set, uint32_t uid)
{
	imap_uidset_remove_range(set, uid, uid);
}

bool imap_uidset_contains(const struct imap_uidset *set, uint32_t uid)
{
	size_t i;

	if (uid == 0)
		return false;
	i = first_touching(set, (uint64_t)uid + 1); /* first range with hi >= uid */
	return i < set->count && set->ranges[i].lo <= uid;
}

uint64_t imap_uidset_count(const struct imap_uidset *set)
{
	uint64_t n = 0;

	for (size_t i = 0; i < set->count; i++)
		n += (uint64_t)set->ranges[i].hi - set->ranges[i].lo + 1;
	return n;
}

bool imap_uidset_is_empty(const struct imap_uidset *set)
{
	return set->count == 0;
}

uint32_t imap_uidset_min(const struct imap_uidset *set)
{
	return set->count > 0 ? set->ranges[0].lo : 0;
}

uint32_t imap_uidset_max(const struct imap_uidset *set)
{
	return set->count > 0 ? set->ranges[set->count - 1].hi : 0;
}

bool imap_uidset_equal(const struct imap_uidset *a, const struct imap_uidset *b)
{
	return a->count == b->count &&
		(a->count == 0 || memcmp(a->ranges, b->ranges, a->count * sizeof(*a->ranges)) == 0);
}

void imap_uidset_iter_init(struct imap_uidset_iter *iter, const struct imap_uidset *set)
{
	iter->set = set;
	iter->range = 0;
	iter->next = set->count > 0 ? set->ranges[0].lo : 0;
}

bool imap_uidset_iter_next(struct imap_uidset_iter *iter, uint32_t *uid_r)
{
	const struct imap_uidset *set = iter->set;

	if (iter->range >= set->count)
		return false;
	*uid_r = (uint32_t)iter->next;
	if (iter->next < set->ranges[iter->range].hi) {
		iter->next++;
	} else if (++iter->range < set->count) {
		iter->next = set->ranges[iter->range].lo;
	}
	return true;
}

static size_t range_text(const struct imap_uid_range *r, char *out)
{
	int n = r->lo == r->hi ? snprintf(out, IMAP_UIDSET_RANGE_TEXT_MAX + 1, "%u", r->lo) :
		snprintf(out, IMAP_UIDSET_RANGE_TEXT_MAX + 1, "%u:%u", r->lo, r->hi);
	return (size_t)n;
}

void imap_uidset_format(const struct imap_uidset *set, struct buf *out)
{
	char text[IMAP_UIDSET_RANGE_TEXT_MAX + 1];

	for (size_t i = 0; i < set->count; i++) {
		if (i > 0)
			buf_append_c(out, ',');
		buf_append(out, text, range_text(&set->ranges[i], text));
	}
}

bool imap_uidset_format_chunk(const struct imap_uidset *set, size_t *pos, size_t max_len, struct buf *out)
{
	char text[IMAP_UIDSET_RANGE_TEXT_MAX + 1];
	size_t used = 0;

	if (*pos >= set->count)
		return false;
	for (; *pos < set->count; (*pos)++) {
		size_t n = range_text(&set->ranges[*pos], text);
		if (used > 0 && used + 1 + n > max_len)
			break;
		if (used > 0) {
			buf_append_c(out, ',');
			used++;
		}
		buf_append(out, text, n);
		used += n;
	}
	return true;
}

/* Reads a number or "*" at text[*pos]. Returns 0 with the value, -1 on junk. */
static int parse_number(const char *text, size_t len, size_t *pos, uint32_t star, uint32_t *num_r)
{
	size_t p = *pos, digits = 0;
	uint64_t n = 0;

	if (p < len && text[p] == '*') {
		if (star == 0)
			return -1;
		*num_r = star;
		*pos = p + 1;
		return 0;
	}
	if (p >= len || text[p] < '1' || text[p] > '9')
		return -1;
	while (p < len && text[p] >= '0' && text[p] <= '9') {
		if (++digits > 10)
			return -1;
		n = n * 10 + (uint64_t)(text[p] - '0');
		p++;
	}
	if (n > UINT32_MAX)
		return -1;
	*num_r = (uint32_t)n;
	*pos = p;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct imap_uid_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int imap_uidset_parse(struct imap_uidset *set, const char *text, size_t len, uint32_t star, size_t max_ranges,
		      const char **error_r)
{
	size_t pos = 0, n = 0;
	bool sorted = true;

	if (max_ranges == 0 || max_ranges > IMAP_UIDSET_MAX_RANGES)
		max_ranges = IMAP_UIDSET_MAX_RANGES;
	set->count = 0;
	if (len == 0) {
		*error_r = _("empty UID set");
		goto fail;
	}
	for (;;) {
		struct imap_uid_range r;

		if (parse_number(text, len, &pos, star, &r.lo) < 0)
			goto junk;
		r.hi = r.lo;
		if (pos < len && text[pos] == ':') {
			pos++;
			if (parse_number(text, len, &pos, star, &r.hi) < 0)
				goto junk;
			if (r.lo > r.hi) {
				uint32_t t = r.lo;
				r.lo = r.hi;
				r.hi = t;
			}
		}
		if (n == max_ranges) {
			*error_r = _("UID set too long");
			goto fail;
		}
		if (n == set->cap)
			set->ranges = xgrow(set->ranges, &set->cap, n + 1, sizeof(*set->ranges));
		if (n > 0 && r.lo < set->ranges[n - 1].lo)
			sorted = false;
		set->ranges[n++] = r;
		if (pos == len)
			break;
		if (text[pos] != ',')
			goto junk;
		pos++;
	}
	if (!sorted)
		qsort(set->ranges, n, sizeof(*set->ranges), cmp_range);
	/* coalesce in place */
	set->count = 0;
	for (size_t i = 0; i < n; i++) {
		struct imap_uid_range r = set->ranges[i];
		if (set->count > 0 && r.lo <= (uint64_t)set->ranges[set->count - 1].hi + 1) {
			if (r.hi > set->ranges[set->count - 1].hi)
				set->ranges[set->count - 1].hi = r.hi;
		} else {
			set->ranges[set->count++] = r;
		}
	}
	return 0;
junk:
	*error_r = _("malformed UID set");
fail:
	imap_uidset_clear(set);
	return -1;
}
