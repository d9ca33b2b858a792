#!/bin/bash
# up.sh ROOT [gen-mail.py args]: a ready Dovecot for the demo and the benchmark, reused between calls.
# Seeds ROOT/mail/Maildir with gen-mail.py (default --demo) unless it already holds mail, starts Dovecot
# unless it is running, and prints the path of ROOT/env (source it: IMAP_PORT, IMAPS_PORT, USER, PASS, ...).
#   tests/harness/up.sh /tmp/skua-demo
#   tests/harness/up.sh /tmp/skua-bench-100k --count 100000 --lean
# Stop it with: tests/harness/dovecot.sh stop ROOT
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: up.sh ROOT [gen-mail.py args]" >&2; exit 2; }
root=$(realpath -m -- "$1")
shift
[ $# -gt 0 ] || set -- --demo
if [ ! -d "$root/mail/Maildir/cur" ]; then
	mkdir -p "$root/mail"
	"${PYTHON3:-python3}" "$here/gen-mail.py" "$root/mail/Maildir" "$@"
fi
if ! "$here/dovecot.sh" status "$root"; then
	"$here/dovecot.sh" start "$root"
fi
echo "$root/env"
