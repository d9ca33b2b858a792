/* test-imap-engine.c: scripted IMAP conversations against the sans-I/O engine, server bytes fed whole and
 * one byte at a time. */
#include "skua.h"
#include "imap-engine.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"
#include "test.h"

#include <stdlib.h>

static size_t step_size;
/* set by the conversations that also check DONE's response code data */
static bool show_codes;

static void describe_set(struct buf *log, const char *name, const struct imap_uidset *set)
{
	buf_appendf(log, " %s=", name);
	if (set == NULL)
		buf_append_str(log, "NULL");
	else
		imap_uidset_format(set, log);
}

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
		buf_appendf(log, "DONE %u %d %s", ev->cmd, (int)ev->u.done.result, ev->u.done.text);
		if (show_codes && ev->u.done.code != IMAP_CODE_NONE)
			buf_appendf(log, " code=%s", imap_engine_code_name(ev->u.done.code));
		if (show_codes && ev->u.done.uidvalidity != 0)
			buf_appendf(log, " uv=%u", ev->u.done.uidvalidity);
		if (show_codes && ev->u.done.append_uid != 0)
			buf_appendf(log, " appended=%u", ev->u.done.append_uid);
		if (show_codes && (ev->u.done.copy_src != NULL || ev->u.done.copy_dst != NULL)) {
			describe_set(log, "src", ev->u.done.copy_src);
			describe_set(log, "dst", ev->u.done.copy_dst);
			buf_append_str(log, ev->u.done.copy_in_order ? " in-order" : " any-order");
		}
		if (show_codes && ev->u.done.modified != NULL)
			describe_set(log, "modified", ev->u.done.modified);
		buf_append_c(log, '\n');
		break;
	case IMAP_EVENT_BYE: buf_appendf(log, "BYE %s\n", ev->u.text); break;
	case IMAP_EVENT_ALERT: buf_appendf(log, "ALERT %s\n", ev->u.text); break;
	case IMAP_EVENT_IDLING: buf_appendf(log, "IDLING %u\n", ev->cmd); break;
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

/* A pre-authenticated engine (implicit TLS) that is READY with these capabilities, no command sent. */
static struct imap_engine *preauth(const char *capa, struct buf *log)
{
	struct imap_engine_settings set = { NULL, NULL, IMAP_AUTH_AUTO, NULL, 0, true, false, true };
	struct imap_engine *e = imap_engine_new(&set);
	struct buf greeting = BUF_INIT;

	buf_appendf(&greeting, "* PREAUTH [CAPABILITY %s] hi\r\n", capa);
	server(e, greeting.data, log);
	EXPECT_LOG(log, "READY\n");
	buf_free(&greeting);
	return e;
}

/* A set parsed from its text (the test's own, so always valid). */
static struct imap_uidset set_of(const char *text)
{
	struct imap_uidset set = IMAP_UIDSET_INIT;
	const char *error;

	if (imap_uidset_parse(&set, text, strlen(text), 0, 0, &error) < 0)
		abort();
	return set;
}

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

/* Typed UID STORE: modes, .SILENT, keywords, UNCHANGEDSINCE with a MODIFIED answer, refusals. */
static void conv_typed_store(void)
{
	struct buf log = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 CONDSTORE", &log);
	struct imap_uidset set = set_of("7,3,4:5");
	struct imap_uidset empty = IMAP_UIDSET_INIT;
	const char *const kw[] = { "$Junk", "work" };
	const char *const bad[] = { "two words" };
	const char *const bad2[] = { "\\Seen" };
	uint32_t add, rm, rep, cond;

	show_codes = true;
	add = imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = IMAP_STORE_ADD,
		.flags = IMAP_FLAG_SEEN | IMAP_FLAG_FLAGGED | IMAP_FLAG_RECENT });
	rm = imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = IMAP_STORE_REMOVE,
		.flags = IMAP_FLAG_DELETED, .keywords = kw, .n_keywords = 2, .silent = true });
	rep = imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = IMAP_STORE_REPLACE });
	cond = imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = IMAP_STORE_ADD,
		.flags = IMAP_FLAG_ANSWERED | IMAP_FLAG_DRAFT, .silent = true, .unchangedsince = 12345 });
	EXPECT_CLIENT(e, "s1 UID STORE 3:5,7 +FLAGS (\\Seen \\Flagged)\r\n"
		      "s2 UID STORE 3:5,7 -FLAGS.SILENT (\\Deleted $Junk work)\r\n"
		      "s3 UID STORE 3:5,7 FLAGS ()\r\n"
		      "s4 UID STORE 3:5,7 (UNCHANGEDSINCE 12345) +FLAGS.SILENT (\\Answered \\Draft)\r\n");
	TEST_INTEQ(add, 1);
	TEST_INTEQ(rm, 2);
	TEST_INTEQ(rep, 3);
	TEST_INTEQ(cond, 4);
	server(e, "* 1 FETCH (UID 3 FLAGS (\\Seen \\Flagged) MODSEQ (20))\r\n* 9 FETCH (UID 70 FLAGS (\\Seen))\r\n"
		  "s1 OK stored\r\ns2 OK [READ-WRITE] stored\r\n* 1 FETCH (FLAGS () UID 3)\r\ns3 OK\r\n"
		  "* 1 FETCH (UID 3 MODSEQ (21))\r\ns4 OK [MODIFIED 7,4:5] conditional store failed\r\n", &log);
	/* UID 70 is in no command's set: another client's change, cmd 0 */
	EXPECT_LOG(&log, "FETCH 1 seq=1 uid=3 flags=5 size=-1 modseq=20\nFETCH 0 seq=9 uid=70 flags=1 size=-1\n"
		   "DONE 1 0 stored\nDONE 2 0 [READ-WRITE] stored code=READ-WRITE\n"
		   "FETCH 3 seq=1 uid=3 flags=0 size=-1\nDONE 3 0 \n"
		   "FETCH 4 seq=1 uid=3 flags=0 size=-1 modseq=21\n"
		   "DONE 4 0 [MODIFIED 7,4:5] conditional store failed code=MODIFIED modified=4:5,7\n");
	/* what cannot be sent is refused before anything is queued */
	TEST_INTEQ(imap_engine_cmd_uid_store(e, &empty, &(struct imap_store){ .mode = IMAP_STORE_ADD }), 0);
	TEST_INTEQ(imap_engine_cmd_uid_store(e, NULL, &(struct imap_store){ .mode = IMAP_STORE_ADD }), 0);
	TEST_INTEQ(imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = IMAP_STORE_ADD,
		.keywords = bad, .n_keywords = 1 }), 0);
	TEST_INTEQ(imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = IMAP_STORE_ADD,
		.keywords = bad2, .n_keywords = 1 }), 0);
	TEST_INTEQ(imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = (enum imap_store_mode)7 }), 0);
	EXPECT_CLIENT(e, "");
	imap_engine_free(&e);
	/* no CONDSTORE: UNCHANGEDSINCE cannot be honoured */
	e = preauth("IMAP4rev1", &log);
	TEST_INTEQ(imap_engine_cmd_uid_store(e, &set, &(struct imap_store){ .mode = IMAP_STORE_ADD,
		.unchangedsince = 5 }), 0);
	EXPECT_CLIENT(e, "");
	imap_engine_free(&e);
	imap_uidset_clear(&set);
	buf_free(&log);
	show_codes = false;
}

