#!/bin/bash
# worker-ops: the worker listens and runs typed operations (src/backend/op.c), driven by `test-worker
# drive` against the harness Dovecot. Another client's flag change, expunge and new mail reach the open
# folder as WORKER_EV_CHANGED after the worker's next command (a search, or its keep-alive NOOP) without
# reopening it, or at once while it waits in IDLE; copy, move (COPYUID), expunge of exact UIDs, append (APPENDUID), folder create, rename
# and delete, and server search all leave what doveadm then sees.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
DRIVER=${SKUA_BUILDDIR:-$(dirname "$SKUA")}/src/backend/test-worker
[ -x "$DRIVER" ] || fail "test driver not found at $DRIVER (build it with make check)"
harness_start
harness_config "$CONFIG"

# drive COMMAND...: the driver on the plain account; sets OUT (see skua_run); fails on a BUG line.
drive() {
	local SKUA=$DRIVER CONFIG=
	skua_run drive -F "$CONFIG_FILE" -a plain -d "${DRIVE_LOG:-$T/drive.log}" "$@"
	assert_not_contains "$OUT" "BUG" "the worker kept its promises"
	[ "$RC" -eq 0 ] || fail "the driver failed"
}
CONFIG_FILE=$CONFIG
dv="$DOVEADM"
# changed_line PATTERN: the first "changed" line of $OUT containing PATTERN
changed_line() { printf '%s\n' "$OUT" | grep '^changed ' | grep -m 1 -- "$1" || true; }

# --- live: a flag change by another client, seen after the worker's next command (a search) ---
uid=$(dv_fetch INBOX uid unflagged | head -n 1)
[ -n "$uid" ] || fail "no unflagged message in INBOX"
n=$(dv_status INBOX messages)
drive "idle off" "open INBOX" "keepalive 0" "run $dv flags add -u $USER '\\Flagged' mailbox INBOX uid $uid" \
	"op search INBOX subject zzznothing" "wait-change  $uid:"
line=$(changed_line " $uid:")
assert_match "$line" "^changed INBOX exists $n flags.* $uid:S?F" "the flag change reached the open folder"
assert_contains "$OUT" "found " "the search ran"

# --- live: the keep-alive NOOP alone brings an expunge and new mail ---
gone=$(dv_fetch INBOX uid | sed -n 3p)
printf '%s\r\n' "Message-ID: <live-1@example.org>" "Date: Tue, 1 Apr 2025 12:00:00 +0000" \
	"From: L <l@example.org>" "Subject: arrived live" "" "body" >"$T/new.eml"
newuid=$(dv_status INBOX uidnext)
drive "idle off" "open INBOX" "keepalive 0" "run $dv expunge -u $USER mailbox INBOX uid $gone" \
	"run $dv save -u $USER -m INBOX <$T/new.eml" "keepalive 200" "wait-change expunged $gone " \
	"wait-change added $newuid "
assert_match "$(printf '%s\n' "$OUT" | grep '^changed ' | tr '\n' ' ')" "added $newuid " "the new mail reached the open folder"
# the cache follows: a warm list shows the new message, not the expunged one, with the server's flags
skua_ok list INBOX -n 100000
assert_eq "$(oracle list INBOX 100000)" "$OUT" "the cache equals the server after live changes"

# --- IDLE: with no keep-alive and no command, another client's new mail, flag change and expunge come
# while the worker waits; a request afterwards ends the IDLE and runs ---
printf '%s\r\n' "Message-ID: <idle-1@example.org>" "Date: Tue, 1 Apr 2025 13:00:00 +0000" \
	"From: I <i@example.org>" "Subject: arrived in IDLE" "" "body" >"$T/idle.eml"
newuid=$(dv_status INBOX uidnext)
flag_uid=$(dv_fetch INBOX uid unflagged | head -n 1)
DRIVE_LOG=$T/idle.log drive "keepalive 0" "open INBOX" "run $dv save -u $USER -m INBOX <$T/idle.eml" \
	"wait-change added $newuid " "run $dv flags add -u $USER '\\Flagged' mailbox INBOX uid $flag_uid" \
	"wait-change  $flag_uid:" "run $dv expunge -u $USER mailbox INBOX uid $newuid" \
	"wait-change expunged $newuid " \
	"op search INBOX subject zzznothing"
assert_contains "$(cat "$T/idle.log")" " IDLE" "the worker waited in IDLE"
assert_contains "$(cat "$T/idle.log")" "C: DONE" "and ended it for the search"
assert_not_contains "$(cat "$T/idle.log")" "NOOP" "no keep-alive brought the changes"
assert_contains "$OUT" "found " "the search ran after the IDLE"
skua_ok list INBOX -n 100000
assert_eq "$(oracle list INBOX 100000)" "$OUT" "the cache equals the server after changes heard in IDLE"

