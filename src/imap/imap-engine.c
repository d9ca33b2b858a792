/* imap-engine.c: the sans-I/O IMAP client engine: connection set-up, commands, response dispatch. */
#include "skua.h"
#include "imap-engine.h"
#include "imap-fetch.h"
#include "imap-utf7.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* LITERAL- (RFC 7888) allows non-synchronising literals up to this size. */
#define LITERAL_MINUS_MAX 4096

enum cmd_kind {
	CMD_CAPABILITY, CMD_STARTTLS, CMD_AUTHENTICATE, CMD_LOGIN, CMD_ENABLE, CMD_ID, CMD_NAMESPACE,
	CMD_LIST, CMD_STATUS, CMD_SELECT, CMD_FETCH, CMD_STORE, CMD_SEARCH, CMD_NOOP, CMD_LOGOUT,
	CMD_COPY, CMD_MOVE, CMD_EXPUNGE, CMD_APPEND,
	CMD_MAILBOX,           /* CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE */
	CMD_UNSELECT,          /* UNSELECT, CLOSE: the mailbox state is cleared on OK */
	CMD_IDLE,
};

/* A command's bytes are split into parts; every part but the last ends with a synchronising literal
 * announcement or an AUTHENTICATE line, after which the server's "+" is awaited. */
struct cmd_part {
	char *data;
	size_t len;
};

/* What the response codes of one DONE say (parsed from a tagged response, or merged over the commands
 * a big uid set was split into, and a MOVE's untagged COPYUID). */
struct code_data {
	enum imap_code code;
	uint32_t uidvalidity, append_uid;
	bool has_copyuid, copy_in_order, copy_dropped;
	bool has_modified, modified_dropped;
	struct imap_uidset src, dst, modified;
};

/* The commands one builder split a big uid set over: they share one id and one DONE. */
struct cmd_group {
	unsigned int refs;     /* member commands not yet freed */
	unsigned int pending;  /* member commands not yet completed */
	enum imap_result result;
	bool failed;           /* a member failed: text and code are the first failure's */
	struct buf text;
	struct code_data codes;
};

struct imap_cmd {
	struct imap_cmd *next;
	uint32_t id;           /* the id reported to the caller; internal commands use their own */
	uint32_t parent;       /* STATUS sent for a LIST without LIST-STATUS: the LIST's id */
	enum cmd_kind kind;
	bool internal;         /* no DONE event */
	bool sensitive;        /* carries credentials: traced redacted */
	char tag[16];
	struct cmd_part *parts;
	size_t n_parts, parts_cap, sent_parts;
	char *mailbox;         /* UTF-8 name for STATUS/SELECT */
	struct cmd_group *group;  /* shared with the other commands of a split uid set, or NULL */
	/* FETCH / STORE: the messages asked for (UIDs; sequence numbers with by_seq), for attributing
	 * FETCH responses; match_all when the set was text the engine could not read */
	struct imap_uidset match;
	bool match_all, by_seq;
	bool qresync;          /* SELECT/EXAMINE with QRESYNC parameters */
	bool got_copyuid;      /* MOVE: its untagged COPYUID has been seen */
	bool idling;           /* IDLE: the server's "+" came */
	bool idle_done_wanted; /* IDLE: send DONE as soon as the "+" comes */
	bool idle_done_sent;
};

enum engine_state {
	STATE_GREETING,
	STATE_CAPA,        /* waiting for CAPABILITY before STARTTLS/auth */
	STATE_STARTTLS,    /* STARTTLS sent */
	STATE_TLS,         /* waiting for the driver's handshake */
	STATE_AUTH,        /* authentication command sent */
	STATE_POSTAUTH,    /* CAPABILITY / ENABLE / ID / NAMESPACE after authentication */
	STATE_READY,
	STATE_FAILED,
};

struct imap_engine {
	struct imap_parser *parser;
	struct buf out;
	enum engine_state state;

	char *user, *secret, *host;
	unsigned int port;
	enum imap_auth_mech auth;
	bool tls_active, starttls, require_tls;

	uint32_t capa;
	bool capa_known;
	bool utf8_enabled, rev2, qresync;
	uint32_t enabled_seen;         /* IMAP_CAPA_* bits named by ENABLED */
	uint32_t next_id, next_tag;

	struct imap_cmd *queued;      /* user commands held until READY */
	struct imap_cmd *sendq;       /* commands (partly) not yet sent, in order */
	struct imap_cmd *inflight;    /* sent, awaiting their tagged response */
	uint32_t postauth_pending;    /* internal post-auth commands not yet completed */
	uint32_t list_status_pending; /* fallback STATUS commands still running for a LIST */
	uint32_t list_id;
	struct buf list_names;        /* NUL-separated selectable names from a fallback LIST */

	struct imap_mailbox_info mailbox;
	uint32_t *search_uids;
	size_t search_cap;
	struct code_data done;  /* the last DONE's codes: its event points here */
	struct code_data tmp;   /* the codes of the response being handled */
	struct buf done_text;   /* a split command's DONE text */
	struct buf scratch, scratch2;
	char *error;            /* the fatal error, once failed */
	imap_engine_trace_fn *trace;
	void *trace_ctx;
	bool ready_reported;
};

static void code_data_reset(struct code_data *cd)
{
	cd->code = IMAP_CODE_NONE;
	cd->uidvalidity = cd->append_uid = 0;
	cd->has_copyuid = cd->copy_in_order = cd->copy_dropped = false;
	cd->has_modified = cd->modified_dropped = false;
	cd->src.count = cd->dst.count = cd->modified.count = 0;
}

static void code_data_free(struct code_data *cd)
{
	imap_uidset_clear(&cd->src);
	imap_uidset_clear(&cd->dst);
	imap_uidset_clear(&cd->modified);
}

static void cmd_free(struct imap_cmd *cmd)
{
	for (size_t i = 0; i < cmd->n_parts; i++) {
		explicit_bzero(cmd->parts[i].data, cmd->parts[i].len);
		free(cmd->parts[i].data);
	}
	free(cmd->parts);
	free(cmd->mailbox);
	imap_uidset_clear(&cmd->match);
	if (cmd->group != NULL && --cmd->group->refs == 0) {
		buf_free(&cmd->group->text);
		code_data_free(&cmd->group->codes);
		free(cmd->group);
	}
	free(cmd);
}

static void cmd_list_free(struct imap_cmd **list)
{
	while (*list != NULL) {
		struct imap_cmd *next = (*list)->next;
		cmd_free(*list);
		*list = next;
	}
}

struct imap_engine *imap_engine_new(const struct imap_engine_settings *set)
{
	struct imap_engine *e = xcalloc(1, sizeof(*e));

	e->parser = imap_parser_new();
	e->user = set->user != NULL ? xstrdup(set->user) : NULL;
	e->secret = set->secret != NULL ? xstrdup(set->secret) : NULL;
	e->host = set->host != NULL ? xstrdup(set->host) : NULL;
	e->port = set->port;
	e->auth = set->auth;
	e->tls_active = set->tls_active;
	e->starttls = set->starttls && !set->tls_active;
	e->require_tls = set->require_tls || set->starttls || set->tls_active;
	e->next_id = 1;
	e->next_tag = 1;
	e->state = STATE_GREETING;
	return e;
}

void imap_engine_free(struct imap_engine **engine)
{
	struct imap_engine *e = *engine;

	if (e == NULL)
		return;
	imap_parser_free(&e->parser);
	if (e->out.data != NULL)
		explicit_bzero(e->out.data, e->out.cap);
	buf_free(&e->out);
	if (e->secret != NULL) {
		explicit_bzero(e->secret, strlen(e->secret));
		free(e->secret);
	}
	free(e->user);
	free(e->host);
	cmd_list_free(&e->queued);
	cmd_list_free(&e->sendq);
	cmd_list_free(&e->inflight);
	buf_free(&e->list_names);
	buf_free(&e->scratch);
	buf_free(&e->scratch2);
	buf_free(&e->done_text);
	code_data_free(&e->done);
	code_data_free(&e->tmp);
	free(e->search_uids);
	free(e->error);
	free(e);
	*engine = NULL;
}

static int engine_fail(struct imap_engine *e, const char *error)
{
	e->state = STATE_FAILED;
	if (e->error == NULL)
		e->error = xstrdup(error); /* the first cause is the one reported */
	return -1;
}

/* --- sending --- */

static void append_list(struct imap_cmd **list, struct imap_cmd *cmd)
{
	while (*list != NULL)
		list = &(*list)->next;
	cmd->next = NULL;
	*list = cmd;
}

/* Queues one part of cmd for sending and traces it (credentials redacted). */
static void out_append(struct imap_engine *e, const struct imap_cmd *cmd, size_t part)
{
	const char *text = cmd->parts[part].data;

	buf_append(&e->out, text, cmd->parts[part].len);
	if (e->trace == NULL)
		return;
	if (!cmd->sensitive) {
		e->trace(e->trace_ctx, true, text, cmd->parts[part].len);
		return;
	}
	/* keep the tag and verb (and the SASL mechanism), hide everything after them */
	struct buf b = BUF_INIT;
	if (part == 0) {
		int words = cmd->kind == CMD_AUTHENTICATE ? 3 : 2;
		for (const char *p = text; *p != '\0' && *p != '\r'; p++) {
			if (*p == ' ' && --words == 0)
				break;
			buf_append_c(&b, *p);
		}
		buf_append_c(&b, ' ');
	}
	buf_append_str(&b, "<redacted>\r\n");
	e->trace(e->trace_ctx, true, b.data, b.len);
	buf_free(&b);
}

/* Ends an IDLE in flight: DONE now when the server's "+" came, else as soon as it comes. */
static void idle_end(struct imap_engine *e, struct imap_cmd *idle)
{
	static const char done[] = "DONE\r\n";

	if (idle->idle_done_sent)
		return;
	if (!idle->idling) {
		idle->idle_done_wanted = true;
		return;
	}
	buf_append(&e->out, done, sizeof(done) - 1);
	if (e->trace != NULL)
		e->trace(e->trace_ctx, true, done, sizeof(done) - 1);
	idle->idle_done_sent = true;
}

/* Moves as many command parts as allowed into the output buffer: nothing while a command in flight
 * waits for a continuation request, and nothing while an IDLE is in flight (a command waiting behind
 * it makes it end). */
static void flush_sendq(struct imap_engine *e)
{
	struct imap_cmd *idle = NULL;

	for (struct imap_cmd *c = e->inflight; c != NULL; c = c->next) {
		if (c->sent_parts < c->n_parts)
			return;
		if (c->kind == CMD_IDLE)
			idle = c;
	}
	if (idle != NULL) {
		if (e->sendq != NULL)
			idle_end(e, idle);
		return;
	}
	while (e->sendq != NULL) {
		struct imap_cmd *cmd = e->sendq;

		/* the first part is sent: the command is now in flight */
		out_append(e, cmd, cmd->sent_parts++);
		e->sendq = cmd->next;
		append_list(&e->inflight, cmd);
		if (cmd->n_parts > 1)
			return; /* waiting for a continuation request */
		if (cmd->kind == CMD_IDLE) {
			if (e->sendq != NULL)
				idle_end(e, cmd);
			return;
		}
	}
}

/* A new command with the given id (0: a new one). */
static struct imap_cmd *cmd_new_id(struct imap_engine *e, enum cmd_kind kind, bool internal, uint32_t id)
{
	struct imap_cmd *cmd = xcalloc(1, sizeof(*cmd));

	cmd->kind = kind;
	cmd->internal = internal;
	cmd->id = id != 0 ? id : e->next_id++;
	snprintf(cmd->tag, sizeof(cmd->tag), "s%u", e->next_tag++);
	return cmd;
}

static struct imap_cmd *cmd_new(struct imap_engine *e, enum cmd_kind kind, bool internal)
{
	return cmd_new_id(e, kind, internal, 0);
}

/* Adds a part (len bytes at data, which the command takes over). */
static void cmd_add_part(struct imap_cmd *cmd, char *data, size_t len)
{
	cmd->parts = xgrow(cmd->parts, &cmd->parts_cap, cmd->n_parts + 1, sizeof(*cmd->parts));
	cmd->parts[cmd->n_parts].data = data;
	cmd->parts[cmd->n_parts].len = len;
	cmd->n_parts++;
}

