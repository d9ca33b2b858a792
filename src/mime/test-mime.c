/* test-mime.c: table-driven unit tests for header, RFC 2047/2231, address, date and MIME parsing. */
#include "skua.h"
#include "mime-int.h"
#include "lib/charset.h"
#include "lib/xmalloc.h"
#include "hostile.h"
#include "test.h"

#include <stdlib.h>

#define FFFD "\xEF\xBF\xBD"

/* A copy of s in a buffer of exactly strlen(s) bytes (no NUL), so that ASan catches any read past
 * the length a function was given. */
static char *exact(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n > 0 ? n : 1);
	memcpy(p, s, n);
	return p;
}

/* --- header fields --- */

static const char hdr_block[] =
	"From someone@example.com Mon Jan  1 00:00:00 2024\n"
	"Received: from a\r\n\tby b\r\n"
	"Subject: first line\r\n second line\r\n"
	"X-Empty:\r\n"
	"Obsolete  : spaced name\r\n"
	"To:   a@example.com  \r\n"
	"subject: duplicate\r\n"
	"\r\n"
	"Body: not a header\r\n";

struct hdr_case {
	const char *name;
	const char *want; /* NULL: absent */
};

static const struct hdr_case hdr_cases[] = {
	{ "Subject", "first line second line" },
	{ "SUBJECT", "first line second line" },
	{ "Received", "from a\tby b" },
	{ "X-Empty", "" },
	{ "Obsolete", "spaced name" },
	{ "To", "a@example.com" },
	{ "Body", NULL },
	{ "From", NULL },
	{ "Subj", NULL },
	{ "X", NULL },
};

static void test_header_get(void)
{
	for (size_t i = 0; i < N_ELEMENTS(hdr_cases); i++) {
		char *blk = exact(hdr_block);
		char *v = mime_header_get(blk, sizeof(hdr_block) - 1, hdr_cases[i].name);
		free(blk);
		if (hdr_cases[i].want == NULL)
			TEST_ASSERT(v == NULL);
		else
			TEST_STREQ(v, hdr_cases[i].want);
		free(v);
	}
	/* a header block that ends without a newline, and an empty one */
	char *v = mime_header_get("A: b", 4, "a");
	TEST_STREQ(v, "b");
	free(v);
	TEST_ASSERT(mime_header_get("", 0, "a") == NULL);
}

/* --- RFC 2047 --- */

struct text_case {
	const char *in;
	const char *want;
};

