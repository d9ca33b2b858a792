/* test-synth.c: a deterministic synthetic folder (threads, senders, lists) for the model's unit tests. */
#include "skua.h"
#include "test-synth.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNTH_SENDERS 3000
#define SYNTH_LISTS 20

struct synth_msg {
	int64_t date;
	uint32_t thread, sender, size;
	uint32_t parent;        /* index into msgs, UINT32_MAX for a thread root */
	uint32_t id_serial;     /* makes the Message-ID */
	bool present, reply, no_refs;
};

struct synth_thread {
	char *subject;          /* base subject */
	uint32_t list;          /* 0: personal mail, else list number */
};

struct synth_folder {
	struct synth_msg *all;  /* every message made, present or not */
	size_t nall;
	uint32_t *present;      /* indices into all, by arrival: UID = position + 1 */
	size_t n;
	struct synth_thread *threads;
	size_t nthreads;
	struct buf scratch[HCACHE_NFIELDS];
};

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

static const char *const words[] = {
	"kernel", "regression", "build", "fails", "arm64", "meeting", "notes", "quarterly", "report", "patch",
	"review", "release", "candidate", "server", "migration", "plan", "flaky", "test", "design", "feedback",
	"cache", "index", "thread", "folder", "mailbox", "crash", "when", "opening", "large", "the", "with",
	"after", "update", "question", "about", "proposal", "cleanup", "driver", "memory", "leak",
};

static char *make_subject(uint64_t *s, uint32_t list)
{
	struct buf b = BUF_INIT;
	size_t target = 40 + rnd(s) % 41;

	if (list != 0)
		buf_appendf(&b, "[list-%u] ", list);
	while (b.len < target)
		buf_appendf(&b, "%s%s", b.len > 0 && b.data[b.len - 1] != ' ' ? " " : "",
			    words[rnd(s) % N_ELEMENTS(words)]);
	return buf_steal(&b);
}

static int cmp_arrival(const void *pa, const void *pb, void *ctx)
{
	const struct synth_msg *all = ctx;
	const struct synth_msg *a = &all[*(const uint32_t *)pa], *b = &all[*(const uint32_t *)pb];

	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return a->id_serial < b->id_serial ? -1 : a->id_serial > b->id_serial;
}

struct synth_folder *synth_new(size_t n, uint32_t seed)
{
	struct synth_folder *sf = xcalloc(1, sizeof(*sf));
	uint64_t s = 0x2545f4914f6cdd1dull ^ seed;
	size_t cap = 0, tcap = 0;

	while (sf->n < n) {
		/* thread sizes 1..30, mostly short */
		double u = (double)(rnd(&s) % 10000) / 10000.0;
		size_t size = 1 + (size_t)(30.0 * u * u * u), first = sf->nall;
		bool root_missing = rnd(&s) % 100 < 5 && size > 1;
		int64_t start = 1500000000 + (int64_t)(rnd(&s) % (5u * 365 * 86400));
		struct synth_thread *t;

		sf->threads = xgrow(sf->threads, &tcap, sf->nthreads + 1, sizeof(*sf->threads));
		t = &sf->threads[sf->nthreads];
		t->list = rnd(&s) % 100 < 70 ? 1 + rnd(&s) % SYNTH_LISTS : 0;
		t->subject = make_subject(&s, t->list);
		for (size_t k = 0; k < size; k++) {
			struct synth_msg *m;
			uint32_t r = rnd(&s) % 1000;

			sf->all = xgrow(sf->all, &cap, sf->nall + 1, sizeof(*sf->all));
			m = &sf->all[sf->nall];
			m->thread = (uint32_t)sf->nthreads;
			/* a few frequent senders, a long tail */
			m->sender = r < 300 ? r % 30 : r < 600 ? 30 + rnd(&s) % 300 : rnd(&s) % SYNTH_SENDERS;
			m->size = 1500 + rnd(&s) % 60000;
			m->id_serial = (uint32_t)sf->nall;
			m->parent = k == 0 ? UINT32_MAX : (uint32_t)(first + rnd(&s) % k);
			m->date = k == 0 ? start : sf->all[m->parent].date + 60 + rnd(&s) % 86400;
			m->reply = k > 0;
			m->no_refs = k > 0 && rnd(&s) % 100 < 2;
			m->present = !(k == 0 && root_missing);
			if (m->present && sf->n < n)
				sf->n++;
			else
				m->present = false;
			sf->nall++;
		}
		sf->nthreads++;
	}
	sf->present = xmalloc(sf->n * sizeof(*sf->present));
	for (size_t i = 0, k = 0; i < sf->nall; i++) {
		if (sf->all[i].present)
			sf->present[k++] = (uint32_t)i;
	}
	qsort_r(sf->present, sf->n, sizeof(*sf->present), cmp_arrival, sf->all);
	return sf;
}

