/* net.c: blocking client connections (TCP or a tunnel command) with optional OpenSSL TLS. */
#include "skua.h"
#include "net.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/xmalloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

extern char **environ;

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#define SSL_get1_peer_certificate SSL_get_peer_certificate
#endif

/* Receive buffer we want for bulk FETCH when the kernel would not grow one that large by itself. */
#define NET_RCVBUF_WANT (4 * 1024 * 1024)
/* How long net_conn_free waits for a tunnel child after closing its socket, then after SIGTERM. */
#define NET_TUNNEL_EXIT_MS 500
/* Largest single SSL_read/SSL_write/send request. */
#define NET_IO_CHUNK (1024 * 1024)

struct net_conn {
	int fd;
	pid_t pid;        /* tunnel child (its own session/process group), or -1 */
	SSL_CTX *ctx;
	SSL *ssl;
	char *peer;       /* "host port N" or "tunnel", for messages */
};

/* ---- time and polling ---------------------------------------------------------------------- */

static long long net_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Deadline for timeout_ms from now; -1 means none. */
static long long net_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : net_now_ms() + timeout_ms;
}

static const char *net_timeout_error(int timeout_ms)
{
	if (timeout_ms % 1000 == 0)
		return errstr(_("timed out after %d s"), timeout_ms / 1000);
	return errstr(_("timed out after %.1f s"), timeout_ms / 1000.0);
}

/* The calling thread's abort fd (net_set_abort_fd), or -1. */
static _Thread_local int net_abort_fd = -1;

void net_set_abort_fd(int fd)
{
	net_abort_fd = fd;
}

/* Waits for events on fd until deadline. Returns 1 when ready, 0 on time-out, -1 on error (errno
 * ECANCELED and "aborted" when the thread's abort fd became readable). */
static int net_wait(int fd, short events, long long deadline, const char **error_r)
{
	struct pollfd pfd[2] = { { .fd = fd, .events = events }, { .fd = net_abort_fd, .events = POLLIN } };

	for (;;) {
		int wait_ms = -1;
		if (deadline >= 0) {
			long long left = deadline - net_now_ms();
			wait_ms = left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
		}
		int n = poll(pfd, net_abort_fd >= 0 ? 2 : 1, wait_ms);
		if (n > 0 && net_abort_fd >= 0 && pfd[1].revents != 0) {
			*error_r = _("aborted");
			errno = ECANCELED;
			return -1;
		}
		if (n > 0)
			return 1;
		if (n == 0) {
			if (deadline >= 0 && net_now_ms() >= deadline)
				return 0;
			continue;
		}
		if (errno == EINTR)
			continue;
		*error_r = errstr(_("poll failed: %s"), strerror(errno));
		return -1;
	}
}

static int net_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

/* ---- SIGPIPE protection for writes that go through OpenSSL's write() ----------------------- */

struct net_sigpipe {
	sigset_t old_mask;
	bool was_pending;
};

static void net_sigpipe_block(struct net_sigpipe *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	sigpending(&pending);
	g->was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &set, &g->old_mask);
}

static void net_sigpipe_restore(struct net_sigpipe *g)
{
	sigset_t set, pending;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigemptyset(&pending);
	if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
		const struct timespec zero = { 0, 0 };
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &g->old_mask, NULL);
}

/* ---- connection objects -------------------------------------------------------------------- */

static struct net_conn *net_conn_new(int fd, pid_t pid, char *peer)
{
	struct net_conn *conn = xcalloc(1, sizeof(*conn));
	conn->fd = fd;
	conn->pid = pid;
	conn->peer = peer;
	return conn;
}

/* Copies host without the brackets of "[::1]" into a new string. */
static char *net_strip_brackets(const char *host)
{
	size_t len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']')
		return xstrndup(host + 1, len - 2);
	return xstrdup(host);
}

bool net_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char *h;
	bool ret = false;

	if (host == NULL || *host == '\0')
		return false;
	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return true;
	h = net_strip_brackets(host);
	if (inet_pton(AF_INET, h, &a4) == 1) {
		ret = (ntohl(a4.s_addr) >> 24) == 127;
	} else if (inet_pton(AF_INET6, h, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			ret = true;
		else if (IN6_IS_ADDR_V4MAPPED(&a6))
			ret = a6.s6_addr[12] == 127;
	}
	free(h);
	return ret;
}

/* Sets a large receive buffer when it helps. Linux auto-tunes the receive window up to
 * tcp_rmem[2] unless SO_RCVBUF is set (setting it freezes the size and is clamped by rmem_max), so
 * there we only set it when auto-tuning would stop below NET_RCVBUF_WANT. */
