/* paths.c: cache locations, directory creation and name hashing shared by the caches. */
#include "skua.h"
#include "paths.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *paths_cache(const char *name)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/skua/%s", xdg, name);
	if (home != NULL && home[0] == '/')
		return xasprintf("%s/.cache/skua/%s", home, name);
	return NULL;
}

int paths_mkdirs(const char *path, bool with_last)
{
	char *copy = xstrdup(path);
	int ret = 0;

	for (char *p = copy + 1;; p++) {
		char c = *p;
		if (c != '/' && c != '\0')
			continue;
		if (c == '\0' && !with_last)
			break;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			ret = -1;
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return ret;
}

uint64_t paths_hash_pair(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = a; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0xffu) * 1099511628211ull;
	for (const char *p = b; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}