/* Adds the buffer's bytes as a part and empties the buffer. */
static void cmd_add_buf(struct imap_cmd *cmd, struct buf *b)
{
	size_t len = b->len;

	cmd_add_part(cmd, buf_steal(b), len);
}

static void cmd_add_str(struct imap_cmd *cmd, char *str)
{
	cmd_add_part(cmd, str, strlen(str));
}

/* Queues a command: sent now when the engine is ready (or for internal commands), else held. */
static void cmd_submit(struct imap_engine *e, struct imap_cmd *cmd)
{
	if (!cmd->internal && e->state != STATE_READY) {
		append_list(&e->queued, cmd);
		return;
	}
	append_list(&e->sendq, cmd);
	flush_sendq(e);
}

static struct imap_cmd *cmd_simple(struct imap_engine *e, enum cmd_kind kind, bool internal, const char *fmt,
				   ...) SKUA_PRINTF(4, 5);
static struct imap_cmd *cmd_simple(struct imap_engine *e, enum cmd_kind kind, bool internal, const char *fmt,
				   ...)
{
	struct imap_cmd *cmd = cmd_new(e, kind, internal);
	struct buf b = BUF_INIT;
	va_list ap;

	buf_appendf(&b, "%s ", cmd->tag);
	va_start(ap, fmt);
	buf_vappendf(&b, fmt, ap);
	va_end(ap);
	buf_append_str(&b, "\r\n");
	cmd_add_buf(cmd, &b);
	cmd_submit(e, cmd);
	return cmd;
}

/* Appends s as an IMAP astring argument: quoted when possible, otherwise a literal (non-synchronising
 * with LITERAL+/LITERAL-, else synchronising, which ends the current part). */
static void append_astring(struct imap_engine *e, struct imap_cmd *cmd, struct buf *b, const char *s)
{
	bool quotable = strlen(s) < 1024;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && quotable; p++) {
		if (*p == '\r' || *p == '\n' || (*p >= 0x80 && !e->utf8_enabled))
			quotable = false;
	}
	if (quotable) {
		buf_append_c(b, '"');
		for (const char *p = s; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_append_c(b, '\\');
			buf_append_c(b, *p);
		}
		buf_append_c(b, '"');
		return;
	}
	if ((e->capa & IMAP_CAPA_LITERAL_PLUS) ||
	    ((e->capa & IMAP_CAPA_LITERAL_MINUS) && strlen(s) <= LITERAL_MINUS_MAX)) {
		buf_appendf(b, "{%zu+}\r\n%s", strlen(s), s);
		return;
	}
	buf_appendf(b, "{%zu}\r\n", strlen(s));
	cmd_add_buf(cmd, b);
	buf_append_str(b, s);
}

/* Encodes a UTF-8 mailbox name for the wire (modified UTF-7 unless UTF-8 names are in use). */
static const char *wire_mailbox(struct imap_engine *e, const char *name)
{
	buf_reset(&e->scratch2);
	if (e->utf8_enabled || imap_utf8_to_utf7(name, &e->scratch2) < 0) {
		buf_reset(&e->scratch2);
		buf_append_str(&e->scratch2, name);
	}
	return e->scratch2.data;
}

static void base64_encode(struct buf *out, const unsigned char *in, size_t len)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		buf_append_c(out, tbl[(v >> 18) & 63]);
		buf_append_c(out, tbl[(v >> 12) & 63]);
		buf_append_c(out, i + 1 < len ? tbl[(v >> 6) & 63] : '=');
		buf_append_c(out, i + 2 < len ? tbl[v & 63] : '=');
	}
}

static int send_auth(struct imap_engine *e)
{
	enum imap_auth_mech mech = e->auth;
	struct imap_cmd *cmd;
	struct buf b = BUF_INIT, ir = BUF_INIT, enc = BUF_INIT;
	const char *name;

	if (e->user == NULL || e->secret == NULL)
		return engine_fail(e, _("authentication failed: no user name or password configured"));
	if (e->require_tls && !e->tls_active)
		return engine_fail(e, _("refusing to send credentials without TLS"));
	if (mech == IMAP_AUTH_AUTO) {
		if (e->capa & IMAP_CAPA_AUTH_PLAIN)
			mech = IMAP_AUTH_PLAIN;
		else if (!(e->capa & IMAP_CAPA_LOGINDISABLED))
			mech = IMAP_AUTH_LOGIN;
		else
			return engine_fail(e, _("authentication failed: the server offers no supported mechanism"));
	}
	/* capabilities may change with authentication: known again only from the OK's code or a
	 * fresh CAPABILITY */
	e->capa_known = false;
	if (mech == IMAP_AUTH_LOGIN) {
		if (e->capa & IMAP_CAPA_LOGINDISABLED)
			return engine_fail(e, _("authentication failed: the server disabled LOGIN"));
		cmd = cmd_new(e, CMD_LOGIN, true);
		cmd->sensitive = true;
		buf_appendf(&b, "%s LOGIN ", cmd->tag);
		append_astring(e, cmd, &b, e->user);
		buf_append_c(&b, ' ');
		append_astring(e, cmd, &b, e->secret);
		buf_append_str(&b, "\r\n");
		cmd_add_buf(cmd, &b);
		e->state = STATE_AUTH;
		cmd_submit(e, cmd);
		return 0;
	}
	switch (mech) {
	case IMAP_AUTH_PLAIN:
		name = "PLAIN";
		buf_append_c(&ir, '\0');
		buf_append_str(&ir, e->user);
		buf_append_c(&ir, '\0');
		buf_append_str(&ir, e->secret);
		break;
	case IMAP_AUTH_XOAUTH2:
		name = "XOAUTH2";
		buf_appendf(&ir, "user=%s\001auth=Bearer %s\001\001", e->user, e->secret);
		break;
	default:
		name = "OAUTHBEARER";
		buf_appendf(&ir, "n,a=%s,\001host=%s\001port=%u\001auth=Bearer %s\001\001", e->user,
			    e->host != NULL ? e->host : "", e->port, e->secret);
		break;
	}
	base64_encode(&enc, (const unsigned char *)ir.data, ir.len);
	explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	cmd = cmd_new(e, CMD_AUTHENTICATE, true);
	cmd->sensitive = true;
	if (e->capa & IMAP_CAPA_SASL_IR) {
		buf_appendf(&b, "%s AUTHENTICATE %s %s\r\n", cmd->tag, name, enc.len > 0 ? enc.data : "=");
		cmd_add_buf(cmd, &b);
	} else {
		buf_appendf(&b, "%s AUTHENTICATE %s\r\n", cmd->tag, name);
		cmd_add_buf(cmd, &b);
		buf_appendf(&b, "%s\r\n", enc.data);
		cmd_add_buf(cmd, &b);
	}
	explicit_bzero(enc.data, enc.len);
	buf_free(&enc);
	e->state = STATE_AUTH;
	cmd_submit(e, cmd);
	return 0;
}

/* After CAPABILITY is known before authentication: STARTTLS or authenticate. */
static int proceed_preauth(struct imap_engine *e)
{
	if (e->starttls && !e->tls_active) {
		if (!(e->capa & IMAP_CAPA_STARTTLS))
			return engine_fail(e, _("the server does not offer STARTTLS, which this account requires"));
		e->state = STATE_STARTTLS;
		cmd_simple(e, CMD_STARTTLS, true, "STARTTLS");
		return 0;
	}
	return send_auth(e);
}

static void become_ready(struct imap_engine *e)
{
	struct imap_cmd *held = e->queued;

	e->state = STATE_READY;
	e->queued = NULL;
	while (held != NULL) {
		struct imap_cmd *next = held->next;
		append_list(&e->sendq, held);
		held = next;
	}
	flush_sendq(e);
}

/* After authentication, with capabilities known: ENABLE, ID, NAMESPACE, pipelined. */
static void proceed_postauth(struct imap_engine *e)
{
	struct buf b = BUF_INIT;

	e->rev2 = (e->capa & IMAP_CAPA_IMAP4REV2) && !(e->capa & IMAP_CAPA_IMAP4REV1);
	if (e->rev2)
		e->utf8_enabled = true;
	if (e->capa & IMAP_CAPA_ENABLE) {
		/* Commands pipelined behind ENABLE are processed after it, so they are built as if it had
		 * succeeded; its tagged reply corrects the flags to what the server really enabled. */
		if (e->capa & IMAP_CAPA_QRESYNC) {
			buf_append_str(&b, " QRESYNC");
			e->qresync = true;
		}
		if (e->capa & IMAP_CAPA_CONDSTORE)
			buf_append_str(&b, " CONDSTORE");
		if (e->capa & IMAP_CAPA_UTF8_ACCEPT) {
			buf_append_str(&b, " UTF8=ACCEPT");
			e->utf8_enabled = true;
		}
		if (b.len > 0) {
			cmd_simple(e, CMD_ENABLE, true, "ENABLE%s", b.data);
			e->enabled_seen = 0;
			e->postauth_pending++;
		}
	}
	buf_free(&b);
	if (e->capa & IMAP_CAPA_ID) {
		cmd_simple(e, CMD_ID, true, "ID (\"name\" \"skua\" \"version\" \"%s\")", PACKAGE_VERSION);
		e->postauth_pending++;
	}
	if (e->capa & IMAP_CAPA_NAMESPACE) {
		cmd_simple(e, CMD_NAMESPACE, true, "NAMESPACE");
		e->postauth_pending++;
	}
	/* Nothing later depends on the answers: user commands go out in the same write. */
	become_ready(e);
}

/* Authenticated (or PREAUTH): post-auth set-up, asking for capabilities first unless known. */
static void enter_postauth(struct imap_engine *e)
{
	e->state = STATE_POSTAUTH;
	if (e->capa_known) {
		proceed_postauth(e);
	} else {
		cmd_simple(e, CMD_CAPABILITY, true, "CAPABILITY");
	}
}

/* --- receiving --- */

struct atom_bit {
	const char *name;
	uint32_t bit;
};

static const struct atom_bit capa_names[] = {
	{ "IMAP4REV1", IMAP_CAPA_IMAP4REV1 }, { "IMAP4REV2", IMAP_CAPA_IMAP4REV2 },
	{ "STARTTLS", IMAP_CAPA_STARTTLS }, { "LOGINDISABLED", IMAP_CAPA_LOGINDISABLED },
	{ "SASL-IR", IMAP_CAPA_SASL_IR }, { "AUTH=PLAIN", IMAP_CAPA_AUTH_PLAIN },
	{ "AUTH=LOGIN", IMAP_CAPA_AUTH_LOGIN }, { "AUTH=XOAUTH2", IMAP_CAPA_AUTH_XOAUTH2 },
	{ "AUTH=OAUTHBEARER", IMAP_CAPA_AUTH_OAUTHBEARER }, { "IDLE", IMAP_CAPA_IDLE },
	{ "CONDSTORE", IMAP_CAPA_CONDSTORE }, { "QRESYNC", IMAP_CAPA_QRESYNC },
	{ "UIDPLUS", IMAP_CAPA_UIDPLUS }, { "MOVE", IMAP_CAPA_MOVE }, { "ENABLE", IMAP_CAPA_ENABLE },
	{ "LITERAL+", IMAP_CAPA_LITERAL_PLUS }, { "LITERAL-", IMAP_CAPA_LITERAL_MINUS },
	{ "SPECIAL-USE", IMAP_CAPA_SPECIAL_USE }, { "LIST-STATUS", IMAP_CAPA_LIST_STATUS },
	{ "LIST-EXTENDED", IMAP_CAPA_LIST_EXTENDED }, { "ESEARCH", IMAP_CAPA_ESEARCH },
	{ "UTF8=ACCEPT", IMAP_CAPA_UTF8_ACCEPT }, { "ID", IMAP_CAPA_ID },
	{ "NAMESPACE", IMAP_CAPA_NAMESPACE }, { "COMPRESS=DEFLATE", IMAP_CAPA_COMPRESS_DEFLATE },
	{ "BINARY", IMAP_CAPA_BINARY }, { "UNSELECT", IMAP_CAPA_UNSELECT },
};

