/* mime-int.h: internals shared by the mime module's files, its tests and fuzz targets (not a public API). */
#ifndef MIME_MIME_INT_H
#define MIME_MIME_INT_H

#include "mime.h"

/* Named limits for parameters. */
#define MIME_MAX_PARAM_SECTIONS 64 /* RFC 2231 continuations name*0 .. name*63 */

/* --- RFC 2047 / 2231 / 2045 (header.c) --- */

/* Appends value[0..len) with RFC 2047 encoded words decoded and everything converted to UTF-8 (raw
 * 8-bit runs guessed: UTF-8 when valid, else Windows-1252); folding is removed. Spends from *budget
 * (NULL: a fresh one). NOT sanitised. Any thread. */
void mime_rfc2047_decode(struct buf *out, const char *value, size_t len, struct mime_header_budget *budget);

/* Returns the value of parameter `name` (case-insensitive) in a structured header value such as
 * `text/plain; charset="utf-8"` (everything before the first ';' is skipped), or NULL when absent.
 * RFC 2231 continuations and charset'lang'%XX encoding are merged and decoded. decode: convert to
 * UTF-8 (RFC 2231 charset, RFC 2047 words in quoted values, raw 8-bit guessed); else the raw bytes
 * (for boundary). NOT sanitised. malloc'd. Any thread. */
char *mime_param_get(const char *value, size_t len, const char *name, bool decode);

/* Splits the leading "type/subtype" of a Content-Type value into lowercase malloc'd strings.
 * Returns false (and sets nothing) when it is not of that form. Any thread. */
bool mime_content_type_parse(const char *value, size_t len, char **type_r, char **subtype_r);

/* Returns the first token of a value (Content-Transfer-Encoding, Content-Disposition) lowercased
 * into dst (size dst_size, truncated), "" when empty. Any thread. */
void mime_first_token(const char *value, size_t len, char *dst, size_t dst_size);

/* --- transfer decoding (decode.c): incremental, fed any number of bytes at a time --- */

struct mime_b64 {
	uint32_t acc;   /* bits collected */
	unsigned n;     /* sextets in acc */
	bool garbage;   /* characters outside the alphabet were skipped */
	bool truncated; /* set by finish: a partial group was left over */
};

/* Appends the decoded bytes of in[0..len) to out. Whitespace is skipped silently, other characters
 * outside the alphabet are skipped and flagged; '=' ends a group (concatenated base64 is accepted). */
void mime_b64_decode(struct mime_b64 *st, const char *in, size_t len, struct buf *out);
void mime_b64_finish(struct mime_b64 *st, struct buf *out);

struct mime_qp {
	int state;
	char hex1;
	bool invalid;    /* an invalid escape was kept literally */
	struct buf ws;   /* pending blanks (dropped at the end of a line) */
};

/* Quoted-printable: soft line breaks, either case of hex, invalid escapes kept literally, trailing
 * blanks on lines removed. mime_qp_finish also releases the state. */
void mime_qp_decode(struct mime_qp *st, const char *in, size_t len, struct buf *out);
void mime_qp_finish(struct mime_qp *st, struct buf *out);

/* --- the MIME tree (message.c) --- */

struct mime_part {
	const char *hdr;       /* header block (within the message's copy or `owned` of an ancestor) */
	size_t hdr_len;
	const char *body;      /* raw body, transfer-encoded */
	size_t body_len;
	char *type;            /* lowercase, never NULL */
	char *subtype;         /* lowercase, never NULL */
	char *charset;         /* raw charset parameter or NULL */
	char *filename;        /* decoded UTF-8 (not sanitised) filename or name, or NULL */
	char cte[24];          /* lowercase Content-Transfer-Encoding token, "" when absent */
	bool attachment;       /* Content-Disposition: attachment */
	bool is_message;       /* message/rfc822: children[0] is the inner message */
	char *owned;           /* a transfer-decoded container body the children point into */
	struct mime_part **children;
	size_t nchildren;
	size_t children_cap;
	char **notes;          /* translated, not sanitised */
	size_t nnotes;
	unsigned depth;
};

struct mime_message {
	char *data;
	size_t len;
	struct mime_part *root;
	size_t nparts;
};

/* What transfer decoding found wrong. */
#define MIME_DEC_B64_GARBAGE 0x1
#define MIME_DEC_B64_TRUNCATED 0x2
#define MIME_DEC_QP_INVALID 0x4
#define MIME_DEC_UNKNOWN_CTE 0x8
/* Appends the transfer-decoded body of a part to out (never leaves out->data NULL) and ORs
 * MIME_DEC_* flags into *flags_r. Any thread. */
void mime_part_decode(const struct mime_part *part, struct buf *out, unsigned *flags_r);

/* --- stopping a rendering (render.c) --- */

/* When a rendering should end: a flag another thread sets, a deadline. */
struct mime_stop {
	const atomic_bool *flag; /* NULL: none */
	struct timespec deadline;
	bool has_deadline;
	unsigned calls;          /* the clock is read every MIME_STOP_CLOCK_EVERY calls */
	int why;                 /* 0: going on; MIME_STOP_CANCELLED or MIME_STOP_BUDGET */
};
#define MIME_STOP_CANCELLED 1
#define MIME_STOP_BUDGET 2
#define MIME_STOP_CLOCK_EVERY 16

/* Starts s from opts (NULL: never stops). */
void mime_stop_init(struct mime_stop *s, const struct mime_render_opts *opts);
/* True once the rendering should end (and from then on). Cheap: call it per part or per few KB. */
bool mime_stop_check(struct mime_stop *s);

/* --- HTML (html.c) --- */

/* Appends a crude text rendering of UTF-8 HTML: tags stripped, block elements as line breaks,
 * script/style/head dropped, entities decoded, blanks collapsed. NOT sanitised. Ends early, leaving
 * what it had, when stop (may be NULL) says so. Any thread. */
void mime_html_strip(const char *html, size_t len, struct buf *out, struct mime_stop *stop);
/* How many bytes of HTML the converter takes between two looks at its stop. */
#define MIME_HTML_STOP_BYTES 65536

/* The value of a hexadecimal digit, or -1. */
static inline int mime_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
