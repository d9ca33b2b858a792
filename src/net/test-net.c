/* test-net.c: unit tests for TCP/tunnel connections and TLS verification against in-process servers. */
#include "skua.h"
#include "net.h"
#include "test.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define T_TIMEOUT 10000

/* ---- certificates -------------------------------------------------------------------------- */

struct t_cred {
	EVP_PKEY *key;
	X509 *cert;
};

static struct {
	bool ready;
	char dir[64];
	char ca_path[128], self_path[128], leaf_path[128], bad_path[128];
	struct t_cred ca, leaf, self, wrong, wild;
} fx;

static long t_serial = 1;

static void t_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	if (ext == NULL) {
		fprintf(stderr, "cannot make extension %d=%s\n", nid, value);
		abort();
	}
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

/* Makes a P-256 key and a certificate signed by issuer (NULL: self-signed). */
static struct t_cred t_make_cred(const char *cn, const char *san, bool ca, const struct t_cred *issuer)
{
	struct t_cred c;
	X509V3_CTX v3;
	X509_NAME *name;

	c.key = EVP_EC_gen("P-256");
	c.cert = X509_new();
	if (c.key == NULL || c.cert == NULL)
		abort();
	X509_set_version(c.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c.cert), t_serial++);
	X509_gmtime_adj(X509_getm_notBefore(c.cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(c.cert), 86400);
	X509_set_pubkey(c.cert, c.key);
	name = X509_get_subject_name(c.cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c.cert, issuer != NULL ? X509_get_subject_name(issuer->cert) : name);
	X509V3_set_ctx(&v3, issuer != NULL ? issuer->cert : c.cert, c.cert, NULL, NULL, 0);
	t_add_ext(c.cert, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	t_add_ext(c.cert, &v3, NID_subject_key_identifier, "hash");
	if (ca) {
		t_add_ext(c.cert, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else if (issuer != NULL) {
		t_add_ext(c.cert, &v3, NID_key_usage, "critical,digitalSignature");
		t_add_ext(c.cert, &v3, NID_ext_key_usage, "serverAuth");
		t_add_ext(c.cert, &v3, NID_authority_key_identifier, "keyid:always");
	}
	if (san != NULL)
		t_add_ext(c.cert, &v3, NID_subject_alt_name, san);
	if (X509_sign(c.cert, issuer != NULL ? issuer->key : c.key, EVP_sha256()) == 0)
		abort();
	return c;
}

static void t_write_pem(const char *path, X509 *cert)
{
	FILE *fp = fopen(path, "w");
	if (fp == NULL || PEM_write_X509(fp, cert) != 1)
		abort();
	fclose(fp);
}

static void t_cred_free(struct t_cred *c)
{
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
}

static void t_fixture_cleanup(void)
{
	unlink(fx.ca_path);
	unlink(fx.self_path);
	unlink(fx.leaf_path);
	unlink(fx.bad_path);
	rmdir(fx.dir);
	t_cred_free(&fx.ca);
	t_cred_free(&fx.leaf);
	t_cred_free(&fx.self);
	t_cred_free(&fx.wrong);
	t_cred_free(&fx.wild);
}

static void t_fixture(void)
{
	if (fx.ready)
		return;
	fx.ready = true;
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/skua-test-net-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		abort();
	snprintf(fx.ca_path, sizeof(fx.ca_path), "%s/ca.pem", fx.dir);
	snprintf(fx.self_path, sizeof(fx.self_path), "%s/self.pem", fx.dir);
	snprintf(fx.leaf_path, sizeof(fx.leaf_path), "%s/leaf.pem", fx.dir);
	snprintf(fx.bad_path, sizeof(fx.bad_path), "%s/bad.pem", fx.dir);
	fx.ca = t_make_cred("skua test CA", NULL, true, NULL);
	fx.leaf = t_make_cred("localhost", "DNS:localhost,IP:127.0.0.1,IP:::1", false, &fx.ca);
	fx.self = t_make_cred("localhost", "DNS:localhost,IP:127.0.0.1", false, NULL);
	fx.wrong = t_make_cred("wrong.example", "DNS:wrong.example", false, &fx.ca);
	fx.wild = t_make_cred("wild", "DNS:w*.example", false, &fx.ca);
	t_write_pem(fx.ca_path, fx.ca.cert);
	t_write_pem(fx.self_path, fx.self.cert);
	t_write_pem(fx.leaf_path, fx.leaf.cert);
	FILE *fp = fopen(fx.bad_path, "w");
	fputs("not a certificate\n", fp);
	fclose(fp);
	atexit(t_fixture_cleanup);
}

/* ---- a small server in a thread ------------------------------------------------------------ */

enum t_mode { T_ECHO, T_SINK, T_CLOSE, T_BURST, T_STARTTLS };

struct t_server {
	int lfd;
	unsigned int port;
	const struct t_cred *cred;  /* NULL: plaintext */
	int max_proto;              /* 0: library default */
	enum t_mode mode;
	size_t sink_len;
	pthread_t thread;
	bool handshake_ok;
};

static int t_listen(unsigned int *port_r, int backlog)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		abort();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		abort();
	*port_r = ntohs(sin.sin_port);
	return fd;
}

static int t_srv_read(SSL *ssl, int fd, char *buf, int len)
{
	return ssl != NULL ? SSL_read(ssl, buf, len) : (int)read(fd, buf, (size_t)len);
}

static int t_srv_write(SSL *ssl, int fd, const char *buf, int len)
{
	return ssl != NULL ? SSL_write(ssl, buf, len) : (int)write(fd, buf, (size_t)len);
}

static void *t_server_main(void *arg)
{
	struct t_server *srv = arg;
	struct pollfd pfd = { .fd = srv->lfd, .events = POLLIN };
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	sigset_t set;
	char buf[16384];
	int fd = -1;

	/* Only the server threads block SIGPIPE: the client code under test must survive it alone. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (poll(&pfd, 1, T_TIMEOUT) != 1)
		goto out;
	fd = accept(srv->lfd, NULL, NULL);
	if (fd < 0)
		goto out;
	if (srv->mode == T_STARTTLS) {
		/* Plaintext greeting and STARTTLS exchange, then TLS with an echo. */
		size_t got = 0;
		write(fd, "* OK plain\r\n", 12);
		while (got < 12) {
			ssize_t n = read(fd, buf + got, 12 - got);
			if (n <= 0)
				goto out;
			got += (size_t)n;
		}
		if (memcmp(buf, "a STARTTLS\r\n", 12) != 0)
			goto out;
		write(fd, "a OK go\r\n", 9);
		srv->mode = T_ECHO;
	}
	if (srv->cred != NULL) {
		ctx = SSL_CTX_new(TLS_server_method());
		SSL_CTX_use_certificate(ctx, srv->cred->cert);
		SSL_CTX_use_PrivateKey(ctx, srv->cred->key);
		if (srv->max_proto != 0) {
			SSL_CTX_set_security_level(ctx, 0);
			SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
			SSL_CTX_set_min_proto_version(ctx, srv->max_proto);
			SSL_CTX_set_max_proto_version(ctx, srv->max_proto);
		}
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1)
			goto out;
	}
	srv->handshake_ok = true;
	switch (srv->mode) {
	case T_CLOSE:
		goto out;
	case T_BURST:
		/* One record, several lines: the client reads it a byte at a time. */
		t_srv_write(ssl, fd, "* OK one\r\n* two\r\n", 17);
		while (t_srv_read(ssl, fd, buf, sizeof(buf)) > 0)
			;
		goto out;
	case T_STARTTLS:
	case T_ECHO:
		t_srv_write(ssl, fd, "* OK hello\r\n", 12);
		for (;;) {
			int n = t_srv_read(ssl, fd, buf, sizeof(buf));
			if (n <= 0 || t_srv_write(ssl, fd, buf, n) != n)
				break;
		}
		break;
	case T_SINK: {
		size_t total = 0;
		while (total < srv->sink_len) {
			int n = t_srv_read(ssl, fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			total += (size_t)n;
		}
		int len = snprintf(buf, sizeof(buf), "got %zu\n", total);
		t_srv_write(ssl, fd, buf, len);
		while (t_srv_read(ssl, fd, buf, sizeof(buf)) > 0)
			;
		break;
	}
	}
	if (ssl != NULL)
		SSL_shutdown(ssl);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	ERR_clear_error();
	return NULL;
}

static void t_server_start(struct t_server *srv)
{
	srv->lfd = t_listen(&srv->port, 8);
	if (pthread_create(&srv->thread, NULL, t_server_main, srv) != 0)
		abort();
}

static void t_server_join(struct t_server *srv)
{
	pthread_join(srv->thread, NULL);
	close(srv->lfd);
}

/* Reads until want bytes arrived or EOF/error; returns the count. */
static size_t t_read_n(struct net_conn *conn, char *buf, size_t want, const char **error_r)
{
	size_t got = 0;
	while (got < want) {
		ssize_t n = net_read(conn, buf + got, want - got, T_TIMEOUT, error_r);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

/* ---- tests --------------------------------------------------------------------------------- */

struct t_tls_case {
	const char *name;
	const struct t_cred *cred;
	int max_proto;
	const char *host;
	const char *ca_file;  /* "CA", "SELF", "LEAF", "BAD" or NULL */
	const char *want_error;  /* NULL: success */
};

static const char *t_ca_path(const char *which)
{
	if (which == NULL)
		return NULL;
	if (strcmp(which, "CA") == 0)
		return fx.ca_path;
	if (strcmp(which, "SELF") == 0)
		return fx.self_path;
	if (strcmp(which, "LEAF") == 0)
		return fx.leaf_path;
	return fx.bad_path;
}

static void test_tls_verify(void)
{
	t_fixture();
	const struct t_tls_case cases[] = {
		{ "CA-signed, host name", &fx.leaf, 0, "localhost", "CA", NULL },
		{ "CA-signed, IPv4 literal", &fx.leaf, 0, "127.0.0.1", "CA", NULL },
		{ "host name case-insensitive", &fx.leaf, 0, "LocalHost", "CA", NULL },
		{ "no ca_file", &fx.leaf, 0, "localhost", NULL, "certificate not trusted" },
		{ "wrong host name", &fx.leaf, 0, "other.example", "CA",
		  "certificate does not match host name other.example" },
		{ "wrong IP literal", &fx.leaf, 0, "127.0.0.2", "CA", "certificate does not match IP" },
		{ "cert for wrong.example, asked localhost", &fx.wrong, 0, "localhost", "CA",
		  "certificate does not match host name localhost" },
		{ "cert for wrong.example matches it", &fx.wrong, 0, "wrong.example", "CA", NULL },
		{ "no partial wildcard", &fx.wild, 0, "www.example", "CA", "certificate" },
		{ "self-signed, not trusted", &fx.self, 0, "localhost", NULL, "self-signed certificate" },
		{ "self-signed, CA file of other CA", &fx.self, 0, "localhost", "CA", "certificate" },
		{ "self-signed, pinned", &fx.self, 0, "127.0.0.1", "SELF", NULL },
		{ "CA-signed leaf pinned alone", &fx.leaf, 0, "localhost", "LEAF", NULL },
		{ "unreadable ca_file", &fx.leaf, 0, "localhost", "BAD", "certificate file" },
		{ "TLS 1.1 server refused", &fx.leaf, TLS1_1_VERSION, "localhost", "CA", "TLS 1.2" },
	};

	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const struct t_tls_case *tc = &cases[i];
		struct t_server srv = { .cred = tc->cred, .max_proto = tc->max_proto, .mode = T_ECHO };
		struct net_tls_opts opts = { .host = tc->host, .ca_file = t_ca_path(tc->ca_file) };
		struct net_conn *conn = NULL;
		const char *error = NULL;
		char buf[64];
		int rc;

		t_server_start(&srv);
		rc = net_connect_tcp("127.0.0.1", srv.port, T_TIMEOUT, &conn, &error);
		TEST_INTEQ(rc, 0);
		if (rc == 0)
			rc = net_tls_start(conn, &opts, T_TIMEOUT, &error);
		if (tc->want_error == NULL) {
			if (rc != 0)
				fprintf(stderr, "case \"%s\": %s\n", tc->name, error);
			TEST_INTEQ(rc, 0);
			TEST_ASSERT(net_is_tls(conn));
			if (rc == 0) {
				TEST_INTEQ(t_read_n(conn, buf, 12, &error), 12);
				TEST_STREQ(buf, "* OK hello\r\n");
				TEST_INTEQ(net_write(conn, "a1 NOOP\r\n", 9, T_TIMEOUT, &error), 0);
				TEST_INTEQ(t_read_n(conn, buf, 9, &error), 9);
				TEST_STREQ(buf, "a1 NOOP\r\n");
			}
		} else {
			TEST_INTEQ(rc, -1);
			TEST_ASSERT(!net_is_tls(conn));
			printf("# %s: %s\n", tc->name, rc != 0 ? error : "(no error)");
			if (rc != 0 && strstr(error, tc->want_error) == NULL) {
				fprintf(stderr, "case \"%s\": error \"%s\" lacks \"%s\"\n", tc->name, error,
					tc->want_error);
				test_failures++;
			}
			if (rc != 0 && tc->max_proto == 0 &&
			    strstr(tc->want_error, "file") == NULL && strstr(error, "certificate") == NULL) {
				fprintf(stderr, "case \"%s\": no \"certificate\" in \"%s\"\n", tc->name, error);
				test_failures++;
			}
		}
		net_conn_free(&conn);
		TEST_ASSERT(conn == NULL);
		t_server_join(&srv);
	}
}

static void test_tls_pending(void)
{
	struct t_server srv = { .cred = &fx.leaf, .mode = T_BURST };
	struct net_tls_opts opts = { .host = "localhost", .ca_file = fx.ca_path };
	struct net_conn *conn = NULL;
	const char *error = NULL;
	char buf[32];
	size_t got = 0;

	t_fixture();
	srv.cred = &fx.leaf;
	t_server_start(&srv);
	TEST_INTEQ(net_connect_tcp("localhost", srv.port, T_TIMEOUT, &conn, &error), 0);
	TEST_INTEQ(net_tls_start(conn, &opts, T_TIMEOUT, &error), 0);
	/* First byte waits for the record; the rest is already decrypted and must come back at
	 * once even with a zero time-out although the socket itself has nothing to read. */
	TEST_INTEQ(net_read(conn, buf, 1, T_TIMEOUT, &error), 1);
	got = 1;
	while (got < 17) {
		ssize_t n = net_read(conn, buf + got, 1, 0, &error);
		if (n != 1) {
			fprintf(stderr, "pending read at %zu: %zd %s\n", got, n, n < 0 ? error : "");
			test_failures++;
			break;
		}
		got++;
	}
	buf[got] = '\0';
	TEST_STREQ(buf, "* OK one\r\n* two\r\n");
	/* Nothing more: a short time-out fails with a clear message. */
	TEST_INTEQ(net_read(conn, buf, sizeof(buf), 200, &error), -1);
	TEST_STREQ(error, "timed out after 0.2 s");
	net_conn_free(&conn);
	t_server_join(&srv);
}

static void test_starttls(void)
{
	struct t_server srv = { .mode = T_STARTTLS };
	struct net_tls_opts opts = { .host = "localhost", .ca_file = fx.ca_path };
	struct net_conn *conn = NULL;
	const char *error = NULL;
	char buf[64];

	t_fixture();
	srv.cred = &fx.leaf;
	t_server_start(&srv);
	TEST_INTEQ(net_connect_tcp("127.0.0.1", srv.port, T_TIMEOUT, &conn, &error), 0);
	TEST_INTEQ(t_read_n(conn, buf, 12, &error), 12);
	TEST_STREQ(buf, "* OK plain\r\n");
	TEST_INTEQ(net_write(conn, "a STARTTLS\r\n", 12, T_TIMEOUT, &error), 0);
	/* Byte at a time, as an engine that must not over-read would. */
	for (size_t i = 0; i < 9; i++)
		TEST_INTEQ(net_read(conn, buf + i, 1, T_TIMEOUT, &error), 1);
	buf[9] = '\0';
	TEST_STREQ(buf, "a OK go\r\n");
	TEST_INTEQ(net_tls_start(conn, &opts, T_TIMEOUT, &error), 0);
	TEST_ASSERT(net_is_tls(conn));
	TEST_INTEQ(t_read_n(conn, buf, 12, &error), 12);
	TEST_STREQ(buf, "* OK hello\r\n");
	net_conn_free(&conn);
	t_server_join(&srv);
}

/* A server that never answers the ClientHello: the handshake times out. */
static void test_tls_handshake_timeout(void)
{
	struct t_server srv = { .mode = T_SINK, .sink_len = (size_t)-1 };
	struct net_tls_opts opts = { .host = "localhost", .ca_file = fx.ca_path };
	struct net_conn *conn = NULL;
	const char *error = NULL;

	t_fixture();
	t_server_start(&srv);
	TEST_INTEQ(net_connect_tcp("127.0.0.1", srv.port, T_TIMEOUT, &conn, &error), 0);
	TEST_INTEQ(net_tls_start(conn, &opts, 300, &error), -1);
	TEST_ASSERT(strstr(error, "timed out after 0.3 s") != NULL);
	TEST_ASSERT(!net_is_tls(conn));
	net_conn_free(&conn);
	t_server_join(&srv);
}

static void t_bulk(const struct t_cred *cred)
{
	const size_t len = 8 * 1024 * 1024 + 17;
	struct t_server srv = { .cred = cred, .mode = T_SINK, .sink_len = len };
	struct net_tls_opts opts = { .host = "127.0.0.1", .ca_file = fx.ca_path };
	struct net_conn *conn = NULL;
	const char *error = NULL;
	char *data = malloc(len), buf[64];
	char want[64];

	memset(data, 'x', len);
	t_server_start(&srv);
	TEST_INTEQ(net_connect_tcp("127.0.0.1", srv.port, T_TIMEOUT, &conn, &error), 0);
	if (cred != NULL)
		TEST_INTEQ(net_tls_start(conn, &opts, T_TIMEOUT, &error), 0);
	TEST_INTEQ(net_write(conn, data, len, T_TIMEOUT, &error), 0);
	snprintf(want, sizeof(want), "got %zu\n", len);
	t_read_n(conn, buf, strlen(want), &error);
	TEST_STREQ(buf, want);
	net_conn_free(&conn);
	t_server_join(&srv);
	free(data);
}

static void test_bulk_write(void)
{
	t_fixture();
	t_bulk(NULL);
	t_bulk(&fx.leaf);
}

/* Writing to a peer that has gone must give an error, not kill the process with SIGPIPE. */
static void test_peer_closed(void)
{
	const struct t_cred *creds[] = { NULL, &fx.leaf };

	t_fixture();
	creds[1] = &fx.leaf;
	for (size_t i = 0; i < N_ELEMENTS(creds); i++) {
		struct t_server srv = { .cred = creds[i], .mode = T_CLOSE };
		struct net_tls_opts opts = { .host = "localhost", .ca_file = fx.ca_path };
		struct net_conn *conn = NULL;
		const char *error = NULL;
		char buf[4096];
		int rc = 0;

		t_server_start(&srv);
		TEST_INTEQ(net_connect_tcp("127.0.0.1", srv.port, T_TIMEOUT, &conn, &error), 0);
		if (creds[i] != NULL)
			TEST_INTEQ(net_tls_start(conn, &opts, T_TIMEOUT, &error), 0);
		t_server_join(&srv);
		/* EOF (plain close, or TLS close without close_notify is ignored) reads as 0. */
		TEST_INTEQ(net_read(conn, buf, sizeof(buf), T_TIMEOUT, &error), 0);
		memset(buf, 'y', sizeof(buf));
		for (int j = 0; j < 1000 && rc == 0; j++)
			rc = net_write(conn, buf, sizeof(buf), T_TIMEOUT, &error);
		TEST_INTEQ(rc, -1);
		if (rc != 0)
			TEST_ASSERT(strstr(error, "closed") != NULL || strstr(error, "reset") != NULL);
		net_conn_free(&conn);
	}
}

static void test_plain_tcp(void)
{
	struct t_server srv = { .mode = T_ECHO };
	struct net_conn *conn = NULL;
	const char *error = NULL;
	char buf[64];

	t_server_start(&srv);
	TEST_INTEQ(net_connect_tcp("localhost", srv.port, T_TIMEOUT, &conn, &error), 0);
	TEST_ASSERT(!net_is_tls(conn));
	/* Plaintext reads never take more than asked for (STARTTLS safety). */
	TEST_INTEQ(t_read_n(conn, buf, 5, &error), 5);
	TEST_STREQ(buf, "* OK ");
	TEST_INTEQ(t_read_n(conn, buf, 7, &error), 7);
	TEST_STREQ(buf, "hello\r\n");
	TEST_INTEQ(net_write(conn, "x\n", 2, T_TIMEOUT, &error), 0);
	TEST_INTEQ(t_read_n(conn, buf, 2, &error), 2);
	TEST_STREQ(buf, "x\n");
	net_conn_free(&conn);
	t_server_join(&srv);
}

static void test_connect_errors(void)
{
	struct net_conn *conn = NULL;
	const char *error = NULL;
	unsigned int port;
	int fd = t_listen(&port, 1);

	close(fd);
	TEST_INTEQ(net_connect_tcp("127.0.0.1", port, T_TIMEOUT, &conn, &error), -1);
	TEST_ASSERT(conn == NULL);
	TEST_ASSERT(strstr(error, "connection refused") != NULL);
	TEST_INTEQ(net_connect_tcp("[::1]", port, T_TIMEOUT, &conn, &error), -1);

	/* A listener whose accept queue is full drops SYNs (Linux): the connect times out. */
	fd = t_listen(&port, 0);
	int filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	TEST_INTEQ(connect(filler, (struct sockaddr *)&sin, sizeof(sin)), 0);
	TEST_INTEQ(net_connect_tcp("127.0.0.1", port, 300, &conn, &error), -1);
	TEST_ASSERT(conn == NULL);
	TEST_ASSERT(strstr(error, "timed out after 0.3 s") != NULL);
	net_conn_free(&conn);
	close(filler);
	close(fd);

	TEST_INTEQ(net_connect_tcp("host.invalid", 143, T_TIMEOUT, &conn, &error), -1);
	TEST_ASSERT(strstr(error, "cannot resolve host") != NULL);
	TEST_INTEQ(net_connect_tcp("", 143, T_TIMEOUT, &conn, &error), -1);
	TEST_INTEQ(net_connect_tcp("127.0.0.1", 0, T_TIMEOUT, &conn, &error), -1);
	TEST_ASSERT(conn == NULL);
}

static void test_tunnel(void)
{
	struct net_conn *conn = NULL;
	const char *error = NULL;
	char buf[64];
	struct timespec t0, t1;

	/* cat echoes; closing our side ends it. */
	TEST_INTEQ(net_connect_tunnel("exec cat", &conn, &error), 0);
	TEST_INTEQ(net_write(conn, "hello\n", 6, T_TIMEOUT, &error), 0);
	TEST_INTEQ(t_read_n(conn, buf, 6, &error), 6);
	TEST_STREQ(buf, "hello\n");
	TEST_INTEQ(net_read(conn, buf, sizeof(buf), 100, &error), -1);
	TEST_STREQ(error, "timed out after 0.1 s");
	net_conn_free(&conn);
	TEST_ASSERT(conn == NULL);

	/* Output then exit: EOF; stderr goes nowhere. */
	TEST_INTEQ(net_connect_tunnel("echo noise >&2; printf 'bye\\n'", &conn, &error), 0);
	TEST_INTEQ(t_read_n(conn, buf, sizeof(buf) - 1, &error), 4);
	TEST_STREQ(buf, "bye\n");
	TEST_INTEQ(net_read(conn, buf, sizeof(buf), T_TIMEOUT, &error), 0);
	net_conn_free(&conn);

	/* A child that ignores EOF is killed promptly. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	TEST_INTEQ(net_connect_tunnel("sleep 30; echo late", &conn, &error), 0);
	net_conn_free(&conn);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TEST_ASSERT(t1.tv_sec - t0.tv_sec < 5);

	/* A command that fails at once: EOF, no hang. */
	TEST_INTEQ(net_connect_tunnel("/nonexistent/skua-tunnel", &conn, &error), 0);
	TEST_INTEQ(net_read(conn, buf, sizeof(buf), T_TIMEOUT, &error), 0);
	net_conn_free(&conn);
	TEST_INTEQ(net_connect_tunnel("", &conn, &error), -1);
	net_conn_free(&conn);
}

static void test_loopback(void)
{
	static const struct {
		const char *host;
		bool loopback;
	} cases[] = {
		{ "localhost", true }, { "LOCALHOST", true }, { "localhost.", true },
		{ "127.0.0.1", true }, { "127.1.2.3", true }, { "127.255.255.255", true },
		{ "::1", true }, { "[::1]", true }, { "0:0:0:0:0:0:0:1", true },
		{ "::ffff:127.0.0.1", true },
		{ "", false }, { NULL, false }, { "128.0.0.1", false }, { "10.0.0.1", false },
		{ "::", false }, { "::2", false }, { "[::1", false }, { "::1]", false },
		{ "localhost.example.com", false }, { "127.0.0.1.example.com", false },
		{ "mylocalhost", false }, { "127.0.0.1:143", false }, { "::ffff:10.0.0.1", false },
		{ "imap.example.com", false },
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		if (net_host_is_loopback(cases[i].host) != cases[i].loopback) {
			fprintf(stderr, "net_host_is_loopback(\"%s\") != %d\n",
				cases[i].host ? cases[i].host : "(null)", cases[i].loopback);
			test_failures++;
		}
	}
}

static const struct test_case cases[] = {
	{ "host is loopback", test_loopback },
	{ "connect errors", test_connect_errors },
	{ "plain TCP echo", test_plain_tcp },
	{ "tunnel", test_tunnel },
	{ "TLS verification", test_tls_verify },
	{ "TLS pending data", test_tls_pending },
	{ "STARTTLS upgrade", test_starttls },
	{ "TLS handshake time-out", test_tls_handshake_timeout },
	{ "bulk write", test_bulk_write },
	{ "peer closed", test_peer_closed },
};

TEST_MAIN(cases)
