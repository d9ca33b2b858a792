/* sanitize.c: neutralise control characters, escape sequences and bidi overrides before display. */
#include "skua.h"
#include "sanitize.h"
#include "charset.h"

static bool is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

void sanitize_append(struct buf *out, const char *data, size_t len, bool multiline)
{
	size_t i = 0, start = 0;
	uint32_t cp;

	buf_reserve(out, len);
	while (i < len) {
		unsigned char c = (unsigned char)data[i];

		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		/* flush the run of plain ASCII before this byte */
		buf_append(out, data + start, i - start);
		if (c < 0x80) {
			i++;
			if (c == '\n' || c == '\t')
				buf_append_c(out, multiline ? (char)c : ' ');
			else if (c == '\r' && !multiline)
				buf_append_c(out, ' ');
			else if (c == '\r')
				; /* CR dropped: CRLF becomes LF */
			else
				charset_utf8_append(out, 0xFFFD); /* C0 controls (ESC among them), DEL */
			start = i;
			continue;
		}
		size_t n = charset_utf8_decode(data + i, len - i, &cp);
		if (cp >= 0x80 && cp <= 0x9F)
			charset_utf8_append(out, 0xFFFD); /* C1 controls (CSI among them) */
		else if (is_bidi_control(cp))
			; /* dropped */
		else if (cp == 0xFFFD)
			charset_utf8_append(out, 0xFFFD);
		else
			buf_append(out, data + i, n);
		i += n;
		start = i;
	}
	buf_append(out, data + start, i - start);
}

char *sanitize_line(const char *data, size_t len)
{
	struct buf b = BUF_INIT;

	sanitize_append(&b, data, len, false);
	return buf_steal(&b);
}
