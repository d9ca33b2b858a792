/* xmalloc.h: allocation helpers that abort on out-of-memory instead of returning NULL. */
#ifndef LIB_XMALLOC_H
#define LIB_XMALLOC_H

#include "skua.h"
#include <stdarg.h>

/* All return memory owned by the caller (free with free()); never NULL. Any thread. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array to hold at least `need` elements of `elem` bytes, doubling; updates *cap_r. */
void *xgrow(void *ptr, size_t *cap_r, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) SKUA_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) SKUA_PRINTF(1, 0);

#endif
