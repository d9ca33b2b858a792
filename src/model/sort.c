/* sort.c: ordering a folder index by a key, or into reply threads (JWZ with a subject fallback). */
#include "skua.h"
#include "sort.h"
#include "lib/hash.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NONE UINT32_MAX

int sort_order_parse(const char *name, enum sort_order *order_r)
{
	static const struct {
		const char *name;
		enum sort_order order;
	} names[] = {
		{ "date", SORT_DATE }, { "arrival", SORT_ARRIVAL }, { "threads", SORT_THREADS },
		{ "from", SORT_FROM }, { "subject", SORT_SUBJECT }, { "size", SORT_SIZE },
	};
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*order_r = names[i].order;
			return 0;
		}
	}
	return -1;
}

/* --- text keys --- */

/* Simple case folding of one code point: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic. */
static uint32_t fold_cp(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if ((c >= 0x100 && c <= 0x137 && c != 0x130) || (c >= 0x14a && c <= 0x177))
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1) ? c + 1 : c;
	if (c == 0x130)
		return 'i';
	if (c == 0x178)
		return 0xff;
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
		return c + 0x20;
	if (c == 0x386)
		return 0x3ac;
	if (c >= 0x388 && c <= 0x38a)
		return c + 0x25;
	if (c == 0x38c)
		return 0x3cc;
	if (c == 0x38e || c == 0x38f)
		return c + 0x3f;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	return c;
}

/* Returns s[0..len) casefolded (UTF-8; folding never lengthens it), malloc'd. */
static char *casefold(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		if (p[0] >= 0xc2 && p[0] <= 0xdf && p + 1 < end && (p[1] & 0xc0) == 0x80) {
			uint32_t c = fold_cp((uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f));
			if (c < 0x80) {
				*o++ = (char)c;
			} else {
				*o++ = (char)(0xc0 | c >> 6);
				*o++ = (char)(0x80 | (c & 0x3f));
			}
			p += 2;
		} else if (*p < 0x80) {
			*o++ = (char)fold_cp(*p++);
		} else {
			*o++ = (char)*p++;
		}
	}
	*o = '\0';
	return out;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Skips leading blanks and reply/forward prefixes ("Re:", "RE :", "Re[2]:", "Fwd:", "Fw:", "Aw:",
 * "Sv:", "Antw:") of a decoded subject, and with `tags` also "[list]" tags between them. Returns where
 * the subject proper starts; *reply_r tells whether a reply or forward prefix was skipped. */
static const char *subject_base(const char *s, bool tags, bool *reply_r)
{
	static const char *const prefixes[] = { "re", "fwd", "fw", "aw", "sv", "antw" };
	bool again = true;

	*reply_r = false;
	while (again) {
		again = false;
		while (is_blank(*s))
			s++;
		if (tags && *s == '[') {
			const char *close = strchr(s, ']');
			if (close != NULL && close - s <= 64) {
				s = close + 1;
				again = true;
				continue;
			}
		}
		for (size_t i = 0; i < N_ELEMENTS(prefixes); i++) {
			size_t n = strlen(prefixes[i]);
			const char *p = s + n;

			if (strncasecmp(s, prefixes[i], n) != 0)
				continue;
			if (*p == '[' || *p == '^') { /* Re[2]: and Re^2: */
				const char *q = p + 1;
				while (*q >= '0' && *q <= '9')
					q++;
				if (q > p + 1 && (*p == '^' || *q++ == ']'))
					p = q;
			}
			while (is_blank(*p))
				p++;
			if (*p == ':') {
				s = p + 1;
				*reply_r = again = true;
				break;
			}
		}
	}
	return s;
}

enum key_kind { KEY_FROM, KEY_SUBJECT, KEY_THREAD_SUBJECT };

/* Computed keys of interned strings: each distinct string is decoded and folded once per sort. */
struct key_cache {
	enum key_kind kind;
	const struct hash_key *hkey; /* the sort's (see sort_key) */
	mindex_id *ids;   /* 0 empty */
	char **keys;
	bool *reply;
	size_t size, used;
};

