# src/net/local.mk: TCP, tunnel commands, OpenSSL TLS.
noinst_LIBRARIES += src/net/libmod.a
src_net_libmod_a_SOURCES = src/net/net.c src/net/net.h
NET_LIBS = src/net/libmod.a $(OPENSSL_LIBS) $(LIB_LIBS)

UNIT_TESTS += src/net/test-net
src_net_test_net_SOURCES = src/net/test-net.c
src_net_test_net_LDADD = $(TEST_LIBS) $(NET_LIBS)
