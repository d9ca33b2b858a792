/* skua.h: project-wide definitions every module includes first (config, gettext, attributes). */
#ifndef SKUA_H
#define SKUA_H

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#if ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define P_(s, plural, n) ngettext(s, plural, n)   /* a message with a count: its plural form */
#else
#define _(s) (s)
#define P_(s, plural, n) ((n) == 1 ? (s) : (plural))
#endif
#define N_(s) (s)

#define SKUA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SKUA_NORETURN __attribute__((noreturn))
#define SKUA_UNUSED __attribute__((unused))
#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

#endif
