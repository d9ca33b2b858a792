#!/usr/bin/env python3
"""oracle.py: what skua's CLI should print, computed from Dovecot's own view (doveadm) of the harness mail.

  oracle.py folders                      name<TAB>messages<TAB>unseen for every folder (sorted by name)
  oracle.py list FOLDER [N]              the N (default 50) newest: uid<TAB>flags<TAB>date<TAB>from<TAB>subject
  oracle.py records FOLDER               uid<TAB>epoch<TAB>size<TAB>from-address<TAB>raw subject, every message

Needs DOVEADM and USER from the harness env (dovecot.sh writes them) and TZ=UTC. Flags letters follow
skua list: N unseen, F flagged, R answered, D deleted, T draft, "-" for none of these.
Dates are the Date: header in UTC, "YYYY-MM-DD HH:MM"; from is the decoded display name (else the address);
subject is RFC 2047-decoded.
"""
import calendar
import email.header
import os
import re
import shlex
import subprocess
import sys


def doveadm(*args):
    cmd = shlex.split(os.environ["DOVEADM"]) + list(args)
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode("utf-8", "surrogateescape")
    return out


def fetch(folder):
    out = doveadm("-f", "tab", "fetch", "-u", os.environ["USER"],
                  "uid flags date.sent size.virtual hdr.from hdr.subject", "mailbox", folder, "all")
    recs = []
    for line in out.splitlines()[1:]:
        uid, flags, date, size, frm, subj = (line.split("\t") + [""] * 6)[:6]
        m = re.match(r"(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)", date)
        epoch = calendar.timegm(tuple(int(x) for x in m.groups()) + (0, 0, 0)) if m else -1
        recs.append({"uid": int(uid), "flags": flags.split(), "epoch": epoch, "date": date[:16],
                     "size": int(size), "from": frm, "subject": subj})
    return recs


def decode(v):
    try:
        return str(email.header.make_header(email.header.decode_header(v)))
    except Exception:
        return v


def display_from(v):
    v = v.strip()
    i = v.rfind("<")
    if i > 0:
        name = decode(v[:i].strip().strip('"'))
        if name:
            return name
    if i >= 0:
        return v[i + 1:].rstrip(">")
    return v


def address(v):
    i = v.rfind("<")
    return v[i + 1:v.find(">", i)] if i >= 0 and ">" in v[i:] else v.strip()


def flag_letters(flags):
    out = ""
    if "\\Seen" not in flags:
        out += "N"
    if "\\Flagged" in flags:
        out += "F"
    if "\\Answered" in flags:
        out += "R"
    if "\\Deleted" in flags:
        out += "D"
    if "\\Draft" in flags:
        out += "T"
    return out or "-"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "folders":
        names = doveadm("mailbox", "list", "-u", os.environ["USER"]).splitlines()
        rows = []
        for name in names:
            try:  # a \Noselect parent (e.g. "Lists") has no status: skip it
                out = doveadm("-f", "tab", "mailbox", "status", "-u", os.environ["USER"], "messages unseen", name)
            except subprocess.CalledProcessError:
                continue
            msgs, unseen = out.splitlines()[1].split("\t")[-2:]
            rows.append("%s\t%s\t%s" % (name, msgs, unseen))
        print("\n".join(sorted(rows)))
    elif cmd == "list":
        folder = sys.argv[2]
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
        recs = sorted(fetch(folder), key=lambda r: (r["epoch"], r["uid"]), reverse=True)[:n]
        for r in recs:
            print("%d\t%s\t%s\t%s\t%s" % (r["uid"], flag_letters(r["flags"]), r["date"], display_from(r["from"]),
                                         decode(r["subject"])))
    elif cmd == "records":
        for r in fetch(sys.argv[2]):
            print("%d\t%d\t%d\t%s\t%s" % (r["uid"], r["epoch"], r["size"], address(r["from"]), r["subject"]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
