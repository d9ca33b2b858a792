/* mime.h: RFC 5322/2045/2047/2231 message parsing, decoding and rendering to display text. */
#ifndef MIME_MIME_H
#define MIME_MIME_H

#include "skua.h"
#include "lib/buf.h"
#include <stdatomic.h>
#include <time.h>

/* Named limits (as Dovecot's message-parser): what one message may make skua spend. Past a limit
 * the message is still shown, as well as it can be, with a note where something was left out. */
#define MIME_MAX_DEPTH 100             /* nesting of multiparts and message/rfc822 parts */
#define MIME_MAX_PARTS 10000           /* MIME parts of a message; the rest is not shown */
#define MIME_MAX_HEADER_FIELDS 10000   /* lines of one header block (message or part); the rest is body */
#define MIME_MAX_HEADER_SIZE (1024 * 1024) /* bytes of one header block; the rest is taken as body */
/* Bytes transfer decoding may produce for the containers of one message (a message/rfc822 part
 * sent base64 or quoted-printable is decoded so that its parts can be found): at most
 * MIME_MAX_DECODED_RATIO times the message's size, and never more than MIME_MAX_DECODED_BYTES; past
 * that, a container is shown undecoded. (Containers in base64 inside each other shrink by a quarter a
 * level, so the ratio never stops real mail; quoted-printable ones around the same text do not
 * shrink at all.) A multipart is never transfer-decoded (RFC 2045 allows it only 7bit, 8bit and
 * binary): its encoding is ignored, with a note. Leaf parts decode to at most their own size, so
 * what rendering decodes stays below the message's size plus this budget. */
#define MIME_MAX_DECODED_RATIO 4
#define MIME_MAX_DECODED_BYTES (64 * 1024 * 1024)
/* RFC 2047 encoded words decoded per header budget (one field, or the fields of one message that a
 * caller decodes with one struct mime_header_budget); later words are shown as they are. */
#define MIME_MAX_ENCODED_WORDS 10000
/* Distinct charsets the encoded words of one header budget may use. Each new charset can cost an
 * iconv module load (hundreds of microseconds); words in charsets past the limit are decoded with
 * their non-ASCII characters replaced by U+FFFD, as for an unknown charset. */
#define MIME_MAX_HEADER_CHARSETS 8
#define MIME_CHARSET_NAME_MAX 64       /* longest charset name of an encoded word */

/* --- header blocks (raw bytes; fields may be folded) --- */

/* Returns the unfolded raw value (leading/trailing blanks trimmed) of the first field called `name`
 * (case-insensitive) in the header block data[0..len), malloc'd, or NULL when absent. Any thread. */
char *mime_header_get(const char *data, size_t len, const char *name);

/* As mime_header_get for several names in one pass: values_r[i] is the first field called names[i]
 * (malloc'd) or NULL. At most MIME_HEADER_GET_MANY_MAX names. Any thread. */
#define MIME_HEADER_GET_MANY_MAX 32
void mime_header_get_many(const char *data, size_t len, const char *const *names, size_t count,
			  char **values_r);

/* What decoding header fields may spend (MIME_MAX_ENCODED_WORDS, MIME_MAX_HEADER_CHARSETS). The
 * functions below without a budget give each field a fresh one; a caller decoding several fields of
 * one message (the pager's header lines) shares one between them, so that the message as a whole
 * stays within the limits. Initialise with MIME_HEADER_BUDGET_INIT; nothing to free. */
struct mime_header_budget {
	size_t words;
	unsigned ncharsets;
	char charsets[MIME_MAX_HEADER_CHARSETS][MIME_CHARSET_NAME_MAX]; /* lowercase */
};
#define MIME_HEADER_BUDGET_INIT { 0, 0, { { 0 } } }

/* Decodes RFC 2047 encoded words in an unstructured value (Subject, comments) and converts to
 * UTF-8; raw 8-bit text is taken as UTF-8 when valid, else as Windows-1252 (raw 8-bit bytes inside
 * a Q-encoded word, as some mailers send, are bytes of the word's charset). The result is sanitised
 * for display on one line (see sanitize.h). Returns a malloc'd string. Any thread. */
char *mime_decode_text(const char *value, size_t len);
/* The same, spending from *budget (NULL: a fresh one). */
char *mime_decode_text_budget(const char *value, size_t len, struct mime_header_budget *budget);

/* Decodes an address list for display. name_only: the first mailbox's display name (or its address
 * when it has none), as an index line shows it; else "Name <addr>, ..." for all. Sanitised, one line,
 * malloc'd. Malformed input is shown as well as it can be. The whole list shares one header budget.
 * Any thread. */
char *mime_address_display(const char *value, size_t len, bool name_only);
/* The same, spending from *budget (NULL: a fresh one for each mailbox). */
char *mime_address_display_budget(const char *value, size_t len, bool name_only,
				  struct mime_header_budget *budget);

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

/* What rendering one message may take in wall time before the rest is left out (with a note): a
 * cost nobody has found yet ends here instead of holding the pager or a script. */
#define MIME_RENDER_MAX_MS 10000

struct mime_render_opts {
	const char *html_command; /* command line (proc_split, no shell) reading HTML on stdin, writing
				     text on stdout; NULL = built-in tag stripper */
	const atomic_bool *stop;  /* when it becomes true (any thread) the rendering ends early; NULL:
				     never */
	unsigned max_ms;          /* wall-time budget (e.g. MIME_RENDER_MAX_MS); 0: none */
};

/* Appends the message as the pager shows it: "From:", "To:", "Cc:" (when present), "Date:",
 * "Subject:" lines, a blank line, then the decoded text: text/plain preferred in
 * multipart/alternative, text/html through opts->html_command, other parts as
 * "[-- Attachment: NAME (TYPE, SIZE) --]" lines, notes about broken parts as "[-- note: ... --]".
 * All text is UTF-8 and sanitised (no C0/C1 controls but newline and tab, no escape sequences, no bidi
 * overrides). Stopped by opts->stop or past opts->max_ms, what is rendered so far is kept and a
 * note says the rest is left out (checked between parts and within the HTML converter).
 * Worker thread (may run html_command). */
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
