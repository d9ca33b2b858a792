/* sync.c: a mailbox's sync as a sans-I/O state machine: header cache, CONDSTORE/QRESYNC, VANISHED. */
#include "skua.h"
#include "sync.h"
#include "backend/record.h"
#include "imap/imap-fetch.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum phase {
	PH_NEW,          /* before sync_start */
	PH_COLD_SELECT,  /* SELECT/EXAMINE of a mailbox with nothing usable cached */
	PH_COLD,         /* every header, newest first, in pipelined chunks */
	PH_COLD_MORE,    /* the headers of mail that arrived during the cold read */
	PH_WARM,         /* (SELECT/EXAMINE and) the fast path's commands */
	PH_MISSING,      /* headers of cached-state messages the cache lacks */
	PH_OVER,         /* a final status was returned */
};

/* A flag change reported without headers (QRESYNC, CHANGEDSINCE). */
struct change {
	uint32_t uid, flags;
	uint64_t modseq;
};

struct sync {
	struct imap_engine *e;
	struct hcache *hc;
	struct hcache_txn *txn;
	struct sync_params p;
	struct sync_sink sink;
	struct mailbox_load_stats *stats, own_stats;
	enum phase phase;
	struct hcache_state st;      /* the cached state (valid when `have`) */
	bool have;
	uint32_t uidvalidity;        /* of the records written */
	uint32_t new_from;           /* header FETCHes of lower UIDs are ignored (the n:* quirk) */
	uint32_t select_cmd;         /* 0 once done (or when not sent) */
	char *refused;               /* the SELECT/EXAMINE's NO text, while the rest drains */
	char *failed;                /* a header FETCH's NO text, while the rest drains */
	uint32_t list_cmd;           /* the FETCH (UID FLAGS) or SEARCH whose results list the server's UIDs */
	bool list_failed;            /* that command, or another one of the fast path, failed */
	uint32_t *pending;           /* commands of this phase not done yet */
	size_t n_pending, pending_cap;
	uint32_t cold_exists;        /* EXISTS when the cold chunks were asked for */
	/* the server's UIDs (and flags, when server_flags), ascending once sorted */
	uint32_t *uids, *flags;
	size_t n, cap;
	bool have_list, server_flags;
	struct change *changes;
	size_t n_changes, changes_cap;
	uint32_t *vanished;          /* lo, hi pairs */
	size_t n_vanished, vanished_cap;
	uint32_t *missing;           /* on the server, below new_from, not in the cache */
	size_t n_missing, missing_cap;
	size_t cursor, change_cursor, vanished_cursor;
	size_t delivered;
	size_t new_count;            /* headers of UIDs >= new_from handed over */
	struct hcache_order_entry *fill; /* a cold fill's records, for their order keys at the end */
	size_t n_fill, fill_cap;
	size_t walked;               /* records hcache_newest passed */
	bool partial;
	size_t since_commit;         /* cache writes in the current transaction */
	bool state_dropped;          /* an earlier transaction of this sync cleared the state record */
	bool aborted;                /* the sink returned -1 */
	const char *cache_error;     /* why the cache could not be read */
};

/* ---- the cache ------------------------------------------------------------------------------ */

static void cache_failed(struct sync *s, const char *error)
{
	log_warn("%s: header cache bypassed", error);
	hcache_abort(&s->txn);
	s->hc = NULL;
}

static void cache_begin(struct sync *s)
{
	const char *error;

	s->since_commit = 0;
	if (s->hc != NULL && s->txn == NULL && hcache_begin(s->hc, s->p.account, s->p.mailbox, &s->txn, &error) < 0)
		cache_failed(s, error);
}

/* Counts one cache write; a long fill is committed in chunks so that a transaction's memory stays
 * bounded. The first chunk's commit drops the state record, so a crash before the final commit
 * leaves a cache that the next open does not trust (it fetches everything), never a wrong one. */
static void cache_wrote(struct sync *s)
{
	const char *error;

	if (s->txn == NULL || ++s->since_commit < MAILBOX_COMMIT_EVERY)
		return;
	if (!s->state_dropped) {
		struct hcache_state none;
		memset(&none, 0, sizeof(none));
		hcache_txn_set_state(s->txn, &none);
		s->state_dropped = true;
	}
	if (hcache_commit(&s->txn, &error) < 0) {
		cache_failed(s, error);
		return;
	}
	cache_begin(s);
}

