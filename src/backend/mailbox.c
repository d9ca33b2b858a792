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

/* A flag change reported without headers (QRESYNC, CHANGEDSINCE). */
struct change {
	uint32_t uid, flags;
	uint64_t modseq;
};

struct load {
	struct session *s;
	struct hcache *hc;
	struct hcache_txn *txn;
	const char *account, *mailbox;
	bool readonly;               /* EXAMINE, not SELECT */
	uint32_t uidvalidity;        /* of the records written */
	hcache_msg_fn *fn;
	void *ctx;
	struct mailbox_load_stats *stats;
	struct hcache_state st;      /* the cached state (valid when `have`) */
	bool have;
	uint32_t new_from;           /* header FETCHes of lower UIDs are ignored (the n:* quirk) */
	uint32_t list_cmd;           /* the FETCH (UID FLAGS) or SEARCH whose results list the server's UIDs */
	bool list_failed;            /* that command, or another one of the sync, failed */
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
	size_t since_commit;         /* cache writes in the current transaction */
	bool state_dropped;          /* an earlier transaction of this load cleared the state record */
	bool aborted;                /* fn returned -1 */
	const char *cache_error;     /* why the cache could not be read */
};

const char *mailbox_method_name(enum mailbox_method method)
{
	switch (method) {
	case MAILBOX_COLD: return "cold";
	case MAILBOX_QRESYNC: return "qresync";
	case MAILBOX_CONDSTORE: return "condstore";
	case MAILBOX_SWEEP: return "sweep";
	}
	return "?";
}

static void cache_failed(struct load *ld, const char *error)
{
	log_warn("%s: header cache bypassed", error);
	hcache_abort(&ld->txn);
	ld->hc = NULL;
}

static void cache_begin(struct load *ld)
{
	const char *error;

	ld->since_commit = 0;
	if (ld->hc != NULL && hcache_begin(ld->hc, ld->account, ld->mailbox, &ld->txn, &error) < 0)
		cache_failed(ld, error);
}

/* Counts one cache write; a long fill is committed in chunks so that a transaction's memory stays
 * bounded. The first chunk's commit drops the state record, so a crash before the final commit
 * leaves a cache that the next open does not trust (it fetches everything), never a wrong one. */
static void cache_wrote(struct load *ld)
{
	const char *error;

	if (ld->txn == NULL || ++ld->since_commit < MAILBOX_COMMIT_EVERY)
		return;
	if (!ld->state_dropped) {
		struct hcache_state none;
		memset(&none, 0, sizeof(none));
		hcache_txn_set_state(ld->txn, &none);
		ld->state_dropped = true;
	}
	if (hcache_commit(&ld->txn, &error) < 0) {
		cache_failed(ld, error);
		return;
	}
	cache_begin(ld);
}

static int deliver(struct load *ld, const struct hcache_msg *m)
{
	ld->delivered++;
	if (ld->fn(ld->ctx, m) < 0) {
		ld->aborted = true;
		return -1;
	}
	return 0;
}

static const char *cerr_saved(const struct load *ld)
{
	return ld->cache_error != NULL ? ld->cache_error : _("header cache: cannot read");
}

/* Tells the consumer to forget what it was given (a fast path did not check out). */
static int deliver_reset(struct load *ld)
{
	if (ld->delivered == 0)
		return 0;
	ld->delivered = 0;
	return ld->fn(ld->ctx, NULL);
}

/* The attachment hint from a Content-Type value: multipart/mixed, or a non-text single part. */
static uint32_t content_hints(const char *ct)
{
	static const char *const kinds[] = { "multipart/mixed", "application/", "image/", "audio/", "video/" };

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strncasecmp(ct, kinds[i], strlen(kinds[i])) == 0)
			return HCACHE_HINT_ATTACHMENT;
	}
	return 0;
}

