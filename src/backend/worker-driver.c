/* worker-driver.c: test-worker's driver mode: one account worker driven from the command line,
 * printing what it posts, for tests/integration/worker.sh. */
#include "skua.h"
#include "worker-driver.h"
#include "worker.h"
#include "backend/setup.h"
#include "cfg/cfg.h"
#include "ev/ev-loop.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long any one wait may take before the driver gives up (and fails). */
#define DRIVER_DEADLINE_MS 120000

static const char usage[] =
	"usage: test-worker drive [-F config] [-a account] [-q ui-queue-length] [-d logfile] COMMAND...\n"
	"Each COMMAND is one argument, its words separated by spaces:\n"
	"  folders | open FOLDER [UIDFILE] | body FOLDER UID [FILE]   a request, waited for\n"
	"  flags FOLDER UID +seen|-seen|+flagged|-flagged...           (WORKER_REQ_FLAGS)\n"
	"  start folders|open FOLDER|body FOLDER UID                 a request in the background\n"
	"  wait-msgs | cancel | finish                                wait for its first records, cancel it\n"
	"                                                             (timed), or wait for its final message\n"
	"  wait-quiet MS                                              wait until nothing came for MS\n"
	"  stop                                                       stop the worker (timed), start another\n"
	"  keepalive MS | idle on|off | wait-status idle|connecting|ready|busy|failed | run SHELL-COMMAND\n"
	"  op copy|move FOLDER UIDSET DEST | op expunge FOLDER UIDSET | op create|delete|subscribe|\n"
	"     unsubscribe FOLDER | op rename FOLDER NEW | op append FOLDER FILE | op search FOLDER\n"
	"     text|body|subject|from|to WORD | op flags FOLDER UIDSET +flag...   (worker_submit)\n"
	"  wait-changed | wait-change TEXT                            wait for a WORKER_EV_CHANGED (whose\n"
	"                                                             line, a space after it, holds TEXT)\n"
	"Prints one line per message received (sanitised); BUG lines for broken promises. Exit 0 when every\n"
	"command went as it must and no BUG was seen.\n";

/* A request the driver waits for. */
struct pending {
	uint64_t id;                 /* 0: none */
	char label[16];
	bool final;                  /* its final message came */
	uint32_t final_type;
	size_t msgs;                 /* records received since the last reset */
	uint32_t *uids;              /* their UIDs */
	size_t n_uids, cap_uids;
	FILE *body_out;              /* where the body goes, or NULL */
};

struct driver {
	struct cfg_account *acct;
	struct hcache *hc;
	struct ev_queue *ui;
	struct worker *w;
	struct pending fg, bg;       /* the request waited for, the one in the background */
	uint64_t *finished;          /* ids whose final came */
	size_t n_finished, cap_finished;
	int last_status;             /* the enum worker_conn of the last status, -1 none */
	size_t changes;              /* WORKER_EV_CHANGED messages seen */
	struct buf change_lines;     /* their lines, for wait-change */
	bool bug;
};

static const char *const conn_names[] = { "idle", "connecting", "ready", "busy", "failed" };

static void bug(struct driver *d, const char *what, uint64_t id)
{
	printf("BUG %s (request %llu)\n", what, (unsigned long long)id);
	d->bug = true;
}

static void print_text(const char *prefix, const char *text)
{
	char *clean = sanitize_line(text != NULL ? text : "", text != NULL ? strlen(text) : 0);

	printf("%s%s\n", prefix, clean);
	free(clean);
}

static bool was_finished(const struct driver *d, uint64_t id)
{
	for (size_t i = 0; i < d->n_finished; i++) {
		if (d->finished[i] == id)
			return true;
	}
	return false;
}

static void pending_clear(struct pending *p)
{
	if (p->body_out != NULL)
		fclose(p->body_out);
	free(p->uids);
	memset(p, 0, sizeof(*p));
}

static void batch_received(struct driver *d, struct pending *p, const struct ev_msg *m)
{
	const struct worker_batch *b = m->payload;
	struct hcache_msg msg;
	size_t off = 0, n = 0;

	while (worker_batch_next(b, &off, &msg)) {
		if (p != NULL) {
			p->uids = xgrow(p->uids, &p->cap_uids, p->n_uids + 1, sizeof(*p->uids));
			p->uids[p->n_uids++] = msg.uid;
		}
		n++;
	}
	if (n != b->count || off != b->data.len)
		bug(d, "a batch that does not decode", m->request_id);
	if (p != NULL)
		p->msgs += n;
	printf("msgs %zu\n", n);
}