static const struct text_case text_cases[] = {
	{ "plain subject", "plain subject" },
	{ "=?utf-8?q?caf=C3=A9?=", "caf\xc3\xa9" },
	{ "=?UTF-8?Q?caf=c3=a9_au_lait?=", "caf\xc3\xa9 au lait" },
	{ "=?iso-8859-1?b?Y2Fm6Q==?=", "caf\xc3\xa9" },
	{ "=?utf-8?B?Y2Fmw6k?=", "caf\xc3\xa9" },
	/* adjacent words: the whitespace between them goes, even across folding */
	{ "=?utf-8?q?a?= =?utf-8?q?b?=", "ab" },
	{ "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab" },
	{ "=?utf-8?q?a?=  \t =?iso-8859-1?q?=E9?=", "a\xc3\xa9" },
	/* a UTF-8 character split across two words */
	{ "=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "\xe2\x82\xac" },
	/* text between words keeps its spaces */
	{ "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b" },
	{ "Re: =?utf-8?q?hi?= there", "Re: hi there" },
	{ "pre=?utf-8?q?fix?=", "prefix" },
	/* RFC 2231 language in the charset */
	{ "=?utf-8*en?q?hello?=", "hello" },
	{ "=?ISO-8859-1*fr?Q?=E9t=E9?=", "\xc3\xa9t\xc3\xa9" },
	/* malformed words are left as they are */
	{ "=?utf-8?x?abc?=", "=?utf-8?x?abc?=" },
	{ "=?utf-8?q?unterminated", "=?utf-8?q?unterminated" },
	{ "=??q?nocharset?=", "=??q?nocharset?=" },
	{ "=?utf-8?b?!!!?=", "=?utf-8?b?!!!?=" },
	{ "=?utf-8?q?has space?=", "=?utf-8?q?has space?=" },
	{ "=?utf-8?b?YQ==?= =?utf-8?b?***?= =?utf-8?b?Yg==?=", "a =?utf-8?b?***?= b" },
	/* unknown charset: replacement characters, never a crash */
	{ "=?x-bogus?q?a=E9b?=", "a" FFFD "b" },
	/* Q with lowercase hex, invalid escapes kept */
	{ "=?utf-8?q?=e2=82=ac=ZZ=?=", "\xe2\x82\xac=ZZ=" },
	/* raw 8-bit bytes inside a Q word are bytes of its charset (as mutt and Python's email read them);
	 * in a B word they are not base64 */
	{ "=?iso-8859-1?Q?Die_Hasen_und_die_Fr\xF6sche?=", "Die Hasen und die Fr\xc3\xb6sche" },
	{ "=?utf-8?q?caf\xc3\xa9_=C3=A9?=", "caf\xc3\xa9 \xc3\xa9" },
	{ "=?koi8-r?q?\xf0\xd2\xc9=D7\xc5\xd4?= x", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 x" },
	{ "=?iso-8859-1?b?Y2Fm\xe9?=", "=?iso-8859-1?b?Y2Fm\xc3\xa9?=" },
	{ "=?iso-8859-1?q?a\x7f" "b?=", "=?iso-8859-1?q?a" FFFD "b?=" },
	/* raw 8-bit: UTF-8 when valid, else Windows-1252 */
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "caf\xe9 \x93quoted\x94", "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d" },
	/* folding and controls */
	{ "folded\r\n subject", "folded subject" },
	{ "tab\there", "tab here" },
	{ "=?utf-8?q?esc=1B[31mred?=", "esc" FFFD "[31mred" },
	{ "=?utf-8?b?4oCuZXhlLnR4dA==?=", "exe.txt" },
	{ "=?utf-8?q?nul=00?=", "nul" FFFD },
	{ "=?utf-8?q?=C2=9B?=", FFFD },
	{ "", "" },
};

static void test_decode_text(void)
{
	for (size_t i = 0; i < N_ELEMENTS(text_cases); i++) {
		char *in = exact(text_cases[i].in);
		char *v = mime_decode_text(in, strlen(text_cases[i].in));
		TEST_STREQ(v, text_cases[i].want);
		free(v);
		free(in);
	}
}

/* --- parameters --- */

struct param_case {
	const char *value;
	const char *name;
	bool decode;
	const char *want;
};

static const struct param_case param_cases[] = {
	{ "text/plain; charset=utf-8", "charset", false, "utf-8" },
	{ "text/plain; CHARSET=\"ISO-8859-1\"", "charset", false, "ISO-8859-1" },
	{ "text/plain;charset=us-ascii (Plain text)", "charset", false, "us-ascii" },
	{ "text/plain; format=flowed; charset=utf-8", "charset", false, "utf-8" },
	{ "text/plain; format=flowed", "charset", false, NULL },
	{ "text/plain", "charset", false, NULL },
	{ "multipart/mixed; boundary=\"=_a b\\\"c\"", "boundary", false, "=_a b\"c" },
	{ "multipart/mixed;\tboundary=simple", "boundary", false, "simple" },
	{ "attachment; filename=\"r\xc3\xa9sum\xc3\xa9.pdf\"", "filename", true, "r\xc3\xa9sum\xc3\xa9.pdf" },
	{ "attachment; filename=my file.pdf", "filename", true, "my file.pdf" },
	{ "attachment; filename*=UTF-8''%e2%82%ac%20rates.pdf", "filename", true,
	  "\xe2\x82\xac rates.pdf" },
	{ "attachment; filename*=iso-8859-1'en'%E9t%E9.txt", "filename", true, "\xc3\xa9t\xc3\xa9.txt" },
	{ "attachment; filename*0=\"long\"; filename*1=\"name\"; filename*2=\".txt\"", "filename", true,
	  "longname.txt" },
	{ "attachment; filename*1=\"name\"; filename*0=\"long\"", "filename", true, "longname" },
	{ "attachment; filename*0*=UTF-8''%C3%A9; filename*1*=%C3%A9; filename*2=\".doc\"", "filename",
	  true, "\xc3\xa9\xc3\xa9.doc" },
	/* the RFC 2231 form wins over the plain one */
	{ "attachment; filename=\"fallback.txt\"; filename*=UTF-8''real.txt", "filename", true,
	  "real.txt" },
	/* a gap in the sections stops the value */
	{ "attachment; filename*0=a; filename*2=c", "filename", true, "a" },
	/* RFC 2047 inside a quoted value (not standard, but common) */
	{ "attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"", "filename", true, "\xc3\xa9t\xc3\xa9.pdf" },
	/* bad percent escapes kept */
	{ "attachment; filename*=UTF-8''100%zz.txt", "filename", true, "100%zz.txt" },
	/* no quotes for the charset part */
	{ "attachment; filename*=plain.txt", "filename", true, "plain.txt" },
	/* a name that only starts like the one asked for */
	{ "attachment; filenames=x", "filename", true, NULL },
	{ "text/plain; name=\"unterminated", "name", true, "unterminated" },
	{ "text/plain; ;; =; name", "name", true, NULL },
};

static void test_params(void)
{
	for (size_t i = 0; i < N_ELEMENTS(param_cases); i++) {
		const struct param_case *c = &param_cases[i];
		char *in = exact(c->value);
		char *v = mime_param_get(in, strlen(c->value), c->name, c->decode);
		free(in);
		if (c->want == NULL)
			TEST_ASSERT(v == NULL);
		else
			TEST_STREQ(v, c->want);
		free(v);
	}
	char *t = NULL, *s = NULL;
	TEST_ASSERT(mime_content_type_parse(" Text/HTML ; charset=x", 22, &t, &s));
	TEST_STREQ(t, "text");
	TEST_STREQ(s, "html");
	free(t);
	free(s);
	TEST_ASSERT(!mime_content_type_parse("text", 4, &t, &s));
	TEST_ASSERT(!mime_content_type_parse("text/", 5, &t, &s));
	char tok[16];
	mime_first_token(" Base64 (comment)", 17, tok, sizeof(tok));
	TEST_STREQ(tok, "base64");
	mime_first_token("attachment;filename=x", 21, tok, sizeof(tok));
	TEST_STREQ(tok, "attachment");
}

/* --- addresses --- */

struct addr_case {
	const char *in;
	const char *full;
	const char *name;
};

static const struct addr_case addr_cases[] = {
	{ "alice@example.com", "alice@example.com", "alice@example.com" },
	{ "Alice Liddell <alice@example.com>", "Alice Liddell <alice@example.com>", "Alice Liddell" },
	{ "\"Liddell, Alice\" <alice@example.com>", "\"Liddell, Alice\" <alice@example.com>",
	  "Liddell, Alice" },
	{ "<alice@example.com>", "alice@example.com", "alice@example.com" },
	{ "alice@example.com (Alice Liddell)", "Alice Liddell <alice@example.com>", "Alice Liddell" },
	{ "=?utf-8?q?J=C3=B6rg?= <j@example.de>", "J\xc3\xb6rg <j@example.de>", "J\xc3\xb6rg" },
	{ "\"=?utf-8?q?J=C3=B6rg?=\" <j@example.de>", "J\xc3\xb6rg <j@example.de>", "J\xc3\xb6rg" },
	{ "=?utf-8?q?M=C3=BCller=2C?= =?utf-8?q?_Hans?= <h@example.de>",
	  "\"M\xc3\xbcller, Hans\" <h@example.de>", "M\xc3\xbcller, Hans" },
	{ "a@x, B <b@y>,c@z", "a@x, B <b@y>, c@z", "a@x" },
	{ "John Q. Public <jqp@example.com>", "John Q. Public <jqp@example.com>", "John Q. Public" },
	{ "Friends: a@x, Bob <b@y>;", "a@x, Bob <b@y>", "a@x" },
	{ "undisclosed-recipients:;", "undisclosed-recipients:;", "undisclosed-recipients" },
	{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	  "Pete <pete(his account)@silly.test(his host)>", "Pete" },
	{ "Folded\r\n Name <f@x>", "Folded Name <f@x>", "Folded Name" },
	{ "Broken <no-close@x", "Broken <no-close@x>", "Broken" },
	{ "\"unterminated <u@x>", "unterminated <u@x>", "unterminated <u@x>" },
	{ "Evil\x1b[2J <e@x>", "Evil" FFFD "[2J <e@x>", "Evil" FFFD "[2J" },
	{ "\"\xe2\x80\xae" "gpj.exe\" <e@x>", "gpj.exe <e@x>", "gpj.exe" },
	{ "=?utf-8?q?a;b,c:d?= <s@x>", "\"a;b,c:d\" <s@x>", "a;b,c:d" },
	{ "Latin \xe9t\xe9 <l@x>", "Latin \xc3\xa9t\xc3\xa9 <l@x>", "Latin \xc3\xa9t\xc3\xa9" },
	{ "", "", "" },
	{ ",,,", "", "" },
	{ "<>", "", "" },
};

static void test_address_display(void)
{
	for (size_t i = 0; i < N_ELEMENTS(addr_cases); i++) {
		const struct addr_case *c = &addr_cases[i];
		char *in = exact(c->in);
		char *full = mime_address_display(in, strlen(c->in), false);
		char *name = mime_address_display(in, strlen(c->in), true);
		free(in);
		TEST_STREQ(full, c->full);
		TEST_STREQ(name, c->name);
		free(full);
		free(name);
	}
}

/* --- dates --- */

struct date_case {
	const char *in;
	int64_t want;
};

static const struct date_case date_cases[] = {
	{ "Thu, 13 Feb 1969 23:32:54 -0330", -27723426 + 0 },
	{ "Fri, 21 Nov 1997 09:55:06 -0600", 880127706 },
	{ "Tue, 1 Jul 2003 10:52:37 +0200", 1057049557 },
	{ "1 Jul 2003 10:52:37 +0200", 1057049557 },
	{ "Tue,  1 Jul 2003 10:52 +0200", 1057049520 },
	{ "Tue, 01 Jul 03 10:52:37 +0200", 1057049557 },
	{ "Tue, 1 Jul 2003 08:52:37 GMT", 1057049557 },
	{ "Tue, 1 Jul 2003 08:52:37 UT", 1057049557 },
	{ "Tue, 1 Jul 2003 08:52:37 Z", 1057049557 },
	{ "Tue, 1 Jul 2003 03:52:37 EST", 1057049557 },
	{ "Tue, 1 Jul 2003 04:52:37 EDT", 1057049557 },
	{ "Tue, 1 Jul 2003 01:52:37 PDT", 1057049557 },
	{ "Tue, 1 Jul 2003 08:52:37 A", 1057049557 }, /* military: -0000 (RFC 5322 4.3) */
	{ "Tue, 1 Jul 2003 08:52:37", 1057049557 },
	{ "Tue, 1 Jul 2003 08:52:37 -0000", 1057049557 },
	{ "Tue, 1 Jul 2003 10:52:37 +0200 (CEST)", 1057049557 },
	{ "Tue (day), 1 (d) Jul (m) 2003 10:52:37 +0200", 1057049557 },
	{ "1 July 2003 10:52:37 +0200", 1057049557 },
	{ "Tue Jul  1 08:52:37 2003", 1057049557 },
	{ "01-Jul-2003 10:52:37 +0200", 1057049557 },
	{ "Sat, 1 Jan 50 00:00:00 +0000", -631152000 },
	{ "Fri, 31 Dec 49 23:59:59 +0000", 2524607999 },
	{ "Mon, 1 Jan 100 00:00:00 +0000", 946684800 },
	{ "Thu, 29 Feb 2024 12:00:00 +0000", 1709208000 },
	{ "Thu, 1 Jan 1970 00:00:00 +0000", 0 },
	{ "Sat, 31 Dec 2016 23:59:60 +0000", 1483228799 },
	{ "Wed, 1 Jan 2025 00:00:00 +1400", 1735639200 },
	{ "30 Feb 2024 12:00:00 +0000", -1 },
	{ "Tue, 1 Foo 2003 10:52:37 +0200", -1 },
	{ "Tue, 1 Jul 2003 25:52:37 +0200", -1 },
	{ "Tue, 1 Jul 2003 10:72:37 +0200", -1 },
	{ "not a date", -1 },
	{ "", -1 },
	{ "Jul 2003", -1 },
	{ "1 Jul 123456 10:00:00", -1 },
};

static void test_date_parse(void)
{
	for (size_t i = 0; i < N_ELEMENTS(date_cases); i++) {
		char *in = exact(date_cases[i].in);
		int64_t got = mime_date_parse(in, strlen(date_cases[i].in));
		free(in);
		if (got != date_cases[i].want)
			fprintf(stderr, "  date case %zu: \"%s\"\n", i, date_cases[i].in);
		TEST_INTEQ(got, date_cases[i].want);
	}
}

/* --- transfer encodings, whole and one byte at a time --- */

struct dec_case {
	const char *in;
	const char *want;
	bool flagged; /* garbage/truncated (base64) or invalid escape (QP) expected */
};

static const struct dec_case b64_cases[] = {
	{ "aGVsbG8gd29ybGQ=", "hello world", false },
	{ "aGVs\r\nbG8g\r\n d29y bGQ=\r\n", "hello world", false },
	{ "aGVsbG8gd29ybGQ", "hello world", false },        /* missing padding */
	{ "aGVs*bG8g!d29ybGQ=", "hello world", true },      /* garbage skipped */
	{ "aGVsbA==aGVsbA==", "hellhell", false },          /* concatenated */
	{ "aGVsbG8gd29ybGQ=\r\n--boundary", "hello world" "\x6e\x8b\xa7\x75\xaa\xf2", true },
	{ "aGVsbG8", "hello", false },
	{ "aGVsbG8gd", "hello ", true },                    /* one sextet left over */
	{ "", "", false },
	{ "====", "", false },
};

static const struct dec_case qp_cases[] = {
	{ "caf=C3=A9", "caf\xc3\xa9", false },
	{ "caf=c3=a9", "caf\xc3\xa9", false },
	{ "soft=\r\nbreak", "softbreak", false },
	{ "soft=\nbreak", "softbreak", false },
	{ "soft=  \r\nbreak", "softbreak", false },
	{ "trailing   \r\nblanks\t\nend  ", "trailing\r\nblanks\nend", false },
	{ "keep  inner  blanks", "keep  inner  blanks", false },
	{ "a=3D=3Db", "a==b", false },
	{ "bad=ZZescape", "bad=ZZescape", true },
	{ "bad=4Gescape", "bad=4Gescape", true },
	{ "50% = half", "50% = half", true },
	{ "end=", "end", false },
	{ "end=4", "end=4", true },
	{ "blank =\r\nsoft", "blank soft", false },
	{ "", "", false },
};

static void check_b64(const struct dec_case *c, size_t step)
{
	struct mime_b64 st = { 0 };
	struct buf out = BUF_INIT;
	size_t len = strlen(c->in);

	char *in = exact(c->in);
	for (size_t i = 0; i < len; i += step)
		mime_b64_decode(&st, in + i, len - i < step ? len - i : step, &out);
	free(in);
	mime_b64_finish(&st, &out);
	TEST_INTEQ(out.len, strlen(c->want));
	TEST_ASSERT(out.len == strlen(c->want) && memcmp(out.data != NULL ? out.data : "", c->want,
							 out.len) == 0);
	TEST_INTEQ(st.garbage || st.truncated, c->flagged);
	buf_free(&out);
}

static void check_qp(const struct dec_case *c, size_t step)
{
	struct mime_qp st = { 0 };
	struct buf out = BUF_INIT;
	size_t len = strlen(c->in);

	char *in = exact(c->in);
	for (size_t i = 0; i < len; i += step)
		mime_qp_decode(&st, in + i, len - i < step ? len - i : step, &out);
	free(in);
	mime_qp_finish(&st, &out);
	TEST_STREQ(out.data != NULL ? out.data : "", c->want);
	TEST_INTEQ(st.invalid, c->flagged);
	buf_free(&out);
}

static void test_base64(void)
{
	for (size_t i = 0; i < N_ELEMENTS(b64_cases); i++) {
		check_b64(&b64_cases[i], 1);
		check_b64(&b64_cases[i], 3);
		check_b64(&b64_cases[i], 1000);
	}
}

static void test_quoted_printable(void)
{
	for (size_t i = 0; i < N_ELEMENTS(qp_cases); i++) {
		check_qp(&qp_cases[i], 1);
		check_qp(&qp_cases[i], 2);
		check_qp(&qp_cases[i], 1000);
	}
}

/* --- tree shapes --- */

static void shape(const struct mime_part *p, struct buf *out)
{
	buf_appendf(out, "%s/%s", p->type, p->subtype);
	if (p->attachment)
		buf_append_c(out, '@');
	if (p->nchildren > 0) {
		buf_append_c(out, '(');
		for (size_t i = 0; i < p->nchildren; i++) {
			if (i > 0)
				buf_append_c(out, ',');
			shape(p->children[i], out);
		}
		buf_append_c(out, ')');
	} else if (!p->is_message && strcmp(p->type, "multipart") != 0) {
		buf_append_c(out, '[');
		buf_append(out, p->body, p->body_len);
		buf_append_c(out, ']');
	}
}

struct shape_case {
	const char *msg;
	const char *want;
};

static const struct shape_case shape_cases[] = {
	{ "Subject: x\r\n\r\nbody\r\n", "text/plain[body\r\n]" },
	{ "Subject: x\r\n", "text/plain[]" },
	{ "", "text/plain[]" },
	{ "Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\none\r\n"
	  "--b\r\nContent-Type: text/html\r\n\r\ntwo\r\n\r\n--b--\r\nepilogue\r\n",
	  "multipart/mixed(text/plain[one],text/html[two\r\n])" },
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--",
	  "multipart/mixed(text/plain[one])" },
	/* transport padding after a delimiter, junk after the close delimiter */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b  \t\n\none\n--b--junk\nepilogue",
	  "multipart/mixed(text/plain[one])" },
	/* an empty part, and a part without its empty line */
	{ "Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\nHello\n--b--\n",
	  "multipart/mixed(text/plain[],text/plain[Hello])" },
	/* nested boundaries that are prefixes of each other */
	{ "Content-Type: multipart/mixed; boundary=ab\n\n--ab\n"
	  "Content-Type: multipart/alternative; boundary=abc\n\n--abc\n\ninner\n--abc--\n"
	  "--ab\n\nouter\n--ab--\n",
	  "multipart/mixed(multipart/alternative(text/plain[inner]),text/plain[outer])" },
	{ "Content-Type: multipart/mixed; boundary=abc\n\n--abc\n"
	  "Content-Type: multipart/alternative; boundary=ab\n\n--ab\n\ninner\n--ab--\n"
	  "--abc\n\nouter\n--abc--\n",
	  "multipart/mixed(multipart/alternative(text/plain[inner]),text/plain[outer])" },
	/* digest parts default to message/rfc822 */
	{ "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: a\n\nA\n"
	  "--d\nContent-Type: text/plain\n\nB\n--d--\n",
	  "multipart/digest(message/rfc822(text/plain[A]),text/plain[B])" },
	/* message/rfc822 with a multipart inside */
	{ "Content-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=q\n\n--q\n"
	  "Content-Disposition: attachment; filename=a\n\nA\n--q--\n",
	  "message/rfc822(multipart/mixed(text/plain@[A]))" },
	/* no boundary found at all: text */
	{ "Content-Type: multipart/mixed; boundary=zz\n\njust text\n", "text/plain[just text\n]" },
	/* invalid types fall back to text/plain */
	{ "Content-Type: /\n\nx", "text/plain[x]" },
	{ "Content-Type: Application/PDF; name=x.pdf\n\nx", "application/pdf[x]" },
	/* a multipart transfer-encoded (not allowed, but seen) is read as it is: no boundary in it */
	{ "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n"
	  "LS1iCgpvbmUKLS1iLS0K\n",
	  "text/plain[LS1iCgpvbmUKLS1iLS0K\n]" },
	{ "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: quoted-printable\n\n"
	  "--b\n\non=\ne\n--b--\n",
	  "multipart/mixed(text/plain[on=\ne])" },
};

