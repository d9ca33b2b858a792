/* imap-utf7.c: RFC 3501 modified UTF-7 mailbox names to and from UTF-8. */
#include "skua.h"
#include "imap-utf7.h"

#include <string.h>

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64val(unsigned char c)
{
	const char *p = c != '\0' ? strchr(b64chars, c) : NULL;
	return p == NULL ? -1 : (int)(p - b64chars);
}

static void put_utf8(struct buf *out, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); b[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	buf_append(out, b, n);
}

int imap_utf7_to_utf8(const char *in, struct buf *out)
{
	size_t orig = out->len;
	const unsigned char *p = (const unsigned char *)in;

	while (*p != '\0') {
		uint32_t bits = 0, high = 0;
		int nbits = 0;
		bool any = false;

		if (*p < 0x20 || *p > 0x7e)
			goto fail;
		if (*p != '&') {
			buf_append_c(out, (char)*p++);
			continue;
		}
		p++;
		if (*p == '-') {
			buf_append_c(out, '&');
			p++;
			continue;
		}
		for (; *p != '-'; p++) {
			int v = b64val(*p);
			if (v < 0)
				goto fail;
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			if (nbits >= 16) {
				uint32_t u = (bits >> (nbits - 16)) & 0xffff;
				nbits -= 16;
				any = true;
				if (high != 0) {
					if (u < 0xdc00 || u > 0xdfff)
						goto fail;
					put_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
					high = 0;
				} else if (u >= 0xd800 && u <= 0xdbff) {
					high = u;
				} else if ((u >= 0xdc00 && u <= 0xdfff) || (u >= 0x20 && u <= 0x7e)) {
					goto fail; /* lone low surrogate, or printable ASCII that must be direct */
				} else {
					put_utf8(out, u);
				}
			}
		}
		if (!any || high != 0 || nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0)
			goto fail;
		p++;
	}
	return 0;
fail:
	buf_truncate(out, orig);
	return -1;
}

/* Decodes one UTF-8 sequence. Returns its length, or 0 when invalid. */
static size_t get_utf8(const unsigned char *p, uint32_t *cp_r)
{
	uint32_t cp;
	size_t n, i;

	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f; n = 2;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f; n = 3;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07; n = 4;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

static void flush_b64(struct buf *out, uint32_t *bits, int *nbits)
{
	while (*nbits >= 6) {
		*nbits -= 6;
		buf_append_c(out, b64chars[(*bits >> *nbits) & 0x3f]);
	}
}

int imap_utf8_to_utf7(const char *in, struct buf *out)
{
	size_t orig = out->len;
	const unsigned char *p = (const unsigned char *)in;

	while (*p != '\0') {
		uint32_t cp, bits = 0;
		int nbits = 0;

		if (*p >= 0x20 && *p <= 0x7e) {
			if (*p == '&')
				buf_append_str(out, "&-");
			else
				buf_append_c(out, (char)*p);
			p++;
			continue;
		}
		buf_append_c(out, '&');
		while (*p != '\0' && !(*p >= 0x20 && *p <= 0x7e)) {
			size_t n = get_utf8(p, &cp);
			if (n == 0) {
				buf_truncate(out, orig);
				return -1;
			}
			p += n;
			if (cp >= 0x10000) {
				uint32_t v = cp - 0x10000;
				bits = (bits << 16) | (0xd800 + (v >> 10));
				nbits += 16;
				flush_b64(out, &bits, &nbits);
				cp = 0xdc00 + (v & 0x3ff);
			}
			bits = (bits << 16) | cp;
			nbits += 16;
			flush_b64(out, &bits, &nbits);
		}
		if (nbits > 0)
			buf_append_c(out, b64chars[(bits << (6 - nbits)) & 0x3f]);
		buf_append_c(out, '-');
	}
	return 0;
}