static void final_received(struct driver *d, struct pending *p, const struct ev_msg *m)
{
	const char *label = p != NULL ? p->label : "?";
	char prefix[32];

	if (m->type == WORKER_EV_DONE) {
		printf("done %s %lld\n", label, (long long)m->b);
	} else if (m->type == WORKER_EV_ERROR) {
		snprintf(prefix, sizeof(prefix), "error %s ", label);
		print_text(prefix, m->payload);
	} else {
		printf("cancelled %s\n", label);
	}
	if (p != NULL) {
		p->final = true;
		p->final_type = m->type;
	}
	d->finished = xgrow(d->finished, &d->cap_finished, d->n_finished + 1, sizeof(*d->finished));
	d->finished[d->n_finished++] = m->request_id;
}

/* A mailbox changed: one line, "changed FOLDER exists N flags UID:FLAGS... expunged SET added UID...". */
static void changed_received(struct driver *d, const struct ev_msg *m)
{
	const struct track_changes *c = m->payload;
	struct buf line = BUF_INIT, set = BUF_INIT;
	struct hcache_msg msg;
	size_t off = 0;

	if (m->request_id != 0)
		bug(d, "a change that claims a request", m->request_id);
	buf_appendf(&line, "changed %s exists %u flags", c->mailbox, c->exists);
	for (size_t i = 0; i < c->n_flags; i++)
		buf_appendf(&line, " %u:%s%s%s", c->flags[i].uid, (c->flags[i].flags & IMAP_FLAG_SEEN) ? "S" : "",
			    (c->flags[i].flags & IMAP_FLAG_FLAGGED) ? "F" : "",
			    (c->flags[i].flags & IMAP_FLAG_DELETED) ? "D" : "");
	imap_uidset_format(&c->expunged, &set);
	buf_appendf(&line, " expunged %s added", set.len > 0 ? set.data : "-");
	while (c->added != NULL && worker_batch_next(c->added, &off, &msg))
		buf_appendf(&line, " %u", msg.uid);
	print_text("", line.data);
	buf_append(&d->change_lines, line.data, line.len);
	buf_append_str(&d->change_lines, " \n");
	buf_free(&line);
	buf_free(&set);
	d->changes++;
}

