#!/bin/bash
# pager-viewers: programs the pager runs: html-command off the UI thread (the screen answers while it
# runs, leaving drops it), a mailcap viewer on the terminal (given a private 0600 copy, removed
# after), a copiousoutput mailcap entry shown in the pager, attachment-command with %s in a word.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
mkdir -p "$T/bin" "$T/work"
# the viewer records its arguments, the file's mode and a copy of it (the file: the last word that
# is no option, or --file=PATH)
cat >"$T/bin/viewer" <<SH
#!/bin/sh
for a in "\$@"; do
	case \$a in --file=*) f=\${a#--file=} ;; -*) ;; *) f=\$a ;; esac
done
printf '%s\n' "\$@" >"$T/viewer.args"
stat -c %a "\$f" >"$T/viewer.mode"
cp "\$f" "$T/viewer.copy"
SH
# a slow HTML converter
cat >"$T/bin/slowhtml" <<'SH'
#!/bin/sh
sleep 2
sed 's/<[^>]*>//g; s/^/CONVERTED: /'
SH
chmod +x "$T/bin/viewer" "$T/bin/slowhtml"
cat >"$HOME/.mailcap" <<MC
# skua's test entries (before /etc/mailcap)
application/pdf; $T/bin/viewer '%s'; needsterminal
text/csv; tr a-z A-Z; copiousoutput
MC
base_config=$(cat "$CONFIG")
{
	printf 'html-command "%s/bin/slowhtml"\n' "$T"
	printf '%s\n' "$base_config"
} >"$CONFIG"
printf 'From: H <h@example.org>\r\nTo: you@example.org\r\nDate: Thu, 3 Jul 2025 12:00:00 +0000\r\nSubject: HTML only\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello <b>world</b></p></body></html>\r\n' >"$T/html.eml"
$DOVEADM save -u "$USER" -m Samples <"$T/html.eml" || fail "doveadm save failed"
. "$SKUA_SRCDIR/tests/ui/lib.sh"
cd "$T/work" || fail "no work directory"


ui_start -f Samples
ui_wait "skua: Samples [Msgs:4 "
# html-command runs in the background: the pager says so and still takes keys
ui_open "HTML only"
ui_wait "Formatting message"
ui_keys h
ui_wait "CONVERTED: Hello world"
assert_contains "$(ui_screen)" "Content-Type: text/html" "the weed toggle pressed while formatting was kept"
ui_keys h q
# leaving while it runs: nothing left behind, the next message opens
ui_open "HTML only"
ui_wait "Formatting message"
ui_keys j
ui_wait "Subject: Links and a report"

# a mailcap viewer on the terminal: our own private copy, 0600, removed afterwards
ui_keys v
ui_wait "application/pdf"
ui_keys j Enter
wait_for 20 test -s "$T/viewer.mode"
tmp=$(cat "$T/viewer.args")
assert_match "$tmp" '^/.*/skua-[A-Za-z0-9]{6}/attachment\.pdf$' "a private temporary path, no name from the mail"
assert_eq "600" "$(cat "$T/viewer.mode")" "temporary copy mode"
"$PYTHON3" - "$T/viewer.copy" "$SKUA_SRCDIR/tests/corpus/maildir/11-links.eml" <<'PY' || fail "the viewer got other bytes"
import email, sys
m = email.message_from_binary_file(open(sys.argv[2], "rb"))
pdf = [p for p in m.walk() if p.get_content_type() == "application/pdf"][0].get_payload(decode=True)
sys.exit(0 if open(sys.argv[1], "rb").read() == pdf else 1)
PY
ui_wait "attachment 2/2"
[ -e "$tmp" ] && fail "the temporary copy was not removed"
[ -e "$(dirname "$tmp")" ] && fail "the temporary directory was not removed"
ui_keys q q
ui_wait "skua: Samples"

# copiousoutput: the command's output in the pager, titled by the part
ui_keys c
ui_wait "Open folder:"
ui_type INBOX
ui_keys Enter
ui_wait "skua: INBOX"
ui_open "Quarterly numbers"
ui_wait "The quarterly numbers are attached"
ui_keys v
ui_wait "text/csv"
assert_contains "$(ui_screen)" "Q1-Übersicht.csv" "the decoded RFC 2231 name"
ui_keys G Enter
ui_wait "QUARTER,REVENUE"
assert_contains "$(ui_row $((UI_ROWS - 2)))" "Q1-Übersicht.csv (text/csv) — line 1/2" "part status"
ui_keys q
ui_wait "attachment 3/3"
ui_keys q q
ui_wait "skua: INBOX"
ui_quit
tmux -L "$UI_SOCK" kill-session -t ui

# attachment-command: no shell, %s inside a word
{
	printf 'attachment-command "%s/bin/viewer --file=%%s --x"\n' "$T"
	printf '%s\n' "$base_config"
} >"$CONFIG"
rm -f "$T/viewer.args" "$T/viewer.mode"
ui_start -f Samples
ui_wait "skua: Samples [Msgs:4 "
ui_open "Links and a report"
ui_wait "Subject: Links and a report"
ui_keys v
ui_wait "application/pdf"
ui_keys j Enter
wait_for 20 test -s "$T/viewer.mode"
args=$(cat "$T/viewer.args")
assert_eq 2 "$(nlines "$args")" "attachment-command: two arguments"
assert_match "$(line 1 "$args")" '^--file=/.*/skua-[A-Za-z0-9]{6}/attachment\.pdf$' "%s replaced inside the word"
assert_eq "--x" "$(line 2 "$args")" "the path not appended again"
ui_wait "attachment 2/2"
ui_keys q q
ui_quit
echo "PASS: $TEST_NAME"
