# src/hcache/local.mk: the LMDB header cache.
noinst_LIBRARIES += src/hcache/libmod.a
src_hcache_libmod_a_SOURCES = src/hcache/hcache.c src/hcache/hcache.h
HCACHE_LIBS = src/hcache/libmod.a $(LMDB_LIBS) $(LIB_LIBS)

UNIT_TESTS += src/hcache/test-hcache
src_hcache_test_hcache_SOURCES = src/hcache/test-hcache.c
src_hcache_test_hcache_LDADD = $(TEST_LIBS) $(HCACHE_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz-hcache-record
tests_fuzz_fuzz_hcache_record_SOURCES = tests/fuzz/fuzz-hcache-record.c
tests_fuzz_fuzz_hcache_record_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_hcache_record_LDADD = $(HCACHE_LIBS)
