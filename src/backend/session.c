/* session.c: one account's IMAP connection driven synchronously over net_conn and the engine. */
#include "skua.h"
#include "session.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"
#include "net/net.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_CONNECT_TIMEOUT_MS 15000
#define SESSION_IO_TIMEOUT_MS 120000
#define SESSION_LOGOUT_TIMEOUT_MS 2000
#define SESSION_READ_SIZE (256 * 1024)

struct session {
	struct net_conn *conn;
	struct imap_engine *engine;
	char *bye;        /* text of an untagged BYE, for the error when the server then closes */
	char *readbuf;
	session_alert_fn *alert_fn;
	void *alert_ctx;
	session_observer_fn *observer_fn;
	void *observer_ctx;
	short want;       /* what the last read without waiting needs (POLLIN/POLLOUT), 0 unknown */
};

void session_set_observer(struct session *s, session_observer_fn *fn, void *ctx)
{
	s->observer_fn = fn;
	s->observer_ctx = ctx;
}

void session_set_alert_fn(struct session *s, session_alert_fn *fn, void *ctx)
{
	s->alert_fn = fn;
	s->alert_ctx = ctx;
}

struct imap_engine *session_engine(struct session *s)
{
	return s->engine;
}

#define SESSION_TRACE_MAX 4096

/* Writes data to the debug log, a line at a time, escaped, at most SESSION_TRACE_MAX bytes. */
static void session_trace(void *ctx, bool sent, const char *data, size_t len)
{
	struct buf line = BUF_INIT;

	(void)ctx;
	if (len > SESSION_TRACE_MAX)
		len = SESSION_TRACE_MAX;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n' || i + 1 == len) {
			if (c != '\n' && c != '\r')
				buf_append_c(&line, (char)c);
			log_debug("%s %s", sent ? "C:" : "S:", line.data != NULL ? line.data : "");
			buf_reset(&line);
		} else if (c == '\r') {
			continue;
		} else if (c < 0x20 || c >= 0x7f) {
			buf_appendf(&line, "\\x%02x", c);
		} else {
			buf_append_c(&line, (char)c);
		}
	}
	buf_free(&line);
}

static int session_flush(struct session *s, int timeout_ms, const char **error_r)
{
	const char *data;
	size_t len = imap_engine_output(s->engine, &data);

	if (len == 0)
		return 0;
	if (net_write(s->conn, data, len, timeout_ms, error_r) < 0)
		return -1;
	imap_engine_output_consumed(s->engine, len);
	return 0;
}

/* Passes n bytes read into readbuf to the engine (0: the end of the stream, an error). */
static int session_got(struct session *s, ssize_t n, const char **error_r)
{
	if (n < 0)
		return -1;
	if (n == 0) {
		*error_r = s->bye != NULL ? errstr(_("connection closed by server: %s"), s->bye) :
			_("connection closed by server");
		return -1;
	}
	if (log_enabled(LOG_DEBUG))
		session_trace(NULL, false, s->readbuf, (size_t)n);
	imap_engine_input(s->engine, s->readbuf, (size_t)n);
	return 0;
}

/* Reads once from the connection into the engine. */
static int session_read(struct session *s, int timeout_ms, const char **error_r)
{
	return session_got(s, net_read(s->conn, s->readbuf, SESSION_READ_SIZE, timeout_ms, error_r), error_r);
}

static void note_bye(struct session *s, const char *text)
{
	struct buf b = BUF_INIT;
	for (const char *p = text; *p != '\0' && b.len < 200; p++)
		buf_append_c(&b, (*p >= 0x20 && *p < 0x7f) ? *p : '?');
	free(s->bye);
	s->bye = buf_steal(&b);
}

