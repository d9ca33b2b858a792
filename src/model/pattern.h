/* pattern.h: mutt's message patterns (~f from, ~s subject, ~d date, ~F flagged, !, |, ( ), ~( )),
 * parsed once and matched against a folder index. */
#ifndef MODEL_PATTERN_H
#define MODEL_PATTERN_H

#include "skua.h"
#include "mindex.h"

#define PATTERN_MAX_LEN 4096   /* a longer pattern is refused */
#define PATTERN_MAX_DEPTH 32   /* nesting of !, ( ) and ~( ) (and of groups in an expression) */
#define PATTERN_REGEX_MAX_COST 8192u /* regcomp nodes an expression may cost (repetitions multiply) */

struct pattern;

/* What a match needs besides the index. */
struct pattern_env {
	bool (*tagged)(uint32_t uid, void *ctx);      /* ~T; NULL: nothing is tagged */
	bool (*collapsed)(uint32_t uid, void *ctx);   /* ~v: in a collapsed thread; NULL: none is */
	void *ctx;
};

/*
 * Parses text, mutt's syntax: ~f from, ~t to, ~c cc, ~C to or cc, ~s subject, ~L from, to or cc, ~i
 * Message-ID, ~x References or In-Reply-To, ~y List-Id (each a regular expression, case-insensitive
 * unless it holds an upper-case letter, "quoted" or 'quoted' when it has spaces; headers are matched
 * decoded); ~d date sent and ~r date received (DD[/MM[/[YY]YY]], A-B, A-, -B, or <Nu, >Nu, =Nu with
 * u one of y m w d H M S; a single date may end in an error margin *Nu, -Nu or +Nu, u one of y m w d); ~z size ([<>]N[KM], A-B, A-, -B); ~N new and ~U unread (no \Seen), ~O old
 * (skua marks nothing old, as mutt's mark_old=no: none), ~R read, ~F flagged, ~D deleted, ~Q replied,
 * ~T tagged, ~A all, ~v in a collapsed thread, ~(P) the messages of every thread holding a match of P;
 * ! not, juxtaposition and, | or, parentheses. An empty pattern, or "all", is ~A. Relative dates
 * count back from the time of parsing; days are local days.
 * Returns the pattern (free with pattern_free), or NULL with *error_r, a translated one-line message
 * naming the position (1-based) of the fault. Back-references, repetitions of repetitions and
 * repetitions nested past PATTERN_REGEX_MAX_COST nodes are refused (super-linear time, or memory
 * without bound in regcomp). Any thread.
 */
struct pattern *pattern_parse(const char *text, const char **error_r);

/* Frees *p (NULL is fine) and sets it to NULL. */
void pattern_free(struct pattern **p);

/* Sets match_r[pos] (an array of mindex_count(idx) entries) to whether the message at pos matches;
 * false for removed positions. Threads (~( )) are the messages whose reply chains start with the same
 * id (a message without one starts its own). O(messages × pattern size), strings decoded once per
 * message; idx may be a view (mindex_freeze) read on another thread. */
void pattern_match_index(const struct pattern *p, const struct mindex *idx, const struct pattern_env *env,
			 bool *match_r);

#endif
