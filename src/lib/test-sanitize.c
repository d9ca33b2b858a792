/* test-sanitize.c: unit tests for display sanitising and charset conversion. */
#include "skua.h"
#include "sanitize.h"
#include "charset.h"
#include "test.h"

#include <pthread.h>
#include <stdlib.h>

#define FFFD "\xEF\xBF\xBD"

struct san_case {
	const char *in;
	size_t len; /* 0: strlen */
	bool multiline;
	const char *want;
};

static const struct san_case san_cases[] = {
	{ "plain text", 0, false, "plain text" },
	{ "a\tb\nc\r\nd", 0, false, "a b c  d" },
	{ "a\tb\nc\r\nd", 0, true, "a\tb\nc\nd" },
	{ "\x1b[31mred\x1b[0m", 0, false, FFFD "[31mred" FFFD "[0m" },
	{ "\x1b]0;title\x07", 0, true, FFFD "]0;title" FFFD },
	{ "bell\x07 del\x7f", 0, false, "bell" FFFD " del" FFFD },
	{ "nul\0byte", 8, false, "nul" FFFD "byte" },
	{ "c1 csi \xc2\x9b" "31m", 0, false, "c1 csi " FFFD "31m" },
	{ "c1 nel \xc2\x85", 0, true, "c1 nel " FFFD },
	{ "raw c1 \x9b", 0, false, "raw c1 " FFFD },
	{ "rlo \xe2\x80\xae" "txt.exe", 0, false, "rlo txt.exe" },
	{ "isolates \xe2\x81\xa6x\xe2\x81\xa9 lrm\xe2\x80\x8e rlm\xe2\x80\x8f alm\xd8\x9c", 0, false,
	  "isolates x lrm rlm alm" },
	{ "emb \xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad.", 0, false, "emb ." },
	{ "utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0, false, "utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
	{ "bad \xff\xfe", 0, false, "bad " FFFD FFFD },
	{ "overlong \xc0\xaf", 0, false, "overlong " FFFD FFFD },
	{ "surrogate \xed\xa0\x80", 0, false, "surrogate " FFFD FFFD FFFD },
	{ "truncated \xe2\x82", 0, false, "truncated " FFFD },
	{ "too big \xf4\x90\x80\x80", 0, false, "too big " FFFD FFFD FFFD FFFD },
	{ "keep fffd " FFFD, 0, false, "keep fffd " FFFD },
	{ "", 0, false, "" },
};

static void test_sanitize_table(void)
{
	for (size_t i = 0; i < N_ELEMENTS(san_cases); i++) {
		const struct san_case *c = &san_cases[i];
		size_t len = c->len != 0 ? c->len : strlen(c->in);
		struct buf b = BUF_INIT;
		sanitize_append(&b, c->in, len, c->multiline);
		TEST_STREQ(b.data != NULL ? b.data : "", c->want);
		buf_free(&b);
		if (!c->multiline) {
			char *s = sanitize_line(c->in, len);
			TEST_STREQ(s, c->want);
			free(s);
		}
	}
}

/* No output of sanitize_append may contain a control byte or invalid UTF-8, whatever the input. */
static void test_sanitize_all_bytes(void)
{
	char in[4];
	struct buf b = BUF_INIT;

	for (unsigned a = 0; a < 256; a++) {
		for (unsigned c = 0; c < 256; c += 7) {
			in[0] = (char)a;
			in[1] = (char)c;
			in[2] = (char)0x80;
			in[3] = (char)(a ^ c);
			buf_reset(&b);
			sanitize_append(&b, in, sizeof(in), true);
			TEST_ASSERT(charset_utf8_valid(b.data, b.len));
			for (size_t k = 0; k < b.len; k++) {
				unsigned char ch = (unsigned char)b.data[k];
				TEST_ASSERT(ch >= 0x20 || ch == '\n' || ch == '\t');
				TEST_ASSERT(ch != 0x7F);
			}
		}
	}
	buf_free(&b);
}

struct cs_case {
	const char *charset;
	const char *in;
	int want_ret;
	const char *want;
};

static const struct cs_case cs_cases[] = {
	{ "utf-8", "caf\xc3\xa9", CHARSET_OK, "caf\xc3\xa9" },
	{ "UTF8", "bad \xff", CHARSET_INVALID, "bad " FFFD },
	{ "us-ascii", "plain", CHARSET_OK, "plain" },
	{ "us-ascii", "mislabelled caf\xc3\xa9", CHARSET_OK, "mislabelled caf\xc3\xa9" },
	{ "us-ascii", "mislabelled caf\xe9", CHARSET_OK, "mislabelled caf\xc3\xa9" },
	{ NULL, "guess \x93q\x94", CHARSET_OK, "guess \xe2\x80\x9cq\xe2\x80\x9d" },
	{ "iso-8859-1", "caf\xe9", CHARSET_OK, "caf\xc3\xa9" },
	{ "ISO-8859-15", "\xa4", CHARSET_OK, "\xe2\x82\xac" },
	{ "windows-1252", "\x80 \x81", CHARSET_INVALID, "\xe2\x82\xac " FFFD },
	{ "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", CHARSET_OK, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
	{ "shift_jis", "\x93\xfa\x96\x7b", CHARSET_OK, "\xe6\x97\xa5\xe6\x9c\xac" },
	{ "iso-2022-jp", "\x1b$BF|K\\\x1b(B", CHARSET_OK, "\xe6\x97\xa5\xe6\x9c\xac" },
	{ "gb2312", "\xc4\xe3\xba\xc3", CHARSET_OK, "\xe4\xbd\xa0\xe5\xa5\xbd" },
	{ "utf-7", "Hi Mom -+Jjo--!", CHARSET_OK, "Hi Mom -\xe2\x98\xba-!" },
	{ "shift_jis", "trunc \x93", CHARSET_INVALID, "trunc " FFFD },
	{ "x-no-such-charset", "a\xe9z", CHARSET_UNKNOWN, "a" FFFD "z" },
	{ "../../etc/passwd", "a\xe9z", CHARSET_UNKNOWN, "a" FFFD "z" },
	{ "utf-8//TRANSLIT", "a\xe9z", CHARSET_UNKNOWN, "a" FFFD "z" },
	{ "unknown-8bit", "caf\xc3\xa9", CHARSET_OK, "caf\xc3\xa9" },
};

static void test_charset_table(void)
{
	for (size_t i = 0; i < N_ELEMENTS(cs_cases); i++) {
		const struct cs_case *c = &cs_cases[i];
		struct buf b = BUF_INIT;
		int ret = charset_to_utf8(c->charset, c->in, strlen(c->in), &b);
		TEST_INTEQ(ret, c->want_ret);
		TEST_STREQ(b.data != NULL ? b.data : "", c->want);
		if (ret != c->want_ret || b.data == NULL || strcmp(b.data, c->want) != 0)
			fprintf(stderr, "  case %zu: charset %s\n", i, c->charset ? c->charset : "(null)");
		buf_free(&b);
	}
}

static void test_charset_large(void)
{
	/* bigger than any first guess at the output size: forces E2BIG handling */
	struct buf in = BUF_INIT, out = BUF_INIT;
	for (int i = 0; i < 5000; i++)
		buf_append(&in, "\xf0\xd2", 2); /* koi8-r: 2 bytes -> 4 bytes of UTF-8 */
	TEST_INTEQ(charset_to_utf8("koi8-r", in.data, in.len, &out), CHARSET_OK);
	TEST_INTEQ(out.len, 20000);
	TEST_ASSERT(charset_utf8_valid(out.data, out.len));
	buf_free(&in);
	buf_free(&out);
}

static void test_utf8_helpers(void)
{
	uint32_t cp;
	TEST_INTEQ(charset_utf8_decode("\xe2\x82\xac", 3, &cp), 3);
	TEST_INTEQ(cp, 0x20AC);
	TEST_INTEQ(charset_utf8_decode("\xe2\x82", 2, &cp), 2);
	TEST_INTEQ(cp, 0xFFFD);
	TEST_INTEQ(charset_utf8_decode("\xe2x", 2, &cp), 1);
	TEST_INTEQ(cp, 0xFFFD);
	TEST_ASSERT(charset_utf8_valid("ok \xc3\xa9", 5));
	TEST_ASSERT(!charset_utf8_valid("no \xc3", 4));
	TEST_ASSERT(charset_is_utf8("UTF-8"));
	TEST_ASSERT(charset_is_utf8("us-ascii"));
	TEST_ASSERT(!charset_is_utf8("latin1"));
	struct buf b = BUF_INIT;
	charset_utf8_append(&b, 0x1F600);
	charset_utf8_append(&b, 0xD800);
	TEST_STREQ(b.data, "\xf0\x9f\x98\x80" FFFD);
	buf_free(&b);
}

/* More charsets than the per-thread descriptor cache holds, several rounds, in two threads: the
 * cache evicts, resets conversion state and closes what it holds when a thread exits. */
static const struct {
	const char *charset;
	const char *in;
	const char *want;
} cache_cases[] = {
	{ "koi8-r", "\xf0", "\xd0\x9f" },
	{ "iso-8859-2", "\xb1", "\xc4\x85" },
	{ "iso-8859-5", "\xbf", "\xd0\x9f" },
	{ "iso-8859-7", "\xe1", "\xce\xb1" },
	{ "iso-8859-15", "\xa4", "\xe2\x82\xac" },
	{ "windows-1251", "\xcf", "\xd0\x9f" },
	{ "shift_jis", "\x93\xfa", "\xe6\x97\xa5" },
	{ "euc-jp", "\xc6\xfc", "\xe6\x97\xa5" },
	{ "iso-2022-jp", "\x1b$BF|\x1b(B", "\xe6\x97\xa5" },
	{ "big5", "\xa4\xe9", "\xe6\x97\xa5" },
	{ "gb2312", "\xc8\xd5", "\xe6\x97\xa5" },
	{ "koi8-u", "\xa4", "\xd1\x94" },
};

static void *cache_thread(void *arg)
{
	bool *ok = arg;

	*ok = true;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N_ELEMENTS(cache_cases); i++) {
			struct buf b = BUF_INIT;
			int ret = charset_to_utf8(cache_cases[i].charset, cache_cases[i].in,
						  strlen(cache_cases[i].in), &b);
			if (ret != CHARSET_OK || b.data == NULL || strcmp(b.data, cache_cases[i].want) != 0) {
				fprintf(stderr, "  %s: got %s\n", cache_cases[i].charset, b.data);
				*ok = false;
			}
			/* a truncated sequence leaves state behind that the next use must not see */
			buf_reset(&b);
			charset_to_utf8("iso-2022-jp", "\x1b$BF", 4, &b);
			buf_free(&b);
		}
	}
	return NULL;
}

static void test_charset_cache(void)
{
	pthread_t t[2];
	bool ok[2] = { false, false };

	for (int i = 0; i < 2; i++)
		TEST_ASSERT(pthread_create(&t[i], NULL, cache_thread, &ok[i]) == 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		TEST_ASSERT(ok[i]);
	}
	bool main_ok = false;
	cache_thread(&main_ok);
	TEST_ASSERT(main_ok);
}

static const struct test_case cases[] = {
	{ "sanitize table", test_sanitize_table },
	{ "sanitize never emits controls", test_sanitize_all_bytes },
	{ "charset conversion table", test_charset_table },
	{ "charset conversion of large input", test_charset_large },
	{ "utf-8 helpers", test_utf8_helpers },
	{ "charset descriptor cache", test_charset_cache },
};

TEST_MAIN(cases)
