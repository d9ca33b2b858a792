#!/bin/bash
# cli-errors: every failure is a non-zero exit with exactly one line on stderr naming the cause:
# config error (FILE:LINE:), unknown account, unknown folder, unknown UID, connection refused,
# authentication failed. Secrets never appear in messages.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"

# config errors name the file and the line
bad=$T/bad-config
write_config "$bad" <<EOF
# a comment
account broken
    host 127.0.0.1
    frobnicate yes
    user skua
EOF
CONFIG=$bad skua_fails "$bad:4:" folders
write_config "$bad" <<EOF
account broken
    host 127.0.0.1
    port 99999999
EOF
CONFIG=$bad skua_fails "$bad:3:" folders
write_config "$bad" <<EOF
account broken
    host 127.0.0.1
    password "unterminated
EOF
CONFIG=$bad skua_fails "$bad:3:" folders
CONFIG=$T/does-not-exist skua_fails "$T/does-not-exist" folders
# tls none is for loopback only: refused for any other host, before any connection is tried
write_config "$bad" <<EOF
account faraway
    host 192.0.2.1
    port 143
    tls none
    user skua
    password-command "echo skua-pass"
EOF
SKUA_TIMEOUT=20 CONFIG=$bad skua_fails "$bad:" folders

# unknown account
skua_fails "unknown account" -a nosuchaccount folders
assert_contains "$ERR" "nosuchaccount" "the message names the account"

# unknown folder, for list and show
skua_fails "no such folder" list NoSuchFolder
skua_fails "no such folder" show NoSuchFolder 1
skua_fails "no such folder" list 'Lists/nope'

# unknown UID (and a UID that is not a number)
skua_fails "no such message" show INBOX 99999
skua_fails "no such message" show INBOX 0
skua_fails "no such message" show Archive 4294967295

# connection refused: a loopback port nobody listens on
closed=$("$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cfg=$T/refused
: >"$cfg"
add_account "$cfg" refused host 127.0.0.1 port "$closed" tls none user skua password "x"
CONFIG=$cfg skua_fails "connection refused" folders

# authentication failed: wrong password-command output, and a wrong literal password
cfg=$T/wrongpw
: >"$cfg"
add_account "$cfg" wrong host 127.0.0.1 port "$IMAP_PORT" tls none user skua password-command "echo not-the-password"
add_account "$cfg" wrong2 host localhost port "$IMAPS_PORT" user skua password "Secret-Literal-42" ca-file "$CA_FILE"
CONFIG=$cfg skua_fails "authentication failed" folders
assert_not_contains "$ERR" "not-the-password" "the secret is not echoed"
CONFIG=$cfg skua_fails "authentication failed" -a wrong2 list INBOX
assert_not_contains "$ERR" "Secret-Literal-42" "the secret is not echoed"

# usage errors are errors too (non-zero, one line), not crashes
skua_run list
[ "$RC" -ne 0 ] || fail "list without a folder succeeded"
skua_run --sort nonsense list INBOX
[ "$RC" -ne 0 ] || fail "an unknown sort order was accepted"
echo "PASS: $TEST_NAME"
