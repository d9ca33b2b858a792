/* populate.c: a helper thread that makes fresh pages resident while the caller goes on (see populate.h). */
#include "skua.h"
#include "populate.h"
#include "xmalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

struct populate {
	pthread_t thread;
	struct { uintptr_t start; size_t len; } block[2];
	size_t n;
};

static void *populate_main(void *arg)
{
	struct populate *p = arg;

#ifdef MADV_POPULATE_WRITE
	for (size_t i = 0; i < p->n; i++)
		(void)madvise((void *)p->block[i].start, p->block[i].len, MADV_POPULATE_WRITE);
#endif
	return NULL;
}

/* Adds the whole pages inside [ptr, ptr + len) to p. */
static void populate_add(struct populate *p, void *ptr, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;

	if (ptr == NULL || len < POPULATE_MIN_BYTES)
		return;
	start = ((uintptr_t)ptr + page - 1) & ~(page - 1);
	end = ((uintptr_t)ptr + len) & ~(page - 1);
	if (end <= start)
		return;
	p->block[p->n].start = start;
	p->block[p->n].len = end - start;
	p->n++;
}

struct populate *populate_start(void *p1, size_t len1, void *p2, size_t len2)
{
#ifdef MADV_POPULATE_WRITE
	struct populate *p = xcalloc(1, sizeof(*p));

	populate_add(p, p1, len1);
	populate_add(p, p2, len2);
	if (p->n == 0 || pthread_create(&p->thread, NULL, populate_main, p) != 0) {
		free(p);
		return NULL;
	}
	return p;
#else
	(void)p1;
	(void)len1;
	(void)p2;
	(void)len2;
	return NULL;
#endif
}

void populate_finish(struct populate **pp)
{
	if (*pp == NULL)
		return;
	(void)pthread_join((*pp)->thread, NULL);
	free(*pp);
	*pp = NULL;
}