static void set_capabilities(struct imap_engine *e, const struct imap_arg *args, size_t count)
{
	e->capa = 0;
	e->capa_known = true;
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < N_ELEMENTS(capa_names); j++) {
			if (imap_arg_atom_equals(&args[i], capa_names[j].name))
				e->capa |= capa_names[j].bit;
		}
	}
	/* RFC 9051 section 1: IMAP4rev2 includes these extensions whether listed or not */
	if (e->capa & IMAP_CAPA_IMAP4REV2)
		e->capa |= IMAP_CAPA_NAMESPACE | IMAP_CAPA_UIDPLUS | IMAP_CAPA_ESEARCH | IMAP_CAPA_ENABLE |
			IMAP_CAPA_IDLE | IMAP_CAPA_SASL_IR | IMAP_CAPA_LIST_EXTENDED | IMAP_CAPA_LIST_STATUS |
			IMAP_CAPA_MOVE | IMAP_CAPA_LITERAL_MINUS | IMAP_CAPA_BINARY | IMAP_CAPA_SPECIAL_USE |
			IMAP_CAPA_UNSELECT;
}

static const char *clean_text(struct imap_engine *e, const char *text)
{
	/* for messages: printable ASCII only, bounded */
	buf_reset(&e->scratch);
	for (const char *p = text; p != NULL && *p != '\0' && e->scratch.len < 200; p++)
		buf_append_c(&e->scratch, (*p >= 0x20 && *p < 0x7f) ? *p : '?');
	if (e->scratch.data == NULL)
		buf_append_str(&e->scratch, "");
	return e->scratch.data;
}

static const char *decode_mailbox(struct imap_engine *e, const struct imap_arg *arg)
{
	const char *raw = imap_arg_nstring(arg);

	if (raw == NULL)
		return NULL;
	buf_reset(&e->scratch);
	if (e->utf8_enabled || imap_utf7_to_utf8(raw, &e->scratch) < 0) {
		buf_reset(&e->scratch);
		buf_append(&e->scratch, raw, arg->len);
	}
	buf_reserve(&e->scratch, 0); /* an empty name is "", never NULL */
	return e->scratch.data;
}

static const struct {
	const char *name;
	enum imap_code code;
} code_names[] = {
	{ "ALERT", IMAP_CODE_ALERT }, { "ALREADYEXISTS", IMAP_CODE_ALREADYEXISTS },
	{ "APPENDUID", IMAP_CODE_APPENDUID }, { "AUTHENTICATIONFAILED", IMAP_CODE_AUTHENTICATIONFAILED },
	{ "AUTHORIZATIONFAILED", IMAP_CODE_AUTHORIZATIONFAILED }, { "BADCHARSET", IMAP_CODE_BADCHARSET },
	{ "CANNOT", IMAP_CODE_CANNOT }, { "CLIENTBUG", IMAP_CODE_CLIENTBUG }, { "CLOSED", IMAP_CODE_CLOSED },
	{ "CONTACTADMIN", IMAP_CODE_CONTACTADMIN }, { "COPYUID", IMAP_CODE_COPYUID },
	{ "CORRUPTION", IMAP_CODE_CORRUPTION }, { "EXPIRED", IMAP_CODE_EXPIRED },
	{ "EXPUNGEISSUED", IMAP_CODE_EXPUNGEISSUED }, { "HASCHILDREN", IMAP_CODE_HASCHILDREN },
	{ "INUSE", IMAP_CODE_INUSE }, { "LIMIT", IMAP_CODE_LIMIT }, { "MODIFIED", IMAP_CODE_MODIFIED },
	{ "NONEXISTENT", IMAP_CODE_NONEXISTENT }, { "NOPERM", IMAP_CODE_NOPERM },
	{ "NOTSAVED", IMAP_CODE_NOTSAVED }, { "OVERQUOTA", IMAP_CODE_OVERQUOTA }, { "PARSE", IMAP_CODE_PARSE },
	{ "PRIVACYREQUIRED", IMAP_CODE_PRIVACYREQUIRED }, { "READ-ONLY", IMAP_CODE_READ_ONLY },
	{ "READ-WRITE", IMAP_CODE_READ_WRITE }, { "SERVERBUG", IMAP_CODE_SERVERBUG },
	{ "TRYCREATE", IMAP_CODE_TRYCREATE }, { "UIDNOTSTICKY", IMAP_CODE_UIDNOTSTICKY },
	{ "UNAVAILABLE", IMAP_CODE_UNAVAILABLE }, { "UNKNOWN-CTE", IMAP_CODE_UNKNOWN_CTE },
};

const char *imap_engine_code_name(enum imap_code code)
{
	for (size_t i = 0; i < N_ELEMENTS(code_names); i++) {
		if (code_names[i].code == code)
			return code_names[i].name;
	}
	return "";
}

/* True when a (syntactically valid) set text lists its numbers in ascending order. */
static bool set_text_ascending(const char *s)
{
	uint64_t prev = 0;

	while (*s != '\0') {
		uint64_t lo = 0, hi;
		while (*s >= '0' && *s <= '9')
			lo = lo * 10 + (uint64_t)(*s++ - '0');
		hi = lo;
		if (*s == ':') {
			s++;
			hi = 0;
			while (*s >= '0' && *s <= '9')
				hi = hi * 10 + (uint64_t)(*s++ - '0');
		}
		if (lo > hi || lo <= prev)
			return false;
		prev = hi;
		if (*s == ',')
			s++;
	}
	return true;
}

/* Parses a set argument of a response code into set; false when malformed or too big. */
static bool code_set(const struct imap_arg *arg, struct imap_uidset *set)
{
	const char *error;

	return arg->type == IMAP_ARG_ATOM &&
		imap_uidset_parse(set, arg->u.str, arg->len, 0, IMAP_ENGINE_MAX_CODE_RANGES, &error) == 0;
}

static bool code_nz32(const struct imap_arg *arg, uint32_t *num_r)
{
	uint64_t num;

	if (!imap_arg_number(arg, &num) || num == 0 || num > UINT32_MAX)
		return false;
	*num_r = (uint32_t)num;
	return true;
}

/* Fills cd from a tokenized response code. A malformed COPYUID, APPENDUID or MODIFIED is no code. */
static void code_fill(const struct imap_arg *code, size_t n, struct code_data *cd)
{
	code_data_reset(cd);
	for (size_t i = 0; i < N_ELEMENTS(code_names); i++) {
		if (imap_arg_atom_equals(&code[0], code_names[i].name)) {
			cd->code = code_names[i].code;
			break;
		}
	}
	switch (cd->code) {
	case IMAP_CODE_COPYUID:
		/* COPYUID uidvalidity source-set dest-set, as many of each (RFC 4315) */
		if (n == 4 && code_nz32(&code[1], &cd->uidvalidity) && code_set(&code[2], &cd->src) &&
		    code_set(&code[3], &cd->dst) && imap_uidset_count(&cd->src) == imap_uidset_count(&cd->dst)) {
			cd->has_copyuid = true;
			cd->copy_in_order = set_text_ascending(code[2].u.str) && set_text_ascending(code[3].u.str);
			return;
		}
		break;
	case IMAP_CODE_APPENDUID:
		/* APPENDUID uidvalidity uid (a set only with MULTIAPPEND: its lowest) */
		if (n == 3 && code_nz32(&code[1], &cd->uidvalidity) && code_set(&code[2], &cd->dst)) {
			cd->append_uid = imap_uidset_min(&cd->dst);
			cd->dst.count = 0;
			return;
		}
		break;
	case IMAP_CODE_MODIFIED:
		if (n == 2 && code_set(&code[1], &cd->modified)) {
			cd->has_modified = true;
			return;
		}
		break;
	default:
		return;
	}
	log_warn("ignored a malformed %s response code", imap_engine_code_name(cd->code));
	code_data_reset(cd);
}

/* Drops the merged COPYUID of cd for good (it could no longer be trusted to be complete). */
static void drop_copyuid(struct code_data *cd)
{
	cd->has_copyuid = false;
	cd->copy_dropped = true;
	imap_uidset_clear(&cd->src);
	imap_uidset_clear(&cd->dst);
}

/* Merges the COPYUID and MODIFIED data of one response (from) into a split command's (into). Bounded:
 * sets over IMAP_ENGINE_MAX_CODE_RANGES ranges are dropped. */
static void code_merge(struct code_data *into, struct code_data *from)
{
	if (from->has_copyuid && !into->copy_dropped) {
		if (!into->has_copyuid) {
			imap_uidset_move(&into->src, &from->src);
			imap_uidset_move(&into->dst, &from->dst);
			into->uidvalidity = from->uidvalidity;
			into->copy_in_order = from->copy_in_order;
			into->has_copyuid = true;
		} else if (from->uidvalidity != into->uidvalidity) {
			drop_copyuid(into);
		} else {
			uint64_t n = imap_uidset_count(&into->src), added = imap_uidset_count(&from->src);

			into->copy_in_order = into->copy_in_order && from->copy_in_order &&
				imap_uidset_min(&from->src) > imap_uidset_max(&into->src) &&
				imap_uidset_min(&from->dst) > imap_uidset_max(&into->dst);
			imap_uidset_add_set(&into->src, &from->src);
			imap_uidset_add_set(&into->dst, &from->dst);
			/* overlapping reports would pair UIDs wrongly: source and destination must stay as
			 * many */
			if (into->src.count > IMAP_ENGINE_MAX_CODE_RANGES ||
			    into->dst.count > IMAP_ENGINE_MAX_CODE_RANGES ||
			    imap_uidset_count(&into->src) != n + added || imap_uidset_count(&into->dst) != n + added)
				drop_copyuid(into);
		}
	}
	if (from->has_modified && !into->modified_dropped) {
		imap_uidset_add_set(&into->modified, &from->modified);
		into->has_modified = true;
		if (into->modified.count > IMAP_ENGINE_MAX_CODE_RANGES) {
			into->has_modified = false;
			into->modified_dropped = true;
			imap_uidset_clear(&into->modified);
		}
	}
}

/* An untagged COPYUID (RFC 6851) belongs to the oldest UID MOVE in flight that has not had one. */
static void untagged_copyuid(struct imap_engine *e, const struct imap_arg *code, size_t n)
{
	for (struct imap_cmd *c = e->inflight; c != NULL; c = c->next) {
		if (c->kind != CMD_MOVE || c->got_copyuid || c->group == NULL)
			continue;
		c->got_copyuid = true;
		code_fill(code, n, &e->tmp);
		code_merge(&c->group->codes, &e->tmp);
		return;
	}
}

/* Handles a response code in resp-text: the mailbox and capability state, and (untagged, ev != NULL)
 * ALERT and a MOVE's COPYUID. For a tagged response, cd (when not NULL) receives the code. */
static void handle_resp_code(struct imap_engine *e, const char *text, struct imap_event *ev, bool *event_r,
			     struct code_data *cd)
{
	const struct imap_arg *code;
	size_t n;
	const char *rest;
	uint64_t num;

	if (cd != NULL)
		code_data_reset(cd);
	if (imap_parser_resp_code(e->parser, text, &code, &n, &rest) <= 0)
		return;
	if (cd != NULL)
		code_fill(code, n, cd);
	if (imap_arg_atom_equals(&code[0], "CAPABILITY")) {
		set_capabilities(e, code + 1, n - 1);
	} else if (imap_arg_atom_equals(&code[0], "UIDVALIDITY") && n > 1 && imap_arg_number(&code[1], &num)) {
		e->mailbox.uidvalidity = (uint32_t)num;
	} else if (imap_arg_atom_equals(&code[0], "UIDNEXT") && n > 1 && imap_arg_number(&code[1], &num)) {
		e->mailbox.uidnext = (uint32_t)num;
	} else if (imap_arg_atom_equals(&code[0], "UNSEEN") && n > 1 && imap_arg_number(&code[1], &num)) {
		e->mailbox.unseen = (uint32_t)num;
	} else if (imap_arg_atom_equals(&code[0], "HIGHESTMODSEQ") && n > 1 && imap_arg_number(&code[1], &num)) {
		e->mailbox.highestmodseq = num;
	} else if (imap_arg_atom_equals(&code[0], "READ-ONLY")) {
		e->mailbox.readonly = true;
	} else if (imap_arg_atom_equals(&code[0], "READ-WRITE")) {
		e->mailbox.readonly = false;
	} else if (imap_arg_atom_equals(&code[0], "ALERT") && ev != NULL) {
		ev->type = IMAP_EVENT_ALERT;
		ev->cmd = 0;
		ev->u.text = rest;
		*event_r = true;
	} else if (imap_arg_atom_equals(&code[0], "COPYUID") && ev != NULL) {
		untagged_copyuid(e, code, n);
	}
}

