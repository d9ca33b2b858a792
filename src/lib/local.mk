# src/lib/local.mk: allocation, buffers, errors, logging.
libskua_a_SOURCES += \
	src/lib/xmalloc.c src/lib/xmalloc.h \
	src/lib/buf.c src/lib/buf.h \
	src/lib/errstr.c src/lib/errstr.h \
	src/lib/log.c src/lib/log.h \
	src/lib/paths.c src/lib/paths.h

UNIT_TESTS += src/lib/test-buf
src_lib_test_buf_SOURCES = src/lib/test-buf.c
