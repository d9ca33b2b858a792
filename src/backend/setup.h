/* setup.h: what every front end does first: read the configuration file and open the header cache. */
#ifndef BACKEND_SETUP_H
#define BACKEND_SETUP_H

#include "skua.h"
#include "cfg/cfg.h"
#include "hcache/hcache.h"

/* Reads the configuration file at path (NULL: $XDG_CONFIG_HOME/skua/config or ~/.config/skua/config);
 * its warnings are in (*cfg_r)->warnings. Returns 0 and a config the caller owns (cfg_free), or -1 with
 * *error_r (the file cannot be read or parsed: "FILE:LINE: ..."; no home directory). Any thread. */
int setup_config(const char *path, struct cfg **cfg_r, const char **error_r);

/* Opens the header cache the configuration names (header-cache), else the default one. Returns it (the
 * caller closes it with hcache_close), or NULL with *error_r (no home directory, unwritable): skua then
 * works uncached. *notice_r is a message for the user when a damaged cache was moved aside, else NULL.
 * Any thread. */
struct hcache *setup_hcache(const struct cfg *cfg, const char **notice_r, const char **error_r);

#endif
