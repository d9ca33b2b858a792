#!/bin/bash
# cli-limit: `skua list FOLDER --limit PATTERN` shows the messages mutt's pattern matches, checked
# against Dovecot's own SEARCH of the same criteria (doveadm); order and -n as without a pattern;
# threads (~( )); a bad pattern is one line naming the position, exit 2, before any connection.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"

sorted_uids() { printf '%s\n' "$1" | cut -f1 | sed '/^$/d' | sort -n; }
# same PATTERN SEARCH...: skua's matches are the UIDs doveadm's search finds
same() {
	local pat=$1
	shift
	skua_ok list INBOX -n 1000 --limit "$pat"
	assert_eq "$(dv_fetch INBOX uid "$@" | sort -n)" "$(sorted_uids "$OUT")" "--limit '$pat' = search $*"
}
same '~F' flagged
same '~U' unseen
same '~N' unseen
same '~R' seen
same '~Q' answered
same '!~R ~F' unseen flagged
same '~F | ~Q' '(' flagged or answered ')'
same '~z >2K' larger 2048
same '~z <1K' smaller 1024
same '~f carol' from carol
same '~s lunch' subject lunch
same '~s grüße' subject grüße
same '~A' all
same '' all
[ "$(nlines "$OUT")" -gt 100 ] || fail "an empty pattern lists everything"

# the order and -n are those of a list without a pattern: the newest flagged first, the first N
skua_ok list INBOX -n 1000
all=$OUT
skua_ok list INBOX -n 3 --limit '~U'
assert_eq "$(printf '%s\n' "$all" | awk -F '\t' '$2 ~ /N/' | head -n 3)" "$OUT" "-n 3 of the unread, newest first"

# ~( ): every message of a thread that holds a match: the thread of a reply found by its subject
# (the sample has another thread of the same subject: a thread is its References, not its subject)
skua_ok list INBOX -n 1 --limit '~s "^Re: holiday schedule"'
reply=$(field 1 "$OUT")
[ -n "$reply" ] || fail "the sample has a reply 'Re: holiday schedule'"
root=$(dv_fetch INBOX hdr.references uid "$reply" | grep -o '<[^>]*>' | head -n 1)
[ -n "$root" ] || fail "the reply has References"
skua_ok list INBOX -n 1000 --limit '~(~s "^Re: holiday schedule")'
assert_eq "$(dv_fetch INBOX uid '(' header message-id "$root" or header references "$root" ')' | sort -n)" \
	"$(sorted_uids "$OUT")" "the whole thread: the root and every message that refers to it"
[ "$(nlines "$OUT")" -ge 2 ] || fail "the thread has the root and the reply"

# bad patterns: one line naming the position, exit 2
skua_fails "bad pattern at 1: unknown operator ~q" list INBOX --limit '~q'
assert_eq 2 "$RC" "exit 2 for a bad pattern"
skua_fails "bad pattern at 4: a ')' is missing" list INBOX --limit '(~F'
skua_fails "back-references are not supported" list INBOX --limit '~s (a)\1'
echo "PASS: $TEST_NAME"
