/* bench-hostile.c: prints what hostile mail of about 1 MB costs skua (CPU time, memory held), case by
 * case, beside a benign message of the same size: figures, never pass/fail (see issue 15). */
#include "skua.h"
#include "hostile.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"
#include "model/mindex.h"
#include "model/sort.h"
#include "ui/pager-text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_RUNS 3

static size_t bench_bytes = 1024 * 1024; /* BENCH_HOSTILE_BYTES in the environment changes it */

/* A whole message as the pager shows it: parse, render (HTML through the built-in converter), lay
 * out at 80 columns. Returns the bytes the parsed message held. */
static size_t show(const char *data, size_t len)
{
	struct mime_message *msg;
	struct buf text = BUF_INIT;
	struct pager_text_opts opts = { .width = 80 };
	struct pager_text *pt;
	size_t before = hostile_heap(), held, start;

	msg = mime_message_parse(data, len);
	held = hostile_heap() - before;
	mime_message_render(msg, NULL, &text);
	start = pager_text_body_start(text.data, text.len);
	pt = pager_text_layout(data, pager_text_body_start(data, len), text.data + start, text.len - start, &opts);
	pager_text_free(&pt);
	buf_free(&text);
	mime_message_free(&msg);
	return held;
}

struct msg_case {
	const char *data;
	size_t len;
	size_t held;
};

static void run_show(void *arg, size_t n)
{
	struct msg_case *c = arg;

	(void)n;
	c->held = show(c->data, c->len);
}

static void report(const char *name, size_t bytes, double secs, size_t held)
{
	printf("%-48s %9zu %10.2f %10.1f\n", name, bytes, secs * 1e3, (double)held / (1024.0 * 1024.0));
	fflush(stdout);
}

static void bench_message(const char *name, const struct buf *m)
{
	struct msg_case c = { m->data, m->len, 0 };
	double secs = hostile_cost(run_show, &c, 0, BENCH_RUNS);

	report(name, m->len, secs, c.held);
}

/* Subject: a value of encoded words, decoded as the index and the pager do. */
static void run_subject(void *arg, size_t n)
{
	const struct buf *v = arg;
	char *s = mime_decode_text(v->data, v->len);

	(void)n;
	free(s);
}

/* The folder index: messages whose References hold 20 ids each, added and threaded. */
struct refs_case {
	struct buf *refs;  /* per message */
	struct buf *ids;
	size_t n;
};

static void run_threads(void *arg, size_t n)
{
	struct refs_case *c = arg;
	struct mindex *idx = mindex_new();
	struct sort_line *lines;
	struct hcache_msg m;

	(void)n;
	for (size_t i = 0; i < c->n; i++) {
		memset(&m, 0, sizeof(m));
		m.uid = (uint32_t)i + 1;
		m.date = 1000000 + (int64_t)i;
		m.field[HCACHE_MESSAGE_ID] = c->ids[i].data;
		m.field_len[HCACHE_MESSAGE_ID] = c->ids[i].len;
		m.field[HCACHE_REFERENCES] = c->refs[i].data;
		m.field_len[HCACHE_REFERENCES] = c->refs[i].len;
		m.field[HCACHE_SUBJECT] = "Re: the same thread";
		m.field_len[HCACHE_SUBJECT] = 19;
		mindex_add(idx, &m);
	}
	sort_messages(idx, SORT_THREADS, false, 5, &lines);
	free(lines);
	mindex_free(&idx);
}

