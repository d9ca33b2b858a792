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

/* A command's bytes are split into parts; every part but the last ends with a synchronising literal
 * announcement or an AUTHENTICATE line, after which the server's "+" is awaited. */
#define CMD_MAX_PARTS 4

enum cmd_kind {
	CMD_CAPABILITY, CMD_STARTTLS, CMD_AUTHENTICATE, CMD_LOGIN, CMD_ENABLE, CMD_ID, CMD_NAMESPACE,
	CMD_LIST, CMD_STATUS, CMD_SELECT, CMD_FETCH, CMD_STORE, CMD_SEARCH, CMD_NOOP, CMD_LOGOUT,
};

struct imap_cmd {
	struct imap_cmd *next;
	uint32_t id;           /* the id reported to the caller; internal commands use their own */
	uint32_t parent;       /* STATUS sent for a LIST without LIST-STATUS: the LIST's id */
	enum cmd_kind kind;
	bool internal;         /* no DONE event */
	bool sensitive;        /* carries credentials: traced redacted */
	char tag[16];
	char *parts[CMD_MAX_PARTS];
	size_t n_parts, sent_parts;
	char *mailbox;         /* UTF-8 name for STATUS/SELECT */
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
	struct buf scratch, scratch2;
	char *error;            /* the fatal error, once failed */
	imap_engine_trace_fn *trace;
	void *trace_ctx;
	bool ready_reported;
};

static void cmd_free(struct imap_cmd *cmd)
{
	for (size_t i = 0; i < cmd->n_parts; i++) {
		explicit_bzero(cmd->parts[i], strlen(cmd->parts[i]));
		free(cmd->parts[i]);
	}
	free(cmd->mailbox);
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
	const char *text = cmd->parts[part];

	buf_append_str(&e->out, text);
	if (e->trace == NULL)
		return;
	if (!cmd->sensitive) {
		e->trace(e->trace_ctx, true, text, strlen(text));
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

/* Moves as many command parts as allowed into the output buffer: nothing while a command in flight
 * waits for a continuation request. */
static void flush_sendq(struct imap_engine *e)
{
	for (const struct imap_cmd *c = e->inflight; c != NULL; c = c->next) {
		if (c->sent_parts < c->n_parts)
			return;
	}
	while (e->sendq != NULL) {
		struct imap_cmd *cmd = e->sendq;

		if (cmd->sent_parts > 0 && cmd->sent_parts < cmd->n_parts)
			return; /* waiting for a continuation request */
		out_append(e, cmd, cmd->sent_parts++);
		if (cmd->sent_parts == 1) {
			/* the first part is sent: the command is now in flight */
			e->sendq = cmd->next;
			append_list(&e->inflight, cmd);
			if (cmd->n_parts > 1)
				return;
		}
	}
}

static struct imap_cmd *cmd_new(struct imap_engine *e, enum cmd_kind kind, bool internal)
{
	struct imap_cmd *cmd = xcalloc(1, sizeof(*cmd));

	cmd->kind = kind;
	cmd->internal = internal;
	cmd->id = e->next_id++;
	snprintf(cmd->tag, sizeof(cmd->tag), "s%u", e->next_tag++);
	return cmd;
}

static void cmd_add_part(struct imap_cmd *cmd, char *part)
{
	if (cmd->n_parts == CMD_MAX_PARTS)
		abort();
	cmd->parts[cmd->n_parts++] = part;
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
	cmd_add_part(cmd, buf_steal(&b));
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
	    ((e->capa & IMAP_CAPA_LITERAL_MINUS) && strlen(s) <= 4096)) {
		buf_appendf(b, "{%zu+}\r\n%s", strlen(s), s);
		return;
	}
	buf_appendf(b, "{%zu}\r\n", strlen(s));
	cmd_add_part(cmd, buf_steal(b));
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
		cmd_add_part(cmd, buf_steal(&b));
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
		cmd_add_part(cmd, buf_steal(&b));
	} else {
		buf_appendf(&b, "%s AUTHENTICATE %s\r\n", cmd->tag, name);
		cmd_add_part(cmd, buf_steal(&b));
		buf_appendf(&b, "%s\r\n", enc.data);
		cmd_add_part(cmd, buf_steal(&b));
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
	{ "BINARY", IMAP_CAPA_BINARY },
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
			IMAP_CAPA_MOVE | IMAP_CAPA_LITERAL_MINUS | IMAP_CAPA_BINARY | IMAP_CAPA_SPECIAL_USE;
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

/* Handles a response code in resp-text (untagged or tagged). */
static void handle_resp_code(struct imap_engine *e, const char *text, struct imap_event *ev, bool *event_r)
{
	const struct imap_arg *code;
	size_t n;
	const char *rest;
	uint64_t num;

	if (imap_parser_resp_code(e->parser, text, &code, &n, &rest) <= 0)
		return;
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
	/* a STORE's answer comes as FETCH too: a FETCH in flight is the likelier owner */
	ev->cmd = cmd_kind_id(e, CMD_FETCH);
	if (ev->cmd == 0)
		ev->cmd = cmd_kind_id(e, CMD_STORE);
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
		if (i < count && args[i].type == IMAP_ARG_LIST)
			i++; /* (TAG "x") */
		if (i < count && imap_arg_atom_equals(&args[i], "UID"))
			i++;
		for (; i + 1 < count; i += 2) {
			if (imap_arg_atom_equals(&args[i], "ALL")) {
				if (args[i + 1].type != IMAP_ARG_ATOM || expand_uidset(e, args[i + 1].u.str, &n) < 0)
					return engine_fail(e, _("protocol error: malformed ESEARCH response"));
			}
		}
		ev->type = IMAP_EVENT_SEARCH;
		ev->cmd = cmd_kind_id(e, CMD_SEARCH);
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
		cmd_add_part(cmd, buf_steal(&b));
		append_list(&e->sendq, cmd);
		e->list_status_pending++;
		pos += strlen(name) + 1;
	}
	buf_reset(&e->list_names);
	flush_sendq(e);
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
	handle_resp_code(e, text, NULL, &dummy);
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
	default:
	done:
		if (cmd->internal)
			break;
		ev->type = IMAP_EVENT_DONE;
		ev->cmd = cmd->id;
		ev->u.done.result = result;
		ev->u.done.text = text;
		ret = 1;
		break;
	}
	cmd_free(cmd);
	return ret;
}

