/* op.c: the one procedure per operation kind, run over an account's session by the worker and the CLI. */
#include "skua.h"
#include "op.h"
#include "backend/mailbox.h"
#include "backend/sync.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the operation value -------------------------------------------------------------------- */

void op_init(struct op *op, enum op_kind kind)
{
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->limit = SIZE_MAX;
	imap_uidset_init(&op->uids);
}

void op_set(char **field, const char *value)
{
	free(*field);
	*field = value != NULL ? xstrdup(value) : NULL;
}

void op_copy(struct op *dst, const struct op *src)
{
	*dst = *src;
	imap_uidset_init(&dst->uids);
	imap_uidset_copy(&dst->uids, &src->uids);
	dst->mailbox = src->mailbox != NULL ? xstrdup(src->mailbox) : NULL;
	dst->dest = src->dest != NULL ? xstrdup(src->dest) : NULL;
	dst->text = src->text != NULL ? xstrdup(src->text) : NULL;
	if (src->data != NULL) {
		dst->data = xmalloc(src->len + 1);
		memcpy(dst->data, src->data, src->len);
		dst->data[src->len] = '\0';
	}
}

void op_clear(struct op *op)
{
	free(op->mailbox);
	free(op->dest);
	free(op->text);
	free(op->data);
	imap_uidset_clear(&op->uids);
	op_init(op, op->kind);
}

const char *op_name(enum op_kind kind)
{
	switch (kind) {
	case OP_FOLDERS: return "folders";
	case OP_OPEN: return "open";
	case OP_BODY: return "body";
	case OP_FLAGS: return "flags";
	case OP_COPY: return "copy";
	case OP_MOVE: return "move";
	case OP_EXPUNGE: return "expunge";
	case OP_APPEND: return "append";
	case OP_CREATE: return "create";
	case OP_DELETE: return "delete";
	case OP_RENAME: return "rename";
	case OP_SUBSCRIBE: return "subscribe";
	case OP_UNSUBSCRIBE: return "unsubscribe";
	case OP_SEARCH: return "search";
	}
	return "?";
}

/* ---- the folder list ------------------------------------------------------------------------ */

/* Rebuilds the name hash for twice as many folders as there are (a quarter full at most). */
static void folder_list_rehash(struct worker_folder_list *fl)
{
	size_t size = 64;

	while (size < 4 * (fl->n + 1))
		size *= 2;
	free(fl->slots);
	fl->slots = xcalloc(size, sizeof(*fl->slots));
	fl->n_slots = size;
	for (size_t i = 0; i < fl->n; i++) {
		size_t h = (size_t)hash_str(fl->v[i].name) & (size - 1);
		while (fl->slots[h] != 0)
			h = (h + 1) & (size - 1);
		fl->slots[h] = (uint32_t)i + 1;
	}
}

/* Finds the folder called name, adding it when new: O(1) (a server may list a great many). */
static struct worker_folder *folder_list_find(struct worker_folder_list *fl, const char *name)
{
	size_t h;

	if (fl->n_slots < 2 * (fl->n + 1))
		folder_list_rehash(fl);
	for (h = (size_t)hash_str(name) & (fl->n_slots - 1); fl->slots[h] != 0; h = (h + 1) & (fl->n_slots - 1)) {
		if (strcmp(fl->v[fl->slots[h] - 1].name, name) == 0)
			return &fl->v[fl->slots[h] - 1];
	}
	fl->v = xgrow(fl->v, &fl->cap, fl->n + 1, sizeof(*fl->v));
	/* NonExistent until LIST says otherwise (a STATUS may come first) */
	fl->v[fl->n] = (struct worker_folder){ .name = xstrdup(name), .attrs = IMAP_MBOX_NONEXISTENT,
					       .messages = -1, .unseen = -1 };
	fl->slots[h] = (uint32_t)fl->n + 1;
	return &fl->v[fl->n++];
}

void worker_folder_list_event(struct worker_folder_list *fl, const struct imap_event *ev)
{
	struct worker_folder *f;

	if (ev->type == IMAP_EVENT_LIST) {
		f = folder_list_find(fl, ev->u.list.name);
		f->attrs = ev->u.list.attrs;
		f->delimiter = ev->u.list.delimiter;
	} else if (ev->type == IMAP_EVENT_STATUS) {
		f = folder_list_find(fl, ev->u.status.name);
		if (ev->u.status.messages >= 0)
			f->messages = ev->u.status.messages;
		if (ev->u.status.unseen >= 0)
			f->unseen = ev->u.status.unseen;
	}
}

