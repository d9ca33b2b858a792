/* worker-driver.h: test-worker's driver mode, one account worker driven from the command line. */
#ifndef BACKEND_WORKER_DRIVER_H
#define BACKEND_WORKER_DRIVER_H

/* Runs `test-worker drive [-F config] [-a account] [-q N] [-d logfile] COMMAND...` (argv[0] is "drive"),
 * printing every message the worker posts, one line each; see the usage text. Returns the exit status:
 * 0 when every request got its final message in time and no promise was broken, 1 otherwise, 2 on a
 * usage or set-up error. */
int worker_driver_main(int argc, char **argv);

#endif
