/* test-imap-fetch.c: ENVELOPE, BODYSTRUCTURE and INTERNALDATE parsing. */
#include "skua.h"
#include "imap-fetch.h"
#include "imap-parser.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* Tokenizes "* 1 FETCH (ITEM value)" and returns the value token. */
static const struct imap_arg *fetch_value(struct imap_parser *p, const char *line)
{
	const struct imap_arg *args;
	size_t count;
	const char *text, *error;

	imap_parser_input(p, line, strlen(line));
	if (imap_parser_next(p, &args, &count, &text, &error) != 1 || count < 4)
		return NULL;
	return &args[3].u.list[1];
}

static void test_envelope(void)
{
	struct imap_parser *p = imap_parser_new();
	const struct imap_arg *v = fetch_value(p,
		"* 1 FETCH (ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700\" \"IMAP4rev1 WG mtg summary\" "
		"((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) NIL NIL "
		"((NIL NIL \"imap\" \"cac.washington.edu\")) "
		"((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) "
		"((NIL NIL \"undisclosed\" NIL)(NIL NIL NIL NIL)) NIL \"<B27397-0100000@cac.washington.edu>\"))\r\n");
	struct imap_envelope env;
	const char *error;

	TEST_ASSERT(v != NULL);
	TEST_INTEQ(imap_envelope_parse(v, &env, &error), 0);
	TEST_STREQ(env.subject, "IMAP4rev1 WG mtg summary");
	TEST_INTEQ(env.from.count, 1);
	TEST_STREQ(env.from.addrs[0].name, "Terry Gray");
	TEST_STREQ(env.from.addrs[0].host, "cac.washington.edu");
	TEST_INTEQ(env.sender.count, 0);
	TEST_INTEQ(env.cc.count, 2);
	TEST_ASSERT(env.bcc.addrs[0].group_start);
	TEST_ASSERT(env.bcc.addrs[1].group_end);
	TEST_ASSERT(env.in_reply_to == NULL);
	TEST_STREQ(env.message_id, "<B27397-0100000@cac.washington.edu>");
	imap_envelope_clear(&env);

	v = fetch_value(p, "* 2 FETCH (ENVELOPE (\"d\" \"s\" ((\"a\" NIL \"b\")) NIL NIL NIL NIL NIL NIL NIL))\r\n");
	TEST_INTEQ(imap_envelope_parse(v, &env, &error), -1);
	v = fetch_value(p, "* 3 FETCH (ENVELOPE (\"d\"))\r\n");
	TEST_INTEQ(imap_envelope_parse(v, &env, &error), -1);
	imap_parser_free(&p);
}

static void test_bodystructure(void)
{
	struct imap_parser *p = imap_parser_new();
	const struct imap_arg *v = fetch_value(p,
		"* 1 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
		"(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
		"\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73 NIL "
		"(\"attachment\" (\"filename\" \"cc.diff\")) NIL)"
		"(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 342 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) "
		"(\"TEXT\" \"HTML\" NIL NIL NIL \"QUOTED-PRINTABLE\" 100 4) 12) "
		"\"MIXED\" (\"BOUNDARY\" \"x\") NIL NIL))\r\n");
	struct imap_body *b = NULL;
	const char *error;

	TEST_ASSERT(v != NULL);
	TEST_INTEQ(imap_bodystructure_parse(v, &b, &error), 0);
	TEST_STREQ(b->subtype, "MIXED");
	TEST_INTEQ(b->n_children, 3);
	TEST_STREQ(imap_body_param(b->params, "boundary"), "x");
	TEST_STREQ(b->children[0].part, "1");
	TEST_INTEQ(b->children[0].lines, 23);
	TEST_STREQ(b->children[1].disposition, "attachment");
	TEST_STREQ(imap_body_param(b->children[1].disposition_params, "FILENAME"), "cc.diff");
	TEST_INTEQ(b->children[1].size, 4554);
	TEST_STREQ(b->children[2].envelope->subject, "inner");
	TEST_STREQ(b->children[2].message->subtype, "HTML");
	TEST_INTEQ(b->children[2].lines, 12);
	imap_body_free(&b);
	TEST_ASSERT(b == NULL);

	v = fetch_value(p, "* 2 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" x 1))\r\n");
	TEST_INTEQ(imap_bodystructure_parse(v, &b, &error), -1);
	TEST_ASSERT(b == NULL);
	v = fetch_value(p, "* 3 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)))\r\n");
	TEST_INTEQ(imap_bodystructure_parse(v, &b, &error), -1);
	imap_parser_free(&p);
}

static void test_internaldate(void)
{
	TEST_INTEQ(imap_internaldate_parse("17-Jul-1996 02:44:25 -0700"), 837596665);
	TEST_INTEQ(imap_internaldate_parse(" 1-Jan-2020 00:00:00 +0000"), 1577836800);
	TEST_INTEQ(imap_internaldate_parse("1-Foo-2020 00:00:00 +0000"), -1);
	TEST_INTEQ(imap_internaldate_parse("garbage"), -1);
	TEST_INTEQ(imap_internaldate_parse(NULL), -1);
}

static void test_uidset(void)
{
	static const struct {
		const char *set, *want;
	} cases[] = {
		{ "1:4,7,9:8", "1-4 7-7 8-9" },
		{ "4294967295", "4294967295-4294967295" },
		{ "", "" },
		{ "0", "ERR" }, { "1:0", "ERR" }, { "4294967296", "ERR" }, { "1,", "ERR" }, { "1:", "ERR" },
		{ "a", "ERR" }, { "1;2", "ERR" }, { "*", "ERR" }, { "1,,2", "1-1 ERR" },
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		const char *p = cases[i].set;
		uint32_t lo, hi;
		int ret;
		char got[128] = "";
		size_t n = 0;

		while ((ret = imap_uidset_next(&p, &lo, &hi)) > 0)
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%u-%u", n ? " " : "", lo, hi);
		if (ret < 0)
			snprintf(got + n, sizeof(got) - n, "%sERR", n ? " " : "");
		TEST_STREQ(got, cases[i].want);
	}
}

static const struct test_case tests[] = {
	{ "UID sets", test_uidset },
	{ "ENVELOPE", test_envelope },
	{ "BODYSTRUCTURE", test_bodystructure },
	{ "INTERNALDATE", test_internaldate },
};

TEST_MAIN(tests)
