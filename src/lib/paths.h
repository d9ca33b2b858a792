/* paths.h: cache locations, directory creation and name hashing shared by the caches. */
#ifndef LIB_PATHS_H
#define LIB_PATHS_H

#include "skua.h"

/* Returns "$XDG_CACHE_HOME/skua/NAME" (or "~/.cache/skua/NAME"), malloc'd, or NULL when there is no
 * absolute XDG_CACHE_HOME or HOME. Any thread. */
char *paths_cache(const char *name);
/* Creates every directory of path with mode 0700: its parents only, or path itself too when
 * with_last. Returns 0, or -1 with errno set. Any thread. */
int paths_mkdirs(const char *path, bool with_last);
/* A 64-bit FNV-1a hash of the pair (a, b), for names that must never become part of a path or key
 * as they are. Any thread. */
uint64_t paths_hash_pair(const char *a, const char *b);

#endif
