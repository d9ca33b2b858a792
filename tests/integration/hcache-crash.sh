#!/bin/bash
# hcache-crash: skua killed with SIGKILL in the middle of filling the header cache leaves the cache as
# it was (LMDB transactions; a dead writer's lock is recovered): the next run neither hangs nor shows
# half a folder.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
# the same account twice: once through a gate that holds the server's output after half of the header
# FETCH responses (so that skua is killed while it fills the cache, whatever the machine's speed), once
# at full speed (the cache is keyed by account name, so both share it)
n=$(dv_status Archive messages)
[ "$n" -ge 10 ] || fail "Archive has only $n messages"
held=$T/held.conf fast=$T/fast.conf
: >"$held"
: >"$fast"
add_account "$held" demo tunnel "$(gate_tunnel half --hold-after-fetches $((n / 2)) --fetch-match HEADER)"
add_account "$fast" demo tunnel "$TUNNEL_CMD"

fetching() { grep -q 'S: \* [0-9]* FETCH' "$T/trace.log" 2>/dev/null; }
"$SKUA" -F "$held" -d "$T/trace.log" list Archive -n 5 >/dev/null 2>"$T/killed.err" </dev/null &
pid=$!
wait_for 60 eval '{ gate_held half && fetching; } || ! running '"$pid"
running "$pid" || fail "skua finished before the kill: $(tail -n 3 "$T/killed.err"; gate_log half)"
kill -KILL "$pid"
rc=0
wait "$pid" 2>/dev/null || rc=$?
[ "$rc" -eq 137 ] || fail "skua exited with $rc, not by the kill"
[ -f "$XDG_CACHE_HOME/skua/hcache.mdb" ] || fail "the cache was never created"

# the next run must not hang on the dead writer's lock, must be right, and must not trust a half cache
CONFIG=$fast
skua_ok -d "$T/after.log" list Archive -n 1000
assert_eq "$(oracle list Archive 1000)" "$OUT" "the folder after a killed run"
assert_contains "$(cat "$T/after.log")" "0 from cache, $n fetched" "nothing half-written was taken from the cache"
# and now it is complete: the following run takes everything from the cache
rm -f "$T/after.log"
skua_ok -d "$T/after.log" list Archive -n 1000
assert_eq "$(oracle list Archive 1000)" "$OUT" "the folder from the cache"
assert_contains "$(cat "$T/after.log")" "$n from cache, 0 fetched" "warm after the recovery"
echo "PASS: $TEST_NAME"