void synth_free(struct synth_folder **sf)
{
	if (*sf == NULL)
		return;
	for (size_t i = 0; i < (*sf)->nthreads; i++)
		free((*sf)->threads[i].subject);
	for (size_t f = 0; f < HCACHE_NFIELDS; f++)
		buf_free(&(*sf)->scratch[f]);
	free((*sf)->threads);
	free((*sf)->all);
	free((*sf)->present);
	free(*sf);
	*sf = NULL;
}

static void append_id(struct buf *b, const struct synth_msg *m)
{
	buf_appendf(b, "<%08x.%06u.%04x.skua-synth@mail%u.example.com>", m->id_serial * 2654435761u,
		    m->id_serial, (m->id_serial * 40503u) & 0xffff, m->sender % 7);
}

static void set(struct hcache_msg *m, enum hcache_field f, const struct buf *b)
{
	m->field[f] = b->data;
	m->field_len[f] = b->len;
}

void synth_msg(struct synth_folder *sf, size_t i, struct hcache_msg *m_r)
{
	const struct synth_msg *sm = &sf->all[sf->present[i]];
	const struct synth_thread *t = &sf->threads[sm->thread];
	struct buf *b = sf->scratch;

	memset(m_r, 0, sizeof(*m_r));
	for (size_t f = 0; f < HCACHE_NFIELDS; f++)
		b[f].len = 0;
	m_r->uid = (uint32_t)i + 1;
	m_r->flags = i % 3 == 0 ? 0 : 1;
	m_r->date = sm->date;
	m_r->internaldate = sm->date + 5;
	m_r->size = sm->size;
	m_r->modseq = 1000 + i;
	buf_appendf(&b[HCACHE_FROM], "Sender Number%u <sender%u@host%u.example.org>", sm->sender, sm->sender,
		    sm->sender % 50);
	set(m_r, HCACHE_FROM, &b[HCACHE_FROM]);
	if (t->list != 0) {
		buf_appendf(&b[HCACHE_TO], "list-%u@lists.example.org", t->list);
		buf_appendf(&b[HCACHE_LIST_ID], "<list-%u.lists.example.org>", t->list);
		set(m_r, HCACHE_LIST_ID, &b[HCACHE_LIST_ID]);
	} else {
		buf_appendf(&b[HCACHE_TO], "Sam Skua <skua@example.org>");
	}
	set(m_r, HCACHE_TO, &b[HCACHE_TO]);
	buf_appendf(&b[HCACHE_SUBJECT], "%s%s", sm->reply ? "Re: " : "", t->subject);
	set(m_r, HCACHE_SUBJECT, &b[HCACHE_SUBJECT]);
	append_id(&b[HCACHE_MESSAGE_ID], sm);
	set(m_r, HCACHE_MESSAGE_ID, &b[HCACHE_MESSAGE_ID]);
	if (sm->parent != UINT32_MAX && !sm->no_refs) {
		uint32_t chain[64];
		size_t n = 0;
		for (uint32_t p = sm->parent; p != UINT32_MAX && n < N_ELEMENTS(chain); p = sf->all[p].parent)
			chain[n++] = p;
		while (n-- > 0) {
			if (b[HCACHE_REFERENCES].len > 0)
				buf_append(&b[HCACHE_REFERENCES], " ", 1);
			append_id(&b[HCACHE_REFERENCES], &sf->all[chain[n]]);
		}
		set(m_r, HCACHE_REFERENCES, &b[HCACHE_REFERENCES]);
		append_id(&b[HCACHE_IN_REPLY_TO], &sf->all[sm->parent]);
		set(m_r, HCACHE_IN_REPLY_TO, &b[HCACHE_IN_REPLY_TO]);
	}
	buf_appendf(&b[HCACHE_CONTENT_TYPE], "text/plain; charset=utf-8");
	set(m_r, HCACHE_CONTENT_TYPE, &b[HCACHE_CONTENT_TYPE]);
}

bool synth_subject_only(const struct synth_folder *sf, size_t i)
{
	return sf->all[sf->present[i]].no_refs;
}

void synth_set(struct hcache_msg *m, enum hcache_field f, const char *v)
{
	m->field[f] = v;
	m->field_len[f] = v != NULL ? strlen(v) : 0;
}

void synth_fill(struct hcache_msg *m_r, uint32_t uid, int64_t date, const char *from, const char *subject,
		const char *id, const char *irt, const char *refs)
{
	memset(m_r, 0, sizeof(*m_r));
	m_r->uid = uid;
	m_r->date = date;
	m_r->internaldate = date + 1000;
	m_r->size = 100 * (int64_t)uid;
	synth_set(m_r, HCACHE_FROM, from);
	synth_set(m_r, HCACHE_SUBJECT, subject);
	synth_set(m_r, HCACHE_MESSAGE_ID, id);
	synth_set(m_r, HCACHE_IN_REPLY_TO, irt);
	synth_set(m_r, HCACHE_REFERENCES, refs);
}
