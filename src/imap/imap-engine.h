/* imap-engine.h: the sans-I/O IMAP client engine: bytes in, events out, bytes to send. */
#ifndef IMAP_IMAP_ENGINE_H
#define IMAP_IMAP_ENGINE_H

#include "skua.h"
#include "imap-parser.h"
#include "imap-uidset.h"

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
	IMAP_CAPA_UNSELECT = 1u << 26,
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
	IMAP_EVENT_IDLING,    /* the server accepted IDLE: unsolicited data may arrive until idle_done */
};

enum imap_result { IMAP_RESULT_OK, IMAP_RESULT_NO, IMAP_RESULT_BAD };

/* Response codes a command's completion may carry (RFC 9051 section 7.1, RFC 4315, RFC 5530, RFC 7162).
 * A code the engine does not know, or a malformed one, is IMAP_CODE_NONE. */
enum imap_code {
	IMAP_CODE_NONE,
	IMAP_CODE_ALERT,
	IMAP_CODE_ALREADYEXISTS,
	IMAP_CODE_APPENDUID,
	IMAP_CODE_AUTHENTICATIONFAILED,
	IMAP_CODE_AUTHORIZATIONFAILED,
	IMAP_CODE_BADCHARSET,
	IMAP_CODE_CANNOT,
	IMAP_CODE_CLIENTBUG,
	IMAP_CODE_CLOSED,
	IMAP_CODE_CONTACTADMIN,
	IMAP_CODE_COPYUID,
	IMAP_CODE_CORRUPTION,
	IMAP_CODE_EXPIRED,
	IMAP_CODE_EXPUNGEISSUED,
	IMAP_CODE_HASCHILDREN,
	IMAP_CODE_INUSE,
	IMAP_CODE_LIMIT,
	IMAP_CODE_MODIFIED,
	IMAP_CODE_NONEXISTENT,
	IMAP_CODE_NOPERM,
	IMAP_CODE_NOTSAVED,
	IMAP_CODE_OVERQUOTA,
	IMAP_CODE_PARSE,
	IMAP_CODE_PRIVACYREQUIRED,
	IMAP_CODE_READ_ONLY,
	IMAP_CODE_READ_WRITE,
	IMAP_CODE_SERVERBUG,
	IMAP_CODE_TRYCREATE,
	IMAP_CODE_UIDNOTSTICKY,
	IMAP_CODE_UNAVAILABLE,
	IMAP_CODE_UNKNOWN_CTE,
};

/* Returns the code's protocol name ("TRYCREATE", "READ-ONLY"; "" for IMAP_CODE_NONE). Static. */
const char *imap_engine_code_name(enum imap_code code);

/* An event. Every pointer is borrowed and valid until the next call into the engine (including the uid
 * sets of DONE: imap_uidset_copy() what must be kept). Names are UTF-8 (decoded from modified UTF-7
 * unless UTF8=ACCEPT or IMAP4rev2 is in use) but NOT sanitised; text from the server is not sanitised
 * either: sanitise before display.
 *
 * cmd is the id of the command the event belongs to, or 0 when it belongs to none:
 * - DONE and IDLING: always the command's id.
 * - LIST, STATUS, SEARCH: the oldest LIST / STATUS / SEARCH command in flight (an ESEARCH names its
 *   command by tag), else 0.
 * - FETCH: the oldest FETCH command in flight whose set holds the message (its UID for UID FETCH, its
 *   sequence number for FETCH by sequence; a set given as text that the engine cannot read holds
 *   every message), else the oldest UID STORE in flight whose set holds its UID, else a SELECT/EXAMINE
 *   with QRESYNC parameters in flight, else 0. So a flag change that another client made arrives with
 *   cmd 0 between commands and during IDLE, but with a FETCH's id when that FETCH asked for the same
 *   message (it is the message's current state either way); match FETCH data by UID, not by cmd alone.
 * - EXISTS, EXPUNGE, VANISHED, BYE, ALERT, READY, NEED_TLS: always 0 (they change the mailbox, whoever
 *   caused them: the EXPUNGEs of a UID MOVE or UID EXPUNGE come as cmd 0 too). */