static int folder_list_cmp(const void *a, const void *b)
{
	const struct worker_folder *fa = a, *fb = b;
	bool ia = strcasecmp(fa->name, "INBOX") == 0, ib = strcasecmp(fb->name, "INBOX") == 0;

	if (ia != ib)
		return ia ? -1 : 1;
	return strcmp(fa->name, fb->name);
}

void worker_folder_list_sort(struct worker_folder_list *fl)
{
	if (fl->n > 1)
		qsort(fl->v, fl->n, sizeof(*fl->v), folder_list_cmp);
	/* positions changed: the hash is made again when next needed */
	free(fl->slots);
	fl->slots = NULL;
	fl->n_slots = 0;
}

void worker_folder_list_free(struct worker_folder_list *fl)
{
	for (size_t i = 0; i < fl->n; i++)
		free(fl->v[i].name);
	free(fl->v);
	free(fl->slots);
	memset(fl, 0, sizeof(*fl));
}

/* ---- running ------------------------------------------------------------------------------- */

/* An operation being run. */
struct run {
	struct account *a;
	const struct op *op;
	const struct op_sink *sink;
	bool stopped;              /* a sink callback returned -1 */
};

static bool run_cancelled(struct run *r)
{
	if (!r->stopped && r->sink->cancelled != NULL && r->sink->cancelled(r->sink->ctx))
		r->stopped = true;
	return r->stopped;
}

/* session_wait's callback for commands whose data nobody needs. */
static int plain_event(void *ctx, const struct imap_event *ev)
{
	(void)ev;
	return run_cancelled(ctx) ? -1 : 0;
}

/* A sink call's result: -1 stops the operation. */
static int sunk(struct run *r, int ret)
{
	if (ret < 0)
		r->stopped = true;
	return ret;
}

static struct imap_engine *run_engine(struct run *r)
{
	return session_engine(account_session(r->a));
}

/* Waits for cmd, passing events to fn (NULL: plain_event). Returns OP_OK, OP_FAILED when the server
 * refused it (*error_r = its text) or OP_LOST (*error_r). */
static int run_wait(struct run *r, uint32_t cmd, session_event_fn *fn, void *ctx, const char **error_r)
{
	int ret = session_wait(account_session(r->a), cmd, fn != NULL ? fn : plain_event, fn != NULL ? ctx : r,
			       error_r);

	if (ret < 0 && r->stopped)
		*error_r = _("aborted");
	return ret < 0 ? OP_LOST : ret > 0 ? OP_FAILED : OP_OK;
}

/* ---- folders ------------------------------------------------------------------------------- */

struct folders_ctx {
	struct run *r;
	struct worker_folder_list list;
};

static int folders_event(void *ctx, const struct imap_event *ev)
{
	struct folders_ctx *fc = ctx;

	worker_folder_list_event(&fc->list, ev);
	return plain_event(fc->r, ev);
}

static int op_folders(struct run *r, int64_t *count_r, const char **error_r)
{
	struct folders_ctx fc = { r, { NULL, 0, 0, NULL, 0 } };
	int ret = run_wait(r, imap_engine_cmd_list(run_engine(r)), folders_event, &fc, error_r);

	if (ret == OP_FAILED)
		*error_r = errstr(_("cannot list folders (server said: %s)"), *error_r);
	if (ret == OP_OK) {
		worker_folder_list_sort(&fc.list);
		for (size_t i = 0; i < fc.list.n; i++) {
			if (fc.list.v[i].attrs & IMAP_MBOX_NONEXISTENT)
				continue;
			if (r->sink->folder != NULL && sunk(r, r->sink->folder(r->sink->ctx, &fc.list.v[i])) < 0) {
				*error_r = _("aborted");
				ret = OP_FAILED;
				break;
			}
			(*count_r)++;
		}
	}
	worker_folder_list_free(&fc.list);
	return ret;
}

/* ---- open ---------------------------------------------------------------------------------- */

struct open_ctx {
	struct run *r;
	uint32_t *uids;            /* what was handed over, for the tracker */
	size_t n, cap;
	bool mailbox_told;
	uint32_t uidvalidity, exists;
};

/* Tells the sink the mailbox's figures unless it has them already. */
static int open_mailbox(struct open_ctx *oc)
{
	const struct imap_mailbox_info *mb = imap_engine_mailbox(run_engine(oc->r));

	if (oc->mailbox_told && mb->uidvalidity == oc->uidvalidity && mb->exists == oc->exists)
		return 0;
	oc->mailbox_told = true;
	oc->uidvalidity = mb->uidvalidity;
	oc->exists = mb->exists;
	if (oc->r->sink->mailbox == NULL)
		return 0;
	return sunk(oc->r, oc->r->sink->mailbox(oc->r->sink->ctx, mb->uidvalidity, mb->exists));
}

