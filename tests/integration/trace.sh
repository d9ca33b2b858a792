#!/bin/bash
# trace: `skua -d FILE` writes a protocol trace (mode 0600) in which no credential appears: not the
# password, not its SASL PLAIN base64 form, not a LOGIN argument; the commands themselves are there.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
add_account "$CONFIG" login host 127.0.0.1 port "$IMAP_PORT" tls none user "$USER" password "$PASS" auth login

b64=$(printf '\0%s\0%s' "$USER" "$PASS" | base64)
for acct in plain starttls imaps login; do
	log=$T/trace-$acct.log
	skua_ok -d "$log" -a "$acct" folders
	[ -f "$log" ] || fail "$acct: no trace written"
	mode=$(stat -c %a "$log")
	assert_eq 600 "$mode" "$acct: trace file mode"
	trace=$(cat "$log")
	assert_not_contains "$trace" "$PASS" "$acct: password in the trace"
	assert_not_contains "$trace" "$b64" "$acct: SASL PLAIN response in the trace"
	assert_contains "$trace" "<redacted>" "$acct: redaction marker"
	assert_contains "$trace" "LIST \"\" \"*\"" "$acct: LIST command traced"
	assert_contains "$trace" "S: * LIST" "$acct: server responses traced"
done
assert_contains "$(cat "$T/trace-login.log")" "C: s1 LOGIN <redacted>" "LOGIN redacted"
assert_contains "$(cat "$T/trace-plain.log")" "AUTHENTICATE PLAIN <redacted>" "AUTHENTICATE redacted"
echo "PASS: $TEST_NAME"
