/* imap-fetch.c: parsers for FETCH data items: ENVELOPE, BODYSTRUCTURE and INTERNALDATE. */
#include "skua.h"
#include "imap-fetch.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static bool nstring(const struct imap_arg *arg, const char **str_r)
{
	if (arg->type == IMAP_ARG_NIL) {
		*str_r = NULL;
		return true;
	}
	if (arg->type == IMAP_ARG_STRING || arg->type == IMAP_ARG_LITERAL || arg->type == IMAP_ARG_ATOM) {
		*str_r = arg->u.str;
		return true;
	}
	return false;
}

static int address_list(const struct imap_arg *arg, struct imap_address_list *list_r)
{
	list_r->addrs = NULL;
	list_r->count = 0;
	if (arg->type == IMAP_ARG_NIL)
		return 0;
	if (arg->type != IMAP_ARG_LIST)
		return -1;
	list_r->addrs = xcalloc(arg->count ? arg->count : 1, sizeof(*list_r->addrs));
	for (uint32_t i = 0; i < arg->count; i++) {
		const struct imap_arg *a = &arg->u.list[i];
		struct imap_address *addr = &list_r->addrs[list_r->count++];
		const char *adl;

		if (a->type != IMAP_ARG_LIST || a->count != 4 || !nstring(&a->u.list[0], &addr->name) ||
		    !nstring(&a->u.list[1], &adl) || !nstring(&a->u.list[2], &addr->mailbox) ||
		    !nstring(&a->u.list[3], &addr->host))
			return -1;
		if (addr->host == NULL)
			(addr->mailbox != NULL ? (addr->group_start = true) : (addr->group_end = true));
	}
	return 0;
}

void imap_envelope_clear(struct imap_envelope *env)
{
	free(env->from.addrs);
	free(env->sender.addrs);
	free(env->reply_to.addrs);
	free(env->to.addrs);
	free(env->cc.addrs);
	free(env->bcc.addrs);
	memset(env, 0, sizeof(*env));
}

int imap_envelope_parse(const struct imap_arg *list, struct imap_envelope *env, const char **error_r)
{
	const struct imap_arg *a = list->u.list;

	memset(env, 0, sizeof(*env));
	if (list->type != IMAP_ARG_LIST || list->count < 10 ||
	    !nstring(&a[0], &env->date) || !nstring(&a[1], &env->subject) ||
	    address_list(&a[2], &env->from) < 0 || address_list(&a[3], &env->sender) < 0 ||
	    address_list(&a[4], &env->reply_to) < 0 || address_list(&a[5], &env->to) < 0 ||
	    address_list(&a[6], &env->cc) < 0 || address_list(&a[7], &env->bcc) < 0 ||
	    !nstring(&a[8], &env->in_reply_to) || !nstring(&a[9], &env->message_id)) {
		imap_envelope_clear(env);
		*error_r = "malformed ENVELOPE";
		return -1;
	}
	return 0;
}

const char *imap_body_param(const struct imap_arg *params, const char *name)
{
	if (params == NULL || params->type != IMAP_ARG_LIST)
		return NULL;
	for (uint32_t i = 0; i + 1 < params->count; i += 2) {
		const struct imap_arg *k = &params->u.list[i], *v = &params->u.list[i + 1];
		if (imap_arg_is_string(k) && strcasecmp(k->u.str, name) == 0)
			return imap_arg_nstring(v);
	}
	return NULL;
}

static void body_clear(struct imap_body *b)
{
	for (size_t i = 0; i < b->n_children; i++)
		body_clear(&b->children[i]);
	free(b->children);
	if (b->envelope != NULL) {
		imap_envelope_clear(b->envelope);
		free(b->envelope);
	}
	if (b->message != NULL) {
		body_clear(b->message);
		free(b->message);
	}
}

void imap_body_free(struct imap_body **body)
{
	if (*body == NULL)
		return;
	body_clear(*body);
	free(*body);
	*body = NULL;
}

static bool number(const struct imap_arg *arg, uint64_t *num_r)
{
	return imap_arg_number(arg, num_r);
}

static void part_name(char *dst, const char *parent, size_t index)
{
	if (parent[0] == '\0')
		snprintf(dst, 64, "%zu", index);
	else
		snprintf(dst, 64, "%.40s.%zu", parent, index);
}

/* Takes a disposition ("attachment" (params)) extension item, when it is one. */
static void body_disposition(const struct imap_arg *arg, struct imap_body *b)
{
	if (arg->type != IMAP_ARG_LIST || arg->count < 1 || !imap_arg_is_string(&arg->u.list[0]))
		return;
	b->disposition = arg->u.list[0].u.str;
	if (arg->count >= 2 && arg->u.list[1].type == IMAP_ARG_LIST)
		b->disposition_params = &arg->u.list[1];
}

