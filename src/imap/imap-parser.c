/* imap-parser.c: sans-I/O IMAP response tokenizer; never reads by itself, returns "need more". */
#include "skua.h"
#include "imap-parser.h"
#include "lib/errstr.h"
#include "lib/xmalloc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ARENA_CHUNK (64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

struct arg_stack {
	struct imap_arg *args;
	size_t count, cap;
};

struct imap_parser {
	char *buf;              /* received bytes; [start, len) is unconsumed */
	size_t start, len, cap;
	size_t scan;            /* absolute offset where line scanning resumes */
	size_t pending;         /* bytes of the last returned response, dropped at the next call */
	size_t text_len;        /* non-literal bytes of the response being assembled */

	bool in_literal, lit_streaming;
	uint64_t lit_remaining;
	size_t *streamed;       /* offsets (from start) of '{' of streamed literals */
	size_t n_streamed, streamed_cap;

	imap_parser_sink_fn *sink;
	void *sink_ctx;

	struct arg_stack top, code;
	size_t *open;           /* stack indexes of open lists */
	size_t n_open, open_cap;
	struct arena_chunk *arena;

	/* the single byte replaced by a NUL terminator while tokenizing */
	size_t hole_pos;
	char hole_char;
	bool has_hole;

	char *tok;              /* the buffer being tokenized: buf, or code_copy for response codes */
	char *code_copy;
	size_t code_cap;

	bool failed;
	const char *error;
};

struct imap_parser *imap_parser_new(void)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));
	return p;
}

void imap_parser_free(struct imap_parser **parser)
{
	struct imap_parser *p = *parser;
	if (p == NULL)
		return;
	while (p->arena != NULL) {
		struct arena_chunk *next = p->arena->next;
		free(p->arena);
		p->arena = next;
	}
	free(p->buf);
	free(p->streamed);
	free(p->top.args);
	free(p->code.args);
	free(p->open);
	free(p->code_copy);
	free(p);
	*parser = NULL;
}

static void *arena_alloc(struct imap_parser *p, size_t size)
{
	struct arena_chunk *c;

	size = (size + 15) & ~(size_t)15;
	for (c = p->arena; c != NULL; c = c->next) {
		if (c->size - c->used >= size) {
			void *ret = c->data + c->used;
			c->used += size;
			return ret;
		}
	}
	c = xmalloc(sizeof(*c) + (size > ARENA_CHUNK ? size : ARENA_CHUNK));
	c->size = size > ARENA_CHUNK ? size : ARENA_CHUNK;
	c->used = size;
	c->next = p->arena;
	p->arena = c;
	return c->data;
}

static void arena_reset(struct imap_parser *p)
{
	struct arena_chunk *c, *next;

	/* keep one standard chunk, free the rest so a huge response does not pin memory */
	for (c = p->arena; c != NULL; c = c->next)
		c->used = 0;
	if (p->arena != NULL && p->arena->next != NULL) {
		for (c = p->arena->next; c != NULL; c = next) {
			next = c->next;
			free(c);
		}
		p->arena->next = NULL;
	}
	if (p->arena != NULL && p->arena->size > ARENA_CHUNK) {
		free(p->arena);
		p->arena = NULL;
	}
}

void imap_parser_input(struct imap_parser *p, const void *data, size_t len)
{
	if (p->len + len + 1 > p->cap) {
		/* compact before growing */
		if (p->start > 0 && p->pending == 0) {
			memmove(p->buf, p->buf + p->start, p->len - p->start);
			p->len -= p->start;
			p->scan -= p->start;
			p->start = 0;
		}
		p->buf = xgrow(p->buf, &p->cap, p->len + len + 1, 1);
	}
	memcpy(p->buf + p->len, data, len);
	p->len += len;
	p->buf[p->len] = '\0';
}

size_t imap_parser_discard_input(struct imap_parser *p)
{
	size_t start = p->start + p->pending;
	size_t dropped = p->len > start ? p->len - start : 0;

	p->len = start;
	p->scan = start;
	p->text_len = 0;
	p->in_literal = false;
	p->n_streamed = 0;
	return dropped;
}

