#!/bin/bash
# hostile-truncated-literal: a literal announced as {5000} followed by 10 bytes and a closed connection
# gives a clean error (no crash, no partial message shown as if complete).
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
hostile_start truncated-literal
hostile_config "$CONFIG" none
skua_run list INBOX
clean_error || fail "truncated literal in list: no clean error (exit $RC)"
skua_run show INBOX 205
clean_error || fail "truncated literal in show: no clean error (exit $RC)"
assert_not_contains "$OUT" "Subject:" "a truncated message was shown"
hostile_check
echo "PASS: $TEST_NAME"