static char *make_key(const struct mindex *idx, mindex_id id, enum key_kind kind, bool *reply_r)
{
	size_t len;
	const char *v = mindex_str(idx, id, &len);
	char *decoded, *key;

	*reply_r = false;
	if (v == NULL)
		return xstrdup("");
	if (kind == KEY_FROM) {
		const char *lt = NULL, *gt = NULL;
		for (size_t i = len; i-- > 0;) {
			if (v[i] == '<') {
				lt = v + i;
				break;
			}
		}
		if (lt != NULL)
			gt = memchr(lt, '>', len - (size_t)(lt - v));
		if (gt != NULL)
			return casefold(lt + 1, (size_t)(gt - lt - 1));
		while (len > 0 && is_blank(*v))
			v++, len--;
		while (len > 0 && is_blank(v[len - 1]))
			len--;
		return casefold(v, len);
	}
	decoded = mime_decode_text(v, len);
	v = subject_base(decoded, kind == KEY_THREAD_SUBJECT, reply_r);
	len = strlen(v);
	while (len > 0 && is_blank(v[len - 1]))
		len--;
	key = casefold(v, len);
	free(decoded);
	return key;
}

/* The tables of a sort hash what mail chose (string ids, whose values its string lengths steer, and
 * subjects) under a key drawn afresh for each sort: no one can aim collisions at it, and whatever a
 * sort could reveal of it is of no use to the next. */
static void sort_key(struct hash_key *key_r)
{
	hash_key_random(key_r);
}

static size_t id_home(const struct hash_key *key, mindex_id id, size_t size)
{
	return (size_t)hash_u64(key, id) & (size - 1);
}

/* Returns the key of string id (computed on first use). */
static const char *key_get(struct key_cache *kc, const struct mindex *idx, mindex_id id, bool *reply_r)
{
	size_t i;

	if ((kc->used + 1) * 2 > kc->size) {
		struct key_cache old = *kc;
		kc->size = old.size == 0 ? 256 : old.size * 2;
		kc->ids = xcalloc(kc->size, sizeof(*kc->ids));
		kc->keys = xcalloc(kc->size, sizeof(*kc->keys));
		kc->reply = xcalloc(kc->size, sizeof(*kc->reply));
		for (size_t j = 0; j < old.size; j++) {
			if (old.ids[j] == 0)
				continue;
			for (i = id_home(kc->hkey, old.ids[j], kc->size); kc->ids[i] != 0;
			     i = (i + 1) & (kc->size - 1))
				;
			kc->ids[i] = old.ids[j];
			kc->keys[i] = old.keys[j];
			kc->reply[i] = old.reply[j];
		}
		free(old.ids);
		free(old.keys);
		free(old.reply);
	}
	id = id != MINDEX_NONE ? id : NONE; /* the absent string gets a slot of its own */
	for (i = id_home(kc->hkey, id, kc->size); kc->ids[i] != 0 && kc->ids[i] != id; i = (i + 1) & (kc->size - 1))
		;
	if (kc->ids[i] == 0) {
		kc->ids[i] = id;
		kc->keys[i] = make_key(idx, id != NONE ? id : MINDEX_NONE, kc->kind, &kc->reply[i]);
		kc->used++;
	}
	if (reply_r != NULL)
		*reply_r = kc->reply[i];
	return kc->keys[i];
}

static void key_cache_free(struct key_cache *kc)
{
	for (size_t i = 0; i < kc->size; i++)
		free(kc->keys[i]);
	free(kc->ids);
	free(kc->keys);
	free(kc->reply);
	memset(kc, 0, sizeof(*kc));
}

/* --- orders by a key --- */

struct skey {
	int64_t when;        /* date or arrival: newest first */
	int64_t size;
	const char *text;
	uint32_t uid, pos;
};

static int cmp_newest(const struct skey *a, const struct skey *b)
{
	if (a->when != b->when)
		return a->when > b->when ? -1 : 1;
	if (a->uid != b->uid)
		return a->uid > b->uid ? -1 : 1;
	return 0;
}

static int cmp_when(const void *pa, const void *pb)
{
	return cmp_newest(pa, pb);
}

static int cmp_text(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;
	int r = strcmp(a->text, b->text);

	return r != 0 ? r : cmp_newest(a, b);
}

static int cmp_size(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;

	if (a->size != b->size)
		return a->size < b->size ? -1 : 1;
	return cmp_newest(a, b);
}

