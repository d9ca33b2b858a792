/* test.h: a minimal table-driven unit-test framework for skua's C tests (test-*.c beside the code). */
#ifndef TESTS_UNIT_TEST_H
#define TESTS_UNIT_TEST_H

#include "skua.h"
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

extern int test_failures;

#define TEST_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
		test_failures++; \
	} } while (0)

#define TEST_STREQ(a, b) do { \
	const char *ta_ = (a), *tb_ = (b); \
	if (ta_ == NULL || tb_ == NULL || strcmp(ta_, tb_) != 0) { \
		fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\" (%s)\n", __FILE__, __LINE__, \
			tb_ ? tb_ : "(null)", ta_ ? ta_ : "(null)", #a); \
		test_failures++; \
	} } while (0)

#define TEST_INTEQ(a, b) do { \
	long long ta_ = (long long)(a), tb_ = (long long)(b); \
	if (ta_ != tb_) { \
		fprintf(stderr, "%s:%d: expected %lld, got %lld (%s)\n", __FILE__, __LINE__, tb_, ta_, #a); \
		test_failures++; \
	} } while (0)

/* Runs every case, prints one TAP-like line per case and a closing "N passed, N failed" line.
 * Returns the process exit status (0 when all passed). */
int test_run(const struct test_case *cases, size_t n);

#define TEST_MAIN(cases) int main(void) { return test_run(cases, N_ELEMENTS(cases)); }

#endif
