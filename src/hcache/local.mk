# src/hcache/local.mk: the LMDB header cache.
libskua_a_SOURCES += src/hcache/hcache.c src/hcache/hcache.h
UNIT_TESTS += src/hcache/test-hcache
src_hcache_test_hcache_SOURCES = src/hcache/test-hcache.c