/* Writes the selected mailbox's state, with `count` records known to be cached, and commits. ordered:
 * every record has its order keys (else they are written first when the state had them not). */
static void cache_finish(struct sync *s, size_t count, bool ordered)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(s->e);
	const char *error;

	if (s->txn == NULL)
		return;
	struct hcache_state st = { .uidvalidity = mb->uidvalidity, .uidnext = mb->uidnext,
				   .exists = (uint32_t)count, .highestmodseq = mb->highestmodseq };
	if (imap_engine_qresync(s->e))
		st.flags |= HCACHE_STATE_QRESYNC;
	if (ordered || hcache_txn_build_order(s->txn, mb->uidvalidity) == 0)
		st.flags |= HCACHE_STATE_ORDERED;
	hcache_txn_set_state(s->txn, &st);
	if (hcache_commit(&s->txn, &error) < 0)
		cache_failed(s, error);
}

/* The order keys of a cold fill, each order in key order, in chunked commits. */
static void cache_fill_order(struct sync *s)
{
	for (int o = 0; o < 2 && s->txn != NULL; o++) {
		hcache_order_sort(s->fill, s->n_fill, (enum hcache_order)o);
		for (size_t i = 0; i < s->n_fill && s->txn != NULL; i++) {
			const struct hcache_order_entry *e = &s->fill[i];

			if (hcache_txn_put_order(s->txn, s->uidvalidity, (enum hcache_order)o, e->uid,
						 o == HCACHE_ORDER_DATE ? e->date : e->internaldate) < 0)
				cache_failed(s, _("header cache: cannot store a record"));
			else
				cache_wrote(s);
		}
	}
	free(s->fill);
	s->fill = NULL;
	s->n_fill = s->fill_cap = 0;
}

/* ---- handing over ------------------------------------------------------------------------- */

static int deliver(struct sync *s, const struct hcache_msg *m)
{
	s->delivered++;
	if (s->sink.msg(s->sink.ctx, m) < 0) {
		s->aborted = true;
		return -1;
	}
	return 0;
}

/* Tells the consumer to forget what it was given (a fast path did not check out). */
static int deliver_reset(struct sync *s)
{
	if (s->delivered == 0)
		return 0;
	s->delivered = 0;
	s->new_count = 0;
	if (s->sink.msg(s->sink.ctx, NULL) < 0) {
		s->aborted = true;
		return -1;
	}
	return 0;
}

/* A FETCH with headers: build the record, hand it over, cache it. Returns 0, or -1 when the sink stopped. */
static int headers_event(struct sync *s, const struct imap_fetch *f)
{
	struct hcache_msg m;
	struct record_strings strs;
	int ret;

	if (f->uid < s->new_from || !record_from_fetch(f, &m, &strs))
		return 0;
	if (++s->stats->fetched % 500 == 0)
		log_debug("%s: %zu headers read", s->p.mailbox, s->stats->fetched);
	if (s->new_from > 0)
		s->new_count++;
	ret = deliver(s, &m);
	if (s->txn != NULL) {
		/* a cold fill cleared the mailbox first: nothing to look up; its order keys come at the end,
		 * in key order */
		bool cold = s->stats->method == MAILBOX_COLD;

		if (cold) {
			s->fill = xgrow(s->fill, &s->fill_cap, s->n_fill + 1, sizeof(*s->fill));
			s->fill[s->n_fill++] = (struct hcache_order_entry){ m.uid, m.date, m.internaldate };
		}
		if ((cold ? hcache_txn_put_new(s->txn, s->uidvalidity, &m) :
		     hcache_txn_put(s->txn, s->uidvalidity, &m)) < 0)
			cache_failed(s, _("header cache: cannot store a record"));
		else
			cache_wrote(s);
	}
	record_free(&strs);
	return ret;
}

/* ---- what the server says ------------------------------------------------------------------- */

static void add_server_uid(struct sync *s, uint32_t uid, uint32_t flags)
{
	if (s->n == s->cap) {
		size_t cap = s->cap;
		s->uids = xgrow(s->uids, &cap, s->n + 1, sizeof(*s->uids));
		cap = s->cap;
		s->flags = xgrow(s->flags, &cap, s->n + 1, sizeof(*s->flags));
		s->cap = cap;
	}
	s->uids[s->n] = uid;
	s->flags[s->n] = flags;
	s->n++;
}

