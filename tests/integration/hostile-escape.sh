#!/bin/bash
# hostile-escape: folder names, subjects, senders and bodies carrying ESC sequences, C1 controls and bidi
# overrides (raw, RFC 2047 and modified UTF-7): skua succeeds and none of them reach stdout or stderr.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
hostile_start escape
hostile_config "$CONFIG" none
: >"$T/all.out"
run() {
	skua_run "$@"
	[ "$RC" -eq 0 ] || clean_error || fail "$*: neither success nor a clean error"
	cp "$T/skua.out" "$T/out.$1" && cat "$T/skua.out" "$T/skua.err" >>"$T/all.out"
}
run folders
[ "$RC" -eq 0 ] || fail "folders failed on hostile names"
assert_eq 5 "$(nlines "$OUT")" "every folder listed (sanitised, not dropped)"
assert_contains "$OUT" "Evil" "the ESC folder is shown, sanitised"
run list INBOX
[ "$RC" -eq 0 ] || fail "list failed on hostile headers"
assert_eq 3 "$(nlines "$OUT")" "three messages"
assert_contains "$OUT" "C1-CSI" "the hostile subject is shown, sanitised"
assert_contains "$OUT" "Mallory" "the hostile sender is shown, sanitised"
for uid in 1 2 3; do
	run show INBOX "$uid"
	[ "$RC" -eq 0 ] || fail "show $uid failed"
done
skua_run show INBOX 1
assert_contains "$OUT" "HOSTILE-ESCAPE-BODY" "the body is shown"
# error messages quote names from the network too
run list "$(printf 'Evil\033[31mRed')"
run list "$(printf 'Nope\033]0;x\007')"
no_terminal_controls "$T/all.out"
hostile_check
echo "PASS: $TEST_NAME"
