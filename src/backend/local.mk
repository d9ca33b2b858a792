# src/backend/local.mk: account sessions driving the IMAP engine, and the per-account worker threads.
libskua_a_SOURCES += src/backend/session.c src/backend/session.h \
	src/backend/mailbox.c src/backend/mailbox.h
libskua_a_SOURCES += src/backend/worker.c src/backend/worker.h

UNIT_TESTS += src/backend/test-worker
src_backend_test_worker_SOURCES = src/backend/test-worker.c src/backend/worker-driver.c src/backend/worker-driver.h