static void net_tune_rcvbuf(int fd)
{
	int want = NET_RCVBUF_WANT;
#ifdef __linux__
	FILE *fp = fopen("/proc/sys/net/ipv4/tcp_rmem", "re");
	if (fp != NULL) {
		long lo, def, hi;
		int n = fscanf(fp, "%ld %ld %ld", &lo, &def, &hi);
		fclose(fp);
		if (n == 3 && hi >= want)
			return;
	}
#endif
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
}

/* One non-blocking connect attempt. Returns the fd, or -1 with *errno_r (ETIMEDOUT on time-out). */
static int net_try_connect(const struct addrinfo *ai, int timeout_ms, int *errno_r)
{
	int fd, one = 1, err = 0;
	socklen_t errlen = sizeof(err);
	const char *perr;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) {
		*errno_r = errno;
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	net_tune_rcvbuf(fd);

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		*errno_r = errno;
		close(fd);
		return -1;
	}
	switch (net_wait(fd, POLLOUT, net_deadline(timeout_ms), &perr)) {
	case 1:
		break;
	case 0:
		*errno_r = ETIMEDOUT;
		close(fd);
		return -1;
	default:
		*errno_r = errno;
		close(fd);
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		err = errno;
	if (err != 0) {
		*errno_r = err;
		close(fd);
		return -1;
	}
	return fd;
}

static const char *net_connect_strerror(int err, int timeout_ms)
{
	switch (err) {
	case ECONNREFUSED:
		return _("connection refused");
	case ETIMEDOUT:
		return net_timeout_error(timeout_ms);
	case ENETUNREACH:
		return _("network unreachable");
	case EHOSTUNREACH:
		return _("host unreachable");
	default:
		return strerror(err);
	}
}

int net_connect_tcp(const char *host, unsigned int port, int timeout_ms,
		    struct net_conn **conn_r, const char **error_r)
{
	struct addrinfo hints, *res = NULL;
	char portstr[16], *name;
	int rc, fd = -1, last_err = 0, worst_err = 0;

