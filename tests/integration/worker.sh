#!/bin/bash
# worker: the account worker (src/backend/worker.c), driven by `test-worker drive`, against the harness
# Dovecot and the hostile server: folders; a cold then a warm open (every UID once, the counts doveadm
# gives); a body as doveadm has it; flags changed as doveadm then sees them; a cancelled open of a
# big folder on a slow link, and on a server that stops answering; a stop in the middle of an open; a
# server that dies, refuses or misbehaves: ERROR, then STATUS failed, and the next request connects
# again. Never a crash or a broken promise.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
DRIVER=${SKUA_BUILDDIR:-$(dirname "$SKUA")}/src/backend/test-worker
[ -x "$DRIVER" ] || fail "test driver not found at $DRIVER (build it with make check)"

# the demo mail, and a big folder beside it
mkdir -p "$T/dovecot/mail"
"$PYTHON3" "$HARNESS_DIR/gen-mail.py" "$T/dovecot/mail/Maildir" --count 20000 --lean --folder Big \
	>"$T/gen-big.log" 2>&1 || fail "gen-mail.py --count failed"
harness_start
harness_config "$CONFIG"
CFG=$CONFIG
# a tunnel account whose server process a test can kill: its pid lands in $T/tunnel.pid
cat >"$T/tunnel.sh" <<EOF
#!/bin/sh
echo \$\$ >"$T/tunnel.pid"
exec $TUNNEL_CMD
EOF
chmod +x "$T/tunnel.sh"
add_account "$CFG" killable tunnel "$T/tunnel.sh"
# a slow link (200 KB/s, tests/harness/gate-pipe.py) that never delivers all of Big: it holds after 2000
# of its 20000 header FETCH responses, so that an open is still going on whenever the test acts on it
# (the last gate's pid: $T/gate-slow.pid)
add_account "$CFG" slow tunnel "$(gate_tunnel slow --rate 200000 --hold-after-fetches 2000 --fetch-match HEADER)"
# a server that stops answering in the middle of Big: held after 1000 header FETCH responses
add_account "$CFG" hung tunnel "$(gate_tunnel hung --hold-after-fetches 1000 --fetch-match HEADER)"

# drive [-a ACCOUNT] [-q N] COMMAND...: test-worker drive with $CFG; sets OUT, ERR, RC (see skua_run) and
# fails on a crash, a time-out, a sanitizer report or a BUG line (a broken promise).
drive() {
	local SKUA=$DRIVER CONFIG=
	skua_run drive -F "$CFG" -d "$T/drive.log" "$@"
	assert_not_contains "$OUT" "BUG" "the worker kept its promises"
	no_terminal_controls "$T/skua.out"
}
drive_ok() {
	drive "$@"
	[ "$RC" -eq 0 ] || fail "the driver failed"
}
# ms_below NAME MAX: the "NAME-ms N" line of the last run says N < MAX.
ms_below() {
	local ms
	ms=$(printf '%s\n' "$OUT" | sed -n "s/^$1-ms //p")
	[ -n "$ms" ] || fail "no $1-ms line"
	[ "$ms" -lt "$2" ] || fail "$1 took $ms ms (limit $2)"
}
# after LINE1 LINE2: in $OUT, a line starting with LINE2 comes after one starting with LINE1.
after() {
	printf '%s\n' "$OUT" | awk -v a="$1" -v b="$2" 'index($0, a) == 1 { seen = 1 } seen && index($0, b) == 1 { ok = 1 }
		END { exit !ok }' || fail "'$2' does not follow '$1'"
}

# --- folders: those doveadm lists, with its counts ---
drive_ok folders
assert_eq "$(oracle folders | LC_ALL=C sort)" \
	"$(printf '%s\n' "$OUT" | grep '^folder ' | grep -v 'noselect$' | sed 's/^folder //; s/\t-$//' | LC_ALL=C sort)" \
	"folders and counts"
assert_eq "folder INBOX" "$(printf '%s\n' "$OUT" | grep '^folder ' | head -n 1 | cut -f1)" "INBOX first"
assert_contains "$OUT" "done folders" "folders done"

