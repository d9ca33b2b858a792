/* imap-fetch.h: parsers for FETCH data items: ENVELOPE, BODYSTRUCTURE and INTERNALDATE. */
#ifndef IMAP_IMAP_FETCH_H
#define IMAP_IMAP_FETCH_H

#include "skua.h"
#include "imap-parser.h"

#define IMAP_BODY_MAX_PARTS 10000

struct imap_address {
	const char *name, *mailbox, *host;   /* borrowed; NULL for NIL */
	bool group_start, group_end;         /* RFC 3501 group syntax markers */
};

struct imap_address_list {
	struct imap_address *addrs;
	size_t count;
};

/* Every string is borrowed from the tokens (valid as long as they are) and not sanitised. */
struct imap_envelope {
	const char *date, *subject, *in_reply_to, *message_id;
	struct imap_address_list from, sender, reply_to, to, cc, bcc;
};

/* Parses an ENVELOPE list. Returns 0, or -1 with *error_r when malformed (env is then cleared).
 * Release with imap_envelope_clear. Any thread. */
int imap_envelope_parse(const struct imap_arg *list, struct imap_envelope *env_r, const char **error_r);
void imap_envelope_clear(struct imap_envelope *env);

struct imap_body {
	const char *type, *subtype;          /* borrowed, as sent (compare case-insensitively) */
	const struct imap_arg *params;       /* body parameter list (name value ...) or NULL */
	const char *id, *description, *encoding;
	uint64_t size, lines;
	const char *disposition;
	const struct imap_arg *disposition_params;
	struct imap_body *children;          /* multipart: n_children parts */
	size_t n_children;
	struct imap_envelope *envelope;      /* message/rfc822: its envelope and body */
	struct imap_body *message;
	char part[64];                       /* section number, e.g. "1.2" ("" for the top level) */
};

/* Parses a BODYSTRUCTURE (or BODY) list into a tree (at most IMAP_BODY_MAX_PARTS parts). Returns 0 and
 * a tree the caller owns (free with imap_body_free; strings stay borrowed from the tokens), or -1 with
 * *error_r. Any thread. */
int imap_bodystructure_parse(const struct imap_arg *list, struct imap_body **body_r, const char **error_r);
void imap_body_free(struct imap_body **body);
/* Returns the value of a body (or disposition) parameter, case-insensitively, or NULL. */
const char *imap_body_param(const struct imap_arg *params, const char *name);

/* Reads the next range of a UID/sequence set ("1:4,7,9:8") at *p, advancing it. Returns 1 with the
 * range (lo <= hi), 0 at the end of the set, -1 when it is malformed (zero, over 2^32-1, junk). */
int imap_uidset_next(const char **p, uint32_t *lo_r, uint32_t *hi_r);

/* Parses an INTERNALDATE ("17-Jul-1996 02:44:25 -0700"). Returns epoch seconds, or -1. */
int64_t imap_internaldate_parse(const char *s);

#endif