/* UID COPY with COPYUID and TRYCREATE; UID MOVE with its untagged COPYUID and EXPUNGEs; UID EXPUNGE;
 * plain EXPUNGE; what happens without MOVE / UIDPLUS. */
static void conv_copy_move_expunge(void)
{
	struct buf log = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 UIDPLUS MOVE", &log);
	struct imap_uidset set = set_of("304,319:320");
	uint32_t sel, copy, miss, move, xp, plain;

	show_codes = true;
	sel = imap_engine_cmd_select(e, "INBOX", false);
	copy = imap_engine_cmd_uid_copy(e, &set, "Archive/2024");
	miss = imap_engine_cmd_uid_copy(e, &set, "Entw\xc3\xbcrfe");
	EXPECT_CLIENT(e, "s1 SELECT \"INBOX\"\r\ns2 UID COPY 304,319:320 \"Archive/2024\"\r\n"
		      "s3 UID COPY 304,319:320 \"Entw&APw-rfe\"\r\n");
	server(e, "* 5 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\ns1 OK [READ-WRITE] sel\r\n"
		  "s2 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"
		  "s3 NO [TRYCREATE] No such mailbox\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 5\nDONE 1 0 [READ-WRITE] sel code=READ-WRITE\n"
		   "DONE 2 0 [COPYUID 38505 304,319:320 3956:3958] Done code=COPYUID uv=38505 src=304,319:320 "
		   "dst=3956:3958 in-order\n"
		   "DONE 3 1 [TRYCREATE] No such mailbox code=TRYCREATE\n");
	TEST_INTEQ(sel, 1);
	TEST_INTEQ(copy, 2);
	TEST_INTEQ(miss, 3);
	/* MOVE: COPYUID comes untagged, before the EXPUNGEs and the tagged OK (RFC 6851) */
	move = imap_engine_cmd_uid_move(e, &set, "Trash");
	EXPECT_CLIENT(e, "s4 UID MOVE 304,319:320 \"Trash\"\r\n");
	server(e, "* OK [COPYUID 432432 319:320,304 10:12] Moved UIDs.\r\n* 2 EXPUNGE\r\n* 2 EXPUNGE\r\n"
		  "* 1 EXPUNGE\r\ns4 OK Move completed\r\n", &log);
	EXPECT_LOG(&log, "EXPUNGE 2\nEXPUNGE 2\nEXPUNGE 1\n"
		   "DONE 4 0 Move completed code=COPYUID uv=432432 src=304,319:320 dst=10:12 any-order\n");
	TEST_INTEQ(move, 4);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 2);
	/* UID EXPUNGE of exactly these; a plain EXPUNGE (every \Deleted message) */
	xp = imap_engine_cmd_uid_expunge(e, &set);
	plain = imap_engine_cmd_expunge(e);
	EXPECT_CLIENT(e, "s5 UID EXPUNGE 304,319:320\r\ns6 EXPUNGE\r\n");
	server(e, "* 1 EXPUNGE\r\ns5 OK [EXPUNGEISSUED] expunged\r\n* 1 EXPUNGE\r\ns6 OK\r\n", &log);
	EXPECT_LOG(&log, "EXPUNGE 1\nDONE 5 0 [EXPUNGEISSUED] expunged code=EXPUNGEISSUED\nEXPUNGE 1\nDONE 6 0 \n");
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 0);
	TEST_INTEQ(xp, 5);
	TEST_INTEQ(plain, 6);
	/* a hostile server: a second untagged COPYUID for the same MOVE is ignored, a malformed one is
	 * none, and a COPYUID with no MOVE in flight changes nothing */
	server(e, "* OK [COPYUID 1 1:3 5] stray\r\n", &log);
	move = imap_engine_cmd_uid_move(e, &set, "Trash");
	EXPECT_CLIENT(e, "s7 UID MOVE 304,319:320 \"Trash\"\r\n");
	server(e, "* OK [COPYUID 9 304 50] a\r\n* OK [COPYUID 9 1:1000000 1] b\r\n"
		  "s7 OK [COPYUID 9 0 1] done\r\n", &log);
	EXPECT_LOG(&log, "DONE 7 0 [COPYUID 9 0 1] done code=COPYUID uv=9 src=304 dst=50 in-order\n");
	move = imap_engine_cmd_uid_move(e, &set, "Trash");
	EXPECT_CLIENT(e, "s8 UID MOVE 304,319:320 \"Trash\"\r\n");
	server(e, "* OK [COPYUID 9 1:3 5] mismatched\r\ns8 OK [COPYUID x y z] done\r\n", &log);
	EXPECT_LOG(&log, "DONE 8 0 [COPYUID x y z] done\n");
	imap_engine_free(&e);
	/* without MOVE and UIDPLUS the builders refuse: the caller falls back (or does not move) */
	e = preauth("IMAP4rev1", &log);
	TEST_INTEQ(imap_engine_cmd_uid_move(e, &set, "Trash"), 0);
	TEST_INTEQ(imap_engine_cmd_uid_expunge(e, &set), 0);
	copy = imap_engine_cmd_uid_copy(e, &set, "Trash");
	EXPECT_CLIENT(e, "s1 UID COPY 304,319:320 \"Trash\"\r\n");
	server(e, "s1 OK copied\r\n", &log);
	EXPECT_LOG(&log, "DONE 1 0 copied\n");
	imap_engine_free(&e);
	imap_uidset_clear(&set);
	buf_free(&log);
	show_codes = false;
}

