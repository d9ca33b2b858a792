/* charset.c: conversion of text in any charset iconv knows to UTF-8, with U+FFFD for what cannot be. */
#include "skua.h"
#include "charset.h"
#include "hash.h"
#include "xmalloc.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHARSET_NAME_MAX 64
/* Descriptors kept open per thread, least recently used replaced: glibc unloads a gconv module soon
 * after its last descriptor is closed, and loading it again costs hundreds of microseconds (a mail in
 * several charsets would pay that for every part, and words cycling through more charsets than the
 * cache holds for every word: issue 15). Opening another descriptor of a loaded module costs about a
 * microsecond, so a charset whose descriptor is replaced keeps its module loaded with a descriptor to
 * WCHAR_T (glibc's internal encoding: one step, about 700 bytes, where one to UTF-8 takes 33 KB).
 * ICONV_KEEP_SLOTS is more than twice the names glibc knows (about 1,200), so mail cannot run out of
 * them. The mime module also caps the charsets one message's headers may use
 * (MIME_MAX_HEADER_CHARSETS), well below ICONV_CACHE_SLOTS. */
#define ICONV_CACHE_SLOTS 64
#define ICONV_KEEP_SLOTS 4096

/* Windows-1252 0x80..0x9F; 0 marks bytes with no mapping. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* Aliases that iconv does not know (or knows under a narrower name). */
static const struct {
	const char *mime;
	const char *iconv;
} charset_aliases[] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601-1989", "CP949" },
	{ "ksc5601", "CP949" },
	{ "euc-kr", "CP949" },
	{ "gb2312", "GB18030" },
	{ "gbk", "GB18030" },
	{ "x-gbk", "GB18030" },
	{ "gb_2312-80", "GB18030" },
	{ "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "unicode-1-1-utf-7", "UTF-7" },
	{ "x-unicode-2-0-utf-7", "UTF-7" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "iso-8859-6-i", "ISO-8859-6" },
	{ "windows-874", "CP874" },
	{ "tis-620", "CP874" },
	{ "big5-hkscs", "BIG5-HKSCS" },
	{ "x-euc-tw", "EUC-TW" },
};

size_t charset_utf8_decode(const char *s, size_t len, uint32_t *cp_r)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];
	uint32_t cp, min;
	size_t n, i;

	if (c < 0x80) {
		*cp_r = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2; cp = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3; cp = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4; cp = c & 0x07; min = 0x10000;
	} else {
		*cp_r = 0xFFFD;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if (i >= len || (p[i] & 0xC0) != 0x80)
			break;
		/* reject overlongs, surrogates and > U+10FFFF at the second byte (maximal subpart) */
		if (i == 1 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
			       (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F)))
			break;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (i < n || cp < min) {
		*cp_r = 0xFFFD;
		return i;
	}
	*cp_r = cp;
	return n;
}

void charset_utf8_append(struct buf *out, uint32_t cp)
{
	char tmp[4];
	size_t n;

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xC0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xE0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		tmp[0] = (char)(0xF0 | (cp >> 18));
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(out, tmp, n);
}

bool charset_utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = charset_utf8_decode(s + i, len - i, &cp);
		if (cp == 0xFFFD && !(n == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0))
			return false;
		i += n;
	}
	return true;
}

/* Appends valid UTF-8 as is and turns every invalid sequence into U+FFFD. Returns true if any was. */
static bool utf8_repair(const char *in, size_t len, struct buf *out)
{
	size_t i = 0, start = 0;
	bool bad = false;
	uint32_t cp;

	while (i < len) {
		if ((unsigned char)in[i] < 0x80) {
			i++;
			continue;
		}
		size_t n = charset_utf8_decode(in + i, len - i, &cp);
		if (cp == 0xFFFD && !(n == 3 && memcmp(in + i, "\xEF\xBF\xBD", 3) == 0)) {
			buf_append(out, in + start, i - start);
			charset_utf8_append(out, 0xFFFD);
			bad = true;
			start = i + n;
		}
		i += n;
	}
	buf_append(out, in + start, i - start);
	return bad;
}

/* Windows-1252 (and so ISO-8859-1) to UTF-8 without iconv. Returns true if unmapped bytes were seen. */
static bool cp1252_convert(const char *in, size_t len, struct buf *out)
{
	size_t i, start = 0;
	bool bad = false;

	buf_reserve(out, len + len / 2);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x80)
			continue;
		buf_append(out, in + start, i - start);
		start = i + 1;
		uint32_t cp = c;
		if (c < 0xA0) {
			cp = cp1252_high[c - 0x80];
			if (cp == 0) {
				cp = 0xFFFD;
				bad = true;
			}
		}
		charset_utf8_append(out, cp);
	}
	buf_append(out, in + start, len - start);
	return bad;
}