	*conn_r = NULL;
	if (host == NULL || *host == '\0' || port == 0 || port > 65535) {
		*error_r = errstr(_("invalid host or port"));
		return -1;
	}
	name = net_strip_brackets(host);
	snprintf(portstr, sizeof(portstr), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(name, portstr, &hints, &res);
	if (rc != 0) {
		*error_r = errstr(_("cannot resolve host %s: %s"), name,
				  rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		free(name);
		return -1;
	}
	for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		fd = net_try_connect(ai, timeout_ms, &last_err);
		if (fd >= 0)
			break;
		/* Report a time-out or refusal over an address family the host cannot use. */
		if (worst_err == 0 || last_err == ETIMEDOUT || last_err == ECONNREFUSED)
			worst_err = last_err;
		log_debug("net: connect %s port %u: %s", name, port, strerror(last_err));
	}
	freeaddrinfo(res);
	if (fd < 0) {
		*error_r = errstr(_("cannot connect to %s port %u: %s"), name, port,
				  net_connect_strerror(worst_err != 0 ? worst_err : last_err, timeout_ms));
		free(name);
		return -1;
	}
	*conn_r = net_conn_new(fd, -1, xasprintf("%s port %u", name, port));
	free(name);
	return 0;
}

int net_connect_tunnel(const char *command, struct net_conn **conn_r, const char **error_r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
	int sv[2], rc;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	pid_t pid;

	*conn_r = NULL;
	if (command == NULL || *command == '\0') {
		*error_r = errstr(_("empty tunnel command"));
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		*error_r = errstr(_("cannot create socket pair: %s"), strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, sv[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	sigaddset(&dfl, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	/* Its own session: no controlling terminal to draw password prompts over the UI, no terminal
	 * signals, and one process group net_conn_free can kill. */
#ifdef POSIX_SPAWN_SETSID
	flags |= POSIX_SPAWN_SETSID;
#else
	flags |= POSIX_SPAWN_SETPGROUP;
	posix_spawnattr_setpgroup(&attr, 0);
#endif
	posix_spawnattr_setflags(&attr, flags);
	rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		*error_r = errstr(_("cannot run tunnel command: %s"), strerror(rc));
		return -1;
	}
	if (net_set_nonblock(sv[0]) < 0) {
		struct net_conn *tmp = net_conn_new(sv[0], pid, xstrdup("tunnel"));
		*error_r = errstr(_("cannot set up tunnel socket: %s"), strerror(errno));
		net_conn_free(&tmp);
		return -1;
	}
	*conn_r = net_conn_new(sv[0], pid, xstrdup(_("tunnel")));
	return 0;
}

/* ---- TLS ----------------------------------------------------------------------------------- */

/* Most specific reason from the OpenSSL error queue (clears it), or fallback. */
static const char *net_ssl_reason(const char *fallback)
{
	unsigned long e, last = 0;
	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last == 0)
		return fallback;
	if (ERR_GET_LIB(last) == ERR_LIB_SSL &&
	    (ERR_GET_REASON(last) == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION ||
	     ERR_GET_REASON(last) == SSL_R_UNSUPPORTED_PROTOCOL ||
	     ERR_GET_REASON(last) == SSL_R_NO_PROTOCOLS_AVAILABLE))
		return errstr(_("server does not support TLS 1.2 or later (protocol version)"));
	const char *r = ERR_reason_error_string(last);
	if (r != NULL)
		return errstr("%s", r);
	char buf[256];
	ERR_error_string_n(last, buf, sizeof(buf));
	return errstr("%s", buf);
}

static bool net_is_ip_literal(const char *host)
{
	unsigned char tmp[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
}

static const char *net_verify_error(long vr, const char *host)
{
	switch (vr) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return errstr(_("TLS certificate does not match host name %s"), host);
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return errstr(_("TLS certificate does not match IP address %s"), host);
	default:
		return errstr(_("TLS certificate not trusted: %s (host %s)"),
			      X509_verify_cert_error_string(vr), host);
	}
}

int net_tls_start(struct net_conn *conn, const struct net_tls_opts *opts, int timeout_ms,
		  const char **error_r)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *peer_cert = NULL;
	char *host = NULL;
	long long deadline = net_deadline(timeout_ms);
	int ret = -1;

	if (conn->ssl != NULL) {
		*error_r = errstr(_("TLS is already active"));
		return -1;
	}
	if (opts == NULL || opts->host == NULL || *opts->host == '\0') {
		*error_r = errstr(_("TLS needs a host name to verify the certificate against"));
		return -1;
	}
	host = net_strip_brackets(opts->host);
	ERR_clear_error();

	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL) {
		*error_r = errstr(_("cannot create TLS context: %s"), net_ssl_reason("?"));
		goto out;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		*error_r = errstr(_("cannot require TLS 1.2: %s"), net_ssl_reason("?"));
		goto out;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* Servers often close after LOGOUT without close_notify; IMAP framing detects truncation. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		log_warn("net: cannot load the system certificate store: %s", net_ssl_reason("?"));
	ERR_clear_error();
	if (opts->ca_file != NULL && *opts->ca_file != '\0') {
		if (SSL_CTX_load_verify_locations(ctx, opts->ca_file, NULL) != 1) {
			*error_r = errstr(_("cannot load certificate file %s: %s"), opts->ca_file,
					  net_ssl_reason(_("no certificates found")));
			goto out;
		}
		/* Lets a pinned server (leaf) certificate in ca_file be a trust anchor. */
		X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx), X509_V_FLAG_PARTIAL_CHAIN);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

	ssl = SSL_new(ctx);
	if (ssl == NULL || SSL_set_fd(ssl, conn->fd) != 1) {
		*error_r = errstr(_("cannot create TLS session: %s"), net_ssl_reason("?"));
		goto out;
	}
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (net_is_ip_literal(host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1) {
			*error_r = errstr(_("invalid IP address %s"), host);
			goto out;
		}
	} else {
		if (SSL_set_tlsext_host_name(ssl, host) != 1 || SSL_set1_host(ssl, host) != 1) {
			*error_r = errstr(_("invalid host name %s"), host);
			goto out;
		}
	}
	if (net_set_nonblock(conn->fd) < 0) {
		*error_r = errstr(_("cannot set up socket: %s"), strerror(errno));
		goto out;
	}

	for (;;) {
		struct net_sigpipe sg;
		int r, err, saved_errno;

		ERR_clear_error();
		net_sigpipe_block(&sg);
		errno = 0;
		r = SSL_connect(ssl);
		saved_errno = errno;
		net_sigpipe_restore(&sg);
		if (r == 1)
			break;
		err = SSL_get_error(ssl, r);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			const char *perr;
			int w = net_wait(conn->fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					 deadline, &perr);
			if (w == 1)
				continue;
			*error_r = w == 0 ? errstr(_("TLS handshake with %s %s"), conn->peer,
						   net_timeout_error(timeout_ms))
				: perr;
			goto out;
		}
		long vr = SSL_get_verify_result(ssl);
		if (vr != X509_V_OK) {
			ERR_clear_error();
			*error_r = net_verify_error(vr, host);
		} else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
			*error_r = errstr(_("TLS handshake with %s failed: %s"), conn->peer,
					  saved_errno == 0 || saved_errno == EPIPE ||
					  saved_errno == ECONNRESET ?
					  _("connection closed by server") : strerror(saved_errno));
		} else {
			*error_r = errstr(_("TLS handshake with %s failed: %s"), conn->peer,
					  net_ssl_reason(_("protocol error")));
		}
		goto out;
	}

	/* Belt and braces: a verified peer certificate must be present. */
	peer_cert = SSL_get1_peer_certificate(ssl);
	if (peer_cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK) {
		*error_r = peer_cert == NULL ?
			errstr(_("TLS server %s sent no certificate"), conn->peer) :
			net_verify_error(SSL_get_verify_result(ssl), host);
		goto out;
	}
	log_debug("net: TLS with %s: %s %s", conn->peer, SSL_get_version(ssl), SSL_get_cipher_name(ssl));
	conn->ctx = ctx;
	conn->ssl = ssl;
	ctx = NULL;
	ssl = NULL;
	ret = 0;