static int open_msg(void *ctx, const struct hcache_msg *m)
{
	struct open_ctx *oc = ctx;

	if (run_cancelled(oc->r))
		return -1;
	if (m == NULL) {
		oc->n = 0;
	} else {
		if (open_mailbox(oc) < 0)
			return -1;
		oc->uids = xgrow(oc->uids, &oc->cap, oc->n + 1, sizeof(*oc->uids));
		oc->uids[oc->n++] = m->uid;
	}
	return oc->r->sink->msg != NULL ? sunk(oc->r, oc->r->sink->msg(oc->r->sink->ctx, m)) : 0;
}

static int open_preview(void *ctx, const struct hcache_msg *m)
{
	struct open_ctx *oc = ctx;

	if (run_cancelled(oc->r))
		return -1;
	return oc->r->sink->preview != NULL ? sunk(oc->r, oc->r->sink->preview(oc->r->sink->ctx, m)) : 0;
}

static int op_open(struct run *r, int64_t *count_r, const char **error_r)
{
	const struct op *op = r->op;
	struct account *a = r->a;
	struct open_ctx oc = { r, NULL, 0, 0, false, 0, 0 };
	struct sync_params p = { .account = account_cfg(a)->name, .mailbox = op->mailbox, .readonly = op->readonly,
				 .preview = op->preview, .preview_order = op->order, .limit = op->limit,
				 .limit_order = op->order };
	struct sync_sink sink = { open_msg, open_preview, &oc };
	struct mailbox_load_stats stats;
	bool partial = false;
	int ret;

	if (op->mailbox == NULL || op->mailbox[0] == '\0') {
		*error_r = _("no folder given");
		return OP_FAILED;
	}
	/* the sync selects it (and reads the changes the tracker would otherwise see) */
	account_unselected(a);
	ret = mailbox_sync(account_session(a), account_hcache(a), &p, &sink, &stats, &partial, error_r);
	if (ret == 0) {
		const struct imap_mailbox_info *mb = imap_engine_mailbox(run_engine(r));
		struct track *t = track_new(account_hcache(a), account_cfg(a)->name, op->mailbox, mb->uidvalidity,
					    mb->uidnext, mb->exists);

		log_info("%s: open %s: %zu from cache, %zu fetched, %zu flag changes, %zu expunged (%s%s%s%s)",
			 account_cfg(a)->name, op->mailbox, stats.from_cache, stats.fetched, stats.flag_changes,
			 stats.expunged, mailbox_method_name(stats.method), stats.unchanged ? ", unchanged" : "",
			 stats.fell_back ? ", fell back" : "", partial ? ", newest only" : "");
		if (r->sink->opened != NULL)
			r->sink->opened(r->sink->ctx, &stats, partial);
		if (!partial) {
			track_set_uids(t, oc.uids, oc.n);
			oc.uids = NULL;
		}
		account_selected(a, op->mailbox, !op->readonly, t);
		if (open_mailbox(&oc) < 0) {
			*error_r = _("aborted");
			ret = OP_FAILED;
		}
		*count_r = (int64_t)oc.n;
	} else if (ret > 0) {
		log_info("%s: SELECT %s refused: %s", account_cfg(a)->name, op->mailbox, *error_r);
		*error_r = errstr(_("no such folder '%s' (server said: %s)"), op->mailbox, *error_r);
		ret = OP_FAILED;
	} else {
		/* stopped by the sink, or the connection failed: either way it is dropped (a cancelled
		 * open must not keep the server streaming) */
		ret = OP_LOST;
		if (r->stopped)
			*error_r = _("aborted");
	}
	free(oc.uids);
	return ret;
}

/* ---- body ---------------------------------------------------------------------------------- */

struct body_ctx {
	struct run *r;
	uint32_t uid;
	bool found, have_body;
	int64_t size;                /* RFC822.SIZE, -1 unknown */
	struct buf body;             /* the message */
	struct buf streamed;         /* the body sink's target while a literal streams */
};

static void body_sink(void *ctx, const char *data, size_t len, bool final)
{
	struct body_ctx *bc = ctx;

	buf_append(&bc->streamed, data, len);
	(void)final;
}

static int body_event(void *ctx, const struct imap_event *ev)
{
	struct body_ctx *bc = ctx;
	const struct imap_fetch *f = &ev->u.fetch;

	if (ev->type != IMAP_EVENT_FETCH || f->uid != bc->uid)
		return plain_event(bc->r, ev);
	bc->found = true;
	if (f->size >= 0)
		bc->size = f->size;
	for (size_t i = 0; i < f->n_sections; i++) {
		const struct imap_fetch_section *sec = &f->sections[i];

		if (sec->section[0] != '\0')
			continue;
		bc->have_body = true;
		buf_reset(&bc->body);
		if (sec->streamed) {
			struct buf tmp = bc->body;
			bc->body = bc->streamed;
			bc->streamed = tmp;
			buf_reset(&bc->streamed);
		} else if (sec->data != NULL) {
			buf_append(&bc->body, sec->data, sec->len);
		}
	}
	return plain_event(bc->r, ev);
}

