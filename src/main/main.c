/* main.c: program entry: locale and gettext set-up, then the command-line interface. */
#include "skua.h"
#include "cli/cli.h"

#include <locale.h>

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, LOCALEDIR);
	textdomain(PACKAGE);
#endif
	return cli_main(argc, argv);
}