/* A set too long for one command line is split over several commands with one id and one DONE. */
static void conv_split_set(void)
{
	struct buf log = BUF_INIT, want = BUF_INIT, chunk = BUF_INIT, reply = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 UIDPLUS MOVE", &log);
	struct imap_uidset set = IMAP_UIDSET_INIT;
	size_t pos = 0, n = 0;
	uint32_t dst = 1000, copy, move;

	show_codes = true;
	for (uint32_t u = 1; u < 6000; u += 2)
		imap_uidset_add(&set, u);
	copy = imap_engine_cmd_uid_copy(e, &set, "Archive");
	while (imap_uidset_format_chunk(&set, &pos, IMAP_ENGINE_MAX_SET_TEXT, &chunk)) {
		struct imap_uidset part = set_of(chunk.data);
		uint64_t count = imap_uidset_count(&part);

		TEST_ASSERT(chunk.len <= IMAP_ENGINE_MAX_SET_TEXT);
		buf_appendf(&want, "s%zu UID COPY %s \"Archive\"\r\n", n + 1, chunk.data);
		buf_appendf(&reply, "s%zu OK [COPYUID 77 %s %u:%u] ok %zu\r\n", n + 1, chunk.data, dst,
			    dst + (uint32_t)count - 1, n + 1);
		dst += (uint32_t)count;
		buf_reset(&chunk);
		imap_uidset_clear(&part);
		n++;
	}
	TEST_ASSERT(n >= 3);
	EXPECT_CLIENT(e, want.data);
	server(e, reply.data, &log);
	/* DONE carries the last reply's text and the merged sets */
	{
		char *last = strrchr(reply.data, '[');
		char *end = strchr(last, ']');
		buf_reset(&want);
		buf_appendf(&want, "DONE 1 0 %.*s ok %zu code=COPYUID uv=77 src=", (int)(end - last + 1), last, n);
	}
	imap_uidset_format(&set, &want);
	buf_appendf(&want, " dst=1000:%u in-order\n", dst - 1);
	EXPECT_LOG(&log, want.data);
	TEST_INTEQ(copy, 1);
	/* a split MOVE: one untagged COPYUID per command; the second fails: the first failure's text and
	 * code, and the COPYUID of what did move */
	move = imap_engine_cmd_uid_move(e, &set, "Trash");
	TEST_INTEQ(move, 2);
	{
		char *out = client(e);
		size_t lines = 0;
		for (char *p = out; (p = strstr(p, " UID MOVE ")) != NULL; p++)
			lines++;
		TEST_INTEQ(lines, n);
		buf_reset(&want);
		buf_appendf(&want, "s%zu UID MOVE 1,3,5,", n + 1);
		TEST_ASSERT(strncmp(out, want.data, want.len) == 0);
		free(out);
	}
	buf_reset(&reply);
	pos = 0;
	buf_reset(&chunk);
	imap_uidset_format_chunk(&set, &pos, IMAP_ENGINE_MAX_SET_TEXT, &chunk);
	buf_appendf(&reply, "* OK [COPYUID 78 %s 1:%zu] moved\r\ns%zu OK first\r\n", chunk.data,
		    (size_t)imap_uidset_count(&(struct imap_uidset){ set.ranges, pos, pos }), n + 1);
	buf_appendf(&reply, "s%zu NO [OVERQUOTA] quota\r\n", n + 2);
	for (size_t i = 2; i < n; i++)
		buf_appendf(&reply, "s%zu NO [SERVERBUG] later\r\n", n + 1 + i);
	server(e, reply.data, &log);
	buf_reset(&want);
	buf_appendf(&want, "DONE 2 1 [OVERQUOTA] quota code=OVERQUOTA uv=78 src=%s dst=1:%zu in-order\n", chunk.data,
		    (size_t)imap_uidset_count(&(struct imap_uidset){ set.ranges, pos, pos }));
	EXPECT_LOG(&log, want.data);
	/* chunks whose reports overlap cannot be paired: the merged COPYUID is dropped */
	TEST_INTEQ(imap_engine_cmd_uid_copy(e, &set, "Archive"), 3);
	free(client(e));
	buf_reset(&reply);
	pos = 0;
	for (size_t i = 0; i < n; i++) {
		buf_reset(&chunk);
		imap_uidset_format_chunk(&set, &pos, IMAP_ENGINE_MAX_SET_TEXT, &chunk);
		struct imap_uidset part = set_of(chunk.data);
		buf_appendf(&reply, "s%zu OK [COPYUID 77 %s 1:%llu] ok\r\n", 2 * n + 1 + i, chunk.data,
			    (unsigned long long)imap_uidset_count(&part));
		imap_uidset_clear(&part);
	}
	server(e, reply.data, &log);
	{
		const char *l = log.data != NULL ? log.data : "";
		TEST_ASSERT(strncmp(l, "DONE 3 0 [COPYUID 77 ", 21) == 0);
		TEST_ASSERT(strstr(l, "] ok code=COPYUID uv=77\n") != NULL);
		TEST_ASSERT(strstr(l, " src=") == NULL);
		buf_reset(&log);
	}
	imap_engine_free(&e);
	imap_uidset_clear(&set);
	buf_free(&log);
	buf_free(&want);
	buf_free(&chunk);
	buf_free(&reply);
	show_codes = false;
}

/* APPEND: LITERAL+ in one write, a synchronising literal after "+", LITERAL- up to 4096 bytes, flags and
 * date, APPENDUID, a refusal before "+" that lets the commands behind it go, literal8 for NUL bytes. */
static void conv_append(void)
{
	struct buf log = BUF_INIT, want = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 LITERAL+ UIDPLUS", &log);
	static const char msg[] = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
	const char *const kw[] = { "$Forwarded" };
	uint32_t id;

	show_codes = true;
	/* 2024-02-29 23:59:58 UTC shown in +0130 */
	id = imap_engine_cmd_append(e, "Sent", &(struct imap_append){ .flags = IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT,
		.keywords = kw, .n_keywords = 1, .date = 1709251198, .tz_minutes = 90 }, msg, strlen(msg));
	EXPECT_CLIENT(e, "s1 APPEND \"Sent\" (\\Seen \\Draft $Forwarded) \" 1-Mar-2024 01:29:58 +0130\" {42+}\r\n"
		      "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n\r\n");
	server(e, "s1 OK [APPENDUID 38505 3955] APPEND completed\r\n", &log);
	EXPECT_LOG(&log, "DONE 1 0 [APPENDUID 38505 3955] APPEND completed code=APPENDUID uv=38505 appended=3955\n");
	TEST_INTEQ(id, 1);
	/* a western zone and no flags */
	imap_engine_cmd_append(e, "Sent", &(struct imap_append){ .date = 1709251198, .tz_minutes = -300 }, "x", 1);
	EXPECT_CLIENT(e, "s2 APPEND \"Sent\" \"29-Feb-2024 18:59:58 -0500\" {1+}\r\nx\r\n");
	/* NUL bytes need BINARY; a bad keyword or zone is refused */
	TEST_INTEQ(imap_engine_cmd_append(e, "Sent", NULL, "a\0b", 3), 0);
	TEST_INTEQ(imap_engine_cmd_append(e, "Sent", &(struct imap_append){ .keywords = (const char *const[]){ "a b" },
		.n_keywords = 1 }, "x", 1), 0);
	TEST_INTEQ(imap_engine_cmd_append(e, "Sent", &(struct imap_append){ .date = 1, .tz_minutes = 900 }, "x", 1), 0);
	EXPECT_CLIENT(e, "");
	imap_engine_free(&e);

	/* no LITERAL+: wait for "+"; a NO instead of "+" ends the APPEND and the NOOP behind it goes */
	e = preauth("IMAP4rev1 BINARY", &log);
	id = imap_engine_cmd_append(e, "Entw\xc3\xbcrfe", NULL, msg, strlen(msg));
	imap_engine_cmd_noop(e);
	EXPECT_CLIENT(e, "s1 APPEND \"Entw&APw-rfe\" {42}\r\n");
	server(e, "+ Ready for literal data\r\n", &log);
	EXPECT_CLIENT(e, "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n\r\ns2 NOOP\r\n");
	server(e, "s1 OK done\r\ns2 OK\r\n", &log);
	EXPECT_LOG(&log, "DONE 1 0 done\nDONE 2 0 \n");
	imap_engine_cmd_append(e, "Nope", NULL, msg, strlen(msg));
	imap_engine_cmd_noop(e);
	EXPECT_CLIENT(e, "s3 APPEND \"Nope\" {42}\r\n");
	server(e, "s3 NO [TRYCREATE] no such mailbox\r\n", &log);
	EXPECT_LOG(&log, "DONE 3 1 [TRYCREATE] no such mailbox code=TRYCREATE\n");
	EXPECT_CLIENT(e, "s4 NOOP\r\n");
	server(e, "s4 OK\r\n", &log);
	EXPECT_LOG(&log, "DONE 4 0 \n");
	/* a NUL byte with BINARY: literal8 */
	imap_engine_cmd_append(e, "Sent", NULL, "a\0b", 3);
	EXPECT_CLIENT(e, "s5 APPEND \"Sent\" ~{3}\r\n");
	server(e, "+ go\r\n", &log);
	{
		char *out;
		const char *data;
		size_t len = imap_engine_output(e, &data);
		TEST_INTEQ(len, 5);
		TEST_ASSERT(len == 5 && memcmp(data, "a\0b\r\n", 5) == 0);
		out = client(e);
		free(out);
	}
	server(e, "s5 OK [APPENDUID 1 4294967295] ok\r\n", &log);
	EXPECT_LOG(&log, "DONE 5 0 [APPENDUID 1 4294967295] ok code=APPENDUID uv=1 appended=4294967295\n");
	/* a malformed APPENDUID is no code */
	imap_engine_cmd_append(e, "Sent", NULL, "", 0);
	EXPECT_CLIENT(e, "s6 APPEND \"Sent\" {0}\r\n");
	server(e, "+ go\r\n", &log);
	EXPECT_CLIENT(e, "\r\n");
	server(e, "s6 OK [APPENDUID 0 5] ok\r\n", &log);
	EXPECT_LOG(&log, "DONE 6 0 [APPENDUID 0 5] ok\n");
	imap_engine_free(&e);

	/* LITERAL-: non-synchronising up to 4096 bytes, synchronising above */
	e = preauth("IMAP4rev1 LITERAL-", &log);
	{
		char *big = xmalloc(4097);
		memset(big, 'x', 4097);
		imap_engine_cmd_append(e, "Sent", NULL, big, 4096);
		buf_append_str(&want, "s1 APPEND \"Sent\" {4096+}\r\n");
		buf_append(&want, big, 4096);
		buf_append_str(&want, "\r\n");
		EXPECT_CLIENT(e, want.data);
		imap_engine_cmd_append(e, "Sent", NULL, big, 4097);
		EXPECT_CLIENT(e, "s2 APPEND \"Sent\" {4097}\r\n");
		free(big);
	}
	imap_engine_free(&e);
	buf_free(&want);
	buf_free(&log);
	show_codes = false;
}

/* CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE with quoting and modified UTF-7; their codes; UNSELECT
 * and CLOSE clear the mailbox state. */
static void conv_mailbox_management(void)
{
	struct buf log = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 UNSELECT", &log);
	char longname[1200];

	show_codes = true;
	imap_engine_cmd_create(e, "Projekte/Entw\xc3\xbcrfe");
	imap_engine_cmd_create(e, "a\"b\\c");
	imap_engine_cmd_delete(e, "Old");
	imap_engine_cmd_rename(e, "Old", "\xe6\x97\xa5\xe6\x9c\xac");
	imap_engine_cmd_subscribe(e, "INBOX");
	imap_engine_cmd_unsubscribe(e, "INBOX");
	EXPECT_CLIENT(e, "s1 CREATE \"Projekte/Entw&APw-rfe\"\r\ns2 CREATE \"a\\\"b\\\\c\"\r\ns3 DELETE \"Old\"\r\n"
		      "s4 RENAME \"Old\" \"&ZeVnLA-\"\r\ns5 SUBSCRIBE \"INBOX\"\r\ns6 UNSUBSCRIBE \"INBOX\"\r\n");
	server(e, "s1 OK created\r\ns2 NO [ALREADYEXISTS] exists\r\ns3 NO [NONEXISTENT] gone\r\n"
		  "s4 NO [INUSE] busy\r\ns5 NO [NOPERM] no\r\ns6 NO [CANNOT] cannot\r\n", &log);
	EXPECT_LOG(&log, "DONE 1 0 created\nDONE 2 1 [ALREADYEXISTS] exists code=ALREADYEXISTS\n"
		   "DONE 3 1 [NONEXISTENT] gone code=NONEXISTENT\nDONE 4 1 [INUSE] busy code=INUSE\n"
		   "DONE 5 1 [NOPERM] no code=NOPERM\nDONE 6 1 [CANNOT] cannot code=CANNOT\n");
	/* controls are encoded by modified UTF-7 */
	imap_engine_cmd_create(e, "a\r\nb");
	EXPECT_CLIENT(e, "s7 CREATE \"a&AA0ACg-b\"\r\n");
	server(e, "s7 NO [CLIENTBUG] really?\r\n", &log);
	EXPECT_LOG(&log, "DONE 7 1 [CLIENTBUG] really? code=CLIENTBUG\n");
	/* a long name too, and RENAME with two literals waits twice */
	memset(longname, 'y', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	imap_engine_cmd_rename(e, longname, longname);
	EXPECT_CLIENT(e, "s8 RENAME {1199}\r\n");
	server(e, "+ ok\r\n", &log);
	{
		char *out = client(e);
		TEST_ASSERT(strlen(out) == 1199 + 9 && strcmp(out + 1199, " {1199}\r\n") == 0);
		free(out);
	}
	server(e, "+ ok\r\n", &log);
	{
		char *out = client(e);
		TEST_ASSERT(strlen(out) == 1199 + 2 && strcmp(out + 1199, "\r\n") == 0);
		free(out);
	}
	server(e, "s8 NO [LIMIT] too long\r\n", &log);
	EXPECT_LOG(&log, "DONE 8 1 [LIMIT] too long code=LIMIT\n");
	/* UNSELECT clears the mailbox state, CLOSE too */
	imap_engine_cmd_select(e, "INBOX", false);
	EXPECT_CLIENT(e, "s9 SELECT \"INBOX\"\r\n");
	server(e, "* 3 EXISTS\r\n* OK [UIDVALIDITY 5] x\r\ns9 OK [READ-WRITE] ok\r\n", &log);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 3);
	TEST_INTEQ(imap_engine_cmd_unselect(e), 10);
	EXPECT_CLIENT(e, "s10 UNSELECT\r\n");
	server(e, "s10 OK unselected\r\n", &log);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 0);
	TEST_INTEQ(imap_engine_mailbox(e)->uidvalidity, 0);
	imap_engine_cmd_select(e, "INBOX", true);
	imap_engine_cmd_close(e);
	EXPECT_CLIENT(e, "s11 EXAMINE \"INBOX\"\r\ns12 CLOSE\r\n");
	server(e, "* 3 EXISTS\r\n* OK [UIDVALIDITY 5] x\r\ns11 OK [READ-ONLY] ok\r\n", &log);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 3);
	server(e, "s12 OK closed\r\n", &log);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 0);
	EXPECT_LOG(&log, "EXISTS 3\nDONE 9 0 [READ-WRITE] ok code=READ-WRITE\nDONE 10 0 unselected\n"
		   "EXISTS 3\nDONE 11 0 [READ-ONLY] ok code=READ-ONLY\nDONE 12 0 closed\n");
	imap_engine_free(&e);
	/* without UNSELECT (IMAP4rev1 only) the builder refuses; IMAP4rev2 includes it */
	e = preauth("IMAP4rev1", &log);
	TEST_INTEQ(imap_engine_cmd_unselect(e), 0);
	EXPECT_CLIENT(e, "");
	imap_engine_free(&e);
	e = preauth("IMAP4rev2", &log);
	TEST_ASSERT(imap_engine_cmd_unselect(e) != 0);
	EXPECT_CLIENT(e, "s1 NAMESPACE\r\ns2 UNSELECT\r\n");
	imap_engine_free(&e);
	buf_free(&log);
	show_codes = false;
}

