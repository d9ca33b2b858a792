/* account.h: one account's backend: its connection (made when needed), the mailbox selected on it and
 * that mailbox's tracker, and its caches: what the worker and the CLI run operations over. */
#ifndef BACKEND_ACCOUNT_H
#define BACKEND_ACCOUNT_H

#include "skua.h"
#include "backend/session.h"
#include "backend/track.h"
#include "bcache/bcache.h"
#include "cfg/cfg.h"
#include "hcache/hcache.h"

/* What an operation step returns. */
enum {
	OP_OK = 0,
	OP_FAILED = -1,   /* the operation failed; the connection is fine */
	OP_LOST = -2,     /* the connection is unusable (an error, or an abandoned wait) */
};

struct account;

/* Returns an account the caller owns (account_free). cfg is borrowed and must outlive it; hc (NULL: no
 * header cache) is shared (LMDB handles are thread-safe) and must outlive it. Nothing connects yet.
 * The account is used by one thread (a worker's, or the CLI's). */
struct account *account_new(const struct cfg_account *cfg, struct hcache *hc);
/* Frees the account (disconnecting), sets *account NULL; NULL-safe. */
void account_free(struct account **account);

const struct cfg_account *account_cfg(const struct account *account);
struct hcache *account_hcache(const struct account *account);
/* The body cache, opened on first use; NULL when there is none (skua then works uncached). */
struct bcache *account_bcache(struct account *account);

/* Called with the text (not sanitised) of every [ALERT] the server sends. */
void account_set_alert_fn(struct account *account, session_alert_fn *fn, void *ctx);

/* Connects and authenticates unless connected. Returns 0, or -1 with *error_r. Blocks on the network. */
int account_connect(struct account *account, const char **error_r);
/* True while a session is open. */
bool account_connected(const struct account *account);
/* The session (borrowed; NULL when not connected). */
struct session *account_session(struct account *account);
/* Drops the connection (LOGOUT best effort), the selection and its tracker (committing what it
 * gathered; its changes are lost). */
void account_disconnect(struct account *account);

/* Selects mailbox: SELECT when rw, else EXAMINE unless it is selected already (a SELECTed mailbox
 * serves a read-only request too). uidvalidity != 0: fails (the folder was renewed) unless the
 * mailbox's UIDVALIDITY is that one; rw: fails when the server opened it read-only. A new selection
 * gets a new tracker. Returns OP_OK, OP_FAILED (*error_r: translated, says which folder and why) or
 * OP_LOST (*error_r). */
int account_select(struct account *account, const char *mailbox, bool rw, uint32_t uidvalidity,
		   const char **error_r);
/* Records that a sync selected mailbox (rw: SELECT) and gives it the tracker track (taken). */
void account_selected(struct account *account, const char *mailbox, bool rw, struct track *track);
/* Forgets the selection (before a command that selects something else behind the account's back). */
void account_unselected(struct account *account);
/* The selected mailbox (borrowed) or NULL, and its tracker or NULL. */
const char *account_selected_name(const struct account *account);
struct track *account_track(struct account *account);

/* The tracker's changes since the last call (the caller owns them: track_changes_free), or NULL. */
struct track_changes *account_changes(struct account *account);

#endif
