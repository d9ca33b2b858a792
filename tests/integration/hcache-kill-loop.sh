#!/bin/bash
# hcache-kill-loop: skua SIGKILLed at many points of a sync (first open with chunked commits, reopens
# with flag changes, expunges and new mail) never leaves a cache that shows anything but the server's
# state: after every kill, a reopen equals doveadm's view, and so does the reopen after that.
# The kill points do not race the clock: the server's output goes through tests/harness/gate-pipe.py,
# which stops it at the chosen point (after the Nth header FETCH response, once skua sent a command, right
# after a server line) and keeps it stopped; skua is killed while it waits there, once its trace shows
# that it got that far.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start --count 9000 --lean
# reopens at full speed (the cache is keyed by account name: every config calls the account demo)
fast=$T/fast.conf
: >"$fast"
add_account "$fast" demo tunnel "$TUNNEL_CMD"
CONFIG=$fast

progress() { # progress ERE: skua's trace shows ERE
	grep -Eq -- "$1" "$T/trace.log" 2>/dev/null
}
check() { # check WHAT: a fast reopen, twice, equals the server
	skua_ok list INBOX -n 100000
	assert_eq "$(oracle list INBOX 100000)" "$OUT" "$1: reopen"
	skua_ok list INBOX -n 100000
	assert_eq "$(oracle list INBOX 100000)" "$OUT" "$1: second reopen"
}
kills=0
# kill_at WHAT ERE GATE-OPTIONS...: a sync through a gate that holds the server's output where
# GATE-OPTIONS say, SIGKILLed while it waits there once its trace shows ERE; then check WHAT.
kill_at() {
	local what=$1 ere=$2 conf=$T/kill.conf gate pid rc
	shift 2
	kills=$((kills + 1))
	gate=kill$kills
	: >"$conf"
	add_account "$conf" demo tunnel "$(gate_tunnel "$gate" "$@")"
	rm -f "$T/trace.log"
	"$SKUA" -F "$conf" -d "$T/trace.log" list INBOX -n 5 >"$T/killed.out" 2>"$T/killed.err" </dev/null &
	pid=$!
	KILL_PID=$pid KILL_ERE=$ere KILL_GATE=$gate
	wait_for 120 eval '{ gate_held "$KILL_GATE" && progress "$KILL_ERE"; } || ! running "$KILL_PID"'
	if ! running "$pid"; then
		wait "$pid"
		rc=$?
		echo "--- skua's stderr:" >&2
		tail -n 5 "$T/killed.err" >&2
		echo "--- the gate's log:" >&2
		gate_log "$gate" >&2
		fail "$what: skua had finished before the kill (exit $rc, held: $(gate_holds "$gate")); its trace ends: $(tail -n 3 "$T/trace.log" 2>/dev/null)"
	fi
	kill -KILL "$pid"
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	# 137: our SIGKILL ended it, mid-sync (it could not finish: the gate still holds)
	[ "$rc" -eq 137 ] || fail "$what: skua exited with $rc, not by the kill"
	gate_held "$gate" || fail "$what: the gate did not hold"
	check "$what"
}

# a first open killed at several depths (the cache commits every 4000 records, newest first): once it
# sent its first FETCH, and after N header FETCH responses (plus a few: skua's trace says "N headers
# read" every 500; the gate counts the responses, whatever skua does with some of them)
rm -rf "$XDG_CACHE_HOME/skua"
kill_at "first open killed at its first FETCH" 'C: s[0-9]+ (UID )?FETCH' --hold-on-command '^(UID )?FETCH'
for n in 500 3500 4500 8500; do
	rm -rf "$XDG_CACHE_HOME/skua"
	kill_at "first open killed at '$n headers read'" " $n headers read" \
		--hold-after-fetches $((n + 50)) --fetch-match HEADER
done
for round in 1 2 3 4 5 6; do
	# changes behind skua's back, then a reopen killed early or late
	$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid "$((round * 100)):$((round * 100 + 90))"
	$DOVEADM expunge -u "$USER" mailbox INBOX uid "$((round * 1000)):$((round * 1000 + 20))"
	for i in 1 2 3; do
		printf '%s\r\n' "Message-ID: <kill-$round-$i@example.org>" "Date: Tue, 1 Apr 2025 12:00:00 +0000" \
			"From: K <k@example.org>" "Subject: round $round $i" "" "body" |
			$DOVEADM save -u "$USER" -m INBOX
	done
	if [ $((round % 2)) = 0 ]; then
		# skua sent EXAMINE: the server's answer (and what came before it, unread) is held
		kill_at "reopen $round killed at EXAMINE" 'C: s[0-9]+ EXAMINE' --hold-on-command '^EXAMINE'
	else
		# the server said HIGHESTMODSEQ: the changes (VANISHED, FETCH) and the tagged OK are held
		kill_at "reopen $round killed at HIGHESTMODSEQ" 'S: \* OK \[HIGHESTMODSEQ' \
			--hold-after-line '^\* OK \[HIGHESTMODSEQ '
	fi
done
echo "PASS: $TEST_NAME"
