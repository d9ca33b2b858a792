#!/bin/bash
# changes: skua sees what changed behind its back (doveadm adds, expunges, flags; a folder recreated
# with a new UIDVALIDITY) even with a warm cache in XDG_CACHE_HOME.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"

check() { # check WHAT: list INBOX -n 8 and folders agree with doveadm
	skua_ok folders
	assert_eq "$(oracle folders)" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders after $1"
	skua_ok list INBOX -n 8
	assert_eq "$(oracle list INBOX 8)" "$OUT" "list INBOX after $1"
}

check "the first run"
check "a second run (warm cache)"

# a new message
printf '%s\r\n' "Message-ID: <changes-1@example.org>" "Date: Tue, 1 Apr 2025 12:00:00 +0000" \
	"From: New Sender <new@example.org>" "To: skua@example.org" "Subject: Arrived behind your back" \
	"" "new body" | $DOVEADM save -u "$USER" -m INBOX
check "a new message"
assert_eq "$(printf '125\tN\t2025-04-01 12:00\tNew Sender\tArrived behind your back')" "$(line 1 "$OUT")" \
	"the new message is the newest"
skua_ok list INBOX -n 1
assert_eq "$(printf '125\tN\t2025-04-01 12:00\tNew Sender\tArrived behind your back')" "$OUT" "the new message"

# flags changed
$DOVEADM flags add -u "$USER" '\Flagged \Answered' mailbox INBOX uid 121
$DOVEADM flags add -u "$USER" '\Seen' mailbox INBOX uid 125
$DOVEADM flags remove -u "$USER" '\Seen \Flagged' mailbox INBOX uid 123
check "flag changes"
skua_ok list INBOX -n 5
assert_contains "$OUT" "$(printf '121\tFR\t')" "flagged and answered"
assert_contains "$OUT" "$(printf '123\tN\t')" "unseen again, no longer flagged"
assert_contains "$OUT" "$(printf '125\t-\t')" "seen"

# expunged
$DOVEADM expunge -u "$USER" mailbox INBOX uid 124
$DOVEADM expunge -u "$USER" mailbox INBOX uid 1:10
check "expunges"
assert_not_contains "$(printf '%s\n' "$OUT" | cut -f1)" "124" "an expunged message is gone"
skua_fails "no such message" show INBOX 124
skua_ok list INBOX -n 1000
assert_eq "$(oracle list INBOX 1000)" "$OUT" "the whole INBOX after expunges"

# the folder is recreated: new UIDVALIDITY, UIDs start again at 1 with other messages
skua_ok list Lists/announce -n 5
old_validity=$(dv_status Lists/announce uidvalidity)
$DOVEADM mailbox delete -u "$USER" Lists/announce
$DOVEADM mailbox create -u "$USER" Lists/announce
for i in 1 2; do
	printf '%s\r\n' "Message-ID: <recreated-$i@example.org>" "Date: Wed, 2 Apr 2025 0$i:00:00 +0000" \
		"From: Announcer <announce@example.org>" "Subject: Recreated $i" "" "body $i" |
		$DOVEADM save -u "$USER" -m Lists/announce
done
[ "$(dv_status Lists/announce uidvalidity)" != "$old_validity" ] || {
	# same second: force a different UIDVALIDITY
	$DOVEADM mailbox update -u "$USER" --uid-validity $((old_validity + 7)) Lists/announce
}
skua_ok list Lists/announce -n 5
assert_eq "$(printf '2\tN\t2025-04-02 02:00\tAnnouncer\tRecreated 2\n1\tN\t2025-04-02 01:00\tAnnouncer\tRecreated 1')" \
	"$OUT" "a new UIDVALIDITY replaces the cached messages"
skua_ok show Lists/announce 1
assert_contains "$OUT" "body 1" "show after UIDVALIDITY change"
echo "PASS: $TEST_NAME"
