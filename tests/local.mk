# tests/local.mk: integration, UI and fuzz tests.

# The harness (tests/harness), the hostile IMAP server (tests/hostile) and the seed mail (tests/corpus/maildir).
EXTRA_DIST += \
	tests/harness/dovecot.sh \
	tests/harness/gen-mail.py \
	tests/harness/lib.sh \
	tests/harness/up.sh \
	tests/corpus/maildir

# Integration tests: bash scripts driving the skua CLI against a private Dovecot or the hostile server.
SKUA_INTEGRATION_TESTS = \
	tests/integration/harness-selftest.sh

INTEGRATION_TESTS += $(SKUA_INTEGRATION_TESTS)
EXTRA_DIST += $(SKUA_INTEGRATION_TESTS)
