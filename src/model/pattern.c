/* pattern.c: mutt's message patterns: a recursive-descent parser into a node array, and a matcher
 * over an index. */
#include "skua.h"
#include "pattern.h"
#include "imap/imap-engine.h"
#include "mime/mime.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PATTERN_MEMO_BITS 8  /* per string test: the last results by string id (senders repeat) */
#define PATTERN_MEMO (1u << PATTERN_MEMO_BITS)

enum pnode_kind {
	PN_ALL, PN_AND, PN_OR, PN_NOT, PN_THREAD, PN_STR, PN_FLAGS, PN_DATE, PN_RECEIVED, PN_SIZE, PN_TAGGED,
	PN_COLLAPSED, PN_NONE,
};

/* the headers a string test reads */
enum {
	PH_FROM = 1 << 0, PH_TO = 1 << 1, PH_CC = 1 << 2, PH_SUBJECT = 1 << 3, PH_MSGID = 1 << 4,
	PH_REFS = 1 << 5, PH_LIST = 1 << 6,
};

struct pnode {
	enum pnode_kind kind;
	size_t a, b;             /* children (AND, OR: both; NOT, THREAD: a) */
	unsigned int headers;    /* PN_STR: PH_* */
	regex_t re;              /* PN_STR */
	bool re_set;
	uint32_t flag, want;     /* PN_FLAGS: (flags & flag) == want */
	int64_t lo, hi;          /* PN_DATE, PN_RECEIVED, PN_SIZE: lo <= value <= hi */
};

struct pattern {
	struct pnode *nodes;
	size_t n, cap, root;
};

struct parser {
	const char *text, *p;
	struct pattern *pat;
	int depth;
	const char *error;
};

static size_t node_new(struct parser *ps, enum pnode_kind kind)
{
	struct pattern *pat = ps->pat;

	pat->nodes = xgrow(pat->nodes, &pat->cap, pat->n + 1, sizeof(*pat->nodes));
	memset(&pat->nodes[pat->n], 0, sizeof(*pat->nodes));
	pat->nodes[pat->n].kind = kind;
	return pat->n++;
}

static bool fail(struct parser *ps, const char *at, const char *what)
{
	if (ps->error == NULL)
		ps->error = errstr(_("bad pattern at %zu: %s"), (size_t)(at - ps->text) + 1, what);
	return false;
}

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

/* Reads an argument: "quoted" or 'quoted' (backslash escapes the next character), else up to a space
 * or a ')' that closes a group. Returns a malloc'd string, or NULL (error set) when there is none. */
static char *read_arg(struct parser *ps)
{
	struct { char *s; size_t len, cap; } out = { NULL, 0, 0 };
	const char *start;
	int parens = 0;

	skip_space(ps);
	start = ps->p;
	if (*ps->p == '"' || *ps->p == '\'') {
		char q = *ps->p++;

		for (; *ps->p != q; ps->p++) {
			if (*ps->p == '\0') {
				free(out.s);
				fail(ps, start, _("the quote is not closed"));
				return NULL;
			}
			if (*ps->p == '\\' && ps->p[1] != '\0')
				ps->p++;
			out.s = xgrow(out.s, &out.cap, out.len + 2, 1);
			out.s[out.len++] = *ps->p;
		}
		ps->p++;
	} else {
		for (; *ps->p != '\0' && *ps->p != ' ' && *ps->p != '\t'; ps->p++) {
			if (*ps->p == '(')
				parens++;
			if (*ps->p == ')' && parens-- == 0)
				break;
			if (*ps->p == '\\' && ps->p[1] != '\0') {
				/* kept for the expression (\. is a dot), except before a space */
				if (ps->p[1] == ' ')
					ps->p++;
				else {
					out.s = xgrow(out.s, &out.cap, out.len + 2, 1);
					out.s[out.len++] = *ps->p++;
				}
			}
			out.s = xgrow(out.s, &out.cap, out.len + 2, 1);
			out.s[out.len++] = *ps->p;
		}
		if (out.len == 0) {
			fail(ps, start, _("an argument is missing"));
			return NULL;
		}
	}
	out.s = xgrow(out.s, &out.cap, out.len + 1, 1);
	out.s[out.len] = '\0';
	return out.s;
}