/* Every data event of a sync: headers, the server's UID list, flag changes, VANISHED. Returns 0, or -1
 * when the sink stopped or the data made no sense (*error_r). */
static int data_event(struct sync *s, const struct imap_event *ev, const char **error_r)
{
	switch (ev->type) {
	case IMAP_EVENT_FETCH: {
		const struct imap_fetch *f = &ev->u.fetch;

		if (f->uid == 0)
			return 0;
		for (size_t i = 0; i < f->n_sections; i++) {
			if (strncasecmp(f->sections[i].section, "HEADER", 6) == 0 && f->sections[i].data != NULL) {
				if (headers_event(s, f) < 0) {
					*error_r = _("aborted");
					return -1;
				}
				return 0;
			}
		}
		if (s->server_flags && ev->cmd == s->list_cmd) {
			add_server_uid(s, f->uid, f->flags);
		} else if (f->has_flags && f->uid < s->new_from) {
			s->changes = xgrow(s->changes, &s->changes_cap, s->n_changes + 1, sizeof(*s->changes));
			s->changes[s->n_changes++] = (struct change){ f->uid, f->flags, f->modseq };
		}
		return 0;
	}
	case IMAP_EVENT_SEARCH:
		if (ev->cmd == s->list_cmd && !s->server_flags) {
			for (size_t i = 0; i < ev->u.search.count; i++)
				add_server_uid(s, ev->u.search.uids[i], 0);
		}
		return 0;
	case IMAP_EVENT_VANISHED: {
		const char *p = ev->u.vanished.uidset;
		uint32_t lo, hi;
		int ret;

		while ((ret = imap_uidset_next(&p, &lo, &hi)) > 0) {
			s->vanished = xgrow(s->vanished, &s->vanished_cap, s->n_vanished + 2, sizeof(uint32_t));
			s->vanished[s->n_vanished++] = lo;
			s->vanished[s->n_vanished++] = hi;
		}
		if (ret < 0) {
			*error_r = _("protocol error: a VANISHED response that is no UID set");
			return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_change(const void *a, const void *b)
{
	const struct change *x = a, *y = b;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Sorts what the server sent by UID (it usually arrives in order). */
static void sort_server(struct sync *s)
{
	bool sorted = true;

	for (size_t i = 1; i < s->n && sorted; i++)
		sorted = s->uids[i - 1] < s->uids[i];
	if (!sorted) {
		uint32_t *pairs = xmalloc(s->n * 2 * sizeof(uint32_t));
		for (size_t i = 0; i < s->n; i++) {
			pairs[2 * i] = s->uids[i];
			pairs[2 * i + 1] = s->flags[i];
		}
		qsort(pairs, s->n, 2 * sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < s->n; i++) {
			s->uids[i] = pairs[2 * i];
			s->flags[i] = pairs[2 * i + 1];
		}
		free(pairs);
	}
	/* a later report of the same UID wins: stable order is not needed, the last change is */
	if (s->n_changes > 1)
		qsort(s->changes, s->n_changes, sizeof(*s->changes), cmp_change);
	if (s->n_vanished > 2)
		qsort(s->vanished, s->n_vanished / 2, 2 * sizeof(uint32_t), cmp_u32);
}

static bool is_vanished(struct sync *s, uint32_t uid)
{
	/* ranges sorted by their low end; cached UIDs come in ascending order */
	while (s->vanished_cursor < s->n_vanished && s->vanished[s->vanished_cursor + 1] < uid &&
	       s->vanished[s->vanished_cursor] < uid)
		s->vanished_cursor += 2;
	for (size_t i = s->vanished_cursor; i < s->n_vanished && s->vanished[i] <= uid; i += 2) {
		if (uid <= s->vanished[i + 1])
			return true;
	}
	return false;
}

static void add_missing(struct sync *s, uint32_t uid)
{
	if (uid >= s->new_from)
		return;
	s->missing = xgrow(s->missing, &s->missing_cap, s->n_missing + 1, sizeof(*s->missing));
	s->missing[s->n_missing++] = uid;
}

static void cache_delete(struct sync *s, uint32_t uid)
{
	s->stats->expunged++;
	if (s->txn != NULL) {
		hcache_txn_delete(s->txn, s->uidvalidity, uid);
		cache_wrote(s);
	}
}

/* A cached record: merged with what the server said, then handed over. */
static int cached_event(void *ctx, const struct hcache_msg *cached)
{
	struct sync *s = ctx;
	struct hcache_msg m = *cached;

	if (m.uid >= s->new_from)
		return 0; /* not covered by the cached state: fetched again */
	if (s->have_list) {
		while (s->cursor < s->n && s->uids[s->cursor] < m.uid)
			add_missing(s, s->uids[s->cursor++]);
		if (s->cursor >= s->n || s->uids[s->cursor] != m.uid) {
			cache_delete(s, m.uid);
			return 0;
		}
		if (s->server_flags)
			m.flags = s->flags[s->cursor];
		s->cursor++;
	} else if (s->n_vanished > 0 && is_vanished(s, m.uid)) {
		cache_delete(s, m.uid);
		return 0;
	}
	while (s->change_cursor < s->n_changes && s->changes[s->change_cursor].uid < m.uid)
		s->change_cursor++;
	while (s->change_cursor < s->n_changes && s->changes[s->change_cursor].uid == m.uid) {
		m.flags = s->changes[s->change_cursor].flags;
		if (s->changes[s->change_cursor].modseq != 0)
			m.modseq = s->changes[s->change_cursor].modseq;
		s->change_cursor++;
	}
	if (m.flags != cached->flags || m.modseq != cached->modseq) {
		if (m.flags != cached->flags)
			s->stats->flag_changes++;
		if (s->txn != NULL) {
			hcache_txn_set_flags(s->txn, s->uidvalidity, m.uid, m.flags, m.modseq);
			cache_wrote(s);
		}
	}
	s->stats->from_cache++;
	return deliver(s, &m);
}

/* A record read back after a QRESYNC sync was applied to the cache: handed over as it is. */
static int applied_event(void *ctx, const struct hcache_msg *m)
{
	struct sync *s = ctx;

	if (m->uid >= s->new_from)
		return 0; /* handed over as it arrived */
	s->stats->from_cache++;
	return deliver(s, m);
}

/* ---- commands ------------------------------------------------------------------------------- */

static const char *fetch_items(const struct sync *s)
{
	return record_fetch_items((imap_engine_capabilities(s->e) & IMAP_CAPA_CONDSTORE) != 0);
}

static void pending_add(struct sync *s, uint32_t cmd)
{
	s->pending = xgrow(s->pending, &s->pending_cap, s->n_pending + 1, sizeof(*s->pending));
	s->pending[s->n_pending++] = cmd;
}

/* Removes cmd from the pending commands. Returns false when it is not one of them. */
static bool pending_done(struct sync *s, uint32_t cmd)
{
	for (size_t i = 0; i < s->n_pending; i++) {
		if (s->pending[i] == cmd) {
			memmove(s->pending + i, s->pending + i + 1, (s->n_pending - i - 1) * sizeof(*s->pending));
			s->n_pending--;
			return true;
		}
	}
	return false;
}

static void reset_lists(struct sync *s)
{
	s->n = s->n_changes = s->n_vanished = s->n_missing = 0;
	s->cursor = s->change_cursor = s->vanished_cursor = 0;
	s->list_cmd = 0;
	s->list_failed = s->have_list = s->server_flags = false;
	s->stats->from_cache = s->stats->fetched = s->stats->flag_changes = s->stats->expunged = 0;
}

/* First open (or a cache that cannot be used), the mailbox selected: every header, newest first, in
 * pipelined chunks by sequence number. Returns the status. */
static enum sync_status cold_begin(struct sync *s, const char **error_r);

/* Sends the fast path's commands for the method (behind the SELECT/EXAMINE when select). */
static void warm_begin(struct sync *s, enum mailbox_method method, bool select)
{
	char buf[96];

	s->stats->method = method;
	s->uidvalidity = s->st.uidvalidity;
	s->new_from = s->st.uidnext > 0 ? s->st.uidnext : 1;
	cache_begin(s);
	if (select) {
		s->select_cmd = method == MAILBOX_QRESYNC ?
			imap_engine_cmd_select_qresync(s->e, s->p.mailbox, s->p.readonly, s->st.uidvalidity,
						       s->st.highestmodseq) :
			imap_engine_cmd_select(s->e, s->p.mailbox, s->p.readonly);
		pending_add(s, s->select_cmd);
	}
	if (method == MAILBOX_CONDSTORE) {
		snprintf(buf, sizeof(buf), "(UID FLAGS) (CHANGEDSINCE %llu)", (unsigned long long)s->st.highestmodseq);
		pending_add(s, imap_engine_cmd_fetch(s->e, "1:*", buf));
		pending_add(s, s->list_cmd = imap_engine_cmd_search(s->e, "ALL"));
		s->have_list = true;
	} else if (method == MAILBOX_SWEEP) {
		pending_add(s, s->list_cmd = imap_engine_cmd_fetch(s->e, "1:*", "(UID FLAGS)"));
		s->have_list = s->server_flags = true;
	}
	/* an explicit upper bound, not "*": n:* would return the newest message even when there is
	 * nothing new, and the server would read its headers for nothing */
	snprintf(buf, sizeof(buf), "%u:4294967295", s->new_from);
	pending_add(s, imap_engine_cmd_fetch(s->e, buf, fetch_items(s)));
	s->list_failed = false;
	s->phase = PH_WARM;
}

/* Forgets what was handed over and starts again the long way: every UID and its flags, no SELECT. */
static enum sync_status fall_back(struct sync *s, const char **error_r)
{
	hcache_abort(&s->txn);
	if (deliver_reset(s) < 0) {
		*error_r = _("aborted");
		return SYNC_FAILED;
	}
	reset_lists(s);
	s->partial = false;
	s->stats->fell_back = true;
	warm_begin(s, MAILBOX_SWEEP, false);
	return SYNC_RUNNING;
}

/* Forgets what was handed over and reads everything (UIDVALIDITY changed, or the cache is unreadable). */
static enum sync_status restart_cold(struct sync *s, const char **error_r)
{
	hcache_abort(&s->txn);
	if (deliver_reset(s) < 0) {
		*error_r = _("aborted");
		return SYNC_FAILED;
	}
	reset_lists(s);
	s->partial = false;
	return cold_begin(s, error_r);
}

/* The warm sync's end: the counts add up, the cache takes the server's state. */
static enum sync_status warm_check(struct sync *s, const char **error_r)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(s->e);

	if (s->delivered != mb->exists) {
		log_info("%s sync of %s: %zu messages, the server counts %u", mailbox_method_name(s->stats->method),
			 s->p.mailbox, s->delivered, mb->exists);
		if (s->stats->method != MAILBOX_SWEEP)
			return fall_back(s, error_r);
	}
	cache_finish(s, s->delivered, (s->st.flags & HCACHE_STATE_ORDERED) != 0);
	return SYNC_DONE;
}

static int newest_event(void *ctx, const struct hcache_msg *m)
{
	struct sync *s = ctx;

	s->walked++;
	return applied_event(ctx, m);
}

/* Reads every cached record through fn. Returns SYNC_RUNNING to go on, SYNC_FAILED when the sink
 * stopped, or what a cold restart returns when the cache cannot be read. */
static enum sync_status read_cache(struct sync *s, hcache_msg_fn *fn, const char **error_r)
{
	const char *cerr;

	if (hcache_foreach(s->hc, s->p.account, s->p.mailbox, s->uidvalidity, fn, s, &cerr) < 0 && !s->aborted) {
		s->cache_error = cerr;
		cache_failed(s, cerr);
		return restart_cold(s, error_r);
	}
	if (s->aborted) {
		*error_r = _("aborted");
		return SYNC_FAILED;
	}
	return SYNC_RUNNING;
}

/* A cached record a VANISHED range removed. */
static void vanished_removed(void *ctx, uint32_t uid)
{
	struct sync *s = ctx;

	(void)uid;
	s->stats->expunged++;
}

/* QRESYNC: applies the changes to the cache by key, checks the
 * count, commits, then hands over the newest `limit` records (or all) from the cache. */
static enum sync_status qresync_apply(struct sync *s, const char **error_r)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(s->e);
	uint64_t deleted = 0, count;
	enum sync_status st;
	const char *cerr;
	int ret;

	sort_server(s);
	for (size_t i = 0; s->txn != NULL && i < s->n_vanished; i += 2) {
		uint32_t hi = s->vanished[i + 1] < s->new_from ? s->vanished[i + 1] : s->new_from - 1;

		if (hcache_txn_remove_range(s->txn, s->uidvalidity, s->vanished[i], hi, vanished_removed, s) < 0)
			break;
	}
	deleted = s->stats->expunged;
	for (size_t i = 0; s->txn != NULL && i < s->n_changes; i++) {
		const struct change *c = &s->changes[i];
		bool changed = false;

		if (hcache_txn_update_flags(s->txn, s->uidvalidity, c->uid, c->flags, c->modseq, &changed) < 0)
			break;
		if (changed)
			s->stats->flag_changes++;
	}
	if (s->txn == NULL)
		return fall_back(s, error_r); /* the cache failed meanwhile */
	count = (uint64_t)s->st.exists - (deleted < s->st.exists ? deleted : s->st.exists) + s->new_count;
	if (count != mb->exists) {
		log_info("qresync sync of %s: the cache counts %llu, the server %u", s->p.mailbox,
			 (unsigned long long)count, mb->exists);
		return fall_back(s, error_r);
	}
	cache_finish(s, (size_t)count, (s->st.flags & HCACHE_STATE_ORDERED) != 0);
	if (s->hc == NULL)
		return fall_back(s, error_r);
	if (s->p.limit != SIZE_MAX) {
		/* the new messages, handed over already, may be among the newest */
		size_t walk = s->p.limit + s->new_count;

		s->walked = 0;
		ret = hcache_newest(s->hc, s->p.account, s->p.mailbox, s->uidvalidity, s->p.limit_order, walk,
				    newest_event, s, &cerr);
		if (s->aborted) {
			*error_r = _("aborted");
			return SYNC_FAILED;
		}
		if (ret > 0) {
			/* the walk was cut by the limit, or it read every record */
			s->partial = s->walked >= walk;
			if (!s->partial && s->delivered != mb->exists)
				return fall_back(s, error_r);
			return SYNC_DONE;
		}
		if (ret < 0)
			log_warn("%s", cerr);
		/* the order cannot be trusted: hand everything over again, from the cache (which holds the
		 * new records too now) */
		if (deliver_reset(s) < 0) {
			*error_r = _("aborted");
			return SYNC_FAILED;
		}
		s->stats->from_cache = 0;
		s->new_from = UINT32_MAX;
	}
	if ((st = read_cache(s, applied_event, error_r)) != SYNC_RUNNING)
		return st;
	if (s->delivered != mb->exists) {
		log_info("qresync sync of %s: %zu messages, the server counts %u", s->p.mailbox, s->delivered,
			 mb->exists);
		return fall_back(s, error_r);
	}
	return SYNC_DONE;
}

/* Fetches the headers of the missing UIDs (ascending), in pipelined commands. */
static void fetch_missing(struct sync *s)
{
	struct buf set = BUF_INIT;

	for (size_t i = 0; i < s->n_missing;) {
		size_t j = i;

		while (j + 1 < s->n_missing && s->missing[j + 1] == s->missing[j] + 1)
			j++;
		if (set.len > 0)
			buf_append_c(&set, ',');
		if (j > i)
			buf_appendf(&set, "%u:%u", s->missing[i], s->missing[j]);
		else
			buf_appendf(&set, "%u", s->missing[i]);
		i = j + 1;
		if (set.len > MAILBOX_MAX_UIDSET || i >= s->n_missing) {
			pending_add(s, imap_engine_cmd_fetch(s->e, set.data, fetch_items(s)));
			buf_reset(&set);
		}
	}
	buf_free(&set);
	s->phase = PH_MISSING;
}

/* Every command of the fast path is done: merge the cache with the answers. */
static enum sync_status warm_merge(struct sync *s, const char **error_r)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(s->e);
	enum sync_status st;

	if (mb->uidvalidity != s->st.uidvalidity || s->hc == NULL)
		return restart_cold(s, error_r);
	if (s->list_failed)
		return fall_back(s, error_r);
	s->stats->unchanged = mb->highestmodseq != 0 && mb->highestmodseq == s->st.highestmodseq &&
		mb->uidnext == s->st.uidnext && mb->exists == s->st.exists;
	if (s->stats->method == MAILBOX_QRESYNC && s->txn != NULL)
		return qresync_apply(s, error_r);
	sort_server(s);
	if ((st = read_cache(s, cached_event, error_r)) != SYNC_RUNNING)
		return st;
	if (s->have_list) {
		while (s->cursor < s->n)
			add_missing(s, s->uids[s->cursor++]);
	}
	if (s->n_missing > 0) {
		if (s->stats->method == MAILBOX_QRESYNC)
			return fall_back(s, error_r); /* cannot happen with QRESYNC: records of an older format, say */
		s->new_from = 0;
		fetch_missing(s);
		return SYNC_RUNNING;
	}
	return warm_check(s, error_r);
}

static enum sync_status cold_begin(struct sync *s, const char **error_r)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(s->e);
	uint32_t hi = mb->exists, chunk = MAILBOX_FIRST_CHUNK;

	(void)error_r;
	s->stats->method = MAILBOX_COLD;
	s->uidvalidity = mb->uidvalidity;
	s->new_from = 0;
	s->n_fill = 0;
	hcache_abort(&s->txn);
	if (s->hc != NULL && mb->uidvalidity != 0) {
		cache_begin(s);
		if (s->txn != NULL)
			hcache_txn_clear(s->txn); /* the state goes too: nothing is trusted until the end */
		s->state_dropped = true;
	}
	s->cold_exists = mb->exists;
	while (hi >= 1) {
		uint32_t lo = hi > chunk ? hi - chunk + 1 : 1;
		char set[32];

		snprintf(set, sizeof(set), "%u:%u", lo, hi);
		pending_add(s, imap_engine_cmd_fetch_seq(s->e, set, fetch_items(s)));
		hi = lo - 1;
		chunk = chunk * 2 > MAILBOX_MAX_CHUNK ? MAILBOX_MAX_CHUNK : chunk * 2;
	}
	s->phase = PH_COLD;
	if (s->n_pending == 0) {
		cache_finish(s, 0, true);
		return SYNC_DONE;
	}
	return SYNC_RUNNING;
}

/* The cold read's chunks are in. */
static enum sync_status cold_end(struct sync *s, const char **error_r)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(s->e);

	if (s->failed != NULL) {
		*error_r = errstr(_("the server refused to send messages: %s"), s->failed);
		return SYNC_FAILED;
	}
	if (s->phase == PH_COLD && mb->exists > s->cold_exists) {
		/* mail arrived while we read */
		char set[32];
		snprintf(set, sizeof(set), "%u:*", s->cold_exists + 1);
		pending_add(s, imap_engine_cmd_fetch_seq(s->e, set, fetch_items(s)));
		s->phase = PH_COLD_MORE;
		return SYNC_RUNNING;
	}
	if (s->delivered != mb->exists)
		log_warn("first open of %s: %zu messages read, the server counts %u", s->p.mailbox, s->delivered,
			 mb->exists);
	cache_fill_order(s);
	cache_finish(s, s->delivered, s->txn != NULL);
	return SYNC_DONE;
}