static bool has_8bit(const char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)in[i] >= 0x80)
			return true;
	}
	return false;
}

/* Guess: valid UTF-8 is UTF-8, anything else Windows-1252. */
static int guess_convert(const char *in, size_t len, struct buf *out)
{
	if (!has_8bit(in, len) || charset_utf8_valid(in, len)) {
		buf_append(out, in, len);
		return CHARSET_OK;
	}
	return cp1252_convert(in, len, out) ? CHARSET_INVALID : CHARSET_OK;
}

/* Lowercases name into dst (CHARSET_NAME_MAX bytes). Returns false when the name is empty, too long
 * or contains characters no charset name has (so nothing odd ever reaches iconv_open). */
static bool normalise_name(const char *name, char *dst)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];
		if (i + 1 >= CHARSET_NAME_MAX)
			return false;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			   c == '.' || c == ':' || c == '+' || c == '(' || c == ')'))
			return false;
		dst[i] = (char)c;
	}
	dst[i] = '\0';
	return i > 0;
}

static bool name_is(const char *n, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (strcmp(n, *list) == 0)
			return true;
	}
	return false;
}

static const char *const utf8_names[] = { "utf-8", "utf8", "x-utf-8", NULL };
static const char *const ascii_names[] = {
	"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "646", "7bit", "default", NULL
};
static const char *const guess_names[] = { "unknown-8bit", "x-unknown", "unknown", "8bit", NULL };
static const char *const latin1_names[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "l1", "windows-1252",
	"cp1252", "x-cp1252", "cp819", "ibm819", "iso-ir-100", NULL
};

bool charset_is_utf8(const char *charset)
{
	char n[CHARSET_NAME_MAX];

	if (charset == NULL || !normalise_name(charset, n))
		return false;
	return name_is(n, utf8_names) || name_is(n, ascii_names);
}

static int iconv_convert(iconv_t cd, const char *in, size_t len, struct buf *out)
{
	char *inp = (char *)in, *outp;
	size_t inleft = len, outleft, r;
	bool bad = false;
	int err;

	while (inleft > 0) {
		buf_reserve(out, inleft * 2 + 32);
		outp = out->data + out->len;
		outleft = out->cap - out->len - 1;
		r = iconv(cd, &inp, &inleft, &outp, &outleft);
		err = errno;
		out->len = (size_t)(outp - out->data);
		out->data[out->len] = '\0';
		if (r != (size_t)-1)
			break;
		if (err == E2BIG)
			continue;
		bad = true;
		charset_utf8_append(out, 0xFFFD);
		if (err == EILSEQ && inleft > 0) {
			inp++;
			inleft--;
			continue;
		}
		break; /* EINVAL: a truncated sequence at the end */
	}
	/* flush any shift state */
	for (int tries = 0; tries < 4; tries++) {
		buf_reserve(out, 64);
		outp = out->data + out->len;
		outleft = out->cap - out->len - 1;
		r = iconv(cd, NULL, NULL, &outp, &outleft);
		err = errno;
		out->len = (size_t)(outp - out->data);
		out->data[out->len] = '\0';
		if (r != (size_t)-1 || err != E2BIG)
			break;
	}
	return bad ? CHARSET_INVALID : CHARSET_OK;
}

struct iconv_cache {
	struct {
		char name[CHARSET_NAME_MAX];
		iconv_t cd;
		uint64_t used_at; /* tick of the last use */
	} slot[ICONV_CACHE_SLOTS];
	unsigned used;
	uint64_t tick;
	struct {
		char *name;       /* NULL: empty */
		iconv_t cd;       /* to WCHAR_T, never used to convert: it keeps the module loaded */
	} *keep;              /* ICONV_KEEP_SLOTS, open addressing; NULL until a descriptor is replaced */
	size_t nkeep;
};

static pthread_key_t iconv_cache_key;
static pthread_once_t iconv_cache_once = PTHREAD_ONCE_INIT;
static bool iconv_cache_ok;

static void iconv_cache_destroy(void *p)
{
	struct iconv_cache *c = p;

	for (unsigned i = 0; i < c->used; i++)
		iconv_close(c->slot[i].cd);
	for (size_t i = 0; c->keep != NULL && i < ICONV_KEEP_SLOTS; i++) {
		if (c->keep[i].name != NULL) {
			iconv_close(c->keep[i].cd);
			free(c->keep[i].name);
		}
	}
	free(c->keep);
	free(c);
}

static void iconv_cache_init(void)
{
	iconv_cache_ok = pthread_key_create(&iconv_cache_key, iconv_cache_destroy) == 0;
}

/* Keeps the gconv module of charset `name` loaded after its descriptor is closed (see
 * ICONV_KEEP_SLOTS). A full table, or a probe run past HASH_MAX_PROBE, only means the module may be
 * loaded again later. */
