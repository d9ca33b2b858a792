/* decode.c: incremental base64 and quoted-printable decoders (lenient, fed any number of bytes). */
#include "skua.h"
#include "mime-int.h"

#include <string.h>

static const int8_t b64_table[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
	['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
	['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
	['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
	['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* Emits the whole bytes of a partial group ended by '=' or the end of data. */
static void b64_flush(struct mime_b64 *st, struct buf *out)
{
	if (st->n == 2) {
		buf_append_c(out, (char)((st->acc >> 4) & 0xFF));
	} else if (st->n == 3) {
		buf_append_c(out, (char)((st->acc >> 10) & 0xFF));
		buf_append_c(out, (char)((st->acc >> 2) & 0xFF));
	} else if (st->n == 1) {
		st->truncated = true;
	}
	st->n = 0;
	st->acc = 0;
}

void mime_b64_decode(struct mime_b64 *st, const char *in, size_t len, struct buf *out)
{
	buf_reserve(out, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v = b64_table[c] - 1;

		if (v < 0) {
			if (c == '=')
				b64_flush(st, out);
			else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				st->garbage = true;
			continue;
		}
		st->acc = (st->acc << 6) | (uint32_t)v;
		if (++st->n == 4) {
			char b[3] = { (char)(st->acc >> 16), (char)(st->acc >> 8), (char)st->acc };
			buf_append(out, b, 3);
			st->n = 0;
			st->acc = 0;
		}
	}
}

void mime_b64_finish(struct mime_b64 *st, struct buf *out)
{
	/* a missing '=' padding is harmless; a single sextet left over is a truncation */
	if (st->n != 0)
		b64_flush(st, out);
}

enum { QP_TEXT, QP_EQ, QP_EQ_HEX, QP_EQ_BLANK, QP_EQ_CR };

void mime_qp_decode(struct mime_qp *st, const char *in, size_t len, struct buf *out)
{
	buf_reserve(out, len);
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
again:
		switch (st->state) {
		case QP_TEXT:
			if (c == '=') {
				st->state = QP_EQ;
			} else if (c == ' ' || c == '\t') {
				buf_append_c(&st->ws, c);
			} else if (c == '\r' || c == '\n') {
				buf_reset(&st->ws); /* trailing blanks were added in transport */
				buf_append_c(out, c);
			} else {
				if (st->ws.len > 0) {
					buf_append(out, st->ws.data, st->ws.len);
					buf_reset(&st->ws);
				}
				buf_append_c(out, c);
			}
			break;
		case QP_EQ:
			/* blanks before '=' are real text */
			if (st->ws.len > 0) {
				buf_append(out, st->ws.data, st->ws.len);
				buf_reset(&st->ws);
			}
			if (mime_hexval(c) >= 0) {
				st->hex1 = c;
				st->state = QP_EQ_HEX;
			} else if (c == '\n') {
				st->state = QP_TEXT; /* soft line break */
			} else if (c == '\r') {
				st->state = QP_EQ_CR;
			} else if (c == ' ' || c == '\t') {
				buf_append_c(&st->ws, c);
				st->state = QP_EQ_BLANK;
			} else {
				st->invalid = true;
				buf_append_c(out, '=');
				st->state = QP_TEXT;
				goto again;
			}
			break;
		case QP_EQ_HEX:
			if (mime_hexval(c) >= 0) {
				buf_append_c(out, (char)(mime_hexval(st->hex1) * 16 + mime_hexval(c)));
				st->state = QP_TEXT;
			} else {
				st->invalid = true;
				buf_append_c(out, '=');
				buf_append_c(out, st->hex1);
				st->state = QP_TEXT;
				goto again;
			}
			break;
		case QP_EQ_BLANK:
			if (c == ' ' || c == '\t') {
				buf_append_c(&st->ws, c);
			} else if (c == '\r') {
				buf_reset(&st->ws);
				st->state = QP_EQ_CR;
			} else if (c == '\n') {
				buf_reset(&st->ws);
				st->state = QP_TEXT;
			} else {
				/* "= x": not a soft break after all */
				st->invalid = true;
				buf_append_c(out, '=');
				st->state = QP_TEXT; /* the blanks stay pending in ws */
				goto again;
			}
			break;
		case QP_EQ_CR:
			st->state = QP_TEXT;
			if (c != '\n')
				goto again; /* a lone CR ended the soft break */
			break;
		}
	}
}

void mime_qp_finish(struct mime_qp *st, struct buf *out)
{
	/* "=" at the very end is a soft break; a half escape is kept; trailing blanks dropped */
	if (st->state == QP_EQ_HEX) {
		st->invalid = true;
		buf_append_c(out, '=');
		buf_append_c(out, st->hex1);
	}
	st->state = QP_TEXT;
	buf_free(&st->ws);
}
