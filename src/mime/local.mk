# src/mime/local.mk: RFC 5322/2045/2047/2231 parsing and decoding, rendering for display.
noinst_LIBRARIES += src/mime/libmod.a
src_mime_libmod_a_SOURCES = \
	src/mime/mime.h src/mime/mime-int.h \
	src/mime/header.c src/mime/date.c src/mime/decode.c \
	src/mime/message.c src/mime/render.c src/mime/html.c src/mime/attach.c
MIME_LIBS = src/mime/libmod.a $(LIB_LIBS)

UNIT_TESTS += src/mime/test-mime src/mime/test-mime-corpus
src_mime_test_mime_SOURCES = src/mime/test-mime.c tests/unit/hostile.c tests/unit/hostile.h
src_mime_test_mime_LDADD = $(TEST_LIBS) $(MIME_LIBS)
src_mime_test_mime_corpus_SOURCES = src/mime/test-mime-corpus.c
src_mime_test_mime_corpus_LDADD = $(TEST_LIBS) $(MIME_LIBS)

EXTRA_DIST += tests/corpus/mime tests/fuzz/corpus/mime tests/fuzz/corpus/rfc2047

FUZZ_TARGETS += tests/fuzz/fuzz-mime tests/fuzz/fuzz-rfc2047
tests_fuzz_fuzz_mime_SOURCES = tests/fuzz/fuzz-mime.c
tests_fuzz_fuzz_mime_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mime_LDADD = $(MIME_LIBS)
tests_fuzz_fuzz_rfc2047_SOURCES = tests/fuzz/fuzz-rfc2047.c
tests_fuzz_fuzz_rfc2047_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rfc2047_LDADD = $(MIME_LIBS)
