#!/bin/bash
# ui-basic: the full-screen interface in tmux against the harness Dovecot: start-up on INBOX, the
# folder list, opening a folder, threads collapsed and expanded, resize, a Subject full of escape
# sequences (title and screen intact), a CJK subject aligned, quitting cleanly.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
. "$SKUA_SRCDIR/tests/ui/lib.sh"

newest=$(oracle list INBOX 1 | cut -f5)
n=$(dv_status INBOX messages)
ui_start
ui_wait "[Msgs:$n "
ui_wait "$newest"
assert_contains "$(ui_row 0)" "q:Quit" "help line on top"
assert_contains "$(ui_row $((UI_ROWS - 2)))" "-- skua: INBOX [Msgs:$n" "status bar above the message line"
assert_contains "$(ui_row 1)" "$newest" "newest message first, under the cursor"

# search decodes encoded words: the subject is =?...?= on the wire
ui_keys /
ui_wait "Search for:"
ui_type "Köln"
ui_keys Enter
ui_keys Enter
wait_for 10 eval 'ui_screen | grep -q "^Subject: Grüße aus Köln"'
ui_keys q
ui_wait "[Msgs:$n "

# the folder list: roles first, the hierarchy indented, counts
ui_keys y
ui_wait "Folders"
screen=$(ui_screen)
for f in INBOX Entwürfe Samples dev; do assert_contains "$screen" "$f" "folder $f listed"; done
first=$(ui_row 1)
assert_contains "$first" "INBOX" "INBOX first"
# open Lists/dev from the list with the keyboard: move down until it is under the cursor
ui_keys q
ui_wait "[Msgs:$n "

# change folder by name, with completion
ui_keys c
ui_wait "Open folder:"
ui_type "Lists/d"
ui_keys Tab Enter
dev=$(dv_status Lists/dev messages)
ui_wait "skua: Lists/dev [Msgs:$dev "

# threads: sort by threads, collapse all, expand all
ui_threads_collapsed
assert_not_contains "$(ui_screen)" "└─>" "collapsed: no replies drawn"
ui_keys Escape V
ui_wait "└─>"

# a Subject full of escape sequences: shown with visible replacements; title and layout intact
title_before=$(ui_title)
ui_keys c
ui_wait "Open folder:"
ui_type "Samples"
ui_keys Enter
ui_wait "skua: Samples [Msgs:3 "
ui_wait "HOSTILE"
screen=$(ui_screen)
assert_eq "$title_before" "$(ui_title)" "the terminal title did not change"
assert_not_contains "$(ui_title)" "pwned" "no OSC title from the subject"
assert_contains "$(ui_row 0)" "q:Quit" "help line still on top (no clear screen)"
assert_contains "$(ui_row $((UI_ROWS - 2)))" "-- skua: Samples" "status bar still in place"
assert_contains "$screen" "HOSTILE" "the subject is shown"
printf '%s\n' "$screen" | grep HOSTILE | grep -q $'\e' && fail "an escape character reached the screen"
# the CJK subject: its columns line up with the others (the size column starts at the same column)
col_of_size() { # display column of the " (" that opens %c in the line containing $1
	ui_screen | grep -F -- "$1" | "$PYTHON3" -c '
import sys, unicodedata
line = sys.stdin.readline().rstrip("\n")
i = line.index(" (")
print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in line[:i]))'
}
ui_wait "会議の議題"
assert_eq "$(col_of_size 'Links and a report')" "$(col_of_size '会議の議題')" "CJK line aligned with an ASCII line"
assert_eq "$(col_of_size 'Links and a report')" "$(col_of_size 'HOSTILE')" "escaped line aligned too"

# resize: the layout follows the new size
ui_resize 60 16
UI_ROWS=16
# the redraw follows SIGWINCH: poll for the status bar on the new second-to-last row
wait_for 10 eval 'ui_row 14 | grep -qF -- "-- skua: Samples"'
[ "$(ui_row 1 | "$PYTHON3" -c 'import sys,unicodedata; l=sys.stdin.readline().rstrip("\n"); print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l))')" -le 60 ] ||
	fail "a line is wider than the new width"
ui_resize 100 30
UI_ROWS=30
wait_for 10 eval 'ui_row 28 | grep -qF -- "-- skua: Samples"'

# help lists the bindings
ui_keys '?'
ui_wait "Help"
assert_contains "$(ui_screen)" "display-message" "help lists the index's functions"
ui_keys G
ui_wait "redraw-screen"
assert_not_contains "$(ui_screen)" "display-message" "help scrolled to its end (the generic keys)"
ui_keys q
ui_wait "skua: Samples"

ui_quit
echo "PASS: $TEST_NAME"
