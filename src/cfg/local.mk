# src/cfg/local.mk: the configuration file (accounts and settings).
noinst_LIBRARIES += src/cfg/libmod.a
src_cfg_libmod_a_SOURCES = src/cfg/cfg.c src/cfg/cfg.h src/cfg/options.c src/cfg/options.h src/cfg/secret.c
CFG_LIBS = src/cfg/libmod.a $(LIB_LIBS)

UNIT_TESTS += src/cfg/test-cfg src/cfg/test-options
src_cfg_test_cfg_SOURCES = src/cfg/test-cfg.c
src_cfg_test_cfg_LDADD = $(TEST_LIBS) $(CFG_LIBS)
# every option of the table is documented in skua.conf.5, and the manual names no other
src_cfg_test_options_SOURCES = src/cfg/test-options.c
src_cfg_test_options_CPPFLAGS = $(AM_CPPFLAGS) -DCFG_MANUAL='"$(abs_top_srcdir)/doc/skua.conf.5"'
src_cfg_test_options_LDADD = $(TEST_LIBS) $(CFG_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz-config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = $(CFG_LIBS)
