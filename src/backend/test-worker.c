/* test-worker.c: unit tests for the account worker against scripted servers run as tunnel commands;
 * `test-worker drive ...` is the driver of tests/integration/worker.sh instead (worker-driver.c). */
#include "skua.h"
#include "worker.h"
#include "worker-driver.h"
#include "ev/ev-loop.h"
#include "imap/imap-engine.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every wait here is a deadline, never a sleep: generous, met at once when all is well. */
#define T_DEADLINE_MS 20000
/* What "promptly" means for a cancel or a stop (a tunnel that ignores EOF takes 0.5 s to be reaped). */
#define T_PROMPT_MS 1500

/* The scripted server: `server.sh MODE LOG` speaks IMAP on stdin/stdout and appends each command
 * (without its tag) to LOG, and "connect" per connection. MODE: ok; dead (closes at once); mute (no
 * greeting, waits for EOF); hang (never answers LIST); noopdie (closes on NOOP). Folders: INBOX (empty,
 * read-only even when SELECTed), Flags (read-write; STORE on UID 5 works, on 6 is refused, on 7 is
 * answered without the UID; other UIDs do not exist), Nope (refused). */
static const char t_server[] =
	"mode=$1 log=$2\n"
	"cr=$(printf '\\r')\n"
	"echo connect >>\"$log\"\n"
	"case $mode in\n"
	"dead) exit 0 ;;\n"
	"mute) cat >/dev/null; exit 0 ;;\n"
	"esac\n"
	"printf '* PREAUTH [CAPABILITY IMAP4rev1 LIST-STATUS] test server\\r\\n'\n"
	"while IFS= read -r line; do\n"
	"	line=${line%\"$cr\"}\n"
	"	tag=${line%% *}\n"
	"	cmd=${line#* }\n"
	"	echo \"$cmd\" >>\"$log\"\n"
	"	case $cmd in\n"
	"	NOOP)\n"
	"		[ \"$mode\" = noopdie ] && exit 0\n"
	"		printf '%s OK NOOP done\\r\\n' \"$tag\" ;;\n"
	"	LIST*)\n"
	"		[ \"$mode\" = hang ] && { cat >/dev/null; exit 0; }\n"
	"		printf '* LIST (\\\\HasChildren) \"/\" Work\\r\\n* STATUS Work (MESSAGES 0 UNSEEN 0)\\r\\n'\n"
	"		printf '* LIST () \"/\" INBOX\\r\\n* STATUS INBOX (MESSAGES 3 UNSEEN 1)\\r\\n'\n"
	"		printf '* LIST (\\\\Noselect) \"/\" Work/Old\\r\\n%s OK LIST done\\r\\n' \"$tag\" ;;\n"
	"	EXAMINE*Nope*|SELECT*Nope*) printf '%s NO Mailbox does not exist\\r\\n' \"$tag\" ;;\n"
	"	SELECT*Flags*)\n"
	"		printf '* 3 EXISTS\\r\\n* OK [UIDVALIDITY 7] ok\\r\\n* OK [UIDNEXT 8] ok\\r\\n'\n"
	"		printf '%s OK [READ-WRITE] done\\r\\n' \"$tag\" ;;\n"
	"	'UID STORE 5 +'*) printf '* 1 FETCH (UID 5 FLAGS (\\\\Seen \\\\Flagged))\\r\\n%s OK stored\\r\\n' \"$tag\" ;;\n"
	"	'UID STORE 5 -'*) printf '* 1 FETCH (UID 5 FLAGS (\\\\Seen))\\r\\n%s OK stored\\r\\n' \"$tag\" ;;\n"
	"	'UID STORE 6 '*) printf '%s NO [CANNOT] flags are frozen\\r\\n' \"$tag\" ;;\n"
	"	'UID STORE 7 '*) printf '* 3 FETCH (FLAGS (\\\\Seen))\\r\\n%s OK stored\\r\\n' \"$tag\" ;;\n"
	"	'UID FETCH 7 '*) printf '* 3 FETCH (UID 7 FLAGS (\\\\Seen))\\r\\n%s OK fetched\\r\\n' \"$tag\" ;;\n"
	"	'UID STORE '*|'UID FETCH '*) printf '%s OK nothing\\r\\n' \"$tag\" ;;\n"
	"	EXAMINE*|SELECT*)\n"
	"		printf '* 0 EXISTS\\r\\n* OK [UIDVALIDITY 7] ok\\r\\n* OK [UIDNEXT 1] ok\\r\\n'\n"
	"		printf '* OK [ALERT] quota \\033[2J nearly full\\r\\n%s OK [READ-ONLY] done\\r\\n' \"$tag\" ;;\n"
	"	LOGOUT) printf '* BYE bye\\r\\n%s OK bye\\r\\n' \"$tag\"; exit 0 ;;\n"
	"	*) printf '%s BAD unknown\\r\\n' \"$tag\" ;;\n"
	"	esac\n"
	"done\n";

