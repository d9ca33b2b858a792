/* sync.h: a mailbox's sync as a sans-I/O state machine: header cache, CONDSTORE/QRESYNC, VANISHED. */
#ifndef BACKEND_SYNC_H
#define BACKEND_SYNC_H

#include "skua.h"
#include "backend/mailbox.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"

/* What a sync is asked for. */
struct sync_params {
	const char *account, *mailbox; /* borrowed for the sync's life */
	bool readonly;                 /* EXAMINE (nothing changes on the server), else SELECT */
	/* The first screen: before the server has answered, the newest `preview` cached records in
	 * preview_order go to sink->preview (nothing when the cache cannot say which they are). 0: none. */
	size_t preview;
	enum hcache_order preview_order;
	/* Hand over only the newest `limit` records in limit_order when the cache can say which they are
	 * without reading them all (a warm QRESYNC sync whose counts add up); otherwise, and with SIZE_MAX,
	 * every record. sync_partial() tells which happened. */
	size_t limit;
	enum hcache_order limit_order;
};

/* Where the records go. Each returns 0 to go on, -1 to stop the sync (it then fails "aborted"). */
struct sync_sink {
	/* Every message of the mailbox once, in no particular order (the newest first on a first open);
	 * the record's strings are valid only during the call. NULL means "forget every record handed over
	 * so far": a fast path did not check out, and the records follow again. */
	int (*msg)(void *ctx, const struct hcache_msg *m);
	/* The cached first screen (see sync_params.preview), newest first, before any msg(); may be NULL.
	 * These records may be out of date: the msg() records that follow are the truth. */
	int (*preview)(void *ctx, const struct hcache_msg *m);
	void *ctx;
};

enum sync_status {
	SYNC_RUNNING,  /* feed it the engine's next event */
	SYNC_DONE,     /* every record was handed over; the cache holds the server's state */
	SYNC_REFUSED,  /* the server refused the SELECT/EXAMINE (*error_r: its text, not sanitised) */
	SYNC_FAILED,   /* a command failed, the sink stopped it, or the server's data made no sense
			* (*error_r); the connection is still in step with the engine */
};

struct sync;

/* Returns a new sync of p->mailbox over engine (ready, and used by nothing else while the sync runs)
 * and hc (NULL: no cache; cache failures are logged and the cache bypassed, never an error). stats_r
 * (the caller's, may be NULL) is filled in as the sync goes. Nothing happens before sync_start. The
 * caller owns the sync (sync_free). Worker thread (the engine's). */
struct sync *sync_new(struct imap_engine *engine, struct hcache *hc, const struct sync_params *p,
		      const struct sync_sink *sink, struct mailbox_load_stats *stats_r);

/* Reads the cache's state, hands over the preview, and issues the first commands (pipelined: the
 * SELECT/EXAMINE with what the fast path needs). Returns SYNC_RUNNING, or SYNC_FAILED (*error_r) when
 * the sink stopped it. */
enum sync_status sync_start(struct sync *sync, const char **error_r);

/* Feeds one engine event (every event the engine produces until the sync is over, whatever command it
 * belongs to). May issue more commands (new or missing headers, a fallback). Returns SYNC_RUNNING until
 * the sync is over, then SYNC_DONE, SYNC_REFUSED or SYNC_FAILED (*error_r) once; afterwards it must not
 * be called. Cache reads and writes happen inside (disk I/O, never network I/O). */
enum sync_status sync_event(struct sync *sync, const struct imap_event *ev, const char **error_r);

/* The number of records handed over (since the last "forget"). */
size_t sync_delivered(const struct sync *sync);
/* True when only the newest sync_params.limit records were handed over. */
bool sync_partial(const struct sync *sync);

/* Frees *sync (aborting a cache transaction left open) and sets it to NULL; NULL-safe. */
void sync_free(struct sync **sync);

#endif
