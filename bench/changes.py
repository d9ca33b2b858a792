#!/usr/bin/env python3
"""changes.py: one set of changes to the bench INBOX, as another client or a delivery would make them.

usage: changes.py --doveadm "doveadm -c CONF" --user U --password W --port P --maildir DIR --count N
                  --spool DIR [--owner USER] [--flags-percent 1] [--new 100] [--seed S] [--settle SECONDS]
                  [--settle-only]

With doveadm against the bench's private Dovecot:
  1. flips \\Seen on FLAGS-PERCENT % of the messages, chosen at random (set where it was clear, cleared
     where it was set, so every chosen message really changes);
  2. delivers NEW new messages (written to the Maildir SPOOL, owned by OWNER, then `doveadm import`ed into
     INBOX: dated now, so they are the newest);
  3. expunges as many messages, chosen at random among the others, as it takes to bring INBOX back to N
     (NEW when it held N): the folder does not grow from run to run.
Then it lets Dovecot settle (see settle() below; over IMAP on 127.0.0.1:PORT), so that the next client
to open INBOX pays for the changes and not for Dovecot's upkeep of a Maildir that changed a moment ago.
--settle-only does only that: run it after a client's first open following changes, which leaves the
Maildir "dirty" again. What that first open still pays on the server is Dovecot's own first lookup of the
delivered files (its uidlist names them without the ":2," they get in cur/, so it rescans cur/: about
0.2 s at 100,000 messages): every client pays it in its changes figure, and so does the floor.
Prints one line: "changes flagged=F new=A expunged=E messages=M".
"""
import argparse
import imaplib
import os
import pwd
import random
import shlex
import subprocess
import sys
import time

PEOPLE = [("Alice Example", "alice@example.org"), ("Bob Builder", "bob@example.net"),
          ("Dave Ops", "dave@example.com"), ("Erin Security", "erin@example.org")]
