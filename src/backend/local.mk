# src/backend/local.mk: account sessions driving the IMAP engine.
libskua_a_SOURCES += src/backend/session.c src/backend/session.h \
	src/backend/mailbox.c src/backend/mailbox.h
