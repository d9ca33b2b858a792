#!/bin/bash
# hostile-imap4rev2: an IMAP4rev2-only server (no IMAP4rev1, no RECENT, ESEARCH, LIST-STATUS): folders,
# list and show give the correct results for its 3 messages (UIDs 101, 205, 310).
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
hostile_start imap4rev2
hostile_config "$CONFIG" none
skua_ok folders
assert_eq "$(printf 'Archive\t0\t0\nINBOX\t3\t1')" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders"
skua_ok list INBOX
assert_eq "$(printf '%s\n' \
	"$(printf '310\tF\t2025-02-19 23:20\tBob Builder\tThird message')" \
	"$(printf '205\tN\t2025-02-19 22:20\tJürgen Müller\tZweite Nachricht: Grüße')" \
	"$(printf '101\t-\t2025-02-19 21:20\tAlice Example\tMessage one')")" "$OUT" "list INBOX"
skua_ok list INBOX -n 1 --sort size
assert_eq 1 "$(nlines "$OUT")" "-n 1"
skua_ok show INBOX 205
assert_eq "From: Jürgen Müller <juergen@example.de>" "$(printf '%s\n' "$OUT" | grep '^From:')" "show From"
assert_eq "Subject: Zweite Nachricht: Grüße" "$(printf '%s\n' "$OUT" | grep '^Subject:')" "show Subject"
assert_contains "$OUT" "Zweiter Text mit Umlauten: äöü." "show body"
skua_fails "no such message" show INBOX 206
skua_fails "no such folder" list Nope
hostile_check
echo "PASS: $TEST_NAME"