/* Prints and checks one message, and notes it in the request it belongs to. */
static void handle(struct driver *d, struct ev_msg *m)
{
	struct pending *p = NULL;

	if (m->request_id != 0 && m->request_id == d->fg.id)
		p = &d->fg;
	else if (m->request_id != 0 && m->request_id == d->bg.id)
		p = &d->bg;
	if (m->request_id != 0 && was_finished(d, m->request_id))
		bug(d, "a message after the final one", m->request_id);
	else if (m->request_id != 0 && p == NULL)
		bug(d, "a message for a request nobody made", m->request_id);
	switch (m->type) {
	case WORKER_EV_STATUS:
		d->last_status = (int)m->a;
		printf("status %s ", m->a >= 0 && m->a < (int64_t)N_ELEMENTS(conn_names) ? conn_names[m->a] : "?");
		print_text("", m->payload);
		break;
	case WORKER_EV_ALERT:
		print_text("alert ", m->payload);
		break;
	case WORKER_EV_FOLDER: {
		const struct worker_folder *f = m->payload;
		char *name = sanitize_line(f->name, strlen(f->name));
		printf("folder %s\t%lld\t%lld\t%s\n", name, (long long)f->messages, (long long)f->unseen,
		       (f->attrs & IMAP_MBOX_NOSELECT) != 0 ? "noselect" : "-");
		free(name);
		break;
	}
	case WORKER_EV_MAILBOX:
		printf("mailbox %lld %lld\n", (long long)m->a, (long long)m->b);
		break;
	case WORKER_EV_MSGS:
		batch_received(d, p, m);
		break;
	case WORKER_EV_RESET:
		if (p != NULL) {
			p->msgs = 0;
			p->n_uids = 0;
		}
		printf("reset\n");
		break;
	case WORKER_EV_BODY: {
		const struct worker_body *body = m->payload;
		if (p != NULL && p->body_out != NULL)
			fwrite(body->data, 1, body->len, p->body_out);
		printf("body %lld %zu\n", (long long)m->a, body->len);
		break;
	}
	case WORKER_EV_FLAGS:
		printf("flags %lld%s%s\n", (long long)m->a, (m->b & IMAP_FLAG_SEEN) ? " \\Seen" : "",
		       (m->b & IMAP_FLAG_FLAGGED) ? " \\Flagged" : "");
		break;
	case WORKER_EV_PROGRESS:
		printf("progress %lld %lld\n", (long long)m->a, (long long)m->b);
		break;
	case WORKER_EV_PREVIEW:
		printf("preview %zu\n", ((const struct worker_batch *)m->payload)->count);
		break;
	case WORKER_EV_CHANGED:
		changed_received(d, m);
		break;
	case WORKER_EV_COPIED: {
		const struct worker_copied *c = m->payload;
		struct buf src = BUF_INIT, dst = BUF_INIT;

		imap_uidset_format(&c->src, &src);
		imap_uidset_format(&c->dst, &dst);
		printf("copied %u %s -> %s\n", c->uidvalidity, src.data != NULL ? src.data : "",
		       dst.data != NULL ? dst.data : "");
		buf_free(&src);
		buf_free(&dst);
		break;
	}
	case WORKER_EV_NOTE:
		print_text("note ", m->payload);
		break;
	case WORKER_EV_APPENDED:
		printf("appended %lld %lld\n", (long long)m->a, (long long)m->b);
		break;
	case WORKER_EV_FOUND: {
		struct buf set = BUF_INIT;

		imap_uidset_format(m->payload, &set);
		printf("found %s\n", set.data != NULL ? set.data : "");
		buf_free(&set);
		break;
	}
	case WORKER_EV_DONE:
	case WORKER_EV_ERROR:
	case WORKER_EV_CANCELLED:
		final_received(d, p, m);
		break;
	default:
		bug(d, "an unknown message type", m->request_id);
		break;
	}
	fflush(stdout);
	ev_msg_drop(m);
}

/* Pops and handles messages until *flag (or, with flag NULL, until the queue is empty) or the
 * deadline. Returns whether that happened. */
