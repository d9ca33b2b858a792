#!/bin/bash
# hostile-starttls-strip: a server that does not offer STARTTLS (variant 1) or refuses it with NO (variant 2)
# to an account that requires STARTTLS: a clean error, and no LOGIN, AUTHENTICATE or password in plaintext.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
for variant in bad no; do
	hostile_start starttls-strip --variant "$variant"
	hostile_config "$CONFIG" starttls
	skua_run folders
	clean_error || fail "variant $variant: STARTTLS stripped but no clean error (exit $RC)"
	hostile_no_plaintext_auth
	assert_not_contains "$(hostile_plain_commands)" "LIST" "variant $variant: LIST sent without TLS"
	[ "$(hostile_accepted)" -ge 1 ] || fail "variant $variant: skua never connected"
	kill "$HOSTILE_PID"
done
hostile_check
echo "PASS: $TEST_NAME"