/* A FETCH with headers: build the record, hand it over, cache it. */
static int headers_event(struct load *ld, const struct imap_fetch *f, const char *hdr, size_t hlen)
{
	struct hcache_msg m;
	char *values[HCACHE_NFIELDS + 1], *date;
	int ret;

	if (f->uid < ld->new_from)
		return 0;
	memset(&m, 0, sizeof(m));
	m.uid = f->uid;
	m.flags = f->flags;
	m.size = f->size;
	m.modseq = f->modseq;
	mime_header_get_many(hdr, hlen, field_names, HCACHE_NFIELDS + 1, values);
	m.internaldate = f->internaldate != NULL ? imap_internaldate_parse(f->internaldate) : -1;
	date = values[HCACHE_NFIELDS];
	m.date = date != NULL ? mime_date_parse(date, strlen(date)) : -1;
	if (m.date < 0)
		m.date = m.internaldate;
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		m.field[i] = values[i];
		m.field_len[i] = values[i] != NULL ? strlen(values[i]) : 0;
	}
	m.hints = content_hints(values[HCACHE_CONTENT_TYPE]);
	if (++ld->stats->fetched % 500 == 0)
		log_debug("%s: %zu headers read", ld->mailbox, ld->stats->fetched);
	ret = deliver(ld, &m);
	if (ld->txn != NULL) {
		if (hcache_txn_put(ld->txn, ld->uidvalidity, &m) < 0)
			cache_failed(ld, _("header cache: cannot store a record"));
		else
			cache_wrote(ld);
	}
	for (int i = 0; i <= HCACHE_NFIELDS; i++)
		free(values[i]);
	return ret;
}

static void add_server_uid(struct load *ld, uint32_t uid, uint32_t flags)
{
	if (ld->n == ld->cap) {
		size_t cap = ld->cap;
		ld->uids = xgrow(ld->uids, &cap, ld->n + 1, sizeof(*ld->uids));
		cap = ld->cap;
		ld->flags = xgrow(ld->flags, &cap, ld->n + 1, sizeof(*ld->flags));
		ld->cap = cap;
	}
	ld->uids[ld->n] = uid;
	ld->flags[ld->n] = flags;
	ld->n++;
}

