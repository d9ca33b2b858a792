/* imap-engine.h: the sans-I/O IMAP client engine: bytes in, events out, bytes to send. */
#ifndef IMAP_IMAP_ENGINE_H
#define IMAP_IMAP_ENGINE_H

#include "skua.h"
#include "imap-parser.h"

/* Capabilities the engine knows about (bit mask). */
enum imap_capa {
	IMAP_CAPA_IMAP4REV1 = 1u << 0,
	IMAP_CAPA_IMAP4REV2 = 1u << 1,
	IMAP_CAPA_STARTTLS = 1u << 2,
	IMAP_CAPA_LOGINDISABLED = 1u << 3,
	IMAP_CAPA_SASL_IR = 1u << 4,
	IMAP_CAPA_AUTH_PLAIN = 1u << 5,
	IMAP_CAPA_AUTH_LOGIN = 1u << 6,
	IMAP_CAPA_AUTH_XOAUTH2 = 1u << 7,
	IMAP_CAPA_AUTH_OAUTHBEARER = 1u << 8,
	IMAP_CAPA_IDLE = 1u << 9,
	IMAP_CAPA_CONDSTORE = 1u << 10,
	IMAP_CAPA_QRESYNC = 1u << 11,
	IMAP_CAPA_UIDPLUS = 1u << 12,
	IMAP_CAPA_MOVE = 1u << 13,
	IMAP_CAPA_ENABLE = 1u << 14,
	IMAP_CAPA_LITERAL_PLUS = 1u << 15,
	IMAP_CAPA_LITERAL_MINUS = 1u << 16,
	IMAP_CAPA_SPECIAL_USE = 1u << 17,
	IMAP_CAPA_LIST_STATUS = 1u << 18,
	IMAP_CAPA_LIST_EXTENDED = 1u << 19,
	IMAP_CAPA_ESEARCH = 1u << 20,
	IMAP_CAPA_UTF8_ACCEPT = 1u << 21,
	IMAP_CAPA_ID = 1u << 22,
	IMAP_CAPA_NAMESPACE = 1u << 23,
	IMAP_CAPA_COMPRESS_DEFLATE = 1u << 24,
	IMAP_CAPA_BINARY = 1u << 25,
};

enum imap_auth_mech { IMAP_AUTH_AUTO, IMAP_AUTH_PLAIN, IMAP_AUTH_LOGIN, IMAP_AUTH_XOAUTH2,
		      IMAP_AUTH_OAUTHBEARER };

struct imap_engine_settings {
	const char *user;          /* NULL for a pre-authenticated tunnel */
	const char *secret;        /* password or OAuth token; copied, wiped on free */
	enum imap_auth_mech auth;
	const char *host;          /* for OAUTHBEARER */
	unsigned int port;
	bool tls_active;           /* the connection is already TLS (implicit TLS) */
	bool starttls;             /* upgrade with STARTTLS before authenticating (required) */
	bool require_tls;          /* refuse PREAUTH / credentials without TLS */
};

/* Message flags (bit mask); other keywords are in imap_fetch.flag_list. */
enum imap_flag {
	IMAP_FLAG_SEEN = 1u << 0,
	IMAP_FLAG_ANSWERED = 1u << 1,
	IMAP_FLAG_FLAGGED = 1u << 2,
	IMAP_FLAG_DELETED = 1u << 3,
	IMAP_FLAG_DRAFT = 1u << 4,
	IMAP_FLAG_RECENT = 1u << 5,
};

/* Mailbox attributes from LIST (bit mask). */
enum imap_mbox_attr {
	IMAP_MBOX_NOSELECT = 1u << 0,
	IMAP_MBOX_NONEXISTENT = 1u << 1,
	IMAP_MBOX_HASCHILDREN = 1u << 2,
	IMAP_MBOX_SENT = 1u << 3,
	IMAP_MBOX_DRAFTS = 1u << 4,
	IMAP_MBOX_TRASH = 1u << 5,
	IMAP_MBOX_JUNK = 1u << 6,
	IMAP_MBOX_ARCHIVE = 1u << 7,
	IMAP_MBOX_ALL = 1u << 8,
	IMAP_MBOX_FLAGGED = 1u << 9,
};

#define IMAP_FETCH_MAX_SECTIONS 8

