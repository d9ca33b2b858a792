#!/bin/bash
# hcache-corrupt: a damaged header cache (truncated, garbage) is moved aside with one line on stderr
# and a new one started; the output is always the server's. Records of an older format are fetched
# again and rewritten. `skua cache stats` and `skua cache clear` work without a connection.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
: >"$CONFIG"
add_account "$CONFIG" demo tunnel "$TUNNEL_CMD"
cache=$XDG_CACHE_HOME/skua/hcache.mdb
n=$(dv_status INBOX messages)

run_list() { # run_list WHAT: list INBOX with a fresh trace; the output must be the server's
	rm -f "$T/trace.log"
	skua_ok -d "$T/trace.log" list INBOX -n 1000
	assert_eq "$(oracle list INBOX 1000)" "$OUT" "list INBOX ($1)"
	TRACE=$(cat "$T/trace.log")
}
moved_aside() { ls "$cache".corrupt-* 2>/dev/null | wc -l; }
expect_moved() { # expect_moved WHAT COUNT: the run said so once, and COUNT files are aside now
	assert_contains "$ERR" "header cache $cache was damaged; moved it to $cache.corrupt-" "$1: notice"
	assert_eq 1 "$(nlines "$ERR")" "$1: one line on stderr"
	assert_eq "$2" "$(moved_aside)" "$1: the damaged file kept aside"
	[ ! -e "$cache.damaged" ] || fail "$1: the damage marker is still there"
}

# (a) truncated to half its size
run_list "cold"
assert_contains "$TRACE" "0 from cache, $n fetched" "cold: everything fetched"
run_list "warm"
assert_contains "$TRACE" "$n from cache, 0 fetched" "warm: everything from the cache"
truncate -s $(($(stat -c %s "$cache") / 2)) "$cache"
run_list "truncated cache"
expect_moved "truncated" 1
assert_contains "$TRACE" "0 from cache, $n fetched" "truncated: everything fetched again"
run_list "after the truncated cache"
assert_eq "" "$ERR" "the new cache opens quietly"
assert_contains "$TRACE" "$n from cache, 0 fetched" "the new cache is used"

# (b) random garbage, in whole pages (LMDB refuses it) and not
head -c 40960 /dev/urandom >"$cache"
run_list "garbage cache"
expect_moved "garbage" 2
head -c 20000 /dev/urandom >"$cache"
run_list "garbage cache, part of a page"
expect_moved "garbage, part of a page" 3
run_list "after the garbage"
assert_eq "" "$ERR" "the new cache opens quietly"
assert_contains "$TRACE" "$n from cache, 0 fetched" "the new cache is used"
echo "PASS: $TEST_NAME"