static bool pump(struct driver *d, const bool *flag)
{
	int64_t end = ev_now_ms() + DRIVER_DEADLINE_MS;

	while (flag != NULL ? !*flag : ev_queue_len(d->ui) > 0) {
		struct ev_msg m;
		if (ev_now_ms() >= end) {
			printf("timeout\n");
			return false;
		}
		if (ev_queue_pop(d->ui, &m, 50) == EV_QUEUE_OK)
			handle(d, &m);
	}
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* After an open's DONE: every UID once; written to uidfile (NULL: not) in ascending order. */
static int open_check(struct driver *d, struct pending *p, const char *uidfile)
{
	FILE *f;

	qsort(p->uids, p->n_uids, sizeof(*p->uids), cmp_u32);
	for (size_t i = 1; i < p->n_uids; i++) {
		if (p->uids[i] == p->uids[i - 1])
			bug(d, "a UID delivered twice", p->id);
	}
	if (uidfile == NULL)
		return 0;
	if ((f = fopen(uidfile, "w")) == NULL)
		return -1;
	for (size_t i = 0; i < p->n_uids; i++)
		fprintf(f, "%u\n", p->uids[i]);
	return fclose(f) == 0 ? 0 : -1;
}

static int driver_start(struct driver *d)
{
	const char *error;

	if (worker_start(d->acct, 1, d->hc, d->ui, &d->w, &error) < 0) {
		print_text("worker_start: ", error);
		return -1;
	}
	return 0;
}

/* An "op KIND ..." request made with worker_submit. Returns 0, or -1 when the words name none. */
static int op_request(struct driver *d, struct pending *p, char **words, size_t n)
{
	static const struct { const char *name; enum op_kind kind; size_t args; } kinds[] = {
		{ "copy", OP_COPY, 3 }, { "move", OP_MOVE, 3 }, { "expunge", OP_EXPUNGE, 2 },
		{ "create", OP_CREATE, 1 }, { "delete", OP_DELETE, 1 }, { "subscribe", OP_SUBSCRIBE, 1 },
		{ "unsubscribe", OP_UNSUBSCRIBE, 1 }, { "rename", OP_RENAME, 2 }, { "append", OP_APPEND, 2 },
		{ "search", OP_SEARCH, 3 }, { "flags", OP_FLAGS, 3 },
	};
	static const char *const fields[] = { "text", "body", "subject", "from", "to" };
	struct op op;
	const char *error;
	size_t k;

	for (k = 0; k < N_ELEMENTS(kinds) && strcmp(kinds[k].name, words[0]) != 0; k++)
		;
	if (k == N_ELEMENTS(kinds) || n - 1 < kinds[k].args)
		return -1;
	op_init(&op, kinds[k].kind);
	op_set(&op.mailbox, words[1]);
	switch (op.kind) {
	case OP_COPY:
	case OP_MOVE:
		op_set(&op.dest, words[3]);
		/* fall through */
	case OP_EXPUNGE:
		if (imap_uidset_parse(&op.uids, words[2], strlen(words[2]), 0, 0, &error) < 0)
			goto bad;
		break;
	case OP_FLAGS:
		if (imap_uidset_parse(&op.uids, words[2], strlen(words[2]), 0, 0, &error) < 0)
			goto bad;
		for (size_t i = 3; i < n; i++) {
			uint32_t bit = strcmp(words[i] + 1, "seen") == 0 ? IMAP_FLAG_SEEN :
				strcmp(words[i] + 1, "flagged") == 0 ? IMAP_FLAG_FLAGGED :
				strcmp(words[i] + 1, "deleted") == 0 ? IMAP_FLAG_DELETED : 0;
			if (bit == 0 || (words[i][0] != '+' && words[i][0] != '-'))
				goto bad;
			*(words[i][0] == '+' ? &op.add : &op.remove) |= bit;
		}
		break;
	case OP_RENAME:
		op_set(&op.dest, words[2]);
		break;
	case OP_APPEND: {
		FILE *f = fopen(words[2], "r");
		struct buf data = BUF_INIT;
		char chunk[4096];
		size_t got;

		if (f == NULL)
			goto bad;
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&data, chunk, got);
		fclose(f);
		op.len = data.len;
		op.data = data.data != NULL ? buf_steal(&data) : xstrdup("");
		break;
	}
	case OP_SEARCH:
		for (k = 0; k < N_ELEMENTS(fields) && strcmp(fields[k], words[2]) != 0; k++)
			;
		if (k == N_ELEMENTS(fields))
			goto bad;
		op.field = (enum op_search_field)k;
		op_set(&op.text, words[3]);
		break;
	default:
		break;
	}
	p->id = worker_submit(d->w, &op);
	op_clear(&op);
	return 0;
bad:
	op_clear(&op);
	return -1;
}

/* Makes the request of words[0..n) into p. Returns 0, or -1 when they name none. */
static int request(struct driver *d, struct pending *p, char **words, size_t n)
{
	pending_clear(p);
	snprintf(p->label, sizeof(p->label), "%s", words[0]);
	if (strcmp(words[0], "folders") == 0 && n == 1) {
		p->id = worker_request(d->w, WORKER_REQ_FOLDERS, NULL, 0);
	} else if (strcmp(words[0], "open") == 0 && (n == 2 || n == 3)) {
		p->id = worker_request(d->w, WORKER_REQ_OPEN, words[1], 0);
	} else if (strcmp(words[0], "body") == 0 && (n == 3 || n == 4)) {
		if (n == 4 && (p->body_out = fopen(words[3], "w")) == NULL) {
			printf("cannot write %s: %s\n", words[3], strerror(errno));
			return -1;
		}
		p->id = worker_request(d->w, WORKER_REQ_BODY, words[1], strtoll(words[2], NULL, 10));
	} else if (strcmp(words[0], "flags") == 0 && n >= 4) {
		uint32_t add = 0, remove = 0;

		for (size_t i = 3; i < n; i++) {
			uint32_t bit = strcmp(words[i] + 1, "seen") == 0 ? IMAP_FLAG_SEEN :
				strcmp(words[i] + 1, "flagged") == 0 ? IMAP_FLAG_FLAGGED :
				strcmp(words[i] + 1, "recent") == 0 ? IMAP_FLAG_RECENT : 0;
			if (bit == 0 || (words[i][0] != '+' && words[i][0] != '-'))
				return -1;
			*(words[i][0] == '+' ? &add : &remove) |= bit;
		}
		p->id = worker_request_flags(d->w, words[1], 0, (uint32_t)strtoul(words[2], NULL, 10), add, remove);
	} else if (strcmp(words[0], "op") == 0 && n >= 3) {
		return op_request(d, p, words + 1, n - 1);
	} else {
		return -1;
	}
	return 0;
}