/* The key of the message at pos for the date, arrival and size orders. */
static struct skey key_of(const struct mindex_msg *m, enum sort_order order, size_t pos)
{
	return (struct skey){ .when = order == SORT_ARRIVAL ? m->internaldate : m->date, .size = m->size,
			      .text = NULL, .uid = m->uid, .pos = (uint32_t)pos };
}

static size_t sort_by_key(const struct mindex *idx, enum sort_order order, size_t limit, struct sort_line *lines)
{
	size_t count = mindex_count(idx), n = 0;
	struct skey *keys = xmalloc((mindex_live(idx) + 1) * sizeof(*keys));
	struct hash_key hkey;
	struct key_cache kc = { .kind = order == SORT_FROM ? KEY_FROM : KEY_SUBJECT, .hkey = &hkey };

	sort_key(&hkey);

	for (size_t pos = 0; pos < count; pos++) {
		const struct mindex_msg *m = mindex_get(idx, pos);
		if (m == NULL)
			continue;
		keys[n++] = key_of(m, order, pos);
	}
	qsort(keys, n, sizeof(*keys), cmp_when);
	if (n > limit)
		n = limit;
	if (order == SORT_FROM || order == SORT_SUBJECT) {
		for (size_t i = 0; i < n; i++) {
			const struct mindex_msg *m = mindex_get(idx, keys[i].pos);
			keys[i].text = key_get(&kc, idx, order == SORT_FROM ? m->from : m->subject, NULL);
		}
		qsort(keys, n, sizeof(*keys), cmp_text);
	} else if (order == SORT_SIZE) {
		qsort(keys, n, sizeof(*keys), cmp_size);
	}
	for (size_t i = 0; i < n; i++)
		lines[i] = (struct sort_line){ keys[i].pos, 0, 0, 0 };
	key_cache_free(&kc);
	free(keys);
	return n;
}

/* --- threads --- */

/* A container stands for one message id (JWZ): a message, or a message only referred to (missing). */
struct threader {
	const struct mindex *idx;
	struct hash_key hkey;  /* the sort's (see sort_key) */
	uint32_t *msgpos;      /* the message's position, NONE for a missing message */
	uint32_t *parent;      /* container links from the reply chains, NONE at the top */
	bool *is_parent;       /* some container has it as parent (else it cannot close a loop) */
	size_t ncont, cap;
	mindex_id *map_id;     /* message id -> container: open addressing, 0 empty */
	uint32_t *map_cont;
	size_t map_size, map_used;
};

static uint32_t new_container(struct threader *t)
{
	size_t cap = t->cap;

	t->msgpos = xgrow(t->msgpos, &cap, t->ncont + 1, sizeof(*t->msgpos));
	cap = t->cap;
	t->is_parent = xgrow(t->is_parent, &cap, t->ncont + 1, sizeof(*t->is_parent));
	t->parent = xgrow(t->parent, &t->cap, t->ncont + 1, sizeof(*t->parent));
	t->msgpos[t->ncont] = t->parent[t->ncont] = NONE;
	t->is_parent[t->ncont] = false;
	return (uint32_t)t->ncont++;
}

/* Returns the container of message id (creating it). */
static uint32_t container_of(struct threader *t, mindex_id id)
{
	size_t i;

	if ((t->map_used + 1) * 2 > t->map_size) {
		mindex_id *old_id = t->map_id;
		uint32_t *old_cont = t->map_cont;
		size_t old_size = t->map_size;

		t->map_size = old_size == 0 ? 1024 : old_size * 2;
		t->map_id = xcalloc(t->map_size, sizeof(*t->map_id));
		t->map_cont = xmalloc(t->map_size * sizeof(*t->map_cont));
		for (size_t j = 0; j < old_size; j++) {
			if (old_id[j] == 0)
				continue;
			for (i = id_home(&t->hkey, old_id[j], t->map_size); t->map_id[i] != 0;
			     i = (i + 1) & (t->map_size - 1))
				;
			t->map_id[i] = old_id[j];
			t->map_cont[i] = old_cont[j];
		}
		free(old_id);
		free(old_cont);
	}
	for (i = id_home(&t->hkey, id, t->map_size); t->map_id[i] != 0; i = (i + 1) & (t->map_size - 1)) {
		if (t->map_id[i] == id)
			return t->map_cont[i];
	}
	t->map_id[i] = id;
	t->map_used++;
	return t->map_cont[i] = new_container(t);
}