struct t_env {
	char dir[64];
	char *log;
	struct cfg_account acct;
	struct ev_queue *ui;
	struct worker *w;
	struct buf seen;      /* one line per message received: "TYPE id a b text" */
};

/* Starts a worker for a tunnel account running the scripted server in mode, posting to a queue of
 * ui_len messages at most. */
static void t_start(struct t_env *t, const char *mode, size_t ui_len)
{
	const char *error = NULL;
	char *script;
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/test-worker.XXXXXX");
	TEST_ASSERT(mkdtemp(t->dir) != NULL);
	script = xasprintf("%s/server.sh", t->dir);
	t->log = xasprintf("%s/log", t->dir);
	f = fopen(script, "w");
	TEST_ASSERT(f != NULL);
	fputs(t_server, f);
	fclose(f);
	t->acct.name = xstrdup("test");
	t->acct.tunnel = xasprintf("exec /bin/sh %s %s %s", script, mode, t->log);
	free(script);
	t->ui = ev_queue_new(ui_len, &error);
	TEST_ASSERT(t->ui != NULL);
	TEST_INTEQ(worker_start(&t->acct, 7, NULL, t->ui, &t->w, &error), 0);
}

static void t_finish(struct t_env *t)
{
	char *path;

	worker_stop(&t->w);
	TEST_ASSERT(t->w == NULL);
	ev_queue_free(&t->ui);
	free(t->acct.name);
	free(t->acct.tunnel);
	buf_free(&t->seen);
	unlink(t->log);
	free(t->log);
	path = xasprintf("%s/server.sh", t->dir);
	unlink(path);
	free(path);
	rmdir(t->dir);
}

static const char *t_type_name(uint32_t type)
{
	switch (type) {
	case WORKER_EV_STATUS: return "status";
	case WORKER_EV_ALERT: return "alert";
	case WORKER_EV_FOLDER: return "folder";
	case WORKER_EV_MAILBOX: return "mailbox";
	case WORKER_EV_MSGS: return "msgs";
	case WORKER_EV_RESET: return "reset";
	case WORKER_EV_BODY: return "body";
	case WORKER_EV_FLAGS: return "flags";
	case WORKER_EV_PROGRESS: return "progress";
	case WORKER_EV_DONE: return "done";
	case WORKER_EV_ERROR: return "error";
	case WORKER_EV_CANCELLED: return "cancelled";
	}
	return "?";
}