/* The single UID of an operation on one message, or 0. */
static uint32_t single_uid(const struct op *op)
{
	uint32_t lo = imap_uidset_min(&op->uids);

	return lo != 0 && lo == imap_uidset_max(&op->uids) ? lo : 0;
}

static int op_body(struct run *r, const char **error_r)
{
	const struct op *op = r->op;
	struct account *a = r->a;
	struct imap_engine *engine = run_engine(r);
	struct body_ctx bc;
	struct bcache *cache;
	const char *folder = op->mailbox, *cerr;
	uint32_t probe, uidvalidity;
	char uidstr[16];
	int ret;

	memset(&bc, 0, sizeof(bc));
	bc.r = r;
	bc.uid = single_uid(op);
	bc.size = -1;
	if (folder == NULL || *folder == '\0' || bc.uid == 0) {
		*error_r = _("no such message");
		return OP_FAILED;
	}
	snprintf(uidstr, sizeof(uidstr), "%u", bc.uid);
	ret = account_select(a, folder, false, op->uidvalidity, error_r);
	if (ret != OP_OK)
		return ret;
	/* the probe, for existence and size */
	probe = imap_engine_cmd_fetch(engine, uidstr, "(UID RFC822.SIZE)");
	ret = run_wait(r, probe, body_event, &bc, error_r);
	if (ret == OP_OK && !bc.found)
		ret = OP_FAILED;
	if (ret == OP_FAILED)
		*error_r = errstr(_("no such message in '%s': UID %u"), folder, bc.uid);
	if (ret != OP_OK)
		goto out;
	uidvalidity = imap_engine_mailbox(engine)->uidvalidity;
	cache = uidvalidity != 0 ? account_bcache(a) : NULL;
	if (cache != NULL && bcache_get(cache, account_cfg(a)->name, folder, uidvalidity, bc.uid, bc.size, &bc.body,
					&cerr) > 0) {
		bc.have_body = true;
		log_debug("%s: body %s %u from the body cache", account_cfg(a)->name, folder, bc.uid);
	} else {
		imap_engine_set_body_sink(engine, body_sink, &bc);
		ret = run_wait(r, imap_engine_cmd_fetch(engine, uidstr, "(UID BODY.PEEK[])"), body_event, &bc, error_r);
		imap_engine_set_body_sink(engine, NULL, NULL);
		if (ret == OP_OK && !bc.have_body)
			ret = OP_FAILED;
		if (ret == OP_FAILED)
			*error_r = errstr(_("no such message in '%s': UID %u"), folder, bc.uid);
		if (ret != OP_OK)
			goto out;
		if (cache != NULL && bcache_put(cache, account_cfg(a)->name, folder, uidvalidity, bc.uid,
						bc.body.data != NULL ? bc.body.data : "", bc.body.len, &cerr) < 0)
			log_warn("%s", cerr);
	}
	if (r->sink->body != NULL) {
		size_t len = bc.body.len;
		char *data = bc.body.data != NULL ? buf_steal(&bc.body) : xstrdup("");

		if (sunk(r, r->sink->body(r->sink->ctx, data, len)) < 0) {
			*error_r = _("aborted");
			ret = OP_FAILED;
		}
	}
out:
	buf_free(&bc.body);
	buf_free(&bc.streamed);
	return ret;
}

/* ---- flags --------------------------------------------------------------------------------- */

struct flags_ctx {
	struct run *r;
	struct imap_uidset seen;     /* UIDs of the set the server answered for */
	bool failed_sink;
};

static int flags_event(void *ctx, const struct imap_event *ev)
{
	struct flags_ctx *fc = ctx;
	const struct imap_fetch *f = &ev->u.fetch;

	if (ev->type == IMAP_EVENT_FETCH && f->has_flags && imap_uidset_contains(&fc->r->op->uids, f->uid)) {
		imap_uidset_add(&fc->seen, f->uid);
		if (fc->r->sink->flags != NULL && sunk(fc->r, fc->r->sink->flags(fc->r->sink->ctx, f->uid, f->flags)) < 0)
			return -1;
	}
	return plain_event(fc->r, ev);
}

