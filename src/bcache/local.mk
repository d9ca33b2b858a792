# src/bcache/local.mk: the body cache.
libskua_a_SOURCES += src/bcache/bcache.c src/bcache/bcache.h
UNIT_TESTS += src/bcache/test-bcache
src_bcache_test_bcache_SOURCES = src/bcache/test-bcache.c