/* An upper bound of the nodes regcomp builds for the extended expression re: glibc copies a repeated
 * part once per repetition (x+ is x x*, x{m,n} n copies), so nested repetitions multiply. Atoms cost
 * 1, a group the sum of its parts, a repetition multiplies what it repeats (*, ?, + by 2; {m,n} by
 * n + 1). A repetition of a repetition (R++++, R****: undefined in POSIX, and without end in glibc's
 * closures) or of nothing costs UINT64_MAX, as does anything past the saturation. */
static uint64_t regex_cost(const char *re)
{
	uint64_t sum[PATTERN_MAX_DEPTH + 1], last[PATTERN_MAX_DEPTH + 1];
	int depth = 0;
	bool repeated = false; /* the last thing was a repetition: another one on it is refused */

	sum[0] = last[0] = 0;
	for (const char *c = re; *c != '\0'; c++) {
		uint64_t factor = 0, atom = 1;

		switch (*c) {
		case '(':
			if (depth == PATTERN_MAX_DEPTH)
				return UINT64_MAX;
			depth++;
			sum[depth] = last[depth] = 0;
			repeated = false;
			continue;
		case ')':
			if (depth == 0)
				break;
			atom = sum[depth] > 0 ? sum[depth] : 1;
			depth--;
			break;
		case '|':
			last[depth] = 0;
			repeated = false;
			continue;
		case '*':
		case '?':
		case '+':
			factor = 2;
			break;
		case '{': {
			char *end;
			unsigned long m = strtoul(c + 1, &end, 10), n = m;

			if (*end == ',')
				n = isdigit((unsigned char)end[1]) ? strtoul(end + 1, &end, 10) : (end++, m + 1);
			if (*end != '}')
				return UINT64_MAX; /* regcomp refuses it anyway */
			factor = (m > n ? m : n) + 1;
			c = end;
			break;
		}
		case '[':
			/* a bracket expression is one atom: up to its closing ']' (which may come first) */
			c++;
			if (*c == '^')
				c++;
			if (*c == ']')
				c++;
			while (*c != '\0' && *c != ']') {
				if (c[0] == '[' && (c[1] == ':' || c[1] == '.' || c[1] == '=')) {
					const char *close = strchr(c + 2, c[1]);

					c = close != NULL && close[1] == ']' ? close + 1 : c + 1;
				}
				c++;
			}
			if (*c == '\0')
				c--;
			break;
		case '\\':
			if (c[1] != '\0')
				c++;
			break;
		default:
			break;
		}
		if (factor > 0 && (repeated || last[depth] == 0))
			return UINT64_MAX; /* a repetition of a repetition (glibc's closures grow without end
					    * on R**** or R++++), or of nothing */
		repeated = factor > 0;
		if (factor > 0) {
			/* the repetition takes the last atom again, factor times */
			uint64_t grown = last[depth] > UINT64_MAX / factor ? UINT64_MAX : last[depth] * factor;

			sum[depth] = sum[depth] - last[depth] + grown < sum[depth] ? UINT64_MAX : sum[depth] - last[depth] + grown;
			last[depth] = grown;
		} else {
			last[depth] = atom;
			sum[depth] = sum[depth] + atom < sum[depth] ? UINT64_MAX : sum[depth] + atom;
		}
	}
	while (depth > 0) {
		uint64_t inner = sum[depth--];

		sum[depth] = sum[depth] + inner < sum[depth] ? UINT64_MAX : sum[depth] + inner;
	}
	return sum[0];
}