static int body_parse(const struct imap_arg *list, struct imap_body *b, size_t *parts, const char **error_r)
{
	const struct imap_arg *a;
	uint32_t n, i;

	if (list->type != IMAP_ARG_LIST || list->count < 1) {
		*error_r = "malformed BODYSTRUCTURE";
		return -1;
	}
	if (++*parts > IMAP_BODY_MAX_PARTS) {
		*error_r = "BODYSTRUCTURE has too many parts";
		return -1;
	}
	a = list->u.list;
	n = list->count;
	if (a[0].type == IMAP_ARG_LIST) {
		/* multipart: (part)(part)... "subtype" [params [disposition [language [location]]]] */
		size_t nchild = 0;
		for (i = 0; i < n && a[i].type == IMAP_ARG_LIST; i++)
			nchild++;
		b->type = "multipart";
		b->children = xcalloc(nchild, sizeof(*b->children));
		for (i = 0; i < nchild; i++) {
			part_name(b->children[i].part, b->part, i + 1);
			b->n_children++;
			if (body_parse(&a[i], &b->children[i], parts, error_r) < 0)
				return -1;
		}
		if (i >= n || !imap_arg_is_string(&a[i])) {
			*error_r = "malformed multipart BODYSTRUCTURE";
			return -1;
		}
		b->subtype = a[i++].u.str;
		if (i < n && a[i].type == IMAP_ARG_LIST)
			b->params = &a[i];
		i++;
		if (i < n)
			body_disposition(&a[i], b);
		return 0;
	}
	/* single part: type subtype params id description encoding size [...] */
	if (n < 7 || !imap_arg_is_string(&a[0]) || !imap_arg_is_string(&a[1]) ||
	    (a[2].type != IMAP_ARG_LIST && a[2].type != IMAP_ARG_NIL) ||
	    !nstring(&a[3], &b->id) || !nstring(&a[4], &b->description) ||
	    !nstring(&a[5], &b->encoding) || !number(&a[6], &b->size)) {
		*error_r = "malformed BODYSTRUCTURE part";
		return -1;
	}
	b->type = a[0].u.str;
	b->subtype = a[1].u.str;
	b->params = a[2].type == IMAP_ARG_LIST ? &a[2] : NULL;
	i = 7;
	if (strcasecmp(b->type, "message") == 0 &&
	    (strcasecmp(b->subtype, "rfc822") == 0 || strcasecmp(b->subtype, "global") == 0) &&
	    n >= 10 && a[7].type == IMAP_ARG_LIST && a[8].type == IMAP_ARG_LIST) {
		b->envelope = xcalloc(1, sizeof(*b->envelope));
		if (imap_envelope_parse(&a[7], b->envelope, error_r) < 0)
			return -1;
		b->message = xcalloc(1, sizeof(*b->message));
		snprintf(b->message->part, sizeof(b->message->part), "%s", b->part);
		if (body_parse(&a[8], b->message, parts, error_r) < 0)
			return -1;
		if (!number(&a[9], &b->lines)) {
			*error_r = "malformed message/rfc822 BODYSTRUCTURE";
			return -1;
		}
		i = 10;
	} else if (strcasecmp(b->type, "text") == 0) {
		if (n < 8 || !number(&a[7], &b->lines)) {
			*error_r = "malformed text BODYSTRUCTURE";
			return -1;
		}
		i = 8;
	}
	/* extension data: md5, disposition, language, location */
	i++;
	if (i < n)
		body_disposition(&a[i], b);
	return 0;
}

int imap_bodystructure_parse(const struct imap_arg *list, struct imap_body **body_r, const char **error_r)
{
	struct imap_body *b = xcalloc(1, sizeof(*b));
	size_t parts = 0;

	if (body_parse(list, b, &parts, error_r) < 0) {
		imap_body_free(&b);
		return -1;
	}
	*body_r = b;
	return 0;
}

int64_t imap_internaldate_parse(const char *s)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int day, year, hh, mm, ss, zone, mon = -1, consumed = 0;
	char mname[4], sign;
	struct tm tm;

	if (s == NULL || sscanf(s, " %2d-%3[A-Za-z]-%4d %2d:%2d:%2d %c%4d%n", &day, mname, &year, &hh, &mm,
				&ss, &sign, &zone, &consumed) != 8 || consumed == 0 || (sign != '+' && sign != '-'))
		return -1;
	for (int i = 0; i < 12; i++) {
		if (strcasecmp(mname, months[i]) == 0)
			mon = i;
	}
	if (mon < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 || zone > 1400 || year < 1900)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	int64_t off = (zone / 100) * 3600 + (zone % 100) * 60;
	return (int64_t)timegm(&tm) - (sign == '-' ? -off : off);
}

int imap_uidset_next(const char **pp, uint32_t *lo_r, uint32_t *hi_r)
{
	const char *p = *pp;
	char *end;
	unsigned long long lo, hi;

	if (*p == '\0')
		return 0;
	if (*p < '0' || *p > '9')
		return -1;
	lo = hi = strtoull(p, &end, 10);
	p = end;
	if (*p == ':') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		hi = strtoull(p + 1, &end, 10);
		p = end;
	}
	if (lo == 0 || hi == 0 || lo > UINT32_MAX || hi > UINT32_MAX)
		return -1;
	if (*p == ',' && p[1] != '\0')
		p++;
	else if (*p != '\0')
		return -1;
	*lo_r = (uint32_t)(lo < hi ? lo : hi);
	*hi_r = (uint32_t)(lo < hi ? hi : lo);
	*pp = p;
	return 1;
}
