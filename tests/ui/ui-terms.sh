#!/bin/bash
# ui-terms: skua starts, draws, moves and quits cleanly under the terminal types users have:
# xterm-256color, tmux-256color, screen and the Linux console; ^Z suspends and fg resumes.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
. "$SKUA_SRCDIR/tests/ui/lib.sh"

n=$(dv_status INBOX messages)
for term in xterm-256color tmux-256color screen linux; do
	infocmp "$term" >/dev/null 2>&1 || fail "terminfo entry $term missing (Debian package ncurses-base/ncurses-term)"
	UI_TERM=$term
	ui_start -f INBOX
	ui_wait "[Msgs:$n "
	ui_keys j
	ui_wait "   2 "
	assert_contains "$(ui_row $((UI_ROWS - 2)))" "-- skua: INBOX" "$term: status bar in place"
	ui_quit
	tmux -L "$UI_SOCK" kill-server
done

# suspend and resume: ^Z stops skua (the shell gets the terminal back), fg brings it back drawn
UI_TERM=xterm-256color
tmux -L "$UI_SOCK" -f /dev/null new-session -d -s ui -x "$UI_COLS" -y "$UI_ROWS" \
	"env -i HOME='$HOME' PATH='$PATH' TERM=xterm-256color LANG=C.UTF-8 XDG_CACHE_HOME='$XDG_CACHE_HOME' PS1='shell\$ ' bash --norc -i"
ui_type "'$SKUA' -F '$CONFIG' -f INBOX"
ui_keys Enter
ui_wait "[Msgs:$n "
ui_keys C-z
ui_wait "Stopped"
ui_type "fg"
ui_keys Enter
ui_wait "[Msgs:$n "
ui_keys q
ui_wait_gone "[Msgs:$n "
ui_type "echo skua-exited=\$?"
ui_keys Enter
ui_wait "skua-exited=0"
echo "PASS: $TEST_NAME"
