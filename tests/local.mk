# tests/local.mk: integration, UI and fuzz tests.

# The harness (tests/harness), the hostile IMAP server (tests/hostile) and the seed mail (tests/corpus/maildir).
EXTRA_DIST += \
	tests/harness/README.md \
	tests/harness/dovecot.sh \
	tests/harness/gen-mail.py \
	tests/harness/lib.sh \
	tests/harness/oracle.py \
	tests/harness/up.sh \
	tests/harness/gate-pipe.py \
	tests/harness/reaper.py \
	tests/harness/slow-pipe.py \
	tests/hostile/hostile-imap.py \
	tests/corpus/maildir

# Integration tests: bash scripts driving the skua CLI against a private Dovecot or the hostile server.
SKUA_INTEGRATION_TESTS = \
	tests/integration/harness-selftest.sh \
	tests/integration/cli-basic.sh \
	tests/integration/cli-errors.sh \
	tests/integration/tls.sh \
	tests/integration/tunnel.sh \
	tests/integration/changes.sh \
	tests/integration/hostile-starttls-inject.sh \
	tests/integration/hostile-starttls-strip.sh \
	tests/integration/hostile-preauth.sh \
	tests/integration/hostile-oversized-literal.sh \
	tests/integration/hostile-truncated-literal.sh \
	tests/integration/hostile-disconnect-mid-fetch.sh \
	tests/integration/hostile-garbage.sh \
	tests/integration/hostile-escape.sh \
	tests/integration/hostile-imap4rev2.sh \
	tests/integration/trace.sh \
	tests/integration/hcache.sh \
	tests/integration/hcache-plain.sh \
	tests/integration/hcache-condstore.sh \
	tests/integration/bcache.sh \
	tests/integration/hcache-crash.sh \
	tests/integration/hcache-corrupt.sh \
	tests/integration/hcache-kill-loop.sh \
	tests/integration/worker.sh \
	tests/integration/worker-ops.sh \
	tests/integration/cli-triage.sh \
	tests/integration/cli-limit.sh \
	tests/integration/cli-triage-nomove.sh \
	tests/integration/cli-triage-nouidplus.sh

# UI tests: skua's full-screen interface driven inside a private tmux server (tests/ui/lib.sh).
SKUA_UI_TESTS = \
	tests/ui/ui-basic.sh \
	tests/ui/ui-terms.sh \
	tests/ui/ui-hung.sh \
	tests/ui/pager.sh \
	tests/ui/pager-viewers.sh \
	tests/ui/pager-render.sh \
	tests/ui/ui-flags.sh \
	tests/ui/ui-live.sh \
	tests/ui/ui-triage.sh \
	tests/ui/ui-limit.sh

INTEGRATION_TESTS += $(SKUA_INTEGRATION_TESTS) $(SKUA_UI_TESTS)
EXTRA_DIST += $(SKUA_INTEGRATION_TESTS) $(SKUA_UI_TESTS) tests/ui/lib.sh