static int op_flags(struct run *r, const char **error_r)
{
	const struct op *op = r->op;
	struct imap_engine *engine = run_engine(r);
	struct flags_ctx fc = { r, IMAP_UIDSET_INIT, false };
	struct imap_store store = { 0 };
	uint32_t cmds[2];
	size_t n = 0;
	int ret = OP_OK;

	if (op->mailbox == NULL || op->mailbox[0] == '\0' || imap_uidset_is_empty(&op->uids)) {
		*error_r = _("no such message");
		return OP_FAILED;
	}
	if (((op->add | op->remove) & ~(uint32_t)OP_STORABLE_FLAGS) != 0 || (op->add & op->remove) != 0 ||
	    (op->add | op->remove) == 0) {
		*error_r = _("these flags cannot be changed");
		return OP_FAILED;
	}
	/* STORE needs the folder SELECTed, not EXAMINEd */
	ret = account_select(r->a, op->mailbox, true, op->uidvalidity, error_r);
	if (ret == OP_FAILED && strstr(*error_r, "read-only") != NULL)
		*error_r = errstr(_("cannot change flags: the folder '%s' is read-only"), op->mailbox);
	else if (ret == OP_FAILED && op->uidvalidity != 0 &&
		 imap_engine_mailbox(engine)->uidvalidity != op->uidvalidity)
		*error_r = errstr(_("cannot change flags: the folder '%s' was renewed on the server (open it again)"),
				  op->mailbox);
	if (ret != OP_OK)
		return ret;
	/* not .SILENT: the answer says the flags the messages have now */
	if (op->add != 0) {
		store.mode = IMAP_STORE_ADD;
		store.flags = op->add;
		cmds[n++] = imap_engine_cmd_uid_store(engine, &op->uids, &store);
	}
	if (op->remove != 0) {
		store.mode = IMAP_STORE_REMOVE;
		store.flags = op->remove;
		cmds[n++] = imap_engine_cmd_uid_store(engine, &op->uids, &store);
	}
	for (size_t i = 0; i < n; i++) {
		const char *said;
		int w = run_wait(r, cmds[i], flags_event, &fc, &said);

		if (w == OP_LOST) {
			*error_r = said;
			ret = OP_LOST;
			goto out;
		}
		if (w == OP_FAILED && ret == OP_OK) {
			/* the other STORE pipelined behind it is drained all the same */
			*error_r = errstr(_("the server refused to change the flags: %s"), said);
			ret = OP_FAILED;
		}
	}
	if (ret != OP_OK)
		goto out;
	if (!imap_uidset_equal(&fc.seen, &op->uids)) {
		/* a server that answered without the UIDs, or messages that are gone: ask */
		struct imap_fetch_spec spec = { .items = IMAP_FETCH_UID | IMAP_FETCH_FLAGS };
		struct imap_uidset rest = IMAP_UIDSET_INIT;

		if (imap_engine_capabilities(engine) & IMAP_CAPA_CONDSTORE)
			spec.items |= IMAP_FETCH_MODSEQ;
		imap_uidset_copy(&rest, &op->uids);
		for (size_t i = 0; i < fc.seen.count; i++)
			imap_uidset_remove_range(&rest, fc.seen.ranges[i].lo, fc.seen.ranges[i].hi);
		ret = run_wait(r, imap_engine_cmd_uid_fetch(engine, &rest, &spec), flags_event, &fc, error_r);
		imap_uidset_clear(&rest);
		/* one message that is not there is an error; in a set, the gone ones are just gone */
		if (ret == OP_OK && fc.seen.count == 0 && single_uid(op) != 0)
			ret = OP_FAILED;
		if (ret == OP_FAILED)
			*error_r = errstr(_("no such message in '%s': UID %u"), op->mailbox, imap_uidset_min(&op->uids));
	}
out:
	imap_uidset_clear(&fc.seen);
	return ret;
}

/* ---- copy, move, expunge ---------------------------------------------------------------------- */

/* The COPYUID of a DONE, for the sink. */
struct copy_ctx {
	struct run *r;
	uint32_t cmd;
	bool have;
	uint32_t uidvalidity;
	struct imap_uidset src, dst;
	enum imap_code code;
};

static int copy_event(void *ctx, const struct imap_event *ev)
{
	struct copy_ctx *cc = ctx;

	if (ev->type == IMAP_EVENT_DONE && ev->cmd == cc->cmd) {
		cc->code = ev->u.done.code;
		if (ev->u.done.copy_src != NULL && ev->u.done.copy_dst != NULL && ev->u.done.copy_in_order) {
			cc->have = true;
			cc->uidvalidity = ev->u.done.uidvalidity;
			imap_uidset_copy(&cc->src, ev->u.done.copy_src);
			imap_uidset_copy(&cc->dst, ev->u.done.copy_dst);
		}
	}
	return plain_event(cc->r, ev);
}

