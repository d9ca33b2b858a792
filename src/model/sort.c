/* sort.c: ordering an index of messages, including reply threads (a JWZ-style parent link pass). */
#include "skua.h"
#include "sort.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sort_order_parse(const char *name, enum sort_order *order_r)
{
	static const struct {
		const char *name;
		enum sort_order order;
	} names[] = {
		{ "date", SORT_DATE }, { "threads", SORT_THREADS }, { "from", SORT_FROM },
		{ "subject", SORT_SUBJECT }, { "size", SORT_SIZE },
	};
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*order_r = names[i].order;
			return 0;
		}
	}
	return -1;
}

void sort_msg_clear(struct sort_msg *m)
{
	free(m->from);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	free(m->references);
	memset(m, 0, sizeof(*m));
}

struct sort_key {
	const struct sort_msg *m;
	size_t index;
	const char *key;    /* for from/subject */
	size_t key_len;
};

static int cmp_newest(const struct sort_msg *a, const struct sort_msg *b)
{
	if (a->date != b->date)
		return a->date > b->date ? -1 : 1;
	if (a->uid != b->uid)
		return a->uid > b->uid ? -1 : 1;
	return 0;
}

static int cmp_date_key(const void *pa, const void *pb)
{
	const struct sort_key *a = pa, *b = pb;
	return cmp_newest(a->m, b->m);
}

static int cmp_text_key(const void *pa, const void *pb)
{
	const struct sort_key *a = pa, *b = pb;
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int r = strncasecmp(a->key, b->key, n);

	if (r == 0 && a->key_len != b->key_len)
		r = a->key_len < b->key_len ? -1 : 1;
	return r != 0 ? r : cmp_newest(a->m, b->m);
}

static int cmp_size_key(const void *pa, const void *pb)
{
	const struct sort_key *a = pa, *b = pb;
	if (a->m->size != b->m->size)
		return a->m->size < b->m->size ? -1 : 1;
	return cmp_newest(a->m, b->m);
}

/* Subject without leading "Re:", "Fwd:", "Fw:", "Aw:" prefixes and blanks. */
static const char *subject_base(const char *s, size_t *len_r)
{
	static const char *const prefixes[] = { "re:", "fwd:", "fw:", "aw:", "re :" };
	bool again = true;

	if (s == NULL)
		s = "";
	while (again) {
		again = false;
		while (*s == ' ' || *s == '\t')
			s++;
		for (size_t i = 0; i < N_ELEMENTS(prefixes); i++) {
			size_t n = strlen(prefixes[i]);
			if (strncasecmp(s, prefixes[i], n) == 0) {
				s += n;
				again = true;
			}
		}
	}
	*len_r = strlen(s);
	return s;
}

/* The address part of a From value ("Name <a@b>" -> "a@b"), else the whole value. */
static const char *from_key(const char *s, size_t *len_r)
{
	const char *lt, *gt;

	if (s == NULL)
		s = "";
	lt = strrchr(s, '<');
	gt = lt != NULL ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL) {
		*len_r = (size_t)(gt - lt - 1);
		return lt + 1;
	}
	*len_r = strlen(s);
	return s;
}

/* --- threads --- */

struct id_table {
	const char **ids;
	size_t *idx;
	size_t *lens;
	size_t size;   /* power of two */
};