static void test_shapes(void)
{
	for (size_t i = 0; i < N_ELEMENTS(shape_cases); i++) {
		const char *m = shape_cases[i].msg;
		char *in = exact(m);
		struct mime_message *msg = mime_message_parse(in, strlen(m));
		struct buf b = BUF_INIT;
		free(in);
		shape(msg->root, &b);
		if (strcmp(b.data, shape_cases[i].want) != 0)
			fprintf(stderr, "  shape case %zu\n", i);
		TEST_STREQ(b.data, shape_cases[i].want);
		buf_free(&b);
		mime_message_free(&msg);
	}
}

static void test_header_limit(void)
{
	struct buf m = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < MIME_MAX_HEADER_FIELDS + 10; i++)
		buf_appendf(&m, "X-H%d: v\n", i);
	buf_append_str(&m, "Subject: late\n\nbody\n");
	char *v = mime_header_get(m.data, m.len, "Subject");
	TEST_ASSERT(v == NULL);
	free(v);
	struct mime_message *msg = mime_message_parse(m.data, m.len);
	mime_message_render(msg, NULL, &out);
	TEST_ASSERT(strstr(out.data, "[-- note: more than 10000 header lines") != NULL);
	mime_message_free(&msg);
	buf_free(&out);
	buf_free(&m);
}

