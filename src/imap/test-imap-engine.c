/* test-imap-engine.c: scripted IMAP conversations against the sans-I/O engine, server bytes fed whole and
 * one byte at a time. */
#include "skua.h"
#include "imap-engine.h"
#include "lib/buf.h"
#include "test.h"

#include <stdlib.h>

static size_t step_size;

static void describe(struct buf *log, const struct imap_event *ev)
{
	switch (ev->type) {
	case IMAP_EVENT_NEED_TLS: buf_append_str(log, "NEED_TLS\n"); break;
	case IMAP_EVENT_READY: buf_append_str(log, "READY\n"); break;
	case IMAP_EVENT_LIST:
		buf_appendf(log, "LIST %u %s %c %x\n", ev->cmd, ev->u.list.name,
			    ev->u.list.delimiter ? ev->u.list.delimiter : '0', ev->u.list.attrs);
		break;
	case IMAP_EVENT_STATUS:
		buf_appendf(log, "STATUS %u %s %lld %lld\n", ev->cmd, ev->u.status.name,
			    (long long)ev->u.status.messages, (long long)ev->u.status.unseen);
		break;
	case IMAP_EVENT_FETCH:
		buf_appendf(log, "FETCH %u seq=%u uid=%u flags=%x size=%lld", ev->cmd, ev->u.fetch.seq,
			    ev->u.fetch.uid, ev->u.fetch.flags, (long long)ev->u.fetch.size);
		if (ev->u.fetch.modseq != 0)
			buf_appendf(log, " modseq=%llu", (unsigned long long)ev->u.fetch.modseq);
		for (size_t i = 0; i < ev->u.fetch.n_sections; i++) {
			const struct imap_fetch_section *s = &ev->u.fetch.sections[i];
			buf_appendf(log, " [%s]<%lld>=", s->section, (long long)s->origin);
			if (s->data != NULL)
				buf_append(log, s->data, s->len);
			else
				buf_append_str(log, "NIL");
		}
		buf_append_c(log, '\n');
		break;
	case IMAP_EVENT_SEARCH:
		buf_appendf(log, "SEARCH %u", ev->cmd);
		for (size_t i = 0; i < ev->u.search.count; i++)
			buf_appendf(log, " %u", ev->u.search.uids[i]);
		buf_append_c(log, '\n');
		break;
	case IMAP_EVENT_EXISTS: buf_appendf(log, "EXISTS %u\n", ev->u.number); break;
	case IMAP_EVENT_EXPUNGE: buf_appendf(log, "EXPUNGE %u\n", ev->u.number); break;
	case IMAP_EVENT_VANISHED: buf_appendf(log, "VANISHED %s\n", ev->u.vanished.uidset); break;
	case IMAP_EVENT_DONE:
		buf_appendf(log, "DONE %u %d %s\n", ev->cmd, (int)ev->u.done.result, ev->u.done.text);
		break;
	case IMAP_EVENT_BYE: buf_appendf(log, "BYE %s\n", ev->u.text); break;
	case IMAP_EVENT_ALERT: buf_appendf(log, "ALERT %s\n", ev->u.text); break;
	}
}

/* Feeds server bytes (step_size at a time) and logs the events. */
static void server(struct imap_engine *e, const char *bytes, struct buf *log)
{
	size_t len = strlen(bytes), pos = 0;
	struct imap_event ev;
	const char *error;
	int ret;

	for (;;) {
		while ((ret = imap_engine_next_event(e, &ev, &error)) > 0)
			describe(log, &ev);
		if (ret < 0) {
			buf_appendf(log, "ERROR %s\n", error);
			return;
		}
		if (pos >= len)
			return;
		size_t n = step_size == 0 || step_size > len - pos ? len - pos : step_size;
		imap_engine_input(e, bytes + pos, n);
		pos += n;
	}
}

/* Returns (and consumes) what the client wants to send. */
static char *client(struct imap_engine *e)
{
	const char *data;
	size_t len = imap_engine_output(e, &data);
	struct buf b = BUF_INIT;

	buf_append(&b, data != NULL ? data : "", len);
	imap_engine_output_consumed(e, len);
	return buf_steal(&b);
}

#define EXPECT_CLIENT(e, str) do { char *c_ = client(e); TEST_STREQ(c_, str); free(c_); } while (0)
#define EXPECT_LOG(log, str) do { TEST_STREQ((log)->data ? (log)->data : "", str); buf_reset(log); } while (0)

