/* net.h: blocking client connections (TCP or a tunnel command) with optional OpenSSL TLS. */
#ifndef NET_NET_H
#define NET_NET_H

#include "skua.h"
#include <sys/types.h>

struct net_conn;

struct net_tls_opts {
	const char *host;     /* name (or IP literal) the certificate must match, RFC 6125 / RFC 7817 */
	const char *ca_file;  /* extra trusted CA/certificate file (PEM), NULL for the system store only */
};

/* Connects to host:port over TCP, trying every resolved address, each with timeout_ms.
 * Returns 0 and a new connection the caller owns (*conn_r), or -1 with *error_r (errstr ring) saying
 * e.g. "connection refused". Worker thread (blocks). */
int net_connect_tcp(const char *host, unsigned int port, int timeout_ms,
		    struct net_conn **conn_r, const char **error_r);

/* Runs `/bin/sh -c command` with a socketpair as its stdin/stdout; its stderr goes to /dev/null.
 * Returns 0 and a new connection, or -1 with *error_r. Worker thread. */
int net_connect_tunnel(const char *command, struct net_conn **conn_r, const char **error_r);

/* Performs a TLS (>= 1.2) client handshake on conn with SNI, verifying the chain against the system
 * store plus opts->ca_file and the host name/IP. Returns 0, or -1 with *error_r; every verification
 * failure's message contains the word "certificate". Worker thread (blocks up to timeout_ms). */
int net_tls_start(struct net_conn *conn, const struct net_tls_opts *opts, int timeout_ms,
		  const char **error_r);
bool net_is_tls(const struct net_conn *conn);

/* Reads up to len bytes, waiting up to timeout_ms (-1: forever). Returns the byte count (> 0), 0 at
 * end of stream, -1 on error or time-out with *error_r. Worker thread. */
ssize_t net_read(struct net_conn *conn, void *data, size_t len, int timeout_ms, const char **error_r);
/* What net_read_nowait returns when nothing can be read without waiting. */
#define NET_WOULD_BLOCK (-2)
/* Reads up to len bytes without waiting: returns the byte count (> 0), 0 at end of stream, -1 on error
 * (*error_r), or NET_WOULD_BLOCK when nothing is there yet; *want_r then says what to poll net_fd() for
 * (POLLIN, or POLLOUT when TLS must write before it can read). Worker thread. */
ssize_t net_read_nowait(struct net_conn *conn, void *data, size_t len, short *want_r, const char **error_r);
/* The descriptor to poll for net_read_nowait (a socket, or a tunnel's socketpair), or -1. Any thread. */
int net_fd(const struct net_conn *conn);

/* Writes all of data. Returns 0, or -1 with *error_r. Worker thread. */
int net_write(struct net_conn *conn, const void *data, size_t len, int timeout_ms, const char **error_r);

/* Makes every wait in the calling thread's net_* calls (connect, TLS handshake, read, write) also end
 * as soon as fd polls readable: the call then fails with *error_r "aborted" (a connect: "Operation
 * canceled"), and the connection is unusable. Nothing reads fd: the caller drains it before waiting
 * again. Data already there is still read and room already there still written, without a wait. -1
 * (the default) turns it off. Name resolution is not covered. Any thread, for itself. */
void net_set_abort_fd(int fd);

/* True when host is a loopback address or "localhost" (no DNS look-up). Any thread. */
bool net_host_is_loopback(const char *host);

/* Closes the connection (and reaps a tunnel's child), frees it, sets *conn = NULL. NULL-safe. */
void net_conn_free(struct net_conn **conn);

#endif