static bool parse_regex(struct parser *ps, struct pnode *n, const char *at, const char *arg)
{
	int cflags = REG_EXTENDED | REG_NOSUB;
	bool upper = false;

	for (const char *c = arg; *c != '\0'; c++) {
		if (c[0] == '\\' && c[1] >= '1' && c[1] <= '9')
			return fail(ps, at, _("back-references are not supported"));
		if (isupper((unsigned char)*c))
			upper = true;
	}
	if (!upper)
		cflags |= REG_ICASE;
	if (regex_cost(arg) > PATTERN_REGEX_MAX_COST)
		return fail(ps, at, _("the expression repeats too much (nested or stacked repetitions)"));
	if (regcomp(&n->re, arg, cflags) != 0)
		return fail(ps, at, _("not a valid regular expression"));
	n->re_set = true;
	return true;
}

/* Reads a number with an optional K or M suffix (sizes). */
static bool read_size(const char **s, int64_t *v_r)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)**s))
		return false;
	v = strtoull(*s, &end, 10);
	if (v > (1ull << 40))
		return false;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	*v_r = (int64_t)v;
	*s = end;
	return true;
}

static bool parse_size(struct parser *ps, struct pnode *n, const char *at, const char *arg)
{
	const char *s = arg;
	int64_t v;

	n->lo = 0;
	n->hi = INT64_MAX;
	if (*s == '<' || *s == '>') {
		char op = *s++;

		if (!read_size(&s, &v) || *s != '\0')
			return fail(ps, at, _("not a size (10K, <1M, 1K-10K)"));
		if (op == '<')
			n->hi = v - 1;
		else
			n->lo = v + 1;
		return true;
	}
	if (*s != '-') {
		if (!read_size(&s, &n->lo))
			return fail(ps, at, _("not a size (10K, <1M, 1K-10K)"));
		if (*s == '\0') {
			n->hi = n->lo;
			return true;
		}
	}
	if (*s != '-')
		return fail(ps, at, _("not a size (10K, <1M, 1K-10K)"));
	s++;
	if (*s != '\0' && (!read_size(&s, &n->hi) || *s != '\0'))
		return fail(ps, at, _("not a size (10K, <1M, 1K-10K)"));
	return true;
}