/* --- attachments --- */

struct fname_case {
	const char *in;
	const char *want;
};

static const struct fname_case fname_cases[] = {
	{ "report.pdf", "report.pdf" },
	{ "../../etc/passwd", "passwd" },
	{ "C:\\Users\\bob\\My Documents\\cv.doc", "cv.doc" },
	{ ".bashrc", "bashrc" },
	{ "...", "fallback" },
	{ "", "fallback" },
	{ "dir/", "fallback" },
	{ "-rf", "rf" },
	{ "--output=x", "output=x" },
	{ "a:b*c?d\"e<f>g|h$i`j", "a_b_c_d_e_f_g_h_i_j" },
	{ "evil\xe2\x80\xae" "fdp.exe", "evilfdp.exe" },
	{ "tab\there\nnl", "tab here nl" },
	{ "esc\x1b[1m.txt", "esc\xef\xbf\xbd[1m.txt" },
	{ "trailing. . ", "trailing" },
	{ "r\xc3\xa9sum\xc3\xa9.pdf", "r\xc3\xa9sum\xc3\xa9.pdf" },
};

static void test_filename_safe(void)
{
	for (size_t i = 0; i < N_ELEMENTS(fname_cases); i++) {
		char *in = exact(fname_cases[i].in);
		char *v = mime_filename_safe(in, strlen(fname_cases[i].in), "fallback");
		TEST_STREQ(v, fname_cases[i].want);
		free(v);
		free(in);
	}
	/* the length limit never splits a UTF-8 character */
	struct buf b = BUF_INIT;
	for (int i = 0; i < 150; i++)
		buf_append_str(&b, "\xc3\xa9");
	char *v = mime_filename_safe(b.data, b.len, "f");
	TEST_INTEQ(strlen(v), 200);
	TEST_ASSERT(charset_utf8_valid(v, strlen(v)));
	free(v);
	buf_reset(&b);
	buf_append_c(&b, 'x');
	for (int i = 0; i < 150; i++)
		buf_append_str(&b, "\xc3\xa9");
	v = mime_filename_safe(b.data, b.len, "f");
	TEST_INTEQ(strlen(v), 199);
	TEST_ASSERT(charset_utf8_valid(v, strlen(v)));
	free(v);
	buf_free(&b);
}

