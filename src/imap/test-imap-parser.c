/* test-imap-parser.c: table-driven tests of the IMAP tokenizer, fed whole and one byte at a time. */
#include "skua.h"
#include "imap-parser.h"
#include "lib/buf.h"
#include "test.h"

#include <stdlib.h>

static void dump_args(struct buf *out, const struct imap_arg *args, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct imap_arg *a = &args[i];
		if (i > 0)
			buf_append_c(out, ' ');
		switch (a->type) {
		case IMAP_ARG_ATOM:
			buf_append(out, a->u.str, a->len);
			break;
		case IMAP_ARG_STRING:
			buf_appendf(out, "\"%s\"", a->u.str);
			break;
		case IMAP_ARG_LITERAL:
			buf_appendf(out, "{%zu:", a->len);
			buf_append(out, a->u.str, a->len);
			buf_append_c(out, '}');
			break;
		case IMAP_ARG_STREAMED:
			buf_appendf(out, "{streamed %zu}", a->len);
			break;
		case IMAP_ARG_NIL:
			buf_append_str(out, "NIL");
			break;
		case IMAP_ARG_LIST:
			buf_append_c(out, '(');
			dump_args(out, a->u.list, a->count);
			buf_append_c(out, ')');
			break;
		}
	}
}

struct sink_state {
	struct buf data;
	int finals;
};

static void test_sink(void *ctx, const char *data, size_t len, bool final)
{
	struct sink_state *st = ctx;
	buf_append(&st->data, data, len);
	if (final)
		st->finals++;
}

/* Feeds input in chunks of `step` bytes (0 = all at once) and returns every response, one per line,
 * as "ARGS|TEXT", or "ERROR: msg" at the first error. */
static char *run(const char *input, size_t len, size_t step, struct sink_state *sink)
{
	struct imap_parser *p = imap_parser_new();
	struct buf out = BUF_INIT;
	size_t pos = 0;

	if (sink != NULL)
		imap_parser_set_sink(p, test_sink, sink);
	for (;;) {
		const struct imap_arg *args;
		size_t count;
		const char *text, *error;
		int ret = imap_parser_next(p, &args, &count, &text, &error);

		if (ret < 0) {
			buf_appendf(&out, "ERROR: %s\n", error);
			break;
		}
		if (ret > 0) {
			dump_args(&out, args, count);
			if (text != NULL)
				buf_appendf(&out, "|%s", text);
			buf_append_c(&out, '\n');
			continue;
		}
		if (pos >= len)
			break;
		size_t n = step == 0 || step > len - pos ? len - pos : step;
		imap_parser_input(p, input + pos, n);
		pos += n;
	}
	imap_parser_free(&p);
	TEST_ASSERT(p == NULL);
	return buf_steal(&out);
}

