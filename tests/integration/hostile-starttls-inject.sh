#!/bin/bash
# hostile-starttls-inject: plaintext injected right after "OK Begin TLS" (a CAPABILITY, a LIST of a folder
# named INJECTED, tagged OKs for the next tags) must have no effect: skua either drops the connection
# (a clean error) or ignores it and gives the correct result; nothing but STARTTLS goes out in plaintext.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
hostile_start starttls-inject
hostile_config "$CONFIG" starttls
skua_run folders
if clean_error; then
	note "skua refused the injected plaintext: $ERR"
else
	[ "$RC" -eq 0 ] || fail "neither a clean error nor a result"
	assert_eq "$(printf 'Archive\t0\t0\nINBOX\t3\t1')" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders"
fi
assert_not_contains "$OUT$ERR" "INJECTED" "the injected LIST response was used"
skua_run list INBOX
if ! clean_error; then
	[ "$RC" -eq 0 ] || fail "neither a clean error nor a result"
	assert_eq 3 "$(nlines "$OUT")" "list INBOX"
fi
hostile_no_plaintext_auth
cmds=$(hostile_plain_commands | sort -u | tr '\n' ' ')
case $cmds in
"" | "CAPABILITY " | "CAPABILITY STARTTLS " | "STARTTLS ") ;;
*) fail "commands other than CAPABILITY/STARTTLS sent in plaintext: $cmds" ;;
esac
hostile_check
echo "PASS: $TEST_NAME"
