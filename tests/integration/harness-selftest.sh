#!/bin/bash
# harness-selftest: the harness itself works (Dovecot up on both ports and both addresses, login, STARTTLS,
# certificates, special-use folders, the tunnel, doveadm, the seeded data). Needs no skua.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
harness_start

out=$("$PYTHON3" - <<PY 2>&1
import imaplib, ssl, sys
ok = ssl.create_default_context(cafile="$CA_FILE")
c = imaplib.IMAP4("127.0.0.1", $IMAP_PORT)
assert "STARTTLS" in c.capabilities, c.capabilities
c.starttls(ok)
c.login("$USER", "$PASS")
typ, data = c.list()
names = b"\n".join(data).decode()
for want in ('\\\\Sent) "/" Sent', '\\\\Archive) "/" Archive', '\\\\Drafts) "/" Drafts', '\\\\Trash) "/" Trash',
             '"/" Lists/dev', '"/" Entw&APw-rfe'):
    assert want in names, (want, names)
c.logout()
c = imaplib.IMAP4_SSL("localhost", $IMAPS_PORT, ssl_context=ok)
c.login("$USER", "$PASS")
c.logout()
for host, cafile in (("127.0.0.2", "$CA_FILE"), ("localhost", "$UNTRUSTED_CERT")):
    try:
        imaplib.IMAP4_SSL(host, $IMAPS_PORT, ssl_context=ssl.create_default_context(cafile=cafile))
    except ssl.SSLCertVerificationError:
        pass
    else:
        sys.exit("certificate for %s accepted with %s" % (host, cafile))
print("python-ok")
PY
)
assert_contains "$out" python-ok "IMAP checks"

tun=$(printf 'a LIST "" "*"\r\nb LOGOUT\r\n' | eval "$TUNNEL_CMD" 2>&1)
assert_contains "$tun" "* PREAUTH" "tunnel greeting"
assert_contains "$tun" '"/" Lists/announce' "tunnel LIST"

assert_eq 124 "$(dv_status INBOX messages)" "INBOX count"
assert_eq 4 "$(dv_status 'Entwürfe' messages)" "Entwürfe count"
assert_eq 63 "$(dv_status Lists/dev messages)" "Lists/dev count"
subj=$(dv_fetch INBOX hdr.subject uid 122)
assert_eq '=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?= =?UTF-8?B?IOKAkyDDnGJlcnNpY2h0?=' "$subj" "corpus message UID 122"
# gen-mail.py is deterministic
a=$("$PYTHON3" "$HARNESS_DIR/gen-mail.py" "$T/g1" --count 50 --seed 7 2>&1; cd "$T/g1" && find . -type f | sort | xargs md5sum)
b=$("$PYTHON3" "$HARNESS_DIR/gen-mail.py" "$T/g2" --count 50 --seed 7 2>&1; cd "$T/g2" && find . -type f | sort | xargs md5sum)
assert_eq "${a#*$T/g1}" "${b#*$T/g2}" "gen-mail.py determinism"
echo "PASS: $TEST_NAME"
