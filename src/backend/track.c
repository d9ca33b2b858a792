/* track.c: the selected mailbox as the server changes it: untagged EXISTS, EXPUNGE, VANISHED and FETCH
 * FLAGS, whatever command brought them, applied to the header cache and gathered for the UI. */
#include "skua.h"
#include "track.h"
#include "imap/imap-fetch.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct track {
	struct hcache *hc;
	char *account, *mailbox;
	uint32_t uidvalidity;
	uint32_t uidnext;           /* new messages have UIDs from here on */
	uint32_t exists;            /* the count as the server says it, after expunges */
	uint32_t *uids;             /* ascending; sequence number n is uids[n - 1] (when known) */
	size_t n, cap;
	bool known;
	bool want_new;              /* EXISTS grew beyond what was fetched */
	uint32_t new_cmd;           /* the fetch of new messages in flight, 0 none */
	struct hcache_txn *txn;     /* open while cache writes are pending */
	uint32_t deleted_cached;    /* records of UIDs the state counts, deleted in txn */
	uint32_t state_uidnext;     /* the cached state's UIDNEXT (it counts the records below), 0 none */
	struct track_changes *changes;
};

void track_changes_free(void *changes)
{
	struct track_changes *c = changes;

	if (c == NULL)
		return;
	free(c->mailbox);
	free(c->flags);
	imap_uidset_clear(&c->expunged);
	worker_batch_free(c->added);
	free(c);
}