static void test_attachments(void)
{
	const char *m =
		"Content-Type: multipart/mixed; boundary=b\n\n"
		"--b\n\nbody text\n"
		"--b\nContent-Type: application/pdf; name=\"../x.pdf\"\nContent-Transfer-Encoding: base64\n\n"
		"aGVsbG8=\n"
		"--b\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner text\n"
		"--b\nContent-Type: text/plain\nContent-Disposition: attachment\n\nnotes\n"
		"--b--\n";
	struct mime_message *msg = mime_message_parse(m, strlen(m));
	struct mime_attachment *list = NULL;
	size_t n = mime_message_attachments(msg, &list);
	const char *error = NULL;
	struct buf out = BUF_INIT;

	TEST_INTEQ(n, 4);
	if (n == 4) {
		TEST_STREQ(list[0].content_type, "text/plain");
		TEST_ASSERT(list[0].inline_text);
		TEST_STREQ(list[0].file_name, "attachment-1");
		TEST_STREQ(list[0].display_name, "");
		TEST_STREQ(list[1].content_type, "application/pdf");
		TEST_STREQ(list[1].display_name, "../x.pdf");
		TEST_STREQ(list[1].file_name, "x.pdf");
		TEST_INTEQ(list[1].size, 5);
		TEST_ASSERT(!list[1].inline_text);
		TEST_INTEQ(list[2].index, 2);
		TEST_INTEQ(list[2].size, 10);
		TEST_ASSERT(!list[3].inline_text);
	}
	TEST_INTEQ(mime_message_attachment_data(msg, 1, &out, &error), 0);
	TEST_STREQ(out.data, "hello");
	buf_reset(&out);
	TEST_INTEQ(mime_message_attachment_data(msg, 2, &out, &error), 0);
	TEST_STREQ(out.data, "inner text");
	TEST_INTEQ(mime_message_attachment_data(msg, 4, &out, &error), -1);
	TEST_STREQ(error, "no MIME part 4 in this message");
	mime_attachments_free(&list, n);
	TEST_ASSERT(list == NULL);
	mime_message_free(&msg);
	buf_free(&out);
}

/* --- whole messages --- */

static char *render(const char *msgtext, const char *html_command)
{
	struct mime_message *msg = mime_message_parse(msgtext, strlen(msgtext));
	struct mime_render_opts opts = { html_command, NULL, 0 };
	struct buf out = BUF_INIT;

	mime_message_render(msg, &opts, &out);
	mime_message_free(&msg);
	TEST_ASSERT(msg == NULL);
	return buf_steal(&out);
}

struct render_case {
	const char *name;
	const char *msg;
	const char *want;
};

static const struct render_case render_cases[] = {
	{ "simple",
	  "From: A <a@x>\r\nTo: b@y\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nSubject: hi\r\n\r\nHello\r\n",
	  "From: A <a@x>\nTo: b@y\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nSubject: hi\n\nHello\n" },
	{ "no headers, no final newline",
	  "\nbody\n\n\n",
	  "From:\nTo:\nDate:\nSubject:\n\nbody\n" },
	{ "cc shown when present, LF only",
	  "From: a@x\nCc: c@z\nSubject: =?utf-8?q?=E2=82=AC?=\n\n\xe2\x82\xac\n",
	  "From: a@x\nTo:\nCc: c@z\nDate:\nSubject: \xe2\x82\xac\n\n\xe2\x82\xac\n" },
	{ "alternative prefers text/plain",
	  "Content-Type: multipart/alternative; boundary=b\n\n"
	  "--b\nContent-Type: text/html\n\n<p>html</p>\n"
	  "--b\nContent-Type: text/plain\n\nplain\n"
	  "--b--\n",
	  "From:\nTo:\nDate:\nSubject:\n\nplain\n" },
	{ "html only, built-in converter",
	  "Content-Type: text/html; charset=utf-8\n\n"
	  "<html><head><title>t</title><style>p{}</style></head><body><p>One &amp; two</p>"
	  "<ul><li>x</li><li>y&nbsp;z</li></ul><script>alert(1)</script>a<br>b &#x263A; &bogus;</body></html>\n",
	  "From:\nTo:\nDate:\nSubject:\n\nOne & two\n\n* x\n* y z\n\na\nb \xe2\x98\xba &bogus;\n" },
	{ "html links",
	  "Content-Type: text/html\n\n<a href=\"https://bank.example/\">https://bank.example/</a> "
	  "<a href='https://evil.example/?a=1&amp;b=2'>https://bank.example/</a> "
	  "<A HREF=mailto:x@y>x@y</A> <a href=\"#top\">top</a> <a name=x>anchor</a>\n",
	  "From:\nTo:\nDate:\nSubject:\n\nhttps://bank.example/ https://bank.example/ "
	  "<https://evil.example/?a=1&b=2> x@y top anchor\n" },
	{ "html charset from a meta tag",
	  "Content-Type: text/html\n\n<html><head><meta http-equiv=\"Content-Type\" "
	  "content=\"text/html; charset=koi8-r\"></head><body>\xf0\xd2\xc9\xd7\xc5\xd4</body></html>",
	  "From:\nTo:\nDate:\nSubject:\n\n\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n" },
	{ "html meta charset loses to the header",
	  "Content-Type: text/html; charset=utf-8\n\n<meta charset=koi8-r>\xd0\x9f",
	  "From:\nTo:\nDate:\nSubject:\n\n\xd0\x9f\n" },
	{ "html edge cases",
	  "Content-Type: text/html\n\n<a href=x></a><a href=\"unterminated",
	  "From:\nTo:\nDate:\nSubject:\n\n<x>\n" },
	{ "attachment line",
	  "Content-Type: multipart/mixed; boundary=\"x y\"\n\npreamble\n"
	  "--x y\n\nsee attached\n"
	  "--x y\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n"
	  "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\n\naGVsbG8=\n"
	  "--x y--\nepilogue\n",
	  "From:\nTo:\nDate:\nSubject:\n\nsee attached\n\n"
	  "[-- Attachment: r\xc3\xa9sum\xc3\xa9.pdf (application/pdf, 5 B) --]\n" },
	{ "missing final boundary",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n",
	  "From:\nTo:\nDate:\nSubject:\n\n[-- note: multipart has no closing boundary --]\n\none\n\ntwo\n" },
	{ "boundary that only starts like ours",
	  "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--bb\nstill one\n--b--\n",
	  "From:\nTo:\nDate:\nSubject:\n\none\n--bb\nstill one\n" },
	{ "no boundary parameter",
	  "Content-Type: multipart/mixed\n\ntext\n",
	  "From:\nTo:\nDate:\nSubject:\n\n[-- note: multipart without a boundary; shown as text --]\n\ntext\n" },
	{ "nested message/rfc822",
	  "From: outer@x\nContent-Type: message/rfc822\n\nFrom: inner@y\nSubject: inner\n\ninner body\n",
	  "From: outer@x\nTo:\nDate:\nSubject:\n\nFrom: inner@y\nTo:\nDate:\nSubject: inner\n\ninner body\n" },
	{ "escape sequences in headers and body",
	  "From: \x1b[2J\x07 <e@x>\nSubject: \xe2\x80\xae" "fdp.exe\n\n\x1b]0;pwned\x07\x1b[2Jclear\r\n\xc2\x9b" "1m\n",
	  "From: " FFFD "[2J" FFFD " <e@x>\nTo:\nDate:\nSubject: fdp.exe\n\n" FFFD "]0;pwned" FFFD FFFD "[2Jclear\n" FFFD "1m\n" },
	{ "unknown charset",
	  "Content-Type: text/plain; charset=x-klingon\n\nqa\xffpla\n",
	  "From:\nTo:\nDate:\nSubject:\n\n[-- note: unknown charset \"x-klingon\"; non-ASCII characters replaced --]\n\nqa" FFFD "pla\n" },
	{ "bad base64",
	  "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs!bG8=\n",
	  "From:\nTo:\nDate:\nSubject:\n\n[-- note: invalid characters in base64 data skipped --]\n\nhello\n" },
	{ "unknown transfer encoding",
	  "Content-Type: text/plain\nContent-Transfer-Encoding: x-rot13\n\nuryyb\n",
	  "From:\nTo:\nDate:\nSubject:\n\n[-- note: unknown transfer encoding \"x-rot13\" --]\n\n"
	  "[-- Attachment: (no name) (text/plain, 6 B) --]\n" },
};

