/* imap-parser.h: sans-I/O IMAP response tokenizer (RFC 9051/3501): bytes in, whole responses out. */
#ifndef IMAP_IMAP_PARSER_H
#define IMAP_IMAP_PARSER_H

#include "skua.h"

/* Named limits. A response's text outside literals may not exceed IMAP_PARSER_MAX_LINE; a literal kept
 * in memory may not exceed IMAP_PARSER_MAX_LITERAL_MEM (larger ones need a sink); no literal may
 * exceed IMAP_PARSER_MAX_LITERAL; lists nest at most IMAP_PARSER_MAX_DEPTH deep. */
#define IMAP_PARSER_MAX_LINE (16u * 1024 * 1024)
#define IMAP_PARSER_MAX_LITERAL_MEM (64u * 1024 * 1024)
#define IMAP_PARSER_MAX_LITERAL (2048ull * 1024 * 1024)
#define IMAP_PARSER_MAX_DEPTH 64
/* Literals at least this big go to the sink when one is set. */
#define IMAP_PARSER_STREAM_MIN (64u * 1024)

enum imap_arg_type {
	IMAP_ARG_ATOM,       /* includes numbers, flags (\Seen) and BODY[...]<n> section atoms */
	IMAP_ARG_STRING,     /* quoted string, unescaped */
	IMAP_ARG_LITERAL,    /* literal or literal8, bytes in memory (may contain NUL) */
	IMAP_ARG_STREAMED,   /* literal whose bytes went to the sink; len = its size */
	IMAP_ARG_NIL,
	IMAP_ARG_LIST,
};

struct imap_arg {
	enum imap_arg_type type;
	uint32_t count;            /* LIST: number of children */
	size_t len;                /* ATOM/STRING/LITERAL/STREAMED: byte length */
	union {
		const char *str;   /* ATOM/STRING/LITERAL: NUL-terminated (literals may hold NULs) */
		const struct imap_arg *list; /* LIST: children */
	} u;
};

/* Receives streamed literal bytes, in order, possibly in many calls. `final` marks the last call of a
 * literal (len may be 0 then). Runs in the caller's thread of imap_parser_next(). */
typedef void imap_parser_sink_fn(void *ctx, const char *data, size_t len, bool final);

struct imap_parser;

/* Returns a new parser the caller owns. Any thread; a parser is used by one thread. */
struct imap_parser *imap_parser_new(void);
void imap_parser_free(struct imap_parser **parser);

/* Appends received bytes. Never fails (the limits are checked by imap_parser_next). */
void imap_parser_input(struct imap_parser *parser, const void *data, size_t len);
/* Drops every buffered byte (used right after a STARTTLS OK: nothing read before the handshake may
 * be interpreted afterwards). Returns how many bytes were dropped. */
size_t imap_parser_discard_input(struct imap_parser *parser);
/* Sets (or with fn NULL clears) the sink for literals of IMAP_PARSER_STREAM_MIN bytes or more. */
void imap_parser_set_sink(struct imap_parser *parser, imap_parser_sink_fn *fn, void *ctx);

/* Assembles and tokenizes the next whole response. Returns 1 with *args_r / *count_r set to its
 * top-level tokens (the tag first; valid until the next call of imap_parser_next or
 * imap_parser_input), 0 when more input is needed, -1 on a
 * protocol violation with *error_r (the connection must then be dropped; later calls keep failing).
 * Status responses (OK/NO/BAD/BYE/PREAUTH, tagged or not) and continuation requests are tokenized
 * only up to the status word: the rest of the line is in *text_r (resp-text, NUL-terminated, not
 * sanitised), otherwise *text_r is NULL. */
int imap_parser_next(struct imap_parser *parser, const struct imap_arg **args_r, size_t *count_r,
		     const char **text_r, const char **error_r);

/* Tokenizes a response code "[CODE args]" at the start of text (as returned by imap_parser_next).
 * Returns 1 with the code's tokens (code atom first) and *rest_r pointing after the "]" and any
 * space, 0 when text has no code, -1 when the code is malformed. Tokens valid until the next call of
 * imap_parser_next. */
int imap_parser_resp_code(struct imap_parser *parser, const char *text, const struct imap_arg **args_r,
			  size_t *count_r, const char **rest_r);

/* Helpers over tokens. */
bool imap_arg_is_string(const struct imap_arg *arg); /* atom, string or literal */
/* Returns the string of an atom/string/literal, NULL for NIL, or NULL for anything else. */
const char *imap_arg_nstring(const struct imap_arg *arg);
bool imap_arg_atom_equals(const struct imap_arg *arg, const char *atom); /* case-insensitive */
/* Parses an atom as an unsigned number (no sign, no leading junk, fits in uint64). */
bool imap_arg_number(const struct imap_arg *arg, uint64_t *num_r);

#endif