struct imap_event {
	enum imap_event_type type;
	uint32_t cmd;
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
		uint32_t number;     /* EXISTS count, EXPUNGE sequence number (exists is kept in step) */
		struct {
			const char *uidset;
			bool earlier;
		} vanished;
		struct {
			enum imap_result result;
			const char *text;    /* resp-text, the code included */
			/* The tagged response's code; for a UID MOVE whose tagged response has none, the
			 * COPYUID of its untagged OK (RFC 6851); for a command split over several (a big UID
			 * set), the first failure's code, else the last code seen. */
			enum imap_code code;
			uint32_t uidvalidity;    /* COPYUID / APPENDUID: the destination's, else 0 */
			uint32_t append_uid;     /* APPENDUID: the appended message's UID, else 0 */
			/* COPYUID (UID COPY / UID MOVE with UIDPLUS): the source UIDs the server reports
			 * as copied and the UIDs they got, as many of each, else NULL. Split commands merge
			 * theirs; reports that do not add up (unequal counts, overlapping or of another
			 * UIDVALIDITY than the others, over IMAP_ENGINE_MAX_CODE_RANGES ranges) are dropped.
			 * Compare copy_src with the set asked for: a server may copy fewer (expunged
			 * meanwhile). When copy_in_order, the n-th smallest of copy_src became the n-th
			 * smallest of copy_dst (a server that lists them in another order clears it). */
			const struct imap_uidset *copy_src, *copy_dst;
			bool copy_in_order;
			/* MODIFIED (UID STORE with UNCHANGEDSINCE): the UIDs not stored, else NULL. */
			const struct imap_uidset *modified;
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
/* The state of the selected mailbox (valid after a successful SELECT/EXAMINE). The pointer is the
 * engine's and stays valid as long as the engine; its contents follow the server (EXISTS, EXPUNGE and
 * VANISHED change exists), are reset when a SELECT/EXAMINE is submitted and cleared by a successful
 * UNSELECT or CLOSE. */
const struct imap_mailbox_info *imap_engine_mailbox(const struct imap_engine *engine);

/* Commands. Each returns the command id that its DONE event carries (never 0, except where a typed
 * builder below says it returns 0: then nothing was queued and no event will come). Every command gets
 * exactly one DONE unless the connection fails first. Issue them after IMAP_EVENT_READY: their form
 * depends on the capabilities (commands issued earlier are held and sent right after READY, built with
 * what was known then; a typed builder that needs a capability returns 0 while none are known).
 * Independent commands are pipelined. Called in the engine's thread. Every argument is borrowed for
 * the call only: the engine copies what it sends (a uid set, a search tree, APPEND's message bytes).
 * Names are UTF-8; the engine encodes them (modified UTF-7 unless UTF-8 names are in use) and quotes
 * them, or sends them as literals (LITERAL+ / LITERAL- when offered, else a synchronising literal that
 * waits for the server's continuation and holds the commands behind it). */
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
/* UID FETCH uidset items; items is the parenthesised item list, e.g. "(UID FLAGS BODY.PEEK[])". The
 * caller-built text is sent as it is: new code uses imap_engine_cmd_uid_fetch(). */
uint32_t imap_engine_cmd_fetch(struct imap_engine *engine, const char *uidset, const char *items);
/* FETCH by message sequence numbers (seqset such as "99501:100000"), for reading a mailbox newest
 * first; the items should include UID. New code uses imap_engine_cmd_fetch_seqrange(). */
uint32_t imap_engine_cmd_fetch_seq(struct imap_engine *engine, const char *seqset, const char *items);
/* UID STORE uidset item flags: item is "+FLAGS", "-FLAGS" or "FLAGS", with ".SILENT" or not; flags the
 * parenthesised list, e.g. "(\\Seen \\Flagged)". The new flags arrive as IMAP_EVENT_FETCH events
 * carrying this command's id (unless a FETCH command in flight asked for the same message too: then
 * they carry its id), with MODSEQ when CONDSTORE is enabled (even with .SILENT). A UID that does not
 * exist is no error: the command completes OK without a FETCH for it. A read-only mailbox (EXAMINE)
 * makes it fail NO. Kept for existing callers: new code uses imap_engine_cmd_uid_store(). */
uint32_t imap_engine_cmd_store(struct imap_engine *engine, const char *uidset, const char *item,
			       const char *flags);
/* UID SEARCH criteria (ESEARCH's RETURN (ALL) when offered); results arrive as IMAP_EVENT_SEARCH.
 * criteria is sent as it is: new code uses imap_engine_cmd_uid_search(). */
uint32_t imap_engine_cmd_search(struct imap_engine *engine, const char *criteria);
uint32_t imap_engine_cmd_noop(struct imap_engine *engine);
uint32_t imap_engine_cmd_logout(struct imap_engine *engine);

/* --- typed builders: what new code uses --- */

/* A uid set whose text is longer than IMAP_ENGINE_MAX_SET_TEXT bytes is split over several tagged
 * commands (UID FETCH, UID STORE, UID COPY, UID MOVE, UID EXPUNGE), sent in ascending UID order under
 * the one id that the builder returns; their single DONE carries the worst result (the first failure's
 * text and code, else the last one's) and the merged COPYUID / MODIFIED sets. An empty set makes the
 * builder return 0. */
#define IMAP_ENGINE_MAX_SET_TEXT 6000
/* Limits on what the engine accepts from the server for one DONE: COPYUID and MODIFIED sets of more
 * ranges are dropped (reported as NULL), and keys in one SEARCH tree. */
#define IMAP_ENGINE_MAX_CODE_RANGES (1u << 20)
#define IMAP_SEARCH_MAX_DEPTH 32
#define IMAP_SEARCH_MAX_KEYS 1000

enum imap_store_mode { IMAP_STORE_ADD, IMAP_STORE_REMOVE, IMAP_STORE_REPLACE };

struct imap_store {
	enum imap_store_mode mode;   /* +FLAGS, -FLAGS or FLAGS */
	uint32_t flags;              /* enum imap_flag bits (IMAP_FLAG_RECENT cannot be stored: ignored) */
	const char *const *keywords; /* n_keywords keywords ($Junk, work...): atoms, no backslash */
	size_t n_keywords;
	bool silent;                 /* .SILENT: no FETCH answers (but MODSEQ ones under CONDSTORE) */
	uint64_t unchangedsince;     /* (UNCHANGEDSINCE n) when non-zero (needs CONDSTORE) */
};

/* UID STORE: the new flags arrive as IMAP_EVENT_FETCH (see struct imap_event for their cmd). A UID that
 * does not exist is no error; a read-only mailbox makes it fail NO; with unchangedsince, the UIDs whose
 * MODSEQ was higher are not stored and come back in DONE's modified set. Returns 0 when the set is
 * empty, a keyword is not an atom, or unchangedsince is asked for without CONDSTORE. */
uint32_t imap_engine_cmd_uid_store(struct imap_engine *engine, const struct imap_uidset *uids,
				   const struct imap_store *store);
/* UID COPY to mailbox. With UIDPLUS, DONE carries COPYUID. A missing destination fails NO with
 * IMAP_CODE_TRYCREATE (create it, then copy again). Returns 0 for an empty set. */
uint32_t imap_engine_cmd_uid_copy(struct imap_engine *engine, const struct imap_uidset *uids, const char *mailbox);
/* UID MOVE (RFC 6851): the messages leave the selected mailbox (EXPUNGE or VANISHED events, cmd 0) and
 * DONE carries the COPYUID that the server sent before its tagged OK. Returns 0 when the set is empty
 * or MOVE is not offered: the caller's fallback is UID COPY, then UID STORE +FLAGS.SILENT (\Deleted)
 * and UID EXPUNGE of the same set (UIDPLUS); without UIDPLUS there is no safe fallback (a plain
 * EXPUNGE would expunge every \Deleted message) and the caller must not move. */
uint32_t imap_engine_cmd_uid_move(struct imap_engine *engine, const struct imap_uidset *uids, const char *mailbox);
/* UID EXPUNGE (UIDPLUS): expunges the messages of the set that are marked \Deleted, and only those.
 * Returns 0 for an empty set or without UIDPLUS. */
uint32_t imap_engine_cmd_uid_expunge(struct imap_engine *engine, const struct imap_uidset *uids);
/* Plain EXPUNGE: expunges EVERY message marked \Deleted in the selected mailbox, including ones that
 * other clients (or earlier sessions) marked. Prefer imap_engine_cmd_uid_expunge(). */
uint32_t imap_engine_cmd_expunge(struct imap_engine *engine);

struct imap_append {
	uint32_t flags;              /* enum imap_flag bits to set (RECENT ignored) */
	const char *const *keywords; /* as in struct imap_store */
	size_t n_keywords;
	int64_t date;                /* INTERNALDATE, seconds since the epoch; 0: the server's clock */
	int tz_minutes;              /* the date's zone, minutes east of UTC (-720 .. 840) */
};

/* APPEND the message (len bytes at data, copied) to mailbox, with params (NULL: no flags, no date).
 * The message goes as a literal: non-synchronising with LITERAL+ (or LITERAL- up to 4096 bytes), else
 * synchronising (sent after the server's "+"; a NO instead, such as [TRYCREATE] or [OVERQUOTA], ends
 * the command). A message holding NUL bytes goes as literal8 when BINARY is offered. With UIDPLUS,
 * DONE carries APPENDUID. Returns 0 when a keyword is not an atom, the zone is out of range, or the
 * message holds NUL without BINARY. */
uint32_t imap_engine_cmd_append(struct imap_engine *engine, const char *mailbox, const struct imap_append *params,
				const void *data, size_t len);

/* Mailbox management. A failure carries the server's code (ALREADYEXISTS, NONEXISTENT, INUSE, NOPERM,
 * CANNOT, LIMIT...). DELETE of a mailbox with children may fail or leave them, as the server decides. */
uint32_t imap_engine_cmd_create(struct imap_engine *engine, const char *mailbox);
uint32_t imap_engine_cmd_delete(struct imap_engine *engine, const char *mailbox);
uint32_t imap_engine_cmd_rename(struct imap_engine *engine, const char *from, const char *to);
uint32_t imap_engine_cmd_subscribe(struct imap_engine *engine, const char *mailbox);
uint32_t imap_engine_cmd_unsubscribe(struct imap_engine *engine, const char *mailbox);
/* UNSELECT (RFC 3691, in IMAP4rev2): leaves the selected mailbox without expunging anything; the
 * mailbox state (imap_engine_mailbox) is cleared when it succeeds. Returns 0 when UNSELECT is not
 * offered: then use imap_engine_cmd_close() only on a mailbox opened read-only, or select another. */
uint32_t imap_engine_cmd_unselect(struct imap_engine *engine);
/* CLOSE: leaves the selected mailbox, silently expunging every \Deleted message when it was opened
 * read-write (no EXPUNGE events). Clears the mailbox state when it succeeds. */
uint32_t imap_engine_cmd_close(struct imap_engine *engine);

/* SEARCH criteria: a tree the caller builds (on the stack, say) and owns; the engine reads it only
 * during imap_engine_cmd_uid_search(). */
enum imap_search_op {
	IMAP_SEARCH_ALL,
	IMAP_SEARCH_UID,         /* uids: UID set */
	IMAP_SEARCH_FLAG,        /* flag (one enum imap_flag bit) is set: SEEN, ANSWERED, ..., RECENT */
	IMAP_SEARCH_NOFLAG,      /* flag is not set: UNSEEN, UNANSWERED, ..., OLD */
	IMAP_SEARCH_KEYWORD,     /* value (an atom) is set */
	IMAP_SEARCH_UNKEYWORD,   /* value (an atom) is not set */
	IMAP_SEARCH_FROM,        /* value is a substring of the field (case-insensitive, server's rules) */
	IMAP_SEARCH_TO,
	IMAP_SEARCH_CC,
	IMAP_SEARCH_BCC,
	IMAP_SEARCH_SUBJECT,
	IMAP_SEARCH_BODY,
	IMAP_SEARCH_TEXT,        /* headers and body */
	IMAP_SEARCH_HEADER,      /* header name contains value ("" : has the header) */
	IMAP_SEARCH_SINCE,       /* internal date on or after date */
	IMAP_SEARCH_BEFORE,      /* internal date before date */
	IMAP_SEARCH_ON,          /* internal date on date */
	IMAP_SEARCH_SENTSINCE,   /* the same for the Date: header */
	IMAP_SEARCH_SENTBEFORE,
	IMAP_SEARCH_SENTON,
	IMAP_SEARCH_LARGER,      /* RFC822.SIZE above number */
	IMAP_SEARCH_SMALLER,     /* RFC822.SIZE below number */
	IMAP_SEARCH_MODSEQ,      /* MODSEQ at least number (needs CONDSTORE) */
	IMAP_SEARCH_NOT,         /* not children[0] */
	IMAP_SEARCH_OR,          /* children[0] or children[1] */
	IMAP_SEARCH_AND,         /* every one of children[0 .. n_children) (none: ALL) */
};

struct imap_search_date {
	int year, month, day;    /* month 1-12 */
};

struct imap_search_key {
	enum imap_search_op op;
	uint32_t flag;
	const char *name;        /* HEADER: the field name */
	const char *value;       /* KEYWORD, FROM .. TEXT, HEADER: UTF-8 */
	uint64_t number;
	struct imap_search_date date;
	const struct imap_uidset *uids;
	const struct imap_search_key *children;
	size_t n_children;
};

/* UID SEARCH with a typed tree (RETURN (ALL) when ESEARCH is offered); results arrive as
 * IMAP_EVENT_SEARCH with this id. Strings are quoted, or sent as literals when they hold CR, LF, 8-bit
 * bytes (without UTF-8 in use) or are long; a non-ASCII string adds CHARSET UTF-8 unless UTF8=ACCEPT
 * or IMAP4rev2 is in use. A UID key's set is sent whole (not split). Returns 0 when the tree is
 * malformed (an unknown op, a NULL string, a bad flag bit or date, NOT/OR without their children,
 * deeper than IMAP_SEARCH_MAX_DEPTH or more than IMAP_SEARCH_MAX_KEYS keys, an empty UID set) or asks
 * for MODSEQ without CONDSTORE. */
uint32_t imap_engine_cmd_uid_search(struct imap_engine *engine, const struct imap_search_key *key);

/* FETCH items (bit mask). */
enum imap_fetch_item {
	IMAP_FETCH_UID = 1u << 0,
	IMAP_FETCH_FLAGS = 1u << 1,
	IMAP_FETCH_INTERNALDATE = 1u << 2,
	IMAP_FETCH_RFC822_SIZE = 1u << 3,
	IMAP_FETCH_MODSEQ = 1u << 4,         /* needs CONDSTORE */
	IMAP_FETCH_ENVELOPE = 1u << 5,
	IMAP_FETCH_BODYSTRUCTURE = 1u << 6,
};

struct imap_fetch_spec {
	uint32_t items;                      /* enum imap_fetch_item bits */
	/* BODY.PEEK[HEADER.FIELDS (...)] when n_header_fields > 0; names are atoms */
	const char *const *header_fields;
	size_t n_header_fields;
	/* BODY.PEEK[section] when non-NULL: "" (the whole message), "HEADER", "TEXT", "1.2", "1.2.MIME"...
	 * (digits, dots and letters only), with <partial_origin.partial_len> when partial_len > 0 */
	const char *section;
	uint32_t partial_origin, partial_len;
	uint64_t changedsince;               /* (CHANGEDSINCE n) when non-zero (needs CONDSTORE) */
	bool vanished;                       /* with changedsince, UID FETCH only: VANISHED (QRESYNC) */
};

/* UID FETCH (UID is always asked for). Answers arrive as IMAP_EVENT_FETCH (and VANISHED (EARLIER) with
 * vanished). Returns 0 for an empty set or a spec that cannot be sent: a header field or section that is
 * not an atom, MODSEQ / CHANGEDSINCE without CONDSTORE, VANISHED without QRESYNC enabled or without
 * CHANGEDSINCE. */
uint32_t imap_engine_cmd_uid_fetch(struct imap_engine *engine, const struct imap_uidset *uids,
				   const struct imap_fetch_spec *spec);
/* FETCH lo:hi by message sequence number; hi 0 means "*" (to the last message). Include IMAP_FETCH_UID
 * to learn the UIDs. Returns 0 when lo is 0, the spec cannot be sent (as above; VANISHED is never
 * allowed here) or asks for nothing. */
uint32_t imap_engine_cmd_fetch_seqrange(struct imap_engine *engine, uint32_t lo, uint32_t hi,
					const struct imap_fetch_spec *spec);

/* IDLE (RFC 2177). When the server accepts it, IMAP_EVENT_IDLING (with this id) comes; from then on
 * unsolicited EXISTS / EXPUNGE / VANISHED / FETCH events arrive (cmd 0) until imap_engine_idle_done(),
 * after which the DONE event with this id comes. Submitting any other command while an IDLE is queued or
 * active ends it the same way: the engine sends DONE itself and holds the new command until IDLE's
 * tagged completion. Re-IDLE within 29 minutes (the caller's timer). Returns 0 when IDLE is not offered. */
uint32_t imap_engine_cmd_idle(struct imap_engine *engine);
/* Ends the IDLE that is queued or active: sends DONE now, or as soon as the server's continuation
 * arrives (there is then no IDLING event). Returns false when no IDLE is queued or active. */
bool imap_engine_idle_done(struct imap_engine *engine);
/* True between IMAP_EVENT_IDLING and the sending of DONE. */
bool imap_engine_is_idling(const struct imap_engine *engine);

#endif