/* Typed SEARCH: the implicit AND, OR / NOT nesting, every key kind, quoting, literals and CHARSET. */
static void conv_typed_search(void)
{
	struct buf log = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 ESEARCH CONDSTORE", &log);
	struct imap_uidset uids = set_of("1:100,200");
	const struct imap_search_key either[] = {
		{ .op = IMAP_SEARCH_FROM, .value = "alice \"the\" \\great" },
		{ .op = IMAP_SEARCH_NOT, .n_children = 1, .children = (const struct imap_search_key[]){
			{ .op = IMAP_SEARCH_AND, .n_children = 2, .children = (const struct imap_search_key[]){
				{ .op = IMAP_SEARCH_TO, .value = "bob" },
				{ .op = IMAP_SEARCH_CC, .value = "" } } } } },
	};
	const struct imap_search_key all[] = {
		{ .op = IMAP_SEARCH_UID, .uids = &uids },
		{ .op = IMAP_SEARCH_NOFLAG, .flag = IMAP_FLAG_SEEN },
		{ .op = IMAP_SEARCH_FLAG, .flag = IMAP_FLAG_FLAGGED },
		{ .op = IMAP_SEARCH_NOFLAG, .flag = IMAP_FLAG_RECENT },
		{ .op = IMAP_SEARCH_KEYWORD, .value = "$Junk" },
		{ .op = IMAP_SEARCH_UNKEYWORD, .value = "work" },
		{ .op = IMAP_SEARCH_OR, .n_children = 2, .children = either },
		{ .op = IMAP_SEARCH_SINCE, .date = { 2024, 2, 1 } },
		{ .op = IMAP_SEARCH_BEFORE, .date = { 2024, 12, 31 } },
		{ .op = IMAP_SEARCH_SENTON, .date = { 1999, 1, 9 } },
		{ .op = IMAP_SEARCH_LARGER, .number = 1000 },
		{ .op = IMAP_SEARCH_SMALLER, .number = 5000000 },
		{ .op = IMAP_SEARCH_HEADER, .name = "List-Id", .value = "skua.example" },
		{ .op = IMAP_SEARCH_BCC, .value = "x" },
		{ .op = IMAP_SEARCH_BODY, .value = "needle" },
		{ .op = IMAP_SEARCH_TEXT, .value = "hay" },
		{ .op = IMAP_SEARCH_MODSEQ, .number = 720162338 },
		{ .op = IMAP_SEARCH_AND },
	};
	const struct imap_search_key root = { .op = IMAP_SEARCH_AND, .n_children = N_ELEMENTS(all), .children = all };
	const struct imap_search_key subject = { .op = IMAP_SEARCH_SUBJECT, .value = "Gr\xc3\xbc\xc3\x9f" "e" };
	const struct imap_search_key line = { .op = IMAP_SEARCH_SUBJECT, .value = "a\r\nb" };
	uint32_t id;

	id = imap_engine_cmd_uid_search(e, &root);
	EXPECT_CLIENT(e, "s1 UID SEARCH RETURN (ALL) UID 1:100,200 UNSEEN FLAGGED OLD KEYWORD $Junk UNKEYWORD work "
		      "OR FROM \"alice \\\"the\\\" \\\\great\" NOT (TO \"bob\" CC \"\") SINCE 1-Feb-2024 "
		      "BEFORE 31-Dec-2024 SENTON 9-Jan-1999 LARGER 1000 SMALLER 5000000 HEADER \"List-Id\" \"skua.example\" "
		      "BCC \"x\" BODY \"needle\" TEXT \"hay\" MODSEQ 720162338 ALL\r\n");
	server(e, "* ESEARCH (TAG \"s1\") UID ALL 4,7:8\r\ns1 OK done\r\n", &log);
	EXPECT_LOG(&log, "SEARCH 1 4 7 8\nDONE 1 0 done\n");
	TEST_INTEQ(id, 1);
	/* 8-bit: CHARSET UTF-8 and a synchronising literal */
	imap_engine_cmd_uid_search(e, &subject);
	EXPECT_CLIENT(e, "s2 UID SEARCH RETURN (ALL) CHARSET UTF-8 SUBJECT {7}\r\n");
	server(e, "+ go\r\n", &log);
	EXPECT_CLIENT(e, "Gr\xc3\xbc\xc3\x9f" "e\r\n");
	server(e, "* ESEARCH (TAG \"s2\") UID\r\ns2 OK\r\n", &log);
	EXPECT_LOG(&log, "SEARCH 2\nDONE 2 0 \n");
	/* a line break needs a literal but no CHARSET; the empty AND is ALL */
	imap_engine_cmd_uid_search(e, &line);
	imap_engine_cmd_uid_search(e, &(struct imap_search_key){ .op = IMAP_SEARCH_AND });
	EXPECT_CLIENT(e, "s3 UID SEARCH RETURN (ALL) SUBJECT {4}\r\n");
	server(e, "+ go\r\n", &log);
	EXPECT_CLIENT(e, "a\r\nb\r\ns4 UID SEARCH RETURN (ALL) ALL\r\n");
	/* malformed trees are refused */
	{
		const struct imap_search_key bad[] = {
			{ .op = IMAP_SEARCH_FROM },
			{ .op = IMAP_SEARCH_FLAG, .flag = IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT },
			{ .op = IMAP_SEARCH_FLAG, .flag = 1u << 20 },
			{ .op = IMAP_SEARCH_KEYWORD, .value = "two words" },
			{ .op = IMAP_SEARCH_HEADER, .name = "X:Y", .value = "v" },
			{ .op = IMAP_SEARCH_HEADER, .name = "X", .value = NULL },
			{ .op = IMAP_SEARCH_ON, .date = { 2024, 13, 1 } },
			{ .op = IMAP_SEARCH_ON, .date = { 2024, 1, 0 } },
			{ .op = IMAP_SEARCH_NOT },
			{ .op = IMAP_SEARCH_OR, .n_children = 1, .children = either },
			{ .op = IMAP_SEARCH_AND, .n_children = 2 },
			{ .op = IMAP_SEARCH_UID },
			{ .op = (enum imap_search_op)99 },
		};
		struct imap_uidset empty = IMAP_UIDSET_INIT;
		for (size_t i = 0; i < N_ELEMENTS(bad); i++)
			TEST_INTEQ(imap_engine_cmd_uid_search(e, &bad[i]), 0);
		TEST_INTEQ(imap_engine_cmd_uid_search(e, &(struct imap_search_key){ .op = IMAP_SEARCH_UID,
			.uids = &empty }), 0);
		TEST_INTEQ(imap_engine_cmd_uid_search(e, NULL), 0);
		/* too deep */
		struct imap_search_key chain[IMAP_SEARCH_MAX_DEPTH + 2];
		for (size_t i = 0; i + 1 < N_ELEMENTS(chain); i++)
			chain[i] = (struct imap_search_key){ .op = IMAP_SEARCH_NOT, .n_children = 1, .children = &chain[i + 1] };
		chain[N_ELEMENTS(chain) - 1] = (struct imap_search_key){ .op = IMAP_SEARCH_ALL };
		TEST_INTEQ(imap_engine_cmd_uid_search(e, &chain[0]), 0);
		TEST_ASSERT(imap_engine_cmd_uid_search(e, &chain[2]) != 0);
		/* too many keys: a small tree that shares its children doubles at each level */
		struct imap_search_key dag[12];
		dag[N_ELEMENTS(dag) - 1] = (struct imap_search_key){ .op = IMAP_SEARCH_ALL };
		for (size_t i = N_ELEMENTS(dag) - 1; i-- > 0;) {
			struct imap_search_key *kids = xmalloc(2 * sizeof(*kids));
			kids[0] = kids[1] = dag[i + 1];
			dag[i] = (struct imap_search_key){ .op = IMAP_SEARCH_OR, .n_children = 2, .children = kids };
		}
		TEST_INTEQ(imap_engine_cmd_uid_search(e, &dag[0]), 0);
		for (size_t i = 0; i + 1 < N_ELEMENTS(dag); i++)
			free((void *)dag[i].children);
		free(client(e));
	}
	imap_engine_free(&e);
	/* LITERAL+ and no ESEARCH; MODSEQ without CONDSTORE is refused */
	e = preauth("IMAP4rev1 LITERAL+", &log);
	imap_engine_cmd_uid_search(e, &subject);
	EXPECT_CLIENT(e, "s1 UID SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nGr\xc3\xbc\xc3\x9f" "e\r\n");
	server(e, "* SEARCH 3 9\r\ns1 OK\r\n", &log);
	EXPECT_LOG(&log, "SEARCH 1 3 9\nDONE 1 0 \n");
	TEST_INTEQ(imap_engine_cmd_uid_search(e, &(struct imap_search_key){ .op = IMAP_SEARCH_MODSEQ, .number = 1 }), 0);
	imap_engine_free(&e);
	/* UTF8=ACCEPT enabled: quoted UTF-8, no CHARSET */
	e = preauth("IMAP4rev1 ENABLE UTF8=ACCEPT", &log);
	EXPECT_CLIENT(e, "s1 ENABLE UTF8=ACCEPT\r\n");
	server(e, "* ENABLED UTF8=ACCEPT\r\ns1 OK\r\n", &log);
	imap_engine_cmd_uid_search(e, &subject);
	EXPECT_CLIENT(e, "s2 UID SEARCH SUBJECT \"Gr\xc3\xbc\xc3\x9f" "e\"\r\n");
	imap_engine_free(&e);
	imap_uidset_clear(&uids);
	buf_free(&log);
}