static void test_render(void)
{
	for (size_t i = 0; i < N_ELEMENTS(render_cases); i++) {
		char *got = render(render_cases[i].msg, NULL);
		if (strcmp(got, render_cases[i].want) != 0)
			fprintf(stderr, "  render case \"%s\"\n", render_cases[i].name);
		TEST_STREQ(got, render_cases[i].want);
		free(got);
	}
}

static void test_html_command(void)
{
	const char *msg = "Content-Type: text/html\n\n<p>hi</p>\n";
	char *got = render(msg, "sed -e s/p/q/g");
	TEST_STREQ(got, "From:\nTo:\nDate:\nSubject:\n\n<q>hi</q>\n");
	free(got);
	got = render(msg, "/nonexistent/converter --dump");
	TEST_ASSERT(strstr(got, "[-- note: HTML converter failed") != NULL);
	TEST_ASSERT(strstr(got, "\nhi\n") != NULL);
	free(got);
	got = render(msg, "sh -c 'exit 3'");
	TEST_ASSERT(strstr(got, "exit status 3") != NULL);
	free(got);
	got = render(msg, "\"unbalanced");
	TEST_ASSERT(strstr(got, "[-- note: HTML converter not run") != NULL);
	free(got);
}

/* A rendering told to stop keeps what it had and says the rest is left out; so does one past its
 * budget (the clock is made to pass the deadline first: no race with the machine's speed). */
static void test_render_stop(void)
{
	struct buf m = BUF_INIT, out = BUF_INIT, html = BUF_INIT;
	struct mime_render_opts opts = { NULL, NULL, 0 };
	struct mime_message *msg;
	struct mime_stop st;
	struct timespec t0, now;
	atomic_bool stop;
	bool stopped = false;

	buf_append_str(&m, "Subject: big\nContent-Type: text/html\n\n");
	for (size_t i = 0; i < 100000; i++)
		buf_append_str(&m, "<p>word</p>\n");
	msg = mime_message_parse(m.data, m.len);
	/* not stopped: the whole text, no note */
	atomic_init(&stop, false);
	opts.stop = &stop;
	mime_message_render(msg, &opts, &out);
	TEST_ASSERT(strstr(out.data, "rendering cancelled") == NULL);
	TEST_ASSERT(out.len > 400000);
	/* stopped before it starts: the headers and the note only */
	buf_reset(&out);
	atomic_store(&stop, true);
	mime_message_render(msg, &opts, &out);
	TEST_ASSERT(strstr(out.data, "Subject: big\n") != NULL);
	TEST_ASSERT(strstr(out.data, "[-- note: rendering cancelled; the rest is not shown --]") != NULL);
	TEST_ASSERT(strstr(out.data, "word") == NULL);
	/* the converter looks at its stop every MIME_HTML_STOP_BYTES */
	buf_reset(&out);
	st.why = 0;
	mime_stop_init(&st, &opts);
	mime_html_strip(m.data, m.len, &html, &st);
	TEST_ASSERT(st.why == MIME_STOP_CANCELLED);
	TEST_ASSERT(html.len < MIME_HTML_STOP_BYTES);
	/* a budget of 1 ms, the clock past it */
	opts.stop = NULL;
	opts.max_ms = 1;
	mime_stop_init(&st, &opts);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) < 2000000L);
	for (int i = 0; i <= MIME_STOP_CLOCK_EVERY && !stopped; i++)
		stopped = mime_stop_check(&st);
	TEST_ASSERT(stopped);
	TEST_ASSERT(st.why == MIME_STOP_BUDGET);
	TEST_ASSERT(mime_stop_check(&st));
	mime_message_free(&msg);
	buf_free(&m);
	buf_free(&out);
	buf_free(&html);
}

