# src/hcache/local.mk: the LMDB header cache.
libskua_a_SOURCES += src/hcache/hcache.c src/hcache/hcache.h
UNIT_TESTS += src/hcache/test-hcache
src_hcache_test_hcache_SOURCES = src/hcache/test-hcache.c

FUZZ_TARGETS += tests/fuzz/fuzz-hcache-record
tests_fuzz_fuzz_hcache_record_SOURCES = tests/fuzz/fuzz-hcache-record.c
tests_fuzz_fuzz_hcache_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_hcache_record_LDADD = $(SKUA_LIBS)
