# src/mime/local.mk: build rules for the mime module (plus lib/sanitize and lib/charset it owns).
libskua_a_SOURCES += \
	src/lib/sanitize.c src/lib/sanitize.h \
	src/lib/charset.c src/lib/charset.h \
	src/mime/mime.h src/mime/mime-int.h \
	src/mime/header.c src/mime/date.c src/mime/decode.c \
	src/mime/message.c src/mime/render.c src/mime/html.c src/mime/attach.c

UNIT_TESTS += src/lib/test-sanitize src/mime/test-mime src/mime/test-mime-corpus
src_lib_test_sanitize_SOURCES = src/lib/test-sanitize.c
src_mime_test_mime_SOURCES = src/mime/test-mime.c
src_mime_test_mime_corpus_SOURCES = src/mime/test-mime-corpus.c

EXTRA_DIST += tests/corpus/mime tests/fuzz/corpus/mime tests/fuzz/corpus/rfc2047

FUZZ_TARGETS += tests/fuzz/fuzz-mime tests/fuzz/fuzz-rfc2047
tests_fuzz_fuzz_mime_SOURCES = tests/fuzz/fuzz-mime.c
tests_fuzz_fuzz_mime_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mime_LDADD = $(SKUA_LIBS)
tests_fuzz_fuzz_rfc2047_SOURCES = tests/fuzz/fuzz-rfc2047.c
tests_fuzz_fuzz_rfc2047_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rfc2047_LDADD = $(SKUA_LIBS)
