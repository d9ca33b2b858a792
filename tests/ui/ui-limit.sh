#!/bin/bash
# ui-limit: mutt's patterns in the index: l limits the rows to a pattern (the status line says so) and
# "all" brings every message back; a bad pattern is refused with its position; T tags by pattern and
# ;s moves the tagged ones (checked with doveadm); ^T untags by pattern; in threads order ~v keeps the
# collapsed threads, and a collapse outlives a new sort.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"
. "$SKUA_SRCDIR/tests/ui/lib.sh"

count() { nlines "$(dv_fetch "$@")"; } # count FOLDER uid SEARCH...: how many match

n=$(dv_status INBOX messages)
nf=$(count INBOX uid flagged)
newest_flagged=$(oracle list INBOX 1000 | awk -F '\t' '$2 ~ /F/' | head -n 1)
[ "$nf" -ge 2 ] || fail "the sample has flagged messages"
ui_start
ui_wait "skua: INBOX [Msgs:$n "

# --- l ~F: only the flagged ones have rows, the newest first; l all: every message again ---
ui_keys l
ui_wait "Limit to messages matching:"
ui_type "~F"
ui_keys Enter
ui_wait "[Lim $nf: ~F]"
ui_wait "$(field 5 "$newest_flagged")"
rows=$(ui_screen | grep -cE '^ *[0-9]+ ')
assert_eq "$nf" "$rows" "one row per flagged message"
ui_keys l
ui_wait "Limit to messages matching:"
ui_type "all"
ui_keys Enter
ui_wait_gone "[Lim"
ui_wait "skua: INBOX [Msgs:$n "

# --- a bad pattern: refused, with where ---
ui_keys l
ui_wait "Limit to messages matching:"
ui_type "~q"
ui_keys Enter
ui_wait "bad pattern at 1: unknown operator ~q"

# --- T ~F tags the flagged, ^T ~F untags them: nothing is tagged then ---
ui_keys T
ui_wait "Tag messages matching:"
ui_type "~F"
ui_keys Enter
ui_wait "Tagged $nf messages."
ui_keys C-t
ui_wait "Untag messages matching:"
ui_type "~F"
ui_keys Enter
ui_wait "Untagged $nf messages."
ui_keys '\;' # tmux reads a bare ; as its command separator
ui_wait "No tagged messages."

# --- T by subject, then ;s: the tagged ones move to Lists/dev ---
nh=$(count INBOX uid subject holiday)
n_dev=$(dv_status Lists/dev messages)
[ "$nh" -ge 2 ] || fail "the sample has messages about the holiday"
ui_keys T
ui_wait "Tag messages matching:"
ui_type "~s holiday"
ui_keys Enter
ui_wait "Tagged $nh messages."
ui_keys '\;'
ui_wait "tag-"
ui_keys s
ui_wait "Move $nh messages to folder:"
ui_type "=Lists/dev"
ui_keys Enter
ui_wait "Moved $nh messages to Lists/dev."
wait_for 20 eval '[ "$(count INBOX uid subject holiday)" = 0 ]'
assert_eq $((n_dev + nh)) "$(dv_status Lists/dev messages)" "they are in Lists/dev"
assert_eq $((n - nh)) "$(dv_status INBOX messages)" "and only they left INBOX"

# --- threads: l ~v keeps the collapsed threads, still collapsed; the collapse outlives the sorts ---
ui_threads_collapsed
ui_keys l
ui_wait "Limit to messages matching:"
ui_type "~v"
ui_keys Enter
ui_wait ": ~v]"
rows=$(ui_screen | grep -cE '^ *[0-9]+ ')
[ "$rows" -ge 1 ] || fail "no collapsed thread matched ~v"
assert_eq "$rows" "$(ui_screen | grep -E '^ *[0-9]+ ' | grep -cF '(+')" "every row is a collapsed thread"
ui_keys l
ui_wait "Limit to messages matching:"
ui_type "all"
ui_keys Enter
ui_wait_gone "[Lim"
assert_contains "$(ui_screen)" "(+" "the threads are still collapsed after the sort"
assert_not_contains "$(ui_screen)" "└─>" "no reply drawn"
ui_keys Escape V
ui_wait "└─>"
ui_quit
echo "PASS: $TEST_NAME"
