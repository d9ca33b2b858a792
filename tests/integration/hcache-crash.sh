#!/bin/bash
# hcache-crash: skua killed with SIGKILL in the middle of filling the header cache leaves the cache as
# it was (LMDB transactions; a dead writer's lock is recovered): the next run neither hangs nor shows
# half a folder.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
# the same account twice: once with the server's output slowed to 40 KB/s so that the FETCH takes a
# while, once at full speed (the cache is keyed by account name, so both share it)
slow=$T/slow.conf fast=$T/fast.conf
: >"$slow"
: >"$fast"
add_account "$slow" demo tunnel "$PYTHON3 $HARNESS_DIR/slow-pipe.py 40000 '$TUNNEL_CMD'"
add_account "$fast" demo tunnel "$TUNNEL_CMD"
n=$(dv_status Archive messages)

fetching() { grep -q 'S: \* [0-9]* FETCH' "$T/trace.log" 2>/dev/null; }
"$SKUA" -F "$slow" -d "$T/trace.log" list Archive -n 5 >/dev/null 2>&1 &
pid=$!
wait_for 30 fetching
kill -KILL "$pid"
wait "$pid" 2>/dev/null
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