static const struct {
	const char *input;
	const char *expected;
} cases[] = {
	{ "* OK [CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\r\n",
	  "* OK|[CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\n" },
	{ "a1 OK LOGIN completed\r\n* 3 EXISTS\r\n", "a1 OK|LOGIN completed\n* 3 EXISTS\n" },
	{ "+ \r\n+\r\n+ cmVhZHk=\r\n", "+|\n+|\n+|cmVhZHk=\n" },
	{ "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent \\\"Items\\\\\"\r\n",
	  "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent \"Items\\\"\n" },
	{ "* LIST () NIL INBOX\r\n", "* LIST () NIL INBOX\n" },
	{ "* 12 FETCH (UID 7 FLAGS (\\Seen $Label1) RFC822.SIZE 44 BODY[HEADER.FIELDS (FROM SUBJECT)] {11}\r\nFrom: a\r\n\r\n)\r\n",
	  "* 12 FETCH (UID 7 FLAGS (\\Seen $Label1) RFC822.SIZE 44 BODY[HEADER.FIELDS (FROM SUBJECT)] {11:From: a\r\n\r\n})\n" },
	{ "* 1 FETCH (BODY[1]<0> ~{3}\r\na\0b BODY[2] {0}\r\n)\r\n",
	  "* 1 FETCH (BODY[1]<0> {3:a\0b} BODY[2] {0:})\n" },
	{ "* STATUS \"INBOX\" (MESSAGES 231 UIDNEXT 44292 UNSEEN 3)\r\n",
	  "* STATUS \"INBOX\" (MESSAGES 231 UIDNEXT 44292 UNSEEN 3)\n" },
	{ "* 1 FETCH (ENVELOPE (\"Mon, 7 Feb 1994\" {5}\r\nsu\"bj ((NIL NIL \"a\" \"b\")) NIL))\r\n",
	  "* 1 FETCH (ENVELOPE (\"Mon, 7 Feb 1994\" {5:su\"bj} ((NIL NIL \"a\" \"b\")) NIL))\n" },
	{ "* SEARCH 2 3 5\r\n* SEARCH\r\n", "* SEARCH 2 3 5\n* SEARCH\n" },
	{ "* BYE bye\r\n", "* BYE|bye\n" },
	{ "* 1 FETCH (FLAGS (\\Seen)\r\n", "ERROR: unterminated list\n" },
	{ "* 1 FETCH (FLAGS \"abc\r\n", "ERROR: line break in quoted string\n" },
	{ "* 1 FETCH (BODY[] {99999999999999999999}\r\n", "ERROR: literal too large (over 10^19 bytes announced)\n" },
	{ "* 1 FETCH (BODY[] {1099511627776}\r\n", "ERROR: literal too large (1099511627776 bytes announced)\n" },
	{ "* 1 FETCH ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\r\n",
	  "ERROR: lists nested too deeply\n" },
	{ "a2 FETCH\r\n", "ERROR: tagged response without a status\n" },
	{ "* 1 FETCH (FLAGS (\\Seen))) \r\n", "ERROR: unexpected ')'\n" },
	{ "* 1 EXISTS\n* 2 RECENT\n", "* 1 EXISTS\n* 2 RECENT\n" },
	{ "* 1 FETCH (X a\x01)\r\n", "ERROR: control character in atom\n" },
	{ "* 1 FETCH (UID 5", "" },
};

static void test_tokenizer_table(void)
{
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		size_t len = strlen(cases[i].input);
		/* embedded NUL test vector: use the known length */
		if (strstr(cases[i].input, "~{3}") != NULL)
			len += strlen(cases[i].input + len + 1) + 1;
		size_t steps[] = { 0, 1, 2, 7 };
		for (size_t s = 0; s < N_ELEMENTS(steps); s++) {
			char *got = run(cases[i].input, len, steps[s], NULL);
			size_t exp_len = strlen(cases[i].expected);
			if (strstr(cases[i].expected, "{3:a") != NULL)
				exp_len += strlen(cases[i].expected + exp_len + 1) + 1;
			if (memcmp(got, cases[i].expected, exp_len) != 0 || strlen(got) > exp_len + 1) {
				fprintf(stderr, "case %zu step %zu: got [%s] expected [%s]\n", i, steps[s], got,
					cases[i].expected);
				test_failures++;
			}
			free(got);
		}
	}
}