/* Waits for a COPY or MOVE and reports where the messages went. */
static int copy_wait(struct run *r, uint32_t cmd, const char *verb, const char **error_r)
{
	struct copy_ctx cc = { r, cmd, false, 0, IMAP_UIDSET_INIT, IMAP_UIDSET_INIT, IMAP_CODE_NONE };
	int ret = run_wait(r, cmd, copy_event, &cc, error_r);

	if (ret == OP_FAILED && cc.code == IMAP_CODE_TRYCREATE)
		*error_r = errstr(_("cannot %s to '%s': no such folder"), verb, r->op->dest);
	else if (ret == OP_FAILED)
		*error_r = errstr(_("cannot %s to '%s' (server said: %s)"), verb, r->op->dest, *error_r);
	if (ret == OP_OK && cc.have && r->sink->copied != NULL &&
	    sunk(r, r->sink->copied(r->sink->ctx, cc.uidvalidity, &cc.src, &cc.dst)) < 0) {
		*error_r = _("aborted");
		ret = OP_FAILED;
	}
	imap_uidset_clear(&cc.src);
	imap_uidset_clear(&cc.dst);
	return ret;
}

/* Marks the operation's messages \Deleted, silently. */
static int mark_deleted(struct run *r, const char **error_r)
{
	struct imap_store store = { .mode = IMAP_STORE_ADD, .flags = IMAP_FLAG_DELETED, .silent = true };
	int ret = run_wait(r, imap_engine_cmd_uid_store(run_engine(r), &r->op->uids, &store), NULL, NULL, error_r);

	if (ret == OP_FAILED)
		*error_r = errstr(_("the server refused to mark messages deleted: %s"), *error_r);
	return ret;
}

/* UID EXPUNGE of exactly the operation's messages. */
static int expunge_uids(struct run *r, const char **error_r)
{
	int ret = run_wait(r, imap_engine_cmd_uid_expunge(run_engine(r), &r->op->uids), NULL, NULL, error_r);

	if (ret == OP_FAILED)
		*error_r = errstr(_("the server refused to expunge: %s"), *error_r);
	return ret;
}

/* Checks the messages and selects their folder read-write. */
static int select_messages(struct run *r, const char **error_r)
{
	const struct op *op = r->op;

	if (op->mailbox == NULL || op->mailbox[0] == '\0' || imap_uidset_is_empty(&op->uids)) {
		*error_r = _("no message given");
		return OP_FAILED;
	}
	return account_select(r->a, op->mailbox, true, op->uidvalidity, error_r);
}

static int op_copy_move(struct run *r, bool move, const char **error_r)
{
	const struct op *op = r->op;
	struct imap_engine *engine;
	uint32_t capa;
	int ret;

	if (op->dest == NULL || op->dest[0] == '\0') {
		*error_r = _("no destination folder given");
		return OP_FAILED;
	}
	if (move && op->mailbox != NULL && strcmp(op->mailbox, op->dest) == 0) {
		*error_r = _("the messages are in that folder already");
		return OP_FAILED;
	}
	if ((ret = select_messages(r, error_r)) != OP_OK)
		return ret;
	engine = run_engine(r);
	capa = imap_engine_capabilities(engine);
	if (!move)
		return copy_wait(r, imap_engine_cmd_uid_copy(engine, &op->uids, op->dest), "copy", error_r);
	if (capa & IMAP_CAPA_MOVE)
		return copy_wait(r, imap_engine_cmd_uid_move(engine, &op->uids, op->dest), "move", error_r);
	/* COPY, then \Deleted and UID EXPUNGE of exactly these: never a plain EXPUNGE (a failed copy leaves
	 * the originals alone) */
	if ((ret = copy_wait(r, imap_engine_cmd_uid_copy(engine, &op->uids, op->dest), "move", error_r)) != OP_OK)
		return ret;
	if ((ret = mark_deleted(r, error_r)) != OP_OK)
		return ret;
	if (!(capa & IMAP_CAPA_UIDPLUS)) {
		/* a plain EXPUNGE would take other clients' \Deleted mail too */
		if (r->sink->note != NULL)
			r->sink->note(r->sink->ctx, _("copied; the originals stay, marked deleted: this server cannot "
						      "expunge only them"));
		return OP_OK;
	}
	return expunge_uids(r, error_r);
}

static int op_expunge(struct run *r, const char **error_r)
{
	int ret = select_messages(r, error_r);

	if (ret != OP_OK)
		return ret;
	if (!(imap_engine_capabilities(run_engine(r)) & IMAP_CAPA_UIDPLUS)) {
		*error_r = _("cannot expunge only these messages: the server does not offer UIDPLUS");
		return OP_FAILED;
	}
	if ((ret = mark_deleted(r, error_r)) != OP_OK)
		return ret;
	return expunge_uids(r, error_r);
}

