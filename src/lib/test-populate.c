/* test-populate.c: unit tests for the helper that makes fresh pages resident: contents kept while the
 * owner writes, every page resident after, small blocks left alone. */
#include "skua.h"
#include "populate.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BLOCK (16u << 20)

/* Returns how many pages of [p, p + len) (page-aligned) are resident. */
static size_t resident(void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = len / page, count = 0;
	unsigned char *vec = malloc(n);

	if (vec == NULL || mincore(p, len, vec) < 0) {
		free(vec);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

static void test_populate(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint32_t *a = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *b = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct populate *p;
	bool can;

	TEST_ASSERT(a != MAP_FAILED && b != MAP_FAILED);
	if (a == MAP_FAILED || b == MAP_FAILED)
		return;
#ifdef MADV_POPULATE_WRITE
	can = madvise(b, page, MADV_POPULATE_WRITE) == 0; /* the kernel has it (Linux 5.14) */
#else
	can = false;
#endif
	TEST_ASSERT(resident(a, BLOCK) < BLOCK / page / 2);
	p = populate_start(a, BLOCK, b, BLOCK);
	TEST_ASSERT(!can || p != NULL);
	/* the owner writes while the helper runs: what it wrote stays */
	for (size_t i = 0; i < BLOCK / sizeof(*a); i += 997)
		a[i] = (uint32_t)i + 1, b[i] = (uint32_t)i + 2;
	populate_finish(&p);
	TEST_ASSERT(p == NULL);
	for (size_t i = 0; i < BLOCK / sizeof(*a); i += 997)
		TEST_ASSERT(a[i] == (uint32_t)i + 1 && b[i] == (uint32_t)i + 2);
	if (can) {
		TEST_INTEQ(resident(a, BLOCK), BLOCK / page);
		TEST_INTEQ(resident(b, BLOCK), BLOCK / page);
	}
	/* nothing worth a thread */
	TEST_ASSERT(populate_start(a, POPULATE_MIN_BYTES - 1, NULL, BLOCK) == NULL);
	populate_finish(&p); /* NULL-safe */
	munmap(a, BLOCK);
	munmap(b, BLOCK);
}

static const struct test_case cases[] = {
	{ "populate: resident, contents kept", test_populate },
};

TEST_MAIN(cases)