static void test_depth_limit(void)
{
	struct buf m = BUF_INIT;
	for (int i = 0; i < 150; i++)
		buf_appendf(&m, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	buf_append_str(&m, "\ndeep text\n");
	struct mime_message *msg = mime_message_parse(m.data, m.len);
	TEST_ASSERT(msg->nparts <= MIME_MAX_DEPTH + 1);
	struct buf out = BUF_INIT;
	mime_message_render(msg, NULL, &out);
	TEST_ASSERT(strstr(out.data, "nested deeper than 100 levels") != NULL);
	TEST_ASSERT(strstr(out.data, "deep text") == NULL);
	mime_message_free(&msg);
	buf_free(&out);

	/* message/rfc822 nesting too */
	buf_reset(&m);
	for (int i = 0; i < 150; i++)
		buf_append_str(&m, "Content-Type: message/rfc822\n\n");
	buf_append_str(&m, "\nbottom\n");
	msg = mime_message_parse(m.data, m.len);
	mime_message_render(msg, NULL, &out);
	TEST_ASSERT(strstr(out.data, "nested deeper than 100 levels") != NULL);
	mime_message_free(&msg);
	buf_free(&out);
	buf_free(&m);
}

static void test_parts_limit(void)
{
	struct buf m = BUF_INIT, out = BUF_INIT;
	buf_append_str(&m, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (int i = 0; i < MIME_MAX_PARTS + 50; i++)
		buf_append_str(&m, "--b\nContent-Type: application/x-p\n\nx\n");
	buf_append_str(&m, "--b--\n");
	struct mime_message *msg = mime_message_parse(m.data, m.len);
	TEST_INTEQ(msg->nparts, MIME_MAX_PARTS);
	mime_message_render(msg, NULL, &out);
	TEST_ASSERT(strstr(out.data, "more than 10000 MIME parts") != NULL);
	mime_message_free(&msg);
	buf_free(&out);
	buf_free(&m);
}

/* Every prefix of a structured message parses and renders to valid, control-free UTF-8. */
static void test_truncations(void)
{
	const char *msg = render_cases[5].msg;
	size_t len = strlen(msg);
	for (size_t n = 0; n <= len; n++) {
		struct mime_message *m = mime_message_parse(msg, n);
		struct buf out = BUF_INIT;
		mime_message_render(m, NULL, &out);
		TEST_ASSERT(charset_utf8_valid(out.data, out.len));
		TEST_ASSERT(out.len > 0 && out.data[out.len - 1] == '\n');
		for (size_t k = 0; k < out.len; k++)
			TEST_ASSERT((unsigned char)out.data[k] >= 0x20 || out.data[k] == '\n' ||
				    out.data[k] == '\t');
		mime_message_free(&m);
		buf_free(&out);
	}
}

static void test_header_get_many(void)
{
	static const char hdr[] = "Subject: first\r\n  folded\r\nfrom:\tA <a@b>\r\nSubject: second\r\n"
				  "X-Empty:\r\nTo: t@x\r\n\r\nCc: in the body\r\n";
	static const char *const names[] = { "From", "Subject", "Cc", "X-Empty", "To", "Missing" };
	static const char *const want[] = { "A <a@b>", "first  folded", NULL, "", "t@x", NULL };
	char *values[N_ELEMENTS(names)];

	/* every truncation point: exact-size copies so that ASan sees any over-read */
	for (size_t cut = 0; cut <= sizeof(hdr) - 1; cut++) {
		char *copy = xmalloc(cut ? cut : 1);
		memcpy(copy, hdr, cut);
		mime_header_get_many(copy, cut, names, N_ELEMENTS(names), values);
		for (size_t i = 0; i < N_ELEMENTS(names); i++)
			free(values[i]);
		free(copy);
	}
	mime_header_get_many(hdr, sizeof(hdr) - 1, names, N_ELEMENTS(names), values);
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		if (want[i] == NULL)
			TEST_ASSERT(values[i] == NULL);
		else
			TEST_STREQ(values[i], want[i]);
		/* the single-name form agrees */
		char *one = mime_header_get(hdr, sizeof(hdr) - 1, names[i]);
		TEST_ASSERT((one == NULL) == (values[i] == NULL));
		if (one != NULL && values[i] != NULL)
			TEST_STREQ(one, values[i]);
		free(one);
		free(values[i]);
	}
}

/* --- hostile mail (issue 15): the work stays linear, the memory bounded --- */

/* HTML made of one pattern repeated: each used to be, or could be, a scan to the end per repeat. */
static const char *const html_patterns[] = {
	"<",        /* a stray '<': tag_end ran to the end of the text for each */
	"< ",
	"<\"",
	"<1",
	"</",
	"<!",
	"<a ",      /* an unclosed tag swallows the rest once */
	"<a href=\"",
	"<script>", /* a script with no end */
	"<!--",
	"&#",
	"&amp",
	"<a href=x>y",
	"</a>",
};

struct html_work {
	const char *pattern;
	struct buf in;
};

static void html_work(void *arg, size_t n)
{
	struct html_work *w = arg;
	struct buf out = BUF_INIT;
	size_t plen = strlen(w->pattern);

	buf_reset(&w->in);
	buf_reserve(&w->in, n * plen);
	for (size_t i = 0; i < n; i++)
		buf_append(&w->in, w->pattern, plen);
	mime_html_strip(w->in.data, w->in.len, &out, NULL);
	TEST_ASSERT(out.len <= w->in.len * 3 + 1);
	buf_free(&out);
}

static void test_hostile_html(void)
{
	for (size_t i = 0; i < N_ELEMENTS(html_patterns); i++) {
		struct html_work w = { html_patterns[i], BUF_INIT };
		char what[64];

		snprintf(what, sizeof(what), "html of \"%s\" repeated", html_patterns[i]);
		TEST_ASSERT(hostile_ratio(what, html_work, &w, 4096, 262144, 0.02, NULL) <= HOSTILE_MAX_RATIO);
		buf_free(&w.in);
	}
	/* stray '<' in text stay text; a real tag right after them still counts */
	char *got = render("Content-Type: text/html\n\na << b <= c < d <3 <<b>bold</b> e <\n", NULL);
	TEST_STREQ(got, "From:\nTo:\nDate:\nSubject:\n\na << b <= c < d <3 <bold e <\n");
	free(got);
}

/* A header value of n encoded words over ncharsets charsets, decoded. */
struct ew_work {
	size_t ncharsets;
	struct buf v;
};

static void ew_work(void *arg, size_t n)
{
	struct ew_work *w = arg;

	free(mime_decode_text(w->v.data, w->v.len));
	(void)n;
}

static void ew_build_work(void *arg, size_t n)
{
	struct ew_work *w = arg;

	buf_reset(&w->v);
	hostile_ew_charsets(&w->v, n, w->ncharsets);
	free(mime_decode_text(w->v.data, w->v.len));
}

static double ew_cost(size_t n, size_t ncharsets)
{
	struct ew_work w = { ncharsets, BUF_INIT };
	double cost;

	hostile_ew_charsets(&w.v, n, ncharsets);
	cost = hostile_cost(ew_work, &w, n, 5);
	buf_free(&w.v);
	return cost;
}

static void test_hostile_charsets(void)
{
	/* cycling through more charsets than the iconv cache held cost a module load a word: now words in
	 * 14 charsets cost about what words alternating between two do (the first
	 * MIME_MAX_HEADER_CHARSETS are cached, the rest are not converted) */
	double two = ew_cost(2000, 2), many = ew_cost(2000, 14), ratio = many / two;
	printf("# 2000 encoded words: 2 charsets %.2f ms, 14 charsets %.2f ms, ratio %.2f\n", two * 1e3,
	       many * 1e3, ratio);
	TEST_ASSERT(ratio < 3.0);
	/* and a value of them costs linear time (below MIME_MAX_ENCODED_WORDS: past it, words are not
	 * decoded at all) */
	struct ew_work w = { 14, BUF_INIT };
	TEST_ASSERT(hostile_ratio("encoded words over 14 charsets", ew_build_work, &w, 256, 2048, 0.005, NULL) <=
		    HOSTILE_MAX_RATIO);
	buf_free(&w.v);

	/* header after header, each in one charset of 80 (the index draws one row after another): more
	 * than the iconv cache holds, yet no gconv module is loaded again for each */
	static const unsigned ibm[] = {
		37, 273, 277, 278, 280, 284, 285, 297, 420, 424, 437, 500, 775, 850, 851, 852, 855, 856,
		857, 860, 861, 862, 863, 864, 865, 866, 868, 869, 870, 871, 874, 875, 880, 891, 901, 902,
		903, 904, 905, 918, 921, 922, 1004, 1025, 1026, 1046, 1047, 1089, 1097, 1112, 1122, 1123,
		1124, 1129, 1130, 1132, 1133, 1137, 1140, 1141, 1142, 1143, 1144, 1145, 1146, 1147, 1148,
		1149, 1153, 1154, 1155, 1156, 1157, 1158, 1160, 1161, 1162, 1163, 1164, 1166,
	};
	char word[64];
	double t0 = 0, per_round[3];
	for (int round = 0; round < 4; round++) {
		if (round > 0)
			per_round[round - 1] = hostile_cpu() - t0;
		t0 = hostile_cpu();
		for (size_t i = 0; i < N_ELEMENTS(ibm); i++) {
			int n = snprintf(word, sizeof(word), "=?ibm%u?q?a=E9?=", ibm[i]);
			free(mime_decode_text(word, (size_t)n));
		}
	}
	double cycled = per_round[1] < per_round[2] ? per_round[1] : per_round[2];
	printf("# 80 headers in 80 charsets: first round %.2f ms, later ones %.2f ms\n", per_round[0] * 1e3,
	       cycled * 1e3);
	TEST_ASSERT(cycled * 3 < per_round[0]); /* the first round loads 80 modules, the others none */

	/* the words past the budget's charsets lose their non-ASCII characters only */
	struct buf v = BUF_INIT, want = BUF_INIT;
	hostile_ew_charsets(&v, 10, 10);
	char *got = mime_decode_text(v.data, v.len);
	/* 0xE9 in iso-8859-2, -3, -4, -5 (shcha), -7 (iota), ... */
	TEST_ASSERT(strncmp(got, "\xc3\xa9\xc3\xa9\xc3\xa9\xd1\x89\xce\xb9\xc3\xa9", 12) == 0);
	buf_append_str(&want, FFFD FFFD);             /* the 9th and 10th charsets */
	TEST_ASSERT(strlen(got) > want.len && strcmp(got + strlen(got) - want.len, want.data) == 0);
	free(got);

	/* a message's fields share one budget in the pager: see test-pager-text; here, an address list */
	buf_reset(&v);
	for (int i = 0; i < 10; i++)
		buf_appendf(&v, "%s=?iso-8859-%d?q?a=E9?= <a%d@x>", i > 0 ? ", " : "", i + 2, i);
	got = mime_address_display(v.data, v.len, false);
	TEST_ASSERT(strncmp(got, "a\xc3\xa9 <a0@x>, ", 12) == 0);
	TEST_ASSERT(strstr(got, "a" FFFD " <a8@x>, a" FFFD " <a9@x>") != NULL);
	free(got);

	/* past MIME_MAX_ENCODED_WORDS words, the rest is shown as it is */
	buf_reset(&v);
	for (int i = 0; i < MIME_MAX_ENCODED_WORDS + 2; i++)
		buf_append_str(&v, "=?utf-8?q?w?= ");
	got = mime_decode_text(v.data, v.len);
	TEST_ASSERT(strncmp(got, "ww", 2) == 0);
	TEST_ASSERT(strstr(got, "=?utf-8?q?w?= =?utf-8?q?w?=") != NULL);
	TEST_ASSERT(strlen(got) < MIME_MAX_ENCODED_WORDS + 2 * 15);
	free(got);
	buf_free(&v);
	buf_free(&want);
}

/* Parse and render a nested message of n bytes of text; how much the parsed message held. */
struct nested_work {
	bool rfc822;
	size_t levels;
	size_t held;
	size_t len;
};

static void nested_work(void *arg, size_t n)
{
	struct nested_work *w = arg;
	struct buf m = BUF_INIT, out = BUF_INIT;

	hostile_nested(&m, w->levels, n, w->rfc822);
	size_t before = hostile_heap();
	struct mime_message *msg = mime_message_parse(m.data, m.len);
	w->held = hostile_heap() - before;
	w->len = m.len;
	buf_free(&m);
	mime_message_render(msg, NULL, &out);
	TEST_ASSERT(out.len > n / 2); /* the text is there (with LF for CRLF) */
	mime_message_free(&msg);
	buf_free(&out);
}

static void test_hostile_nesting(void)
{
	/* 97 multiparts, each claiming quoted-printable, kept a decoded copy each: 97 times the text */
	struct nested_work w = { false, 97, 0, 0 };
	size_t n;

	TEST_ASSERT(hostile_ratio("97 nested multiparts", nested_work, &w, 16384, 262144, 0.02, &n) <=
		    HOSTILE_MAX_RATIO);
	nested_work(&w, 1024 * 1024);
	printf("# 97 nested multiparts around 1 MiB: the parsed message holds %zu bytes\n", w.held);
	TEST_ASSERT(w.held < 2 * w.len + 1024 * 1024);
	char *got = render("Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n"
			   "--b\n\nx=3D\n--b--\n", NULL);
	TEST_STREQ(got, "From:\nTo:\nDate:\nSubject:\n\n[-- note: multipart part with base64 encoding read as "
			"it is (a multipart is never encoded) --]\n\nx=3D\n");
	free(got);

	/* message/rfc822 parts are decoded, up to MIME_MAX_DECODED_RATIO times the message's size */
	w.rfc822 = true;
	TEST_ASSERT(hostile_ratio("97 nested message/rfc822", nested_work, &w, 16384, 262144, 0.02, &n) <=
		    HOSTILE_MAX_RATIO);
	nested_work(&w, 1024 * 1024);
	printf("# 97 nested message/rfc822 around 1 MiB: the parsed message holds %zu bytes\n", w.held);
	TEST_ASSERT(w.held < (MIME_MAX_DECODED_RATIO + 2) * w.len);
	TEST_ASSERT(w.held > (MIME_MAX_DECODED_RATIO - 1) * w.len); /* as many levels as it allowed */
	got = render("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
		     "U3ViamVjdDogaW4KCmlubmVyIGJvZHkK\n", NULL);
	TEST_STREQ(got, "From:\nTo:\nDate:\nSubject:\n\n[-- note: message/rfc822 part with base64 encoding "
			"decoded --]\n\nFrom:\nTo:\nDate:\nSubject: in\n\ninner body\n");
	free(got);
}

static void test_header_size_limit(void)
{
	struct buf m = BUF_INIT, out = BUF_INIT;

	buf_append_str(&m, "Subject: big\n");
	while (m.len < MIME_MAX_HEADER_SIZE + 4096) {
		buf_append_str(&m, "X-Filler: ");
		for (int i = 0; i < 30; i++)
			buf_append_str(&m, "0123456789");
		buf_append_c(&m, '\n');
	}
	buf_append_str(&m, "\nbody\n");
	struct mime_message *msg = mime_message_parse(m.data, m.len);
	TEST_ASSERT(msg->root->hdr_len <= MIME_MAX_HEADER_SIZE);
	mime_message_render(msg, NULL, &out);
	TEST_ASSERT(strstr(out.data, "a header of more than 1024 KiB; the rest is shown as body") != NULL);
	TEST_ASSERT(strstr(out.data, "Subject: big\n") != NULL);
	mime_message_free(&msg);
	buf_free(&out);
	buf_free(&m);
}

static const struct test_case cases[] = {
	{ "header get", test_header_get },
	{ "header get, several fields in one pass", test_header_get_many },
	{ "RFC 2047 decoding", test_decode_text },
	{ "RFC 2045/2231 parameters", test_params },
	{ "address display", test_address_display },
	{ "date parsing", test_date_parse },
	{ "base64, whole and byte at a time", test_base64 },
	{ "quoted-printable, whole and byte at a time", test_quoted_printable },
	{ "MIME tree shapes", test_shapes },
	{ "header field limit", test_header_limit },
	{ "safe file names", test_filename_safe },
	{ "attachment list and data", test_attachments },
	{ "render", test_render },
	{ "html command", test_html_command },
	{ "a rendering stopped or past its budget", test_render_stop },
	{ "depth limit", test_depth_limit },
	{ "parts limit", test_parts_limit },
	{ "every truncation", test_truncations },
	{ "hostile HTML stays linear", test_hostile_html },
	{ "encoded words over many charsets", test_hostile_charsets },
	{ "nested encoded containers stay small", test_hostile_nesting },
	{ "header size limit", test_header_size_limit },
};

TEST_MAIN(cases)
