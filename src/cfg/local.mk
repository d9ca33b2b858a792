# src/cfg/local.mk: build rules for the cfg module (configuration file) and lib/proc (helper commands).
libskua_a_SOURCES += \
	src/lib/proc.c src/lib/proc.h

UNIT_TESTS += src/lib/test-proc
src_lib_test_proc_SOURCES = src/lib/test-proc.c
