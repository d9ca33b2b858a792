/* charset.h: conversion of text in any charset iconv knows to UTF-8, and small UTF-8 helpers. */
#ifndef LIB_CHARSET_H
#define LIB_CHARSET_H

#include "skua.h"
#include "buf.h"

/* Results of charset_to_utf8(). */
#define CHARSET_OK 0       /* converted cleanly */
#define CHARSET_INVALID 1  /* converted; invalid or unconvertible bytes became U+FFFD */
#define CHARSET_UNKNOWN -1 /* charset unknown or not allowed: ASCII kept, other bytes became U+FFFD */

/* Appends in[0..len) converted from `charset` (a MIME charset name, case-insensitive) to UTF-8 to
 * out. charset NULL (or "unknown-8bit", "x-unknown") means "guess": valid UTF-8 is kept, anything
 * else is read as Windows-1252. us-ascii with 8-bit bytes is guessed the same way (mislabelled mail);
 * ISO-8859-1 is read as its superset Windows-1252. The output is valid UTF-8 but NOT sanitised (it
 * may contain controls). Returns CHARSET_OK, CHARSET_INVALID or CHARSET_UNKNOWN. Any thread:
 * iconv descriptors are cached per thread (the 64 used last, closed when the thread exits). */
int charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out);

/* True when charset names UTF-8 or US-ASCII (or an alias of them). Any thread. */
bool charset_is_utf8(const char *charset);

/* Decodes one UTF-8 sequence from s[0..len) (len > 0) into *cp_r; invalid, overlong, surrogate or
 * truncated sequences give U+FFFD and consume the bytes of the maximal invalid prefix (at least 1).
 * Returns the number of bytes consumed. Any thread. */
size_t charset_utf8_decode(const char *s, size_t len, uint32_t *cp_r);
/* Appends the UTF-8 encoding of cp (U+FFFD when cp is not a scalar value). Any thread. */
void charset_utf8_append(struct buf *out, uint32_t cp);
/* True when s[0..len) is entirely valid UTF-8. Any thread. */
bool charset_utf8_valid(const char *s, size_t len);

#endif
