/* test-buf.c: unit tests for growable buffers and error strings. */
#include "skua.h"
#include "buf.h"
#include "errstr.h"
#include "test.h"

#include <stdlib.h>

static void test_buf_append_consume(void)
{
	struct buf b = BUF_INIT;
	buf_append_str(&b, "hello");
	buf_appendf(&b, " %d", 42);
	TEST_STREQ(b.data, "hello 42");
	buf_consume(&b, 6);
	TEST_STREQ(b.data, "42");
	TEST_INTEQ(b.len, 2);
	for (int i = 0; i < 10000; i++)
		buf_append_c(&b, 'x');
	TEST_INTEQ(b.len, 10002);
	char *s = buf_steal(&b);
	TEST_INTEQ(strlen(s), 10002);
	TEST_ASSERT(b.data == NULL);
	free(s);
	buf_free(&b);
}

static void test_reserve_terminates(void)
{
	struct buf b = BUF_INIT;
	buf_reserve(&b, 0);
	TEST_ASSERT(b.data != NULL);
	TEST_STREQ(b.data, "");
	buf_reserve(&b, 100);
	TEST_STREQ(b.data, "");
	buf_free(&b);
}

static void test_errstr_ring(void)
{
	const char *a = errstr("one %d", 1);
	const char *b = errstr("two: %s", a);
	TEST_STREQ(b, "two: one 1");
	TEST_STREQ(a, "one 1");
}

static const struct test_case cases[] = {
	{ "buf append and consume", test_buf_append_consume },
	{ "errstr ring", test_errstr_ring },
	{ "reserve keeps the NUL terminator", test_reserve_terminates },
};

TEST_MAIN(cases)
