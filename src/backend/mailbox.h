/* mailbox.h: opening a mailbox's index: header cache first, then only what changed on the server. */
#ifndef BACKEND_MAILBOX_H
#define BACKEND_MAILBOX_H

#include "skua.h"
#include "backend/session.h"
#include "hcache/hcache.h"

/* The header fields an index needs, fetched for messages the cache does not have. */
#define MAILBOX_HEADER_FIELDS \
	"DATE FROM SENDER SUBJECT TO CC MESSAGE-ID REFERENCES CONTENT-TYPE IN-REPLY-TO REPLY-TO LIST-POST LIST-ID"
/* Longest UID set sent in one UID FETCH (longer sets are split into pipelined commands). */
#define MAILBOX_MAX_UIDSET 8000

struct mailbox_load_stats {
	size_t from_cache;    /* messages taken from the header cache */
	size_t fetched;       /* messages whose headers crossed the wire */
	size_t flag_changes;  /* cached messages whose flags changed */
	size_t expunged;      /* cached messages gone from the server */
	bool unchanged;       /* HIGHESTMODSEQ/UIDNEXT/EXISTS matched: nothing but SELECT was sent */
};

/* EXAMINEs mailbox and calls fn once per message (in no particular order) with its index record,
 * taking what the header cache hc has (NULL: no cache) and fetching only what is new, resyncing flags
 * and dropping expunged messages; the cache is updated in one transaction. Returns 0; 1 when the server
 * refused the EXAMINE (*error_r = its text: no such folder, usually); -1 on a connection or protocol
 * error (*error_r). Cache failures are not errors: the cache is then bypassed (and logged).
 * Worker thread (network and disk). */
int mailbox_load(struct session *session, struct hcache *hc, const char *account, const char *mailbox,
		 hcache_msg_fn *fn, void *ctx, struct mailbox_load_stats *stats_r, const char **error_r);

#endif