/* ---- the machine ---------------------------------------------------------------------------- */

struct sync *sync_new(struct imap_engine *engine, struct hcache *hc, const struct sync_params *p,
		      const struct sync_sink *sink, struct mailbox_load_stats *stats_r)
{
	struct sync *s = xcalloc(1, sizeof(*s));

	s->e = engine;
	s->hc = hc;
	s->p = *p;
	s->sink = *sink;
	s->stats = stats_r != NULL ? stats_r : &s->own_stats;
	memset(s->stats, 0, sizeof(*s->stats));
	s->phase = PH_NEW;
	return s;
}

static int preview_event(void *ctx, const struct hcache_msg *m)
{
	struct sync *s = ctx;

	if (s->sink.preview(s->sink.ctx, m) < 0) {
		s->aborted = true;
		return -1;
	}
	return 0;
}

enum sync_status sync_start(struct sync *s, const char **error_r)
{
	uint32_t capa = imap_engine_capabilities(s->e);
	enum mailbox_method method = MAILBOX_SWEEP;
	const char *cerr;
	int ret;

	if (s->hc != NULL) {
		ret = hcache_state_get(s->hc, s->p.account, s->p.mailbox, &s->st, &cerr);
		if (ret < 0)
			cache_failed(s, cerr);
		s->have = ret > 0 && s->st.uidvalidity != 0;
	}
	if (!s->have) {
		pending_add(s, s->select_cmd = imap_engine_cmd_select(s->e, s->p.mailbox, s->p.readonly));
		s->phase = PH_COLD_SELECT;
		return SYNC_RUNNING;
	}
	if (s->st.highestmodseq != 0 && imap_engine_qresync(s->e))
		method = MAILBOX_QRESYNC;
	else if (s->st.highestmodseq != 0 && (capa & IMAP_CAPA_CONDSTORE))
		method = MAILBOX_CONDSTORE;
	/* the commands first, so that the server works while the cache is read */
	warm_begin(s, method, true);
	if (s->p.preview > 0 && s->sink.preview != NULL && s->hc != NULL) {
		ret = hcache_newest(s->hc, s->p.account, s->p.mailbox, s->st.uidvalidity, s->p.preview_order,
				    s->p.preview, preview_event, s, &cerr);
		if (ret < 0)
			log_warn("%s", cerr);
		if (s->aborted) {
			s->phase = PH_OVER;
			*error_r = _("aborted");
			return SYNC_FAILED;
		}
	}
	return SYNC_RUNNING;
}