static int session_step(struct session *s, struct imap_event *ev, int timeout_ms, const char **error_r)
{
	for (;;) {
		int ret;

		if (session_flush(s, timeout_ms, error_r) < 0)
			return -1;
		ret = imap_engine_next_event(s->engine, ev, error_r);
		if (ret != 0)
			return ret;
		if (session_flush(s, timeout_ms, error_r) < 0)
			return -1;
		if (session_read(s, timeout_ms, error_r) < 0)
			return -1;
	}
}

/* The next event, after what every event needs (BYE noted, ALERTs passed on, the observer told).
 * Returns 0, or -1 with *error_r. */
static int session_note(struct session *s, struct imap_event *ev, const char **error_r)
{
	if (ev->type == IMAP_EVENT_BYE)
		note_bye(s, ev->u.text);
	if (ev->type == IMAP_EVENT_ALERT && s->alert_fn != NULL && ev->u.text != NULL)
		s->alert_fn(s->alert_ctx, ev->u.text);
	if (ev->type == IMAP_EVENT_NEED_TLS) {
		*error_r = _("protocol error: unexpected TLS request");
		return -1;
	}
	if (s->observer_fn != NULL)
		s->observer_fn(s->observer_ctx, ev);
	return 0;
}

static int session_next(struct session *s, struct imap_event *ev, const char **error_r)
{
	if (session_step(s, ev, SESSION_IO_TIMEOUT_MS, error_r) < 0)
		return -1;
	return session_note(s, ev, error_r);
}

int session_wait(struct session *s, uint32_t cmd, session_event_fn *fn, void *ctx, const char **error_r)
{
	struct imap_event ev;

	for (;;) {
		if (session_next(s, &ev, error_r) < 0)
			return -1;
		if (fn != NULL && fn(ctx, &ev) < 0) {
			*error_r = _("aborted");
			return -1;
		}
		if (ev.type == IMAP_EVENT_DONE && ev.cmd == cmd) {
			if (ev.u.done.result == IMAP_RESULT_OK)
				return 0;
			*error_r = errstr("%s", ev.u.done.text);
			return 1;
		}
	}
}

int session_poll_fd(struct session *s, short *events_r)
{
	*events_r = s->want != 0 ? s->want : POLLIN;
	return net_fd(s->conn);
}

int session_pump(struct session *s, session_event_fn *fn, void *ctx, const char **error_r)
{
	struct imap_event ev;

	for (;;) {
		int ret;

		if (session_flush(s, SESSION_IO_TIMEOUT_MS, error_r) < 0)
			return -1;
		ret = imap_engine_next_event(s->engine, &ev, error_r);
		if (ret < 0)
			return -1;
		if (ret > 0) {
			if (session_note(s, &ev, error_r) < 0)
				return -1;
			if (fn != NULL && fn(ctx, &ev) < 0) {
				*error_r = _("aborted");
				return -1;
			}
			continue;
		}
		ssize_t n = net_read_nowait(s->conn, s->readbuf, SESSION_READ_SIZE, &s->want, error_r);
		if (n == NET_WOULD_BLOCK)
			return 0;
		s->want = 0;
		if (session_got(s, n, error_r) < 0)
			return -1;
	}
}

int session_drive(struct session *s, session_drive_fn *fn, void *ctx, const char **error_r)
{
	struct imap_event ev;

	for (;;) {
		int ret;

		if (session_next(s, &ev, error_r) < 0)
			return -1;
		ret = fn(ctx, &ev, error_r);
		if (ret > 0)
			return 0;
		if (ret < 0)
			return 1;
	}
}

static enum imap_auth_mech auth_mech(enum cfg_auth auth)
{
	switch (auth) {
	case CFG_AUTH_PLAIN: return IMAP_AUTH_PLAIN;
	case CFG_AUTH_LOGIN: return IMAP_AUTH_LOGIN;
	case CFG_AUTH_XOAUTH2: return IMAP_AUTH_XOAUTH2;
	case CFG_AUTH_OAUTHBEARER: return IMAP_AUTH_OAUTHBEARER;
	default: return IMAP_AUTH_AUTO;
	}
}