static struct imap_cmd *take_inflight(struct imap_engine *e, const char *tag)
{
	for (struct imap_cmd **p = &e->inflight; *p != NULL; p = &(*p)->next) {
		if (strcmp((*p)->tag, tag) == 0) {
			struct imap_cmd *cmd = *p;
			*p = cmd->next;
			return cmd;
		}
	}
	return NULL;
}

static uint32_t cmd_kind_id(struct imap_engine *e, enum cmd_kind kind)
{
	for (struct imap_cmd *c = e->inflight; c != NULL; c = c->next) {
		if (c->kind == kind)
			return c->parent != 0 ? c->parent : c->id;
	}
	return 0;
}

/* True when a FETCH / STORE command asked for the message. */
static bool cmd_holds(const struct imap_cmd *c, uint32_t seq, uint32_t uid)
{
	if (c->match_all)
		return true;
	if (c->by_seq)
		return imap_uidset_contains(&c->match, seq);
	return uid != 0 && imap_uidset_contains(&c->match, uid);
}

/* The command a FETCH response belongs to (the rules are in imap-engine.h, struct imap_event). */
static uint32_t fetch_owner(struct imap_engine *e, uint32_t seq, uint32_t uid)
{
	struct imap_cmd *c;

	for (c = e->inflight; c != NULL; c = c->next) {
		if (c->kind == CMD_FETCH && cmd_holds(c, seq, uid))
			return c->id;
	}
	for (c = e->inflight; c != NULL; c = c->next) {
		if (c->kind == CMD_STORE && cmd_holds(c, seq, uid))
			return c->id;
	}
	for (c = e->inflight; c != NULL; c = c->next) {
		if (c->kind == CMD_SELECT && c->qresync)
			return c->id;
	}
	return 0;
}

/* ORs together the bits of the atoms in list that the table names (case-insensitively). */
static uint32_t atoms_to_bits(const struct imap_arg *list, const struct atom_bit *table, size_t n)
{
	uint32_t ret = 0;

	for (uint32_t i = 0; i < list->count; i++) {
		for (size_t j = 0; j < n; j++) {
			if (imap_arg_atom_equals(&list->u.list[i], table[j].name))
				ret |= table[j].bit;
		}
	}
	return ret;
}

static uint32_t parse_flags(const struct imap_arg *list)
{
	static const struct atom_bit flags[] = {
		{ "\\Seen", IMAP_FLAG_SEEN }, { "\\Answered", IMAP_FLAG_ANSWERED },
		{ "\\Flagged", IMAP_FLAG_FLAGGED }, { "\\Deleted", IMAP_FLAG_DELETED },
		{ "\\Draft", IMAP_FLAG_DRAFT }, { "\\Recent", IMAP_FLAG_RECENT },
	};
	return atoms_to_bits(list, flags, N_ELEMENTS(flags));
}

/* Parses "BODY[section]<origin>" / "BINARY[...]" / "RFC822*" item names. */
static bool parse_section_name(const struct imap_arg *arg, struct imap_fetch_section *sec)
{
	const char *s = arg->u.str, *lb, *rb;

	sec->origin = -1;
	if (strcasecmp(s, "RFC822") == 0 || strcasecmp(s, "RFC822.TEXT") == 0 ||
	    strcasecmp(s, "RFC822.HEADER") == 0) {
		sec->section = strcasecmp(s, "RFC822") == 0 ? "" :
			strcasecmp(s, "RFC822.TEXT") == 0 ? "TEXT" : "HEADER";
		return true;
	}
	if (strncasecmp(s, "BODY[", 5) != 0 && strncasecmp(s, "BINARY[", 7) != 0)
		return false;
	lb = strchr(s, '[');
	rb = strrchr(s, ']');
	if (rb == NULL || rb < lb)
		return false;
	/* the section text lives inside the atom: terminate it in place (the atom is ours) */
	sec->section = lb + 1;
	if (rb[1] == '<') {
		char *end;
		long long o = strtoll(rb + 2, &end, 10);
		if (*end == '>' && o >= 0)
			sec->origin = o;
	}
	*(char *)rb = '\0';
	return true;
}

static int handle_fetch(struct imap_engine *e, uint64_t seq, const struct imap_arg *list, struct imap_event *ev)
{
	struct imap_fetch *f = &ev->u.fetch;

	memset(f, 0, sizeof(*f));
	f->seq = (uint32_t)seq;
	f->size = -1;
	if (list->type != IMAP_ARG_LIST || list->count % 2 != 0)
		return engine_fail(e, _("protocol error: malformed FETCH response"));
	for (uint32_t i = 0; i < list->count; i += 2) {
		const struct imap_arg *name = &list->u.list[i], *val = &list->u.list[i + 1];
		uint64_t num;

		if (name->type != IMAP_ARG_ATOM)
			return engine_fail(e, _("protocol error: malformed FETCH item"));
		if (imap_arg_atom_equals(name, "UID")) {
			if (!imap_arg_number(val, &num) || num == 0 || num > UINT32_MAX)
				return engine_fail(e, _("protocol error: bad UID in FETCH"));
			f->uid = (uint32_t)num;
		} else if (imap_arg_atom_equals(name, "FLAGS")) {
			if (val->type != IMAP_ARG_LIST)
				return engine_fail(e, _("protocol error: bad FLAGS in FETCH"));
			f->flags = parse_flags(val);
			f->flag_list = val;
			f->has_flags = true;
		} else if (imap_arg_atom_equals(name, "INTERNALDATE")) {
			f->internaldate = imap_arg_nstring(val);
		} else if (imap_arg_atom_equals(name, "RFC822.SIZE")) {
			if (!imap_arg_number(val, &num))
				return engine_fail(e, _("protocol error: bad RFC822.SIZE in FETCH"));
			f->size = (int64_t)num;
		} else if (imap_arg_atom_equals(name, "MODSEQ")) {
			if (val->type == IMAP_ARG_LIST && val->count == 1 && imap_arg_number(&val->u.list[0], &num))
				f->modseq = num;
		} else if (imap_arg_atom_equals(name, "ENVELOPE")) {
			f->envelope = val->type == IMAP_ARG_LIST ? val : NULL;
		} else if (imap_arg_atom_equals(name, "BODYSTRUCTURE") || imap_arg_atom_equals(name, "BODY")) {
			f->bodystructure = val->type == IMAP_ARG_LIST ? val : NULL;
		} else if (f->n_sections < IMAP_FETCH_MAX_SECTIONS &&
			   parse_section_name(name, &f->sections[f->n_sections])) {
			struct imap_fetch_section *sec = &f->sections[f->n_sections++];
			if (val->type == IMAP_ARG_STREAMED) {
				sec->streamed = true;
				sec->len = val->len;
			} else if (val->type == IMAP_ARG_NIL) {
				sec->data = NULL;
			} else if (imap_arg_is_string(val)) {
				sec->data = val->u.str;
				sec->len = val->len;
			} else {
				return engine_fail(e, _("protocol error: bad body section in FETCH"));
			}
		}
		/* unknown items are ignored */
	}
	ev->type = IMAP_EVENT_FETCH;
	/* a STORE's answer comes as FETCH too: a FETCH in flight that asked for it is the likelier owner */
	ev->cmd = fetch_owner(e, f->seq, f->uid);
	return 1;
}

static uint32_t parse_mbox_attrs(const struct imap_arg *list)
{
	static const struct atom_bit attrs[] = {
		{ "\\Noselect", IMAP_MBOX_NOSELECT }, { "\\NonExistent", IMAP_MBOX_NONEXISTENT },
		{ "\\HasChildren", IMAP_MBOX_HASCHILDREN }, { "\\Sent", IMAP_MBOX_SENT },
		{ "\\Drafts", IMAP_MBOX_DRAFTS }, { "\\Trash", IMAP_MBOX_TRASH },
		{ "\\Junk", IMAP_MBOX_JUNK }, { "\\Archive", IMAP_MBOX_ARCHIVE },
		{ "\\All", IMAP_MBOX_ALL }, { "\\Flagged", IMAP_MBOX_FLAGGED },
	};
	return atoms_to_bits(list, attrs, N_ELEMENTS(attrs));
}

static int handle_status(struct imap_engine *e, const struct imap_arg *args, size_t count,
			 struct imap_event *ev)
{
	const struct imap_arg *items;

	if (count < 4 || !imap_arg_is_string(&args[2]) || args[3].type != IMAP_ARG_LIST ||
	    args[3].count % 2 != 0)
		return engine_fail(e, _("protocol error: malformed STATUS response"));
	items = args[3].u.list;
	ev->type = IMAP_EVENT_STATUS;
	ev->cmd = cmd_kind_id(e, CMD_STATUS);
	if (ev->cmd == 0)
		ev->cmd = cmd_kind_id(e, CMD_LIST);
	ev->u.status.name = decode_mailbox(e, &args[2]);
	ev->u.status.messages = ev->u.status.unseen = ev->u.status.uidnext = -1;
	ev->u.status.uidvalidity = ev->u.status.recent = -1;
	ev->u.status.highestmodseq = 0;
	for (uint32_t i = 0; i < args[3].count; i += 2) {
		uint64_t num;
		if (!imap_arg_number(&items[i + 1], &num))
			return engine_fail(e, _("protocol error: malformed STATUS item"));
		if (imap_arg_atom_equals(&items[i], "MESSAGES"))
			ev->u.status.messages = (int64_t)num;
		else if (imap_arg_atom_equals(&items[i], "UNSEEN"))
			ev->u.status.unseen = (int64_t)num;
		else if (imap_arg_atom_equals(&items[i], "UIDNEXT"))
			ev->u.status.uidnext = (int64_t)num;
		else if (imap_arg_atom_equals(&items[i], "UIDVALIDITY"))
			ev->u.status.uidvalidity = (int64_t)num;
		else if (imap_arg_atom_equals(&items[i], "RECENT"))
			ev->u.status.recent = (int64_t)num;
		else if (imap_arg_atom_equals(&items[i], "HIGHESTMODSEQ"))
			ev->u.status.highestmodseq = num;
	}
	return 1;
}

/* Expands a sequence set of UIDs into e->search_uids; bounded by IMAP_SEARCH_MAX. */
#define IMAP_SEARCH_MAX (16u * 1024 * 1024)
static int expand_uidset(struct imap_engine *e, const char *set, size_t *count_r)
{
	size_t count = 0;
	uint32_t lo, hi;
	int ret;

	while ((ret = imap_uidset_next(&set, &lo, &hi)) > 0) {
		if ((size_t)(hi - lo) + 1 > IMAP_SEARCH_MAX - count)
			return -1;
		e->search_uids = xgrow(e->search_uids, &e->search_cap, count + (size_t)(hi - lo) + 1,
				       sizeof(uint32_t));
		for (uint64_t u = lo; u <= hi; u++)
			e->search_uids[count++] = (uint32_t)u;
	}
	if (ret < 0)
		return -1;
	*count_r = count;
	return 0;
}

/* An untagged response that is not a status response. Returns 1 with an event, 0 without, -1 fatal. */
static int handle_untagged_data(struct imap_engine *e, const struct imap_arg *args, size_t count,
				struct imap_event *ev)
{
	uint64_t num;

