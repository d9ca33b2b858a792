/* xmalloc.c: allocation helpers that abort on out-of-memory. */
#include "skua.h"
#include "xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SKUA_NORETURN void xmalloc_die(size_t size)
{
	fprintf(stderr, "skua: out of memory (%zu bytes)\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		xmalloc_die(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		xmalloc_die(n * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		xmalloc_die(size);
	return p;
}

void *xgrow(void *ptr, size_t *cap_r, size_t need, size_t elem)
{
	size_t cap = *cap_r;

	if (need <= cap)
		return ptr;
	if (cap < 8)
		cap = 8;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			xmalloc_die(SIZE_MAX);
		cap *= 2;
	}
	if (elem != 0 && cap > SIZE_MAX / elem)
		xmalloc_die(SIZE_MAX);
	*cap_r = cap;
	return xrealloc(ptr, cap * elem);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *p;
	if (vasprintf(&p, fmt, ap) < 0)
		xmalloc_die(0);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}
