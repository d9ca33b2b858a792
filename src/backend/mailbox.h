/* mailbox.h: a mailbox's sync driven over a session, its limits, and how it went. */
#ifndef BACKEND_MAILBOX_H
#define BACKEND_MAILBOX_H

#include "skua.h"
#include "backend/session.h"
#include "hcache/hcache.h"

/* Longest UID set sent in one UID FETCH (longer sets are split into pipelined commands). */
#define MAILBOX_MAX_UIDSET 8000
/* First open: the newest MAILBOX_FIRST_CHUNK messages are asked for first, then chunks that double up
 * to MAILBOX_MAX_CHUNK, all pipelined. */
#define MAILBOX_FIRST_CHUNK 250
#define MAILBOX_MAX_CHUNK 8000
/* Records written per cache transaction in a long fill (bounds the memory of a transaction). */
#define MAILBOX_COMMIT_EVERY 4000

/* How a load reached the server's state (for logs, tests and benchmarks). */
enum mailbox_method {
	MAILBOX_COLD,       /* nothing usable cached: every header fetched, newest first */
	MAILBOX_QRESYNC,    /* SELECT/EXAMINE (QRESYNC ...): changes and VANISHED only */
	MAILBOX_CONDSTORE,  /* CHANGEDSINCE flags + UID SEARCH ALL for expunges */
	MAILBOX_SWEEP,      /* every UID and its flags, headers only for what is new */
};

struct mailbox_load_stats {
	enum mailbox_method method;
	size_t from_cache;    /* messages taken from the header cache */
	size_t fetched;       /* messages whose headers crossed the wire */
	size_t flag_changes;  /* cached messages whose flags changed */
	size_t expunged;      /* cached messages gone from the server */
	bool unchanged;       /* HIGHESTMODSEQ/UIDNEXT/EXISTS matched the cache */
	bool fell_back;       /* a fast path's result did not match EXISTS: resynced the long way */
};

struct sync_params;
struct sync_sink;
/* Runs the sync of p->mailbox (see sync.h) over the session to its end. Returns 0 (*partial_r, may be
 * NULL: only the newest p->limit records were handed over), 1 when the server refused the
 * SELECT/EXAMINE (*error_r = its text), -1 on a connection or protocol error or when the sink stopped
 * it (*error_r). Worker thread (network and disk). */
int mailbox_sync(struct session *session, struct hcache *hc, const struct sync_params *p,
		 const struct sync_sink *sink, struct mailbox_load_stats *stats_r, bool *partial_r,
		 const char **error_r);

/* Returns "cold", "qresync", "condstore" or "sweep". */
const char *mailbox_method_name(enum mailbox_method method);

#endif