	if (count < 2)
		return engine_fail(e, _("protocol error: empty untagged response"));
	if (imap_arg_number(&args[1], &num)) {
		if (count < 3 || args[2].type != IMAP_ARG_ATOM)
			return engine_fail(e, _("protocol error: malformed numeric response"));
		if (imap_arg_atom_equals(&args[2], "EXISTS")) {
			e->mailbox.exists = (uint32_t)num;
			ev->type = IMAP_EVENT_EXISTS;
			ev->cmd = 0;
			ev->u.number = (uint32_t)num;
			return 1;
		}
		if (imap_arg_atom_equals(&args[2], "EXPUNGE")) {
			if (e->mailbox.exists > 0)
				e->mailbox.exists--;
			ev->type = IMAP_EVENT_EXPUNGE;
			ev->cmd = 0;
			ev->u.number = (uint32_t)num;
			return 1;
		}
		if (imap_arg_atom_equals(&args[2], "FETCH")) {
			if (count < 4)
				return engine_fail(e, _("protocol error: malformed FETCH response"));
			return handle_fetch(e, num, &args[3], ev);
		}
		return 0; /* RECENT and unknown */
	}
	if (args[1].type != IMAP_ARG_ATOM)
		return engine_fail(e, _("protocol error: malformed untagged response"));
	if (imap_arg_atom_equals(&args[1], "CAPABILITY")) {
		set_capabilities(e, args + 2, count - 2);
		return 0;
	}
	if (imap_arg_atom_equals(&args[1], "ENABLED")) {
		for (size_t i = 2; i < count; i++) {
			if (imap_arg_atom_equals(&args[i], "UTF8=ACCEPT") ||
			    imap_arg_atom_equals(&args[i], "IMAP4rev2")) {
				e->utf8_enabled = true;
				e->enabled_seen |= IMAP_CAPA_UTF8_ACCEPT;
			} else if (imap_arg_atom_equals(&args[i], "QRESYNC")) {
				e->qresync = true;
				e->enabled_seen |= IMAP_CAPA_QRESYNC;
			}
		}
		return 0;
	}
	if (imap_arg_atom_equals(&args[1], "LIST")) {
		const char *name;
		if (count < 5 || args[2].type != IMAP_ARG_LIST ||
		    !(imap_arg_is_string(&args[3]) || args[3].type == IMAP_ARG_NIL) ||
		    !imap_arg_is_string(&args[4]))
			return engine_fail(e, _("protocol error: malformed LIST response"));
		ev->type = IMAP_EVENT_LIST;
		ev->cmd = cmd_kind_id(e, CMD_LIST);
		ev->u.list.attrs = parse_mbox_attrs(&args[2]);
		ev->u.list.delimiter = args[3].type == IMAP_ARG_NIL || args[3].len == 0 ? '\0' : args[3].u.str[0];
		name = decode_mailbox(e, &args[4]);
		ev->u.list.name = name;
		if (e->list_id != 0 && !(e->capa & IMAP_CAPA_LIST_STATUS) &&
		    !(ev->u.list.attrs & (IMAP_MBOX_NOSELECT | IMAP_MBOX_NONEXISTENT))) {
			buf_append(&e->list_names, name, strlen(name) + 1);
		}
		return 1;
	}
	if (imap_arg_atom_equals(&args[1], "STATUS"))
		return handle_status(e, args, count, ev);
	if (imap_arg_atom_equals(&args[1], "SEARCH")) {
		size_t n = 0;
		e->search_uids = xgrow(e->search_uids, &e->search_cap, count, sizeof(uint32_t));
		for (size_t i = 2; i < count; i++) {
			if (args[i].type == IMAP_ARG_LIST)
				continue; /* (MODSEQ n) */
			if (!imap_arg_number(&args[i], &num)) {
				if (imap_arg_atom_equals(&args[i], "MODSEQ"))
					continue;
				return engine_fail(e, _("protocol error: malformed SEARCH response"));
			}
			e->search_uids[n++] = (uint32_t)num;
		}
		ev->type = IMAP_EVENT_SEARCH;
		ev->cmd = cmd_kind_id(e, CMD_SEARCH);
		ev->u.search.uids = e->search_uids;
		ev->u.search.count = n;
		return 1;
	}
	if (imap_arg_atom_equals(&args[1], "ESEARCH")) {
		size_t i = 2, n = 0;
		uint32_t owner = 0;
		if (i < count && args[i].type == IMAP_ARG_LIST) {
			/* (TAG "x") names the command */
			const struct imap_arg *l = args[i].u.list;
			if (args[i].count == 2 && imap_arg_atom_equals(&l[0], "TAG") && imap_arg_is_string(&l[1])) {
				for (const struct imap_cmd *c = e->inflight; c != NULL; c = c->next) {
					if (c->kind == CMD_SEARCH && strcmp(c->tag, l[1].u.str) == 0)
						owner = c->id;
				}
			}
			i++;
		}
		if (i < count && imap_arg_atom_equals(&args[i], "UID"))
			i++;
		for (; i + 1 < count; i += 2) {
			if (imap_arg_atom_equals(&args[i], "ALL")) {
				if (args[i + 1].type != IMAP_ARG_ATOM || expand_uidset(e, args[i + 1].u.str, &n) < 0)
					return engine_fail(e, _("protocol error: malformed ESEARCH response"));
			}
		}
		ev->type = IMAP_EVENT_SEARCH;
		ev->cmd = owner != 0 ? owner : cmd_kind_id(e, CMD_SEARCH);
		ev->u.search.uids = e->search_uids;
		ev->u.search.count = n;
		return 1;
	}
	if (imap_arg_atom_equals(&args[1], "VANISHED")) {
		size_t i = 2;
		bool earlier = false;
		if (i < count && args[i].type == IMAP_ARG_LIST) {
			earlier = true;
			i++;
		}
		if (i >= count || args[i].type != IMAP_ARG_ATOM)
			return engine_fail(e, _("protocol error: malformed VANISHED response"));
		if (!earlier) {
			/* expunged now (not a QRESYNC report of the past): the mailbox shrinks */
			const char *p = args[i].u.str;
			uint32_t lo, hi;
			int r;

			while ((r = imap_uidset_next(&p, &lo, &hi)) > 0)
				e->mailbox.exists -= hi - lo + 1 < e->mailbox.exists ? hi - lo + 1 : e->mailbox.exists;
			if (r < 0)
				return engine_fail(e, _("protocol error: malformed VANISHED response"));
		}
		ev->type = IMAP_EVENT_VANISHED;
		ev->cmd = 0;
		ev->u.vanished.uidset = args[i].u.str;
		ev->u.vanished.earlier = earlier;
		return 1;
	}
	/* FLAGS, ID, NAMESPACE, RECENT, METADATA...: nothing to report yet */
	return 0;
}

static void list_fallback_status(struct imap_engine *e, uint32_t list_id)
{
	size_t pos = 0;

	while (pos < e->list_names.len) {
		const char *name = e->list_names.data + pos;
		struct imap_cmd *cmd = cmd_new(e, CMD_STATUS, true);
		struct buf b = BUF_INIT;

		cmd->parent = list_id;
		cmd->mailbox = xstrdup(name);
		buf_appendf(&b, "%s STATUS ", cmd->tag);
		append_astring(e, cmd, &b, wire_mailbox(e, name));
		buf_append_str(&b, " (MESSAGES UNSEEN)\r\n");
		cmd_add_buf(cmd, &b);
		append_list(&e->sendq, cmd);
		e->list_status_pending++;
		pos += strlen(name) + 1;
	}
	buf_reset(&e->list_names);
	flush_sendq(e);
}

/* A user command completed: its DONE event, for a split command once its last member completed. The
 * codes of the tagged response are in e->tmp. Returns 1 with the event, 0 without. */
static int finish_cmd(struct imap_engine *e, struct imap_cmd *cmd, enum imap_result result, const char *text,
		      struct imap_event *ev)
{
	struct cmd_group *g = cmd->group;
	struct code_data swap;

	if (g == NULL) {
		swap = e->done;
		e->done = e->tmp;
		e->tmp = swap;
	} else {
		if (cmd->got_copyuid)
			e->tmp.has_copyuid = false; /* the untagged one was merged already */
		code_merge(&g->codes, &e->tmp);
		if (!g->failed) {
			/* the first failure's text and code, else the last ones */
			buf_reset(&g->text);
			buf_append_str(&g->text, text);
			if (result != IMAP_RESULT_OK || e->tmp.code != IMAP_CODE_NONE)
				g->codes.code = e->tmp.code;
			g->failed = result != IMAP_RESULT_OK;
		}
		if (result > g->result)
			g->result = result;
		if (--g->pending > 0)
			return 0;
		swap = e->done;
		e->done = g->codes;
		g->codes = swap;
		struct buf t = e->done_text;
		e->done_text = g->text;
		g->text = t;
		text = e->done_text.data != NULL ? e->done_text.data : "";
		result = g->result;
	}
	if (e->done.code == IMAP_CODE_NONE && e->done.has_copyuid)
		e->done.code = IMAP_CODE_COPYUID; /* a MOVE's untagged COPYUID */
	ev->type = IMAP_EVENT_DONE;
	ev->cmd = cmd->id;
	ev->u.done.result = result;
	ev->u.done.text = text;
	ev->u.done.code = e->done.code;
	ev->u.done.uidvalidity = e->done.uidvalidity;
	ev->u.done.append_uid = e->done.append_uid;
	if (e->done.has_copyuid) {
		ev->u.done.copy_src = &e->done.src;
		ev->u.done.copy_dst = &e->done.dst;
		ev->u.done.copy_in_order = e->done.copy_in_order;
	}
	if (e->done.has_modified)
		ev->u.done.modified = &e->done.modified;
	return 1;
}

static int handle_tagged(struct imap_engine *e, const char *tag, const struct imap_arg *status,
			 const char *text, struct imap_event *ev)
{
	struct imap_cmd *cmd = take_inflight(e, tag);
	enum imap_result result;
	bool dummy = false;
	int ret = 0;

	if (cmd == NULL)
		return engine_fail(e, errstr(_("protocol error: response with unknown tag %s"),
					     clean_text(e, tag)));
	result = imap_arg_atom_equals(status, "OK") ? IMAP_RESULT_OK :
		imap_arg_atom_equals(status, "NO") ? IMAP_RESULT_NO : IMAP_RESULT_BAD;
	if (imap_arg_atom_equals(status, "BYE") || imap_arg_atom_equals(status, "PREAUTH")) {
		cmd_free(cmd);
		return engine_fail(e, _("protocol error: tagged BYE/PREAUTH"));
	}
	handle_resp_code(e, text, NULL, &dummy, &e->tmp);
	switch (cmd->kind) {
	case CMD_CAPABILITY:
		if (result != IMAP_RESULT_OK) {
			ret = engine_fail(e, errstr(_("protocol error: CAPABILITY failed: %s"), clean_text(e, text)));
		} else if (e->state == STATE_CAPA) {
			ret = proceed_preauth(e);
		} else if (e->state == STATE_POSTAUTH) {
			proceed_postauth(e);
		}
		break;
	case CMD_STARTTLS:
		if (result != IMAP_RESULT_OK) {
			ret = engine_fail(e, errstr(_("STARTTLS refused by the server: %s"), clean_text(e, text)));
			break;
		}
		/* Nothing received before the handshake may be trusted afterwards. */
		if (imap_parser_discard_input(e->parser) > 0)
			log_warn("discarded bytes injected after the STARTTLS response");
		e->state = STATE_TLS;
		ev->type = IMAP_EVENT_NEED_TLS;
		ev->cmd = 0;
		ret = 1;
		break;
	case CMD_AUTHENTICATE:
	case CMD_LOGIN:
		if (result != IMAP_RESULT_OK) {
			ret = engine_fail(e, errstr(_("authentication failed: %s"), clean_text(e, text)));
			break;
		}
		/* capabilities may have come in the OK's response code */
		enter_postauth(e);
		break;
	case CMD_ENABLE:
		/* what the server enabled (nothing, on failure) replaces the optimistic guess */
		e->qresync = (e->enabled_seen & IMAP_CAPA_QRESYNC) != 0;
		e->utf8_enabled = e->rev2 || (e->enabled_seen & IMAP_CAPA_UTF8_ACCEPT) != 0;
		/* fall through */
	case CMD_ID:
	case CMD_NAMESPACE:
		/* failures here are not fatal */
		if (e->postauth_pending > 0)
			e->postauth_pending--;
		break;
	case CMD_STATUS:
		if (cmd->parent != 0) {
			if (result != IMAP_RESULT_OK)
				log_warn("STATUS failed during LIST fallback");
			if (--e->list_status_pending == 0) {
				ev->type = IMAP_EVENT_DONE;
				ev->cmd = cmd->parent;
				ev->u.done.result = IMAP_RESULT_OK; /* a failed STATUS only loses its counts */
				ev->u.done.text = "";
				e->list_id = 0;
				ret = 1;
			}
			break;
		}
		goto done;
	case CMD_LIST:
		if (result == IMAP_RESULT_OK && !(e->capa & IMAP_CAPA_LIST_STATUS) && e->list_names.len > 0) {
			list_fallback_status(e, cmd->id);
			break;
		}
		e->list_id = 0;
		goto done;
	case CMD_UNSELECT:
		if (result == IMAP_RESULT_OK)
			memset(&e->mailbox, 0, sizeof(e->mailbox));
		goto done;
	default:
	done:
		if (cmd->internal)
			break;
		ret = finish_cmd(e, cmd, result, text, ev);
		break;
	}
	cmd_free(cmd);
	/* what waited behind it (an IDLE, a synchronising literal the server refused) may go now */
	if (e->state != STATE_FAILED && e->state != STATE_TLS)
		flush_sendq(e);
	return ret;
}