/* The start of the local day t falls in. */
static int64_t day_start(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return t;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* Reads DD[/MM[/[YY]YY]] (the current month and year where left out) into the start of that local
 * day. */
static bool read_date(const char **s, int64_t now, int64_t *t_r)
{
	struct tm tm;
	time_t tt = (time_t)now;
	long part[3];
	int n = 0;
	char *end;

	if (localtime_r(&tt, &tm) == NULL)
		return false;
	while (n < 3 && isdigit((unsigned char)**s)) {
		part[n++] = strtol(*s, &end, 10);
		*s = end;
		if (**s != '/' || n == 3)
			break;
		(*s)++;
	}
	if (n == 0 || part[0] < 1 || part[0] > 31)
		return false;
	tm.tm_mday = (int)part[0];
	if (n > 1) {
		if (part[1] < 1 || part[1] > 12)
			return false;
		tm.tm_mon = (int)part[1] - 1;
	}
	if (n > 2) {
		if (part[2] < 0 || part[2] > 9999)
			return false;
		tm.tm_year = (int)(part[2] < 70 ? part[2] + 100 : part[2] < 100 ? part[2] : part[2] - 1900);
	}
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*t_r = (int64_t)mktime(&tm);
	return *t_r != -1;
}

/* Reads an error margin after an absolute date, mutt's +Nu (after), -Nu (before) or *Nu (both) with u
 * one of y m w d, into *sign_r and *secs_r; false (nothing read) when *s holds none. */
static bool read_margin(const char **s, char *sign_r, int64_t *secs_r)
{
	const char *p = *s;
	char *end;
	long v;

	if (*p != '+' && *p != '-' && *p != '*')
		return false;
	if (!isdigit((unsigned char)p[1]))
		return false;
	v = strtol(p + 1, &end, 10);
	if (v < 0 || v > 100000)
		return false;
	switch (*end) {
	case 'y': *secs_r = (int64_t)v * 365 * 86400; break;
	case 'm': *secs_r = (int64_t)v * 30 * 86400; break;
	case 'w': *secs_r = (int64_t)v * 7 * 86400; break;
	case 'd': *secs_r = (int64_t)v * 86400; break;
	default: return false; /* "-15/1/2001": the end of a range */
	}
	*sign_r = *p;
	*s = end + 1;
	return true;
}

static bool parse_date(struct parser *ps, struct pnode *n, const char *at, const char *arg, int64_t now)
{
	const char *s = arg;
	int64_t a, b;

	n->lo = INT64_MIN;
	n->hi = INT64_MAX;
	if (*s == '<' || *s == '>' || *s == '=') {
		char op = *s++, *end;
		long v = strtol(s, &end, 10);
		int64_t unit;

		if (end == s || v < 0 || v > 100000 || end[0] == '\0' || end[1] != '\0')
			return fail(ps, at, _("not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)"));
		switch (*end) {
		case 'y': unit = 365 * 86400; break;
		case 'm': unit = 30 * 86400; break;
		case 'w': unit = 7 * 86400; break;
		case 'd': unit = 86400; break;
		case 'H': unit = 3600; break;
		case 'M': unit = 60; break;
		case 'S': unit = 1; break;
		default: return fail(ps, at, _("not a date unit (y m w d H M S)"));
		}
		a = now - v * unit;
		if (op == '<') {
			n->lo = a;
		} else if (op == '>') {
			n->hi = a;
		} else {
			n->lo = day_start(a);
			n->hi = n->lo + 86400 - 1;
		}
		return true;
	}
	if (*s != '-') {
		if (!read_date(&s, now, &a))
			return fail(ps, at, _("not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)"));
		n->lo = a;
		n->hi = a + 86400 - 1;
		if (*s == '\0')
			return true;
		char sign;
		int64_t margin;
		if (read_margin(&s, &sign, &margin)) {
			if (*s != '\0')
				return fail(ps, at, _("not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)"));
			if (sign != '+')
				n->lo -= margin;
			if (sign != '-')
				n->hi += margin;
			return true;
		}
		n->hi = INT64_MAX; /* a range: its end comes */
	}
	if (*s != '-')
		return fail(ps, at, _("not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)"));
	s++;
	if (*s != '\0') {
		if (!read_date(&s, now, &b) || *s != '\0')
			return fail(ps, at, _("not a date (<2w, >1m, =1d, DD/MM/YYYY-DD/MM/YYYY)"));
		n->hi = b + 86400 - 1;
	}
	return true;
}

static bool parse_or(struct parser *ps, size_t *r);

/* An operator with an argument: a node of kind (PN_STR reading headers, PN_DATE, PN_RECEIVED, PN_SIZE)
 * from the argument that follows. */
static bool parse_with_arg(struct parser *ps, size_t *r, enum pnode_kind kind, unsigned int headers)
{
	const char *at;
	char *arg;
	bool ok;

	skip_space(ps);
	at = ps->p;
	if ((arg = read_arg(ps)) == NULL)
		return false;
	*r = node_new(ps, kind);
	ps->pat->nodes[*r].headers = headers;
	if (kind == PN_STR)
		ok = parse_regex(ps, &ps->pat->nodes[*r], at, arg);
	else if (kind == PN_SIZE)
		ok = parse_size(ps, &ps->pat->nodes[*r], at, arg);
	else
		ok = parse_date(ps, &ps->pat->nodes[*r], at, arg, (int64_t)time(NULL));
	free(arg);
	return ok;
}

/* One operand: !X, (P), ~(P), ~X [ARG]. */
static bool parse_factor(struct parser *ps, size_t *r)
{
	const char *at;
	size_t k;

	skip_space(ps);
	at = ps->p;
	if (ps->depth >= PATTERN_MAX_DEPTH)
		return fail(ps, at, _("nested too deeply"));
	if (*ps->p == '!') {
		ps->p++;
		ps->depth++;
		if (!parse_factor(ps, &k))
			return false;
		ps->depth--;
		*r = node_new(ps, PN_NOT);
		ps->pat->nodes[*r].a = k;
		return true;
	}
	if (*ps->p == '(' || (ps->p[0] == '~' && ps->p[1] == '(')) {
		bool thread = *ps->p == '~';

		ps->p += thread ? 2 : 1;
		ps->depth++;
		if (!parse_or(ps, &k))
			return false;
		ps->depth--;
		skip_space(ps);
		if (*ps->p != ')')
			return fail(ps, ps->p, _("a ')' is missing"));
		ps->p++;
		if (!thread) {
			*r = k;
			return true;
		}
		*r = node_new(ps, PN_THREAD);
		ps->pat->nodes[*r].a = k;
		return true;
	}
	if (*ps->p != '~')
		return fail(ps, at, *ps->p == '\0' ? _("a pattern is missing") : _("expected ~, !, ( or |"));
	ps->p++;
	char op = *ps->p;
	static const struct { char op; uint32_t flag, want; } flags[] = {
		{ 'N', IMAP_FLAG_SEEN, 0 }, { 'U', IMAP_FLAG_SEEN, 0 }, { 'R', IMAP_FLAG_SEEN, IMAP_FLAG_SEEN },
		{ 'F', IMAP_FLAG_FLAGGED, IMAP_FLAG_FLAGGED }, { 'D', IMAP_FLAG_DELETED, IMAP_FLAG_DELETED },
		{ 'Q', IMAP_FLAG_ANSWERED, IMAP_FLAG_ANSWERED },
	};
	static const struct { char op; unsigned int headers; } strs[] = {
		{ 'f', PH_FROM }, { 't', PH_TO }, { 'c', PH_CC }, { 'C', PH_TO | PH_CC },
		{ 's', PH_SUBJECT }, { 'L', PH_FROM | PH_TO | PH_CC }, { 'i', PH_MSGID }, { 'x', PH_REFS },
		{ 'y', PH_LIST },
	};
	if (op == '\0')
		return fail(ps, at, _("an operator is missing after ~"));
	ps->p++;
	for (size_t i = 0; i < N_ELEMENTS(flags); i++) {
		if (flags[i].op == op) {
			*r = node_new(ps, PN_FLAGS);
			ps->pat->nodes[*r].flag = flags[i].flag;
			ps->pat->nodes[*r].want = flags[i].want;
			return true;
		}
	}
	switch (op) {
	case 'A': *r = node_new(ps, PN_ALL); return true;
	case 'O': *r = node_new(ps, PN_NONE); return true;
	case 'T': *r = node_new(ps, PN_TAGGED); return true;
	case 'v': *r = node_new(ps, PN_COLLAPSED); return true;
	default: break;
	}
	for (size_t i = 0; i < N_ELEMENTS(strs); i++)
		if (strs[i].op == op)
			return parse_with_arg(ps, r, PN_STR, strs[i].headers);
	if (op == 'd' || op == 'r' || op == 'z')
		return parse_with_arg(ps, r, op == 'z' ? PN_SIZE : op == 'd' ? PN_DATE : PN_RECEIVED, 0);
	return fail(ps, at, errstr(_("unknown operator ~%c"), isprint((unsigned char)op) ? op : '?'));
}

/* Operands side by side: all of them. */
static bool parse_and(struct parser *ps, size_t *r)
{
	size_t k;

	if (!parse_factor(ps, r))
		return false;
	for (;;) {
		skip_space(ps);
		if (*ps->p == '\0' || *ps->p == '|' || *ps->p == ')')
			return true;
		if (!parse_factor(ps, &k))
			return false;
		size_t n = node_new(ps, PN_AND);
		ps->pat->nodes[n].a = *r;
		ps->pat->nodes[n].b = k;
		*r = n;
	}
}

static bool parse_or(struct parser *ps, size_t *r)
{
	size_t k;

	if (!parse_and(ps, r))
		return false;
	for (;;) {
		skip_space(ps);
		if (*ps->p != '|')
			return true;
		ps->p++;
		if (!parse_and(ps, &k))
			return false;
		size_t n = node_new(ps, PN_OR);
		ps->pat->nodes[n].a = *r;
		ps->pat->nodes[n].b = k;
		*r = n;
	}
}

struct pattern *pattern_parse(const char *text, const char **error_r)
{
	struct parser ps = { text, text, xcalloc(1, sizeof(struct pattern)), 0, NULL };
	const char *s = text;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strlen(text) > PATTERN_MAX_LEN) {
		pattern_free(&ps.pat);
		*error_r = errstr(_("bad pattern: longer than %d characters"), PATTERN_MAX_LEN);
		return NULL;
	}
	if (*s == '\0' || strcmp(s, "all") == 0 || strcmp(s, ".") == 0) {
		ps.pat->root = node_new(&ps, PN_ALL);
		return ps.pat;
	}
	if (!parse_or(&ps, &ps.pat->root) || (skip_space(&ps), *ps.p != '\0')) {
		if (ps.error == NULL)
			fail(&ps, ps.p, *ps.p == ')' ? _("this ')' closes nothing") : _("unexpected text"));
		*error_r = ps.error;
		pattern_free(&ps.pat);
		return NULL;
	}
	return ps.pat;
}