static void iconv_keep(struct iconv_cache *c, const char *name)
{
	size_t mask = ICONV_KEEP_SLOTS - 1, i, probes = 0;

	if (c->keep == NULL)
		c->keep = xcalloc(ICONV_KEEP_SLOTS, sizeof(*c->keep));
	for (i = hash_str(name) & mask; c->keep[i].name != NULL; i = (i + 1) & mask) {
		if (strcmp(c->keep[i].name, name) == 0 || ++probes > HASH_MAX_PROBE)
			return;
	}
	if (c->nkeep >= ICONV_KEEP_SLOTS / 2)
		return;
	iconv_t cd = iconv_open("WCHAR_T", name);
	if (cd == (iconv_t)-1)
		return;
	c->keep[i].name = xstrdup(name);
	c->keep[i].cd = cd;
	c->nkeep++;
}

/* Returns a descriptor converting `name` to UTF-8 in its initial state, or (iconv_t)-1 when iconv
 * does not know the charset. *owned_r says whether the caller must iconv_close it (only when the
 * per-thread cache is unavailable); otherwise it belongs to this thread's cache. */
static iconv_t iconv_cached(const char *name, bool *owned_r)
{
	struct iconv_cache *c = NULL;
	iconv_t cd;
	unsigned i;

	*owned_r = false;
	pthread_once(&iconv_cache_once, iconv_cache_init);
	if (iconv_cache_ok) {
		c = pthread_getspecific(iconv_cache_key);
		if (c == NULL) {
			c = xcalloc(1, sizeof(*c));
			if (pthread_setspecific(iconv_cache_key, c) != 0) {
				free(c);
				c = NULL;
			}
		}
	}
	if (c != NULL) {
		for (i = 0; i < c->used; i++) {
			if (strcmp(c->slot[i].name, name) == 0) {
				c->slot[i].used_at = ++c->tick;
				iconv(c->slot[i].cd, NULL, NULL, NULL, NULL);
				return c->slot[i].cd;
			}
		}
	}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1 || c == NULL) {
		*owned_r = cd != (iconv_t)-1;
		return cd;
	}
	if (c->used < ICONV_CACHE_SLOTS) {
		i = c->used++;
	} else {
		unsigned victim = 0;
		for (i = 1; i < ICONV_CACHE_SLOTS; i++) {
			if (c->slot[i].used_at < c->slot[victim].used_at)
				victim = i;
		}
		i = victim;
		iconv_keep(c, c->slot[i].name);
		iconv_close(c->slot[i].cd);
	}
	snprintf(c->slot[i].name, sizeof(c->slot[i].name), "%s", name);
	c->slot[i].cd = cd;
	c->slot[i].used_at = ++c->tick;
	return cd;
}

int charset_to_utf8(const char *charset, const char *in, size_t len, struct buf *out)
{
	char n[CHARSET_NAME_MAX];
	const char *iname;
	iconv_t cd;
	int ret;

	buf_reserve(out, len);
	if (charset == NULL)
		return guess_convert(in, len, out);
	if (!normalise_name(charset, n)) {
		if (charset[0] == '\0')
			return guess_convert(in, len, out);
		goto unknown;
	}
	if (name_is(n, utf8_names))
		return utf8_repair(in, len, out) ? CHARSET_INVALID : CHARSET_OK;
	if (name_is(n, ascii_names) || name_is(n, guess_names))
		return guess_convert(in, len, out);
	if (name_is(n, latin1_names))
		return cp1252_convert(in, len, out) ? CHARSET_INVALID : CHARSET_OK;
	if (!has_8bit(in, len) && (strncmp(n, "iso-8859-", 9) == 0 || strncmp(n, "windows-", 8) == 0)) {
		/* ASCII-compatible single-byte charsets: nothing to convert */
		buf_append(out, in, len);
		return CHARSET_OK;
	}
	iname = n;
	for (size_t i = 0; i < N_ELEMENTS(charset_aliases); i++) {
		if (strcmp(n, charset_aliases[i].mime) == 0) {
			iname = charset_aliases[i].iconv;
			break;
		}
	}
	bool owned;
	cd = iconv_cached(iname, &owned);
	if (cd == (iconv_t)-1)
		goto unknown;
	ret = iconv_convert(cd, in, len, out);
	if (owned)
		iconv_close(cd);
	return ret;

unknown:
	for (size_t i = 0, start = 0; i <= len; i++) {
		if (i == len || (unsigned char)in[i] >= 0x80) {
			buf_append(out, in + start, i - start);
			if (i < len)
				charset_utf8_append(out, 0xFFFD);
			start = i + 1;
		}
	}
	return CHARSET_UNKNOWN;
}
