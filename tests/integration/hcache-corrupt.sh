#!/bin/bash
# hcache-corrupt: a damaged header cache (truncated, garbage) is moved aside with one line on stderr
# and a new one started; the output is always the server's. Records of an older format are fetched
# again and rewritten. `skua cache stats` and `skua cache clear` work without a connection, and
# header-cache moves the cache.
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

# (c) records of an older format: every value's version byte set to 1 with mdb_dump/mdb_load, as if
# the previous release had written the cache. They are fetched again and rewritten.
require_cmd mdb_dump lmdb-utils
require_cmd mdb_load lmdb-utils
age_records() { # age_records m|all: version byte 1 in message records only, or in every value
	mdb_dump -n "$cache" >"$T/dump" || fail "mdb_dump failed"
	"$PYTHON3" - "$1" "$T/dump" "$T/dump.old" <<'PY' || fail "rewriting the dump failed"
import sys
which, src, dst = sys.argv[1:]
lines = open(src).read().split("\n")
i = lines.index("HEADER=END") + 1
while lines[i] != "DATA=END":
    key, value = lines[i], lines[i + 1]
    if which == "all" or key.startswith(" 6d"):  # 'm': a message record
        lines[i + 1] = " 01" + value[3:]
    i += 2
# the dump's db_pagesize line is more than mdb_load 0.9 reads
open(dst, "w").write("\n".join(l for l in lines if not l.startswith("db_pagesize=")))
PY
	rm -f "$T/old.mdb" "$T/old.mdb-lock"
	mdb_load -n -f "$T/dump.old" "$T/old.mdb" || fail "mdb_load failed"
	mv "$T/old.mdb" "$cache"
	rm -f "$cache-lock" "$T/old.mdb-lock"
}
stats_field() { # stats_field N: field N of the `cache stats demo INBOX` line
	skua_ok cache stats demo INBOX
	field "$1" "$(line 1 "$OUT")"
}
age_records all
assert_eq "0 $n" "$(stats_field 7) $(stats_field 8)" "before: every record of another version"
run_list "records of the previous format"
assert_eq "" "$ERR" "old records are no damage"
assert_contains "$TRACE" "0 from cache, $n fetched" "old records fetched again"
assert_eq "$n 0" "$(stats_field 7) $(stats_field 8)" "after: every record at the current version"
# only the message records old, the state current, and a change on the server: the resync finds
# the old records absent and fetches them
age_records m
$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid 3
run_list "old records under a current state"
assert_contains "$TRACE" "0 from cache, $n fetched" "old records under a current state fetched again"
assert_eq "$n 0" "$(stats_field 7) $(stats_field 8)" "rewritten at the current version"
run_list "warm again"
assert_contains "$TRACE" "$n from cache, 0 fetched" "and read from the cache after"

# (d) cache stats and cache clear, without a connection (the account's tunnel would fail)
run_list_archive() { skua_ok list Archive -n 5; }
run_list_archive
noconn=$T/noconn.conf
: >"$noconn"
add_account "$noconn" demo tunnel "false"
add_account "$noconn" other tunnel "false"
CONFIG=$noconn skua_ok cache stats
assert_eq 3 "$(nlines "$OUT")" "stats: INBOX, Archive and the total"
assert_eq "demo	Archive" "$(line 1 "$OUT" | cut -f1-2)" "stats: sorted by folder"
assert_eq "demo	INBOX	$(dv_status INBOX uidvalidity)	$(dv_status INBOX uidnext)	$n" \
	"$(line 2 "$OUT" | cut -f1-5)" "stats: the INBOX state"
assert_eq "$n	0" "$(line 2 "$OUT" | cut -f7-8)" "stats: the INBOX records"
archive=$(dv_status Archive messages)
assert_eq "total	-	-	-	-	-	$((n + archive))	0" "$(line 3 "$OUT" | cut -f1-8)" "stats: the total"
[ "$(line 3 "$OUT" | cut -f10)" -le "$(stat -c %s "$cache")" ] || fail "stats: used bytes beyond the file"
CONFIG=$noconn skua_ok cache stats other
assert_eq "total	-	-	-	-	-	0	0	0" "$(line 1 "$OUT" | cut -f1-9)" "stats of an account with nothing"
CONFIG=$noconn skua_fails "unknown account 'nosuch'" cache stats nosuch
CONFIG=$noconn skua_fails "unknown account 'nosuch'" cache clear nosuch INBOX
CONFIG=$noconn skua_ok cache clear demo INBOX
assert_eq "" "$OUT$ERR" "clear says nothing"
CONFIG=$noconn skua_ok cache stats demo INBOX
assert_eq "demo	INBOX	0	0	0	0	0	0	0" "$(line 1 "$OUT")" "stats after clearing INBOX"
CONFIG=$noconn skua_ok cache stats demo
assert_eq "$archive" "$(line 1 "$OUT" | cut -f7)" "Archive is still cached"
run_list "after clearing INBOX"
assert_contains "$TRACE" "0 from cache, $n fetched" "INBOX fetched again after the clear"
CONFIG=$noconn skua_ok cache clear
CONFIG=$noconn skua_ok cache stats
assert_eq 1 "$(nlines "$OUT")" "stats after clearing everything: the total alone"
assert_eq "total	-	-	-	-	-	0	0	0" "$(line 1 "$OUT" | cut -f1-9)" "nothing left"

# (e) header-cache moves the cache
moved=$T/elsewhere/h.mdb
printf 'header-cache %s\n' "$moved" | cat - "$CONFIG" >"$T/moved.conf"
chmod 600 "$T/moved.conf"
CONFIG=$T/moved.conf skua_ok list INBOX -n 5
[ -s "$moved" ] || fail "no cache at the header-cache path"
CONFIG=$T/moved.conf skua_ok cache stats demo INBOX
assert_eq "$n" "$(line 1 "$OUT" | cut -f7)" "stats read the moved cache"
echo "PASS: $TEST_NAME"
