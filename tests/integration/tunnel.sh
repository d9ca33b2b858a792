#!/bin/bash
# tunnel: an account with `tunnel` runs Dovecot's pre-authenticated imap over a pipe (no host, no user,
# no password) and lists folders and messages like any other account.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
: >"$CONFIG"
add_account "$CONFIG" tunnel tunnel "$TUNNEL_CMD"

skua_ok folders
assert_eq "$(oracle folders)" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders over the tunnel"
skua_ok list INBOX -n 10
assert_eq "$(oracle list INBOX 10)" "$OUT" "list over the tunnel"
skua_ok list 'Entwürfe'
assert_eq "$(oracle list 'Entwürfe')" "$OUT" "UTF-8 folder over the tunnel"
skua_ok show INBOX 122
assert_contains "$OUT" "Subject: Grüße aus Köln – Übersicht" "show over the tunnel"
skua_fails "no such folder" list NoSuchFolder

# a tunnel command that fails is a clean error, not a hang
: >"$CONFIG"
add_account "$CONFIG" broken tunnel "sh -c 'echo nope >&2; exit 3'"
skua_run folders
clean_error || fail "a failing tunnel command did not give a clean error"
# a tunnel that says nothing and exits
: >"$CONFIG"
add_account "$CONFIG" silent tunnel "true"
skua_run folders
clean_error || fail "a silent tunnel did not give a clean error"
echo "PASS: $TEST_NAME"
