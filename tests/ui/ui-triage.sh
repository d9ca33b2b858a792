#!/bin/bash
# ui-triage: triage from the keyboard, as a mutt user does it, checked with doveadm. Tagged messages
# moved with ;s to a folder typed as =name (Tab completes it), and the move undone with z; a flag change
# undone; d then $ moves the deleted message to the Trash (not marked deleted there; z brings it back
# marked deleted), and d then $ in
# the Trash expunges every message marked deleted; A archives to the \Archive folder; a move the server refuses is taken back with
# the reason shown; ^D and ^U act on the whole thread in threads order and refuse in date order;
# leaving a folder with a message marked deleted asks: no keeps it, yes (on quitting) purges it first.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
. "$SKUA_SRCDIR/tests/ui/lib.sh"

# uids FOLDER [SEARCH...]: the folder's UIDs, one per line
uids() { local f=$1; shift; dv_fetch "$f" uid "$@"; }
count_is() { [ "$(dv_status "$1" messages)" = "$2" ]; }         # count_is FOLDER N
deleted_is() { [ "$(nlines "$(uids "$1" deleted)")" = "$2" ]; } # deleted_is FOLDER N
flagged() { [ -n "$(uids INBOX uid "$1" flagged)" ]; }
unflagged() { ! flagged "$1"; }
# row_mark ROW: the two flag marks of index row ROW (%Z: D deleted, N unread; * tagged, ! flagged)
row_mark() { ui_row "$1" | cut -c6-7 | tr ' ' .; }
wait_row_mark() { # wait_row_mark ROW ERE
	local end=$((SECONDS + 20))
	until [[ $(row_mark "$1") =~ $2 ]]; do
		[ $SECONDS -lt $end ] || { ui_screen >&2; fail "index row $1 does not show marks matching '$2'"; }
		"$PYTHON3" -c 'import time; time.sleep(0.05)'
	done
}
message_line() { ui_row $((UI_ROWS - 1)); }

n=$(dv_status INBOX messages)
n_dev=$(dv_status Lists/dev messages)
newest3=$(oracle list INBOX 3)
ui_start
ui_wait "skua: INBOX [Msgs:$n "
ui_wait "$(field 5 "$(line 1 "$newest3")")"

# --- tag three, ;s to =Lists/dev (completed with Tab): they leave INBOX for Lists/dev ---
ui_keys t t t
for r in 1 2 3; do wait_row_mark $r '^.\*$'; done
ui_keys '\;'   # tmux reads a bare ; as its command separator
ui_wait "tag-"
ui_keys s
ui_wait "Move 3 messages to folder:"
ui_type "=Lists/d"
ui_keys Tab
ui_wait "Move 3 messages to folder: =Lists/dev"
ui_keys Enter
ui_wait "Moved 3 messages to Lists/dev."
wait_for 20 count_is Lists/dev $((n_dev + 3))
assert_eq $((n - 3)) "$(dv_status INBOX messages)" "three messages left INBOX"
for u in $(field 1 "$newest3"); do
	assert_eq "" "$(uids INBOX uid "$u")" "UID $u left INBOX"
done
ui_wait "skua: INBOX [Msgs:$((n - 3)) "
ui_wait_gone "$(field 5 "$(line 1 "$newest3")")"

# --- z takes the move back: the three are in INBOX again (new UIDs), on the screen too ---
ui_keys z
ui_wait "Undone."
wait_for 20 count_is INBOX "$n"
assert_eq "$n_dev" "$(dv_status Lists/dev messages)" "Lists/dev as it was"
assert_eq "$(field 5 "$newest3")" "$(field 5 "$(oracle list INBOX 3)")" "the same three are the newest again"
ui_wait "skua: INBOX [Msgs:$n "
ui_wait "$(field 5 "$(line 1 "$newest3")")"

# --- a flag change, undone ---
top=$(field 1 "$(oracle list INBOX 1)")
ui_keys =
ui_keys F
wait_for 20 flagged "$top"
ui_keys z
ui_wait "Undone."
wait_for 20 unflagged "$top"

# --- d marks deleted; $ moves it to the Trash, where it is not marked deleted ---
n_trash=$(dv_status Trash messages)
trash_deleted=$(nlines "$(uids Trash deleted)") # the sample Trash holds some marked deleted already
ui_keys = d
wait_row_mark 1 '^D'
wait_for 20 deleted_is INBOX 1
assert_eq "$top" "$(uids INBOX deleted)" "the message under the cursor is marked deleted"
ui_keys '$'
ui_wait "Moved 1 deleted message to Trash."
wait_for 20 count_is Trash $((n_trash + 1))
assert_eq "" "$(uids INBOX uid "$top")" "it left INBOX"
assert_eq "$trash_deleted" "$(nlines "$(uids Trash deleted)")" "not marked deleted in the Trash"
ui_wait "skua: INBOX [Msgs:$((n - 1)) "
# undone: back from the Trash, marked deleted as before the $; then $ again
ui_keys z
ui_wait "Undone."
wait_for 20 count_is Trash "$n_trash"
wait_for 20 deleted_is INBOX 1
assert_eq "$n" "$(dv_status INBOX messages)" "back in INBOX"
ui_wait "skua: INBOX [Msgs:$n "
ui_keys '$'
ui_wait "Moved 1 deleted message to Trash."
wait_for 20 count_is Trash $((n_trash + 1))
wait_for 20 deleted_is INBOX 0
ui_wait "skua: INBOX [Msgs:$((n - 1)) "
n=$((n - 1))