/* ---- append ------------------------------------------------------------------------------- */

struct append_ctx {
	struct run *r;
	uint32_t cmd, uidvalidity, uid;
	enum imap_code code;
};

static int append_event(void *ctx, const struct imap_event *ev)
{
	struct append_ctx *ac = ctx;

	if (ev->type == IMAP_EVENT_DONE && ev->cmd == ac->cmd) {
		ac->code = ev->u.done.code;
		ac->uidvalidity = ev->u.done.uidvalidity;
		ac->uid = ev->u.done.append_uid;
	}
	return plain_event(ac->r, ev);
}

static int op_append(struct run *r, const char **error_r)
{
	const struct op *op = r->op;
	struct imap_append params = { .flags = op->add, .date = op->date };
	struct append_ctx ac = { r, 0, 0, 0, IMAP_CODE_NONE };
	int ret;

	if (op->mailbox == NULL || op->mailbox[0] == '\0' || op->data == NULL) {
		*error_r = _("nothing to append");
		return OP_FAILED;
	}
	ac.cmd = imap_engine_cmd_append(run_engine(r), op->mailbox, &params, op->data, op->len);
	if (ac.cmd == 0) {
		*error_r = _("this message cannot be stored on the server (it holds NUL bytes)");
		return OP_FAILED;
	}
	ret = run_wait(r, ac.cmd, append_event, &ac, error_r);
	if (ret == OP_FAILED && ac.code == IMAP_CODE_TRYCREATE)
		*error_r = errstr(_("cannot store the message in '%s': no such folder"), op->mailbox);
	else if (ret == OP_FAILED)
		*error_r = errstr(_("cannot store the message in '%s' (server said: %s)"), op->mailbox, *error_r);
	if (ret == OP_OK && ac.uid != 0 && r->sink->appended != NULL &&
	    sunk(r, r->sink->appended(r->sink->ctx, ac.uidvalidity, ac.uid)) < 0) {
		*error_r = _("aborted");
		ret = OP_FAILED;
	}
	return ret;
}

/* ---- folder management ---------------------------------------------------------------------- */

static int op_folder(struct run *r, const char **error_r)
{
	const struct op *op = r->op;
	struct imap_engine *engine = run_engine(r);
	const char *selected = account_selected_name(r->a);
	uint32_t cmd;
	int ret;

	if (op->mailbox == NULL || op->mailbox[0] == '\0' || (op->kind == OP_RENAME && (op->dest == NULL ||
											  op->dest[0] == '\0'))) {
		*error_r = _("no folder given");
		return OP_FAILED;
	}
	/* a folder that goes away or changes its name is not left selected */
	if ((op->kind == OP_DELETE || op->kind == OP_RENAME) && selected != NULL && strcmp(selected, op->mailbox) == 0) {
		uint32_t un = imap_engine_cmd_unselect(engine);

		account_unselected(r->a);
		if (un != 0 && (ret = run_wait(r, un, NULL, NULL, error_r)) == OP_LOST)
			return ret;
	}
	switch (op->kind) {
	case OP_CREATE: cmd = imap_engine_cmd_create(engine, op->mailbox); break;
	case OP_DELETE: cmd = imap_engine_cmd_delete(engine, op->mailbox); break;
	case OP_RENAME: cmd = imap_engine_cmd_rename(engine, op->mailbox, op->dest); break;
	case OP_SUBSCRIBE: cmd = imap_engine_cmd_subscribe(engine, op->mailbox); break;
	default: cmd = imap_engine_cmd_unsubscribe(engine, op->mailbox); break;
	}
	ret = run_wait(r, cmd, NULL, NULL, error_r);
	if (ret == OP_FAILED)
		*error_r = errstr(_("cannot %s the folder '%s' (server said: %s)"), op_name(op->kind), op->mailbox,
				  *error_r);
	return ret;
}

/* ---- search ------------------------------------------------------------------------------- */

struct search_ctx {
	struct run *r;
	uint32_t cmd;
	struct imap_uidset found;
};

static int search_event(void *ctx, const struct imap_event *ev)
{
	struct search_ctx *sc = ctx;

	if (ev->type == IMAP_EVENT_SEARCH && ev->cmd == sc->cmd) {
		for (size_t i = 0; i < ev->u.search.count; i++)
			imap_uidset_add(&sc->found, ev->u.search.uids[i]);
	}
	return plain_event(sc->r, ev);
}