static int handle_continuation(struct imap_engine *e, struct imap_event *ev)
{
	struct imap_cmd *cmd;

	/* the command waiting for "+" is the one in flight with parts left */
	for (cmd = e->inflight; cmd != NULL; cmd = cmd->next) {
		if (cmd->sent_parts < cmd->n_parts)
			break;
	}
	if (cmd == NULL) {
		for (cmd = e->inflight; cmd != NULL; cmd = cmd->next) {
			if (cmd->kind == CMD_AUTHENTICATE) {
				/* a SASL error challenge (XOAUTH2): answer with an empty response */
				buf_append_str(&e->out, "\r\n");
				return 0;
			}
			if (cmd->kind == CMD_IDLE) {
				if (cmd->idling)
					return 0; /* a second "+" changes nothing */
				cmd->idling = true;
				if (cmd->idle_done_wanted) {
					idle_end(e, cmd);
					return 0;
				}
				ev->type = IMAP_EVENT_IDLING;
				ev->cmd = cmd->id;
				return 1;
			}
		}
		return engine_fail(e, _("protocol error: unexpected continuation request"));
	}
	/* every part but the last ends with a synchronising literal or an AUTHENTICATE line: one part a
	 * continuation */
	out_append(e, cmd, cmd->sent_parts++);
	flush_sendq(e);
	return 0;
}

static int handle_response(struct imap_engine *e, const struct imap_arg *args, size_t count, const char *text,
			   struct imap_event *ev)
{
	const char *tag = args[0].u.str;
	bool event = false;

	if (strcmp(tag, "+") == 0)
		return handle_continuation(e, ev);
	if (strcmp(tag, "*") != 0) {
		if (e->state == STATE_GREETING)
			return engine_fail(e, _("protocol error: tagged response before the greeting"));
		return handle_tagged(e, tag, &args[1], text, ev);
	}
	if (text == NULL) {
		if (e->state == STATE_GREETING)
			return engine_fail(e, _("protocol error: malformed greeting"));
		return handle_untagged_data(e, args, count, ev);
	}
	/* untagged status response */
	if (e->state == STATE_GREETING) {
		handle_resp_code(e, text, NULL, &event, NULL);
		if (imap_arg_atom_equals(&args[1], "BYE"))
			return engine_fail(e, errstr(_("server refused the connection: %s"), clean_text(e, text)));
		if (imap_arg_atom_equals(&args[1], "PREAUTH")) {
			if (e->require_tls && !e->tls_active)
				return engine_fail(e, _("server sent PREAUTH on a connection without TLS, which this account requires"));
			enter_postauth(e);
			return 0;
		}
		if (!imap_arg_atom_equals(&args[1], "OK"))
			return engine_fail(e, _("protocol error: malformed greeting"));
		if (e->capa_known) {
			e->state = STATE_CAPA;
			return proceed_preauth(e);
		}
		e->state = STATE_CAPA;
		e->capa_known = false;
		cmd_simple(e, CMD_CAPABILITY, true, "CAPABILITY");
		return 0;
	}
	if (imap_arg_atom_equals(&args[1], "BYE")) {
		ev->type = IMAP_EVENT_BYE;
		ev->cmd = 0;
		ev->u.text = text;
		return 1;
	}
	handle_resp_code(e, text, ev, &event, NULL);
	if (imap_arg_atom_equals(&args[1], "NO") || imap_arg_atom_equals(&args[1], "BAD"))
		log_warn("server warning: %s", clean_text(e, text));
	return event ? 1 : 0;
}

int imap_engine_next_event(struct imap_engine *e, struct imap_event *ev, const char **error_r)
{
	for (;;) {
		const struct imap_arg *args;
		size_t count;
		const char *text, *error;
		int ret;

		if (e->state == STATE_FAILED) {
			*error_r = e->error;
			return -1;
		}
		if (e->state == STATE_READY && !e->ready_reported) {
			e->ready_reported = true;
			memset(ev, 0, sizeof(*ev));
			ev->type = IMAP_EVENT_READY;
			return 1;
		}
		if (e->state == STATE_TLS)
			return 0; /* nothing is read until the handshake is done */
		ret = imap_parser_next(e->parser, &args, &count, &text, &error);
		if (ret < 0) {
			engine_fail(e, errstr(_("protocol error: %s"), error));
			continue;
		}
		if (ret == 0)
			return 0;
		memset(ev, 0, sizeof(*ev));
		ret = handle_response(e, args, count, text, ev);
		if (ret < 0)
			continue;
		if (ret > 0)
			return 1;
	}
}

void imap_engine_tls_started(struct imap_engine *e)
{
	if (e->state != STATE_TLS)
		return;
	e->tls_active = true;
	e->capa = 0;
	e->capa_known = false;
	imap_parser_discard_input(e->parser);
	e->state = STATE_CAPA;
	cmd_simple(e, CMD_CAPABILITY, true, "CAPABILITY");
}

void imap_engine_input(struct imap_engine *e, const void *data, size_t len)
{
	imap_parser_input(e->parser, data, len);
}

size_t imap_engine_output(struct imap_engine *e, const char **data_r)
{
	*data_r = e->out.data;
	return e->out.len;
}

void imap_engine_output_consumed(struct imap_engine *e, size_t len)
{
	if (len > 0 && e->out.data != NULL)
		explicit_bzero(e->out.data, len < e->out.len ? len : e->out.len);
	buf_consume(&e->out, len);
}

void imap_engine_set_trace(struct imap_engine *e, imap_engine_trace_fn *fn, void *ctx)
{
	e->trace = fn;
	e->trace_ctx = ctx;
}

void imap_engine_set_body_sink(struct imap_engine *e, imap_parser_sink_fn *fn, void *ctx)
{
	imap_parser_set_sink(e->parser, fn, ctx);
}

bool imap_engine_is_ready(const struct imap_engine *e)
{
	return e->state == STATE_READY;
}

uint32_t imap_engine_capabilities(const struct imap_engine *e)
{
	return e->capa;
}

bool imap_engine_qresync(const struct imap_engine *e)
{
	return e->qresync;
}

bool imap_engine_utf8_names(const struct imap_engine *e)
{
	return e->utf8_enabled;
}

const struct imap_mailbox_info *imap_engine_mailbox(const struct imap_engine *e)
{
	return &e->mailbox;
}

/* --- commands --- */

uint32_t imap_engine_cmd_list(struct imap_engine *e)
{
	struct imap_cmd *cmd = cmd_new(e, CMD_LIST, false);
	uint32_t capa = e->capa;

	if ((capa & IMAP_CAPA_LIST_STATUS) && (capa & IMAP_CAPA_SPECIAL_USE))
		cmd_add_str(cmd, xasprintf("%s LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n",
					    cmd->tag));
	else if (capa & IMAP_CAPA_LIST_STATUS)
		cmd_add_str(cmd, xasprintf("%s LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))\r\n", cmd->tag));
	else if ((capa & IMAP_CAPA_SPECIAL_USE) && (capa & IMAP_CAPA_LIST_EXTENDED))
		cmd_add_str(cmd, xasprintf("%s LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n", cmd->tag));
	else
		cmd_add_str(cmd, xasprintf("%s LIST \"\" \"*\"\r\n", cmd->tag));
	e->list_id = cmd->id;
	buf_reset(&e->list_names);
	cmd_submit(e, cmd);
	return cmd->id;
}

static struct imap_cmd *mailbox_cmd(struct imap_engine *e, enum cmd_kind kind, const char *verb,
				     const char *mailbox, const char *suffix)
{
	struct imap_cmd *cmd = cmd_new(e, kind, false);
	struct buf b = BUF_INIT;

	cmd->mailbox = xstrdup(mailbox);
	buf_appendf(&b, "%s %s ", cmd->tag, verb);
	append_astring(e, cmd, &b, wire_mailbox(e, mailbox));
	buf_append_str(&b, suffix);
	buf_append_str(&b, "\r\n");
	cmd_add_buf(cmd, &b);
	cmd_submit(e, cmd);
	return cmd;
}

uint32_t imap_engine_cmd_status(struct imap_engine *e, const char *mailbox)
{
	return mailbox_cmd(e, CMD_STATUS, "STATUS", mailbox,
			   (e->capa & IMAP_CAPA_CONDSTORE) ?
			   " (MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ)" :
			   " (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)")->id;
}

uint32_t imap_engine_cmd_select(struct imap_engine *e, const char *mailbox, bool readonly)
{
	memset(&e->mailbox, 0, sizeof(e->mailbox));
	e->mailbox.readonly = readonly;
	return mailbox_cmd(e, CMD_SELECT, readonly ? "EXAMINE" : "SELECT", mailbox, "")->id;
}

uint32_t imap_engine_cmd_select_qresync(struct imap_engine *e, const char *mailbox, bool readonly,
				       uint32_t uidvalidity, uint64_t modseq)
{
	char suffix[64];

	if (!e->qresync)
		return imap_engine_cmd_select(e, mailbox, readonly);
	memset(&e->mailbox, 0, sizeof(e->mailbox));
	e->mailbox.readonly = readonly;
	snprintf(suffix, sizeof(suffix), " (QRESYNC (%u %llu))", uidvalidity, (unsigned long long)modseq);
	struct imap_cmd *cmd = mailbox_cmd(e, CMD_SELECT, readonly ? "EXAMINE" : "SELECT", mailbox, suffix);
	cmd->qresync = true;
	return cmd->id;
}

/* Records which messages a command given its set as text asked for ("*" is every one above). */
static void cmd_match_text(struct imap_cmd *cmd, const char *set, bool by_seq)
{
	const char *error;

	cmd->by_seq = by_seq;
	if (imap_uidset_parse(&cmd->match, set, strlen(set), UINT32_MAX, 0, &error) < 0)
		cmd->match_all = true;
}

uint32_t imap_engine_cmd_fetch(struct imap_engine *e, const char *uidset, const char *items)
{
	struct imap_cmd *cmd = cmd_simple(e, CMD_FETCH, false, "UID FETCH %s %s", uidset, items);

	cmd_match_text(cmd, uidset, false);
	return cmd->id;
}

uint32_t imap_engine_cmd_fetch_seq(struct imap_engine *e, const char *seqset, const char *items)
{
	struct imap_cmd *cmd = cmd_simple(e, CMD_FETCH, false, "FETCH %s %s", seqset, items);

	cmd_match_text(cmd, seqset, true);
	return cmd->id;
}

uint32_t imap_engine_cmd_store(struct imap_engine *e, const char *uidset, const char *item, const char *flags)
{
	struct imap_cmd *cmd = cmd_simple(e, CMD_STORE, false, "UID STORE %s %s %s", uidset, item, flags);

	cmd_match_text(cmd, uidset, false);
	return cmd->id;
}

uint32_t imap_engine_cmd_search(struct imap_engine *e, const char *criteria)
{
	if (e->capa & IMAP_CAPA_ESEARCH)
		return cmd_simple(e, CMD_SEARCH, false, "UID SEARCH RETURN (ALL) %s", criteria)->id;
	return cmd_simple(e, CMD_SEARCH, false, "UID SEARCH %s", criteria)->id;
}