/* Typed FETCH: items, header fields, a partial section, CHANGEDSINCE / VANISHED, sequence ranges, and
 * what cannot be sent. */
static void conv_typed_fetch(void)
{
	struct buf log = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 ENABLE CONDSTORE QRESYNC", &log);
	struct imap_uidset uids = set_of("10:20,4");
	const char *const fields[] = { "From", "Subject", "List-Id" };
	uint32_t f1, f2, f3;

	EXPECT_CLIENT(e, "s1 ENABLE QRESYNC CONDSTORE\r\n");
	f1 = imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .items = IMAP_FETCH_FLAGS |
		IMAP_FETCH_INTERNALDATE | IMAP_FETCH_RFC822_SIZE | IMAP_FETCH_MODSEQ | IMAP_FETCH_ENVELOPE |
		IMAP_FETCH_BODYSTRUCTURE, .header_fields = fields, .n_header_fields = 3 });
	f2 = imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .section = "1.2.MIME",
		.partial_origin = 0, .partial_len = 1024 });
	f3 = imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .items = IMAP_FETCH_FLAGS,
		.changedsince = 12345, .vanished = true });
	EXPECT_CLIENT(e, "s2 UID FETCH 4,10:20 (UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ ENVELOPE BODYSTRUCTURE "
		      "BODY.PEEK[HEADER.FIELDS (From Subject List-Id)])\r\n"
		      "s3 UID FETCH 4,10:20 (UID BODY.PEEK[1.2.MIME]<0.1024>)\r\n"
		      "s4 UID FETCH 4,10:20 (UID FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
	TEST_INTEQ(f1, 2);
	TEST_INTEQ(f2, 3);
	TEST_INTEQ(f3, 4);
	/* answers go to the FETCH that asked for the message; one nobody asked for is cmd 0 */
	server(e, "* ENABLED QRESYNC CONDSTORE\r\ns1 OK\r\n"
		  "* 1 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (7) RFC822.SIZE 99)\r\n* 30 FETCH (UID 300 FLAGS ())\r\n"
		  "s2 OK\r\n* 1 FETCH (UID 4 BODY[1.2.MIME]<0> {5}\r\nx: y\n)\r\ns3 OK\r\n"
		  "* VANISHED (EARLIER) 5:9\r\n* 2 FETCH (UID 10 FLAGS (\\Deleted) MODSEQ (12350))\r\ns4 OK\r\n", &log);
	EXPECT_LOG(&log, "FETCH 2 seq=1 uid=4 flags=1 size=99 modseq=7\nFETCH 0 seq=30 uid=300 flags=0 size=-1\n"
		   "DONE 2 0 \nFETCH 3 seq=1 uid=4 flags=0 size=-1 [1.2.MIME]<0>=x: y\n\nDONE 3 0 \n"
		   "VANISHED 5:9\nFETCH 4 seq=2 uid=10 flags=8 size=-1 modseq=12350\nDONE 4 0 \n");
	/* by sequence number: lo:*, lo:hi, one message */
	imap_engine_cmd_fetch_seqrange(e, 99501, 0, &(struct imap_fetch_spec){ .items = IMAP_FETCH_UID | IMAP_FETCH_FLAGS });
	imap_engine_cmd_fetch_seqrange(e, 5, 9, &(struct imap_fetch_spec){ .section = "" });
	imap_engine_cmd_fetch_seqrange(e, 3, 3, &(struct imap_fetch_spec){ .items = IMAP_FETCH_UID,
		.changedsince = 1 });
	EXPECT_CLIENT(e, "s5 FETCH 99501:* (UID FLAGS)\r\ns6 FETCH 5:9 (BODY.PEEK[])\r\n"
		      "s7 FETCH 3 (UID) (CHANGEDSINCE 1)\r\n");
	server(e, "* 99502 FETCH (UID 7 FLAGS ())\r\n* 7 FETCH (BODY[] {1}\r\nz)\r\n* 4 FETCH (FLAGS (\\Seen))\r\n"
		  "s5 OK\r\ns6 OK\r\ns7 OK\r\n", &log);
	EXPECT_LOG(&log, "FETCH 5 seq=99502 uid=7 flags=0 size=-1\nFETCH 6 seq=7 uid=0 flags=0 size=-1 []<-1>=z\n"
		   "FETCH 0 seq=4 uid=0 flags=1 size=-1\nDONE 5 0 \nDONE 6 0 \nDONE 7 0 \n");
	/* refusals */
	{
		const char *const badf[] = { "Sub ject" };
		const char *const colon[] = { "Subject:" };
		struct imap_uidset empty = IMAP_UIDSET_INIT;
		TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &empty, &(struct imap_fetch_spec){ .items = IMAP_FETCH_FLAGS }), 0);
		TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .header_fields = badf,
			.n_header_fields = 1 }), 0);
		TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .header_fields = colon,
			.n_header_fields = 1 }), 0);
		TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .section = "1] X" }), 0);
		TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .vanished = true }), 0);
		TEST_INTEQ(imap_engine_cmd_fetch_seqrange(e, 1, 2, &(struct imap_fetch_spec){ .changedsince = 3,
			.vanished = true }), 0);
		TEST_INTEQ(imap_engine_cmd_fetch_seqrange(e, 0, 2, &(struct imap_fetch_spec){ .items = IMAP_FETCH_UID }), 0);
		TEST_INTEQ(imap_engine_cmd_fetch_seqrange(e, 1, 2, &(struct imap_fetch_spec){ 0 }), 0);
		EXPECT_CLIENT(e, "");
	}
	/* the UID item alone, always asked for by UID FETCH */
	imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ 0 });
	EXPECT_CLIENT(e, "s8 UID FETCH 4,10:20 (UID)\r\n");
	imap_engine_free(&e);
	/* no CONDSTORE: MODSEQ and CHANGEDSINCE are refused; no QRESYNC: VANISHED */
	e = preauth("IMAP4rev1", &log);
	TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .items = IMAP_FETCH_MODSEQ }), 0);
	TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .changedsince = 4 }), 0);
	imap_engine_free(&e);
	e = preauth("IMAP4rev1 CONDSTORE", &log);
	TEST_INTEQ(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .changedsince = 4,
		.vanished = true }), 0);
	TEST_ASSERT(imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .changedsince = 4 }) != 0);
	EXPECT_CLIENT(e, "s1 UID FETCH 4,10:20 (UID) (CHANGEDSINCE 4)\r\n");
	imap_engine_free(&e);
	imap_uidset_clear(&uids);
	buf_free(&log);
}