struct imap_fetch_section {
	const char *section;   /* inside the brackets, e.g. "", "1.2", "HEADER.FIELDS (FROM)" */
	int64_t origin;        /* <origin> of a partial fetch, or -1 */
	const char *data;      /* NULL for NIL or when streamed */
	size_t len;
	bool streamed;         /* the bytes went to the engine's body sink */
};

struct imap_fetch {
	uint32_t seq, uid;
	uint32_t flags;        /* enum imap_flag */
	bool has_flags;
	const struct imap_arg *flag_list; /* all flags including keywords, or NULL */
	const char *internaldate;         /* raw, or NULL */
	int64_t size;          /* RFC822.SIZE, or -1 */
	uint64_t modseq;       /* 0 when absent */
	const struct imap_arg *envelope;      /* ENVELOPE list, or NULL (see imap-fetch.h) */
	const struct imap_arg *bodystructure; /* BODYSTRUCTURE/BODY list, or NULL */
	struct imap_fetch_section sections[IMAP_FETCH_MAX_SECTIONS];
	size_t n_sections;
};

struct imap_mailbox_info {
	uint32_t exists, uidvalidity, uidnext, unseen;
	uint64_t highestmodseq;
	bool readonly;
};

enum imap_event_type {
	IMAP_EVENT_NEED_TLS,  /* STARTTLS accepted: do the handshake, then imap_engine_tls_started() */
	IMAP_EVENT_READY,     /* authenticated and set up; queued commands are now sent */
	IMAP_EVENT_LIST,
	IMAP_EVENT_STATUS,
	IMAP_EVENT_FETCH,
	IMAP_EVENT_SEARCH,
	IMAP_EVENT_EXISTS,
	IMAP_EVENT_EXPUNGE,
	IMAP_EVENT_VANISHED,
	IMAP_EVENT_DONE,      /* a command finished: cmd, ok, text */
	IMAP_EVENT_BYE,
	IMAP_EVENT_ALERT,     /* [ALERT] text the user must see (sanitise before display) */
};

enum imap_result { IMAP_RESULT_OK, IMAP_RESULT_NO, IMAP_RESULT_BAD };

/* An event. Every pointer is borrowed and valid until the next call into the engine. Names are UTF-8
 * (decoded from modified UTF-7 unless UTF8=ACCEPT or IMAP4rev2 is in use) but NOT sanitised; text
 * from the server is not sanitised either: sanitise before display. */
struct imap_event {
	enum imap_event_type type;
	uint32_t cmd;           /* the command this belongs to (DONE, LIST, STATUS, FETCH, SEARCH) or 0 */
	union {
		struct {
			const char *name;
			char delimiter;      /* '\0' for NIL */
			uint32_t attrs;      /* enum imap_mbox_attr */
		} list;
		struct {
			const char *name;
			int64_t messages, unseen, uidnext, uidvalidity, recent; /* -1 when absent */
			uint64_t highestmodseq;
		} status;
		struct imap_fetch fetch;
		struct {
			const uint32_t *uids;
			size_t count;
		} search;
		uint32_t number;     /* EXISTS count, EXPUNGE sequence number */
		struct {
			const char *uidset;
			bool earlier;
		} vanished;
		struct {
			enum imap_result result;
			const char *text;
		} done;
		const char *text;    /* BYE, ALERT */
	} u;
};

struct imap_engine;

/* Returns a new engine the caller owns; copies what it needs from set. Any thread; one engine is used
 * by one thread. */
struct imap_engine *imap_engine_new(const struct imap_engine_settings *set);
/* Wipes secrets, frees the engine, sets *engine = NULL. NULL-safe. */
void imap_engine_free(struct imap_engine **engine);

/* Bytes received from the server. */
void imap_engine_input(struct imap_engine *engine, const void *data, size_t len);
/* Bytes to send now: returns their count and *data_r (borrowed); then report what was written. */
size_t imap_engine_output(struct imap_engine *engine, const char **data_r);
void imap_engine_output_consumed(struct imap_engine *engine, size_t len);

/* Returns 1 with the next event in *ev_r, 0 when more input is needed, -1 on a fatal error (protocol
 * violation, authentication failure, TLS policy) with *error_r; the connection must then be dropped
 * and every later call fails the same way. */