void imap_parser_set_sink(struct imap_parser *p, imap_parser_sink_fn *fn, void *ctx)
{
	p->sink = fn;
	p->sink_ctx = ctx;
}

static int parser_fail(struct imap_parser *p, const char *error)
{
	p->failed = true;
	p->error = error;
	return -1;
}

/* Looks for a literal announcement "{n}" / "~{n}" (also "{n+}") ending the line whose LF is at lf.
 * Returns 1 with its size, 0 when there is none, -1 when it is malformed or too large. */
static int line_literal(struct imap_parser *p, size_t lf, uint64_t *size_r)
{
	size_t e = lf, digits_end, i;
	uint64_t n = 0;

	if (e > p->start && p->buf[e - 1] == '\r')
		e--;
	if (e <= p->start || p->buf[e - 1] != '}')
		return 0;
	e--;
	if (e > p->start && (p->buf[e - 1] == '+' || p->buf[e - 1] == '-'))
		e--;
	digits_end = e;
	while (e > p->start && p->buf[e - 1] >= '0' && p->buf[e - 1] <= '9')
		e--;
	if (e == digits_end || e <= p->start || p->buf[e - 1] != '{')
		return 0;
	if (digits_end - e > 19)
		return -1;
	for (i = e; i < digits_end; i++)
		n = n * 10 + (uint64_t)(p->buf[i] - '0');
	*size_r = n;
	return 1;
}

static void stack_push(struct arg_stack *s, const struct imap_arg *arg)
{
	if (s->count == s->cap)
		s->args = xgrow(s->args, &s->cap, s->count + 1, sizeof(*s->args));
	s->args[s->count++] = *arg;
}

static char peek(const struct imap_parser *p, size_t pos)
{
	if (p->has_hole && pos == p->hole_pos)
		return p->hole_char;
	return p->tok[pos];
}

/* Terminates a token at pos with a NUL, remembering the byte it replaced. */
static void terminate_at(struct imap_parser *p, size_t pos)
{
	p->hole_pos = pos;
	p->hole_char = p->tok[pos];
	p->has_hole = true;
	p->tok[pos] = '\0';
}

static bool is_streamed(const struct imap_parser *p, size_t pos)
{
	if (p->tok != p->buf)
		return false;
	for (size_t i = 0; i < p->n_streamed; i++) {
		if (p->streamed[i] == pos - p->start)
			return true;
	}
	return false;
}

enum tok_mode {
	TOK_LINE,   /* until end of line */
	TOK_CODE,   /* inside "[...]": until the closing bracket */
};

/* Tokenizes from *pos up to end (the response's LF) into s. max_args stops after that many top-level
 * tokens (0: no limit). Returns 0, or -1 with p->error. */
static int tokenize(struct imap_parser *p, size_t *pos_r, size_t end, enum tok_mode mode,
		    struct arg_stack *s, size_t max_args)
{
	size_t pos = *pos_r;
	struct imap_arg arg;

