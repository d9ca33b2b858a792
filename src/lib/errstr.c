/* errstr.c: per-thread ring of formatted error strings. */
#include "skua.h"
#include "errstr.h"

#include <stdarg.h>
#include <stdio.h>

static __thread char errstr_ring[ERRSTR_SLOTS][ERRSTR_MAX];
static __thread unsigned int errstr_next;

const char *errstr(const char *fmt, ...)
{
	char *slot = errstr_ring[errstr_next++ % ERRSTR_SLOTS];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(slot, ERRSTR_MAX, fmt, ap);
	va_end(ap);
	return slot;
}