int imap_engine_next_event(struct imap_engine *engine, struct imap_event *ev_r, const char **error_r);
/* Called after the TLS handshake that followed IMAP_EVENT_NEED_TLS succeeded. */
void imap_engine_tls_started(struct imap_engine *engine);
/* Sets the sink that receives big literal bytes (BODY[] of large messages); NULL clears it. */
void imap_engine_set_body_sink(struct imap_engine *engine, imap_parser_sink_fn *fn, void *ctx);

/* Receives a copy of every byte queued for sending, with credentials (LOGIN, AUTHENTICATE) replaced
 * by "<redacted>". Called from imap_engine_* calls in the engine's thread. */
typedef void imap_engine_trace_fn(void *ctx, bool sent, const char *data, size_t len);
void imap_engine_set_trace(struct imap_engine *engine, imap_engine_trace_fn *fn, void *ctx);

bool imap_engine_is_ready(const struct imap_engine *engine);
uint32_t imap_engine_capabilities(const struct imap_engine *engine);
/* True when mailbox names travel as UTF-8 (UTF8=ACCEPT enabled or an IMAP4rev2-only server). */
bool imap_engine_utf8_names(const struct imap_engine *engine);
/* True when QRESYNC is enabled (UID FETCH ... (CHANGEDSINCE n VANISHED) works): from READY on when the
 * server offers it (ENABLE is pipelined ahead of every user command), corrected by ENABLE's reply. */
bool imap_engine_qresync(const struct imap_engine *engine);
/* The state of the selected mailbox (valid after a successful SELECT/EXAMINE). */
const struct imap_mailbox_info *imap_engine_mailbox(const struct imap_engine *engine);

/* Commands. Each returns the command id that its DONE event carries (never 0). Issue them after
 * IMAP_EVENT_READY: their form depends on the capabilities (commands issued earlier are held and sent
 * right after READY, built with what was known then). Independent commands are pipelined. Names are
 * UTF-8. */
/* LIST of every mailbox with SPECIAL-USE attributes and MESSAGES/UNSEEN status: LIST-STATUS when
 * offered, else LIST followed by pipelined STATUS commands, all under this one command id. */
uint32_t imap_engine_cmd_list(struct imap_engine *engine);
uint32_t imap_engine_cmd_status(struct imap_engine *engine, const char *mailbox);
uint32_t imap_engine_cmd_select(struct imap_engine *engine, const char *mailbox, bool readonly);
/* SELECT/EXAMINE with QRESYNC (RFC 7162): flag changes since modseq arrive as FETCH events and
 * expunges as VANISHED (EARLIER) before the command's DONE. The server ignores the parameters when
 * uidvalidity is no longer current. Without QRESYNC enabled, a plain imap_engine_cmd_select(). */
uint32_t imap_engine_cmd_select_qresync(struct imap_engine *engine, const char *mailbox, bool readonly,
				       uint32_t uidvalidity, uint64_t modseq);
/* UID FETCH uidset items; items is the parenthesised item list, e.g. "(UID FLAGS BODY.PEEK[])". */
uint32_t imap_engine_cmd_fetch(struct imap_engine *engine, const char *uidset, const char *items);
/* FETCH by message sequence numbers (seqset such as "99501:100000"), for reading a mailbox newest
 * first; the items should include UID. */
uint32_t imap_engine_cmd_fetch_seq(struct imap_engine *engine, const char *seqset, const char *items);
/* UID STORE uidset item flags: item is "+FLAGS", "-FLAGS" or "FLAGS", with ".SILENT" or not; flags the
 * parenthesised list, e.g. "(\\Seen \\Flagged)". The new flags arrive as IMAP_EVENT_FETCH events
 * carrying this command's id (unless a FETCH command is in flight too: then they carry its id), with
 * MODSEQ when CONDSTORE is enabled (even with .SILENT). A UID that does not exist is no error: the
 * command completes OK without a FETCH for it. A read-only mailbox (EXAMINE) makes it fail NO. */
uint32_t imap_engine_cmd_store(struct imap_engine *engine, const char *uidset, const char *item,
			       const char *flags);
/* UID SEARCH criteria (ESEARCH's RETURN (ALL) when offered); results arrive as IMAP_EVENT_SEARCH. */
uint32_t imap_engine_cmd_search(struct imap_engine *engine, const char *criteria);
uint32_t imap_engine_cmd_noop(struct imap_engine *engine);
uint32_t imap_engine_cmd_logout(struct imap_engine *engine);

#endif
