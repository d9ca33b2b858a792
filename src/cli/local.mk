# src/cli/local.mk: the command-line interface.
libskua_a_SOURCES += src/cli/cli.c src/cli/cli.h
