# src/imap/local.mk: the sans-I/O IMAP engine.
libskua_a_SOURCES += \
	src/imap/imap-parser.c src/imap/imap-parser.h

UNIT_TESTS += src/imap/test-imap-parser
src_imap_test_imap_parser_SOURCES = src/imap/test-imap-parser.c

libskua_a_SOURCES += src/imap/imap-utf7.c src/imap/imap-utf7.h
UNIT_TESTS += src/imap/test-imap-utf7
src_imap_test_imap_utf7_SOURCES = src/imap/test-imap-utf7.c

libskua_a_SOURCES += src/imap/imap-engine.c src/imap/imap-engine.h