struct track *track_new(struct hcache *hc, const char *account, const char *mailbox, uint32_t uidvalidity,
			uint32_t uidnext, uint32_t exists)
{
	struct track *t = xcalloc(1, sizeof(*t));

	t->hc = hc;
	t->account = xstrdup(account);
	t->mailbox = xstrdup(mailbox);
	t->uidvalidity = uidvalidity;
	t->uidnext = uidnext > 0 ? uidnext : 1;
	t->exists = exists;
	return t;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void track_set_uids(struct track *t, uint32_t *uids, size_t n)
{
	free(t->uids);
	t->uids = uids;
	t->n = t->cap = n;
	if (n > 1)
		qsort(t->uids, n, sizeof(*t->uids), cmp_u32);
	t->known = n == t->exists;
	if (!t->known)
		log_info("tracking %s: %zu UIDs for %u messages: sequence numbers not followed", t->mailbox, n,
			 t->exists);
	if (n > 0 && t->uids[n - 1] >= t->uidnext)
		t->uidnext = t->uids[n - 1] + 1;
}

const char *track_mailbox(const struct track *t)
{
	return t->mailbox;
}

uint32_t track_uidvalidity(const struct track *t)
{
	return t->uidvalidity;
}

static struct track_changes *changes(struct track *t)
{
	if (t->changes == NULL) {
		t->changes = xcalloc(1, sizeof(*t->changes));
		t->changes->mailbox = xstrdup(t->mailbox);
		t->changes->uidvalidity = t->uidvalidity;
		imap_uidset_init(&t->changes->expunged);
	}
	t->changes->exists = t->exists;
	return t->changes;
}

static struct hcache_txn *txn(struct track *t)
{
	const char *error;

	struct hcache_state st;

	if (t->txn == NULL && t->hc != NULL && t->uidvalidity != 0) {
		if (hcache_begin(t->hc, t->account, t->mailbox, &t->txn, &error) < 0) {
			log_warn("%s: the header cache misses a change (the next open finds it)", error);
			t->txn = NULL;
			return NULL;
		}
		t->state_uidnext = hcache_txn_get_state(t->txn, &st) > 0 && st.uidvalidity == t->uidvalidity ?
			st.uidnext : 0;
	}
	return t->txn;
}

static void gone(struct track *t, uint32_t uid)
{
	struct hcache_txn *tx = txn(t);
	bool existed = false;

	imap_uidset_add(&changes(t)->expunged, uid);
	if (tx != NULL && hcache_txn_remove(tx, t->uidvalidity, uid, &existed) == 0 && existed &&
	    uid < t->state_uidnext)
		t->deleted_cached++;
}

static void expunge_seq(struct track *t, uint32_t seq)
{
	if (t->exists > 0)
		t->exists--;
	if (!t->known || seq == 0 || seq > t->n) {
		t->known = false; /* the next sync finds it */
		changes(t);
		return;
	}
	uint32_t uid = t->uids[seq - 1];
	memmove(t->uids + seq - 1, t->uids + seq, (t->n - seq) * sizeof(*t->uids));
	t->n--;
	gone(t, uid);
}

/* A record a VANISHED range removed from the cache (the tracker did not know the mailbox's UIDs). */
static void vanished_removed(void *ctx, uint32_t uid)
{
	struct track *t = ctx;

	imap_uidset_add(&changes(t)->expunged, uid);
	if (uid < t->state_uidnext)
		t->deleted_cached++;
	if (t->exists > 0)
		t->exists--;
}

static void vanished(struct track *t, const char *set)
{
	const char *p = set;
	uint32_t lo, hi;

	while (imap_uidset_next(&p, &lo, &hi) > 0) {
		if (!t->known) {
			/* what the cache holds there, whatever the range spans */
			struct hcache_txn *tx = txn(t);

			if (tx != NULL)
				(void)hcache_txn_remove_range(tx, t->uidvalidity, lo, hi, vanished_removed, t);
			continue;
		}
		/* the known UIDs in lo..hi: found by binary search, walked while they last */
		size_t i = 0, j;
		for (size_t n = t->n; n > 0;) {
			size_t half = n / 2;
			if (t->uids[i + half] < lo) {
				i += half + 1;
				n -= half + 1;
			} else {
				n = half;
			}
		}
		for (j = i; j < t->n && t->uids[j] <= hi; j++) {
			if (t->exists > 0)
				t->exists--;
			gone(t, t->uids[j]);
		}
		memmove(t->uids + i, t->uids + j, (t->n - j) * sizeof(*t->uids));
		t->n -= j - i;
	}
}

static void added(struct track *t, const struct imap_fetch *f)
{
	struct hcache_msg m;
	struct record_strings strs;
	struct hcache_txn *tx;
	struct track_changes *c;

	if (!record_from_fetch(f, &m, &strs))
		return;
	if (m.uid >= t->uidnext) {
		t->uidnext = m.uid + 1;
		if (t->known) {
			t->uids = xgrow(t->uids, &t->cap, t->n + 1, sizeof(*t->uids));
			t->uids[t->n++] = m.uid;
		}
		/* the cache's state does not count it: the next sync fetches it again as new, and counts it */
		if ((tx = txn(t)) != NULL)
			(void)hcache_txn_put(tx, t->uidvalidity, &m);
		c = changes(t);
		if (c->added == NULL)
			c->added = worker_batch_new();
		worker_batch_add(c->added, &m);
	}
	record_free(&strs);
}

static void flags_changed(struct track *t, const struct imap_fetch *f)
{
	uint32_t uid = f->uid;
	struct hcache_txn *tx;
	struct track_changes *c;

	if (uid == 0 && t->known && f->seq >= 1 && f->seq <= t->n)
		uid = t->uids[f->seq - 1];
	if (uid == 0 || uid >= t->uidnext)
		return;
	if ((tx = txn(t)) != NULL)
		(void)hcache_txn_set_flags(tx, t->uidvalidity, uid, f->flags, f->modseq);
	c = changes(t);
	c->flags = xgrow(c->flags, &c->flags_cap, c->n_flags + 1, sizeof(*c->flags));
	c->flags[c->n_flags++] = (struct track_flag){ uid, f->flags, f->modseq };
}

void track_event(struct track *t, const struct imap_event *ev)
{
	switch (ev->type) {
	case IMAP_EVENT_EXISTS:
		if (ev->u.number > t->exists)
			t->want_new = true;
		t->exists = ev->u.number;
		changes(t);
		break;
	case IMAP_EVENT_EXPUNGE:
		expunge_seq(t, ev->u.number);
		break;
	case IMAP_EVENT_VANISHED:
		if (!ev->u.vanished.earlier)
			vanished(t, ev->u.vanished.uidset);
		break;
	case IMAP_EVENT_FETCH: {
		const struct imap_fetch *f = &ev->u.fetch;
		bool headers = false;

		for (size_t i = 0; i < f->n_sections && !headers; i++)
			headers = strncmp(f->sections[i].section, "HEADER", 6) == 0;
		if (headers && ev->cmd == t->new_cmd && t->new_cmd != 0)
			added(t, f);
		else if (f->has_flags)
			flags_changed(t, f);
		break;
	}
	case IMAP_EVENT_DONE:
		if (ev->cmd == t->new_cmd && t->new_cmd != 0)
			t->new_cmd = 0;
		break;
	default:
		break;
	}
}

bool track_wants_new(const struct track *t)
{
	return t->want_new && t->new_cmd == 0;
}

uint32_t track_fetch_new(struct track *t, struct imap_engine *engine)
{
	char set[32];

	snprintf(set, sizeof(set), "%u:4294967295", t->uidnext);
	t->want_new = false;
	t->new_cmd = imap_engine_cmd_fetch(engine, set,
					   record_fetch_items((imap_engine_capabilities(engine) & IMAP_CAPA_CONDSTORE) != 0));
	return t->new_cmd;
}

/* Commits the cache writes, with the state's count following the records it counts. */
static void commit(struct track *t)
{
	struct hcache_state st;
	const char *error;

	if (t->txn == NULL)
		return;
	if (t->deleted_cached > 0 && hcache_txn_get_state(t->txn, &st) > 0 && st.uidvalidity == t->uidvalidity) {
		st.exists = st.exists > t->deleted_cached ? st.exists - t->deleted_cached : 0;
		hcache_txn_set_state(t->txn, &st);
	}
	t->deleted_cached = 0;
	if (hcache_commit(&t->txn, &error) < 0)
		log_warn("%s: the header cache misses a change (the next open finds it)", error);
}

struct track_changes *track_flush(struct track *t)
{
	struct track_changes *c = t->changes;

	commit(t);
	t->changes = NULL;
	return c;
}

void track_free(struct track **track)
{
	struct track *t = *track;

	if (t == NULL)
		return;
	commit(t);
	track_changes_free(t->changes);
	free(t->uids);
	free(t->account);
	free(t->mailbox);
	free(t);
	*track = NULL;
}