static uint64_t hash_id(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* Finds the next "<...>" id in s starting at *pos; returns it (without brackets) or NULL. */
static const char *next_id(const char *s, size_t *pos, size_t *len_r)
{
	const char *lt, *gt;

	if (s == NULL)
		return NULL;
	lt = strchr(s + *pos, '<');
	if (lt == NULL)
		return NULL;
	gt = strchr(lt, '>');
	if (gt == NULL)
		return NULL;
	*pos = (size_t)(gt - s) + 1;
	*len_r = (size_t)(gt - lt - 1);
	return lt + 1;
}

static void id_insert(struct id_table *t, const char *id, size_t len, size_t index)
{
	size_t mask = t->size - 1, i = (size_t)hash_id(id, len) & mask;

	while (t->ids[i] != NULL) {
		if (t->lens[i] == len && memcmp(t->ids[i], id, len) == 0)
			return; /* duplicate Message-ID: first wins */
		i = (i + 1) & mask;
	}
	t->ids[i] = id;
	t->lens[i] = len;
	t->idx[i] = index;
}

static bool id_lookup(const struct id_table *t, const char *id, size_t len, size_t *index_r)
{
	size_t mask = t->size - 1, i = (size_t)hash_id(id, len) & mask;

	while (t->ids[i] != NULL) {
		if (t->lens[i] == len && memcmp(t->ids[i], id, len) == 0) {
			*index_r = t->idx[i];
			return true;
		}
		i = (i + 1) & mask;
	}
	return false;
}

struct thread_ctx {
	const struct sort_msg *msgs;
	size_t *parent;        /* SIZE_MAX for roots */
	size_t *first_child, *next_sibling;
	int64_t *activity;     /* newest date in the subtree */
	struct sort_line *lines;
	size_t nlines, limit;
};

static bool is_ancestor(const size_t *parent, size_t anc, size_t node)
{
	/* bounded walk: parent links form a forest by construction */
	for (size_t p = node; p != SIZE_MAX; p = parent[p]) {
		if (p == anc)
			return true;
	}
	return false;
}

static void emit_thread(struct thread_ctx *tc, size_t node, unsigned int depth)
{
	/* iterative DFS to survive very deep threads */
	size_t *stack = NULL, cap = 0, n = 0;
	unsigned int *depths = NULL;
	size_t dcap = 0;

	stack = xgrow(stack, &cap, 1, sizeof(*stack));
	depths = xgrow(depths, &dcap, 1, sizeof(*depths));
	stack[n] = node;
	depths[n++] = depth;
	while (n > 0 && tc->nlines < tc->limit) {
		size_t cur = stack[--n];
		unsigned int d = depths[n];
		size_t kids = 0;

		tc->lines[tc->nlines].index = cur;
		tc->lines[tc->nlines++].depth = d;
		for (size_t c = tc->first_child[cur]; c != SIZE_MAX; c = tc->next_sibling[c])
			kids++;
		stack = xgrow(stack, &cap, n + kids, sizeof(*stack));
		depths = xgrow(depths, &dcap, n + kids, sizeof(*depths));
		/* children are kept oldest first: push in reverse so the oldest pops first */
		size_t base = n;
		for (size_t c = tc->first_child[cur]; c != SIZE_MAX; c = tc->next_sibling[c]) {
			stack[n] = c;
			depths[n++] = d + 1;
		}
		for (size_t i = 0; i < kids / 2; i++) {
			size_t t = stack[base + i];
			stack[base + i] = stack[base + kids - 1 - i];
			stack[base + kids - 1 - i] = t;
		}
	}
	free(stack);
	free(depths);
}

static const struct thread_ctx *root_cmp_ctx;

static int cmp_roots(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct thread_ctx *tc = root_cmp_ctx;

	if (tc->activity[a] != tc->activity[b])
		return tc->activity[a] > tc->activity[b] ? -1 : 1;
	return cmp_newest(&tc->msgs[a], &tc->msgs[b]);
}

static size_t sort_threads(const struct sort_msg *msgs, size_t count, size_t limit, struct sort_line *lines)
{
	struct thread_ctx tc;
	struct id_table t;
	size_t *roots, nroots = 0, *order;

	memset(&tc, 0, sizeof(tc));
	tc.msgs = msgs;
	tc.lines = lines;
	tc.limit = limit;
	t.size = 16;
	while (t.size < count * 2)
		t.size *= 2;
	t.ids = xcalloc(t.size, sizeof(*t.ids));
	t.idx = xcalloc(t.size, sizeof(*t.idx));
	t.lens = xcalloc(t.size, sizeof(*t.lens));
	for (size_t i = 0; i < count; i++) {
		size_t pos = 0, len;
		const char *id = next_id(msgs[i].message_id, &pos, &len);
		if (id != NULL)
			id_insert(&t, id, len, i);
	}
	tc.parent = xmalloc(count * sizeof(size_t) + 1);
	tc.first_child = xmalloc(count * sizeof(size_t) + 1);
	tc.next_sibling = xmalloc(count * sizeof(size_t) + 1);
	tc.activity = xmalloc(count * sizeof(int64_t) + 1);
	for (size_t i = 0; i < count; i++) {
		tc.parent[i] = tc.first_child[i] = tc.next_sibling[i] = SIZE_MAX;
		tc.activity[i] = msgs[i].date;
	}
	/* parent: In-Reply-To, else the last resolvable References entry; never a cycle */
	for (size_t i = 0; i < count; i++) {
		size_t pos = 0, len, p = SIZE_MAX, cand;
		const char *id = next_id(msgs[i].in_reply_to, &pos, &len);

		if (id != NULL && id_lookup(&t, id, len, &cand) && cand != i)
			p = cand;
		if (p == SIZE_MAX) {
			pos = 0;
			while ((id = next_id(msgs[i].references, &pos, &len)) != NULL) {
				if (id_lookup(&t, id, len, &cand) && cand != i)
					p = cand;
			}
		}
		if (p != SIZE_MAX && !is_ancestor(tc.parent, i, p))
			tc.parent[i] = p;
	}
	/* children lists, oldest first: insert in date order */
	order = xmalloc(count * sizeof(size_t) + 1);
	for (size_t i = 0; i < count; i++)
		order[i] = i;
	{
		/* sort newest first, then prepend: lists end up oldest first */
		struct sort_key *keys = xmalloc(count * sizeof(*keys) + 1);
		for (size_t i = 0; i < count; i++) {
			keys[i].m = &msgs[i];
			keys[i].index = i;
		}
		qsort(keys, count, sizeof(*keys), cmp_date_key);
		for (size_t k = 0; k < count; k++) {
			size_t i = keys[k].index, p = tc.parent[i];
			if (p == SIZE_MAX)
				continue;
			tc.next_sibling[i] = tc.first_child[p];
			tc.first_child[p] = i;
		}
		/* activity: propagate each message's date to its ancestors */
		for (size_t i = 0; i < count; i++) {
			for (size_t p = tc.parent[i]; p != SIZE_MAX; p = tc.parent[p]) {
				if (tc.activity[p] >= msgs[i].date)
					break;
				tc.activity[p] = msgs[i].date;
			}
		}
		free(keys);
	}
	roots = order;
	for (size_t i = 0; i < count; i++) {
		if (tc.parent[i] == SIZE_MAX)
			roots[nroots++] = i;
	}
	root_cmp_ctx = &tc;
	qsort(roots, nroots, sizeof(*roots), cmp_roots);
	root_cmp_ctx = NULL;
	for (size_t r = 0; r < nroots && tc.nlines < limit; r++)
		emit_thread(&tc, roots[r], 0);
	free(order);
	free(t.ids);
	free(t.idx);
	free(t.lens);
	free(tc.parent);
	free(tc.first_child);
	free(tc.next_sibling);
	free(tc.activity);
	return tc.nlines;
}

size_t sort_messages(const struct sort_msg *msgs, size_t count, enum sort_order order, size_t limit,
		     struct sort_line **lines_r)
{
	struct sort_key *keys;
	size_t n = count < limit ? count : limit;
	struct sort_line *lines = xmalloc((n ? n : 1) * sizeof(*lines));

	*lines_r = lines;
	if (n == 0)
		return 0;
	if (order == SORT_THREADS)
		return sort_threads(msgs, count, n, lines);
	keys = xmalloc(count * sizeof(*keys));
	for (size_t i = 0; i < count; i++) {
		keys[i].m = &msgs[i];
		keys[i].index = i;
	}
	qsort(keys, count, sizeof(*keys), cmp_date_key);
	for (size_t i = 0; i < n; i++) {
		if (order == SORT_FROM)
			keys[i].key = from_key(keys[i].m->from, &keys[i].key_len);
		else if (order == SORT_SUBJECT)
			keys[i].key = subject_base(keys[i].m->subject, &keys[i].key_len);
	}
	if (order == SORT_FROM || order == SORT_SUBJECT)
		qsort(keys, n, sizeof(*keys), cmp_text_key);
	else if (order == SORT_SIZE)
		qsort(keys, n, sizeof(*keys), cmp_size_key);
	for (size_t i = 0; i < n; i++) {
		lines[i].index = keys[i].index;
		lines[i].depth = 0;
	}
	free(keys);
	return n;
}
