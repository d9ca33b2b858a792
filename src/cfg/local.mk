# src/cfg/local.mk: build rules for the cfg module (configuration file) and lib/proc (helper commands).
libskua_a_SOURCES += \
	src/lib/proc.c src/lib/proc.h

UNIT_TESTS += src/lib/test-proc
src_lib_test_proc_SOURCES = src/lib/test-proc.c

libskua_a_SOURCES += \
	src/cfg/cfg.c src/cfg/cfg.h

UNIT_TESTS += src/cfg/test-cfg
src_cfg_test_cfg_SOURCES = src/cfg/test-cfg.c

FUZZ_TARGETS += tests/fuzz/fuzz-config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(SKUA_LIBS)
