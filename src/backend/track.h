/* track.h: the selected mailbox as the server changes it: untagged EXISTS, EXPUNGE, VANISHED and FETCH
 * FLAGS, whatever command brought them, applied to the header cache and gathered for the UI. */
#ifndef BACKEND_TRACK_H
#define BACKEND_TRACK_H

#include "skua.h"
#include "backend/record.h"
#include "hcache/hcache.h"
#include "imap/imap-engine.h"

/* One message's flags as the server now has them. */
struct track_flag {
	uint32_t uid, flags;     /* flags: enum imap_flag bits */
	uint64_t modseq;         /* 0 unknown */
};

/* What changed in one mailbox since the last track_flush(), in the order the server said it. */
struct track_changes {
	char *mailbox;           /* UTF-8, not sanitised */
	uint32_t uidvalidity;
	uint32_t exists;         /* the mailbox's message count now */
	struct track_flag *flags;/* flag changes, oldest first (a UID may appear more than once: the last wins) */
	size_t n_flags, flags_cap;
	struct imap_uidset expunged; /* messages gone */
	struct worker_batch *added;  /* records of new messages (ascending UIDs), or NULL */
};

/* Frees changes (void * for ev_msg.payload_free); NULL-safe. */
void track_changes_free(void *changes);

struct track;

/* Returns a tracker of the mailbox just selected (uidvalidity, uidnext and exists as the SELECT said)
 * writing to hc (NULL: no cache; shared, must outlive the tracker). Until track_set_uids, EXPUNGE
 * (which names a sequence number) cannot be mapped to a UID and is left to the next sync, which finds
 * it; VANISHED, FETCH with UID and new mail are followed all the same. Worker thread. */
struct track *track_new(struct hcache *hc, const char *account, const char *mailbox, uint32_t uidvalidity,
			uint32_t uidnext, uint32_t exists);
/* Gives the tracker every UID of the mailbox (taken: malloc'd, any order; n must equal the mailbox's
 * count), so that EXPUNGE and FETCH by sequence number are understood. */
void track_set_uids(struct track *track, uint32_t *uids, size_t n);

/* The session observer: call it with every event while the mailbox stays selected (and no sync of it
 * runs). Worker thread. */
void track_event(struct track *track, const struct imap_event *ev);

/* True when the server announced mail that was not fetched yet and no fetch of it is under way. */
bool track_wants_new(const struct track *track);
/* Asks for the headers of the new messages (UID FETCH uidnext:*, pipelined: the responses arrive
 * through track_event like any other). Returns the command id. */
uint32_t track_fetch_new(struct track *track, struct imap_engine *engine);

/* Commits what the tracker wrote to the cache and returns the changes gathered since the last flush
 * (the caller owns them: track_changes_free), or NULL when nothing changed. */
struct track_changes *track_flush(struct track *track);

/* The mailbox the tracker follows (borrowed). */
const char *track_mailbox(const struct track *track);
uint32_t track_uidvalidity(const struct track *track);

/* Commits what is pending, drops what was gathered, frees *track and sets it NULL; NULL-safe. */
void track_free(struct track **track);

#endif
