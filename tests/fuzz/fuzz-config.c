/* fuzz-config.c: libFuzzer target for the configuration file parser (cfg_parse). */
#include "skua.h"
#include "cfg/cfg.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *cfg = NULL;
	const char *error = NULL;

	if (cfg_parse((const char *)data, size, "fuzz.conf", &cfg, &error) == 0) {
		/* walk what came out so a dangling pointer shows */
		for (size_t i = 0; i < cfg->n_accounts; i++) {
			struct cfg_account *a = cfg->accounts[i];
			if (cfg_account_find(cfg, a->name) != a)
				abort();
			if (a->host == NULL && a->tunnel == NULL)
				abort();
		}
		for (char **w = cfg->warnings; *w != NULL; w++)
			if (strlen(*w) == 0)
				abort();
		cfg_free(&cfg);
	} else if (error == NULL || strncmp(error, "fuzz.conf:", 10) != 0) {
		abort();
	}
	return 0;
}
