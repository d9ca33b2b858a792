#!/bin/bash
# pager-render: a message is parsed, rendered and laid out off the UI thread: while the hostile HTML
# case (a text/html body of stray '<') renders, help opens and closes; ^C cancels a rendering and the
# pager goes on. A gate file (SKUA_TEST_RENDER_GATE) holds each rendering until the test lets it go,
# so the test, not the machine's speed, decides how long a rendering takes. A change of width lays the
# long text out again (off the UI thread too).
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
mkdir -p "$T/work"
GATE="$T/render-gate"
{
	printf 'From: Mallory <m@example.org>\r\nTo: you@example.org\r\nDate: Thu, 3 Jul 2025 12:00:00 +0000\r\n'
	printf 'Subject: Stray angles\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n'
	printf '<p>HOSTILE-START</p>'
	head -c 160000 /dev/zero | tr '\0' '<'
	printf '\r\n<p>HOSTILE-END</p>\r\n'
} >"$T/hostile.eml"
$DOVEADM save -u "$USER" -m Samples <"$T/hostile.eml" || fail "doveadm save failed"
. "$SKUA_SRCDIR/tests/ui/lib.sh"
cd "$T/work" || fail "no work directory"
UI_ENV="SKUA_TEST_RENDER_GATE='$GATE'"


ui_start -f Samples
ui_wait "skua: Samples [Msgs:4 "
# while the rendering is held, the interface answers: help opens over the pager and closes again
ui_open "Stray angles"
ui_wait "Formatting message"
ui_keys '?'
ui_wait "Help"
assert_contains "$(ui_screen)" "display-toggle-weed" "help lists the pager's functions"
ui_keys q
ui_wait "Formatting message"
assert_not_contains "$(ui_screen)" "HOSTILE-START" "the rendering is still held"
# let it go: the text comes
touch "$GATE"
ui_wait "HOSTILE-START"
assert_contains "$(ui_screen)" "<<<<<<<<<<" "stray '<' are shown as text"
# a text this long is laid out again off the UI thread when the width changes
lines_at() { ui_screen | sed -n 's/.* line [0-9]*\/\([0-9]*\) .*/\1/p' | head -n 1; }
wide=$(lines_at)
[ -n "$wide" ] || fail "no line count in the status bar"
ui_resize 70 30
wait_for 20 eval '[ -n "$(lines_at)" ] && [ "$(lines_at)" -gt "$wide" ]'
ui_resize 100 30
wait_for 20 eval '[ "$(lines_at)" = "$wide" ]'
ui_keys G
ui_wait "HOSTILE-END"
ui_keys q
ui_wait "skua: Samples [Msgs:4 "

# ^C cancels a rendering; the pager says so, and another message opens
rm -f "$GATE"
ui_open "Stray angles"
ui_wait "Formatting message"
ui_keys C-c
ui_wait "Rendering cancelled."
assert_not_contains "$(ui_screen)" "HOSTILE-START" "a cancelled rendering shows nothing of it"
touch "$GATE"
ui_keys q
ui_wait "skua: Samples [Msgs:4 "
ui_open "Links and a report"
ui_wait "Subject: Links and a report"
ui_keys q
ui_wait "skua: Samples [Msgs:4 "
# and the cancelled message opens again
ui_open "Stray angles"
ui_wait "HOSTILE-START"
ui_keys q
ui_wait "skua: Samples [Msgs:4 "

ui_quit
echo "PASS: $TEST_NAME"