static void bench_refs(const char *name, bool hostile)
{
	struct refs_case c;
	size_t bytes = 0, k = 0;

	c.n = bench_bytes / (20 * 35);
	c.refs = xcalloc(c.n, sizeof(*c.refs));
	c.ids = xcalloc(c.n, sizeof(*c.ids));
	for (size_t i = 0; i < c.n; i++) {
		for (int r = 0; r < 20; r++, k++) {
			buf_append_str(&c.refs[i], r > 0 ? " <" : "<");
			if (hostile)
				hostile_p1_id(&c.refs[i], k);
			else
				buf_appendf(&c.refs[i], "%08zx.benign.id@example.org", k);
			buf_append_c(&c.refs[i], '>');
		}
		buf_appendf(&c.ids[i], "<self-%zu@example.org>", i);
		bytes += c.refs[i].len + c.ids[i].len;
	}
	report(name, bytes, hostile_cost(run_threads, &c, 0, BENCH_RUNS), 0);
	for (size_t i = 0; i < c.n; i++) {
		buf_free(&c.refs[i]);
		buf_free(&c.ids[i]);
	}
	free(c.refs);
	free(c.ids);
}

/* A message with body `body` (text/plain). */
static void text_message(struct buf *m, const struct buf *body)
{
	buf_append_str(m, "From: a@example.org\r\nSubject: text\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
	buf_append(m, body->data, body->len);
}

int main(void)
{
	struct buf m = BUF_INIT, v = BUF_INIT, body = BUF_INIT;
	const char *env = getenv("BENCH_HOSTILE_BYTES");

	if (env != NULL && strtoul(env, NULL, 10) >= 4096)
		bench_bytes = strtoul(env, NULL, 10);
	printf("hostile mail of about %zu KiB: CPU time of the least of %d runs, memory the parsed message held\n",
	       bench_bytes / 1024, BENCH_RUNS);
	printf("%-48s %9s %10s %10s\n", "case", "bytes", "ms", "held MiB");

	while (body.len < bench_bytes)
		buf_append_str(&body, "the quick brown fox jumps over the lazy dog, see https://example.org/x\n");
	text_message(&m, &body);
	bench_message("benign text/plain (parse, render, layout)", &m);

	buf_reset(&m);
	hostile_html_lt(&m, bench_bytes);
	bench_message("1. text/html of stray '<'", &m);

	hostile_ew_charsets(&v, bench_bytes / 20, 14);
	report("2. Subject: encoded words over 14 charsets", v.len, hostile_cost(run_subject, &v, 0, BENCH_RUNS), 0);
	buf_reset(&v);
	hostile_ew_charsets(&v, MIME_MAX_ENCODED_WORDS, 14);
	report("2. the first 10,000 of them (all decoded)", v.len, hostile_cost(run_subject, &v, 0, BENCH_RUNS), 0);
	buf_reset(&v);
	while (v.len < 2048)
		hostile_ew_charsets(&v, 15, 15);
	report("2. a 2 KB Subject over 15 charsets", v.len, hostile_cost(run_subject, &v, 0, BENCH_RUNS), 0);
	buf_reset(&m);
	buf_reset(&v);
	hostile_ew_charsets(&v, bench_bytes / 20, 14);
	buf_append_str(&m, "From: a@example.org\r\nSubject: ");
	buf_append(&m, v.data, v.len);
	buf_append_str(&m, "\r\n\r\nbody\r\n");
	bench_message("2. the same Subject in a shown message", &m);

	bench_refs("3. benign References (20 ids a message)", false);
	bench_refs("3. References of wyhash-zeroing ids", true);

	buf_reset(&body);
	buf_reset(&m);
	hostile_url_run(&body, bench_bytes / 8);
	text_message(&m, &body);
	bench_message("4. a line of http://- (link finder)", &m);
	buf_reset(&body);
	buf_reset(&m);
	hostile_fnv_urls(&body, bench_bytes / 66);
	text_message(&m, &body);
	bench_message("4. URLs colliding in FNV-1a (link table)", &m);

	buf_reset(&m);
	hostile_nested(&m, 97, bench_bytes, false);
	bench_message("5. 97 nested multiparts, each QP", &m);
	buf_reset(&m);
	hostile_nested(&m, 97, bench_bytes, true);
	bench_message("5. 97 nested message/rfc822, each QP", &m);

	buf_free(&m);
	buf_free(&v);
	buf_free(&body);
	return 0;
}
