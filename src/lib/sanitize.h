/* sanitize.h: neutralise control characters, escape sequences and bidi overrides before display. */
#ifndef LIB_SANITIZE_H
#define LIB_SANITIZE_H

#include "skua.h"
#include "buf.h"

/* Appends data (taken as UTF-8; invalid sequences become U+FFFD) to out with every C0 and C1 control
 * character, DEL, and bidi override/isolate/mark (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
 * U+061C) replaced: controls by U+FFFD, bidi controls removed. multiline keeps '\n' and '\t' (CR
 * dropped); otherwise '\t', '\n', '\r' become a space. Any thread. */
void sanitize_append(struct buf *out, const char *data, size_t len, bool multiline);
/* Returns a malloc'd sanitised copy (single-line rules). */
char *sanitize_line(const char *data, size_t len);

#endif