/* IDLE: the continuation, unsolicited data while idling, DONE by the caller, DONE by the engine for a
 * command submitted meanwhile (held until IDLE's completion), DONE wanted before the "+", a refusal. */
static void conv_idle(void)
{
	struct buf log = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 IDLE", &log);
	uint32_t sel, idle, noop;

	sel = imap_engine_cmd_select(e, "INBOX", false);
	EXPECT_CLIENT(e, "s1 SELECT \"INBOX\"\r\n");
	server(e, "* 4 EXISTS\r\ns1 OK [READ-WRITE] ok\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 4\nDONE 1 0 [READ-WRITE] ok\n");
	TEST_INTEQ(sel, 1);
	idle = imap_engine_cmd_idle(e);
	TEST_INTEQ(idle, 2);
	EXPECT_CLIENT(e, "s2 IDLE\r\n");
	TEST_ASSERT(!imap_engine_is_idling(e));
	server(e, "+ idling\r\n", &log);
	EXPECT_LOG(&log, "IDLING 2\n");
	TEST_ASSERT(imap_engine_is_idling(e));
	/* another client's changes */
	server(e, "* 5 EXISTS\r\n* 2 EXPUNGE\r\n* 3 FETCH (UID 9 FLAGS (\\Seen \\Answered))\r\n+ again\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 5\nEXPUNGE 2\nFETCH 0 seq=3 uid=9 flags=3 size=-1\n");
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 4);
	EXPECT_CLIENT(e, "");
	TEST_ASSERT(imap_engine_idle_done(e));
	TEST_ASSERT(!imap_engine_is_idling(e));
	EXPECT_CLIENT(e, "DONE\r\n");
	TEST_ASSERT(imap_engine_idle_done(e)); /* still in flight: nothing more is sent */
	EXPECT_CLIENT(e, "");
	server(e, "* 1 EXPUNGE\r\ns2 OK IDLE terminated\r\n", &log);
	EXPECT_LOG(&log, "EXPUNGE 1\nDONE 2 0 IDLE terminated\n");
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 3);
	TEST_ASSERT(!imap_engine_idle_done(e));

	/* a command while idling: the engine ends IDLE and holds the command until IDLE's OK */
	idle = imap_engine_cmd_idle(e);
	EXPECT_CLIENT(e, "s3 IDLE\r\n");
	server(e, "+ idling\r\n", &log);
	EXPECT_LOG(&log, "IDLING 3\n");
	noop = imap_engine_cmd_noop(e);
	EXPECT_CLIENT(e, "DONE\r\n");
	server(e, "* 4 EXISTS\r\n", &log);
	EXPECT_CLIENT(e, "");
	server(e, "s3 OK done\r\n", &log);
	EXPECT_CLIENT(e, "s4 NOOP\r\n");
	server(e, "s4 OK\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 4\nDONE 3 0 done\nDONE 4 0 \n");
	TEST_INTEQ(noop, 4);

	/* a command right behind the IDLE (pipelined before the "+"): DONE goes at once after the "+",
	 * without an IDLING event */
	idle = imap_engine_cmd_idle(e);
	noop = imap_engine_cmd_noop(e);
	EXPECT_CLIENT(e, "s5 IDLE\r\n");
	server(e, "+ idling\r\n", &log);
	EXPECT_CLIENT(e, "DONE\r\n");
	server(e, "s5 OK done\r\ns6 OK\r\n", &log);
	EXPECT_CLIENT(e, "s6 NOOP\r\n");
	EXPECT_LOG(&log, "DONE 5 0 done\nDONE 6 0 \n");
	TEST_INTEQ(idle, 5);

	/* idle_done before the "+" */
	idle = imap_engine_cmd_idle(e);
	EXPECT_CLIENT(e, "s7 IDLE\r\n");
	TEST_ASSERT(imap_engine_idle_done(e));
	EXPECT_CLIENT(e, "");
	server(e, "+ idling\r\n", &log);
	EXPECT_CLIENT(e, "DONE\r\n");
	server(e, "s7 OK\r\n", &log);
	EXPECT_LOG(&log, "DONE 7 0 \n");

	/* the server refuses IDLE: DONE with NO, and what waited goes */
	idle = imap_engine_cmd_idle(e);
	noop = imap_engine_cmd_noop(e);
	EXPECT_CLIENT(e, "s8 IDLE\r\n");
	server(e, "s8 NO not now\r\n", &log);
	EXPECT_CLIENT(e, "s9 NOOP\r\n");
	EXPECT_LOG(&log, "DONE 8 1 not now\n");
	imap_engine_free(&e);

	/* before the capabilities are known, and without IDLE offered, the builder refuses */
	{
		struct imap_engine_settings set = { NULL, NULL, IMAP_AUTH_AUTO, NULL, 0, true, false, true };
		e = imap_engine_new(&set);
		TEST_INTEQ(imap_engine_cmd_idle(e), 0); /* capabilities unknown yet */
		imap_engine_free(&e);
	}
	e = preauth("IMAP4rev1", &log);
	TEST_INTEQ(imap_engine_cmd_idle(e), 0);
	TEST_ASSERT(!imap_engine_idle_done(e));
	EXPECT_CLIENT(e, "");
	imap_engine_free(&e);
	buf_free(&log);
}

