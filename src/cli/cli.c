/* cli.c: the command-line interface. */
#include "skua.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("skua %s\n", PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, "%s\n", _("usage: skua [-F config] [-a account] folders|list|show ..."));
	return 2;
}
