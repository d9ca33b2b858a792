#!/bin/bash
# hostile-preauth: "* PREAUTH" on a connection that must be protected by STARTTLS is refused (a clean
# error; nothing used in plaintext, no credentials sent). On a tls none account, PREAUTH is just a login.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
hostile_start preauth
hostile_config "$CONFIG" starttls
skua_run folders
clean_error || fail "PREAUTH accepted on an account that requires TLS (exit $RC)"
assert_not_contains "$OUT" "INBOX" "folders listed over an unprotected PREAUTH session"
hostile_no_plaintext_auth
cmds=$(hostile_plain_commands | sort -u | tr '\n' ' ')
for c in LIST LSUB SELECT EXAMINE STATUS FETCH; do
	assert_not_contains " $cmds" " $c " "$c sent over the unprotected PREAUTH session"
done
# tls none: PREAUTH is fine and the session is used
hostile_config "$CONFIG" none
skua_run folders
[ "$RC" -eq 0 ] || fail "PREAUTH with tls none failed"
assert_eq "$(printf 'Archive\t0\t0\nINBOX\t3\t1')" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders after PREAUTH"
hostile_check
echo "PASS: $TEST_NAME"
