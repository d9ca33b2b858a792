#!/bin/bash
# ui-hung: a server that never answers never freezes the screen: the status bar says what is awaited,
# keys work, Ctrl-C cancels the open, q quits at once; a cached folder is on the screen before the
# server greets. Bad key and colour lines in the configuration stop skua with FILE:LINE before it takes
# the terminal.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init

# configuration errors, reported before anything else happens (no terminal needed)
bad=$T/bad.conf
write_config "$bad" <<CONF
account a
    tunnel "false"
bind index d no-such-function
CONF
CONFIG=$bad skua_fails "$bad:3: unknown function \"no-such-function\""
write_config "$bad" <<CONF
account a
    tunnel "false"
color status pink
CONF
CONFIG=$bad skua_fails "$bad:3: unknown colour \"pink\""

# a tunnel that never greets: the UI stays alive
write_config "$CONFIG" <<CONF
account hung
    tunnel "exec sleep 600"
CONF
. "$SKUA_SRCDIR/tests/ui/lib.sh"
ui_start
ui_wait "connecting"
ui_wait "opening"
ui_keys '?'
ui_wait "Help"
ui_keys q
ui_wait "-- skua: INBOX"
ui_keys C-c
ui_wait "Cancelled."
assert_not_contains "$(ui_row $((UI_ROWS - 2)))" "opening" "nothing is awaited any more"
# another try (c INBOX) hangs again; quitting does not wait for it
ui_keys c
ui_wait "Open folder:"
ui_type INBOX
ui_keys Enter
ui_wait "opening"
t0=$SECONDS
ui_quit
[ $((SECONDS - t0)) -le 5 ] || fail "quitting took $((SECONDS - t0)) s with a hung server"

# a folder in the cache is on the screen before the server has said a word: the cache is filled over a
# working connection, then the same account's server never greets
harness_start
write_config "$CONFIG" <<CONF
account hung
    host 127.0.0.1
    port $IMAP_PORT
    tls none
    user $USER
    password-command "echo $PASS"
CONF
skua_ok list INBOX -n 1000
newest=$(oracle list INBOX 1)
write_config "$CONFIG" <<CONF
account hung
    tunnel "exec sleep 600"
CONF
tmux -L "$UI_SOCK" kill-session -t ui
ui_start
ui_wait "connecting"
ui_wait "$(printf '%s\n' "$newest" | cut -f5)"
assert_contains "$(ui_row $((UI_ROWS - 2)))" "connecting" "still waiting for the server"
ui_quit
echo "PASS: $TEST_NAME"
