#!/bin/bash
# hcache: reopening a cached folder after flags changed, messages were expunged and appended, and the
# UIDVALIDITY was reset behind skua's back shows exactly the server's state every time, by the method
# the server allows: HCACHE_MODE=qresync (EXAMINE with QRESYNC), condstore (QRESYNC hidden:
# CHANGEDSINCE + UID SEARCH), plain (both hidden: a UID/FLAGS sweep). A first open reads newest first.
mode=${HCACHE_MODE:-qresync}
base='IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS LIST-EXTENDED LIST-STATUS SPECIAL-USE ESEARCH MOVE'
case $mode in
plain) export DOVECOT_EXTRA="protocol imap {\n imap_capability = $base\n}" ;;
condstore) export DOVECOT_EXTRA="protocol imap {\n imap_capability = $base CONDSTORE\n}" ;;
esac
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start --demo --count 700
harness_config "$CONFIG"

run_list() { # run_list FOLDER WHAT: the whole folder with a fresh trace, checked against doveadm
	rm -f "$T/trace.log"
	skua_ok -d "$T/trace.log" list "$1" -n 100000
	assert_eq "$(oracle list "$1" 100000)" "$OUT" "list $1 ($2)"
	TRACE=$(cat "$T/trace.log")
}
sent() { printf '%s\n' "$TRACE" | grep -c "C: s[0-9]* $1" || true; }
save() { # save FOLDER ID SUBJECT: appends a message with doveadm
	printf '%s\r\n' "Message-ID: <$2@example.org>" "Date: Tue, 1 Apr 2025 12:00:00 +0000" \
		"From: New <new@example.org>" "Subject: $3" "" "body" | $DOVEADM save -u "$USER" -m "$1"
}
expect_method() { # expect_method WHAT: the trace names the method this mode must use
	case $mode in
	qresync)
		assert_contains "$TRACE" "(qresync" "$1: QRESYNC used"
		assert_contains "$TRACE" 'EXAMINE "INBOX" (QRESYNC (' "$1: EXAMINE with QRESYNC"
		assert_eq 0 "$(sent 'UID FETCH 1:\* (UID FLAGS)')" "$1: no flag sweep" ;;
	condstore)
		assert_not_contains "$TRACE" "ENABLE QRESYNC" "$1: QRESYNC hidden"
		assert_contains "$TRACE" "(condstore" "$1: CONDSTORE used"
		assert_contains "$TRACE" "(UID FLAGS) (CHANGEDSINCE " "$1: only changed flags asked for"
		assert_contains "$TRACE" "UID SEARCH RETURN (ALL) ALL" "$1: UID list for expunges" ;;
	plain)
		assert_not_contains "$TRACE" "CONDSTORE" "$1: CONDSTORE hidden"
		assert_contains "$TRACE" "(sweep" "$1: flag sweep used"
		assert_contains "$TRACE" "UID FETCH 1:* (UID FLAGS)" "$1: flags swept" ;;
	esac
	assert_not_contains "$TRACE" "fell back" "$1: the fast path added up"
}

n=$(dv_status INBOX messages)
[ "$n" -gt 300 ] || fail "the harness INBOX should hold more than one first chunk (has $n)"
run_list INBOX "cold"
assert_contains "$TRACE" "list INBOX: 0 from cache, $n fetched, 0 flag changes, 0 expunged (cold" "cold: everything fetched"
first=$(printf '%s\n' "$TRACE" | grep -m1 -o 'C: s[0-9]* FETCH [0-9]*:[0-9]*' | awk '{print $4}')
assert_eq "$((n - 249)):$n" "$first" "cold: the newest messages asked for first"
[ -f "$XDG_CACHE_HOME/skua/hcache.mdb" ] || fail "no cache file in $XDG_CACHE_HOME/skua"
assert_eq 600 "$(stat -c %a "$XDG_CACHE_HOME/skua/hcache.mdb")" "cache file mode"

run_list INBOX "warm, unchanged"
assert_contains "$TRACE" "$n from cache, 0 fetched, 0 flag changes, 0 expunged" "warm: all from the cache"
[ "$mode" = plain ] || assert_contains "$TRACE" "unchanged" "warm: seen as unchanged"
expect_method "unchanged"

$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid 120
run_list INBOX "after a flag change"
assert_contains "$TRACE" "$n from cache, 0 fetched, 1 flag changes, 0 expunged" "one flag change, no headers"
expect_method "flag change"

save INBOX hcache-1 "only this one"
run_list INBOX "after a new message"
assert_contains "$TRACE" "$n from cache, 1 fetched, 0 flag changes" "only the new message fetched"
expect_method "new message"

$DOVEADM expunge -u "$USER" mailbox INBOX uid 120
$DOVEADM flags remove -u "$USER" '\Seen' mailbox INBOX uid 100:110
run_list INBOX "after an expunge and flag changes"
assert_contains "$TRACE" "1 expunged" "the expunge seen"
[ "$mode" = qresync ] && assert_contains "$TRACE" "VANISHED (EARLIER) 120" "reported as vanished"
expect_method "expunge"

# everything at once: 10% of the flags, five new, five gone (one of them new since the last open)
$DOVEADM flags add -u "$USER" '\Answered' mailbox INBOX uid 1:$((n / 10))
for i in 1 2 3 4 5; do save INBOX "hcache-m$i" "mixed $i"; done
last=$(($(dv_status INBOX uidnext) - 1))
$DOVEADM expunge -u "$USER" mailbox INBOX uid "30:33,$last"
run_list INBOX "after mixed changes"
assert_contains "$TRACE" "4 fetched" "the four surviving new messages fetched"
assert_contains "$TRACE" "4 expunged" "four cached messages gone"
expect_method "mixed changes"
assert_eq "$(dv_status INBOX messages)" "$(printf '%s\n' "$OUT" | wc -l)" "message count"

# UIDVALIDITY reset: a folder deleted and made again reuses UIDs 1..3 for other mail
$DOVEADM mailbox create -u "$USER" Renew
for i in 1 2 3; do save Renew "old-$i" "old message $i"; done
run_list Renew "first"
uv1=$(dv_status Renew uidvalidity)
$DOVEADM mailbox delete -u "$USER" Renew
$DOVEADM mailbox create -u "$USER" Renew
[ "$(dv_status Renew uidvalidity)" != "$uv1" ] || $DOVEADM mailbox update -u "$USER" --uid-validity $((uv1 + 7)) Renew
for i in 1 2 3; do save Renew "new-$i" "renewed message $i"; done
run_list Renew "after a UIDVALIDITY change"
assert_contains "$OUT" "renewed message 1" "new contents shown"
assert_not_contains "$OUT" "old message" "nothing of the old mailbox"
assert_contains "$TRACE" "0 from cache, 3 fetched" "the old records not used"
run_list Renew "reopened"
assert_contains "$TRACE" "3 from cache, 0 fetched" "the new records cached"

# an unusable cache directory: bypassed, never an error
rm -rf "$XDG_CACHE_HOME/skua"
mkdir -p "$XDG_CACHE_HOME" && : >"$XDG_CACHE_HOME/skua"
run_list INBOX "with no usable cache directory"
echo "PASS: $TEST_NAME ($mode)"
