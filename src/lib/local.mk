# src/lib/local.mk: allocation, buffers, errors, logging, paths, helper commands, sanitising, charsets,
# keyed hashing, populating fresh tables off the caller's thread.
noinst_LIBRARIES += src/lib/libmod.a
src_lib_libmod_a_SOURCES = \
	src/lib/xmalloc.c src/lib/xmalloc.h \
	src/lib/buf.c src/lib/buf.h \
	src/lib/errstr.c src/lib/errstr.h \
	src/lib/log.c src/lib/log.h \
	src/lib/file.c src/lib/file.h \
	src/lib/paths.c src/lib/paths.h \
	src/lib/proc.c src/lib/proc.h \
	src/lib/sanitize.c src/lib/sanitize.h \
	src/lib/charset.c src/lib/charset.h \
	src/lib/hash.c src/lib/hash.h \
	src/lib/populate.c src/lib/populate.h
LIB_LIBS = src/lib/libmod.a $(LIBINTL)

UNIT_TESTS += src/lib/test-buf src/lib/test-proc src/lib/test-sanitize src/lib/test-hash \
	src/lib/test-file src/lib/test-populate
src_lib_test_buf_SOURCES = src/lib/test-buf.c
src_lib_test_buf_LDADD = $(TEST_LIBS) $(LIB_LIBS)
src_lib_test_proc_SOURCES = src/lib/test-proc.c
src_lib_test_proc_LDADD = $(TEST_LIBS) $(LIB_LIBS)
src_lib_test_sanitize_SOURCES = src/lib/test-sanitize.c
src_lib_test_sanitize_LDADD = $(TEST_LIBS) $(LIB_LIBS)
src_lib_test_hash_SOURCES = src/lib/test-hash.c
src_lib_test_hash_LDADD = $(TEST_LIBS) $(LIB_LIBS)
src_lib_test_file_SOURCES = src/lib/test-file.c
src_lib_test_file_LDADD = $(TEST_LIBS) $(LIB_LIBS)
src_lib_test_populate_SOURCES = src/lib/test-populate.c
src_lib_test_populate_LDADD = $(TEST_LIBS) $(LIB_LIBS)
