# src/bcache/local.mk: the body cache.
noinst_LIBRARIES += src/bcache/libmod.a
src_bcache_libmod_a_SOURCES = src/bcache/bcache.c src/bcache/bcache.h
BCACHE_LIBS = src/bcache/libmod.a $(LIB_LIBS)

UNIT_TESTS += src/bcache/test-bcache
src_bcache_test_bcache_SOURCES = src/bcache/test-bcache.c
src_bcache_test_bcache_LDADD = $(TEST_LIBS) $(BCACHE_LIBS)