/* A DONE of one of the pending commands. Returns the status. */
static enum sync_status done_event(struct sync *s, const struct imap_event *ev, const char **error_r)
{
	bool ok = ev->u.done.result == IMAP_RESULT_OK;

	if (ev->cmd == s->select_cmd) {
		s->select_cmd = 0;
		if (!ok) {
			free(s->refused);
			s->refused = xstrdup(ev->u.done.text != NULL ? ev->u.done.text : "");
		}
	} else if (!ok) {
		log_warn("a sync command failed: %s", ev->u.done.text);
		s->list_failed = true;
		if (s->failed == NULL)
			s->failed = xstrdup(ev->u.done.text != NULL ? ev->u.done.text : "");
	}
	if (s->n_pending > 0)
		return SYNC_RUNNING;
	/* the phase's commands are all done (a refused SELECT/EXAMINE drained what followed it) */
	if (s->refused != NULL) {
		*error_r = errstr("%s", s->refused);
		return SYNC_REFUSED;
	}
	switch (s->phase) {
	case PH_COLD_SELECT:
		return cold_begin(s, error_r);
	case PH_COLD:
	case PH_COLD_MORE:
		return cold_end(s, error_r);
	case PH_WARM:
		free(s->failed);
		s->failed = NULL;
		return warm_merge(s, error_r);
	case PH_MISSING:
		if (s->failed != NULL) {
			*error_r = errstr(_("the server refused to send messages: %s"), s->failed);
			return SYNC_FAILED;
		}
		s->new_from = s->st.uidnext > 0 ? s->st.uidnext : 1;
		return warm_check(s, error_r);
	default:
		*error_r = "sync: a command done in no phase";
		return SYNC_FAILED;
	}
}

