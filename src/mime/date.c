/* date.c: lenient RFC 5322 date parsing (obsolete forms, named zones) without allocation or locale. */
#include "skua.h"
#include "mime.h"

static const char month_names[12][4] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
};

/* Zone names (RFC 5322 obs-zone plus a few common ones); offsets in minutes east of UTC. */
static const struct {
	char name[5];
	int16_t minutes;
} zone_names[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "wet", 0 }, { "west", 60 }, { "bst", 60 }, { "cet", 60 }, { "cest", 120 },
	{ "met", 60 }, { "mest", 120 }, { "eet", 120 }, { "eest", 180 }, { "msk", 180 },
	{ "jst", 540 }, { "kst", 540 }, { "hkt", 480 }, { "aest", 600 }, { "aedt", 660 },
	{ "nzst", 720 }, { "nzdt", 780 }, { "akst", -540 }, { "akdt", -480 }, { "hst", -600 },
};

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static inline bool is_alpha(char c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* Tokens are runs of letters, runs of digits (with ':' inside for times), or +/- signed zones.
 * Everything in parentheses, commas, dots and other punctuation separate tokens. */
int64_t mime_date_parse(const char *value, size_t len)
{
	int day = -1, month = -1, hour = -1, min = -1, sec = 0, zone = 0;
	int64_t year = -1;
	bool have_zone = false;
	size_t i = 0;

	while (i < len) {
		char c = value[i];
		if (c == '(') {
			int depth = 0;
			for (; i < len; i++) {
				if (value[i] == '\\')
					i++;
				else if (value[i] == '(')
					depth++;
				else if (value[i] == ')' && --depth == 0)
					break;
			}
			i++;
			continue;
		}
		if (is_alpha(c)) {
			size_t s = i;
			char w[5];
			while (i < len && is_alpha(value[i]))
				i++;
			size_t n = i - s;
			if (n > 4) {
				/* full month names ("January"); day names are ignored */
				for (int m = 0; m < 12 && month < 0; m++) {
					if (lower(value[s]) == month_names[m][0] &&
					    lower(value[s + 1]) == month_names[m][1] &&
					    lower(value[s + 2]) == month_names[m][2] && m != 4)
						month = m + 1;
				}
				continue;
			}
			for (size_t k = 0; k < n; k++)
				w[k] = lower(value[s + k]);
			w[n] = '\0';
			if (n == 3 && month < 0) {
				bool found = false;
				for (int m = 0; m < 12 && !found; m++) {
					if (w[0] == month_names[m][0] && w[1] == month_names[m][1] &&
					    w[2] == month_names[m][2]) {
						month = m + 1;
						found = true;
					}
				}
				if (found)
					continue;
			}
			if (n == 4 && month < 0 && w[0] == 'j' && w[1] == 'u' && w[2] == 'n' && w[3] == 'e') {
				month = 6;
				continue;
			}
			if (n == 4 && month < 0 && w[0] == 'j' && w[1] == 'u' && w[2] == 'l' && w[3] == 'y') {
				month = 7;
				continue;
			}
			if (n == 4 && month < 0 && w[0] == 's' && w[1] == 'e' && w[2] == 'p' && w[3] == 't') {
				month = 9;
				continue;
			}
			if (!have_zone && hour >= 0) {
				for (size_t z = 0; z < N_ELEMENTS(zone_names); z++) {
					size_t k = 0;
					while (k < n && zone_names[z].name[k] == w[k])
						k++;
					if (k == n && zone_names[z].name[k] == '\0') {
						zone = zone_names[z].minutes;
						have_zone = true;
						break;
					}
				}
				/* military zones: RFC 5322 says to treat them as -0000 */
				if (!have_zone && n == 1 && w[0] != 'j')
					have_zone = true;
			}
			continue;
		}
		if ((c == '+' || c == '-') && i + 1 < len && is_digit(value[i + 1])) {
			size_t s = ++i;
			int v = 0;
			while (i < len && is_digit(value[i]) && i - s < 4)
				v = v * 10 + (value[i++] - '0');
			while (i < len && is_digit(value[i]))
				i++;
			if (hour >= 0 && !have_zone && i - s == 4 && v % 100 < 60 && v / 100 < 24) {
				zone = (v / 100) * 60 + v % 100;
				if (c == '-')
					zone = -zone;
				have_zone = true;
			} else if (hour < 0 && year < 0 && day >= 0 && month >= 0 && c == '-') {
				/* "1-Jan-2020" style separators */
				year = v;
				if (i - s <= 2)
					year += v < 50 ? 2000 : 1900;
			}
			continue;
		}
		if (is_digit(c)) {
			size_t s = i;
			int64_t v = 0;
			while (i < len && is_digit(value[i])) {
				if (v < 100000)
					v = v * 10 + (value[i] - '0');
				i++;
			}
			size_t n = i - s;
			if (i < len && value[i] == ':' && hour < 0) {
				/* a time: hh:mm[:ss] */
				int parts[3] = { (int)(v > 99 ? 99 : v), -1, 0 };
				int np = 1;
				while (np < 3 && i + 1 < len && value[i] == ':' && is_digit(value[i + 1])) {
					int pv = 0;
					size_t ps = ++i;
					while (i < len && is_digit(value[i]) && i - ps < 3)
						pv = pv * 10 + (value[i++] - '0');
					parts[np++] = pv;
				}
				if (n > 2 || parts[1] < 0 || parts[0] > 23 || parts[1] > 59 || parts[2] > 60)
					return -1;
				hour = parts[0];
				min = parts[1];
				sec = parts[2] == 60 ? 59 : parts[2];
				continue;
			}
			if (day < 0 && n <= 2 && v >= 1 && v <= 31 && year < 0) {
				day = (int)v;
			} else if (year < 0) {
				if (n <= 2)
					year = v + (v < 50 ? 2000 : 1900);
				else if (n == 3)
					year = v + 1900;
				else if (n == 4)
					year = v;
				else
					return -1;
			} else if (day < 0 && n <= 2 && v >= 1 && v <= 31) {
				day = (int)v; /* asctime: "Jan 2 10:00:00 2020" has year last, day first anyway */
			}
			continue;
		}
		i++;
	}
	if (day < 0 || month < 0 || year < 0)
		return -1;
	if (day > days_in_month(year, month))
		return -1;
	if (hour < 0) {
		hour = 0;
		min = 0;
	}
	return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec -
	       (int64_t)zone * 60;
}
