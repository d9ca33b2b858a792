#!/bin/bash
# pager: reading a message in tmux: weeded and full headers, search, paging and resize keeping the
# place, the attachment list (types, sizes, a sanitised name saved 0600, overwrite only after
# asking), the URL picker (url-command gets the link as one argument, no shell), escape sequences in
# a header and the body kept harmless, next/previous message.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
mkdir -p "$T/bin" "$T/work"
# url-command records its arguments, one a line
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >>"%s/urls.txt"\n' "$T" >"$T/bin/urlrec"
chmod +x "$T/bin/urlrec"
{
	printf 'url-command "%s/bin/urlrec --new-tab"\n' "$T"
	cat "$CONFIG"
} >"$T/config.new" && mv "$T/config.new" "$CONFIG"
# a long message: one paragraph to wrap, then 100 short lines
{
	printf 'From: Lou <lou@example.org>\r\nTo: you@example.org\r\nDate: Thu, 3 Jul 2025 12:00:00 +0000\r\n'
	printf 'Subject: Long one\r\nMessage-ID: <long-1@example.org>\r\n\r\n'
	for _ in $(seq 60); do printf 'word '; done
	printf '\r\n'
	for i in $(seq 100); do printf 'line %d\r\n' "$i"; done
} >"$T/long.eml"
$DOVEADM save -u "$USER" -m Samples <"$T/long.eml" || fail "doveadm save failed"
. "$SKUA_SRCDIR/tests/ui/lib.sh"
cd "$T/work" || fail "no work directory"

# open_message SUBJECT: finds it in the index and opens it
open_message() { ui_open "$1"; ui_wait "Subject: $1"; }

ui_start -f Samples
ui_wait "skua: Samples [Msgs:4 "
title_before=$(ui_title)
open_message "Links and a report"
ui_wait "line 1/"
screen=$(ui_screen)
assert_contains "$(ui_row 1)" "Date: Wed, 2 Jul 2025 12:00:00 +0000" "Date first (default pager-headers)"
assert_contains "$screen" "From: Alice Example <alice@example.org>" "From decoded"
assert_not_contains "$screen" "Message-ID:" "weeded: no Message-ID"
assert_contains "$screen" "> quoted line from you" "quoted text"
assert_contains "$screen" "[-- Attachment: ../../etc/q3 report.pdf (application/pdf" "attachment marker"
assert_contains "$(ui_row $((UI_ROWS - 2)))" "UID 3 — line 1/17 — 100%" "pager status"

# every header field, and back
ui_keys h
ui_wait "Message-ID: <urls-1@example.org>"
assert_contains "$(ui_screen)" "MIME-Version: 1.0" "all header fields"
ui_keys h
ui_wait_gone "Message-ID:"

# search: two matches on one line, then around to the first again
ui_keys /
ui_wait "Search for:"
ui_type "notes"
ui_keys Enter
ui_keys n
ui_wait_gone "Search for:"
assert_not_contains "$(ui_screen)" "Not found" "found"
ui_keys n
ui_wait "Search wrapped to the top."
ui_keys /
ui_type "no such text"
ui_keys Enter
ui_wait "Not found: no such text"

# the attachment list: name, type, size; save the PDF under its safe name
ui_keys v
ui_wait "application/pdf"
assert_contains "$(ui_row 1)" "text/plain" "the text part listed first"
assert_match "$(ui_row 2)" '^ +2 \.\./\.\./etc/q3 report\.pdf +application/pdf +2\.0K$' "name, type and size"
assert_contains "$(ui_row $((UI_ROWS - 2)))" "attachment 1/2" "list status"
ui_keys j s
ui_wait "Save to file: q3 report.pdf"
ui_keys Enter
ui_wait "Saved q3 report.pdf (2039 bytes)."
[ -f "$T/work/q3 report.pdf" ] || fail "not saved in the current directory under the safe name"
assert_eq "600" "$(stat -c %a "$T/work/q3 report.pdf")" "saved with mode 0600"
head -c 8 "$T/work/q3 report.pdf" | grep -q '^%PDF-1.4' || fail "saved bytes are not the decoded part"
# an existing file: asked, and kept on "n"
echo keep >"$T/work/q3 report.pdf"
ui_keys s
ui_wait "Save to file:"
ui_keys Enter
ui_wait "The file exists. Overwrite it? (y/n)"
ui_type n
ui_keys Enter
ui_wait "Not saved."
assert_eq "keep" "$(cat "$T/work/q3 report.pdf")" "not overwritten without asking"
ui_keys s
ui_wait "Save to file:"
ui_keys Enter
ui_wait "Overwrite it?"
ui_type y
ui_keys Enter
ui_wait "Saved q3 report.pdf"
head -c 8 "$T/work/q3 report.pdf" | grep -q '^%PDF-1.4' || fail "not overwritten after yes"
# a directory gets the part's name inside it
mkdir "$T/work/dir"
ui_keys s
ui_wait "Save to file:"
ui_keys C-u
ui_type "dir"
ui_keys Enter
ui_wait "Saved dir/q3 report.pdf"
ui_keys q
ui_wait "Subject: Links and a report"

# the URL picker: Enter runs url-command with the link as its last argument
ui_keys C-b
ui_wait "https://dash.example.org/q3?view=all"
assert_contains "$(ui_row 2)" "2  http://notes.example.org/2025/07" "links in order"
ui_keys Down Enter
wait_for 20 test -s "$T/urls.txt"
assert_eq "--new-tab
http://notes.example.org/2025/07" "$(cat "$T/urls.txt")" "url-command argv"
ui_wait "link 2/2"
ui_keys q q
ui_wait "skua: Samples [Msgs:4 "

# escape sequences in the Subject and the body reach the screen as inert text
open_message "HOSTILE"
ui_wait "Body with"
assert_eq "$title_before" "$(ui_title)" "no OSC title from the message"
tmux -L "$UI_SOCK" capture-pane -p -t ui | grep -q $'\e' && fail "an escape character reached the screen"
assert_contains "$(ui_row 0)" "q:Back" "help line still on top (no clear screen)"
ui_keys h
ui_wait "Message-ID: <hostile-1@example.org>"
tmux -L "$UI_SOCK" capture-pane -p -t ui | grep -q $'\e' && fail "an escape character reached the screen"
assert_eq "$title_before" "$(ui_title)" "no OSC title from the raw header fields"
ui_keys h

# next and previous message (index order, newest first)
ui_keys k
ui_wait "Subject: 会議の議題"
ui_keys j
ui_wait "Subject: HOSTILE"
ui_keys q
ui_wait "skua: Samples [Msgs:4 "

# paging and the percentage; a resize keeps the top line
open_message "Long one"
ui_wait "line 1/"
ui_keys Space
ui_wait "line 28/"
top=$(ui_row 1)
ui_resize 60 30
ui_wait "line 30/"
assert_eq "$top" "$(ui_row 1)" "the top line kept across a resize"
ui_resize 100 30
ui_keys G
ui_wait "100%"
assert_eq "line 100" "$(ui_row $((UI_ROWS - 3)))" "the last line at the bottom"
ui_keys q
ui_wait "skua: Samples [Msgs:4 "

ui_quit
echo "PASS: $TEST_NAME"
