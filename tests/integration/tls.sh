#!/bin/bash
# tls: implicit TLS and STARTTLS verify the server certificate (chain and host name, RFC 7817) and never
# log in when verification fails.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start

logins() { grep -c 'imap-login: Info: Login: user=<skua>' "$DOVECOT_LOG" || true; }
expected=$(oracle folders)

cfg() { # cfg NAME KEY VALUE...: a one-account config in $CONFIG
	: >"$CONFIG"
	add_account "$CONFIG" "$@"
}

# implicit TLS with the harness CA: works, by name and by IP address (the certificate has both)
cfg imaps host localhost port "$IMAPS_PORT" tls implicit user "$USER" password "$PASS" ca-file "$CA_FILE"
skua_ok folders
assert_eq "$expected" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders over imaps"
cfg imaps host 127.0.0.1 port "$IMAPS_PORT" user "$USER" password "$PASS" ca-file "$CA_FILE"
skua_ok list INBOX -n 3
assert_eq "$(oracle list INBOX 3)" "$OUT" "list over imaps (IP address SAN, tls defaults to implicit)"

# STARTTLS on the plain port with the CA: works
cfg st host localhost port "$IMAP_PORT" tls starttls user "$USER" password "$PASS" ca-file "$CA_FILE"
skua_ok folders
assert_eq "$expected" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders over STARTTLS"
grep -q 'Login: user=<skua>, method=[A-Z]*, rip=127.0.0.1, lip=127.0.0.1, mpid=[0-9]*, TLS' "$DOVECOT_LOG" ||
	fail "Dovecot did not log a login over TLS on the plain port"

before=$(logins)
# implicit TLS without ca-file: the test CA is not in the system store
cfg nocafile host localhost port "$IMAPS_PORT" tls implicit user "$USER" password "$PASS"
skua_fails "certificate" folders
# the untrusted self-signed certificate as the only trust anchor
cfg untrusted host localhost port "$IMAPS_PORT" tls implicit user "$USER" password "$PASS" ca-file "$UNTRUSTED_CERT"
skua_fails "certificate" folders
# right CA, wrong name: 127.0.0.2 is not in the certificate
cfg wrongname host 127.0.0.2 port "$IMAPS_PORT" tls implicit user "$USER" password "$PASS" ca-file "$CA_FILE"
skua_fails "certificate" folders
# the same failures through STARTTLS
cfg st-nocafile host localhost port "$IMAP_PORT" tls starttls user "$USER" password "$PASS"
skua_fails "certificate" folders
cfg st-wrongname host 127.0.0.2 port "$IMAP_PORT" tls starttls user "$USER" password "$PASS" ca-file "$CA_FILE"
skua_fails "certificate" folders
cfg st-untrusted host localhost port "$IMAP_PORT" tls starttls user "$USER" password "$PASS" ca-file "$UNTRUSTED_CERT"
skua_fails "certificate" list INBOX
# a ca-file that does not exist is an error too (not a silent fallback)
cfg missing host localhost port "$IMAPS_PORT" tls implicit user "$USER" password "$PASS" ca-file "$T/nope.pem"
skua_run folders
clean_error || fail "a missing ca-file did not give a clean error"
assert_eq "$before" "$(logins)" "no login happened after a failed certificate check"

# implicit TLS against the plain port (server speaks plaintext): a clean error, never a hang
cfg mismatch host localhost port "$IMAP_PORT" tls implicit user "$USER" password "$PASS" ca-file "$CA_FILE"
skua_run folders
clean_error || fail "TLS to a plaintext port did not fail cleanly"
echo "PASS: $TEST_NAME"
