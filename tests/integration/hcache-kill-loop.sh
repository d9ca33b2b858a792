#!/bin/bash
# hcache-kill-loop: skua SIGKILLed at many points of a sync (first open with chunked commits, reopens
# with flag changes, expunges and new mail) never leaves a cache that shows anything but the server's
# state: after every kill, a reopen equals doveadm's view, and so does the reopen after that.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start --count 9000 --lean
# the same account twice: the server's output slowed to 1 MB/s (so that a kill lands mid-sync), and
# at full speed (the cache is keyed by account name, so both share it)
slow=$T/slow.conf slower=$T/slower.conf fast=$T/fast.conf
: >"$slow"
: >"$slower"
: >"$fast"
add_account "$slow" demo tunnel "$PYTHON3 $HARNESS_DIR/slow-pipe.py 1000000 '$TUNNEL_CMD'"
add_account "$slower" demo tunnel "$PYTHON3 $HARNESS_DIR/slow-pipe.py 10000 '$TUNNEL_CMD'"
add_account "$fast" demo tunnel "$TUNNEL_CMD"
CONFIG=$fast

progress() { # progress PATTERN: the trace shows PATTERN
	grep -q -- "$1" "$T/trace.log" 2>/dev/null
}
check() { # check WHAT: a fast reopen, twice, equals the server
	skua_ok list INBOX -n 100000
	assert_eq "$(oracle list INBOX 100000)" "$OUT" "$1: reopen"
	skua_ok list INBOX -n 100000
	assert_eq "$(oracle list INBOX 100000)" "$OUT" "$1: second reopen"
}
kill_after() { # kill_after CONFIG PATTERN WHAT: a slow sync SIGKILLed once its trace shows PATTERN
	rm -f "$T/trace.log"
	"$SKUA" -F "$1" -d "$T/trace.log" list INBOX -n 5 >/dev/null 2>&1 &
	local pid=$!
	KILL_AT=$2
	wait_for 60 eval 'progress "$KILL_AT" || ! kill -0 '"$pid"' 2>/dev/null'
	kill -KILL "$pid" 2>/dev/null || fail "$3: skua had finished before the kill; its trace ends: $(tail -n 3 "$T/trace.log" 2>/dev/null)"
	wait "$pid" 2>/dev/null
	check "$3"
}

for at in 'C: s[0-9]* FETCH' ' 500 headers read' ' 3500 headers read' ' 4500 headers read' ' 8500 headers read'; do
	# a first open killed at several depths (the cache commits every few thousand records)
	rm -rf "$XDG_CACHE_HOME/skua"
	kill_after "$slow" "$at" "first open killed at '$at'"
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
	if [ $((round % 2)) = 0 ]; then at='C: s[0-9]* EXAMINE'; else at='S: \* OK \[HIGHESTMODSEQ'; fi
	kill_after "$slower" "$at" "reopen $round killed at '$at'"
done
echo "PASS: $TEST_NAME"
