# src/imap/local.mk: the sans-I/O IMAP engine.
libskua_a_SOURCES += \
	src/imap/imap-parser.c src/imap/imap-parser.h

UNIT_TESTS += src/imap/test-imap-parser
src_imap_test_imap_parser_SOURCES = src/imap/test-imap-parser.c

libskua_a_SOURCES += src/imap/imap-utf7.c src/imap/imap-utf7.h
UNIT_TESTS += src/imap/test-imap-utf7
src_imap_test_imap_utf7_SOURCES = src/imap/test-imap-utf7.c

libskua_a_SOURCES += src/imap/imap-engine.c src/imap/imap-engine.h

libskua_a_SOURCES += src/imap/imap-fetch.c src/imap/imap-fetch.h
UNIT_TESTS += src/imap/test-imap-fetch src/imap/test-imap-engine
src_imap_test_imap_fetch_SOURCES = src/imap/test-imap-fetch.c
src_imap_test_imap_engine_SOURCES = src/imap/test-imap-engine.c

FUZZ_TARGETS += tests/fuzz/fuzz-imap-parser tests/fuzz/fuzz-imap-responses tests/fuzz/fuzz-imap-fetch
tests_fuzz_fuzz_imap_parser_SOURCES = tests/fuzz/fuzz-imap-parser.c
tests_fuzz_fuzz_imap_parser_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_imap_parser_LDADD = $(SKUA_LIBS)
tests_fuzz_fuzz_imap_responses_SOURCES = tests/fuzz/fuzz-imap-responses.c
tests_fuzz_fuzz_imap_responses_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_imap_responses_LDADD = $(SKUA_LIBS)
tests_fuzz_fuzz_imap_fetch_SOURCES = tests/fuzz/fuzz-imap-fetch.c
tests_fuzz_fuzz_imap_fetch_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_imap_fetch_LDADD = $(SKUA_LIBS)
EXTRA_DIST += tests/fuzz/corpus