# --- in the Trash, d then $ expunges ---
ui_keys c
ui_wait "Open folder:"
ui_type Trash
ui_keys Enter
ui_wait "skua: Trash [Msgs:$((n_trash + 1)) "
trash_top=$(field 1 "$(oracle list Trash 1)")
ui_keys = d
wait_row_mark 1 '^D'
wait_for 20 deleted_is Trash $((trash_deleted + 1))
# $ expunges every message marked deleted, the ones the sample marked too
ui_keys '$'
if [ "$trash_deleted" = 0 ]; then ui_wait "Expunged 1 message."; else ui_wait "Expunged $((trash_deleted + 1)) messages."; fi
wait_for 20 count_is Trash $((n_trash - trash_deleted))
assert_eq 0 "$(nlines "$(uids Trash deleted)")" "none marked deleted is left"
assert_eq "" "$(uids Trash uid "$trash_top")" "expunged from the Trash"
ui_keys z
ui_wait "Cannot undo: expunged messages are gone for good."

# --- a move the server refuses is taken back, and the message line says why ---
ui_keys c
ui_wait "Open folder:"
ui_type INBOX
ui_keys Enter
ui_wait "skua: INBOX [Msgs:$n "
top=$(oracle list INBOX 1)
ui_keys = s
ui_wait "Move 1 message to folder: =Lists/dev" # the last folder, suggested; typing replaces it
ui_type "=NoSuchFolder"
ui_keys Enter
ui_wait "cannot move to 'NoSuchFolder': no such folder"
ui_wait "$(field 5 "$top")"
assert_eq "$n" "$(dv_status INBOX messages)" "nothing moved"
ui_wait "skua: INBOX [Msgs:$n "

# --- A archives to the folder the server marks \Archive ---
n_archive=$(dv_status Archive messages)
ui_keys = A
ui_wait "Moved 1 message to Archive."
wait_for 20 count_is Archive $((n_archive + 1))
assert_eq "" "$(uids INBOX uid "$(field 1 "$top")")" "archived out of INBOX"
n=$((n - 1))
ui_wait "skua: INBOX [Msgs:$n "

# --- threads: ^D marks the whole thread deleted, ^U takes the marks off; in date order it refuses ---
ui_keys C-d
ui_wait "Threading is not enabled"
ui_keys o
ui_wait "Sort by"
ui_keys t Enter
ui_wait "(threads)"
ui_wait "└─>"
ui_keys =
screen=$(ui_screen)
first_child=$(printf '%s\n' "$screen" | grep -n -m1 -E '(├─>|└─>)' | cut -d: -f1)
root=$((first_child - 2)) # 0-based screen row of the line above
members=1
while printf '%s\n' "$screen" | sed -n "$((root + members + 1))p" | grep -qE '(├─>|└─>)'; do
	members=$((members + 1))
done
[ "$members" -ge 2 ] || fail "no thread on the first screen"
for ((i = 1; i < root; i++)); do ui_keys j; done
ui_keys C-d
wait_for 20 deleted_is INBOX "$members"
for ((i = 0; i < members; i++)); do wait_row_mark $((root + i)) '^D'; done
wait_row_mark $((root + members)) '^[^D]'
ui_keys C-u
wait_for 20 deleted_is INBOX 0
for ((i = 0; i < members; i++)); do wait_row_mark $((root + i)) '^[^D]'; done

# --- leaving a folder with a message marked deleted asks (delete=ask-yes): no keeps it marked ---
ui_keys = d
wait_for 20 deleted_is INBOX 1
marked=$(uids INBOX deleted)
ui_keys c
ui_wait "Open folder:"
ui_type "Lists/dev"
ui_keys Enter
ui_wait "Purge 1 deleted message? ([yes]/no):"
ui_type n
ui_keys Enter
ui_wait "skua: Lists/dev [Msgs:"
assert_eq "$marked" "$(uids INBOX deleted)" "no: still marked deleted in INBOX"
ui_keys c
ui_wait "Open folder:"
ui_type INBOX
ui_keys Enter
ui_wait "skua: INBOX [Msgs:$n "
# --- and quitting, Enter (yes) purges it to the Trash before skua exits ---
n_trash=$(dv_status Trash messages)
ui_keys q
ui_wait "Purge 1 deleted message? ([yes]/no):"
ui_keys Enter
end=$((SECONDS + 20))
until ui_dead; do
	[ $SECONDS -lt $end ] || { ui_screen >&2; fail "skua did not exit after the purge"; }
	"$PYTHON3" -c 'import time; time.sleep(0.05)'
done
assert_eq 0 "$(cat "$T/ui-status")" "exit status"
ui_check_sanitizers
# it was on the server before skua exited: no waiting here
assert_eq "" "$(uids INBOX uid "$marked")" "purged out of INBOX"
assert_eq $((n_trash + 1)) "$(dv_status Trash messages)" "into the Trash"
echo "PASS: $TEST_NAME"