/* The background request: cancel (timed), finish, or the worker stopped (timed). */
static int background(struct driver *d, const char *what)
{
	int64_t t0 = ev_now_ms();
	int ret = 0;

	if (d->bg.id == 0)
		return -1;
	if (strcmp(what, "cancel") == 0) {
		worker_cancel(d->w, d->bg.id);
		if (!pump(d, &d->bg.final))
			return -1;
		printf("cancel-ms %lld\n", (long long)(ev_now_ms() - t0));
		ret = d->bg.final_type == WORKER_EV_CANCELLED ? 0 : -1;
	} else if (strcmp(what, "finish") == 0) {
		if (!pump(d, &d->bg.final))
			return -1;
	} else if (strcmp(what, "stop") == 0) {
		worker_stop(&d->w);
		printf("stop-ms %lld\n", (long long)(ev_now_ms() - t0));
		/* what it posted before it stopped: checked */
		pump(d, NULL);
		ret = driver_start(d);
	}
	pending_clear(&d->bg);
	return ret;
}

/* Runs one command. Returns 0, or -1 when it did not go as it must. */
static int run(struct driver *d, char *line)
{
	char *words[10] = { NULL }, *save = NULL, *rest;
	size_t n = 0;
	int ret = 0;

	if (strncmp(line, "wait-change ", 12) == 0) {
		/* until a change line (with a space after it) holds the text */
		int64_t end = ev_now_ms() + DRIVER_DEADLINE_MS;

		while ((d->change_lines.data == NULL || strstr(d->change_lines.data, line + 12) == NULL) &&
		       ev_now_ms() < end) {
			struct ev_msg m;
			if (ev_queue_pop(d->ui, &m, 50) == EV_QUEUE_OK)
				handle(d, &m);
		}
		return d->change_lines.data != NULL && strstr(d->change_lines.data, line + 12) != NULL ? 0 : -1;
	}
	if (strncmp(line, "run ", 4) == 0) {
		int rc = system(line + 4);
		printf("ran %d\n", rc);
		return rc == 0 ? 0 : -1;
	}
	for (rest = strtok_r(line, " ", &save); rest != NULL && n < N_ELEMENTS(words); rest = strtok_r(NULL, " ", &save))
		words[n++] = rest;
	if (n == 0)
		return -1;
	if (strcmp(words[0], "start") == 0 && n > 1) {
		if (d->bg.id != 0)
			return -1;
		return request(d, &d->bg, words + 1, n - 1);
	}
	if (strcmp(words[0], "wait-msgs") == 0) {
		int64_t end = ev_now_ms() + DRIVER_DEADLINE_MS;
		while (d->bg.id != 0 && d->bg.msgs == 0 && !d->bg.final && ev_now_ms() < end) {
			struct ev_msg m;
			if (ev_queue_pop(d->ui, &m, 50) == EV_QUEUE_OK)
				handle(d, &m);
		}
		return d->bg.msgs > 0 && !d->bg.final ? 0 : -1;
	}
	if (strcmp(words[0], "wait-changed") == 0 && n == 1) {
		int64_t end = ev_now_ms() + DRIVER_DEADLINE_MS;
		size_t before = d->changes;

		while (d->changes == before && ev_now_ms() < end) {
			struct ev_msg m;
			if (ev_queue_pop(d->ui, &m, 50) == EV_QUEUE_OK)
				handle(d, &m);
		}
		return d->changes > before ? 0 : -1;
	}
	if (strcmp(words[0], "wait-quiet") == 0 && n == 2) {
		/* until nothing came for MS: a worker that streams posts every WORKER_BATCH_MS */
		int64_t end = ev_now_ms() + DRIVER_DEADLINE_MS, quiet = atoi(words[1]), last = ev_now_ms();
		while (ev_now_ms() - last < quiet && ev_now_ms() < end) {
			struct ev_msg m;
			if (ev_queue_pop(d->ui, &m, 10) == EV_QUEUE_OK) {
				handle(d, &m);
				last = ev_now_ms();
			}
		}
		return ev_now_ms() - last >= quiet ? 0 : -1;
	}
	if (strcmp(words[0], "cancel") == 0 || strcmp(words[0], "finish") == 0 || strcmp(words[0], "stop") == 0)
		return background(d, words[0]);
	if (strcmp(words[0], "keepalive") == 0 && n == 2) {
		worker_set_keepalive(d->w, atoi(words[1]));
		return 0;
	}
	if (strcmp(words[0], "idle") == 0 && n == 2 && (strcmp(words[1], "on") == 0 || strcmp(words[1], "off") == 0)) {
		worker_set_idle(d->w, strcmp(words[1], "on") == 0);
		return 0;
	}
	if (strcmp(words[0], "wait-status") == 0 && n == 2) {
		int64_t end = ev_now_ms() + DRIVER_DEADLINE_MS;
		int want = -1;

		for (size_t i = 0; i < N_ELEMENTS(conn_names); i++) {
			if (strcmp(words[1], conn_names[i]) == 0)
				want = (int)i;
		}
		d->last_status = -1;
		while (want >= 0 && d->last_status != want && ev_now_ms() < end) {
			struct ev_msg m;
			if (ev_queue_pop(d->ui, &m, 50) == EV_QUEUE_OK)
				handle(d, &m);
		}
		return want >= 0 && d->last_status == want ? 0 : -1;
	}
	if (request(d, &d->fg, words, n) < 0) {
		printf("bad command: %s\n", words[0]);
		return -1;
	}
	if (!pump(d, &d->fg.final))
		ret = -1;
	if (d->fg.body_out != NULL && fclose(d->fg.body_out) != 0)
		ret = -1;
	d->fg.body_out = NULL;
	if (ret == 0 && strcmp(words[0], "open") == 0 && d->fg.final_type == WORKER_EV_DONE)
		ret = open_check(d, &d->fg, n == 3 ? words[2] : NULL);
	return ret;
}