static void conv_sasl_ir_list_status(void)
{
	struct imap_engine_settings set = { "bench", "bench", IMAP_AUTH_AUTO, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;

	server(e, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 AUTHENTICATE PLAIN AGJlbmNoAGJlbmNo\r\n");
	server(e, "s1 OK [CAPABILITY IMAP4rev1 ENABLE CONDSTORE ID LIST-STATUS SPECIAL-USE UTF8=ACCEPT] Logged in\r\n", &log);
	EXPECT_CLIENT(e, "s2 ENABLE CONDSTORE UTF8=ACCEPT\r\ns3 ID (\"name\" \"skua\" \"version\" \"" PACKAGE_VERSION "\")\r\n");
	/* ready at once: user commands are pipelined behind ENABLE and ID */
	EXPECT_LOG(&log, "READY\n");
	uint32_t id = imap_engine_cmd_list(e);
	EXPECT_CLIENT(e, "s4 LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n");
	server(e, "* ENABLED CONDSTORE UTF8=ACCEPT\r\ns2 OK enabled\r\n* ID NIL\r\ns3 OK id\r\n", &log);
	EXPECT_LOG(&log, "");
	TEST_ASSERT(imap_engine_utf8_names(e));
	TEST_ASSERT(!imap_engine_qresync(e));
	server(e, "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 3 UNSEEN 1)\r\n"
		  "* LIST (\\Noselect \\HasChildren) \"/\" Lists\r\n"
		  "* LIST (\\HasNoChildren \\Sent) \"/\" \"Entwürfe\"\r\n"
		  "* STATUS \"Entwürfe\" (MESSAGES 0 UNSEEN 0)\r\ns4 OK done\r\n", &log);
	TEST_INTEQ(id, 4);
	EXPECT_LOG(&log, "LIST 4 INBOX / 0\nSTATUS 4 INBOX 3 1\nLIST 4 Lists / 5\nLIST 4 Entwürfe / 8\n"
		   "STATUS 4 Entwürfe 0 0\nDONE 4 0 done\n");
	imap_engine_free(&e);
	TEST_ASSERT(e == NULL);
	buf_free(&log);
}

static void conv_starttls_injection(void)
{
	struct imap_engine_settings set = { "u", "p", IMAP_AUTH_AUTO, NULL, 0, false, true, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;

	server(e, "* OK ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 CAPABILITY\r\n");
	server(e, "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\ns1 OK\r\n", &log);
	EXPECT_CLIENT(e, "s2 STARTTLS\r\n");
	/* the injected capability (and a fake tagged reply) arrive with the OK, before the handshake */
	server(e, "s2 OK begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\ns3 OK injected\r\n", &log);
	EXPECT_LOG(&log, "NEED_TLS\n");
	EXPECT_CLIENT(e, "");
	imap_engine_tls_started(e);
	EXPECT_CLIENT(e, "s3 CAPABILITY\r\n");
	server(e, "* CAPABILITY IMAP4rev1 AUTH=LOGIN\r\ns3 OK\r\n", &log);
	/* AUTH=PLAIN was only in the injected data: LOGIN is used */
	EXPECT_CLIENT(e, "s4 LOGIN \"u\" \"p\"\r\n");
	server(e, "s4 OK [CAPABILITY IMAP4rev1] hi\r\n", &log);
	EXPECT_LOG(&log, "READY\n");
	imap_engine_free(&e);
	buf_free(&log);
}

static void conv_tls_policy(void)
{
	struct imap_engine_settings starttls = { "u", "p", IMAP_AUTH_AUTO, NULL, 0, false, true, true };
	struct imap_engine *e = imap_engine_new(&starttls);
	struct buf log = BUF_INIT;

	/* stripping: no STARTTLS offered */
	server(e, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n", &log);
	EXPECT_LOG(&log, "ERROR the server does not offer STARTTLS, which this account requires\n");
	EXPECT_CLIENT(e, "");
	imap_engine_free(&e);
	/* STARTTLS refused */
	e = imap_engine_new(&starttls);
	server(e, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 STARTTLS\r\n");
	server(e, "s1 BAD no\r\n", &log);
	EXPECT_LOG(&log, "ERROR STARTTLS refused by the server: no\n");
	imap_engine_free(&e);
	/* PREAUTH without TLS */
	e = imap_engine_new(&starttls);
	server(e, "* PREAUTH [CAPABILITY IMAP4rev1] welcome\r\n", &log);
	EXPECT_LOG(&log, "ERROR server sent PREAUTH on a connection without TLS, which this account requires\n");
	EXPECT_CLIENT(e, "");
	imap_engine_free(&e);
	buf_free(&log);
}

static void conv_login_literal_and_fallback_list(void)
{
	struct imap_engine_settings set = { "me", "p\"w\xc3\xa4", IMAP_AUTH_LOGIN, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;

	server(e, "* OK [CAPABILITY IMAP4rev1] ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 LOGIN \"me\" {5}\r\n");
	server(e, "+ go ahead\r\n", &log);
	EXPECT_CLIENT(e, "p\"w\xc3\xa4\r\n");
	server(e, "s1 OK done\r\n", &log);
	EXPECT_CLIENT(e, "s2 CAPABILITY\r\n");
	server(e, "* CAPABILITY IMAP4rev1\r\ns2 OK\r\n", &log);
	EXPECT_LOG(&log, "READY\n");
	imap_engine_cmd_list(e);
	EXPECT_CLIENT(e, "s3 LIST \"\" \"*\"\r\n");
	server(e, "* LIST () \".\" INBOX\r\n* LIST () \".\" \"Entw&APw-rfe\"\r\n* LIST (\\Noselect) \".\" x\r\ns3 OK\r\n", &log);
	EXPECT_CLIENT(e, "s4 STATUS \"INBOX\" (MESSAGES UNSEEN)\r\ns5 STATUS \"Entw&APw-rfe\" (MESSAGES UNSEEN)\r\n");
	server(e, "* STATUS INBOX (MESSAGES 2 UNSEEN 0)\r\ns4 OK\r\n* STATUS \"Entw&APw-rfe\" (MESSAGES 1 UNSEEN 1)\r\ns5 OK\r\n", &log);
	EXPECT_LOG(&log, "LIST 3 INBOX . 0\nLIST 3 Entwürfe . 0\nLIST 3 x . 1\nSTATUS 3 INBOX 2 0\n"
		   "STATUS 3 Entwürfe 1 1\nDONE 3 0 \n");
	imap_engine_free(&e);
	buf_free(&log);
}

static void conv_fetch_search_errors(void)
{
	struct imap_engine_settings set = { "u", "p", IMAP_AUTH_PLAIN, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;

	server(e, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN ESEARCH] ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 AUTHENTICATE PLAIN\r\n");
	server(e, "+ \r\n", &log);
	EXPECT_CLIENT(e, "AHUAcA==\r\n");
	server(e, "s1 OK [CAPABILITY IMAP4rev1 ESEARCH] ok\r\n", &log);
	EXPECT_LOG(&log, "READY\n");
	uint32_t sel = imap_engine_cmd_select(e, "INBOX", true);
	uint32_t f = imap_engine_cmd_fetch(e, "1:*", "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
	uint32_t s = imap_engine_cmd_search(e, "UNSEEN");
	EXPECT_CLIENT(e, "s2 EXAMINE \"INBOX\"\r\ns3 UID FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n"
		      "s4 UID SEARCH RETURN (ALL) UNSEEN\r\n");
	server(e, "* 2 EXISTS\r\n* OK [UIDVALIDITY 42] x\r\ns2 OK [READ-ONLY] done\r\n"
		  "* 1 FETCH (UID 5 FLAGS (\\Seen \\Flagged) RFC822.SIZE 10 BODY[HEADER.FIELDS (SUBJECT)] {9}\r\nSubj: x\r\n)\r\n"
		  "* 2 FETCH (FLAGS () UID 7 RFC822.SIZE 3 BODY[HEADER.FIELDS (SUBJECT)] NIL)\r\ns3 OK\r\n"
		  "* ESEARCH (TAG \"s4\") UID ALL 5,7:8\r\ns4 OK\r\n* 1 EXPUNGE\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 2\nDONE 2 0 [READ-ONLY] done\n"
		   "FETCH 3 seq=1 uid=5 flags=5 size=10 [HEADER.FIELDS (SUBJECT)]<-1>=Subj: x\r\n\n"
		   "FETCH 3 seq=2 uid=7 flags=0 size=3 [HEADER.FIELDS (SUBJECT)]<-1>=NIL\nDONE 3 0 \n"
		   "SEARCH 4 5 7 8\nDONE 4 0 \nEXPUNGE 1\n");
	TEST_INTEQ(imap_engine_mailbox(e)->uidvalidity, 42);
	TEST_ASSERT(imap_engine_mailbox(e)->readonly);
	TEST_INTEQ(sel + 1, f);
	TEST_INTEQ(f + 1, s);
	/* a response with an unknown tag is a protocol error, and the engine stays failed */
	server(e, "zz9 OK what\r\n", &log);
	EXPECT_LOG(&log, "ERROR protocol error: response with unknown tag zz9\n");
	server(e, "* 1 EXISTS\r\n", &log);
	EXPECT_LOG(&log, "ERROR protocol error: response with unknown tag zz9\n");
	imap_engine_free(&e);
	buf_free(&log);
}

static void conv_bad_input(void)
{
	static const struct {
		const char *input, *error;
	} cases[] = {
		{ "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\ns1 NO [AUTHENTICATIONFAILED] bad\r\n",
		  "ERROR authentication failed: [AUTHENTICATIONFAILED] bad\n" },
		{ "* BYE go away\r\n", "ERROR server refused the connection: go away\n" },
		{ "hello\r\n", "ERROR protocol error: malformed response\n" },
		{ "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n* 1 FETCH (BODY[] {1099511627776}\r\n",
		  "ERROR protocol error: literal too large (1099511627776 bytes announced)\n" },
		{ "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n* 1 FETCH (UID 0)\r\n",
		  "ERROR protocol error: bad UID in FETCH\n" },
		{ "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n* LIST () \"/\" \"\"\r\n* LIST x\r\n",
		  "LIST 0  / 0\nERROR protocol error: malformed LIST response\n" },
		{ "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n* STATUS x (MESSAGES)\r\n",
		  "ERROR protocol error: malformed STATUS response\n" },
		{ "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n* ESEARCH UID ALL 1:4294967295\r\n",
		  "ERROR protocol error: malformed ESEARCH response\n" },
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		struct imap_engine_settings set = { "u", "p", IMAP_AUTH_AUTO, NULL, 0, true, false, true };
		struct imap_engine *e = imap_engine_new(&set);
		struct buf log = BUF_INIT;

		server(e, cases[i].input, &log);
		EXPECT_LOG(&log, cases[i].error);
		free(client(e));
		imap_engine_free(&e);
		buf_free(&log);
	}
}

static void conv_rev2_only(void)
{
	struct imap_engine_settings set = { "u", "t", IMAP_AUTH_XOAUTH2, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;

	server(e, "* OK [CAPABILITY IMAP4rev2 AUTH=XOAUTH2] ready\r\n", &log);
	/* rev2 implies SASL-IR */
	EXPECT_CLIENT(e, "s1 AUTHENTICATE XOAUTH2 dXNlcj11AWF1dGg9QmVhcmVyIHQBAQ==\r\n");
	server(e, "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n", &log);
	EXPECT_CLIENT(e, "\r\n");
	server(e, "s1 OK [CAPABILITY IMAP4rev2] ok\r\n", &log);
	EXPECT_CLIENT(e, "s2 NAMESPACE\r\n");
	server(e, "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\ns2 OK\r\n", &log);
	EXPECT_LOG(&log, "READY\n");
	TEST_ASSERT(imap_engine_utf8_names(e));
	imap_engine_cmd_list(e);
	imap_engine_cmd_search(e, "ALL");
	EXPECT_CLIENT(e, "s3 LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n"
		      "s4 UID SEARCH RETURN (ALL) ALL\r\n");
	server(e, "* LIST () \"/\" \"Entwürfe\"\r\n* STATUS \"Entwürfe\" (MESSAGES 3 UNSEEN 0 SIZE 9)\r\n"
		  "s3 OK\r\n* ESEARCH (TAG \"s4\") UID ALL 1:3\r\ns4 OK\r\n", &log);
	EXPECT_LOG(&log, "LIST 3 Entwürfe / 0\nSTATUS 3 Entwürfe 3 0\nDONE 3 0 \nSEARCH 4 1 2 3\nDONE 4 0 \n");
	imap_engine_free(&e);
	buf_free(&log);
}

/* QRESYNC: ENABLE is pipelined, the EXAMINE behind it carries the QRESYNC parameters, and a refused
 * ENABLE turns the guess back off. */
static void conv_qresync_pipelined(void)
{
	struct imap_engine_settings set = { "u", "p", IMAP_AUTH_AUTO, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;
	uint32_t sel, fetch;

	server(e, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE] ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 AUTHENTICATE PLAIN AHUAcA==\r\n");
	server(e, "s1 OK [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC] in\r\n", &log);
	EXPECT_LOG(&log, "READY\n");
	TEST_ASSERT(imap_engine_qresync(e));
	sel = imap_engine_cmd_select_qresync(e, "INBOX", true, 7, 1234);
	fetch = imap_engine_cmd_fetch(e, "11:*", "(UID FLAGS)");
	EXPECT_CLIENT(e, "s2 ENABLE QRESYNC CONDSTORE\r\ns3 EXAMINE \"INBOX\" (QRESYNC (7 1234))\r\n"
		      "s4 UID FETCH 11:* (UID FLAGS)\r\n");
	server(e, "* ENABLED QRESYNC CONDSTORE\r\ns2 OK\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 7] x\r\n"
		  "* OK [HIGHESTMODSEQ 1240] x\r\n* VANISHED (EARLIER) 2:4,9\r\n"
		  "* 2 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (1239))\r\ns3 OK [READ-ONLY] done\r\n"
		  "* 3 FETCH (UID 10 FLAGS ())\r\ns4 OK done\r\n", &log);
	TEST_INTEQ(sel, 3);
	TEST_INTEQ(fetch, 4);
	TEST_INTEQ(imap_engine_mailbox(e)->highestmodseq, 1240);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 3);
	{
		const char *l = log.data != NULL ? log.data : "";
		TEST_ASSERT(strstr(l, "VANISHED 2:4,9\n") != NULL);
		TEST_ASSERT(strstr(l, "DONE 3 0") != NULL);
		TEST_ASSERT(strstr(l, "DONE 4 0") != NULL);
	}
	buf_reset(&log);
	imap_engine_free(&e);

	/* a server that offers QRESYNC but enables nothing */
	e = imap_engine_new(&set);
	server(e, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 AUTHENTICATE PLAIN AHUAcA==\r\n");
	server(e, "s1 OK [CAPABILITY IMAP4rev1 ENABLE QRESYNC] in\r\n", &log);
	EXPECT_CLIENT(e, "s2 ENABLE QRESYNC\r\n");
	server(e, "s2 NO not today\r\n", &log);
	TEST_ASSERT(!imap_engine_qresync(e));
	imap_engine_cmd_select_qresync(e, "INBOX", true, 7, 1234);
	EXPECT_CLIENT(e, "s3 EXAMINE \"INBOX\"\r\n");
	imap_engine_free(&e);
	buf_free(&log);
}

static void conv_sync_literal_blocks_pipeline(void)
{
	struct imap_engine_settings set = { "u", "p", IMAP_AUTH_LOGIN, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;
	char name[1101];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	server(e, "* OK [CAPABILITY IMAP4rev1] hi\r\n", &log);
	EXPECT_CLIENT(e, "s1 LOGIN \"u\" \"p\"\r\n");
	server(e, "s1 OK [CAPABILITY IMAP4rev1] ok\r\n", &log);
	EXPECT_LOG(&log, "READY\n");
	/* a name too long to quote goes as a synchronising literal; the NOOP behind it must wait */
	imap_engine_cmd_status(e, name);
	imap_engine_cmd_noop(e);
	EXPECT_CLIENT(e, "s2 STATUS {1100}\r\n");
	server(e, "+ ok\r\n", &log);
	char *c = client(e);
	TEST_ASSERT(strncmp(c, "xxxx", 4) == 0);
	TEST_ASSERT(strstr(c, "x (MESSAGES UNSEEN UIDNEXT UIDVALIDITY)\r\ns3 NOOP\r\n") != NULL);
	free(c);
	imap_engine_free(&e);
	buf_free(&log);
}

/* UID STORE: read-write SELECT, flags added and removed, the FETCH answers (with MODSEQ under CONDSTORE)
 * carried by the STORE's id, a missing UID (OK without FETCH), and a refusal in a read-only mailbox. */
static void conv_store(void)
{
	struct imap_engine_settings set = { "u", "p", IMAP_AUTH_AUTO, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf log = BUF_INIT;
	uint32_t sel, add, del, miss, fetch, ro;

	server(e, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN ENABLE CONDSTORE] ready\r\n", &log);
	EXPECT_CLIENT(e, "s1 AUTHENTICATE PLAIN AHUAcA==\r\n");
	server(e, "s1 OK [CAPABILITY IMAP4rev1 ENABLE CONDSTORE] in\r\n", &log);
	EXPECT_CLIENT(e, "s2 ENABLE CONDSTORE\r\n");
	EXPECT_LOG(&log, "READY\n");
	sel = imap_engine_cmd_select(e, "INBOX", false);
	add = imap_engine_cmd_store(e, "4", "+FLAGS", "(\\Seen \\Flagged)");
	del = imap_engine_cmd_store(e, "4", "-FLAGS.SILENT", "(\\Flagged)");
	miss = imap_engine_cmd_store(e, "99", "+FLAGS", "(\\Seen)");
	EXPECT_CLIENT(e, "s3 SELECT \"INBOX\"\r\ns4 UID STORE 4 +FLAGS (\\Seen \\Flagged)\r\n"
		      "s5 UID STORE 4 -FLAGS.SILENT (\\Flagged)\r\ns6 UID STORE 99 +FLAGS (\\Seen)\r\n");
	server(e, "* ENABLED CONDSTORE\r\ns2 OK\r\n* 2 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\n"
		  "* OK [HIGHESTMODSEQ 20] x\r\ns3 OK [READ-WRITE] selected\r\n"
		  "* 2 FETCH (UID 4 MODSEQ (21) FLAGS (\\Seen \\Flagged))\r\ns4 OK stored\r\n"
		  "* 2 FETCH (UID 4 MODSEQ (22))\r\ns5 OK stored\r\ns6 OK nothing\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 2\nDONE 3 0 [READ-WRITE] selected\n"
		   "FETCH 4 seq=2 uid=4 flags=5 size=-1 modseq=21\nDONE 4 0 stored\n"
		   "FETCH 5 seq=2 uid=4 flags=0 size=-1 modseq=22\nDONE 5 0 stored\nDONE 6 0 nothing\n");
	TEST_INTEQ(sel, 3);
	TEST_INTEQ(add, 4);
	TEST_INTEQ(del, 5);
	TEST_INTEQ(miss, 6);
	TEST_ASSERT(!imap_engine_mailbox(e)->readonly);
	/* pipelined behind a FETCH, the answers are the FETCH's (the caller matches them by UID) */
	fetch = imap_engine_cmd_fetch(e, "4", "(UID FLAGS)");
	add = imap_engine_cmd_store(e, "4", "FLAGS", "()");
	EXPECT_CLIENT(e, "s7 UID FETCH 4 (UID FLAGS)\r\ns8 UID STORE 4 FLAGS ()\r\n");
	server(e, "* 2 FETCH (UID 4 FLAGS (\\Seen))\r\ns7 OK\r\n* 2 FETCH (UID 4 FLAGS ())\r\ns8 OK\r\n", &log);
	EXPECT_LOG(&log, "FETCH 7 seq=2 uid=4 flags=1 size=-1\nDONE 7 0 \nFETCH 8 seq=2 uid=4 flags=0 size=-1\n"
		   "DONE 8 0 \n");
	TEST_INTEQ(fetch, 7);
	/* EXAMINE: the server refuses */
	imap_engine_cmd_select(e, "INBOX", true);
	ro = imap_engine_cmd_store(e, "4", "+FLAGS.SILENT", "(\\Seen)");
	EXPECT_CLIENT(e, "s9 EXAMINE \"INBOX\"\r\ns10 UID STORE 4 +FLAGS.SILENT (\\Seen)\r\n");
	server(e, "* 2 EXISTS\r\ns9 OK [READ-ONLY] examined\r\ns10 NO [READ-ONLY] Mailbox is read-only\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 2\nDONE 9 0 [READ-ONLY] examined\nDONE 10 1 [READ-ONLY] Mailbox is read-only\n");
	TEST_INTEQ(ro, 10);
	TEST_ASSERT(imap_engine_mailbox(e)->readonly);
	imap_engine_free(&e);
	buf_free(&log);
}

static void (*const conversations[])(void) = {
	conv_sync_literal_blocks_pipeline,
	conv_qresync_pipelined,
	conv_store,
	conv_rev2_only,
	conv_sasl_ir_list_status, conv_starttls_injection, conv_tls_policy,
	conv_login_literal_and_fallback_list, conv_fetch_search_errors, conv_bad_input,
};

static void run_all(size_t step)
{
	step_size = step;
	for (size_t i = 0; i < N_ELEMENTS(conversations); i++)
		conversations[i]();
}

static void test_whole(void) { run_all(0); }
static void test_byte_at_a_time(void) { run_all(1); }
static void test_odd_chunks(void) { run_all(3); }

static const struct test_case tests[] = {
	{ "conversations, whole input", test_whole },
	{ "conversations, one byte at a time", test_byte_at_a_time },
	{ "conversations, 3-byte chunks", test_odd_chunks },
};

TEST_MAIN(tests)
