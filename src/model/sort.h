/* sort.h: ordering an index of messages: by date, sender, subject, size, or into threads. No I/O. */
#ifndef MODEL_SORT_H
#define MODEL_SORT_H

#include "skua.h"

enum sort_order { SORT_DATE, SORT_THREADS, SORT_FROM, SORT_SUBJECT, SORT_SIZE };

/* One message as the index needs it. Strings are raw header values (malloc'd, owned by the record,
 * released by sort_msg_clear); any may be NULL. */
struct sort_msg {
	uint32_t uid, flags;
	int64_t date;     /* epoch seconds, -1 unknown */
	int64_t size;
	char *from, *subject, *message_id, *in_reply_to, *references;
};

struct sort_line {
	size_t index;        /* into the msgs array */
	unsigned int depth;  /* thread depth (0 for roots and non-thread orders) */
};

/* Parses "date", "threads", "from", "subject" or "size". Returns 0, or -1 when unknown. */
int sort_order_parse(const char *name, enum sort_order *order_r);

/* Orders msgs and returns the first `limit` display lines in *lines_r (malloc'd, caller frees):
 * SORT_DATE: newest first. SORT_FROM/SUBJECT/SIZE: the `limit` newest, ordered by that key (sender's
 * address or name case-insensitively, subject without Re:/Fwd: prefixes, size ascending), ties newest
 * first. SORT_THREADS: threads (by Message-ID, In-Reply-To, References) with the most recently active
 * first, each in reply order (oldest first under its parent) with its depth. Returns the line count.
 * Any thread. */
size_t sort_messages(const struct sort_msg *msgs, size_t count, enum sort_order order, size_t limit,
		     struct sort_line **lines_r);

void sort_msg_clear(struct sort_msg *msg);

#endif
