#!/bin/bash
# ui-flags: what a mutt user expects of flags. Reading an unread message in the pager marks it read on
# the server (the index drops its N, the unread count follows); U makes it unread again and F flags
# and unflags it, from the index and from the pager, each change on the server as doveadm sees it; a
# restarted skua (warm header cache) shows the server's flags; a change the server refuses is taken
# back with the reason on the message line, and a message expunged behind skua's back leaves the index.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
. "$SKUA_SRCDIR/tests/ui/lib.sh"

newest=$(oracle list INBOX 1)
uid=$(field 1 "$newest")
subject=$(field 5 "$newest")
assert_eq N "$(field 2 "$newest")" "the newest message of INBOX is unread"
n=$(dv_status INBOX messages)
unseen=$(dv_status INBOX unseen)

# server_flags: the message's flags as doveadm has them
server_flags() { dv_fetch INBOX flags uid "$uid"; }
# server_has FLAG / server_lacks FLAG (for wait_for)
server_has() { case $(server_flags) in *"$1"*) return 0 ;; esac; return 1; }
server_lacks() { ! server_has "$1"; }
# row_flags [ROW]: the flag marks (%Z: N unread, ! flagged; a blank as .) of index row ROW (default 1:
# the newest message, under the cursor at start)
row_flags() { ui_row "${1:-1}" | cut -c6-7 | tr ' ' .; }
# wait_row_flags WANT [ROW]: polls until the row's flag marks are WANT
wait_row_flags() {
	local end=$((SECONDS + 20))
	until [ "$(row_flags "${2:-1}")" = "$1" ]; do
		[ $SECONDS -lt $end ] || { ui_screen >&2; fail "index row ${2:-1} does not show flags '$1'"; }
		"$PYTHON3" -c 'import time; time.sleep(0.05)'
	done
}

ui_start
ui_wait "[Msgs:$n New:$unseen]"
ui_wait "$subject"
assert_eq N. "$(row_flags)" "unread in the index"

# reading it marks it read: on the server, in the index, in the unread count
ui_keys Enter
ui_wait "Subject: $subject"
wait_for 20 server_has '\Seen'
ui_keys q
ui_wait "[Msgs:$n New:$((unseen - 1))]"
assert_eq .. "$(row_flags)" "no N once read"

# U: unread again, on the server too
ui_keys U
ui_wait "[Msgs:$n New:$unseen]"
wait_row_flags N.
wait_for 20 server_lacks '\Seen'
# F flags it, F again unflags it
ui_keys F
wait_row_flags N!
wait_for 20 server_has '\Flagged'
ui_keys F
wait_row_flags N.
wait_for 20 server_lacks '\Flagged'

# in the pager: U and F act on the message shown (which reading marked read)
ui_keys Enter
ui_wait "Subject: $subject"
wait_for 20 server_has '\Seen'
ui_keys F
wait_for 20 server_has '\Flagged'
ui_keys U
wait_for 20 server_lacks '\Seen'
ui_keys q
ui_wait "[Msgs:$n New:$unseen]"
wait_row_flags N!
assert_eq NF "$(field 2 "$(oracle list INBOX 1)")" "unread and flagged on the server"
ui_quit
tmux -L "$UI_SOCK" kill-session -t ui

# a restarted skua (the header cache is warm) shows what the server has
ui_start
ui_wait "[Msgs:$n New:$unseen]"
ui_wait "$subject"
assert_eq N! "$(row_flags)" "after a restart, the server's flags: unread and flagged"
ui_keys F U
wait_row_flags ..
wait_for 20 server_lacks '\Flagged'
wait_for 20 server_has '\Seen'
ui_wait "[Msgs:$n New:$((unseen - 1))]"
ui_quit
tmux -L "$UI_SOCK" kill-session -t ui
ui_start
ui_wait "[Msgs:$n New:$((unseen - 1))]"
ui_wait "$subject"
assert_eq "-" "$(field 2 "$(oracle list INBOX 1)")" "read and unflagged on the server"
assert_eq .. "$(row_flags)" "and on the screen after a restart"
assert_contains "$(cat "$T/ui.log")" "open INBOX: $n from cache, 0 fetched" "a warm open"

# a refused change is taken back, and the message line says why: the second message, expunged behind
# skua's back, cannot be flagged. The expunge itself reaches the open index with the answer to the
# STORE (the worker hears untagged data whatever command brings it): the message leaves the index,
# and no row is left showing the flag that was refused.
second=$(line 2 "$(oracle list INBOX 2)")
third_flags=$(row_flags 3)
$DOVEADM expunge -u "$USER" mailbox INBOX uid "$(field 1 "$second")" || fail "doveadm expunge failed"
ui_keys j F
ui_wait "UID $(field 1 "$second")"
ui_wait "[Msgs:$((n - 1)) "
ui_wait_gone "$(field 5 "$second")"
assert_contains "$(ui_row $((UI_ROWS - 1)))" "no such message in 'INBOX'" "the error on the message line"
wait_row_flags "$third_flags" 2
ui_quit
echo "PASS: $TEST_NAME"
