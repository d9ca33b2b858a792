/* mailbox.c: opening a mailbox's index: header cache first, then only what changed on the server. */
#include "skua.h"
#include "mailbox.h"
#include "imap/imap-fetch.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The cached fields, then Date (parsed, not kept as text). */
static const char *const field_names[HCACHE_NFIELDS + 1] = {
	[HCACHE_FROM] = "From", [HCACHE_SUBJECT] = "Subject", [HCACHE_MESSAGE_ID] = "Message-ID",
	[HCACHE_IN_REPLY_TO] = "In-Reply-To", [HCACHE_REFERENCES] = "References", [HCACHE_TO] = "To",
	[HCACHE_CC] = "Cc", [HCACHE_LIST_ID] = "List-ID", [HCACHE_CONTENT_TYPE] = "Content-Type",
	[HCACHE_NFIELDS] = "Date",
};

struct load {
	struct hcache *hc;
	struct hcache_txn *txn;
	uint32_t uidvalidity;
	hcache_msg_fn *fn;
	void *ctx;
	struct mailbox_load_stats *stats;
	/* resync: the server's UIDs and flags, ascending */
	uint32_t *uids, *flags;
	bool *present;
	size_t n, cap;
	size_t cursor;
	/* cached records to change */
	uint32_t *gone;
	size_t n_gone, gone_cap;
	uint32_t *changed;       /* pairs uid, flags */
	size_t n_changed, changed_cap;
	/* QRESYNC: ranges (lo, hi pairs) of vanished UIDs; changed flags are in uids/flags */
	uint32_t *vanished;
	size_t n_vanished, vanished_cap;
	uint32_t min_new_uid;    /* header FETCH events below this UID are ignored (n:* quirk) */
	size_t delivered;        /* records handed over */
	bool no_deliver;         /* QRESYNC: new records only go to the cache */
	size_t kept;             /* QRESYNC: cached records still on the server */
};

static void cache_failed(struct load *ld, const char *error)
{
	log_warn("%s: header cache bypassed", error);
	hcache_abort(&ld->txn);
	ld->hc = NULL;
}

/* A FETCH with headers: build the record, hand it over, cache it. */
static int headers_event(void *ctx, const struct imap_event *ev)
{
	struct load *ld = ctx;
	const struct imap_fetch *f = &ev->u.fetch;
	const char *hdr = NULL;
	size_t hlen = 0;
	struct hcache_msg m;
	char *values[HCACHE_NFIELDS + 1], *date;
	int ret;

	if (ev->type != IMAP_EVENT_FETCH || f->uid == 0 || f->uid < ld->min_new_uid)
		return 0;
	for (size_t i = 0; i < f->n_sections; i++) {
		if (strncasecmp(f->sections[i].section, "HEADER", 6) == 0 && f->sections[i].data != NULL) {
			hdr = f->sections[i].data;
			hlen = f->sections[i].len;
		}
	}
	memset(&m, 0, sizeof(m));
	m.uid = f->uid;
	m.flags = f->flags;
	m.size = f->size;
	if (hdr != NULL) {
		mime_header_get_many(hdr, hlen, field_names, HCACHE_NFIELDS + 1, values);
	} else {
		memset(values, 0, sizeof(values));
	}
	date = values[HCACHE_NFIELDS];
	m.date = date != NULL ? mime_date_parse(date, strlen(date)) : -1;
	if (m.date < 0)
		m.date = imap_internaldate_parse(f->internaldate);
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		m.field[i] = values[i];
		m.field_len[i] = values[i] != NULL ? strlen(values[i]) : 0;
	}
	ld->stats->fetched++;
	ret = 0;
	if (!ld->no_deliver) {
		ld->delivered++;
		ret = ld->fn(ld->ctx, &m);
	}
	if (ld->txn != NULL && hcache_txn_put(ld->txn, ld->uidvalidity, &m) < 0)
		cache_failed(ld, _("header cache: cannot store a record"));
	for (int i = 0; i <= HCACHE_NFIELDS; i++)
		free(values[i]);
	return ret;
}