int session_open(const struct cfg_account *acct, struct session **session_r, const char **error_r)
{
	struct session *s = xcalloc(1, sizeof(*s));
	struct imap_engine_settings set;
	struct net_tls_opts tls = { NULL, NULL };
	char *secret = NULL;
	bool oauth = acct->auth == CFG_AUTH_XOAUTH2 || acct->auth == CFG_AUTH_OAUTHBEARER;
	unsigned int port = acct->port;

	s->readbuf = xmalloc(SESSION_READ_SIZE);
	memset(&set, 0, sizeof(set));
	if (acct->tunnel == NULL || acct->user != NULL) {
		if (acct->password != NULL || acct->password_command != NULL || acct->oauth_command != NULL) {
			if (cfg_account_secret(acct, oauth, &secret, error_r) < 0)
				goto fail;
		}
	}
	set.user = acct->user;
	set.secret = secret;
	set.auth = auth_mech(acct->auth);
	set.host = acct->host;
	if (acct->tunnel != NULL) {
		if (net_connect_tunnel(acct->tunnel, &s->conn, error_r) < 0)
			goto fail;
		/* a tunnel is as private as the command makes it: trust it */
		set.tls_active = false;
		set.require_tls = false;
	} else {
		if (port == 0)
			port = acct->tls == CFG_TLS_IMPLICIT ? 993 : 143;
		set.port = port;
		if (acct->tls == CFG_TLS_NONE && !net_host_is_loopback(acct->host)) {
			*error_r = errstr(_("tls none is only allowed towards a loopback address, not %s"), acct->host);
			goto fail;
		}
		if (net_connect_tcp(acct->host, port, SESSION_CONNECT_TIMEOUT_MS, &s->conn, error_r) < 0)
			goto fail;
		tls.host = acct->host;
		tls.ca_file = acct->ca_file;
		if (acct->tls == CFG_TLS_IMPLICIT) {
			if (net_tls_start(s->conn, &tls, SESSION_CONNECT_TIMEOUT_MS, error_r) < 0)
				goto fail;
			set.tls_active = true;
		}
		set.starttls = acct->tls == CFG_TLS_STARTTLS;
		set.require_tls = acct->tls != CFG_TLS_NONE;
	}
	s->engine = imap_engine_new(&set);
	if (log_enabled(LOG_DEBUG))
		imap_engine_set_trace(s->engine, session_trace, NULL);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
		secret = NULL;
	}
	for (;;) {
		struct imap_event ev;

		if (session_step(s, &ev, SESSION_CONNECT_TIMEOUT_MS * 2, error_r) < 0)
			goto fail;
		if (ev.type == IMAP_EVENT_NEED_TLS) {
			if (net_tls_start(s->conn, &tls, SESSION_CONNECT_TIMEOUT_MS, error_r) < 0)
				goto fail;
			imap_engine_tls_started(s->engine);
		} else if (ev.type == IMAP_EVENT_READY) {
			break;
		} else if (ev.type == IMAP_EVENT_BYE) {
			note_bye(s, ev.u.text);
		}
	}
	*session_r = s;
	return 0;
fail:
	/* the error may live in the engine or connection freed below */
	*error_r = errstr("%s", *error_r);
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	session_close(&s);
	return -1;
}

void session_close(struct session **session)
{
	struct session *s = *session;

	if (s == NULL)
		return;
	if (s->engine != NULL && s->conn != NULL && imap_engine_is_ready(s->engine)) {
		const char *error;

		/* Best effort and without waiting for the answer (a round trip nobody needs): the server
		 * sees LOGOUT, then the end of the connection. */
		imap_engine_cmd_logout(s->engine);
		(void)session_flush(s, SESSION_LOGOUT_TIMEOUT_MS, &error);
	}
	imap_engine_free(&s->engine);
	net_conn_free(&s->conn);
	free(s->readbuf);
	free(s->bye);
	free(s);
	*session = NULL;
}