/* Unsolicited EXISTS / EXPUNGE / VANISHED / FETCH in the middle of another command's responses, between
 * commands and during a STORE: events with cmd 0 unless a command asked for the message; exists
 * follows. */
static void conv_unsolicited(void)
{
	struct buf log = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1 ENABLE CONDSTORE QRESYNC", &log);
	struct imap_uidset uids = set_of("1:3");
	uint32_t sel, fetch, store;

	EXPECT_CLIENT(e, "s1 ENABLE QRESYNC CONDSTORE\r\n");
	sel = imap_engine_cmd_select_qresync(e, "INBOX", false, 9, 100);
	EXPECT_CLIENT(e, "s2 SELECT \"INBOX\" (QRESYNC (9 100))\r\n");
	/* QRESYNC's FETCHes belong to the SELECT */
	server(e, "s1 OK\r\n* 10 EXISTS\r\n* OK [UIDVALIDITY 9] x\r\n* VANISHED (EARLIER) 4:5\r\n"
		  "* 1 FETCH (UID 1 FLAGS () MODSEQ (101))\r\ns2 OK [READ-WRITE] ok\r\n", &log);
	EXPECT_LOG(&log, "EXISTS 10\nVANISHED 4:5\nFETCH 2 seq=1 uid=1 flags=0 size=-1 modseq=101\n"
		   "DONE 2 0 [READ-WRITE] ok\n");
	TEST_INTEQ(sel, 2);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 10); /* EARLIER does not shrink the mailbox */
	/* in the middle of a FETCH */
	fetch = imap_engine_cmd_uid_fetch(e, &uids, &(struct imap_fetch_spec){ .items = IMAP_FETCH_FLAGS });
	EXPECT_CLIENT(e, "s3 UID FETCH 1:3 (UID FLAGS)\r\n");
	server(e, "* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n* 11 EXISTS\r\n* 9 FETCH (UID 40 FLAGS (\\Flagged) MODSEQ (130))\r\n"
		  "* 8 EXPUNGE\r\n* VANISHED 30:31,33\r\n* 2 FETCH (UID 3 FLAGS ())\r\ns3 OK\r\n", &log);
	EXPECT_LOG(&log, "FETCH 3 seq=1 uid=1 flags=1 size=-1\nEXISTS 11\nFETCH 0 seq=9 uid=40 flags=4 size=-1 modseq=130\n"
		   "EXPUNGE 8\nVANISHED 30:31,33\nFETCH 3 seq=2 uid=3 flags=0 size=-1\nDONE 3 0 \n");
	TEST_INTEQ(fetch, 3);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 7);
	/* between commands */
	server(e, "* 3 FETCH (UID 5 MODSEQ (131) FLAGS (\\Deleted))\r\n* 8 EXISTS\r\n* 1 EXPUNGE\r\n", &log);
	EXPECT_LOG(&log, "FETCH 0 seq=3 uid=5 flags=8 size=-1 modseq=131\nEXISTS 8\nEXPUNGE 1\n");
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 7);
	/* during a STORE: its own answer, and someone else's change */
	store = imap_engine_cmd_uid_store(e, &uids, &(struct imap_store){ .mode = IMAP_STORE_ADD,
		.flags = IMAP_FLAG_SEEN });
	EXPECT_CLIENT(e, "s4 UID STORE 1:3 +FLAGS (\\Seen)\r\n");
	server(e, "* 6 FETCH (UID 20 FLAGS ())\r\n* 1 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (140))\r\n"
		  "* VANISHED 1:1000\r\ns4 OK\r\n", &log);
	EXPECT_LOG(&log, "FETCH 0 seq=6 uid=20 flags=0 size=-1\nFETCH 4 seq=1 uid=2 flags=1 size=-1 modseq=140\n"
		   "VANISHED 1:1000\nDONE 4 0 \n");
	TEST_INTEQ(store, 4);
	TEST_INTEQ(imap_engine_mailbox(e)->exists, 0); /* never below zero */
	imap_engine_free(&e);
	imap_uidset_clear(&uids);
	buf_free(&log);
}

/* Every response code the engine knows maps to its enum on DONE; unknown and malformed ones are none. */
static void conv_response_codes(void)
{
	static const char *const names[] = {
		"ALERT", "ALREADYEXISTS", "AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "BADCHARSET", "CANNOT",
		"CLIENTBUG", "CLOSED", "CONTACTADMIN", "CORRUPTION", "EXPIRED", "EXPUNGEISSUED", "HASCHILDREN",
		"INUSE", "LIMIT", "NONEXISTENT", "NOPERM", "NOTSAVED", "OVERQUOTA", "PARSE", "PRIVACYREQUIRED",
		"READ-ONLY", "READ-WRITE", "SERVERBUG", "TRYCREATE", "UIDNOTSTICKY", "UNAVAILABLE", "UNKNOWN-CTE",
	};
	struct buf log = BUF_INIT, reply = BUF_INIT, want = BUF_INIT;
	struct imap_engine *e = preauth("IMAP4rev1", &log);

	show_codes = true;
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		imap_engine_cmd_noop(e);
		buf_appendf(&reply, "s%zu NO [%s] x\r\n", i + 1, names[i]);
		buf_appendf(&want, "DONE %zu 1 [%s] x code=%s\n", i + 1, names[i], names[i]);
	}
	free(client(e));
	server(e, reply.data, &log);
	EXPECT_LOG(&log, want.data);
	/* lower case is the same code; unknown, malformed and argument-less ones are none */
	imap_engine_cmd_noop(e);
	imap_engine_cmd_noop(e);
	imap_engine_cmd_noop(e);
	imap_engine_cmd_noop(e);
	imap_engine_cmd_noop(e);
	free(client(e));
	server(e, "s29 OK [trycreate] a\r\ns30 OK [XYZZY 1 2] b\r\ns31 OK [MODIFIED] c\r\ns32 OK [MODIFIED 0] d\r\n"
		  "s33 OK [COPYUID 1 2] e\r\n", &log);
	EXPECT_LOG(&log, "DONE 29 0 [trycreate] a code=TRYCREATE\nDONE 30 0 [XYZZY 1 2] b\nDONE 31 0 [MODIFIED] c\n"
		   "DONE 32 0 [MODIFIED 0] d\nDONE 33 0 [COPYUID 1 2] e\n");
	TEST_STREQ(imap_engine_code_name(IMAP_CODE_NONE), "");
	TEST_STREQ(imap_engine_code_name(IMAP_CODE_READ_ONLY), "READ-ONLY");
	imap_engine_free(&e);
	buf_free(&log);
	buf_free(&reply);
	buf_free(&want);
	show_codes = false;
}

static void (*const conversations[])(void) = {
	conv_typed_store, conv_copy_move_expunge, conv_split_set, conv_append, conv_mailbox_management,
	conv_typed_search, conv_typed_fetch, conv_idle, conv_unsolicited, conv_response_codes,
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
