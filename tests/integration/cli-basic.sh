#!/bin/bash
# cli-basic: --version, --help, folders, list (-n, every --sort), show, a UTF-8 folder name, against the
# harness Dovecot (seeded with gen-mail.py --demo and tests/corpus/maildir). Expectations come from
# doveadm (oracle.py) and from the known corpus messages.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start
harness_config "$CONFIG"

# --version / --help
skua_ok --version
assert_eq 1 "$(nlines "$OUT")" "--version prints one line"
assert_match "$OUT" '^skua [0-9]+\.[0-9]+' "--version format"
skua_ok --help
for w in folders list show --sort -n; do assert_contains "$OUT" "$w" "--help mentions $w"; done

# folders: every folder with its message and unseen counts (order not part of the contract)
skua_ok folders
assert_eq "$(oracle folders)" "$(printf '%s\n' "$OUT" | LC_ALL=C sort)" "folders = doveadm's counts"
assert_contains "$OUT" "$(printf 'INBOX\t124\t21')" "INBOX counts"
assert_contains "$OUT" "$(printf 'Entwürfe\t4\t0')" "UTF-8 folder name printed as UTF-8"
assert_contains "$OUT" "$(printf 'Lists/dev\t63\t13')" "hierarchical folder"
for f in Archive Sent Drafts Trash Lists/announce; do
	printf '%s\n' "$OUT" | cut -f1 | grep -qxF "$f" || fail "folders does not list $f"
done
assert_not_contains "$OUT" "&APw-" "modified UTF-7 leaked into folders"

# list: the 50 newest by default, newest first, exact format
skua_ok list INBOX
assert_eq 50 "$(nlines "$OUT")" "list defaults to 50 lines"
assert_eq "$(oracle list INBOX 50)" "$OUT" "list INBOX"
skua_ok list INBOX -n 5
assert_eq "$(oracle list INBOX 5)" "$OUT" "list INBOX -n 5"
assert_eq "$(printf '124\tN\t2025-03-06 07:15\tFrançois Lévesque\tCafé crème à midi')" "$(line 1 "$OUT")" \
	"newest message (ISO-8859-1 RFC 2047 from and subject)"
assert_eq "$(printf '122\tN\t2025-03-04 09:30\tJürgen Müller\tGrüße aus Köln – Übersicht')" "$(line 3 "$OUT")" \
	"UTF-8 Q and B encoded words joined"
assert_eq "$(printf '123\tF\t2025-03-05 21:45\tDave Ops\tQuarterly numbers (with attachment)')" "$(line 2 "$OUT")" \
	"flagged and seen"
skua_ok list INBOX -n 1000
assert_eq 124 "$(nlines "$OUT")" "-n larger than the folder"
assert_eq "$(oracle list INBOX 1000)" "$OUT" "list INBOX -n 1000"
for f in Archive Sent Lists/dev Lists/announce Drafts Trash; do
	skua_ok list "$f" -n 20
	assert_eq "$(oracle list "$f" 20)" "$OUT" "list $f -n 20"
done

# a UTF-8 folder name round-trips
skua_ok list 'Entwürfe'
assert_eq "$(oracle list 'Entwürfe')" "$OUT" "list Entwürfe"
assert_eq "$(printf '4\tT\t2025-03-08 17:00\tSam Skua\tEntwurf: Übersicht für März')" "$(line 1 "$OUT")" "draft flag, UTF-8 subject"

# --sort date is the default order
skua_ok list INBOX -n 30 --sort date
assert_eq "$(oracle list INBOX 30)" "$OUT" "--sort date"

# --sort from|subject|size: the N newest, ordered by the key (ties newest first)
check_sorted() { # check_sorted KEY FOLDER N
	"$PYTHON3" - "$1" "$T/sorted.out" "$T/records" "$T/expected" <<'EOF'
import re, sys
key, out, rec, exp = sys.argv[1:5]
recs = {}
for l in open(rec, encoding="utf-8", errors="surrogateescape"):
    uid, epoch, size, addr, subj = l.rstrip("\n").split("\t", 4)
    recs[int(uid)] = (int(epoch), int(size), addr, subj)
lines = [l.rstrip("\n") for l in open(out, encoding="utf-8", errors="surrogateescape") if l.strip()]
got = [int(l.split("\t")[0]) for l in lines]
want = sorted(int(l.split("\t")[0]) for l in open(exp) if l.strip())
if sorted(got) != want:
    sys.exit("--sort %s: not the same messages as the %d newest: %s vs %s" % (key, len(want), sorted(got), want))
def base(s):
    s = s.strip()
    while True:
        m = re.match(r"(?i)(re|fwd|fw|aw)\s*:\s*", s)
        if not m: return s.lower()
        s = s[m.end():]
if key == "size":
    keys = [recs[u][1] for u in got]
elif key == "from":
    keys = [recs[u][2].lower() for u in got]
else:  # subject: only plain ASCII subjects have an unambiguous order
    keys = [base(recs[u][3]) for u in got if recs[u][3].isascii() and "=?" not in recs[u][3]]
for a, b in zip(keys, keys[1:]):
    if a > b:
        sys.exit("--sort %s: %r comes before %r" % (key, a, b))
EOF
}
oracle records INBOX >"$T/records"
for key in from subject size; do
	skua_ok list INBOX -n 40 --sort "$key"
	assert_eq 40 "$(nlines "$OUT")" "--sort $key -n 40 line count"
	printf '%s\n' "$OUT" >"$T/sorted.out"
	oracle list INBOX 40 >"$T/expected"
	msg=$(check_sorted "$key" 2>&1) || fail "$msg"
	# every line still has the list format
	printf '%s\n' "$OUT" | awk -F '\t' 'NF < 5 { exit 1 }' || fail "--sort $key: a line has fewer than 5 fields"
