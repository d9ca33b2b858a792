# tests/ui/lib.sh: driving the full-screen skua inside a private tmux server (fixed size, clean
# environment) against the harness Dovecot; screens are read with capture-pane and polled with a
# deadline, never slept on. Source it after tests/harness/lib.sh's harness_start and harness_config.

command -v tmux >/dev/null || fail "tmux not found (Debian package tmux)"
UI_SOCK=skua-ui-$$-$RANDOM
UI_COLS=${UI_COLS:-100}
UI_ROWS=${UI_ROWS:-30}
UI_TERM=${UI_TERM:-xterm-256color}
on_exit "tmux -L '$UI_SOCK' kill-server"

# ui_start [SKUA ARGS...]: starts skua in a tmux session "ui" (UI_COLS x UI_ROWS, TERM=UI_TERM, env -i)
# with -F $CONFIG and a debug log in $T/ui.log; sanitizer reports go to $T/asan.*. UI_ENV: more
# environment (NAME=VALUE words, quoted for the shell) for skua.
ui_start() {
	local cmd q
	rm -f "$T/ui-status"
	cmd="env -i HOME='$HOME' PATH='$PATH' TERM='$UI_TERM' LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC"
	cmd+=" XDG_CACHE_HOME='$XDG_CACHE_HOME' ASAN_OPTIONS='log_path=$T/asan:detect_leaks=1'"
	cmd+=" UBSAN_OPTIONS='log_path=$T/ubsan:print_stacktrace=1' ${UI_ENV:-} '$SKUA' -F '$CONFIG' -d '$T/ui.log'"
	for q in "$@"; do cmd+=" '${q//\'/\'\\\'\'}'"; done
	cmd+="; echo \$? >'$T/ui-status'"
	tmux -L "$UI_SOCK" -f /dev/null new-session -d -s ui -x "$UI_COLS" -y "$UI_ROWS" "$cmd" ||
		fail "cannot start tmux"
	tmux -L "$UI_SOCK" set-option -t ui remain-on-exit on >/dev/null
}

# ui_screen: the visible screen as text.
ui_screen() { tmux -L "$UI_SOCK" capture-pane -p -t ui; }

# ui_screen_has TEXT: the screen shows TEXT (fixed string).
ui_screen_has() { ui_screen | grep -qF -- "$1"; }

# ui_wait TEXT [SECONDS]: polls until the screen shows TEXT; fails with the screen otherwise.
ui_wait() {
	local end=$((SECONDS + ${2:-20}))
	until ui_screen_has "$1"; do
		if [ $SECONDS -ge $end ]; then
			echo "--- screen ---" >&2
			ui_screen >&2
			echo "--- log tail ---" >&2
			tail -n 20 "$T/ui.log" >&2 2>/dev/null
			fail "timed out waiting for the screen to show: $1"
		fi
		"$PYTHON3" -c 'import time; time.sleep(0.05)'
	done
}

# ui_wait_gone TEXT [SECONDS]: polls until the screen no longer shows TEXT.
ui_wait_gone() {
	local end=$((SECONDS + ${2:-20}))
	while ui_screen_has "$1"; do
		[ $SECONDS -lt $end ] || { ui_screen >&2; fail "timed out waiting for this to go: $1"; }
		"$PYTHON3" -c 'import time; time.sleep(0.05)'
	done
}

# ui_keys KEY...: tmux send-keys (tmux key names: Enter, Escape, C-c, Up, "j"...).
ui_keys() { tmux -L "$UI_SOCK" send-keys -t ui "$@"; }
# ui_type TEXT: types TEXT literally.
ui_type() { tmux -L "$UI_SOCK" send-keys -t ui -l -- "$1"; }

# ui_resize COLS ROWS
ui_resize() { tmux -L "$UI_SOCK" resize-window -t ui -x "$1" -y "$2"; }

# ui_title: the pane title (an OSC from the program would change it).
ui_title() { tmux -L "$UI_SOCK" display-message -p -t ui '#{pane_title}'; }

# ui_dead: the program has exited (remain-on-exit keeps the pane).
ui_dead() { [ "$(tmux -L "$UI_SOCK" display-message -p -t ui '#{pane_dead}')" = 1 ]; }

# ui_quit: sends q until skua exits, then checks its exit status and the sanitizer logs.
ui_quit() {
	local end=$((SECONDS + 20)) status
	ui_keys q
	until ui_dead; do
		[ $SECONDS -lt $end ] || { ui_screen >&2; fail "skua did not exit on q"; }
		"$PYTHON3" -c 'import time; time.sleep(0.05)'
	done
	status=$(cat "$T/ui-status" 2>/dev/null)
	ui_check_sanitizers
	[ "$status" = 0 ] || { ui_screen >&2; fail "skua exited with status $status"; }
}

ui_check_sanitizers() {
	local f
	for f in "$T"/asan.* "$T"/ubsan.*; do
		[ -e "$f" ] || continue
		cat "$f" >&2
		fail "sanitizer report in $f"
	done
}

# ui_open SUBJECT: finds the message with SUBJECT in the index (/ search) and opens it in the pager.
ui_open() {
	ui_wait "$1"
	ui_keys /
	ui_wait "Search"
	ui_type "$1"
	ui_keys Enter Enter
}

# ui_threads_collapsed: sorts the index by threads (replies drawn) and collapses every thread.
ui_threads_collapsed() {
	ui_keys o
	ui_wait "Sort by"
	ui_keys t Enter
	ui_wait "(threads)"
	ui_wait "└─>"
	ui_keys Escape V
	ui_wait "(+"
}

# ui_row N: line N (0-based) of the screen.
ui_row() { ui_screen | sed -n "$(($1 + 1))p"; }
