/* test-imap-utf7.c: modified UTF-7 round trips and rejects. */
#include "skua.h"
#include "imap-utf7.h"
#include "test.h"

static const struct {
	const char *utf7, *utf8;
} pairs[] = {
	{ "INBOX", "INBOX" },
	{ "Entw&APw-rfe", "Entwürfe" },
	{ "&ZeVnLIqe-", "日本語" },
	{ "Tom &- Jerry", "Tom & Jerry" },
	{ "&2D3eAA-", "\xf0\x9f\x98\x80" },
	{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-", "~peter/mail/台北/日本語" },
};

static void test_roundtrip(void)
{
	for (size_t i = 0; i < N_ELEMENTS(pairs); i++) {
		struct buf a = BUF_INIT, b = BUF_INIT;
		TEST_INTEQ(imap_utf7_to_utf8(pairs[i].utf7, &a), 0);
		TEST_STREQ(a.data, pairs[i].utf8);
		TEST_INTEQ(imap_utf8_to_utf7(pairs[i].utf8, &b), 0);
		TEST_STREQ(b.data, pairs[i].utf7);
		buf_free(&a);
		buf_free(&b);
	}
}

static void test_invalid(void)
{
	static const char *const bad[] = { "&", "&AGE-", "&Jjo!", "&ZeVnLIqe", "a\x01", "&2D3-", "&3gA-" };
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		struct buf a = BUF_INIT;
		buf_append_str(&a, "x");
		TEST_INTEQ(imap_utf7_to_utf8(bad[i], &a), -1);
		TEST_STREQ(a.data, "x");
		buf_free(&a);
	}
	struct buf b = BUF_INIT;
	TEST_INTEQ(imap_utf8_to_utf7("bad \xff utf8", &b), -1);
	buf_free(&b);
}

static const struct test_case tests[] = {
	{ "round trips", test_roundtrip },
	{ "invalid input", test_invalid },
};

TEST_MAIN(tests)
