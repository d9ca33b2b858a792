/* record.h: a message's index record built from a FETCH of its header fields, and batches of records
 * as they travel from a worker to the UI. */
#ifndef BACKEND_RECORD_H
#define BACKEND_RECORD_H

#include "skua.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"
#include "lib/buf.h"

/* The header fields an index needs, fetched for messages the cache does not have. */
#define RECORD_HEADER_FIELDS \
	"DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE IN-REPLY-TO REPLY-TO LIST-POST LIST-ID"

/* The strings a record built from a FETCH points into (record_free releases them). */
struct record_strings {
	char *values[HCACHE_NFIELDS + 1];
};

/* Returns the FETCH item list that brings what record_from_fetch needs, MODSEQ included when modseq.
 * Static. */
const char *record_fetch_items(bool modseq);

/* Builds the record of the message a FETCH describes, from its header-fields section (the first
 * section whose name starts with HEADER). Returns false when the FETCH has no UID or no such section.
 * m_r's strings point into strs until record_free(strs). Any thread. */
bool record_from_fetch(const struct imap_fetch *f, struct hcache_msg *m_r, struct record_strings *strs);
/* Frees what record_from_fetch allocated. */
void record_free(struct record_strings *strs);

/* Records as a worker hands them to the UI: fixed-size entries (numbers, and the place and length of
 * each string) and one block of string bytes, so that reading one costs a few loads. This is a
 * transport, not the header cache's format. */
struct worker_batch {
	size_t count;
	struct buf data;     /* entries, in order */
	struct buf strings;  /* the bytes every entry's strings point into */
};

/* Returns a new empty batch (free with worker_batch_free). */
struct worker_batch *worker_batch_new(void);
/* Appends a copy of m. */
void worker_batch_add(struct worker_batch *batch, const struct hcache_msg *m);
/* Iterates a batch: returns true and the next record in *msg_r (its strings point into the batch) and
 * advances *offset (start at 0); false at the end. Any thread (one at a time per batch). */
bool worker_batch_next(const struct worker_batch *batch, size_t *offset, struct hcache_msg *msg_r);
/* Frees a batch (void * for ev_msg.payload_free); NULL-safe. */
void worker_batch_free(void *batch);

#endif
