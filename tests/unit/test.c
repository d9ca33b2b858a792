/* test.c: runner for the table-driven unit tests. */
#include "test.h"

int test_failures;

int test_run(const struct test_case *cases, size_t n)
{
	size_t passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		int before = test_failures;
		cases[i].fn();
		if (test_failures == before) {
			passed++;
			printf("ok %zu - %s\n", i + 1, cases[i].name);
		} else {
			failed++;
			printf("not ok %zu - %s\n", i + 1, cases[i].name);
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