TOPICS = ["build status", "review request", "release notes draft", "on-call handover", "lunch?",
          "minutes of today's meeting", "disk usage alert", "travel booking"]
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def doveadm(base, *args, capture=False):
    cmd = base + list(args)
    r = subprocess.run(cmd, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("changes.py: %s failed (exit %d): %s" % (" ".join(cmd[:4] + [args[0]]), r.returncode,
                                                                 r.stderr.strip()[:300]))
    return r.stdout if capture else None


def uid_set(uids):
    """Sorted UIDs as an IMAP-style set: 1:3,7,9:10."""
    out, uids = [], sorted(uids)
    i = 0
    while i < len(uids):
        j = i
        while j + 1 < len(uids) and uids[j + 1] == uids[j] + 1:
            j += 1
        out.append(str(uids[i]) if i == j else "%d:%d" % (uids[i], uids[j]))
        i = j + 1
    return ",".join(out)


def tab_rows(text):
    """doveadm -f tab output without its header line."""
    return [line.split("\t") for line in text.splitlines()[1:] if line]


def imap_select(port, user, password, mailbox):
    """One IMAP session that SELECTs the mailbox (read-write, so Dovecot syncs the Maildir fully)."""
    m = imaplib.IMAP4("127.0.0.1", port, timeout=600)
    try:
        m.login(user, password)
        typ, data = m.select('"%s"' % mailbox)
        if typ != "OK":
            raise SystemExit("changes.py: SELECT %s failed: %r" % (mailbox, data))
        m.close()
    finally:
        m.logout()


def settle(a):
    """Leaves INBOX the way Dovecot leaves a Maildir it had time to sync. A SELECT moves delivered mail
    from new/ to cur/; then cur/ and new/ get an mtime SETTLE seconds old and a second SELECT rescans them
    once and records them as synced. Dovecot trusts a directory mtime only when it is older than a second
    at sync time; one it saw younger stays "dirty", and every later open then re-reads the uidlist (about
    0.07 s at 100,000 messages) until the directory changes again, which in a bench nothing else does."""
    imap_select(a.port, a.user, a.password, a.mailbox)
    past = time.time() - a.settle
    for d in ("cur", "new"):
        os.utime(os.path.join(a.maildir, d), (past, past))
    imap_select(a.port, a.user, a.password, a.mailbox)


def clear_spool(spool):
    """Removes the messages and Dovecot's own files (uidlist, index) from the spool, keeps its directories."""
    for d in (spool, os.path.join(spool, "new"), os.path.join(spool, "cur"), os.path.join(spool, "tmp")):
        if os.path.isdir(d):
            for name in os.listdir(d):
                p = os.path.join(d, name)
                if os.path.isfile(p) or os.path.islink(p):
                    os.unlink(p)


def message(seed, i, epoch, rng):
    who = rng.choice(PEOPLE)
    t = time.gmtime(epoch)
    date = "%s, %d %s %d %02d:%02d:%02d +0000" % (DAYS[t.tm_wday], t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year,
                                                    t.tm_hour, t.tm_min, t.tm_sec)
    words = " ".join(TOPICS).replace("?", "").split()
    body = "\n".join(" ".join(rng.choice(words) for _ in range(10)) for _ in range(rng.randint(3, 12)))
    return ("Return-Path: <{a}>\nMessage-ID: <bench-{s}-{i}@bench.example.org>\nDate: {d}\n"
            "From: {n} <{a}>\nTo: Sam Skua <skua@example.org>\nSubject: {subj} ({s}-{i})\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n{b}\n").format(
        a=who[1], n=who[0], s=seed, i=i, d=date, subj=rng.choice(TOPICS), b=body).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--doveadm", required=True, help='the doveadm command, e.g. "doveadm -c CONF"')
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--port", type=int, required=True, help="Dovecot's IMAP port on 127.0.0.1")
    ap.add_argument("--maildir", required=True, help="the user's Maildir (INBOX's cur/ and new/)")
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--count", type=int, required=True, help="messages INBOX is brought back to")
    ap.add_argument("--spool", required=True, help="a directory the mail user can read, for new messages")
    ap.add_argument("--owner", default="", help="system user that owns the mail (default: this one)")
    ap.add_argument("--flags-percent", type=float, default=1.0)
    ap.add_argument("--new", type=int, default=100)
    ap.add_argument("--seed", type=int, default=None, help="default: the time")
    ap.add_argument("--settle", type=float, default=5.0,
                    help="age given to cur/ and new/ when settling, seconds (default 5)")
    ap.add_argument("--settle-only", action="store_true", help="change nothing, only let Dovecot settle")
    a = ap.parse_args()
    base = shlex.split(a.doveadm)
    if a.settle_only:
        settle(a)
        print("settled")
        return
    seed = a.seed if a.seed is not None else time.time_ns() // 1000
    rng = random.Random(seed)
    mbox = ["mailbox", a.mailbox]

    uids = [int(r[0]) for r in tab_rows(doveadm(base, "-f", "tab", "fetch", "-u", a.user, "uid", *mbox, "all",
                                                capture=True))]
    nflip = min(len(uids), max(1, round(len(uids) * a.flags_percent / 100))) if a.flags_percent > 0 else 0
    nexp = max(0, len(uids) + a.new - a.count)
    picked = rng.sample(uids, min(len(uids), nflip + nexp))
    flip, expunge = picked[:nflip], picked[nflip:]

    # 1. flags
    if flip:
        rows = tab_rows(doveadm(base, "-f", "tab", "fetch", "-u", a.user, "uid flags", *mbox, "uid", uid_set(flip),
                                capture=True))
        seen = [int(r[0]) for r in rows if "\\Seen" in r[1].split()]
        unseen = [int(r[0]) for r in rows if "\\Seen" not in r[1].split()]
        if seen:
            doveadm(base, "flags", "remove", "-u", a.user, "\\Seen", *mbox, "uid", uid_set(seen))
        if unseen:
            doveadm(base, "flags", "add", "-u", a.user, "\\Seen", *mbox, "uid", uid_set(unseen))

    # 2. new messages
    if a.new > 0:
        owner = pwd.getpwnam(a.owner) if a.owner else None
        clear_spool(a.spool)
        for sub in ("", "cur", "new", "tmp"):
            d = os.path.join(a.spool, sub)
            os.makedirs(d, exist_ok=True)
            if owner:
                os.chown(d, owner.pw_uid, owner.pw_gid)
        now = int(time.time())
        for i in range(a.new):
            epoch = now - a.new + i
            data = message(seed, i, epoch, rng)
            # Named as Dovecot's own delivery names them, sizes included (S= on disk, W= with CRLF line
            # ends): the server need not read a file to answer RFC822.SIZE.
            path = os.path.join(a.spool, "new", "%d.B%dI%d.bench,S=%d,W=%d" % (
                epoch, seed % 1000000, i, len(data), len(data) + data.count(b"\n")))
            with open(path, "wb") as f:
                f.write(data)
            os.utime(path, (epoch, epoch))
            if owner:
                os.chown(path, owner.pw_uid, owner.pw_gid)
        stray = os.path.join(a.maildir, "maildirfolder")
        had_stray = os.path.exists(stray)
        try:
            doveadm(base, "import", "-u", a.user, "maildir:" + a.spool, "", "all")
        finally:
            clear_spool(a.spool)
            # doveadm import into "" marks the INBOX root as a Maildir++ subfolder: undo that.
            if not had_stray and os.path.exists(stray):
                os.unlink(stray)

    # 3. expunges
    if expunge:
        doveadm(base, "expunge", "-u", a.user, *mbox, "uid", uid_set(expunge))

    settle(a)
    out = doveadm(base, "-f", "tab", "mailbox", "status", "-u", a.user, "messages", a.mailbox, capture=True)
    rows = tab_rows(out)
    messages = rows[0][-1] if rows else "?"
    print("changes flagged=%d new=%d expunged=%d messages=%s" % (len(flip), a.new, len(expunge), messages))


if __name__ == "__main__":
    sys.exit(main())
