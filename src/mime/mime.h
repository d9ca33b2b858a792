/* mime.h: RFC 5322/2045/2047/2231 message parsing, decoding and rendering to display text. */
#ifndef MIME_MIME_H
#define MIME_MIME_H

#include "skua.h"
#include "lib/buf.h"
#include <time.h>

/* Named limits (as Dovecot's message-parser). */
#define MIME_MAX_DEPTH 100
#define MIME_MAX_PARTS 10000
#define MIME_MAX_HEADER_FIELDS 10000

/* --- header blocks (raw bytes; fields may be folded) --- */

/* Returns the unfolded raw value (leading/trailing blanks trimmed) of the first field called `name`
 * (case-insensitive) in the header block data[0..len), malloc'd, or NULL when absent. Any thread. */
char *mime_header_get(const char *data, size_t len, const char *name);

/* As mime_header_get for several names in one pass: values_r[i] is the first field called names[i]
 * (malloc'd) or NULL. At most MIME_HEADER_GET_MANY_MAX names. Any thread. */
#define MIME_HEADER_GET_MANY_MAX 32
void mime_header_get_many(const char *data, size_t len, const char *const *names, size_t count,
			  char **values_r);

/* Decodes RFC 2047 encoded words in an unstructured value (Subject, comments) and converts to
 * UTF-8; raw 8-bit text is taken as UTF-8 when valid, else as Windows-1252. The result is sanitised for
 * display on one line (see sanitize.h). Returns a malloc'd string. Any thread. */
char *mime_decode_text(const char *value, size_t len);

/* Decodes an address list for display. name_only: the first mailbox's display name (or its address
 * when it has none), as an index line shows it; else "Name <addr>, ..." for all. Sanitised, one line,
 * malloc'd. Malformed input is shown as well as it can be. Any thread. */
char *mime_address_display(const char *value, size_t len, bool name_only);

/* Parses an RFC 5322 date (leniently: obsolete forms, missing seconds/day name, named zones).
 * Returns seconds since the epoch (UTC) or -1 when it cannot be parsed. Any thread. */
int64_t mime_date_parse(const char *value, size_t len);

/* --- whole messages --- */

struct mime_message;

/* Parses a whole RFC 5322 message (headers, MIME tree up to MIME_MAX_DEPTH / MIME_MAX_PARTS). Never
 * fails: broken structure is recorded as notes and shown as well as possible. The message keeps a
 * copy of data. Returns a message the caller owns (free with mime_message_free). Any thread. */
struct mime_message *mime_message_parse(const char *data, size_t len);
/* Frees *msg (NULL is fine) and sets it to NULL. Any thread. */
void mime_message_free(struct mime_message **msg);

struct mime_render_opts {
	const char *html_command; /* command line (proc_split, no shell) reading HTML on stdin, writing
				     text on stdout; NULL = built-in tag stripper */
};

/* Appends the message as the pager shows it: "From:", "To:", "Cc:" (when present), "Date:",
 * "Subject:" lines, a blank line, then the decoded text: text/plain preferred in
 * multipart/alternative, text/html through opts->html_command, other parts as
 * "[-- Attachment: NAME (TYPE, SIZE) --]" lines, notes about broken parts as "[-- note: ... --]".
 * All text is UTF-8 and sanitised (no C0/C1 controls but newline and tab, no escape sequences, no bidi
 * overrides). Worker thread (may run html_command). */
void mime_message_render(const struct mime_message *msg, const struct mime_render_opts *opts,
			 struct buf *out);

/* --- attachments (added by the mime module; not part of the lead's first contract) --- */

struct mime_attachment {
	unsigned index;      /* position among the message's leaf parts, depth first; stable */
	char *display_name;  /* decoded, sanitised, one line; "" when the part has no name */
	char *file_name;     /* safe as a file name in a directory and as one argv word: no '/',
				no controls or bidi marks, no leading '.' or '-', at most 200 bytes;
				"attachment-N" when nothing usable is left */
	char *content_type;  /* lowercase "type/subtype" */
	size_t size;         /* decoded size in bytes */
	bool inline_text;    /* shown inline by mime_message_render (text parts not marked attachment) */
};

/* Lists every leaf part (anything but multipart and message/rfc822 containers, whose contents are
 * listed instead) in depth-first order. Returns the number of entries; *list_r is malloc'd, free it
 * with mime_attachments_free. Any thread. */
size_t mime_message_attachments(const struct mime_message *msg, struct mime_attachment **list_r);
/* Frees the n entries of *list and the array, and sets *list to NULL. Any thread. */
void mime_attachments_free(struct mime_attachment **list, size_t n);

/* Appends the transfer-decoded bytes of leaf part `index` (as numbered by mime_message_attachments)
 * to out. Returns 0, or -1 with *error_r when there is no such part. Any thread. */
int mime_message_attachment_data(const struct mime_message *msg, unsigned index, struct buf *out,
				 const char **error_r);

/* Returns a malloc'd file name made safe from an untrusted (UTF-8) one, as file_name above;
 * `fallback` is used when nothing usable is left. Any thread. */
char *mime_filename_safe(const char *name, size_t len, const char *fallback);

#endif