static int handle_continuation(struct imap_engine *e)
{
	struct imap_cmd *cmd;

	/* the command waiting for "+" is the last one in flight with parts left */
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
		}
		return engine_fail(e, _("protocol error: unexpected continuation request"));
	}
	while (cmd->sent_parts < cmd->n_parts) {
		out_append(e, cmd, cmd->sent_parts++);
		/* a part ending in a synchronising literal waits again */
		const char *part = cmd->parts[cmd->sent_parts - 1];
		size_t len = strlen(part);
		if (cmd->sent_parts < cmd->n_parts && len >= 3 && strcmp(part + len - 3, "}\r\n") == 0)
			break;
		if (cmd->kind == CMD_AUTHENTICATE)
			break;
	}
	flush_sendq(e);
	return 0;
}

static int handle_response(struct imap_engine *e, const struct imap_arg *args, size_t count, const char *text,
			   struct imap_event *ev)
{
	const char *tag = args[0].u.str;
	bool event = false;

	if (strcmp(tag, "+") == 0)
		return handle_continuation(e);
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
		handle_resp_code(e, text, NULL, &event);
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
	handle_resp_code(e, text, ev, &event);
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
		cmd_add_part(cmd, xasprintf("%s LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n",
					    cmd->tag));
	else if (capa & IMAP_CAPA_LIST_STATUS)
		cmd_add_part(cmd, xasprintf("%s LIST \"\" \"*\" RETURN (STATUS (MESSAGES UNSEEN))\r\n", cmd->tag));
	else if ((capa & IMAP_CAPA_SPECIAL_USE) && (capa & IMAP_CAPA_LIST_EXTENDED))
		cmd_add_part(cmd, xasprintf("%s LIST \"\" \"*\" RETURN (SPECIAL-USE)\r\n", cmd->tag));
	else
		cmd_add_part(cmd, xasprintf("%s LIST \"\" \"*\"\r\n", cmd->tag));
	e->list_id = cmd->id;
	buf_reset(&e->list_names);
	cmd_submit(e, cmd);
	return cmd->id;
}

static uint32_t mailbox_cmd(struct imap_engine *e, enum cmd_kind kind, const char *verb, const char *mailbox,
			    const char *suffix)
{
	struct imap_cmd *cmd = cmd_new(e, kind, false);
	struct buf b = BUF_INIT;

	cmd->mailbox = xstrdup(mailbox);
	buf_appendf(&b, "%s %s ", cmd->tag, verb);
	append_astring(e, cmd, &b, wire_mailbox(e, mailbox));
	buf_append_str(&b, suffix);
	buf_append_str(&b, "\r\n");
	cmd_add_part(cmd, buf_steal(&b));
	cmd_submit(e, cmd);
	return cmd->id;
}

uint32_t imap_engine_cmd_status(struct imap_engine *e, const char *mailbox)
{
	return mailbox_cmd(e, CMD_STATUS, "STATUS", mailbox,
			   (e->capa & IMAP_CAPA_CONDSTORE) ?
			   " (MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ)" :
			   " (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)");
}

uint32_t imap_engine_cmd_select(struct imap_engine *e, const char *mailbox, bool readonly)
{
	memset(&e->mailbox, 0, sizeof(e->mailbox));
	e->mailbox.readonly = readonly;
	return mailbox_cmd(e, CMD_SELECT, readonly ? "EXAMINE" : "SELECT", mailbox, "");
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
	return mailbox_cmd(e, CMD_SELECT, readonly ? "EXAMINE" : "SELECT", mailbox, suffix);
}

uint32_t imap_engine_cmd_fetch(struct imap_engine *e, const char *uidset, const char *items)
{
	return cmd_simple(e, CMD_FETCH, false, "UID FETCH %s %s", uidset, items)->id;
}

uint32_t imap_engine_cmd_fetch_seq(struct imap_engine *e, const char *seqset, const char *items)
{
	return cmd_simple(e, CMD_FETCH, false, "FETCH %s %s", seqset, items)->id;
}

uint32_t imap_engine_cmd_store(struct imap_engine *e, const char *uidset, const char *item, const char *flags)
{
	return cmd_simple(e, CMD_STORE, false, "UID STORE %s %s %s", uidset, item, flags)->id;
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
