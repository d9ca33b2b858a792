/* session.h: one account's IMAP connection driven synchronously (connect, TLS, login, run commands). */
#ifndef BACKEND_SESSION_H
#define BACKEND_SESSION_H

#include "skua.h"
#include "cfg/cfg.h"
#include "imap/imap-engine.h"

struct session;

/* Called for every engine event while session_wait() runs. Return 0 to go on, -1 to abort the wait
 * (the session is then unusable). */
typedef int session_event_fn(void *ctx, const struct imap_event *ev);

/* Connects to the account (TCP + implicit TLS / STARTTLS / none, or the tunnel), authenticates and
 * waits until the engine is ready. Returns 0 and a session the caller owns, or -1 with *error_r naming
 * the cause ("connection refused", "... certificate ...", "authentication failed: ...",
 * "protocol error: ..."). Worker thread (blocks on the network). */
int session_open(const struct cfg_account *acct, struct session **session_r, const char **error_r);

/* The engine, for issuing commands (imap_engine_cmd_*). Borrowed. */
struct imap_engine *session_engine(struct session *session);

/* Called with the text (not sanitised) of every [ALERT] the server sends while session_wait runs,
 * whatever its fn: the user must see these (RFC 3501 section 7.1). */
typedef void session_alert_fn(void *ctx, const char *text);

/* Sets (fn NULL: clears) the session's alert callback. Worker thread. */
void session_set_alert_fn(struct session *session, session_alert_fn *fn, void *ctx);

/* Sends pending commands and processes responses until command `cmd` is done, passing every event
 * (including the DONE of `cmd`) to fn. Returns 0 when cmd completed OK, 1 when it completed NO/BAD
 * (*error_r = the server's text, not sanitised), -1 on a connection or protocol error (*error_r).
 * Worker thread. */
int session_wait(struct session *session, uint32_t cmd, session_event_fn *fn, void *ctx, const char **error_r);

/* Called with every event the session reads, before the function of the wait that reads it: what the
 * selected mailbox's tracker uses to hear untagged data whatever command brought it. */
typedef void session_observer_fn(void *ctx, const struct imap_event *ev);
/* Sets (fn NULL: clears) the observer. Worker thread. */
void session_set_observer(struct session *session, session_observer_fn *fn, void *ctx);

/* A state machine's step: returns 0 to go on, 1 when it is done, -1 when it failed (*error_r). */
typedef int session_drive_fn(void *ctx, const struct imap_event *ev, const char **error_r);
/* Sends pending commands and processes responses, passing every event to fn, until fn returns 1 or -1.
 * Returns 0 when fn said done, 1 when fn failed (*error_r as fn set it), -1 on a connection or protocol
 * error (*error_r). Worker thread. */
int session_drive(struct session *session, session_drive_fn *fn, void *ctx, const char **error_r);

/* The descriptor to poll while no wait runs, and for what (*events_r: POLLIN, or POLLOUT when TLS must
 * write first), so that a worker hears the server between requests. Worker thread. */
int session_poll_fd(struct session *session, short *events_r);
/* Sends what is queued and processes what the server sent, without waiting: every event goes to the
 * observer, then to fn (may be NULL; returning -1 aborts with "aborted"). Returns 0 when nothing more
 * can be read without waiting, -1 when the connection is lost (end of stream, an error; *error_r).
 * Worker thread. */
int session_pump(struct session *session, session_event_fn *fn, void *ctx, const char **error_r);

/* Sends LOGOUT (best effort, bounded time, not waiting for the reply), closes the connection and frees
 * the session; NULL-safe. */
void session_close(struct session **session);

#endif
