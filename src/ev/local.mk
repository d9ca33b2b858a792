# src/ev/local.mk: the event loop (fds, timers, signals) and the thread-safe message queues.
noinst_LIBRARIES += src/ev/libmod.a
src_ev_libmod_a_SOURCES = \
	src/ev/ev-loop.c src/ev/ev-loop.h \
	src/ev/ev-signal.c \
	src/ev/ev-queue.c src/ev/ev-queue.h
EV_LIBS = src/ev/libmod.a $(LIB_LIBS)

UNIT_TESTS += src/ev/test-ev
src_ev_test_ev_SOURCES = src/ev/test-ev.c
src_ev_test_ev_LDADD = $(TEST_LIBS) $(EV_LIBS)
