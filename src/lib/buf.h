/* buf.h: growable byte buffers (always NUL-terminated) for network data and text building. */
#ifndef LIB_BUF_H
#define LIB_BUF_H

#include "skua.h"
#include <stdarg.h>

struct buf {
	char *data;   /* NUL-terminated when non-NULL; may contain NULs */
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* None of these fail (allocation aborts). The buffer owns data; buf_free releases it. Any thread,
 * one thread per buffer. */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_c(struct buf *b, char c);
void buf_appendf(struct buf *b, const char *fmt, ...) SKUA_PRINTF(2, 3);
void buf_vappendf(struct buf *b, const char *fmt, va_list ap) SKUA_PRINTF(2, 0);
/* Drops the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
void buf_truncate(struct buf *b, size_t len);
void buf_reset(struct buf *b);
/* Returns the data as a malloc'd string the caller owns and resets the buffer. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