/* Whether making c the child of p would close a loop (c is p or one of its ancestors). */
static bool would_loop(const struct threader *t, uint32_t p, uint32_t c)
{
	if (!t->is_parent[c])
		return p == c;
	for (uint32_t x = p; x != NONE; x = t->parent[x]) {
		if (x == c)
			return true;
	}
	return false;
}

/* JWZ step 1: containers for every message and every id in the reply chains, linked by the chains. */
static void link_messages(struct threader *t)
{
	size_t count = mindex_count(t->idx);

	for (size_t pos = 0; pos < count; pos++) {
		const struct mindex_msg *m = mindex_get(t->idx, pos);
		mindex_id ids[MINDEX_MAX_REFS];
		uint32_t c, prev = NONE;
		size_t n;

		if (m == NULL)
			continue;
		c = m->message_id != MINDEX_NONE ? container_of(t, m->message_id) : NONE;
		if (c == NONE || t->msgpos[c] != NONE)
			c = new_container(t); /* no id, or a duplicate: a message of its own */
		t->msgpos[c] = (uint32_t)pos;
		n = mindex_refs(t->idx, m, ids);
		for (size_t k = 0; k < n; k++) {
			uint32_t r = container_of(t, ids[k]);
			/* keep links already made: an earlier chain said as much */
			if (prev != NONE && t->parent[r] == NONE && !would_loop(t, prev, r))
				t->is_parent[t->parent[r] = prev] = true;
			prev = r;
		}
		/* the message's own chain is the best word on its parent: it replaces a presumed one */
		if (prev != NONE && !would_loop(t, prev, c))
			t->is_parent[t->parent[c] = prev] = true;
	}
}

/* The threads as display trees over message containers only. */
struct forest {
	uint32_t *top;         /* the topmost container above (the thread's group) */
	uint32_t *mparent;     /* the nearest ancestor that has a message, NONE for a top-level message */
	uint32_t *first_child, *next_sibling;  /* oldest first */
	uint32_t *group_first; /* per top container: its top-level messages, oldest first */
	uint32_t *stack;
	size_t *stack_line;
};

/* Fills top and mparent for every container (JWZ steps 2-4: missing messages give way to their
 * children). Iterative: walks up to a known container, then resolves the path back down. */
static void find_tops(const struct threader *t, struct forest *f)
{
	for (size_t i = 0; i < t->ncont; i++)
		f->top[i] = NONE;
	for (size_t i = 0; i < t->ncont; i++) {
		size_t sp = 0;
		uint32_t x = (uint32_t)i;

		while (f->top[x] == NONE && t->parent[x] != NONE) {
			f->stack[sp++] = x;
			x = t->parent[x];
		}
		if (f->top[x] == NONE) {
			f->top[x] = x;
			f->mparent[x] = NONE;
		}
		while (sp > 0) {
			uint32_t c = f->stack[--sp], p = t->parent[c];
			f->top[c] = f->top[p];
			f->mparent[c] = t->msgpos[p] != NONE ? p : f->mparent[p];
		}
	}
}

struct tkey {
	int64_t date;
	uint32_t uid, cont;
};

static int cmp_oldest(const void *pa, const void *pb)
{
	const struct tkey *a = pa, *b = pb;

	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	return 0;
}

/* Whether root message container a is a better thread to join than b for the subject fallback. */
static bool better_root(const struct threader *t, uint32_t a, bool a_reply, uint32_t b, bool b_reply)
{
	const struct mindex_msg *ma = mindex_get(t->idx, t->msgpos[a]), *mb = mindex_get(t->idx, t->msgpos[b]);

	if (a_reply != b_reply)
		return !a_reply;
	if (ma->date != mb->date)
		return ma->date < mb->date;
	return ma->uid < mb->uid;
}

static size_t str_hash(const struct hash_key *key, const char *s)
{
	return (size_t)hash_bytes(key, s, strlen(s));
}

/* The subject fallback: a top-level message with no reply chain whose subject is a reply joins, under
 * its root, the thread whose root (oldest top-level message) has the same base subject. roots: each
 * group's root; tops: every top-level message. */
