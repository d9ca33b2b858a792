# src/imap/local.mk: the sans-I/O IMAP engine.
noinst_LIBRARIES += src/imap/libmod.a
src_imap_libmod_a_SOURCES = \
	src/imap/imap-parser.c src/imap/imap-parser.h \
	src/imap/imap-utf7.c src/imap/imap-utf7.h \
	src/imap/imap-engine.c src/imap/imap-engine.h \
	src/imap/imap-fetch.c src/imap/imap-fetch.h \
	src/imap/imap-uidset.c src/imap/imap-uidset.h
IMAP_LIBS = src/imap/libmod.a $(LIB_LIBS)

UNIT_TESTS += src/imap/test-imap-parser src/imap/test-imap-utf7 src/imap/test-imap-fetch src/imap/test-imap-engine \
	src/imap/test-imap-uidset
src_imap_test_imap_parser_SOURCES = src/imap/test-imap-parser.c
src_imap_test_imap_parser_LDADD = $(TEST_LIBS) $(IMAP_LIBS)
src_imap_test_imap_utf7_SOURCES = src/imap/test-imap-utf7.c
src_imap_test_imap_utf7_LDADD = $(TEST_LIBS) $(IMAP_LIBS)
src_imap_test_imap_fetch_SOURCES = src/imap/test-imap-fetch.c
src_imap_test_imap_fetch_LDADD = $(TEST_LIBS) $(IMAP_LIBS)
src_imap_test_imap_engine_SOURCES = src/imap/test-imap-engine.c
src_imap_test_imap_engine_LDADD = $(TEST_LIBS) $(IMAP_LIBS)
src_imap_test_imap_uidset_SOURCES = src/imap/test-imap-uidset.c
src_imap_test_imap_uidset_LDADD = $(TEST_LIBS) $(IMAP_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz-imap-parser tests/fuzz/fuzz-imap-responses tests/fuzz/fuzz-imap-fetch \
	tests/fuzz/fuzz-imap-commands
tests_fuzz_fuzz_imap_parser_SOURCES = tests/fuzz/fuzz-imap-parser.c
tests_fuzz_fuzz_imap_parser_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_imap_parser_LDADD = $(IMAP_LIBS)
tests_fuzz_fuzz_imap_responses_SOURCES = tests/fuzz/fuzz-imap-responses.c
tests_fuzz_fuzz_imap_responses_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_imap_responses_LDADD = $(IMAP_LIBS)
tests_fuzz_fuzz_imap_fetch_SOURCES = tests/fuzz/fuzz-imap-fetch.c
tests_fuzz_fuzz_imap_fetch_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_imap_fetch_LDADD = $(IMAP_LIBS)
tests_fuzz_fuzz_imap_commands_SOURCES = tests/fuzz/fuzz-imap-commands.c
tests_fuzz_fuzz_imap_commands_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_imap_commands_LDADD = $(IMAP_LIBS)
EXTRA_DIST += tests/fuzz/corpus
