# src/backend/local.mk: account sessions driving the IMAP engine, and the per-account worker threads.
noinst_LIBRARIES += src/backend/libmod.a
src_backend_libmod_a_SOURCES = \
	src/backend/session.c src/backend/session.h \
	src/backend/mailbox.c src/backend/mailbox.h \
	src/backend/sync.c src/backend/sync.h \
	src/backend/record.c src/backend/record.h \
	src/backend/track.c src/backend/track.h \
	src/backend/account.c src/backend/account.h \
	src/backend/op.c src/backend/op.h \
	src/backend/setup.c src/backend/setup.h \
	src/backend/worker.c src/backend/worker.h
BACKEND_LIBS = src/backend/libmod.a $(IMAP_LIBS) $(HCACHE_LIBS) $(BCACHE_LIBS) $(NET_LIBS) $(EV_LIBS) \
	$(CFG_LIBS) $(MIME_LIBS)

UNIT_TESTS += src/backend/test-sync
src_backend_test_sync_SOURCES = src/backend/test-sync.c
src_backend_test_sync_LDADD = $(TEST_LIBS) $(BACKEND_LIBS)

UNIT_TESTS += src/backend/test-track
src_backend_test_track_SOURCES = src/backend/test-track.c tests/unit/hostile.c tests/unit/hostile.h
src_backend_test_track_LDADD = $(TEST_LIBS) $(BACKEND_LIBS)

UNIT_TESTS += src/backend/test-worker
src_backend_test_worker_SOURCES = src/backend/test-worker.c src/backend/worker-driver.c src/backend/worker-driver.h
src_backend_test_worker_LDADD = $(TEST_LIBS) $(BACKEND_LIBS)
