#!/bin/bash
# cli-triage: the command line's triage and folder verbs (move, copy, flag, delete, expunge, mkdir, rmdir,
# subscribe, unsubscribe, rename) against the harness Dovecot, checked with doveadm. TRIAGE_MODE picks the
# server: full (MOVE and UIDPLUS), nomove (MOVE hidden: UID COPY + \Deleted + UID EXPUNGE of exactly
# those), nouidplus (both hidden: a copy that leaves the originals marked \Deleted, and says so).
mode=${TRIAGE_MODE:-full}
base='IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE LIST-EXTENDED LIST-STATUS SPECIAL-USE ESEARCH CONDSTORE QRESYNC'
case $mode in
nomove) export DOVECOT_EXTRA="protocol imap {\n imap_capability = $base UIDPLUS\n}" ;;
nouidplus) export DOVECOT_EXTRA="protocol imap {\n imap_capability = $base\n}" ;;
esac
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
dv="$DOVEADM"

# uids FOLDER [SEARCH...]: the folder's UIDs, one per line
uids() { local f=$1; shift; dv_fetch "$f" uid "$@"; }
trace() { cat "$T/trace.log"; }
triage() { rm -f "$T/trace.log"; skua_run -d "$T/trace.log" "$@"; }
triage_ok() { triage "$@"; [ "$RC" -eq 0 ] || { echo "$ERR" >&2; fail "expected success: $*"; }; }

# --- move: the messages leave the source and arrive in the destination ---
m1=$(uids INBOX | sed -n 1p)
m2=$(uids INBOX | sed -n 2p)
n_inbox=$(dv_status INBOX messages)
n_archive=$(dv_status Archive messages)
# another client's \Deleted message must survive whatever skua does to expunge its own
other=$(uids INBOX | sed -n 5p)
$dv flags add -u "$USER" '\Deleted' mailbox INBOX uid "$other"
triage_ok move INBOX "$m1:$m2" Archive
case $mode in
full)
	assert_contains "$(trace)" "UID MOVE $m1:$m2 \"Archive\"" "one UID MOVE"
	assert_eq "$(dv_status Archive uidnext)" "$(($(printf '%s\n' "$OUT" | tail -n 1 | cut -f2) + 1))" \
		"COPYUID printed: the last destination UID is the newest"
	;;
nomove)
	assert_not_contains "$(trace)" "UID MOVE" "no MOVE when the server lacks it"
	assert_contains "$(trace)" "UID COPY $m1:$m2 \"Archive\"" "UID COPY"
	assert_contains "$(trace)" "UID EXPUNGE $m1:$m2" "UID EXPUNGE of exactly the moved ones"
	;;
nouidplus)
	assert_not_contains "$(trace)" "UID MOVE" "no MOVE when the server lacks it"
	assert_not_contains "$(trace)" "EXPUNGE" "no EXPUNGE of any kind without UIDPLUS"
	assert_contains "$ERR" "the originals stay, marked deleted" "the user is told what happened"
	;;
esac
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "one SRC<TAB>DEST line a message" 
[ "$mode" = nouidplus ] || assert_match "$OUT" "^$m1	[0-9]+" "COPYUID pairs the source with its new UID"
assert_not_contains "$(trace)" "C: s[0-9]* EXPUNGE" "never a plain EXPUNGE"
assert_eq "$((n_archive + 2))" "$(dv_status Archive messages)" "the moved messages arrived"
if [ "$mode" = nouidplus ]; then
	assert_eq "$n_inbox" "$(dv_status INBOX messages)" "the originals stay"
	assert_eq "$(printf '%s\n%s' "$m1" "$m2")" "$(uids INBOX uid "$m1:$m2" deleted)" "marked \\Deleted"
else
	assert_eq "$((n_inbox - 2))" "$(dv_status INBOX messages)" "the moved messages left"
	assert_eq "" "$(uids INBOX uid "$m1:$m2")" "exactly those left"
fi
assert_eq "$other" "$(uids INBOX uid "$other")" "another client's \\Deleted message survives"
$dv flags remove -u "$USER" '\Deleted' mailbox INBOX uid "$other"