/* Appends a line for m to t->seen: "TYPE id a b [text]". */
static void t_record(struct t_env *t, const struct ev_msg *m)
{
	TEST_INTEQ(m->account, 7);
	buf_appendf(&t->seen, "%s %llu %lld %lld", t_type_name(m->type), (unsigned long long)m->request_id,
		    (long long)m->a, (long long)m->b);
	if (m->type == WORKER_EV_STATUS || m->type == WORKER_EV_ERROR || m->type == WORKER_EV_ALERT)
		buf_appendf(&t->seen, " %s", (const char *)m->payload);
	else if (m->type == WORKER_EV_FOLDER)
		buf_appendf(&t->seen, " %s", ((const struct worker_folder *)m->payload)->name);
	buf_append_c(&t->seen, '\n');
}

/* Pops until the final message of request id (id 0: until a status `until` arrives), recording what
 * came. Returns the final's (or the status's) type, 0 when it did not come in time, and its b in *b_r. */
static uint32_t t_wait(struct t_env *t, uint64_t id, int until, int64_t *b_r)
{
	int64_t end = ev_now_ms() + T_DEADLINE_MS;

	while (ev_now_ms() < end) {
		struct ev_msg m;
		uint32_t type;

		if (ev_queue_pop(t->ui, &m, 50) != EV_QUEUE_OK)
			continue;
		t_record(t, &m);
		type = m.type;
		if (b_r != NULL)
			*b_r = m.b;
		ev_msg_drop(&m);
		if (id != 0 && m.request_id == id &&
		    (type == WORKER_EV_DONE || type == WORKER_EV_ERROR || type == WORKER_EV_CANCELLED))
			return type;
		if (id == 0 && type == WORKER_EV_STATUS && m.a == until)
			return type;
	}
	return 0;
}

/* Pops for at most ms (less when a message comes), recording. */
static void t_pump(struct t_env *t, int ms)
{
	struct ev_msg m;

	if (ev_queue_pop(t->ui, &m, ms) == EV_QUEUE_OK) {
		t_record(t, &m);
		ev_msg_drop(&m);
	}
}

/* How many lines of s start with prefix. */
static int t_count(const char *s, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = s; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL) {
		if (strncmp(p, prefix, len) == 0)
			n++;
	}
	return n;
}

static char *t_read(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[512];
	size_t n;
	FILE *f = fopen(path, "r");

	if (f != NULL) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, n);
		fclose(f);
	}
	buf_append_str(&b, "");
	return buf_steal(&b);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_batch(void)
{
	struct worker_batch *b = worker_batch_new();
	struct hcache_msg m, out;
	size_t off = 0;

	memset(&m, 0, sizeof(m));
	for (uint32_t uid = 10; uid < 13; uid++) {
		m.uid = uid;
		m.size = 100 + uid;
		m.field[HCACHE_SUBJECT] = "hello";
		m.field_len[HCACHE_SUBJECT] = 5;
		m.field[HCACHE_FROM] = uid == 11 ? "" : NULL;
		worker_batch_add(b, &m);
	}
	TEST_INTEQ(b->count, 3);
	for (uint32_t uid = 10; uid < 13; uid++) {
		TEST_ASSERT(worker_batch_next(b, &off, &out));
		TEST_INTEQ(out.uid, uid);
		TEST_INTEQ(out.size, 100 + uid);
		TEST_INTEQ(out.field_len[HCACHE_SUBJECT], 5);
		TEST_ASSERT(memcmp(out.field[HCACHE_SUBJECT], "hello", 5) == 0);
		/* absent and empty stay apart */
		TEST_ASSERT((out.field[HCACHE_FROM] != NULL) == (uid == 11));
		TEST_ASSERT(out.field[HCACHE_TO] == NULL);
	}
	TEST_ASSERT(!worker_batch_next(b, &off, &out));
	TEST_INTEQ(off, b->data.len);
	/* a cut record stops the iteration */
	off = 0;
	buf_truncate(&b->data, b->data.len - 1);
	TEST_ASSERT(worker_batch_next(b, &off, &out));
	TEST_ASSERT(worker_batch_next(b, &off, &out));
	TEST_ASSERT(!worker_batch_next(b, &off, &out));
	worker_batch_free(b);
}