/* Every event of a sync: headers, the server's UID list, flag changes, VANISHED. */
static int sync_event(void *ctx, const struct imap_event *ev)
{
	struct load *ld = ctx;

	switch (ev->type) {
	case IMAP_EVENT_FETCH: {
		const struct imap_fetch *f = &ev->u.fetch;

		if (f->uid == 0)
			return 0;
		for (size_t i = 0; i < f->n_sections; i++) {
			if (strncasecmp(f->sections[i].section, "HEADER", 6) == 0 && f->sections[i].data != NULL)
				return headers_event(ld, f, f->sections[i].data, f->sections[i].len);
		}
		if (ld->server_flags && ev->cmd == ld->list_cmd) {
			add_server_uid(ld, f->uid, f->flags);
		} else if (f->has_flags && f->uid < ld->new_from) {
			ld->changes = xgrow(ld->changes, &ld->changes_cap, ld->n_changes + 1, sizeof(*ld->changes));
			ld->changes[ld->n_changes++] = (struct change){ f->uid, f->flags, f->modseq };
		}
		return 0;
	}
	case IMAP_EVENT_SEARCH:
		if (ev->cmd == ld->list_cmd && !ld->server_flags) {
			for (size_t i = 0; i < ev->u.search.count; i++)
				add_server_uid(ld, ev->u.search.uids[i], 0);
		}
		return 0;
	case IMAP_EVENT_VANISHED: {
		const char *p = ev->u.vanished.uidset;
		uint32_t lo, hi;
		int ret;

		while ((ret = imap_uidset_next(&p, &lo, &hi)) > 0) {
			ld->vanished = xgrow(ld->vanished, &ld->vanished_cap, ld->n_vanished + 2, sizeof(uint32_t));
			ld->vanished[ld->n_vanished++] = lo;
			ld->vanished[ld->n_vanished++] = hi;
		}
		return ret < 0 ? -1 : 0;
	}
	case IMAP_EVENT_DONE:
		if (ev->u.done.result != IMAP_RESULT_OK) {
			log_warn("a sync command failed: %s", ev->u.done.text);
			ld->list_failed = true;
		}
		return 0;
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
static void sort_server(struct load *ld)
{
	bool sorted = true;

	for (size_t i = 1; i < ld->n && sorted; i++)
		sorted = ld->uids[i - 1] < ld->uids[i];
	if (!sorted) {
		uint32_t *pairs = xmalloc(ld->n * 2 * sizeof(uint32_t));
		for (size_t i = 0; i < ld->n; i++) {
			pairs[2 * i] = ld->uids[i];
			pairs[2 * i + 1] = ld->flags[i];
		}
		qsort(pairs, ld->n, 2 * sizeof(uint32_t), cmp_u32);
		for (size_t i = 0; i < ld->n; i++) {
			ld->uids[i] = pairs[2 * i];
			ld->flags[i] = pairs[2 * i + 1];
		}
		free(pairs);
	}
	/* a later report of the same UID wins: stable order is not needed, the last change is */
	if (ld->n_changes > 1)
		qsort(ld->changes, ld->n_changes, sizeof(*ld->changes), cmp_change);
	if (ld->n_vanished > 2)
		qsort(ld->vanished, ld->n_vanished / 2, 2 * sizeof(uint32_t), cmp_u32);
}

static bool is_vanished(struct load *ld, uint32_t uid)
{
	/* ranges sorted by their low end; cached UIDs come in ascending order */
	while (ld->vanished_cursor < ld->n_vanished && ld->vanished[ld->vanished_cursor + 1] < uid &&
	       ld->vanished[ld->vanished_cursor] < uid)
		ld->vanished_cursor += 2;
	for (size_t i = ld->vanished_cursor; i < ld->n_vanished && ld->vanished[i] <= uid; i += 2) {
		if (uid <= ld->vanished[i + 1])
			return true;
	}
	return false;
}

static void add_missing(struct load *ld, uint32_t uid)
{
	if (uid >= ld->new_from)
		return;
	ld->missing = xgrow(ld->missing, &ld->missing_cap, ld->n_missing + 1, sizeof(*ld->missing));
	ld->missing[ld->n_missing++] = uid;
}

static void cache_delete(struct load *ld, uint32_t uid)
{
	ld->stats->expunged++;
	if (ld->txn != NULL) {
		hcache_txn_delete(ld->txn, ld->uidvalidity, uid);
		cache_wrote(ld);
	}
}

/* A cached record: merged with what the server said, then handed over. */
static int cached_event(void *ctx, const struct hcache_msg *cached)
{
	struct load *ld = ctx;
	struct hcache_msg m = *cached;

	if (m.uid >= ld->new_from)
		return 0; /* not covered by the cached state: fetched again */
	if (ld->have_list) {
		while (ld->cursor < ld->n && ld->uids[ld->cursor] < m.uid)
			add_missing(ld, ld->uids[ld->cursor++]);
		if (ld->cursor >= ld->n || ld->uids[ld->cursor] != m.uid) {
			cache_delete(ld, m.uid);
			return 0;
		}
		if (ld->server_flags)
			m.flags = ld->flags[ld->cursor];
		ld->cursor++;
	} else if (ld->n_vanished > 0 && is_vanished(ld, m.uid)) {
		cache_delete(ld, m.uid);
		return 0;
	}
	while (ld->change_cursor < ld->n_changes && ld->changes[ld->change_cursor].uid < m.uid)
		ld->change_cursor++;
	while (ld->change_cursor < ld->n_changes && ld->changes[ld->change_cursor].uid == m.uid) {
		m.flags = ld->changes[ld->change_cursor].flags;
		if (ld->changes[ld->change_cursor].modseq != 0)
			m.modseq = ld->changes[ld->change_cursor].modseq;
		ld->change_cursor++;
	}
	if (m.flags != cached->flags || m.modseq != cached->modseq) {
		if (m.flags != cached->flags)
			ld->stats->flag_changes++;
		if (ld->txn != NULL) {
			hcache_txn_set_flags(ld->txn, ld->uidvalidity, m.uid, m.flags, m.modseq);
			cache_wrote(ld);
		}
	}
	ld->stats->from_cache++;
	return deliver(ld, &m);
}

static const char *fetch_items(bool modseq)
{
	return modseq ? "(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODY.PEEK[HEADER.FIELDS (" MAILBOX_HEADER_FIELDS ")])" :
		"(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (" MAILBOX_HEADER_FIELDS ")])";
}

static bool want_modseq(struct session *s)
{
	return (imap_engine_capabilities(session_engine(s)) & IMAP_CAPA_CONDSTORE) != 0;
}

/* Waits for the pipelined commands cmds[0..n) in order. Returns 0, or -1 (*error_r) on a connection
 * error or when a command failed. */
static int wait_all(struct load *ld, const uint32_t *cmds, size_t n, const char **error_r)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		int r = session_wait(ld->s, cmds[i], sync_event, ld, error_r);
		if (r < 0)
			return -1;
		if (r > 0 && ret == 0) {
			ret = -1;
			*error_r = errstr(_("the server refused to send messages: %s"), *error_r);
		}
	}
	return ret;
}