static void join_by_subject(const struct threader *t, struct forest *f, const uint32_t *roots, size_t nroots,
			    const uint32_t *tops, size_t ntops)
{
	struct key_cache kc = { .kind = KEY_THREAD_SUBJECT, .hkey = &t->hkey };
	const char **skey;
	uint32_t *best;
	bool *sreply;
	size_t size = 16, mask;

	while (size < nroots * 2)
		size *= 2;
	mask = size - 1;
	skey = xmalloc(size * sizeof(*skey));
	best = xmalloc(size * sizeof(*best));
	sreply = xmalloc(size * sizeof(*sreply));
	for (size_t i = 0; i < size; i++)
		best[i] = NONE;
	for (size_t r = 0; r < nroots; r++) {
		uint32_t c = roots[r];
		bool reply;
		const char *key = key_get(&kc, t->idx, mindex_get(t->idx, t->msgpos[c])->subject, &reply);
		size_t i;

		if (*key == '\0')
			continue;
		for (i = str_hash(&t->hkey, key) & mask; best[i] != NONE && strcmp(skey[i], key) != 0;
		     i = (i + 1) & mask)
			;
		if (best[i] == NONE || better_root(t, c, reply, best[i], sreply[i])) {
			skey[i] = key;
			best[i] = c;
			sreply[i] = reply;
		}
	}
	for (size_t k = 0; k < ntops; k++) {
		uint32_t c = tops[k];
		const struct mindex_msg *m = mindex_get(t->idx, t->msgpos[c]);
		bool reply;
		const char *key;
		size_t i;

		if (m->refs != MINDEX_NONE || m->subject == MINDEX_NONE)
			continue;
		key = key_get(&kc, t->idx, m->subject, &reply);
		if (!reply || *key == '\0')
			continue;
		for (i = str_hash(&t->hkey, key) & mask; best[i] != NONE && strcmp(skey[i], key) != 0;
		     i = (i + 1) & mask)
			;
		/* the best root never moves itself (it is the best for its own subject): no loops */
		if (best[i] != NONE && f->top[best[i]] != f->top[c])
			f->mparent[c] = best[i];
	}
	free(skey);
	free(best);
	free(sreply);
	key_cache_free(&kc);
}

struct group {
	int64_t activity;      /* the newest date in the thread */
	int64_t date;          /* the root's */
	uint32_t uid, first;   /* the root's UID; the first top-level message */
};

static int cmp_groups(const void *pa, const void *pb)
{
	const struct group *a = pa, *b = pb;

	if (a->activity != b->activity)
		return a->activity > b->activity ? -1 : 1;
	if (a->date != b->date)
		return a->date > b->date ? -1 : 1;
	if (a->uid != b->uid)
		return a->uid > b->uid ? -1 : 1;
	return 0;
}

struct emitter {
	const struct threader *t;
	struct forest *f;
	struct sort_line *lines;  /* NULL: only measure activity */
	size_t nlines, limit;
	int64_t activity;
};

/* Walks one thread (from its first top-level message, through the sibling links) in display order:
 * appends its lines, or with lines NULL finds its newest date. Iterative: threads may be deep. */
static void walk_thread(struct emitter *e, uint32_t first)
{
	const struct threader *t = e->t;
	struct forest *f = e->f;
	size_t sp = 0;
	uint32_t cur = first;

	while (cur != NONE) {
		size_t line = e->nlines;

		if (e->lines != NULL) {
			if (e->nlines == e->limit)
				break;
			e->lines[e->nlines++] = (struct sort_line){ t->msgpos[cur], 0,
				(uint16_t)(sp < UINT16_MAX ? sp : UINT16_MAX), 0 };
		} else {
			const struct mindex_msg *m = mindex_get(t->idx, t->msgpos[cur]);
			if (m->date > e->activity)
				e->activity = m->date;
		}
		if (f->first_child[cur] != NONE) {
			f->stack[sp] = cur;
			f->stack_line[sp++] = line;
			cur = f->first_child[cur];
			continue;
		}
		while (cur != NONE && f->next_sibling[cur] == NONE) {
			if (sp == 0) {
				cur = NONE;
				break;
			}
			cur = f->stack[--sp];
			if (e->lines != NULL)
				e->lines[f->stack_line[sp]].descendants = (uint32_t)(e->nlines - f->stack_line[sp] - 1);
		}
		if (cur != NONE)
			cur = f->next_sibling[cur];
	}
	while (sp > 0) { /* cut short by the limit */
		sp--;
		if (e->lines != NULL)
			e->lines[f->stack_line[sp]].descendants = (uint32_t)(e->nlines - f->stack_line[sp] - 1);
	}
}