static int op_search(struct run *r, int64_t *count_r, const char **error_r)
{
	static const enum imap_search_op ops[] = {
		[OP_SEARCH_TEXT] = IMAP_SEARCH_TEXT, [OP_SEARCH_BODY] = IMAP_SEARCH_BODY,
		[OP_SEARCH_SUBJECT] = IMAP_SEARCH_SUBJECT, [OP_SEARCH_FROM] = IMAP_SEARCH_FROM,
		[OP_SEARCH_TO] = IMAP_SEARCH_TO,
	};
	const struct op *op = r->op;
	struct search_ctx sc = { r, 0, IMAP_UIDSET_INIT };
	struct imap_search_key key = { .op = IMAP_SEARCH_TEXT };
	int ret;

	if (op->field == OP_SEARCH_UIDS ? imap_uidset_is_empty(&op->uids) :
	    op->text == NULL || (size_t)op->field >= N_ELEMENTS(ops)) {
		*error_r = _("nothing to search for");
		return OP_FAILED;
	}
	if (op->mailbox == NULL || op->mailbox[0] == '\0') {
		*error_r = _("no folder given");
		return OP_FAILED;
	}
	if ((ret = account_select(r->a, op->mailbox, false, op->uidvalidity, error_r)) != OP_OK)
		return ret;
	if (op->field == OP_SEARCH_UIDS) {
		key.op = IMAP_SEARCH_UID;
		key.uids = &op->uids;
	} else {
		key.op = ops[op->field];
		key.value = op->text;
	}
	sc.cmd = imap_engine_cmd_uid_search(run_engine(r), &key);
	ret = run_wait(r, sc.cmd, search_event, &sc, error_r);
	if (ret == OP_FAILED)
		*error_r = errstr(_("the server refused to search: %s"), *error_r);
	if (ret == OP_OK) {
		*count_r = (int64_t)imap_uidset_count(&sc.found);
		if (r->sink->found != NULL && sunk(r, r->sink->found(r->sink->ctx, &sc.found)) < 0) {
			*error_r = _("aborted");
			ret = OP_FAILED;
		}
	}
	imap_uidset_clear(&sc.found);
	return ret;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

static int early_preview(void *ctx, const struct hcache_msg *m)
{
	struct run *r = ctx;

	return run_cancelled(r) ? -1 : sunk(r, r->sink->preview(r->sink->ctx, m));
}

bool op_open_preview(struct account *a, const struct op *op, const struct op_sink *sink)
{
	struct run r = { a, op, sink, false };
	struct hcache *hc = account_hcache(a);
	const char *name = account_cfg(a)->name, *error;
	struct hcache_state st;

	if (op->kind != OP_OPEN || op->preview == 0 || sink->preview == NULL || hc == NULL || op->mailbox == NULL ||
	    account_connected(a))
		return false;
	if (hcache_state_get(hc, name, op->mailbox, &st, &error) <= 0 || st.uidvalidity == 0)
		return false;
	if (hcache_newest(hc, name, op->mailbox, st.uidvalidity, op->order, op->preview, early_preview, &r,
			  &error) < 0)
		log_warn("%s", error);
	if (!r.stopped)
		(void)sink->preview(sink->ctx, NULL);
	return true;
}

int op_run(struct account *a, const struct op *op, const struct op_sink *sink, int64_t *count_r,
	   const char **error_r)
{
	static const struct op_sink none = { 0 };
	struct run r = { a, op, sink != NULL ? sink : &none, false };
	int64_t count = 0;
	int ret;

	if (account_connect(a, error_r) < 0)
		return OP_LOST;
	switch (op->kind) {
	case OP_FOLDERS: ret = op_folders(&r, &count, error_r); break;
	case OP_OPEN: ret = op_open(&r, &count, error_r); break;
	case OP_BODY: ret = op_body(&r, error_r); break;
	case OP_FLAGS: ret = op_flags(&r, error_r); break;
	case OP_COPY: ret = op_copy_move(&r, false, error_r); break;
	case OP_MOVE: ret = op_copy_move(&r, true, error_r); break;
	case OP_EXPUNGE: ret = op_expunge(&r, error_r); break;
	case OP_APPEND: ret = op_append(&r, error_r); break;
	case OP_CREATE:
	case OP_DELETE:
	case OP_RENAME:
	case OP_SUBSCRIBE:
	case OP_UNSUBSCRIBE: ret = op_folder(&r, error_r); break;
	case OP_SEARCH: ret = op_search(&r, &count, error_r); break;
	default:
		*error_r = errstr("unknown operation %d", (int)op->kind);
		ret = OP_FAILED;
		break;
	}
	if (ret == OP_LOST) {
		/* the error may live in the session freed below */
		*error_r = errstr("%s", *error_r);
		account_disconnect(a);
	}
	if (count_r != NULL)
		*count_r = count;
	return ret;
}
