/* errstr.h: formatted error strings for the `const char **error_r` convention. */
#ifndef LIB_ERRSTR_H
#define LIB_ERRSTR_H

#include "skua.h"

/* Returns a formatted string in a per-thread ring of ERRSTR_SLOTS buffers: valid until ERRSTR_SLOTS
 * more calls in the same thread, so an error may be built from another one. Truncated at
 * ERRSTR_MAX bytes. Never NULL. Any thread. */
#define ERRSTR_SLOTS 8
#define ERRSTR_MAX 1024
const char *errstr(const char *fmt, ...) SKUA_PRINTF(1, 2);

#endif