# --- move: UID MOVE, COPYUID reported, the source expunged, the destination holds it ---
m1=$(dv_fetch INBOX uid | sed -n 1p)
m2=$(dv_fetch INBOX uid | sed -n 2p)
before_archive=$(dv_status Archive messages)
drive "open INBOX" "op move INBOX $m1:$m2 Archive"
assert_match "$OUT" "copied $(dv_status Archive uidvalidity) $m1:$m2 -> [0-9]" "COPYUID of the move"
assert_eq "" "$(dv_fetch INBOX uid uid "$m1:$m2")" "moved messages left INBOX"
assert_eq "$((before_archive + 2))" "$(dv_status Archive messages)" "and arrived in Archive"
assert_contains "$(cat "$T/drive.log")" "UID MOVE $m1:$m2 \"Archive\"" "one UID MOVE"
assert_match "$(printf '%s\n' "$OUT" | grep '^changed ' | tr '\n' ' ')" "expunged $m1:$m2 " "the tracker saw them go"

# --- copy: the source stays; a missing destination is an error naming it ---
c1=$(dv_fetch INBOX uid | sed -n 1p)
drive "op copy INBOX $c1 Archive" "op copy INBOX $c1 NoSuchFolder"
assert_match "$OUT" "copied [0-9]+ $c1 -> [0-9]" "COPYUID of the copy"
assert_contains "$OUT" "error op cannot copy to 'NoSuchFolder': no such folder" "a missing destination"
assert_eq "$c1" "$(dv_fetch INBOX uid uid "$c1")" "the copied message stays"

# --- expunge exactly these: others marked \Deleted by someone else stay ---
e1=$(dv_fetch INBOX uid | sed -n 1p)
e2=$(dv_fetch INBOX uid | sed -n 2p)
$dv flags add -u "$USER" '\Deleted' mailbox INBOX uid "$e2"
drive "op expunge INBOX $e1"
assert_contains "$(cat "$T/drive.log")" "UID EXPUNGE $e1" "UID EXPUNGE of exactly that UID"
assert_not_contains "$(cat "$T/drive.log")" "C: s[0-9]* EXPUNGE" "never a plain EXPUNGE"
assert_eq "" "$(dv_fetch INBOX uid uid "$e1")" "the message is gone"
assert_eq "$e2" "$(dv_fetch INBOX uid uid "$e2")" "another \\Deleted message stays"
$dv flags remove -u "$USER" '\Deleted' mailbox INBOX uid "$e2"

# --- append: APPENDUID, and the message is there ---
printf '%s\r\n' "Message-ID: <append-1@example.org>" "Date: Tue, 1 Apr 2025 12:00:00 +0000" \
	"From: A <a@example.org>" "Subject: appended by skua" "" "body" >"$T/append.eml"
drive "op append Archive $T/append.eml"
auid=$(dv_fetch Archive uid header.subject "appended by skua" | cut -f1 | head -n 1)
[ -n "$auid" ] || auid=$(dv_fetch Archive uid subject "appended by skua" | head -n 1)
assert_contains "$OUT" "appended $(dv_status Archive uidvalidity) $auid" "APPENDUID names it"

# --- folders: create, rename, delete ---
drive "op create Scratch" "op rename Scratch Scratch2" "op create Scratch2" "op delete Scratch2" "op delete Scratch2"
assert_contains "$OUT" "error op cannot create the folder 'Scratch2'" "creating one that exists fails"
assert_contains "$OUT" "error op cannot delete the folder 'Scratch2'" "deleting one that is gone fails"
assert_not_contains "$(dv_folders)" "Scratch" "none left"
assert_eq 3 "$(printf '%s\n' "$OUT" | grep -c '^done op')" "three succeeded"

# --- search: the server's answer ---
word=kernel
want=$(dv_fetch INBOX uid body "$word" | LC_ALL=C sort -n | paste -sd' ')
drive "op search INBOX body $word"
got=$(printf '%s\n' "$OUT" | sed -n 's/^found //p')
"$PYTHON3" - "$got" "$want" <<'EOF' || fail "search: '$got' is not doveadm's '$want'"
import sys
def expand(s):
    out = []
    for part in filter(None, s.replace(" ", ",").split(",")):
        lo, _, hi = part.partition(":")
        out += range(int(lo), int(hi or lo) + 1)
    return sorted(out)
sys.exit(expand(sys.argv[1]) != expand(sys.argv[2]))
EOF
echo "PASS: $TEST_NAME"