/* Fetches the headers of the missing UIDs (ascending), in pipelined commands. */
static int fetch_missing(struct load *ld, const char **error_r)
{
	struct imap_engine *engine = session_engine(ld->s);
	struct buf set = BUF_INIT;
	uint32_t *cmds = NULL;
	size_t ncmds = 0, cmds_cap = 0;
	uint32_t saved = ld->new_from;
	int ret;

	for (size_t i = 0; i < ld->n_missing;) {
		size_t j = i;

		while (j + 1 < ld->n_missing && ld->missing[j + 1] == ld->missing[j] + 1)
			j++;
		if (set.len > 0)
			buf_append_c(&set, ',');
		if (j > i)
			buf_appendf(&set, "%u:%u", ld->missing[i], ld->missing[j]);
		else
			buf_appendf(&set, "%u", ld->missing[i]);
		i = j + 1;
		if (set.len > MAILBOX_MAX_UIDSET || i >= ld->n_missing) {
			cmds = xgrow(cmds, &cmds_cap, ncmds + 1, sizeof(*cmds));
			cmds[ncmds++] = imap_engine_cmd_fetch(engine, set.data, fetch_items(want_modseq(ld->s)));
			buf_reset(&set);
		}
	}
	ld->new_from = 0;
	ret = wait_all(ld, cmds, ncmds, error_r);
	ld->new_from = saved;
	free(cmds);
	buf_free(&set);
	return ret;
}

static void load_reset(struct load *ld)
{
	ld->n = ld->n_changes = ld->n_vanished = ld->n_missing = 0;
	ld->cursor = ld->change_cursor = ld->vanished_cursor = 0;
	ld->list_cmd = 0;
	ld->list_failed = ld->have_list = ld->server_flags = false;
	ld->stats->from_cache = ld->stats->fetched = ld->stats->flag_changes = ld->stats->expunged = 0;
}

/* Writes the state of the selected mailbox and commits. */
static void cache_finish(struct load *ld)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(session_engine(ld->s));
	const char *error;

	if (ld->txn == NULL)
		return;
	struct hcache_state st = { .uidvalidity = mb->uidvalidity, .uidnext = mb->uidnext, .exists = mb->exists,
				   .highestmodseq = mb->highestmodseq };
	if (imap_engine_qresync(session_engine(ld->s)))
		st.flags |= HCACHE_STATE_QRESYNC;
	hcache_txn_set_state(ld->txn, &st);
	if (hcache_commit(&ld->txn, &error) < 0)
		log_warn("%s", error);
}

/* First open (or a cache that cannot be used): every header, newest first, in pipelined chunks by
 * sequence number. The mailbox is selected already. */