static size_t sort_threads(const struct mindex *idx, bool reverse, size_t limit, struct sort_line *lines)
{
	struct threader t = { .idx = idx };
	struct forest f;
	struct emitter e;
	struct tkey *order;
	struct group *groups;
	uint32_t *roots, *tops;
	size_t nmsg = 0, nroots = 0, ntops = 0, ngroups = 0;

	sort_key(&t.hkey);
	link_messages(&t);
	f.top = xmalloc(t.ncont * sizeof(uint32_t));
	f.mparent = xmalloc(t.ncont * sizeof(uint32_t));
	f.first_child = xmalloc(t.ncont * sizeof(uint32_t));
	f.next_sibling = xmalloc(t.ncont * sizeof(uint32_t));
	f.group_first = xmalloc(t.ncont * sizeof(uint32_t));
	f.stack = xmalloc(t.ncont * sizeof(uint32_t));
	f.stack_line = xmalloc(t.ncont * sizeof(size_t));
	find_tops(&t, &f);

	/* message containers oldest first; each group's root is its oldest top-level message */
	order = xmalloc(t.ncont * sizeof(*order));
	for (size_t c = 0; c < t.ncont; c++) {
		const struct mindex_msg *m;
		f.first_child[c] = f.next_sibling[c] = f.group_first[c] = NONE;
		if (t.msgpos[c] == NONE)
			continue;
		m = mindex_get(idx, t.msgpos[c]);
		order[nmsg++] = (struct tkey){ m->date, m->uid, (uint32_t)c };
	}
	qsort(order, nmsg, sizeof(*order), cmp_oldest);
	roots = xmalloc((nmsg + 1) * sizeof(*roots));
	tops = xmalloc((nmsg + 1) * sizeof(*tops));
	for (size_t k = 0; k < nmsg; k++) {
		uint32_t c = order[k].cont;
		if (f.mparent[c] != NONE)
			continue;
		tops[ntops++] = c;
		if (f.group_first[f.top[c]] == NONE) {
			f.group_first[f.top[c]] = c;
			roots[nroots++] = c;
		}
	}
	join_by_subject(&t, &f, roots, nroots, tops, ntops);

	/* children and top-level lists, oldest first: prepend newest first */
	for (size_t c = 0; c < t.ncont; c++)
		f.group_first[c] = NONE;
	for (size_t k = nmsg; k-- > 0;) {
		uint32_t c = order[k].cont, *head;
		head = f.mparent[c] != NONE ? &f.first_child[f.mparent[c]] : &f.group_first[f.top[c]];
		f.next_sibling[c] = *head;
		*head = c;
	}

	/* threads, the most recently active first */
	groups = xmalloc((nroots + 1) * sizeof(*groups));
	e = (struct emitter){ .t = &t, .f = &f };
	for (size_t c = 0; c < t.ncont; c++) {
		const struct mindex_msg *m;
		uint32_t first = f.group_first[c];
		if (first == NONE)
			continue;
		m = mindex_get(idx, t.msgpos[first]);
		e.activity = m->date;
		walk_thread(&e, first);
		groups[ngroups++] = (struct group){ e.activity, m->date, m->uid, first };
	}
	qsort(groups, ngroups, sizeof(*groups), cmp_groups);
	e.lines = lines;
	e.limit = limit;
	for (size_t g = 0; g < ngroups && e.nlines < limit; g++)
		walk_thread(&e, groups[reverse ? ngroups - 1 - g : g].first);

	free(groups);
	free(roots);
	free(tops);
	free(order);
	free(f.top);
	free(f.mparent);
	free(f.first_child);
	free(f.next_sibling);
	free(f.group_first);
	free(f.stack);
	free(f.stack_line);
	free(t.msgpos);
	free(t.parent);
	free(t.is_parent);
	free(t.map_id);
	free(t.map_cont);
	return e.nlines;
}

size_t sort_messages(const struct mindex *idx, enum sort_order order, bool reverse, size_t limit,
		     struct sort_line **lines_r)
{
	size_t live = mindex_live(idx), n = live < limit ? live : limit;
	struct sort_line *lines = xmalloc((n ? n : 1) * sizeof(*lines));

