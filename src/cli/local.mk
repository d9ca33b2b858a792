# src/cli/local.mk: the command-line interface.
noinst_LIBRARIES += src/cli/libmod.a
src_cli_libmod_a_SOURCES = src/cli/cli.c src/cli/cli.h src/cli/cli-int.h src/cli/cli-triage.c
CLI_LIBS = src/cli/libmod.a $(UI_LIBS)
