#!/bin/bash
# hcache: with the header cache a second `list` sends no FETCH when nothing changed; with QRESYNC only
# the changes since the cached HIGHESTMODSEQ cross the wire, without it (HCACHE_MODE=plain, CONDSTORE and
# QRESYNC hidden) one UID/FLAGS fetch plus the new messages' headers. Always the right output; a damaged
# or unusable cache is bypassed, never an error.
mode=${HCACHE_MODE:-qresync}
if [ "$mode" = plain ]; then
	export DOVECOT_EXTRA='protocol imap {\n imap_capability = IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS LIST-EXTENDED LIST-STATUS SPECIAL-USE ESEARCH MOVE\n}'
fi
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
if [ "$mode" = qresync ]; then
	assert_contains "$TRACE" "$n from cache, 0 fetched, 0 flag changes, 0 expunged (unchanged)" "warm: all from the cache"
	assert_eq 0 "$(fetches)" "warm: no FETCH at all"
else
	assert_not_contains "$TRACE" "ENABLE QRESYNC" "QRESYNC hidden"
	assert_contains "$TRACE" "$n from cache, 0 fetched, 0 flag changes, 0 expunged" "warm: all from the cache"
	assert_contains "$TRACE" "UID FETCH 1:* (UID FLAGS)" "warm without CONDSTORE: flags resynced"
	assert_eq 1 "$(fetches)" "warm without CONDSTORE: no header fetch"
fi

$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid 120
run_list "after a flag change"
assert_contains "$TRACE" "1 flag changes" "one flag change"
assert_eq 1 "$(fetches)" "no header fetch for a flag change"
if [ "$mode" = qresync ]; then
	assert_contains "$TRACE" "(UID FLAGS) (CHANGEDSINCE " "only changes asked for"
	assert_contains "$TRACE" "S: * 120 FETCH" "the changed message reported"
else
	assert_contains "$TRACE" "UID FETCH 1:* (UID FLAGS)" "flags resynced"
fi

printf '%s\r\n' "Message-ID: <hcache-1@example.org>" "Date: Tue, 1 Apr 2025 12:00:00 +0000" \
	"From: New <new@example.org>" "Subject: only this one" "" "body" | $DOVEADM save -u "$USER" -m INBOX
uid=$(dv_status INBOX uidnext); uid=$((uid - 1))
run_list "after a new message"
assert_contains "$TRACE" "$n from cache, 1 fetched" "only the new message fetched"
if [ "$mode" = qresync ]; then
	assert_contains "$TRACE" "UID FETCH $uid:* (UID FLAGS INTERNALDATE" "fetched from the old UIDNEXT"
else
	assert_contains "$TRACE" "UID FETCH $uid (UID FLAGS INTERNALDATE" "fetched by its UID"
fi

$DOVEADM expunge -u "$USER" mailbox INBOX uid 120
$DOVEADM flags remove -u "$USER" '\Seen' mailbox INBOX uid 100:110
run_list "after an expunge and flag changes"
assert_contains "$TRACE" "1 expunged" "the expunge seen"
[ "$mode" = qresync ] && assert_contains "$TRACE" "VANISHED (EARLIER) 120" "reported as vanished"

# a damaged cache file: bypassed, right output
head -c 20000 /dev/urandom >"$XDG_CACHE_HOME/skua/hcache.mdb"
run_list "with a damaged cache"
# an unusable cache directory
rm -rf "$XDG_CACHE_HOME/skua"
mkdir -p "$XDG_CACHE_HOME" && : >"$XDG_CACHE_HOME/skua"
run_list "with no usable cache directory"
echo "PASS: $TEST_NAME ($mode)"