void pattern_free(struct pattern **p)
{
	if (*p == NULL)
		return;
	for (size_t i = 0; i < (*p)->n; i++)
		if ((*p)->nodes[i].re_set)
			regfree(&(*p)->nodes[i].re);
	free((*p)->nodes);
	free(*p);
	*p = NULL;
}

/* --- matching --- */

struct matcher {
	const struct pattern *pat;
	const struct mindex *idx;
	const struct pattern_env *env;
	uint32_t (*memo)[PATTERN_MEMO];  /* per node: (id << 1 | result) + 1 by a hash of the id; 0 empty */
	bool **thread_of;                /* per PN_THREAD node: per position, its thread matched */
};

/* Does the header string `id` match node n's expression? Decoded first when it holds encoded words. */
static bool str_match(struct matcher *mt, size_t n, mindex_id id, bool address)
{
	const struct pnode *node = &mt->pat->nodes[n];
	uint32_t *slot = &mt->memo[n][(uint32_t)(id * 2654435761u) >> (32 - PATTERN_MEMO_BITS)];
	size_t len;
	const char *s;
	bool hit;

	if (id == MINDEX_NONE)
		return false;
	if (*slot != 0 && (*slot - 1) >> 1 == id)
		return (*slot - 1) & 1;
	s = mindex_str(mt->idx, id, &len);
	if (s == NULL)
		return false;
	if (memmem(s, len, "=?", 2) != NULL) {
		char *d = address ? mime_address_display(s, len, false) : mime_decode_text(s, len);

		hit = regexec(&node->re, d, 0, NULL, 0) == 0;
		free(d);
	} else {
		hit = memchr(s, '\0', len) == NULL && regexec(&node->re, s, 0, NULL, 0) == 0;
	}
	if (id < (1u << 31))
		*slot = ((uint32_t)id << 1 | hit) + 1;
	return hit;
}