static void test_folders(void)
{
	struct t_env t;
	int64_t b = -1;
	uint64_t id;

	t_start(&t, "ok", 0);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, &b), WORKER_EV_DONE);
	TEST_INTEQ(b, 3);
	/* INBOX first, the rest by name; statuses around the request; the final last */
	char *want = xasprintf("status 0 1 0 connecting to test…\nstatus 0 2 0 connected\nstatus 0 3 0 listing folders…\n"
			       "folder %llu 0 0 INBOX\nfolder %llu 0 0 Work\nfolder %llu 0 0 Work/Old\ndone %llu 0 3\n",
			       (unsigned long long)id, (unsigned long long)id, (unsigned long long)id,
			       (unsigned long long)id);
	TEST_STREQ(t.seen.data, want);
	free(want);
	/* the connection is kept */
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	TEST_INTEQ(t_count(t.seen.data, "status 0 1 0 "), 1);
	t_finish(&t);
}

/* The counts and names of the folders, read with the payloads. */
static void test_folder_payload(void)
{
	struct t_env t;
	int64_t end;
	uint64_t id;
	int n = 0;

	t_start(&t, "ok", 0);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	end = ev_now_ms() + T_DEADLINE_MS;
	while (ev_now_ms() < end) {
		struct ev_msg m;

		if (ev_queue_pop(t.ui, &m, 50) != EV_QUEUE_OK)
			continue;
		if (m.type == WORKER_EV_FOLDER) {
			const struct worker_folder *f = m.payload;
			if (n == 0) {
				TEST_STREQ(f->name, "INBOX");
				TEST_INTEQ(f->messages, 3);
				TEST_INTEQ(f->unseen, 1);
				TEST_INTEQ(f->delimiter, '/');
			} else if (n == 1) {
				TEST_STREQ(f->name, "Work");
				TEST_INTEQ(f->messages, 0);
				TEST_ASSERT(f->attrs & IMAP_MBOX_HASCHILDREN);
			} else {
				TEST_STREQ(f->name, "Work/Old");
				TEST_INTEQ(f->messages, -1);
				TEST_ASSERT(f->attrs & IMAP_MBOX_NOSELECT);
			}
			n++;
		}
		ev_msg_drop(&m);
		if (m.request_id == id && m.type == WORKER_EV_DONE)
			break;
	}
	TEST_INTEQ(n, 3);
	t_finish(&t);
}