static void test_resp_code(void)
{
	struct imap_parser *p = imap_parser_new();
	const char *in = "a OK [PERMANENTFLAGS (\\Seen \\*)] Limited\r\n"
			 "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK no code\r\n";
	const struct imap_arg *args, *code;
	size_t count, ncode;
	const char *text, *error, *rest;

	imap_parser_input(p, in, strlen(in));
	TEST_INTEQ(imap_parser_next(p, &args, &count, &text, &error), 1);
	TEST_INTEQ(imap_parser_resp_code(p, text, &code, &ncode, &rest), 1);
	TEST_INTEQ(ncode, 2);
	TEST_ASSERT(imap_arg_atom_equals(&code[0], "permanentflags"));
	TEST_INTEQ(code[1].type, IMAP_ARG_LIST);
	TEST_INTEQ(code[1].count, 2);
	TEST_STREQ(code[1].u.list[1].u.str, "\\*");
	TEST_STREQ(rest, "Limited");
	TEST_ASSERT(imap_arg_atom_equals(&args[1], "OK"));
	TEST_INTEQ(imap_parser_next(p, &args, &count, &text, &error), 1);
	TEST_INTEQ(imap_parser_resp_code(p, text, &code, &ncode, &rest), 1);
	uint64_t n = 0;
	TEST_ASSERT(imap_arg_number(&code[1], &n));
	TEST_INTEQ(n, 3857529045ull);
	TEST_INTEQ(imap_parser_next(p, &args, &count, &text, &error), 1);
	TEST_INTEQ(imap_parser_resp_code(p, text, &code, &ncode, &rest), 0);
	TEST_INTEQ(imap_parser_next(p, &args, &count, &text, &error), 0);
	imap_parser_free(&p);
}

static void test_streamed_literal(void)
{
	size_t big = IMAP_PARSER_STREAM_MIN + 1000;
	struct buf in = BUF_INIT;
	buf_appendf(&in, "* 1 FETCH (UID 9 BODY[] {%zu}\r\n", big);
	for (size_t i = 0; i < big; i++)
		buf_append_c(&in, (char)('a' + i % 26));
	buf_append_str(&in, ")\r\na OK done\r\n");
	size_t steps[] = { 0, 1, 4096 };
	for (size_t s = 0; s < N_ELEMENTS(steps); s++) {
		struct sink_state st = { BUF_INIT, 0 };
		char *got = run(in.data, in.len, steps[s], &st);
		TEST_STREQ(got, "* 1 FETCH (UID 9 BODY[] {streamed 66536})\na OK|done\n");
		TEST_INTEQ(st.data.len, big);
		TEST_INTEQ(st.finals, 1);
		TEST_ASSERT(st.data.len == big && st.data.data[big - 1] == (char)('a' + (big - 1) % 26));
		free(got);
		buf_free(&st.data);
	}
	buf_free(&in);
}

static void test_discard_input(void)
{
	struct imap_parser *p = imap_parser_new();
	const char *in = "a OK Begin TLS\r\n* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] injected\r\n";
	const struct imap_arg *args;
	size_t count;
	const char *text, *error;

	imap_parser_input(p, in, strlen(in));
	TEST_INTEQ(imap_parser_next(p, &args, &count, &text, &error), 1);
	TEST_STREQ(text, "Begin TLS");
	TEST_INTEQ(imap_parser_discard_input(p), strlen(in) - 16);
	TEST_INTEQ(imap_parser_next(p, &args, &count, &text, &error), 0);
	imap_parser_input(p, "* OK real\r\n", 11);
	TEST_INTEQ(imap_parser_next(p, &args, &count, &text, &error), 1);
	TEST_STREQ(text, "real");
	imap_parser_free(&p);
}

static void test_long_line(void)
{
	struct imap_parser *p = imap_parser_new();
	char chunk[65536];
	const struct imap_arg *args;
	size_t count;
	const char *text, *error = NULL;
	int ret = 0;

	memset(chunk, 'x', sizeof(chunk));
	for (size_t total = 0; total <= IMAP_PARSER_MAX_LINE + sizeof(chunk) && ret == 0; total += sizeof(chunk)) {
		imap_parser_input(p, chunk, sizeof(chunk));
		ret = imap_parser_next(p, &args, &count, &text, &error);
	}
	TEST_INTEQ(ret, -1);
	TEST_STREQ(error, "response line too long");
	imap_parser_free(&p);
}

static const struct test_case tests[] = {
	{ "tokenizer table, whole and byte at a time", test_tokenizer_table },
	{ "response codes", test_resp_code },
	{ "streamed literal", test_streamed_literal },
	{ "discard input after STARTTLS", test_discard_input },
	{ "line length limit", test_long_line },
};

TEST_MAIN(tests)