static bool node_match(struct matcher *mt, size_t n, size_t pos, const struct mindex_msg *m)
{
	const struct pnode *node = &mt->pat->nodes[n];
	const struct pattern_env *env = mt->env;

	switch (node->kind) {
	case PN_ALL: return true;
	case PN_NONE: return false;
	case PN_AND: return node_match(mt, node->a, pos, m) && node_match(mt, node->b, pos, m);
	case PN_OR: return node_match(mt, node->a, pos, m) || node_match(mt, node->b, pos, m);
	case PN_NOT: return !node_match(mt, node->a, pos, m);
	case PN_THREAD: return mt->thread_of[n] != NULL && mt->thread_of[n][pos];
	case PN_FLAGS: return (m->flags & node->flag) == node->want;
	case PN_DATE: return m->date >= node->lo && m->date <= node->hi;
	case PN_RECEIVED: return m->internaldate >= 0 && m->internaldate >= node->lo && m->internaldate <= node->hi;
	case PN_SIZE: return m->size >= node->lo && m->size <= node->hi;
	case PN_TAGGED: return env->tagged != NULL && env->tagged(m->uid, env->ctx);
	case PN_COLLAPSED: return env->collapsed != NULL && env->collapsed(m->uid, env->ctx);
	case PN_STR:
		if ((node->headers & PH_FROM) && str_match(mt, n, m->from, true))
			return true;
		if ((node->headers & PH_TO) && str_match(mt, n, m->to, true))
			return true;
		if ((node->headers & PH_CC) && str_match(mt, n, m->cc, true))
			return true;
		if ((node->headers & PH_SUBJECT) && str_match(mt, n, m->subject, false))
			return true;
		if ((node->headers & PH_LIST) && str_match(mt, n, m->list_id, false))
			return true;
		if ((node->headers & PH_MSGID) && str_match(mt, n, m->message_id, false))
			return true;
		if (node->headers & PH_REFS) {
			mindex_id ids[MINDEX_MAX_REFS];
			size_t k = mindex_refs(mt->idx, m, ids);

			for (size_t i = 0; i < k; i++)
				if (str_match(mt, n, ids[i], false))
					return true;
		}
		return false;
	}
	return false;
}

