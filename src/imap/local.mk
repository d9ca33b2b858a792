# src/imap/local.mk: the sans-I/O IMAP engine.
libskua_a_SOURCES += \
	src/imap/imap-parser.c src/imap/imap-parser.h

UNIT_TESTS += src/imap/test-imap-parser
src_imap_test_imap_parser_SOURCES = src/imap/test-imap-parser.c
