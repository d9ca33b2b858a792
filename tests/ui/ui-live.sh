#!/bin/bash
# ui-live: the open index follows the server without being reopened. Without IDLE another client's
# flag change reaches it with the answer to skua's next command (opening a message), and with the
# keep-alive NOOP alone (keepalive 1); with IDLE (the default) new mail, flags and expunges come with no
# key and no NOOP; an expunge behind skua's back takes the message out of the index and the count;
# new mail shows at the top, the cursor staying on the message it was on.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
. "$SKUA_SRCDIR/tests/ui/lib.sh"

# the three newest messages start unflagged
for uid in $(oracle list INBOX 3 | cut -f1); do
	$DOVEADM flags remove -u "$USER" '\Flagged' mailbox INBOX uid "$uid" || fail "doveadm failed"
done
n=$(dv_status INBOX messages)
unseen=$(dv_status INBOX unseen)
first=$(line 1 "$(oracle list INBOX 3)")
second=$(line 2 "$(oracle list INBOX 3)")
third=$(line 3 "$(oracle list INBOX 3)")
# row_flags ROW: the flag marks of index row ROW (1: the newest), a blank as .
row_flags() { ui_row "$1" | cut -c6-7 | tr ' ' .; }
# row_has ROW TEXT (for wait_for)
row_has() { case $(ui_row "$1") in *"$2"*) return 0 ;; esac; return 1; }
row_flagged() { [ "$(row_flags "$1" | cut -c2)" = '!' ]; }

# --- without IDLE (idle no), with the default keep-alive: the change comes with the next command's answer ---
cp "$CONFIG" "$T/config.idle"
sed -i '/^account plain$/a\    idle no' "$CONFIG"
grep -q '^    idle no$' "$CONFIG" || fail "could not turn IDLE off in the config"
ui_start
ui_wait "[Msgs:$n New:$unseen]"
ui_wait "$(field 5 "$first")"
row_flagged 2 && fail "row 2 is flagged already"
$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid "$(field 1 "$second")" || fail "doveadm failed"
# opening the first message sends commands; the server reports the other change with their answers
ui_keys Enter
ui_wait "Subject: $(field 5 "$first")"
ui_keys q
wait_for 20 row_flagged 2 || { ui_screen >&2; fail "the flag change did not reach the index"; }
assert_eq 1 "$(grep -c ': open INBOX:' "$T/ui.log")" "the folder was not opened again"
ui_quit
tmux -L "$UI_SOCK" kill-session -t ui

# --- keepalive 1: the NOOP alone brings flag changes, expunges and new mail ---
printf 'keepalive 1\n' >>"$CONFIG"
ui_start
ui_wait "$(field 5 "$first")"
ui_wait "[Msgs:$n "
# the cursor on the third message
ui_keys j j
$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid "$(field 1 "$first")" || fail "doveadm failed"
wait_for 20 row_flagged 1 || { ui_screen >&2; fail "the keep-alive did not bring the flag change"; }
$DOVEADM expunge -u "$USER" mailbox INBOX uid "$(field 1 "$second")" || fail "doveadm expunge failed"
ui_wait "[Msgs:$((n - 1)) "
ui_wait_gone "$(field 5 "$second")"
printf '%s\r\n' "Message-ID: <live-ui@example.org>" "Date: $(date -R -u)" "From: Live <live@example.org>" \
	"Subject: arrived while you watched" "" "body" | $DOVEADM save -u "$USER" -m INBOX ||
	fail "doveadm save failed"
ui_wait "[Msgs:$n "
wait_for 20 row_has 1 "arrived while you watched" || { ui_screen >&2; fail "the new mail is not at the top"; }
# the cursor stayed on the third message of the start (now row 3 again: one gone above it, one new)
assert_contains "$(ui_row 3)" "$(field 5 "$third" | cut -c1-20)" "the cursor's message is where it was"
ui_keys Enter
ui_wait "Subject: $(field 5 "$third")"
ui_keys q
ui_quit
tmux -L "$UI_SOCK" kill-session -t ui

# --- IDLE (the default), the default keep-alive: new mail, a flag change and an expunge by another
# client show with no key pressed and no NOOP sent ---
cp "$T/config.idle" "$CONFIG"
rm -f "$T/ui.log"
n=$(dv_status INBOX messages)
ui_start
ui_wait "[Msgs:$n "
wait_for 20 grep -q 'S: + idling' "$T/ui.log" || fail "skua did not wait in IDLE"
printf '%s\r\n' "Message-ID: <idle-ui@example.org>" "Date: $(date -R -u)" "From: Idle <idle@example.org>" \
	"Subject: pushed by IDLE" "" "body" | $DOVEADM save -u "$USER" -m INBOX || fail "doveadm save failed"
ui_wait "[Msgs:$((n + 1)) "
wait_for 20 row_has 1 "pushed by IDLE" || { ui_screen >&2; fail "the new mail is not at the top"; }
row_flagged 2 && fail "row 2 is flagged already"
$DOVEADM flags add -u "$USER" '\Flagged' mailbox INBOX uid "$(field 1 "$(line 2 "$(oracle list INBOX 2)")")" ||
	fail "doveadm failed"
wait_for 20 row_flagged 2 || { ui_screen >&2; fail "IDLE did not bring the flag change"; }
$DOVEADM expunge -u "$USER" mailbox INBOX header Message-ID "<idle-ui@example.org>" || fail "doveadm expunge failed"
ui_wait "[Msgs:$n "
ui_wait_gone "pushed by IDLE"
assert_not_contains "$(cat "$T/ui.log")" "NOOP" "no keep-alive brought the changes"
ui_quit
echo "PASS: $TEST_NAME"