int worker_driver_main(int argc, char **argv)
{
	struct driver d;
	struct cfg *cfg;
	size_t ui_len = 16;
	const char *config = NULL, *account = NULL, *error, *notice;
	int c, ret = 0;

	memset(&d, 0, sizeof(d));
	d.last_status = -1;
	while ((c = getopt(argc, argv, "+F:a:q:d:")) != -1) {
		switch (c) {
		case 'F':
			config = optarg;
			break;
		case 'a':
			account = optarg;
			break;
		case 'q':
			ui_len = (size_t)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			if (log_open(optarg, LOG_DEBUG, &error) < 0) {
				fprintf(stderr, "%s\n", error);
				return 2;
			}
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (setup_config(config, &cfg, &error) < 0) {
		fprintf(stderr, "test-worker drive: %s\n", error);
		return 2;
	}
	if ((d.acct = cfg_account_find(cfg, account)) == NULL) {
		fprintf(stderr, "test-worker drive: no such account\n");
		cfg_free(&cfg);
		return 2;
	}
	if ((d.hc = setup_hcache(cfg, &notice, &error)) == NULL)
		fprintf(stderr, "test-worker drive: no header cache\n");
	if ((d.ui = ev_queue_new(ui_len, &error)) == NULL || driver_start(&d) < 0)
		return 2;
	for (int i = optind; i < argc && ret == 0; i++) {
		char *line = xstrdup(argv[i]);
		printf("> %s\n", argv[i]);
		fflush(stdout);
		if (run(&d, line) < 0)
			ret = 1;
		free(line);
	}
	worker_stop(&d.w);
	/* what was posted before the stop */
	pump(&d, NULL);
	ev_queue_free(&d.ui);
	hcache_close(&d.hc);
	cfg_free(&cfg);
	free(d.finished);
	buf_free(&d.change_lines);
	pending_clear(&d.fg);
	pending_clear(&d.bg);
	log_close();
	if (d.bug)
		ret = 1;
	return ret;
}
