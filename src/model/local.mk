# src/model/local.mk: the UI-side model of mailboxes and messages (no I/O).
noinst_LIBRARIES += src/model/libmod.a
src_model_libmod_a_SOURCES = src/model/mindex.c src/model/mindex.h src/model/sort.c src/model/sort.h \
	src/model/sortjob.c src/model/sortjob.h src/model/pattern.c src/model/pattern.h
MODEL_LIBS = src/model/libmod.a $(BACKEND_LIBS)

UNIT_TESTS += src/model/test-mindex src/model/test-sort
src_model_test_mindex_SOURCES = src/model/test-mindex.c src/model/test-synth.c src/model/test-synth.h \
	tests/unit/hostile.c tests/unit/hostile.h
src_model_test_mindex_LDADD = $(TEST_LIBS) $(MODEL_LIBS)
src_model_test_sort_SOURCES = src/model/test-sort.c src/model/test-synth.c src/model/test-synth.h \
	tests/unit/hostile.c tests/unit/hostile.h
src_model_test_sort_LDADD = $(TEST_LIBS) $(MODEL_LIBS)

UNIT_TESTS += src/model/test-sortjob
src_model_test_sortjob_SOURCES = src/model/test-sortjob.c src/model/test-synth.c src/model/test-synth.h
src_model_test_sortjob_LDADD = $(TEST_LIBS) $(MODEL_LIBS)

UNIT_TESTS += src/model/test-pattern
src_model_test_pattern_SOURCES = src/model/test-pattern.c src/model/test-synth.c src/model/test-synth.h
src_model_test_pattern_LDADD = $(TEST_LIBS) $(MODEL_LIBS)

EXTRA_DIST += tests/fuzz/corpus/pattern
FUZZ_TARGETS += tests/fuzz/fuzz-pattern
tests_fuzz_fuzz_pattern_SOURCES = tests/fuzz/fuzz-pattern.c
tests_fuzz_fuzz_pattern_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_pattern_LDADD = $(MODEL_LIBS)