# --- open twice: cold (newest first, in batches) then warm (from the cache); every UID once ---
for folder in INBOX Big; do
	rm -f "$T/drive.log"
	drive_ok -q 2 "open $folder $T/cold.uids" "open $folder $T/warm.uids"
	n=$(dv_status "$folder" messages)
	want=$(dv_fetch "$folder" uid | LC_ALL=C sort -n)
	assert_eq "$want" "$(cat "$T/cold.uids")" "$folder: the UIDs of the cold open"
	assert_eq "$want" "$(cat "$T/warm.uids")" "$folder: the UIDs of the warm open"
	assert_eq "done open $n
done open $n" "$(printf '%s\n' "$OUT" | grep '^done open')" "$folder: the counts"
	assert_contains "$OUT" "mailbox $(dv_status "$folder" uidvalidity) $n" "$folder: UIDVALIDITY and EXISTS"
	assert_contains "$(cat "$T/drive.log")" "open $folder: 0 from cache, $n fetched" "$folder: cold"
	assert_contains "$(cat "$T/drive.log")" "open $folder: $n from cache, 0 fetched" "$folder: warm"
done
assert_eq "msgs 250" "$(printf '%s\n' "$OUT" | grep -m 1 '^msgs')" "the first batch is a first screen"
[ "$(printf '%s\n' "$OUT" | grep -c '^msgs')" -lt 400 ] || fail "40000 records in too many batches"

# --- a body: the message as doveadm has it, then from the body cache; a missing one ---
rm -f "$T/drive.log"
drive_ok "body INBOX 3 $T/body" "body INBOX 3 $T/body2" "body INBOX 99999" "body Nope 1"
"$PYTHON3" - "$T/body" "$T/body2" <<EOF || fail "the body differs from doveadm's"
import json, subprocess, sys
dv = json.loads(subprocess.check_output("$DOVEADM -f json fetch -u $USER text mailbox INBOX uid 3", shell=True))
want = dv[0]["text"].encode()
for path in sys.argv[1:]:
    got = open(path, "rb").read()
    if got.replace(b"\r\n", b"\n") != want:
        sys.exit("%s: %d bytes, doveadm: %d" % (path, len(got), len(want)))
EOF
assert_contains "$(cat "$T/drive.log")" "body INBOX 3 from the body cache" "the second time from the cache"
assert_contains "$OUT" "error body no such message in 'INBOX': UID 99999" "a missing UID"
assert_contains "$OUT" "error body no such folder 'Nope'" "a missing folder"
assert_contains "$OUT" "done body" "bodies done"

# --- flags: changed on the server in the folder the worker SELECTed (doveadm sees them); the CLI,
# read-only, then lists what doveadm has; a missing UID is an error ---
uid=$(dv_fetch INBOX uid unseen | head -n 1)
[ -n "$uid" ] || fail "no unseen message in INBOX"
rm -f "$T/drive.log"
drive_ok "open INBOX" "flags INBOX $uid +seen +flagged" "flags INBOX $uid -flagged" "flags INBOX 99999 +seen" \
	"flags INBOX $uid +recent"
assert_eq "flags $uid \\Seen \\Flagged
flags $uid \\Seen" "$(printf '%s\n' "$OUT" | grep '^flags ')" "the flags the server answered"
assert_eq 2 "$(printf '%s\n' "$OUT" | grep -c '^done flags')" "two changes done"
assert_contains "$OUT" "error flags no such message in 'INBOX': UID 99999" "a missing UID"
assert_contains "$OUT" "error flags these flags cannot be changed" "\\Recent is the server's"
assert_contains "$(cat "$T/drive.log")" 'SELECT "INBOX"' "the worker SELECTs"
assert_contains "$(cat "$T/drive.log")" "UID STORE $uid +FLAGS (\\Seen \\Flagged)" "one STORE for both flags"
flags=$(dv_fetch INBOX flags uid "$uid")
assert_contains "$flags" '\Seen' "doveadm: seen"
assert_not_contains "$flags" '\Flagged' "doveadm: not flagged"
rm -f "$T/trace.log"
skua_ok -d "$T/trace.log" list INBOX -n 100000
assert_eq "$(oracle list INBOX 100000)" "$OUT" "the CLI lists the server's flags"
assert_contains "$(cat "$T/trace.log")" 'EXAMINE "INBOX"' "the CLI EXAMINEs"
assert_not_contains "$(cat "$T/trace.log")" 'SELECT "INBOX"' "the CLI never SELECTs"
assert_not_contains "$(cat "$T/trace.log")" ' UID STORE ' "the CLI changes nothing"

