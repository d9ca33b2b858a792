#!/bin/bash
# bcache: `show` keeps each message it fetched in the body cache and reads it from there the next time
# (after checking with the server that the message still exists and has the same size); a cached file
# is untrusted input; an expunged message is gone even when cached; no usable cache means no cache.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"

show() { # show UID WHAT: skua show INBOX UID with a fresh trace
	rm -f "$T/trace.log"
	skua_ok -d "$T/trace.log" show INBOX "$1"
	TRACE=$(cat "$T/trace.log")
}

show 122 "first"
first=$OUT
assert_contains "$first" "Subject: Grüße aus Köln – Übersicht" "the message"
assert_contains "$TRACE" "UID FETCH 122 (UID BODY.PEEK[])" "fetched from the server"
file=$(find "$XDG_CACHE_HOME/skua/bodies" -type f -name 122)
[ -n "$file" ] && [ -f "$file" ] || fail "no cached body for UID 122"
assert_eq 600 "$(stat -c %a "$file")" "cached body mode"
assert_eq "" "$(find "$XDG_CACHE_HOME/skua/bodies" -name '.tmp*')" "no temporary file left"

show 122 "second"
assert_eq "$first" "$OUT" "same output from the cache"
assert_contains "$TRACE" "from the body cache" "read from the cache"
assert_not_contains "$TRACE" "BODY.PEEK[]" "no body fetch the second time"
assert_contains "$TRACE" "UID FETCH 122 (UID RFC822.SIZE)" "existence and size checked"

# a cached file of the right size but hostile content is shown sanitised
size=$(stat -c %s "$file")
"$PYTHON3" - "$file" "$size" <<'PY'
import sys
path, size = sys.argv[1], int(sys.argv[2])
data = b"Subject: \x1b]0;pwned\x07\x1b[2J\r\n\r\n\xe2\x80\xae" + b"\x1b[31m" * size
open(path, "wb").write(data[:size])
PY
show 122 "hostile cached content"
no_terminal_controls "$T/skua.out" "$T/skua.err"

# a cached file of another size is fetched again
printf 'short' >"$file"
show 122 "truncated cache file"
assert_eq "$first" "$OUT" "refetched after a size mismatch"
assert_contains "$TRACE" "BODY.PEEK[]" "fetched again"

# expunged on the server: gone, cached or not
$DOVEADM expunge -u "$USER" mailbox INBOX uid 122
skua_fails "no such message" show INBOX 122

# no usable cache directory: still shown
rm -rf "$XDG_CACHE_HOME/skua"
mkdir -p "$XDG_CACHE_HOME" && : >"$XDG_CACHE_HOME/skua"
show 123 "without a cache"
assert_contains "$OUT" "Subject: Quarterly numbers" "shown without a cache"
echo "PASS: $TEST_NAME"