done

# --sort threads: the corpus thread in Lists/dev is the most recently active: root, reply, reply-to-reply
skua_ok list Lists/dev -n 3 --sort threads
assert_eq 3 "$(nlines "$OUT")" "--sort threads -n 3"
assert_eq "61 62 63" "$(printf '%s\n' "$OUT" | cut -f1 | tr '\n' ' ' | sed 's/ $//')" "thread order"
s1=$(line 1 "$OUT" | cut -f5) s2=$(line 2 "$OUT" | cut -f5) s3=$(line 3 "$OUT" | cut -f5)
assert_eq "[dev] RFC: drop the legacy cache format" "$s1" "thread root is not indented"
assert_match "$s2" '^[^A-Za-z[]+Re: \[dev\] RFC: drop the legacy cache format$' "reply is indented"
assert_match "$s3" '^[^A-Za-z[]+Re: \[dev\] RFC: drop the legacy cache format$' "reply to reply is indented"
[ "${#s3}" -gt "${#s2}" ] || fail "reply to reply is not indented deeper than the reply"
skua_ok list Lists/dev -n 63 --sort threads
assert_eq 63 "$(nlines "$OUT")" "--sort threads shows every message once"
assert_eq "$(seq 1 63)" "$(printf '%s\n' "$OUT" | cut -f1 | sort -n)" "--sort threads: each UID once"

# show: decoded headers and body
skua_ok show INBOX 122
assert_eq "From: Jürgen Müller <juergen@example.de>" "$(printf '%s\n' "$OUT" | grep '^From:')" "show From"
assert_eq "To: Sam Skua <skua@example.org>" "$(printf '%s\n' "$OUT" | grep '^To:')" "show To"
assert_eq "Subject: Grüße aus Köln – Übersicht" "$(printf '%s\n' "$OUT" | grep '^Subject:')" "show decodes RFC 2047"
assert_match "$(printf '%s\n' "$OUT" | grep '^Date:')" '4 Mar 2025|2025-03-04' "show Date"
hdr=$(printf '%s\n' "$OUT" | sed '/^$/q')
body=$(printf '%s\n' "$OUT" | sed '1,/^$/d')
assert_contains "$hdr" "Subject:" "headers come before the blank line"
assert_contains "$body" "schöne Grüße aus Köln! Die Straßenbahn fährt wieder." "quoted-printable body decoded (soft break joined)"
assert_not_contains "$OUT" "=C3" "no undecoded quoted-printable"

skua_ok show INBOX 121
assert_eq "Cc: Bob Builder <bob@example.net>" "$(printf '%s\n' "$OUT" | grep '^Cc:')" "show Cc"
assert_contains "$OUT" "CORPUS-PLAIN-BODY" "plain body"

skua_ok show INBOX 123
assert_contains "$OUT" "The quarterly numbers are attached. Revenue is up 12 €." "base64 text part of multipart decoded"
assert_not_contains "$OUT" "VGhlIHF1YXJ0ZXJseSBudW1iZXJz" "raw base64 shown"

skua_ok show INBOX 124
assert_eq "Subject: Café crème à midi" "$(printf '%s\n' "$OUT" | grep '^Subject:')" "ISO-8859-1 encoded word"
assert_contains "$OUT" "un café crème à midi ? Ça me plaît." "ISO-8859-1 8bit body converted to UTF-8"

skua_ok show 'Entwürfe' 4
assert_contains "$OUT" "Noch nicht fertig: die Übersicht für März." "show in a UTF-8 folder"

skua_ok -a imaps show Lists/dev 63
assert_contains "$OUT" "Agreed, with a migration note." "show over imaps"
echo "PASS: $TEST_NAME"