/* A thread's name: the first id of the reply chain, else the message's own id, else none (a thread
 * of its own). */
static mindex_id thread_root(const struct mindex *idx, const struct mindex_msg *m)
{
	mindex_id ids[MINDEX_MAX_REFS];

	if (mindex_refs(idx, m, ids) > 0)
		return ids[0];
	return m->message_id;
}

static int cmp_id(const void *a, const void *b)
{
	mindex_id x = *(const mindex_id *)a, y = *(const mindex_id *)b;

	return x < y ? -1 : x > y;
}

/* For thread node n (its inner pattern matched already below it: nodes come children first), marks
 * every position whose thread holds a match. */
static void thread_pass(struct matcher *mt, size_t n, size_t count)
{
	mindex_id *roots = xmalloc((count > 0 ? count : 1) * sizeof(*roots));
	bool *own = xcalloc(count > 0 ? count : 1, sizeof(*own));
	size_t nroots = 0;

	mt->thread_of[n] = xcalloc(count > 0 ? count : 1, sizeof(bool));
	for (size_t pos = 0; pos < count; pos++) {
		const struct mindex_msg *m = mindex_get(mt->idx, pos);
		mindex_id r;

		if (m == NULL || !node_match(mt, mt->pat->nodes[n].a, pos, m))
			continue;
		own[pos] = true;
		if ((r = thread_root(mt->idx, m)) != MINDEX_NONE)
			roots[nroots++] = r;
	}
	qsort(roots, nroots, sizeof(*roots), cmp_id);
	for (size_t pos = 0; pos < count; pos++) {
		const struct mindex_msg *m = mindex_get(mt->idx, pos);
		mindex_id r;

		if (m == NULL)
			continue;
		r = thread_root(mt->idx, m);
		mt->thread_of[n][pos] = own[pos] ||
			(r != MINDEX_NONE && bsearch(&r, roots, nroots, sizeof(*roots), cmp_id) != NULL);
	}
	free(roots);
	free(own);
}

void pattern_match_index(const struct pattern *p, const struct mindex *idx, const struct pattern_env *env,
			 bool *match_r)
{
	struct matcher mt = { p, idx, env, NULL, NULL };
	size_t count = mindex_count(idx);

	mt.memo = xcalloc(p->n, sizeof(*mt.memo));
	mt.thread_of = xcalloc(p->n, sizeof(*mt.thread_of));
	/* children are made before their parents: an inner ~( ) is ready before an outer one reads it */
	for (size_t n = 0; n < p->n; n++)
		if (p->nodes[n].kind == PN_THREAD)
			thread_pass(&mt, n, count);
	for (size_t pos = 0; pos < count; pos++) {
		const struct mindex_msg *m = mindex_get(idx, pos);

		match_r[pos] = m != NULL && node_match(&mt, p->root, pos, m);
	}
	for (size_t n = 0; n < p->n; n++)
		free(mt.thread_of[n]);
	free(mt.thread_of);
	free(mt.memo);
}
