# src/net/local.mk: build rules for the net module (TCP, tunnel commands, OpenSSL TLS).
libskua_a_SOURCES += src/net/net.c src/net/net.h

UNIT_TESTS += src/net/test-net
src_net_test_net_SOURCES = src/net/test-net.c