out:
	X509_free(peer_cert);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	free(host);
	ERR_clear_error();
	return ret;
}

bool net_is_tls(const struct net_conn *conn)
{
	return conn != NULL && conn->ssl != NULL;
}

/* ---- I/O ----------------------------------------------------------------------------------- */

static const char *net_io_error(const struct net_conn *conn, int err)
{
	if (err == ECONNRESET || err == EPIPE || err == 0)
		return errstr(_("connection closed by server"));
	return errstr(_("connection to %s failed: %s"), conn->peer, strerror(err));
}

/* Waits until the fd is ready for want (after EAGAIN or SSL_ERROR_WANT_*). Returns 0, or -1 with
 * *error_r on time-out or a poll error. */
static int net_wait_io(struct net_conn *conn, short want, long long deadline, int timeout_ms, const char **error_r)
{
	const char *perr;
	int w = net_wait(conn->fd, want, deadline, &perr);

	if (w == 0) {
		*error_r = net_timeout_error(timeout_ms);
		return -1;
	}
	if (w < 0) {
		*error_r = perr;
		return -1;
	}
	return 0;
}

/* One read attempt: returns the byte count (> 0), 0 at end of stream, -1 on error (*error_r), or
 * NET_WOULD_BLOCK with *want_r (POLLIN, or POLLOUT when TLS must write first). */
static ssize_t net_read_once(struct net_conn *conn, void *data, size_t len, short *want_r, const char **error_r)
{
	for (;;) {
		if (conn->ssl == NULL) {
			ssize_t n = read(conn->fd, data, len);
			if (n >= 0)
				return n;
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				*error_r = net_io_error(conn, errno);
				return -1;
			}
			*want_r = POLLIN;
			return NET_WOULD_BLOCK;
		} else {
			struct net_sigpipe sg;
			int r, err, saved_errno;

			ERR_clear_error();
			net_sigpipe_block(&sg);
			errno = 0;
			r = SSL_read(conn->ssl, data, (int)len);
			saved_errno = errno;
			net_sigpipe_restore(&sg);
			if (r > 0)
				return r;
			err = SSL_get_error(conn->ssl, r);
			if (err == SSL_ERROR_ZERO_RETURN)
				return 0;
			if (err == SSL_ERROR_WANT_READ) {
				*want_r = POLLIN;
				return NET_WOULD_BLOCK;
			}
			if (err == SSL_ERROR_WANT_WRITE) {
				*want_r = POLLOUT;
				return NET_WOULD_BLOCK;
			}
			if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
				if (saved_errno == 0)
					return 0;
				*error_r = net_io_error(conn, saved_errno);
				return -1;
			}
			*error_r = errstr(_("TLS error from %s: %s"), conn->peer, net_ssl_reason(_("protocol error")));
			return -1;
		}
	}
}

ssize_t net_read(struct net_conn *conn, void *data, size_t len, int timeout_ms, const char **error_r)
{
	long long deadline = net_deadline(timeout_ms);

	if (len == 0) {
		*error_r = errstr("net_read: zero length");
		return -1;
	}
	if (len > NET_IO_CHUNK)
		len = NET_IO_CHUNK;
	/* Always try first: TLS may hold decrypted bytes the socket no longer signals, and a zero
	 * time-out must still return data that is already there. */
	for (;;) {
		short want;
		ssize_t n = net_read_once(conn, data, len, &want, error_r);

		if (n != NET_WOULD_BLOCK)
			return n;
		if (net_wait_io(conn, want, deadline, timeout_ms, error_r) < 0)
			return -1;
	}
}

