/* imap-utf7.h: RFC 3501 modified UTF-7 mailbox names to and from UTF-8. */
#ifndef IMAP_IMAP_UTF7_H
#define IMAP_IMAP_UTF7_H

#include "skua.h"
#include "lib/buf.h"

/* Appends the UTF-8 form of a modified UTF-7 name. Returns 0, or -1 (out unchanged) when the input is
 * not valid modified UTF-7. Any thread. */
int imap_utf7_to_utf8(const char *in, struct buf *out);
/* Appends the modified UTF-7 form of a UTF-8 name. Returns 0, or -1 (out unchanged) when the input is
 * not valid UTF-8. Any thread. */
int imap_utf8_to_utf7(const char *in, struct buf *out);

#endif