static int cold_load(struct load *ld, const char **error_r)
{
	struct imap_engine *engine = session_engine(ld->s);
	const struct imap_mailbox_info *mb = imap_engine_mailbox(engine);
	uint32_t exists = mb->exists, hi = exists, chunk = MAILBOX_FIRST_CHUNK;
	uint32_t *cmds = NULL;
	size_t ncmds = 0, cmds_cap = 0;
	const char *items = fetch_items(want_modseq(ld->s));
	int ret;

	ld->stats->method = MAILBOX_COLD;
	ld->uidvalidity = mb->uidvalidity;
	ld->new_from = 0;
	hcache_abort(&ld->txn);
	if (ld->hc != NULL && mb->uidvalidity != 0) {
		cache_begin(ld);
		if (ld->txn != NULL)
			hcache_txn_clear(ld->txn); /* the state goes too: nothing is trusted until the end */
		ld->state_dropped = true;
	}
	while (hi >= 1) {
		uint32_t lo = hi > chunk ? hi - chunk + 1 : 1;
		char set[32];

		snprintf(set, sizeof(set), "%u:%u", lo, hi);
		cmds = xgrow(cmds, &cmds_cap, ncmds + 1, sizeof(*cmds));
		cmds[ncmds++] = imap_engine_cmd_fetch_seq(engine, set, items);
		hi = lo - 1;
		chunk = chunk * 2 > MAILBOX_MAX_CHUNK ? MAILBOX_MAX_CHUNK : chunk * 2;
	}
	ret = wait_all(ld, cmds, ncmds, error_r);
	free(cmds);
	if (ret == 0 && mb->exists > exists) {
		/* mail arrived while we read */
		char set[32];
		snprintf(set, sizeof(set), "%u:*", exists + 1);
		uint32_t cmd = imap_engine_cmd_fetch_seq(engine, set, items);
		ret = wait_all(ld, &cmd, 1, error_r);
	}
	if (ret < 0)
		return -1;
	if (ld->delivered != mb->exists)
		log_warn("first open of %s: %zu messages read, the server counts %u", ld->mailbox, ld->delivered,
			 mb->exists);
	cache_finish(ld);
	return 0;
}

/* A cached mailbox with the same UIDVALIDITY: sends the sync commands for `method` pipelined (behind
 * the SELECT/EXAMINE when select is true), merges the cache with the answers and fetches what is new or
 * missing. Returns 0 when done, 1 when the result does not check out (the caller resyncs the long
 * way), 2 when UIDVALIDITY changed and 4 when the cache cannot be read (the caller reads everything),
 * 3 when the server refused the SELECT/EXAMINE (*error_r), -1 on error (*error_r). */
static int warm_load(struct load *ld, enum mailbox_method method, bool select, const char **error_r)
{
	struct imap_engine *engine = session_engine(ld->s);
	const struct imap_mailbox_info *mb;
	uint32_t cmds[4];
	size_t ncmds = 0;
	char buf[96];
	const char *cerr;
	int ret;

	ld->stats->method = method;
	ld->uidvalidity = ld->st.uidvalidity;
	ld->new_from = ld->st.uidnext > 0 ? ld->st.uidnext : 1;
	cache_begin(ld);
	if (select) {
		cmds[ncmds++] = method == MAILBOX_QRESYNC ?
			imap_engine_cmd_select_qresync(engine, ld->mailbox, ld->readonly, ld->st.uidvalidity,
						       ld->st.highestmodseq) :
			imap_engine_cmd_select(engine, ld->mailbox, ld->readonly);
	}
	if (method == MAILBOX_CONDSTORE) {
		snprintf(buf, sizeof(buf), "(UID FLAGS) (CHANGEDSINCE %llu)", (unsigned long long)ld->st.highestmodseq);
		cmds[ncmds++] = imap_engine_cmd_fetch(engine, "1:*", buf);
		cmds[ncmds++] = ld->list_cmd = imap_engine_cmd_search(engine, "ALL");
		ld->have_list = true;
	} else if (method == MAILBOX_SWEEP) {
		cmds[ncmds++] = ld->list_cmd = imap_engine_cmd_fetch(engine, "1:*", "(UID FLAGS)");
		ld->have_list = ld->server_flags = true;
	}
	/* an explicit upper bound, not "*": n:* would return the newest message even when there is
	 * nothing new, and the server would read its headers for nothing */
	snprintf(buf, sizeof(buf), "%u:4294967295", ld->new_from);
	cmds[ncmds++] = imap_engine_cmd_fetch(engine, buf, fetch_items(want_modseq(ld->s)));
	if (select) {
		ret = session_wait(ld->s, cmds[0], sync_event, ld, error_r);
		if (ret != 0) {
			/* drain what was pipelined behind the refused SELECT/EXAMINE */
			const char *ignored;
			if (ret > 0 && session_wait(ld->s, cmds[ncmds - 1], NULL, NULL, &ignored) < 0)
				return -1;
			return ret < 0 ? -1 : 3;
		}
	}
	ld->list_failed = false;
	if (wait_all(ld, cmds + (select ? 1 : 0), ncmds - (select ? 1 : 0), error_r) < 0) {
		if (!ld->list_failed)
			return -1;
		ld->list_failed = true;
	}
	mb = imap_engine_mailbox(engine);
	if (mb->uidvalidity != ld->st.uidvalidity)
		return 2;
	if (ld->list_failed)
		return 1;
	ld->stats->unchanged = mb->highestmodseq != 0 && mb->highestmodseq == ld->st.highestmodseq &&
		mb->uidnext == ld->st.uidnext && mb->exists == ld->st.exists;
	sort_server(ld);
	if (hcache_foreach(ld->hc, ld->account, ld->mailbox, ld->st.uidvalidity, cached_event, ld, &cerr) < 0) {
		if (ld->aborted)
			return -1;
		ld->cache_error = cerr;
		return 4;
	}
	if (ld->aborted) {
		*error_r = _("aborted");
		return -1;
	}
	if (ld->have_list) {
		while (ld->cursor < ld->n)
			add_missing(ld, ld->uids[ld->cursor++]);
	}
	if (ld->n_missing > 0) {
		if (method == MAILBOX_QRESYNC)
			return 1; /* cannot happen with QRESYNC: records of an older format, say */
		if (fetch_missing(ld, error_r) < 0)
			return -1;
	}
	if (ld->delivered != mb->exists) {
		log_info("%s sync of %s: %zu messages, the server counts %u", mailbox_method_name(method), ld->mailbox,
			 ld->delivered, mb->exists);
		if (method != MAILBOX_SWEEP)
			return 1;
	}
	cache_finish(ld);
	return 0;
}