# --- missing UIDs: reported by number, the rest done, exit status non-zero ---
c1=$(uids INBOX | sed -n 3p)
gone=$(($(dv_status INBOX uidnext) + 5))
n_archive=$(dv_status Archive messages)
triage copy INBOX "$c1,$gone" Archive
[ "$RC" -ne 0 ] || fail "a missing UID makes the exit status non-zero"
assert_contains "$ERR" "no such message in 'INBOX': UID $gone" "the missing UID is named"
assert_eq "$((n_archive + 1))" "$(dv_status Archive messages)" "the existing one was copied"
assert_eq "$c1" "$(uids INBOX uid "$c1")" "a copy leaves the source"
skua_fails "invalid UID set" copy INBOX "1:x" Archive
skua_fails "no such folder" copy INBOX "$c1" NoSuchFolder

# --- flag: adds and removes, as doveadm then sees them ---
f1=$(uids INBOX unseen | sed -n 1p)
triage_ok flag INBOX "$f1" +seen +flagged
assert_eq "$f1" "$(uids INBOX uid "$f1" seen flagged)" "+seen +flagged"
triage_ok flag INBOX "$f1" -flagged
assert_eq "" "$(uids INBOX uid "$f1" flagged)" "-flagged"
assert_eq "$f1" "$(uids INBOX uid "$f1" seen)" "seen stays"
skua_fails "unknown flag change" flag INBOX "$f1" +bogus
skua_fails "both added and removed" flag INBOX "$f1" +seen -seen

# --- expunge: exactly those (others' \Deleted survive) where UIDPLUS allows; refused otherwise ---
e1=$(uids INBOX | sed -n 1p)
$dv flags add -u "$USER" '\Deleted' mailbox INBOX uid "$other"
if [ "$mode" = nouidplus ]; then
	skua_fails "UIDPLUS" expunge INBOX "$e1"
	assert_eq "$e1" "$(uids INBOX uid "$e1")" "nothing expunged"
else
	triage_ok expunge INBOX "$e1"
	assert_contains "$(trace)" "UID EXPUNGE $e1" "UID EXPUNGE of exactly that UID"
	assert_eq "" "$(uids INBOX uid "$e1")" "expunged"
fi
assert_eq "$other" "$(uids INBOX uid "$other")" "another client's \\Deleted message survives"
$dv flags remove -u "$USER" '\Deleted' mailbox INBOX uid "$other"

if [ "$mode" = full ]; then
	# --- delete: to the trash (SPECIAL-USE \Trash, or the account's "trash"); in the trash, expunged ---
	d1=$(uids INBOX | sed -n 1p)
	n_trash=$(dv_status Trash messages)
	triage_ok delete INBOX "$d1"
	assert_eq "$((n_trash + 1))" "$(dv_status Trash messages)" "delete moves to the server's \\Trash"
	assert_eq "" "$(uids INBOX uid "$d1")" "and out of INBOX"
	t1=$(uids Trash | tail -n 1)
	triage_ok delete Trash "$t1"
	assert_eq "$n_trash" "$(dv_status Trash messages)" "delete in the trash expunges"
	d2=$(uids INBOX | sed -n 1p)
	n_archive=$(dv_status Archive messages)
	add_account "$CONFIG" archivetrash host 127.0.0.1 port "$IMAP_PORT" tls none user "$USER" \
		password-command "echo $PASS" trash Archive
	triage_ok -a archivetrash delete INBOX "$d2"
	assert_eq "$((n_archive + 1))" "$(dv_status Archive messages)" "the configured trash wins"

	# --- folders: mkdir, subscribe, rename, unsubscribe, rmdir ---
	triage_ok mkdir "Projekte/Bäume"
	dv_folders | grep -qxF "Projekte/Bäume" || fail "mkdir created the folder (UTF-8 name)"
	triage_ok subscribe "Projekte/Bäume"
	$dv mailbox list -u "$USER" -s | grep -qxF "Projekte/Bäume" || fail "subscribed"
	triage_ok rename "Projekte/Bäume" "Projekte/Wald"
	dv_folders | grep -qxF "Projekte/Wald" || fail "renamed"
	dv_folders | grep -qxF "Projekte/Bäume" && fail "the old name is gone"
	triage_ok unsubscribe "Projekte/Wald"
	$dv mailbox list -u "$USER" -s | grep -qxF "Projekte/Wald" && fail "unsubscribed"
	triage_ok rmdir "Projekte/Wald"
	dv_folders | grep -qxF "Projekte/Wald" && fail "rmdir removed the folder"
	skua_fails "INBOX cannot be deleted" rmdir inbox
	skua_fails "" mkdir INBOX
fi

# the cache follows the server: a warm list equals doveadm after all of this
skua_ok list INBOX -n 100000
assert_eq "$(oracle list INBOX 100000)" "$OUT" "the cache equals the server after triage"
