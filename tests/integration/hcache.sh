#!/bin/bash
# hcache: the header cache means a second `list` sends no FETCH when nothing changed, fetches only flags
# when flags changed, only the new message's headers when one arrived; a damaged or unwritable cache
# is bypassed with the right output, never an error.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"

run_list() { # run_list WHAT: list INBOX with a fresh trace; checks the output against doveadm
	rm -f "$T/trace.log"
	skua_ok -d "$T/trace.log" list INBOX -n 20
	assert_eq "$(oracle list INBOX 20)" "$OUT" "list INBOX ($1)"
	TRACE=$(cat "$T/trace.log")
}
fetches() { printf '%s\n' "$TRACE" | grep -c 'C: s[0-9]* UID FETCH' || true; }

n=$(dv_status INBOX messages)
run_list "cold"
assert_contains "$TRACE" "list INBOX: 0 from cache, $n fetched" "cold: everything fetched"
[ -f "$XDG_CACHE_HOME/skua/hcache.mdb" ] || fail "no cache file in $XDG_CACHE_HOME/skua"
assert_eq 600 "$(stat -c %a "$XDG_CACHE_HOME/skua/hcache.mdb")" "cache file mode"

run_list "warm, unchanged"
assert_contains "$TRACE" "$n from cache, 0 fetched, 0 flag changes, 0 expunged (unchanged)" "warm: all from the cache"
assert_eq 0 "$(fetches)" "warm: no FETCH at all"

$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid 120
run_list "after a flag change"
assert_contains "$TRACE" "1 flag changes" "one flag change"
assert_contains "$TRACE" "UID FETCH 1:* (UID FLAGS)" "flags resynced"
assert_eq 1 "$(fetches)" "no header fetch for a flag change"

printf '%s\r\n' "Message-ID: <hcache-1@example.org>" "Date: Tue, 1 Apr 2025 12:00:00 +0000" \
	"From: New <new@example.org>" "Subject: only this one" "" "body" | $DOVEADM save -u "$USER" -m INBOX
uid=$(dv_status INBOX uidnext); uid=$((uid - 1))
run_list "after a new message"
assert_contains "$TRACE" "$n from cache, 1 fetched" "only the new message fetched"
assert_contains "$TRACE" "UID FETCH $uid (UID FLAGS" "fetched by its UID"

$DOVEADM expunge -u "$USER" mailbox INBOX uid 120
run_list "after an expunge"
assert_contains "$TRACE" "1 expunged" "the expunge seen"

# a damaged cache file: bypassed, right output
head -c 20000 /dev/urandom >"$XDG_CACHE_HOME/skua/hcache.mdb"
run_list "with a damaged cache"
# an unwritable cache directory
rm -rf "$XDG_CACHE_HOME/skua"
mkdir -p "$XDG_CACHE_HOME" && : >"$XDG_CACHE_HOME/skua"
run_list "with no usable cache directory"
echo "PASS: $TEST_NAME"