	p->n_open = 0;
	for (;;) {
		char c;

		if (max_args != 0 && p->n_open == 0 && s->count >= max_args)
			break;
		while (pos < end && peek(p, pos) == ' ')
			pos++;
		if (pos >= end) {
			if (mode == TOK_CODE)
				return parser_fail(p, "unterminated response code");
			break;
		}
		c = peek(p, pos);
		if (c == '\r' || c == '\n') {
			if (mode == TOK_CODE)
				return parser_fail(p, "unterminated response code");
			break;
		}
		memset(&arg, 0, sizeof(arg));
		if (c == '(') {
			if (p->n_open >= IMAP_PARSER_MAX_DEPTH)
				return parser_fail(p, "lists nested too deeply");
			if (p->n_open == p->open_cap)
				p->open = xgrow(p->open, &p->open_cap, p->n_open + 1, sizeof(*p->open));
			p->open[p->n_open++] = s->count;
			arg.type = IMAP_ARG_LIST;
			stack_push(s, &arg);
			pos++;
			continue;
		}
		if (c == ')') {
			size_t first, n;
			struct imap_arg *children;

			if (p->n_open == 0)
				return parser_fail(p, "unexpected ')'");
			first = p->open[--p->n_open];
			n = s->count - first - 1;
			children = arena_alloc(p, (n ? n : 1) * sizeof(*children));
			memcpy(children, s->args + first + 1, n * sizeof(*children));
			s->args[first].count = (uint32_t)n;
			s->args[first].u.list = children;
			s->count = first + 1;
			pos++;
			continue;
		}
		if (mode == TOK_CODE && c == ']' && p->n_open == 0) {
			pos++;
			break;
		}
		if (c == '"') {
			size_t dst = ++pos, begin = pos;
			for (;;) {
				if (pos >= end)
					return parser_fail(p, "unterminated quoted string");
				c = peek(p, pos);
				if (c == '"')
					break;
				if (c == '\r' || c == '\n')
					return parser_fail(p, "line break in quoted string");
				if (c == '\\') {
					pos++;
					if (pos >= end)
						return parser_fail(p, "unterminated quoted string");
					c = peek(p, pos);
					if (c == '\r' || c == '\n')
						return parser_fail(p, "line break in quoted string");
				}
				p->tok[dst++] = c;
				pos++;
			}
			p->tok[dst] = '\0';
			pos++;
			arg.type = IMAP_ARG_STRING;
			arg.u.str = p->tok + begin;
			arg.len = dst - begin;
			stack_push(s, &arg);
			continue;
		}
		if (c == '{' || (c == '~' && pos + 1 < end && peek(p, pos + 1) == '{')) {
			size_t brace = c == '~' ? pos + 1 : pos;
			uint64_t n = 0;
			size_t q = brace + 1, digits = 0;

			while (q < end && peek(p, q) >= '0' && peek(p, q) <= '9') {
				if (++digits > 19)
					return parser_fail(p, "literal size too long");
				n = n * 10 + (uint64_t)(peek(p, q) - '0');
				q++;
			}
			if (q < end && (peek(p, q) == '+' || peek(p, q) == '-'))
				q++;
			if (digits == 0 || q >= end || peek(p, q) != '}')
				return parser_fail(p, "malformed literal");
			q++;
			if (q < end && peek(p, q) == '\r')
				q++;
			if (q >= end || peek(p, q) != '\n')
				return parser_fail(p, "literal not at end of line");
			q++;
			if (is_streamed(p, brace)) {
				arg.type = IMAP_ARG_STREAMED;
				arg.len = n;
				pos = q;
			} else {
				arg.type = IMAP_ARG_LITERAL;
				arg.u.str = p->tok + q;
				arg.len = n;
				pos = q + n;
				if (pos >= end)
					return parser_fail(p, "literal overruns response");
				terminate_at(p, pos);
			}
			stack_push(s, &arg);
			continue;
		}
		/* atom (with bracketed sections kept whole: BODY[HEADER.FIELDS (A B)]<0>) */
		{
			size_t begin = pos;
			int brackets = 0;

			for (; pos < end; pos++) {
				c = peek(p, pos);
				if (c == '\r' || c == '\n')
					break;
				if (brackets > 0) {
					if (c == ']')
						brackets--;
					else if (c == '[')
						brackets++;
					continue;
				}
				if (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{')
					break;
				if (c == ']' && mode == TOK_CODE)
					break;
				if (c == '[' && mode == TOK_LINE)
					brackets++;
				if ((unsigned char)c < 0x20 || c == 0x7f)
					return parser_fail(p, "control character in atom");
			}
			if (brackets > 0)
				return parser_fail(p, "unbalanced '[' in atom");
			if (pos == begin)
				return parser_fail(p, "unexpected character");
			arg.len = pos - begin;
			arg.u.str = p->tok + begin;
			arg.type = (arg.len == 3 && strncasecmp(arg.u.str, "NIL", 3) == 0) ?
				IMAP_ARG_NIL : IMAP_ARG_ATOM;
			terminate_at(p, pos);
			stack_push(s, &arg);
		}
	}
	if (p->n_open != 0)
		return parser_fail(p, "unterminated list");
	*pos_r = pos;
	return 0;
}

static bool atom_is_status(const struct imap_arg *arg)
{
	static const char *const words[] = { "OK", "NO", "BAD", "BYE", "PREAUTH" };
	for (size_t i = 0; i < N_ELEMENTS(words); i++) {
		if (imap_arg_atom_equals(arg, words[i]))
			return true;
	}
	return false;
}

/* The response [start, end) is complete: tokenize it. */
static int parse_response(struct imap_parser *p, size_t end, const struct imap_arg **args_r,
			  size_t *count_r, const char **text_r)
{
	size_t pos = p->start, text_start, text_end;
	struct arg_stack *s = &p->top;

	s->count = 0;
	p->has_hole = false;
	p->tok = p->buf;
	*text_r = NULL;
	if (peek(p, pos) == '+') {
		struct imap_arg arg = { .type = IMAP_ARG_ATOM, .len = 1 };
		arg.u.str = "+";
		stack_push(s, &arg);
		pos++;
		if (pos < end && peek(p, pos) == ' ')
			pos++;
		goto text;
	}
	/* tag, then the status word or the first data token */
	if (tokenize(p, &pos, end, TOK_LINE, s, 2) < 0)
		return -1;
	if (s->count < 2 || s->args[0].type != IMAP_ARG_ATOM)
		return parser_fail(p, "malformed response");
	if (s->args[1].type == IMAP_ARG_ATOM && atom_is_status(&s->args[1])) {
		if (pos < end && peek(p, pos) == ' ')
			pos++;
		goto text;
	}
	if (!(s->args[0].len == 1 && s->args[0].u.str[0] == '*'))
		return parser_fail(p, "tagged response without a status");
	if (tokenize(p, &pos, end, TOK_LINE, s, 0) < 0)
		return -1;
	*args_r = s->args;
	*count_r = s->count;
	return 1;
text:
	text_start = pos;
	text_end = end;
	while (text_end > text_start && (p->buf[text_end - 1] == '\n' || p->buf[text_end - 1] == '\r'))
		text_end--;
	/* a hole at text_start is the status word's terminator (end of line): the text is empty */
	p->has_hole = false;
	p->buf[text_end] = '\0';
	*text_r = p->buf + text_start;
	*args_r = s->args;
	*count_r = s->count;
	return 1;
}

int imap_parser_next(struct imap_parser *p, const struct imap_arg **args_r, size_t *count_r,
		     const char **text_r, const char **error_r)
{
	if (p->failed) {
		*error_r = p->error;
		return -1;
	}
	if (p->pending > 0) {
		p->start += p->pending;
		p->pending = 0;
		p->n_streamed = 0;
		p->text_len = 0;
		arena_reset(p);
		if (p->start == p->len) {
			p->start = p->len = p->scan = 0;
		} else if (p->start > (1u << 20)) {
			memmove(p->buf, p->buf + p->start, p->len - p->start);
			p->len -= p->start;
			p->scan -= p->start;
			p->start = 0;
		}
		if (p->buf != NULL)
			p->buf[p->len] = '\0';
	}
	for (;;) {
		char *lf;
		size_t lfpos;
		uint64_t lit;
		int ret;

		if (p->in_literal) {
			size_t avail = p->len - p->scan;
			size_t take = p->lit_remaining < avail ? (size_t)p->lit_remaining : avail;

			if (p->lit_streaming) {
				bool final = take == p->lit_remaining;
				if (take > 0 || final)
					p->sink(p->sink_ctx, p->buf + p->scan, take, final);
				memmove(p->buf + p->scan, p->buf + p->scan + take, p->len - p->scan - take);
				p->len -= take;
				p->buf[p->len] = '\0';
			} else {
				p->scan += take;
			}
			p->lit_remaining -= take;
			if (p->lit_remaining > 0)
				return 0;
			p->in_literal = false;
		}
		lf = p->len > p->scan ? memchr(p->buf + p->scan, '\n', p->len - p->scan) : NULL;
		if (lf == NULL) {
			if (p->text_len + (p->len - p->scan) > IMAP_PARSER_MAX_LINE)
				return parser_fail(p, "response line too long"), *error_r = p->error, -1;
			p->text_len += p->len - p->scan;
			p->scan = p->len;
			return 0;
		}
		lfpos = (size_t)(lf - p->buf);
		p->text_len += lfpos + 1 - p->scan;
		if (p->text_len > IMAP_PARSER_MAX_LINE) {
			parser_fail(p, "response line too long");
			*error_r = p->error;
			return -1;
		}
		p->scan = lfpos + 1;
		ret = line_literal(p, lfpos, &lit);
		if (ret < 0 || (ret > 0 && lit > IMAP_PARSER_MAX_LITERAL)) {
			parser_fail(p, errstr("literal too large (%s bytes announced)",
					      ret < 0 ? "over 10^19" : errstr("%llu", (unsigned long long)lit)));
			*error_r = p->error;
			return -1;
		}
		if (ret > 0) {
			p->in_literal = true;
			p->lit_remaining = lit;
			p->lit_streaming = p->sink != NULL && lit >= IMAP_PARSER_STREAM_MIN;
			if (p->lit_streaming) {
				size_t e = lfpos;
				while (p->buf[e] != '{')
					e--;
				if (p->n_streamed == p->streamed_cap)
					p->streamed = xgrow(p->streamed, &p->streamed_cap, p->n_streamed + 1,
							    sizeof(*p->streamed));
				p->streamed[p->n_streamed++] = e - p->start;
			} else if (lit > IMAP_PARSER_MAX_LITERAL_MEM) {
				parser_fail(p, errstr("literal too large (%llu bytes announced)",
						      (unsigned long long)lit));
				*error_r = p->error;
				return -1;
			}
			continue;
		}
		p->pending = p->scan - p->start;
		ret = parse_response(p, p->scan, args_r, count_r, text_r);
		if (ret < 0)
			*error_r = p->error;
		return ret;
	}
}

int imap_parser_resp_code(struct imap_parser *p, const char *text, const struct imap_arg **args_r,
			  size_t *count_r, const char **rest_r)
{
	size_t pos = 1, end, len;
	int ret = -1;

	if (text == NULL || text[0] != '[')
		return 0;
	/* tokenize a copy: the text itself must stay intact for the caller */
	len = strlen(text);
	p->code_copy = xgrow(p->code_copy, &p->code_cap, len + 1, 1);
	memcpy(p->code_copy, text, len + 1);
	end = len;
	p->tok = p->code_copy;
	p->code.count = 0;
	p->has_hole = false;
	if (tokenize(p, &pos, end, TOK_CODE, &p->code, 0) < 0) {
		p->failed = false; /* a malformed code does not poison the connection */
		goto out;
	}
	if (p->code.count == 0 || p->code.args[0].type != IMAP_ARG_ATOM)
		goto out;
	while (pos < end && text[pos] == ' ')
		pos++;
	*args_r = p->code.args;
	*count_r = p->code.count;
	*rest_r = text + pos;
	ret = 1;
out:
	p->has_hole = false;
	p->tok = p->buf;
	return ret;
}

bool imap_arg_is_string(const struct imap_arg *arg)
{
	return arg->type == IMAP_ARG_ATOM || arg->type == IMAP_ARG_STRING || arg->type == IMAP_ARG_LITERAL;
}

const char *imap_arg_nstring(const struct imap_arg *arg)
{
	return imap_arg_is_string(arg) ? arg->u.str : NULL;
}

bool imap_arg_atom_equals(const struct imap_arg *arg, const char *atom)
{
	return arg->type == IMAP_ARG_ATOM && strlen(atom) == arg->len && strncasecmp(arg->u.str, atom, arg->len) == 0;
}

bool imap_arg_number(const struct imap_arg *arg, uint64_t *num_r)
{
	uint64_t n = 0;

	if (arg->type != IMAP_ARG_ATOM || arg->len == 0 || arg->len > 19)
		return false;
	for (size_t i = 0; i < arg->len; i++) {
		char c = arg->u.str[i];
		if (c < '0' || c > '9')
			return false;
		n = n * 10 + (uint64_t)(c - '0');
	}
	*num_r = n;
	return true;
}
