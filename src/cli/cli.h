/* cli.h: the command-line interface (folders, list, show, cache) for scripts, tests and use over SSH. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

/* Parses argv and runs one command. Returns the process exit status. Main thread. */
int cli_main(int argc, char **argv);

#endif
