/* setup.c: what every front end does first: read the configuration file and open the header cache. */
#include "skua.h"
#include "setup.h"
#include "lib/xmalloc.h"

#include <stdlib.h>

int setup_config(const char *path, struct cfg **cfg_r, const char **error_r)
{
	char *p = path != NULL ? xstrdup(path) : cfg_default_path();
	int ret;

	if (p == NULL) {
		*error_r = _("no configuration file: HOME is not set (use -F FILE)");
		return -1;
	}
	ret = cfg_load(p, cfg_r, error_r);
	free(p);
	return ret;
}

struct hcache *setup_hcache(const struct cfg *cfg, const char **notice_r, const char **error_r)
{
	struct hcache *hc = NULL;
	char *path = cfg->header_cache != NULL ? xstrdup(cfg->header_cache) : hcache_default_path();

	*notice_r = NULL;
	if (path == NULL) {
		*error_r = _("no header cache: HOME is not set (set header-cache)");
		return NULL;
	}
	if (hcache_open(path, &hc, notice_r, error_r) < 0)
		hc = NULL;
	free(path);
	return hc;
}