uint32_t imap_engine_cmd_noop(struct imap_engine *e)
{
	return cmd_simple(e, CMD_NOOP, false, "NOOP")->id;
}

uint32_t imap_engine_cmd_logout(struct imap_engine *e)
{
	return cmd_simple(e, CMD_LOGOUT, false, "LOGOUT")->id;
}

/* --- typed builders --- */

/* True when s is a non-empty atom (RFC 9051 ATOM-CHAR: no specials, controls, spaces or 8-bit). */
static bool is_atom(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("(){%*\"\\]", *p) != NULL)
			return false;
	}
	return true;
}

/* Appends the system flags of the enum imap_flag bits and the keywords, space-separated. Returns -1
 * when a keyword is not an atom. */
static int append_flags(struct buf *b, uint32_t flags, const char *const *keywords, size_t n_keywords)
{
	static const struct atom_bit names[] = {
		{ "\\Seen", IMAP_FLAG_SEEN }, { "\\Answered", IMAP_FLAG_ANSWERED },
		{ "\\Flagged", IMAP_FLAG_FLAGGED }, { "\\Deleted", IMAP_FLAG_DELETED },
		{ "\\Draft", IMAP_FLAG_DRAFT },
	};
	size_t start = b->len;

	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (flags & names[i].bit)
			buf_appendf(b, "%s%s", b->len > start ? " " : "", names[i].name);
	}
	for (size_t i = 0; i < n_keywords; i++) {
		if (!is_atom(keywords[i]))
			return -1;
		buf_appendf(b, "%s%s", b->len > start ? " " : "", keywords[i]);
	}
	return 0;
}

/* Queues "verb set[ mailbox]suffix" for each chunk of uids (at most IMAP_ENGINE_MAX_SET_TEXT bytes of
 * set text) under one id and one DONE. Returns the id, or 0 for an empty set. */
static uint32_t uidset_cmds(struct imap_engine *e, enum cmd_kind kind, const char *verb,
			    const struct imap_uidset *uids, const char *mailbox, const char *suffix)
{
	struct cmd_group *g;
	char *wire = NULL;
	size_t pos = 0;
	uint32_t id;

	if (uids == NULL || uids->count == 0)
		return 0;
	if (mailbox != NULL)
		wire = xstrdup(wire_mailbox(e, mailbox));
	g = xcalloc(1, sizeof(*g));
	id = e->next_id++;
	while (pos < uids->count) {
		struct imap_cmd *cmd = cmd_new_id(e, kind, false, id);
		struct buf b = BUF_INIT;
		size_t first = pos;

		cmd->group = g;
		g->refs++;
		g->pending++;
		buf_appendf(&b, "%s %s ", cmd->tag, verb);
		imap_uidset_format_chunk(uids, &pos, IMAP_ENGINE_MAX_SET_TEXT, &b);
		for (size_t i = first; i < pos; i++)
			imap_uidset_add_range(&cmd->match, uids->ranges[i].lo, uids->ranges[i].hi);
		if (wire != NULL) {
			buf_append_c(&b, ' ');
			append_astring(e, cmd, &b, wire);
		}
		buf_append_str(&b, suffix);
		buf_append_str(&b, "\r\n");
		cmd_add_buf(cmd, &b);
		cmd_submit(e, cmd);
	}
	free(wire);
	return id;
}

uint32_t imap_engine_cmd_uid_store(struct imap_engine *e, const struct imap_uidset *uids,
				   const struct imap_store *store)
{
	static const char *const modes[] = { " +FLAGS", " -FLAGS", " FLAGS" };
	struct buf b = BUF_INIT;
	uint32_t id = 0;

	if ((unsigned int)store->mode >= N_ELEMENTS(modes))
		return 0;
	if (store->unchangedsince != 0) {
		if (!(e->capa & IMAP_CAPA_CONDSTORE))
			return 0;
		buf_appendf(&b, " (UNCHANGEDSINCE %llu)", (unsigned long long)store->unchangedsince);
	}
	buf_append_str(&b, modes[store->mode]);
	if (store->silent)
		buf_append_str(&b, ".SILENT");
	buf_append_str(&b, " (");
	if (append_flags(&b, store->flags, store->keywords, store->n_keywords) == 0) {
		buf_append_c(&b, ')');
		id = uidset_cmds(e, CMD_STORE, "UID STORE", uids, NULL, b.data);
	}
	buf_free(&b);
	return id;
}

uint32_t imap_engine_cmd_uid_copy(struct imap_engine *e, const struct imap_uidset *uids, const char *mailbox)
{
	return uidset_cmds(e, CMD_COPY, "UID COPY", uids, mailbox, "");
}

uint32_t imap_engine_cmd_uid_move(struct imap_engine *e, const struct imap_uidset *uids, const char *mailbox)
{
	if (!(e->capa & IMAP_CAPA_MOVE))
		return 0;
	return uidset_cmds(e, CMD_MOVE, "UID MOVE", uids, mailbox, "");
}

uint32_t imap_engine_cmd_uid_expunge(struct imap_engine *e, const struct imap_uidset *uids)
{
	if (!(e->capa & IMAP_CAPA_UIDPLUS))
		return 0;
	return uidset_cmds(e, CMD_EXPUNGE, "UID EXPUNGE", uids, NULL, "");
}

uint32_t imap_engine_cmd_expunge(struct imap_engine *e)
{
	return cmd_simple(e, CMD_EXPUNGE, false, "EXPUNGE")->id;
}

static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

uint32_t imap_engine_cmd_append(struct imap_engine *e, const char *mailbox, const struct imap_append *params,
				const void *data, size_t len)
{
	struct buf opts = BUF_INIT, b = BUF_INIT;
	struct imap_cmd *cmd;
	bool binary = len > 0 && memchr(data, '\0', len) != NULL;
	bool nonsync = (e->capa & IMAP_CAPA_LITERAL_PLUS) ||
		((e->capa & IMAP_CAPA_LITERAL_MINUS) && len <= LITERAL_MINUS_MAX);

	if (binary && !(e->capa & IMAP_CAPA_BINARY))
		return 0;
	if (params != NULL && (params->flags != 0 || params->n_keywords > 0)) {
		buf_append_str(&opts, " (");
		if (append_flags(&opts, params->flags, params->keywords, params->n_keywords) < 0)
			goto invalid;
		buf_append_c(&opts, ')');
	}
	if (params != NULL && params->date != 0) {
		time_t t = (time_t)(params->date + (int64_t)params->tz_minutes * 60);
		int tz = params->tz_minutes < 0 ? -params->tz_minutes : params->tz_minutes;
		struct tm tm;

		if (params->tz_minutes < -720 || params->tz_minutes > 840 || gmtime_r(&t, &tm) == NULL ||
		    tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
			goto invalid;
		buf_appendf(&opts, " \"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", tm.tm_mday, month_names[tm.tm_mon],
			    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, params->tz_minutes < 0 ? '-' : '+',
			    tz / 60, tz % 60);
	}
	cmd = cmd_new(e, CMD_APPEND, false);
	cmd->mailbox = xstrdup(mailbox);
	buf_appendf(&b, "%s APPEND ", cmd->tag);
	append_astring(e, cmd, &b, wire_mailbox(e, mailbox));
	if (opts.len > 0)
		buf_append(&b, opts.data, opts.len);
	buf_appendf(&b, " %s{%zu%s}\r\n", binary ? "~" : "", len, nonsync ? "+" : "");
	if (!nonsync)
		cmd_add_buf(cmd, &b); /* the message waits for the server's "+" */
	buf_append(&b, data, len);
	buf_append_str(&b, "\r\n");
	cmd_add_buf(cmd, &b);
	buf_free(&opts);
	cmd_submit(e, cmd);
	return cmd->id;
invalid:
	buf_free(&opts);
	return 0;
}

uint32_t imap_engine_cmd_create(struct imap_engine *e, const char *mailbox)
{
	return mailbox_cmd(e, CMD_MAILBOX, "CREATE", mailbox, "")->id;
}

uint32_t imap_engine_cmd_delete(struct imap_engine *e, const char *mailbox)
{
	return mailbox_cmd(e, CMD_MAILBOX, "DELETE", mailbox, "")->id;
}

uint32_t imap_engine_cmd_rename(struct imap_engine *e, const char *from, const char *to)
{
	struct imap_cmd *cmd = cmd_new(e, CMD_MAILBOX, false);
	struct buf b = BUF_INIT;
	char *wire_from = xstrdup(wire_mailbox(e, from));

	cmd->mailbox = xstrdup(from);
	buf_appendf(&b, "%s RENAME ", cmd->tag);
	append_astring(e, cmd, &b, wire_from);
	buf_append_c(&b, ' ');
	append_astring(e, cmd, &b, wire_mailbox(e, to));
	buf_append_str(&b, "\r\n");
	cmd_add_buf(cmd, &b);
	free(wire_from);
	cmd_submit(e, cmd);
	return cmd->id;
}

uint32_t imap_engine_cmd_subscribe(struct imap_engine *e, const char *mailbox)
{
	return mailbox_cmd(e, CMD_MAILBOX, "SUBSCRIBE", mailbox, "")->id;
}

uint32_t imap_engine_cmd_unsubscribe(struct imap_engine *e, const char *mailbox)
{
	return mailbox_cmd(e, CMD_MAILBOX, "UNSUBSCRIBE", mailbox, "")->id;
}

uint32_t imap_engine_cmd_unselect(struct imap_engine *e)
{
	if (!(e->capa & IMAP_CAPA_UNSELECT))
		return 0;
	return cmd_simple(e, CMD_UNSELECT, false, "UNSELECT")->id;
}

uint32_t imap_engine_cmd_close(struct imap_engine *e)
{
	return cmd_simple(e, CMD_UNSELECT, false, "CLOSE")->id;
}

/* --- SEARCH --- */

static const char *const search_string_keys[] = {
	[IMAP_SEARCH_FROM] = "FROM", [IMAP_SEARCH_TO] = "TO", [IMAP_SEARCH_CC] = "CC",
	[IMAP_SEARCH_BCC] = "BCC", [IMAP_SEARCH_SUBJECT] = "SUBJECT", [IMAP_SEARCH_BODY] = "BODY",
	[IMAP_SEARCH_TEXT] = "TEXT",
};

static const char *const search_date_keys[] = {
	[IMAP_SEARCH_SINCE] = "SINCE", [IMAP_SEARCH_BEFORE] = "BEFORE", [IMAP_SEARCH_ON] = "ON",
	[IMAP_SEARCH_SENTSINCE] = "SENTSINCE", [IMAP_SEARCH_SENTBEFORE] = "SENTBEFORE",
	[IMAP_SEARCH_SENTON] = "SENTON",
};

/* The search keys of a flag bit (set, not set), or NULL for anything but one known bit. */
static const char *search_flag_key(uint32_t flag, bool set)
{
	static const struct {
		uint32_t bit;
		const char *set, *unset;
	} keys[] = {
		{ IMAP_FLAG_SEEN, "SEEN", "UNSEEN" }, { IMAP_FLAG_ANSWERED, "ANSWERED", "UNANSWERED" },
		{ IMAP_FLAG_FLAGGED, "FLAGGED", "UNFLAGGED" }, { IMAP_FLAG_DELETED, "DELETED", "UNDELETED" },
		{ IMAP_FLAG_DRAFT, "DRAFT", "UNDRAFT" }, { IMAP_FLAG_RECENT, "RECENT", "OLD" },
	};
	for (size_t i = 0; i < N_ELEMENTS(keys); i++) {
		if (keys[i].bit == flag)
			return set ? keys[i].set : keys[i].unset;
	}
	return NULL;
}

static bool has_8bit(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x80)
			return true;
	}
	return false;
}

/* A header field name: printable ASCII but ':' (RFC 5322 ftext). */
static bool is_field_name(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == ':')
			return false;
	}
	return true;
}

/* Checks a search tree; counts its keys into *keys and notes 8-bit strings. Returns -1 when it cannot
 * be sent. */