# --- a refused EXAMINE ---
drive_ok "open Nope" folders
assert_contains "$OUT" "error open no such folder 'Nope' (server said: " "a missing folder"
assert_contains "$OUT" "done folders" "the connection is still usable"

# --- cancel an open of a big folder on a slow link; and when the server stops answering (the worker
# waits on a held stream) ---
rm -rf "$XDG_CACHE_HOME/skua"
drive_ok -a slow "start open Big" wait-msgs cancel folders
out=$OUT
rm -rf "$XDG_CACHE_HOME/skua"
drive_ok -a hung "start open Big" wait-msgs "run $(gate_wait_cmd hung)" "wait-quiet 300" cancel folders
OUT="$out
$OUT"
assert_eq "cancelled open
cancelled open" "$(printf '%s\n' "$OUT" | grep '^cancelled')" "both opens cancelled"
for ms in $(printf '%s\n' "$OUT" | sed -n 's/^cancel-ms //p'); do
	[ "$ms" -lt 1000 ] || fail "a cancel took $ms ms"
done
assert_eq 2 "$(printf '%s\n' "$OUT" | grep -c '^done folders')" "a request after each cancel works"
after "cancelled open" "status idle"

# --- stop the worker in the middle of an open ---
drive_ok -a slow "start open Big" wait-msgs stop folders
ms_below stop 1000
assert_contains "$OUT" "done folders" "a new worker works"

# --- the server dies: between requests (the idle worker sees it: STATUS failed, and the next request
# connects again), while a request waits for its answer (held by a gate, which SIGTERM makes kill the
# server and go: ERROR, then STATUS failed), and in the middle of an open ---
drive_ok -a killable folders 'run kill -KILL $(cat '"$T"'/tunnel.pid)' "wait-status failed" folders
after "ran 0" "status failed connection closed by server"
assert_not_contains "$OUT" "error folders" "no request met the dead server"
assert_eq 2 "$(printf '%s\n' "$OUT" | grep -c '^done folders')" "the next request connects again"
add_account "$CFG" dying tunnel "$(gate_tunnel dying --hold-on-command '^LIST')"
drive_ok -a dying "start folders" "run $(gate_wait_cmd dying)" 'run kill -TERM $(cat '"$T"'/gate-dying.pid)' \
	finish "wait-status failed" "run touch $T/gate-dying.release" folders
assert_contains "$OUT" "error folders connection closed by server" "a server dead while a request waits"
after "error folders" "status failed connection closed by server"
assert_eq 1 "$(printf '%s\n' "$OUT" | grep -c '^done folders')" "the next request connects again"
rm -rf "$XDG_CACHE_HOME/skua"
drive_ok -a slow "start open Big" wait-msgs 'run kill -TERM $(cat '"$T"'/gate-slow.pid)' finish "wait-status failed" \
	"open INBOX"
assert_match "$(printf '%s\n' "$OUT" | grep '^error open')" "^error open connection closed by server" "killed mid-open"
assert_contains "$OUT" "done open $(dv_status INBOX messages)" "and then an open works"

# --- a hostile server: cut off mid-FETCH, an oversized literal ---
for scen in disconnect-mid-fetch oversized-literal; do
	hostile_start "$scen"
	hostile_config "$T/hostile.conf" none
	CFG=$T/hostile.conf drive_ok "open INBOX" "wait-status failed" folders
	assert_contains "$OUT" "error open " "$scen: an error"
	after "error open" "status failed"
	assert_contains "$OUT" "done folders" "$scen: the next request works"
	assert_contains "$(hostile_plain_commands)" "LOGOUT" "$scen: LOGOUT when the worker stops"
	hostile_check
done

# --- Dovecot is down: connecting fails; once it is back, the next request connects ---
"$HARNESS_DIR/dovecot.sh" stop "$HARNESS_ROOT" >/dev/null 2>&1 || fail "cannot stop Dovecot"
drive_ok folders "wait-status failed" \
	"run IMAP_PORT=$IMAP_PORT IMAPS_PORT=$IMAPS_PORT '$HARNESS_DIR/dovecot.sh' start '$HARNESS_ROOT' >/dev/null 2>&1" \
	folders
assert_match "$(printf '%s\n' "$OUT" | grep '^error folders')" "connection refused" "Dovecot down"
after "error folders" "status failed"
assert_contains "$OUT" "done folders" "Dovecot back"
echo "PASS: $TEST_NAME"