static void test_open(void)
{
	struct t_env t;
	int64_t b = -1;
	uint64_t id;

	t_start(&t, "ok", 0);
	id = worker_request(t.w, WORKER_REQ_OPEN, "INBOX", 0);
	TEST_INTEQ(t_wait(&t, id, -1, &b), WORKER_EV_DONE);
	TEST_INTEQ(b, 0);
	char *want = xasprintf("mailbox %llu 7 0\n", (unsigned long long)id);
	TEST_ASSERT(strstr(t.seen.data, want) != NULL);
	free(want);
	/* the server's [ALERT], sanitised, for no request */
	TEST_ASSERT(strstr(t.seen.data, "alert 0 0 0 quota \xef\xbf\xbd[2J nearly full\n") != NULL);
	/* a refused EXAMINE: an error, and the connection stays */
	buf_reset(&t.seen);
	id = worker_request(t.w, WORKER_REQ_OPEN, "Nope", 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
	TEST_ASSERT(strstr(t.seen.data, "no such folder 'Nope' (server said: Mailbox does not exist)") != NULL);
	TEST_INTEQ(t_count(t.seen.data, "status 0 1 0 "), 0);
	TEST_INTEQ(t_count(t.seen.data, "status 0 4 0 "), 0);
	/* a body from a folder that is not there */
	buf_reset(&t.seen);
	id = worker_request(t.w, WORKER_REQ_BODY, "Nope", 3);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
	TEST_ASSERT(strstr(t.seen.data, "no such folder 'Nope'") != NULL);
	/* a UID out of range never reaches the server */
	id = worker_request(t.w, WORKER_REQ_BODY, "INBOX", 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
	TEST_ASSERT(strstr(t.seen.data, "no such message") != NULL);
	/* still usable */
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	t_finish(&t);
}

/* A flags request on folder Flags (UIDVALIDITY 7) that must end DONE after WORKER_EV_FLAGS with want. */
static void t_flags_done(struct t_env *t, uint32_t uid, uint32_t add, uint32_t remove, uint32_t want)
{
	uint64_t id = worker_request_flags(t->w, "Flags", 7, uid, add, remove);
	char *line = xasprintf("flags %llu %u %u\n", (unsigned long long)id, uid, want);

	TEST_INTEQ(t_wait(t, id, -1, NULL), WORKER_EV_DONE);
	TEST_ASSERT(strstr(t->seen.data, line) != NULL);
	free(line);
}

/* WORKER_REQ_FLAGS: SELECT once, STORE, the answer read back (or asked for), and every refusal. */
static void test_flags(void)
{
	static const struct {
		const char *folder;
		uint32_t uidvalidity, uid, add, remove;
		const char *error;
	} refused[] = {
		{ "Flags", 7, 9, IMAP_FLAG_SEEN, 0, "no such message in 'Flags': UID 9" },
		/* another UIDVALIDITY: the UID may name another message now */
		{ "Flags", 8, 5, IMAP_FLAG_SEEN, 0, "was renewed on the server" },
		{ "Flags", 7, 5, IMAP_FLAG_RECENT, 0, "these flags cannot be changed" },
		{ "Flags", 7, 5, IMAP_FLAG_SEEN, IMAP_FLAG_SEEN, "these flags cannot be changed" },
		{ "INBOX", 0, 5, IMAP_FLAG_SEEN, 0, "cannot change flags: the folder 'INBOX' is read-only" },
		{ "Nope", 0, 5, IMAP_FLAG_SEEN, 0, "no such folder 'Nope'" },
	};
	struct t_env t;
	uint64_t id;
	char *log;

	t_start(&t, "ok", 0);
	t_flags_done(&t, 5, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED, 0, IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED);
	t_flags_done(&t, 5, 0, IMAP_FLAG_FLAGGED, IMAP_FLAG_SEEN);
	/* the server's refusal, said */
	id = worker_request_flags(t.w, "Flags", 7, 6, IMAP_FLAG_SEEN, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
	TEST_ASSERT(strstr(t.seen.data, "the server refused to change the flags: [CANNOT] flags are frozen") != NULL);
	/* an answer without the UID: the flags are asked for */
	buf_reset(&t.seen);
	t_flags_done(&t, 7, IMAP_FLAG_SEEN, 0, IMAP_FLAG_SEEN);
	/* refusals: each an ERROR that says why; flags that cannot be stored never reach the server */
	for (size_t i = 0; i < N_ELEMENTS(refused); i++) {
		buf_reset(&t.seen);
		id = worker_request_flags(t.w, refused[i].folder, refused[i].uidvalidity, refused[i].uid,
					  refused[i].add, refused[i].remove);
		TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
		TEST_ASSERT(strstr(t.seen.data, refused[i].error) != NULL);
	}
	/* a body fetched from Flags EXAMINEs it: the next change SELECTs it again */
	id = worker_request(t.w, WORKER_REQ_BODY, "Flags", 5);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
	id = worker_request_flags(t.w, "Flags", 7, 5, IMAP_FLAG_FLAGGED, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	log = t_read(t.log);
	TEST_INTEQ(t_count(log, "SELECT \"Flags\""), 2);
	TEST_INTEQ(t_count(log, "EXAMINE \"Flags\""), 1);
	TEST_INTEQ(t_count(log, "UID STORE 5 "), 3);
	TEST_INTEQ(t_count(log, "UID FETCH 7 (UID FLAGS)"), 1);
	free(log);
	t_finish(&t);
}

static void test_dead_server(void)
{
	struct t_env t;
	uint64_t id;
	char *log;

	t_start(&t, "dead", 0);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
	/* the error, then FAILED with it */
	TEST_INTEQ(t_wait(&t, 0, WORKER_CONN_FAILED, NULL), WORKER_EV_STATUS);
	TEST_ASSERT(strstr(t.seen.data, "connection closed by server") != NULL);
	/* the next request connects again */
	id = worker_request(t.w, WORKER_REQ_OPEN, "INBOX", 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_ERROR);
	TEST_INTEQ(t_count(t.seen.data, "status 0 1 0 "), 2);
	log = t_read(t.log);
	TEST_STREQ(log, "connect\nconnect\n");
	free(log);
	t_finish(&t);
}

/* Waits until the server's log has a line starting with `seen`, pumping messages meanwhile. */
static void t_wait_log(struct t_env *t, const char *seen)
{
	int64_t end = ev_now_ms() + T_DEADLINE_MS;
	char *log = NULL;

	while (ev_now_ms() < end) {
		free(log);
		log = t_read(t->log);
		if (t_count(log, seen) > 0)
			break;
		t_pump(t, 10);
	}
	TEST_ASSERT(log != NULL && t_count(log, seen) > 0);
	free(log);
}

/* Cancels request id once the server has seen `seen` and checks that CANCELLED comes promptly. */
static void t_cancel_when(struct t_env *t, uint64_t id, const char *seen)
{
	int64_t t0;

	t_wait_log(t, seen);
	t0 = ev_now_ms();
	worker_cancel(t->w, id);
	TEST_INTEQ(t_wait(t, id, -1, NULL), WORKER_EV_CANCELLED);
	TEST_ASSERT(ev_now_ms() - t0 < T_PROMPT_MS);
}

static void test_cancel_hung_command(void)
{
	struct t_env t;
	uint64_t id;

	t_start(&t, "hang", 0);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	t_cancel_when(&t, id, "LIST");
	/* the connection was dropped; the next request makes a new one */
	TEST_INTEQ(t_wait(&t, 0, WORKER_CONN_IDLE, NULL), WORKER_EV_STATUS);
	id = worker_request(t.w, WORKER_REQ_OPEN, "INBOX", 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	TEST_INTEQ(t_count(t.seen.data, "status 0 1 0 "), 2);
	t_finish(&t);
}

static void test_cancel_hung_connect(void)
{
	struct t_env t;
	uint64_t id;

	t_start(&t, "mute", 0);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	t_cancel_when(&t, id, "connect");
	t_finish(&t);
}

static void test_cancel_queued(void)
{
	struct t_env t;
	uint64_t hung, queued, later;
	char *log;

	t_start(&t, "hang", 0);
	hung = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	queued = worker_request(t.w, WORKER_REQ_OPEN, "INBOX", 0);
	later = worker_request(t.w, WORKER_REQ_BODY, "INBOX", 1);
	worker_cancel(t.w, queued);
	worker_cancel(t.w, later);
	/* the hung request is not disturbed by cancelling the ones behind it */
	t_cancel_when(&t, hung, "LIST");
	TEST_INTEQ(t_wait(&t, queued, -1, NULL), WORKER_EV_CANCELLED);
	TEST_INTEQ(t_wait(&t, later, -1, NULL), WORKER_EV_CANCELLED);
	/* neither ran: no second connection */
	log = t_read(t.log);
	TEST_STREQ(log, "connect\nLIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))\n");
	free(log);
	TEST_INTEQ(t_count(t.seen.data, "status 0 1 0 "), 1);
	t_finish(&t);
}

/* A cancel that comes after the final (or for an id that is not the worker's) changes nothing. */
static void test_cancel_late(void)
{
	struct t_env t;
	uint64_t id;

	t_start(&t, "ok", 0);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	worker_cancel(t.w, id);
	worker_cancel(t.w, id + 1000);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	TEST_INTEQ(t_count(t.seen.data, "status 0 1 0 "), 1);
	t_finish(&t);
}

static void test_stop_hung(void)
{
	struct t_env t;
	int64_t t0;

	t_start(&t, "hang", 0);
	worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	worker_request(t.w, WORKER_REQ_OPEN, "INBOX", 0);
	t_wait_log(&t, "LIST");
	t0 = ev_now_ms();
	worker_stop(&t.w);
	TEST_ASSERT(ev_now_ms() - t0 < T_PROMPT_MS);
	t_finish(&t);
}

/* The UI stops popping and its bounded queue fills: worker_stop still returns at once. */
static void test_stop_full_queue(void)
{
	struct t_env t;
	struct pollfd pfd;
	int64_t t0;

	t_start(&t, "ok", 1);
	worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	pfd = (struct pollfd){ .fd = ev_queue_fd(t.ui), .events = POLLIN };
	TEST_INTEQ(poll(&pfd, 1, T_DEADLINE_MS), 1);
	TEST_INTEQ(ev_queue_len(t.ui), 1);
	t0 = ev_now_ms();
	worker_stop(&t.w);
	TEST_ASSERT(ev_now_ms() - t0 < T_PROMPT_MS);
	t_finish(&t);
}

static void test_keepalive(void)
{
	struct t_env t;
	int64_t end;
	uint64_t id;
	char *log = NULL;

	t_start(&t, "ok", 0);
	worker_set_keepalive(t.w, 20);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	end = ev_now_ms() + T_DEADLINE_MS;
	while (ev_now_ms() < end) {
		free(log);
		log = t_read(t.log);
		if (t_count(log, "NOOP") >= 2)
			break;
		t_pump(&t, 10);
	}
	TEST_ASSERT(t_count(log, "NOOP") >= 2);
	free(log);
	t_finish(&t);

	/* a keep-alive that finds the connection dead says so; the next request connects again */
	t_start(&t, "noopdie", 0);
	worker_set_keepalive(t.w, 20);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	TEST_INTEQ(t_wait(&t, 0, WORKER_CONN_FAILED, NULL), WORKER_EV_STATUS);
	TEST_ASSERT(strstr(t.seen.data, "connection closed by server") != NULL);
	worker_set_keepalive(t.w, 0);
	id = worker_request(t.w, WORKER_REQ_FOLDERS, NULL, 0);
	TEST_INTEQ(t_wait(&t, id, -1, NULL), WORKER_EV_DONE);
	TEST_INTEQ(t_count(t.seen.data, "status 0 1 0 "), 2);
	t_finish(&t);
}

static const struct test_case cases[] = {
	{ "batch records round-trip; bad ones stop the iteration", test_batch },
	{ "folders: statuses, INBOX first, final last", test_folders },
	{ "folders: names, counts and attributes", test_folder_payload },
	{ "open: empty folder, an alert, refused EXAMINE, bad body requests", test_open },
	{ "flags: stored, read back, refused, read-only, gone", test_flags },
	{ "a dead server: ERROR, then FAILED; the next request reconnects", test_dead_server },
	{ "cancel a command a hung server never answers", test_cancel_hung_command },
	{ "cancel a connection that never greets", test_cancel_hung_connect },
	{ "cancelled queued requests never run", test_cancel_queued },
	{ "a cancel after the final changes nothing", test_cancel_late },
	{ "stop while a request hangs", test_stop_hung },
	{ "stop while the UI queue is full", test_stop_full_queue },
	{ "keep-alive NOOPs; a dead connection found by one", test_keepalive },
};

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "drive") == 0)
		return worker_driver_main(argc - 1, argv + 1);
	return test_run(cases, N_ELEMENTS(cases));
}