enum sync_status sync_event(struct sync *s, const struct imap_event *ev, const char **error_r)
{
	enum sync_status st;

	if (s->phase == PH_OVER || s->phase == PH_NEW) {
		*error_r = "sync: not running";
		return SYNC_FAILED;
	}
	if (ev->type == IMAP_EVENT_DONE) {
		if (!pending_done(s, ev->cmd))
			return SYNC_RUNNING;
		st = done_event(s, ev, error_r);
	} else if (data_event(s, ev, error_r) < 0) {
		st = SYNC_FAILED;
	} else {
		return SYNC_RUNNING;
	}
	if (st != SYNC_RUNNING) {
		s->phase = PH_OVER;
		hcache_abort(&s->txn);
	}
	return st;
}

size_t sync_delivered(const struct sync *s)
{
	return s->delivered;
}

bool sync_partial(const struct sync *s)
{
	return s->partial;
}

void sync_free(struct sync **sync)
{
	struct sync *s = *sync;

	if (s == NULL)
		return;
	hcache_abort(&s->txn);
	free(s->pending);
	free(s->refused);
	free(s->failed);
	free(s->uids);
	free(s->flags);
	free(s->changes);
	free(s->vanished);
	free(s->missing);
	free(s->fill);
	free(s);
	*sync = NULL;
}