/* A FETCH of UID and FLAGS during resync. */
static int flags_event(void *ctx, const struct imap_event *ev)
{
	struct load *ld = ctx;

	if (ev->type != IMAP_EVENT_FETCH || ev->u.fetch.uid == 0)
		return 0;
	if (ld->n == ld->cap) {
		size_t cap = ld->cap;
		ld->uids = xgrow(ld->uids, &cap, ld->n + 1, sizeof(*ld->uids));
		cap = ld->cap;
		ld->flags = xgrow(ld->flags, &cap, ld->n + 1, sizeof(*ld->flags));
		cap = ld->cap;
		ld->present = xgrow(ld->present, &cap, ld->n + 1, sizeof(*ld->present));
		ld->cap = cap;
	}
	ld->uids[ld->n] = ev->u.fetch.uid;
	ld->flags[ld->n] = ev->u.fetch.flags;
	ld->present[ld->n] = false;
	ld->n++;
	return 0;
}

static int cmp_uid_flags(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Sorts the server's (uid, flags) pairs by UID when they did not arrive in order. */
static void sort_server(struct load *ld)
{
	uint32_t *pairs;
	bool sorted = true;

	for (size_t i = 1; i < ld->n && sorted; i++)
		sorted = ld->uids[i - 1] < ld->uids[i];
	if (sorted)
		return;
	pairs = xmalloc(ld->n * 2 * sizeof(uint32_t));
	for (size_t i = 0; i < ld->n; i++) {
		pairs[2 * i] = ld->uids[i];
		pairs[2 * i + 1] = ld->flags[i];
	}
	qsort(pairs, ld->n, 2 * sizeof(uint32_t), cmp_uid_flags);
	for (size_t i = 0; i < ld->n; i++) {
		ld->uids[i] = pairs[2 * i];
		ld->flags[i] = pairs[2 * i + 1];
	}
	free(pairs);
}

/* A cached record during resync: merge it with the server's list (both ascending by UID). */
static int cached_event(void *ctx, const struct hcache_msg *cached)
{
	struct load *ld = ctx;
	struct hcache_msg m;

	while (ld->cursor < ld->n && ld->uids[ld->cursor] < cached->uid)
		ld->cursor++;
	if (ld->cursor >= ld->n || ld->uids[ld->cursor] != cached->uid) {
		ld->gone = xgrow(ld->gone, &ld->gone_cap, ld->n_gone + 1, sizeof(*ld->gone));
		ld->gone[ld->n_gone++] = cached->uid;
		ld->stats->expunged++;
		return 0;
	}
	ld->present[ld->cursor] = true;
	m = *cached;
	if (m.flags != ld->flags[ld->cursor]) {
		m.flags = ld->flags[ld->cursor];
		ld->changed = xgrow(ld->changed, &ld->changed_cap, ld->n_changed + 2, sizeof(*ld->changed));
		ld->changed[ld->n_changed++] = m.uid;
		ld->changed[ld->n_changed++] = m.flags;
		ld->stats->flag_changes++;
	}
	ld->stats->from_cache++;
	ld->delivered++;
	return ld->fn(ld->ctx, &m);
}

/* A cached record of an unchanged mailbox: hand it over as it is. */
static int unchanged_event(void *ctx, const struct hcache_msg *m)
{
	struct load *ld = ctx;

	ld->stats->from_cache++;
	ld->delivered++;
	return ld->fn(ld->ctx, m);
}

/* QRESYNC: a FETCH of changed flags, or VANISHED (EARLIER) UIDs, since the cached HIGHESTMODSEQ. */
static int changes_event(void *ctx, const struct imap_event *ev)
{
	struct load *ld = ctx;

	if (ev->type == IMAP_EVENT_FETCH && ev->u.fetch.uid != 0 && ev->u.fetch.has_flags)
		return flags_event(ctx, ev);
	if (ev->type == IMAP_EVENT_VANISHED) {
		const char *p = ev->u.vanished.uidset;
		uint32_t lo, hi;
		int ret;

		while ((ret = imap_uidset_next(&p, &lo, &hi)) > 0) {
			ld->vanished = xgrow(ld->vanished, &ld->vanished_cap, ld->n_vanished + 2, sizeof(uint32_t));
			ld->vanished[ld->n_vanished++] = lo;
			ld->vanished[ld->n_vanished++] = hi;
		}
		if (ret < 0)
			return -1;
	}
	return 0;
}

static bool is_vanished(const struct load *ld, uint32_t uid)
{
	for (size_t i = 0; i < ld->n_vanished; i += 2) {
		if (uid >= ld->vanished[i] && uid <= ld->vanished[i + 1])
			return true;
	}
	return false;
}

/* QRESYNC: a cached record: note it as gone or with changed flags (nothing is handed over yet). */
static int qresync_scan_event(void *ctx, const struct hcache_msg *m)
{
	struct load *ld = ctx;

	if (is_vanished(ld, m->uid)) {
		ld->gone = xgrow(ld->gone, &ld->gone_cap, ld->n_gone + 1, sizeof(*ld->gone));
		ld->gone[ld->n_gone++] = m->uid;
		return 0;
	}
	while (ld->cursor < ld->n && ld->uids[ld->cursor] < m->uid)
		ld->cursor++;
	if (ld->cursor < ld->n && ld->uids[ld->cursor] == m->uid && ld->flags[ld->cursor] != m->flags) {
		ld->changed = xgrow(ld->changed, &ld->changed_cap, ld->n_changed + 2, sizeof(*ld->changed));
		ld->changed[ld->n_changed++] = m->uid;
		ld->changed[ld->n_changed++] = ld->flags[ld->cursor];
	}
	ld->kept++;
	return 0;
}

static const char *fetch_items(void)
{
	return "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (" MAILBOX_HEADER_FIELDS ")])";
}

/* Fetches the headers of every server UID not marked present, in pipelined commands. */
static int fetch_missing(struct session *s, struct load *ld, const char **error_r)
{
	struct imap_engine *engine = session_engine(s);
	struct buf set = BUF_INIT;
	uint32_t *cmds = NULL;
	size_t ncmds = 0, cmds_cap = 0;
	int ret = 0;

	for (size_t i = 0; i < ld->n;) {
		size_t j;

		if (ld->present[i]) {
			i++;
			continue;
		}
		for (j = i; j + 1 < ld->n && !ld->present[j + 1] && ld->uids[j + 1] == ld->uids[j] + 1; j++)
			;
		if (set.len > 0)
			buf_append_c(&set, ',');
		if (j > i)
			buf_appendf(&set, "%u:%u", ld->uids[i], ld->uids[j]);
		else
			buf_appendf(&set, "%u", ld->uids[i]);
		i = j + 1;
		if (set.len > MAILBOX_MAX_UIDSET || i >= ld->n) {
			cmds = xgrow(cmds, &cmds_cap, ncmds + 1, sizeof(*cmds));
			cmds[ncmds++] = imap_engine_cmd_fetch(engine, set.data, fetch_items());
			buf_reset(&set);
		}
	}
	if (set.len > 0) {
		cmds = xgrow(cmds, &cmds_cap, ncmds + 1, sizeof(*cmds));
		cmds[ncmds++] = imap_engine_cmd_fetch(engine, set.data, fetch_items());
	}
	for (size_t i = 0; i < ncmds && ret == 0; i++)
		ret = session_wait(s, cmds[i], headers_event, ld, error_r);
	free(cmds);
	buf_free(&set);
	return ret < 0 ? -1 : ret > 0 ? -1 : 0;
}

/* The QRESYNC fast path: only changes since the cached HIGHESTMODSEQ cross the wire; they are applied
 * to the cache, checked against the server's message count, committed, and then every record is handed
 * over from the cache. Returns 0 when done, 1 when the caller should resync the long way (nothing was
 * handed over), -1 on a connection error. */
static int qresync_load(struct session *s, struct load *ld, const char *account, const char *mailbox,
			const struct imap_mailbox_info *mb, const struct hcache_state *st, const char **error_r)
{
	struct imap_engine *engine = session_engine(s);
	char items[96];
	const char *cerr;
	int ret;

	snprintf(items, sizeof(items), "(UID FLAGS) (CHANGEDSINCE %llu VANISHED)",
		 (unsigned long long)st->highestmodseq);
	ret = session_wait(s, imap_engine_cmd_fetch(engine, "1:*", items), changes_event, ld, error_r);
	if (ret < 0)
		return -1;
	if (ret > 0)
		return 1;
	sort_server(ld);
	if (hcache_foreach(ld->hc, account, mailbox, mb->uidvalidity, qresync_scan_event, ld, &cerr) < 0 ||
	    hcache_begin(ld->hc, account, mailbox, &ld->txn, &cerr) < 0)
		return 1;
	for (size_t i = 0; i < ld->n_gone; i++)
		hcache_txn_delete(ld->txn, mb->uidvalidity, ld->gone[i]);
	for (size_t i = 0; i < ld->n_changed; i += 2)
		hcache_txn_set_flags(ld->txn, mb->uidvalidity, ld->changed[i], ld->changed[i + 1], 0);
	if (mb->uidnext > st->uidnext) {
		char set[32];
		snprintf(set, sizeof(set), "%u:*", st->uidnext);
		ld->no_deliver = true;
		ld->min_new_uid = st->uidnext;
		ret = session_wait(s, imap_engine_cmd_fetch(engine, set, fetch_items()), headers_event, ld, error_r);
		ld->no_deliver = false;
		ld->min_new_uid = 0;
		if (ret != 0) {
			hcache_abort(&ld->txn);
			return ret < 0 ? -1 : 1;
		}
	}
	if (ld->txn == NULL || ld->kept + ld->stats->fetched != mb->exists) {
		log_info("QRESYNC result inconsistent (%zu kept + %zu new, server has %u): full resync",
			 ld->kept, ld->stats->fetched, mb->exists);
		hcache_abort(&ld->txn);
		return 1;
	}
	struct hcache_state nst = { mb->uidvalidity, mb->uidnext, mb->exists, mb->highestmodseq, 0 };
	hcache_txn_set_state(ld->txn, &nst);
	if (hcache_commit(&ld->txn, &cerr) < 0)
		return 1;
	ld->stats->expunged = ld->n_gone;
	ld->stats->flag_changes = ld->n_changed / 2;
	ret = hcache_foreach(ld->hc, account, mailbox, mb->uidvalidity, unchanged_event, ld, &cerr);
	if (ret < 0) {
		*error_r = cerr;
		return -1;
	}
	/* the new ones were counted as fetched; they came out of the cache */
	ld->stats->from_cache -= ld->stats->fetched;
	return 0;
}

/* Forgets what a failed fast path collected. */
static void load_reset(struct load *ld)
{
	ld->n = ld->cursor = ld->n_gone = ld->n_changed = ld->n_vanished = ld->kept = 0;
	ld->stats->fetched = ld->stats->from_cache = ld->stats->flag_changes = ld->stats->expunged = 0;
}

int mailbox_load(struct session *s, struct hcache *hc, const char *account, const char *mailbox,
		 hcache_msg_fn *fn, void *ctx, struct mailbox_load_stats *stats, const char **error_r)
{
	struct imap_engine *engine = session_engine(s);
	struct imap_mailbox_info mb;
	struct hcache_state st;
	struct load ld;
	const char *cerr;
	bool have = false;
	int ret;

	memset(stats, 0, sizeof(*stats));
	memset(&ld, 0, sizeof(ld));
	ld.hc = hc;
	ld.fn = fn;
	ld.ctx = ctx;
	ld.stats = stats;
	ret = session_wait(s, imap_engine_cmd_select(engine, mailbox, true), NULL, NULL, error_r);
	if (ret != 0)
		return ret;
	mb = *imap_engine_mailbox(engine);
	ld.uidvalidity = mb.uidvalidity;
	if (ld.hc != NULL && mb.uidvalidity != 0) {
		ret = hcache_state_get(ld.hc, account, mailbox, &st, &cerr);
		if (ret < 0)
			cache_failed(&ld, cerr);
		have = ret > 0 && st.uidvalidity == mb.uidvalidity;
	} else {
		ld.hc = NULL;
	}

	if (have && mb.highestmodseq != 0 && st.highestmodseq == mb.highestmodseq && st.uidnext == mb.uidnext &&
	    st.exists == mb.exists) {
		/* nothing changed since the cache was written: no FETCH at all */
		stats->unchanged = true;
		if (hcache_foreach(ld.hc, account, mailbox, mb.uidvalidity, unchanged_event, &ld, &cerr) == 0) {
			ret = 0;
			goto out;
		}
		if (stats->from_cache > 0) {
			/* records were handed over already: starting again would repeat them */
			*error_r = cerr;
			ret = -1;
			goto out;
		}
		/* an unreadable cache: fall through to a full fetch */
		stats->unchanged = false;
		cache_failed(&ld, cerr);
		have = false;
	}

	if (have && mb.exists > 0 && st.highestmodseq != 0 && mb.highestmodseq != 0 &&
	    imap_engine_qresync(engine)) {
		ret = qresync_load(s, &ld, account, mailbox, &mb, &st, error_r);
		if (ret <= 0)
			goto out;
		load_reset(&ld);
	}
	if (have && mb.exists > 0) {
		/* resync: the whole UID/flag list is cheap; headers only for what is new */
		ret = session_wait(s, imap_engine_cmd_fetch(engine, "1:*", "(UID FLAGS)"), flags_event, &ld, error_r);
		if (ret != 0) {
			ret = -1;
			goto out;
		}
		sort_server(&ld);
		if (hcache_foreach(ld.hc, account, mailbox, mb.uidvalidity, cached_event, &ld, &cerr) < 0) {
			if (stats->from_cache > 0) {
				*error_r = cerr;
				ret = -1;
				goto out;
			}
			/* start over without the cache */
			cache_failed(&ld, cerr);
			memset(ld.present, 0, ld.n * sizeof(*ld.present));
			stats->from_cache = stats->flag_changes = stats->expunged = 0;
		}
	}
	if (ld.hc != NULL && hcache_begin(ld.hc, account, mailbox, &ld.txn, &cerr) < 0)
		cache_failed(&ld, cerr);
	if (ld.txn != NULL) {
		if (!have || mb.exists == 0)
			hcache_txn_clear(ld.txn);
		for (size_t i = 0; i < ld.n_gone; i++)
			hcache_txn_delete(ld.txn, mb.uidvalidity, ld.gone[i]);
		for (size_t i = 0; i < ld.n_changed; i += 2)
			hcache_txn_set_flags(ld.txn, mb.uidvalidity, ld.changed[i], ld.changed[i + 1], 0);
	}
	if (mb.exists > 0) {
		if (have) {
			ret = fetch_missing(s, &ld, error_r);
		} else {
			ret = session_wait(s, imap_engine_cmd_fetch(engine, "1:*", fetch_items()), headers_event,
					   &ld, error_r);
			ret = ret != 0 ? -1 : 0;
		}
		if (ret < 0)
			goto out;
	}
	if (ld.txn != NULL) {
		struct hcache_state nst = { mb.uidvalidity, mb.uidnext, mb.exists, mb.highestmodseq, 0 };
		hcache_txn_set_state(ld.txn, &nst);
		if (hcache_commit(&ld.txn, &cerr) < 0)
			log_warn("%s", cerr);
	}
	ret = 0;
out:
	hcache_abort(&ld.txn);
	free(ld.uids);
	free(ld.flags);
	free(ld.present);
	free(ld.gone);
	free(ld.changed);
	free(ld.vanished);
	return ret;
}