	*lines_r = lines;
	if (n == 0)
		return 0;
	if (order == SORT_THREADS)
		return sort_threads(idx, reverse, n, lines);
	n = sort_by_key(idx, order, n, lines);
	for (size_t i = 0; reverse && i < n / 2; i++) {
		struct sort_line tmp = lines[i];
		lines[i] = lines[n - 1 - i];
		lines[n - 1 - i] = tmp;
	}
	return n;
}

size_t sort_merge(const struct mindex *idx, enum sort_order order, bool reverse, const struct sort_line *old,
		  size_t n_old, size_t first_new, struct sort_line **lines_r)
{
	size_t count = mindex_count(idx), k = 0, n = 0, i = 0, j = 0;
	struct skey *keys, cur;
	struct sort_line *lines;

	if (order != SORT_DATE && order != SORT_ARRIVAL)
		return SIZE_MAX;
	keys = xmalloc((count > first_new ? count - first_new : 1) * sizeof(*keys));
	for (size_t pos = first_new; pos < count; pos++) {
		const struct mindex_msg *m = mindex_get(idx, pos);
		if (m == NULL)
			continue;
		keys[k++] = key_of(m, order, pos);
	}
	qsort(keys, k, sizeof(*keys), cmp_when);
	lines = xmalloc((n_old + k ? n_old + k : 1) * sizeof(*lines));
	/* the old lines are in order (reversed when reverse); the new keys newest first */
	while (i < n_old || j < k) {
		const struct mindex_msg *m = NULL;
		bool take_old;

		if (i < n_old && (m = mindex_get(idx, old[i].pos)) == NULL) {
			i++; /* removed since */
			continue;
		}
		if (i >= n_old) {
			take_old = false;
		} else if (j >= k) {
			take_old = true;
		} else {
			int c;
			cur = key_of(m, order, old[i].pos);
			c = cmp_newest(&cur, &keys[reverse ? k - 1 - j : j]);
			take_old = reverse ? c > 0 : c < 0;
		}
		if (take_old) {
			lines[n] = old[i++];
		} else {
			memset(&lines[n], 0, sizeof(lines[n]));
			lines[n].pos = keys[reverse ? k - 1 - j : j].pos;
			j++;
		}
		lines[n].depth = 0;
		lines[n].descendants = 0;
		lines[n].flags = 0;
		n++;
	}
	free(keys);
	*lines_r = lines;
	return n;
}

/* --- collapsing --- */

void sort_collapse_all(struct sort_line *lines, size_t count, bool collapse)
{
	for (size_t i = 0; i < count; i++) {
		if (lines[i].depth == 0 && lines[i].descendants > 0 && collapse)
			lines[i].flags |= SORT_LINE_COLLAPSED;
		else if (!collapse)
			lines[i].flags &= (uint16_t)~SORT_LINE_COLLAPSED;
	}
}

size_t sort_visible(const struct sort_line *lines, size_t count, uint32_t **rows_r)
{
	size_t n = 0, cap = 0;
	uint32_t *rows = NULL;

	for (size_t i = 0; i < count; i++) {
		rows = xgrow(rows, &cap, n + 1, sizeof(*rows));
		rows[n++] = (uint32_t)i;
		if (lines[i].flags & SORT_LINE_COLLAPSED)
			i += lines[i].descendants;
	}
	*rows_r = rows;
	return n;
}

void sort_tree_links(const struct sort_line *lines, size_t n, size_t *parent_r, bool *more_r)
{
	size_t *last = NULL, cap = 0; /* last[d]: the latest line seen at depth d */
	size_t top = 0;               /* entries of last in use */

	for (size_t i = 0; i < n; i++) {
		unsigned d = lines[i].depth;
		more_r[i] = false;
		/* a depth deeper than parent + 1 (not from sort_messages) is taken as parent + 1 */
		if (d > top)
			d = (unsigned)top;
		if (d < top) {
			/* same depth as an earlier line still open: that one has a later sibling */
			more_r[last[d]] = true;
		}
		parent_r[i] = d == 0 ? SIZE_MAX : last[d - 1];
		last = xgrow(last, &cap, (size_t)d + 1, sizeof(*last));
		last[d] = i;
		top = (size_t)d + 1;
	}
	free(last);
}