ssize_t net_read_nowait(struct net_conn *conn, void *data, size_t len, short *want_r, const char **error_r)
{
	if (len == 0) {
		*error_r = errstr("net_read: zero length");
		return -1;
	}
	if (len > NET_IO_CHUNK)
		len = NET_IO_CHUNK;
	return net_read_once(conn, data, len, want_r, error_r);
}

int net_fd(const struct net_conn *conn)
{
	return conn != NULL ? conn->fd : -1;
}

int net_write(struct net_conn *conn, const void *data, size_t len, int timeout_ms, const char **error_r)
{
	const unsigned char *p = data;
	long long deadline = net_deadline(timeout_ms);

	while (len > 0) {
		size_t chunk = len > NET_IO_CHUNK ? NET_IO_CHUNK : len;
		short want = POLLOUT;

		if (conn->ssl == NULL) {
			ssize_t n = send(conn->fd, p, chunk, MSG_NOSIGNAL);
			if (n >= 0) {
				p += n;
				len -= (size_t)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				*error_r = net_io_error(conn, errno);
				return -1;
			}
		} else {
			struct net_sigpipe sg;
			int r, err, saved_errno;

			/* Retried with the same arguments after WANT_*, as OpenSSL requires. */
			ERR_clear_error();
			net_sigpipe_block(&sg);
			errno = 0;
			r = SSL_write(conn->ssl, p, (int)chunk);
			saved_errno = errno;
			net_sigpipe_restore(&sg);
			if (r > 0) {
				p += r;
				len -= (size_t)r;
				continue;
			}
			err = SSL_get_error(conn->ssl, r);
			if (err == SSL_ERROR_WANT_WRITE) {
				want = POLLOUT;
			} else if (err == SSL_ERROR_WANT_READ) {
				want = POLLIN;
			} else if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
				*error_r = net_io_error(conn, saved_errno);
				return -1;
			} else if (err == SSL_ERROR_ZERO_RETURN) {
				*error_r = errstr(_("connection closed by server"));
				return -1;
			} else {
				*error_r = errstr(_("TLS error from %s: %s"), conn->peer,
						  net_ssl_reason(_("protocol error")));
				return -1;
			}
		}
		if (net_wait_io(conn, want, deadline, timeout_ms, error_r) < 0)
			return -1;
	}
	return 0;
}

/* ---- teardown ------------------------------------------------------------------------------ */

/* Waits up to ms for pid to exit. Returns true when it was reaped (or is not our child). */
static bool net_reap(pid_t pid, int ms)
{
	long long deadline = net_now_ms() + ms;

	for (;;) {
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (net_now_ms() >= deadline)
			return false;
		const struct timespec step = { 0, 5 * 1000 * 1000 };
		nanosleep(&step, NULL);
	}
}

void net_conn_free(struct net_conn **connp)
{
	struct net_conn *conn = *connp;

	if (conn == NULL)
		return;
	*connp = NULL;
	if (conn->ssl != NULL) {
		struct net_sigpipe sg;
		/* One non-blocking attempt to send close_notify; the peer's answer is not awaited. */
		net_sigpipe_block(&sg);
		(void)SSL_shutdown(conn->ssl);
		net_sigpipe_restore(&sg);
		ERR_clear_error();
		SSL_free(conn->ssl);
		SSL_CTX_free(conn->ctx);
	}
	if (conn->fd >= 0)
		close(conn->fd);
	if (conn->pid > 0) {
		/* The child sees EOF on stdin; give it a moment, then its whole process group goes. */
		if (!net_reap(conn->pid, NET_TUNNEL_EXIT_MS)) {
			kill(-conn->pid, SIGTERM);
			kill(conn->pid, SIGTERM);
			kill(-conn->pid, SIGCONT); /* a stopped one must run to die of it */
			if (!net_reap(conn->pid, NET_TUNNEL_EXIT_MS)) {
				kill(conn->pid, SIGKILL);
				while (waitpid(conn->pid, NULL, 0) < 0 && errno == EINTR)
					;
			}
			/* what the leader left in its group (a shell's child) goes too */
			kill(-conn->pid, SIGKILL);
		} else {
			/* the leader ended by itself: anything left in its group has no business there */
			kill(-conn->pid, SIGTERM);
			kill(-conn->pid, SIGCONT);
		}
	}
	free(conn->peer);
	free(conn);
}
