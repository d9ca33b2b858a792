#!/bin/bash
# hostile-disconnect-mid-fetch: the server closes the connection halfway through every multi-message FETCH
# response. skua either fails cleanly or (reconnecting and resuming) lists all 20 messages correctly.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
hostile_start disconnect-mid-fetch
hostile_config "$CONFIG" none
skua_run list INBOX
if clean_error; then
	note "clean error: $ERR"
else
	[ "$RC" -eq 0 ] || fail "neither a clean error nor a result (exit $RC)"
	assert_eq 20 "$(nlines "$OUT")" "all 20 messages after resuming"
	assert_eq "$(seq 20 -1 1)" "$(printf '%s\n' "$OUT" | cut -f1)" "newest first"
	assert_eq "Bulk message 20" "$(line 1 "$OUT" | cut -f5)" "subject"
fi
skua_run show INBOX 7
[ "$RC" -eq 0 ] || clean_error || fail "show: neither a clean error nor a result"
[ "$RC" -ne 0 ] || assert_contains "$OUT" "Bulk body 7." "a single-message fetch works"
hostile_check
echo "PASS: $TEST_NAME"