int mailbox_load(struct session *s, struct hcache *hc, const char *account, const char *mailbox, bool readonly,
		 hcache_msg_fn *fn, void *ctx, struct mailbox_load_stats *stats, const char **error_r)
{
	struct imap_engine *engine = session_engine(s);
	struct load ld;
	const char *cerr;
	uint32_t capa = imap_engine_capabilities(engine);
	enum mailbox_method method = MAILBOX_SWEEP;
	int ret;

	memset(stats, 0, sizeof(*stats));
	memset(&ld, 0, sizeof(ld));
	ld.s = s;
	ld.hc = hc;
	ld.account = account;
	ld.mailbox = mailbox;
	ld.readonly = readonly;
	ld.fn = fn;
	ld.ctx = ctx;
	ld.stats = stats;
	if (ld.hc != NULL) {
		ret = hcache_state_get(ld.hc, account, mailbox, &ld.st, &cerr);
		if (ret < 0)
			cache_failed(&ld, cerr);
		ld.have = ret > 0 && ld.st.uidvalidity != 0;
	}
	if (ld.have) {
		if (ld.st.highestmodseq != 0 && imap_engine_qresync(engine))
			method = MAILBOX_QRESYNC;
		else if (ld.st.highestmodseq != 0 && (capa & IMAP_CAPA_CONDSTORE))
			method = MAILBOX_CONDSTORE;
		ret = warm_load(&ld, method, true, error_r);
		if (ret == 3) {
			ret = 1; /* SELECT/EXAMINE refused */
			goto out;
		}
		if (ret == 1) {
			/* the fast path did not add up: every UID and its flags, the long way */
			hcache_abort(&ld.txn);
			if (deliver_reset(&ld) < 0) {
				*error_r = _("aborted");
				ret = -1;
				goto out;
			}
			load_reset(&ld);
			stats->fell_back = true;
			ret = warm_load(&ld, MAILBOX_SWEEP, false, error_r);
		}
		if (ret == 2 || ret == 4) {
			/* UIDVALIDITY changed (the cached mailbox is gone), or the cache cannot be read */
			if (ret == 4)
				cache_failed(&ld, cerr_saved(&ld));
			hcache_abort(&ld.txn);
			if (deliver_reset(&ld) < 0) {
				*error_r = _("aborted");
				ret = -1;
				goto out;
			}
			load_reset(&ld);
			ret = cold_load(&ld, error_r);
		}
		goto out;
	}
	ret = session_wait(s, imap_engine_cmd_select(engine, mailbox, readonly), NULL, NULL, error_r);
	if (ret != 0)
		goto out;
	ret = cold_load(&ld, error_r);
out:
	hcache_abort(&ld.txn);
	free(ld.uids);
	free(ld.flags);
	free(ld.changes);
	free(ld.vanished);
	free(ld.missing);
	return ret;
}
