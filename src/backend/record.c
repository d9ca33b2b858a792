/* record.c: a message's index record built from a FETCH of its header fields, and batches of records
 * as they travel from a worker to the UI. */
#include "skua.h"
#include "record.h"
#include "imap/imap-fetch.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"

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

const char *record_fetch_items(bool modseq)
{
	return modseq ? "(UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ BODY.PEEK[HEADER.FIELDS (" RECORD_HEADER_FIELDS ")])" :
		"(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (" RECORD_HEADER_FIELDS ")])";
}

/* The attachment hint from a Content-Type value: multipart/mixed, or a non-text single part. */
static uint32_t content_hints(const char *ct)
{
	static const char *const kinds[] = { "multipart/mixed", "application/", "image/", "audio/", "video/" };

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (size_t i = 0; i < N_ELEMENTS(kinds); i++) {
		if (strncasecmp(ct, kinds[i], strlen(kinds[i])) == 0)
			return HCACHE_HINT_ATTACHMENT;
	}
	return 0;
}

bool record_from_fetch(const struct imap_fetch *f, struct hcache_msg *m, struct record_strings *strs)
{
	const struct imap_fetch_section *sec = NULL;
	char *date;

	memset(strs, 0, sizeof(*strs));
	if (f->uid == 0)
		return false;
	for (size_t i = 0; i < f->n_sections && sec == NULL; i++) {
		if (strncasecmp(f->sections[i].section, "HEADER", 6) == 0 && f->sections[i].data != NULL)
			sec = &f->sections[i];
	}
	if (sec == NULL)
		return false;
	memset(m, 0, sizeof(*m));
	m->uid = f->uid;
	m->flags = f->flags;
	m->size = f->size;
	m->modseq = f->modseq;
	mime_header_get_many(sec->data, sec->len, field_names, HCACHE_NFIELDS + 1, strs->values);
	m->internaldate = f->internaldate != NULL ? imap_internaldate_parse(f->internaldate) : -1;
	date = strs->values[HCACHE_NFIELDS];
	m->date = date != NULL ? mime_date_parse(date, strlen(date)) : -1;
	if (m->date < 0)
		m->date = m->internaldate;
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		m->field[i] = strs->values[i];
		m->field_len[i] = strs->values[i] != NULL ? strlen(strs->values[i]) : 0;
	}
	m->hints = content_hints(strs->values[HCACHE_CONTENT_TYPE]);
	return true;
}

void record_free(struct record_strings *strs)
{
	for (int i = 0; i <= HCACHE_NFIELDS; i++) {
		free(strs->values[i]);
		strs->values[i] = NULL;
	}
}

/* ---- batches -------------------------------------------------------------------------------- */

#define FIELD_ABSENT UINT32_MAX

struct batch_entry {
	uint32_t uid, flags, hints;
	uint64_t modseq;
	int64_t date, internaldate, size;
	uint32_t off[HCACHE_NFIELDS], len[HCACHE_NFIELDS]; /* off FIELD_ABSENT: absent */
};

struct worker_batch *worker_batch_new(void)
{
	return xcalloc(1, sizeof(struct worker_batch));
}

void worker_batch_add(struct worker_batch *b, const struct hcache_msg *m)
{
	struct batch_entry e;

	e.uid = m->uid;
	e.flags = m->flags;
	e.hints = m->hints;
	e.modseq = m->modseq;
	e.date = m->date;
	e.internaldate = m->internaldate;
	e.size = m->size;
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		size_t len = m->field_len[i] > HCACHE_MAX_FIELD ? HCACHE_MAX_FIELD : m->field_len[i];

		if (m->field[i] == NULL) {
			e.off[i] = FIELD_ABSENT;
			e.len[i] = 0;
			continue;
		}
		e.off[i] = (uint32_t)b->strings.len;
		e.len[i] = (uint32_t)len;
		buf_append(&b->strings, m->field[i], len);
	}
	buf_append(&b->data, &e, sizeof(e));
	b->count++;
}

bool worker_batch_next(const struct worker_batch *b, size_t *offset, struct hcache_msg *m)
{
	struct batch_entry e;

	if (b->data.data == NULL || *offset + sizeof(e) > b->data.len)
		return false;
	memcpy(&e, b->data.data + *offset, sizeof(e));
	*offset += sizeof(e);
	m->uid = e.uid;
	m->flags = e.flags;
	m->hints = e.hints;
	m->modseq = e.modseq;
	m->date = e.date;
	m->internaldate = e.internaldate;
	m->size = e.size;
	for (int i = 0; i < HCACHE_NFIELDS; i++) {
		m->field[i] = e.off[i] == FIELD_ABSENT ? NULL : b->strings.data != NULL ? b->strings.data + e.off[i] : "";
		m->field_len[i] = e.len[i];
	}
	return true;
}

void worker_batch_free(void *batch)
{
	struct worker_batch *b = batch;

	if (b == NULL)
		return;
	buf_free(&b->data);
	buf_free(&b->strings);
	free(b);
}