static int search_check(const struct imap_engine *e, const struct imap_search_key *k, unsigned int depth,
			size_t *keys, bool *eightbit)
{
	if (k == NULL || depth > IMAP_SEARCH_MAX_DEPTH || ++*keys > IMAP_SEARCH_MAX_KEYS)
		return -1;
	switch (k->op) {
	case IMAP_SEARCH_ALL:
		return 0;
	case IMAP_SEARCH_UID:
		return k->uids != NULL && k->uids->count > 0 ? 0 : -1;
	case IMAP_SEARCH_FLAG:
	case IMAP_SEARCH_NOFLAG:
		return search_flag_key(k->flag, true) != NULL ? 0 : -1;
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_UNKEYWORD:
		return is_atom(k->value) ? 0 : -1;
	case IMAP_SEARCH_FROM: case IMAP_SEARCH_TO: case IMAP_SEARCH_CC: case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_SUBJECT: case IMAP_SEARCH_BODY: case IMAP_SEARCH_TEXT:
		if (k->value == NULL)
			return -1;
		*eightbit = *eightbit || has_8bit(k->value);
		return 0;
	case IMAP_SEARCH_HEADER:
		if (!is_field_name(k->name) || k->value == NULL)
			return -1;
		*eightbit = *eightbit || has_8bit(k->value);
		return 0;
	case IMAP_SEARCH_SINCE: case IMAP_SEARCH_BEFORE: case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SENTSINCE: case IMAP_SEARCH_SENTBEFORE: case IMAP_SEARCH_SENTON:
		return k->date.year >= 1 && k->date.year <= 9999 && k->date.month >= 1 && k->date.month <= 12 &&
			k->date.day >= 1 && k->date.day <= 31 ? 0 : -1;
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
		return 0;
	case IMAP_SEARCH_MODSEQ:
		return (e->capa & IMAP_CAPA_CONDSTORE) ? 0 : -1;
	case IMAP_SEARCH_NOT:
		if (k->n_children != 1 || k->children == NULL)
			return -1;
		return search_check(e, &k->children[0], depth + 1, keys, eightbit);
	case IMAP_SEARCH_OR:
		if (k->n_children != 2 || k->children == NULL)
			return -1;
		if (search_check(e, &k->children[0], depth + 1, keys, eightbit) < 0)
			return -1;
		return search_check(e, &k->children[1], depth + 1, keys, eightbit);
	case IMAP_SEARCH_AND:
		if (k->n_children > 0 && k->children == NULL)
			return -1;
		for (size_t i = 0; i < k->n_children; i++) {
			if (search_check(e, &k->children[i], depth + 1, keys, eightbit) < 0)
				return -1;
		}
		return 0;
	}
	return -1;
}

/* Appends a checked search key; top: an AND there is the command's implicit list. */
static void search_emit(struct imap_engine *e, struct imap_cmd *cmd, struct buf *b,
			const struct imap_search_key *k, bool top)
{
	switch (k->op) {
	case IMAP_SEARCH_ALL:
		buf_append_str(b, "ALL");
		break;
	case IMAP_SEARCH_UID:
		buf_append_str(b, "UID ");
		imap_uidset_format(k->uids, b);
		break;
	case IMAP_SEARCH_FLAG:
	case IMAP_SEARCH_NOFLAG:
		buf_append_str(b, search_flag_key(k->flag, k->op == IMAP_SEARCH_FLAG));
		break;
	case IMAP_SEARCH_KEYWORD:
	case IMAP_SEARCH_UNKEYWORD:
		buf_appendf(b, "%s %s", k->op == IMAP_SEARCH_KEYWORD ? "KEYWORD" : "UNKEYWORD", k->value);
		break;
	case IMAP_SEARCH_FROM: case IMAP_SEARCH_TO: case IMAP_SEARCH_CC: case IMAP_SEARCH_BCC:
	case IMAP_SEARCH_SUBJECT: case IMAP_SEARCH_BODY: case IMAP_SEARCH_TEXT:
		buf_appendf(b, "%s ", search_string_keys[k->op]);
		append_astring(e, cmd, b, k->value);
		break;
	case IMAP_SEARCH_HEADER:
		buf_append_str(b, "HEADER ");
		append_astring(e, cmd, b, k->name);
		buf_append_c(b, ' ');
		append_astring(e, cmd, b, k->value);
		break;
	case IMAP_SEARCH_SINCE: case IMAP_SEARCH_BEFORE: case IMAP_SEARCH_ON:
	case IMAP_SEARCH_SENTSINCE: case IMAP_SEARCH_SENTBEFORE: case IMAP_SEARCH_SENTON:
		buf_appendf(b, "%s %d-%s-%04d", search_date_keys[k->op], k->date.day, month_names[k->date.month - 1],
			    k->date.year);
		break;
	case IMAP_SEARCH_LARGER:
	case IMAP_SEARCH_SMALLER:
	case IMAP_SEARCH_MODSEQ:
		buf_appendf(b, "%s %llu", k->op == IMAP_SEARCH_LARGER ? "LARGER" :
			    k->op == IMAP_SEARCH_SMALLER ? "SMALLER" : "MODSEQ", (unsigned long long)k->number);
		break;
	case IMAP_SEARCH_NOT:
		buf_append_str(b, "NOT ");
		search_emit(e, cmd, b, &k->children[0], false);
		break;
	case IMAP_SEARCH_OR:
		buf_append_str(b, "OR ");
		search_emit(e, cmd, b, &k->children[0], false);
		buf_append_c(b, ' ');
		search_emit(e, cmd, b, &k->children[1], false);
		break;
	case IMAP_SEARCH_AND:
		if (k->n_children == 0) {
			buf_append_str(b, "ALL");
		} else if (k->n_children == 1) {
			search_emit(e, cmd, b, &k->children[0], top);
		} else {
			if (!top)
				buf_append_c(b, '(');
			for (size_t i = 0; i < k->n_children; i++) {
				if (i > 0)
					buf_append_c(b, ' ');
				search_emit(e, cmd, b, &k->children[i], false);
			}
			if (!top)
				buf_append_c(b, ')');
		}
		break;
	}
}

uint32_t imap_engine_cmd_uid_search(struct imap_engine *e, const struct imap_search_key *key)
{
	struct imap_cmd *cmd;
	struct buf b = BUF_INIT;
	size_t keys = 0;
	bool eightbit = false;

	if (search_check(e, key, 0, &keys, &eightbit) < 0)
		return 0;
	cmd = cmd_new(e, CMD_SEARCH, false);
	buf_appendf(&b, "%s UID SEARCH ", cmd->tag);
	if (e->capa & IMAP_CAPA_ESEARCH)
		buf_append_str(&b, "RETURN (ALL) ");
	if (eightbit && !e->utf8_enabled)
		buf_append_str(&b, "CHARSET UTF-8 ");
	search_emit(e, cmd, &b, key, true);
	buf_append_str(&b, "\r\n");
	cmd_add_buf(cmd, &b);
	cmd_submit(e, cmd);
	return cmd->id;
}

/* --- FETCH --- */

/* A body section: digits, dots and letters (1.2.MIME, HEADER, TEXT), or "". */
static bool is_section(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!((*s >= '0' && *s <= '9') || *s == '.' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return false;
	}
	return true;
}

/* Appends the parenthesised item list and modifiers of spec. Returns -1 when it cannot be sent. */
static int fetch_items(const struct imap_engine *e, const struct imap_fetch_spec *spec, bool uid, struct buf *b)
{
	static const struct atom_bit names[] = {
		{ "UID", IMAP_FETCH_UID }, { "FLAGS", IMAP_FETCH_FLAGS }, { "INTERNALDATE", IMAP_FETCH_INTERNALDATE },
		{ "RFC822.SIZE", IMAP_FETCH_RFC822_SIZE }, { "MODSEQ", IMAP_FETCH_MODSEQ },
		{ "ENVELOPE", IMAP_FETCH_ENVELOPE }, { "BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE },
	};
	uint32_t items = spec->items | (uid ? IMAP_FETCH_UID : 0);
	size_t start = b->len + 1;

	if (((items & IMAP_FETCH_MODSEQ) || spec->changedsince != 0) && !(e->capa & IMAP_CAPA_CONDSTORE))
		return -1;
	if (spec->vanished && (!uid || !e->qresync || spec->changedsince == 0))
		return -1;
	buf_append_c(b, '(');
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (items & names[i].bit)
			buf_appendf(b, "%s%s", b->len > start ? " " : "", names[i].name);
	}
	if (spec->n_header_fields > 0) {
		buf_appendf(b, "%sBODY.PEEK[HEADER.FIELDS (", b->len > start ? " " : "");
		for (size_t i = 0; i < spec->n_header_fields; i++) {
			if (!is_atom(spec->header_fields[i]) || strchr(spec->header_fields[i], ':') != NULL)
				return -1;
			buf_appendf(b, "%s%s", i > 0 ? " " : "", spec->header_fields[i]);
		}
		buf_append_str(b, ")]");
	}
	if (spec->section != NULL) {
		if (!is_section(spec->section))
			return -1;
		buf_appendf(b, "%sBODY.PEEK[%s]", b->len > start ? " " : "", spec->section);
		if (spec->partial_len > 0)
			buf_appendf(b, "<%u.%u>", spec->partial_origin, spec->partial_len);
	}
	if (b->len == start)
		return -1; /* nothing asked for */
	buf_append_c(b, ')');
	if (spec->changedsince != 0)
		buf_appendf(b, " (CHANGEDSINCE %llu%s)", (unsigned long long)spec->changedsince,
			    spec->vanished ? " VANISHED" : "");
	return 0;
}

uint32_t imap_engine_cmd_uid_fetch(struct imap_engine *e, const struct imap_uidset *uids,
				   const struct imap_fetch_spec *spec)
{
	struct buf b = BUF_INIT;
	uint32_t id = 0;

	buf_append_c(&b, ' ');
	if (fetch_items(e, spec, true, &b) == 0)
		id = uidset_cmds(e, CMD_FETCH, "UID FETCH", uids, NULL, b.data);
	buf_free(&b);
	return id;
}

uint32_t imap_engine_cmd_fetch_seqrange(struct imap_engine *e, uint32_t lo, uint32_t hi,
					const struct imap_fetch_spec *spec)
{
	struct buf items = BUF_INIT;
	struct imap_cmd *cmd;

	if (lo == 0 || spec->vanished || fetch_items(e, spec, false, &items) < 0) {
		buf_free(&items);
		return 0;
	}
	if (hi == 0)
		cmd = cmd_simple(e, CMD_FETCH, false, "FETCH %u:* %s", lo, items.data);
	else if (hi == lo)
		cmd = cmd_simple(e, CMD_FETCH, false, "FETCH %u %s", lo, items.data);
	else
		cmd = cmd_simple(e, CMD_FETCH, false, "FETCH %u:%u %s", lo, hi, items.data);
	cmd->by_seq = true;
	imap_uidset_add_range(&cmd->match, lo, hi != 0 ? hi : UINT32_MAX);
	buf_free(&items);
	return cmd->id;
}

/* --- IDLE --- */

uint32_t imap_engine_cmd_idle(struct imap_engine *e)
{
	if (!(e->capa & IMAP_CAPA_IDLE))
		return 0;
	return cmd_simple(e, CMD_IDLE, false, "IDLE")->id;
}

static struct imap_cmd *find_kind(struct imap_cmd *list, enum cmd_kind kind)
{
	for (; list != NULL; list = list->next) {
		if (list->kind == kind)
			return list;
	}
	return NULL;
}

bool imap_engine_idle_done(struct imap_engine *e)
{
	struct imap_cmd *idle = find_kind(e->inflight, CMD_IDLE);

	if (idle != NULL) {
		idle_end(e, idle);
		return true;
	}
	idle = find_kind(e->sendq, CMD_IDLE);
	if (idle == NULL)
		idle = find_kind(e->queued, CMD_IDLE);
	if (idle == NULL)
		return false;
	idle->idle_done_wanted = true;
	return true;
}

bool imap_engine_is_idling(const struct imap_engine *e)
{
	const struct imap_cmd *idle = find_kind(e->inflight, CMD_IDLE);

	return idle != NULL && idle->idling && !idle->idle_done_sent;
}
