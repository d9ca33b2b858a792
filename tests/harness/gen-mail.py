#!/usr/bin/env python3
"""gen-mail.py: write deterministic test mail into a Maildir++ tree (Dovecot's default layout).

  gen-mail.py MAILDIR --demo [--seed S] [--corpus DIR | --no-corpus]
      a few hundred messages across INBOX, Archive, Sent, Drafts, Trash, Lists/dev, Lists/announce and
      "Entwürfe" (stored as .Entw&APw-rfe): threads, attachments, RFC 2047 headers, flags; plus the
      hand-written messages of tests/corpus/maildir (see its MANIFEST), which are the newest.
  gen-mail.py MAILDIR --count N [--lean] [--seed S] [--folder NAME]
      N messages in one folder (default INBOX), fast (100,000 in well under a minute with --lean).

Output is a pure function of the arguments: same names, bytes and mtimes (= INTERNALDATE) every run.
File names start with the message's date, so Dovecot assigns UIDs in date order (UID order = date order).
"""
import argparse
import base64
import os
import random
import sys
import time

BASE_EPOCH = 1704067200  # 2024-01-01T00:00:00Z
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.normpath(os.path.join(HERE, "..", "corpus", "maildir"))
USER_ADDR = "Sam Skua <skua@example.org>"


# ---- Maildir++ naming -------------------------------------------------------------------------------------
def mutf7(name):
    """RFC 3501 modified UTF-7."""
    out, run = [], []

    def flush():
        if run:
            b = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(b).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def folder_dir(maildir, name):
    """IMAP name with '/' hierarchy -> Maildir++ directory."""
    if name.upper() == "INBOX":
        return maildir
    parts = name.split("/")
    for p in parts:
        if not p or "." in p:
            raise SystemExit("gen-mail.py: unsupported folder name %r" % name)
    return os.path.join(maildir, "." + ".".join(mutf7(p) for p in parts))


def ensure_folder(maildir, name):
    d = folder_dir(maildir, name)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    if d != maildir:
        open(os.path.join(d, "maildirfolder"), "a").close()
    return d


class Writer:
    """Writes messages; names sort by date so UIDs follow dates."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.dirs = {}
        self.seq = 0
        self.count = 0

    def put(self, folder, data, epoch, flags):
        d = self.dirs.get(folder)
        if d is None:
            d = self.dirs[folder] = ensure_folder(self.maildir, folder)
        self.seq += 1
        flags = "".join(sorted(set(flags)))
        base = "%d.M%06dP%d.skua,S=%d" % (epoch, self.seq % 1000000, self.seq, len(data))
        path = os.path.join(d, "cur", base + ":2," + flags)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.utime(path, (epoch, epoch))
        self.count += 1


# ---- content ----------------------------------------------------------------------------------------------
PEOPLE = [
    ("Alice Example", "alice@example.org"),
    ("Bob Builder", "bob@example.net"),
    ("Carol Dev", "carol@lists.example.org"),
    ("Dave Ops", "dave@example.com"),
    ("=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?=", "juergen@example.de"),
    ("=?ISO-8859-1?Q?Fran=E7ois_L=E9vesque?=", "francois@example.fr"),
    ("=?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?=", "ivan@example.ru"),
    ("=?UTF-8?B?5bGx55Sw5aSq6YOO?=", "yamada@example.jp"),
    ("Erin Security", "erin@example.org"),
    ("Frank Release", "frank@example.com"),
]
TOPICS = [
    "kernel regression in 6.9", "build fails on arm64", "meeting notes", "quarterly report",
    "lunch on friday?", "patch review request", "release candidate 2", "server migration plan",
    "flaky test in CI", "design doc feedback", "holiday schedule", "invoice 2024-117",
    "password rotation", "new laptop", "conference travel", "backup restore drill",
]
TOPICS_2047 = [
    "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_zum_Wochenende?=",
    "=?UTF-8?B?0J7RgtGH0ZHRgiDQt9CwINC80LDRgNGC?=",
    "=?ISO-8859-1?Q?R=E9union_=E0_Paris?=",
    "=?UTF-8?B?5Lya6K2w44Gu6K2w5LqL6Yyy?=",
    "=?UTF-8?Q?Caf=C3=A9_=E2=98=95_and_na=C3=AFve_r=C3=A9sum=C3=A9?=",
]
WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which but "
         "have an they you were her she there been one all we their has would when if so what no out up "
         "into will more about can other time some could these two may then do first any my now such like "
         "our over man me even most made after also did many before must through back years where much "
         "your way well down should because each just those people how too little state good very make "
         "world still own see men work long get here between both life being under never day same another "
         "know while last might us great old year off come since against go came right used take three "
         "kernel mailbox server folder thread cache index patch release build test").split()
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
ZONES = [0, 60, 120, -300, -420, 330, 540]


def rfc5322_date(epoch, zone_min):
    t = time.gmtime(epoch + zone_min * 60)
    sign = "+" if zone_min >= 0 else "-"
    z = abs(zone_min)
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        DAYS[t.tm_wday], t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min, t.tm_sec,
        sign, z // 60, z % 60)


def addr(p):
    return "%s <%s>" % p


def para(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    lines, line = [], []
    for w in words:
        line.append(w)
        if len(line) >= 12:
            lines.append(" ".join(line))
            line = []
    if line:
        lines.append(" ".join(line))
    text = "\n".join(lines)
    return text[:1].upper() + text[1:] + "."


def fake_blob(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


class Gen:
    def __init__(self, seed, lean, host="gen.example.org"):
        self.rng = random.Random(seed)
        self.lean = lean
        self.host = host
        self.n = 0

    def msgid(self, folder):
        self.n += 1
        return "<%d.%s@%s>" % (self.n, folder.replace("/", ".").encode("ascii", "replace").decode(), self.host)

    def message(self, folder, epoch, sender, to, subject, parent=None, list_id=None, attach=False,
                extra_headers=()):
        rng = self.rng
        mid = self.msgid(folder)
        h = [
            "Return-Path: <%s>" % sender[1],
            "Message-ID: %s" % mid,
            "Date: %s" % rfc5322_date(epoch, rng.choice(ZONES)),
            "From: %s" % addr(sender),
            "To: %s" % to,
        ]
        if rng.random() < 0.15:
            h.append("Cc: %s" % addr(rng.choice(PEOPLE)))
        h.append("Subject: %s" % subject)
        refs = []
        if parent is not None:
            refs = parent["refs"] + [parent["id"]]
            h.append("In-Reply-To: %s" % parent["id"])
            h.append("References: %s" % " ".join(refs[-10:]))
        if list_id:
            h.append("List-Id: %s" % list_id)
            h.append("List-Post: <mailto:%s>" % list_id.strip("<>").replace(".", "@", 1))
        h.extend(extra_headers)
        h.append("MIME-Version: 1.0")
        if self.lean:
            body_text = para(rng, rng.randint(8, 30))
        else:
            body_text = "\n\n".join(para(rng, rng.randint(15, 60)) for _ in range(rng.randint(1, 4)))
        if parent is not None and not self.lean:
            body_text = "On an earlier day someone wrote:\n> " + para(rng, 10).replace("\n", "\n> ") + "\n\n" + body_text
        body_text += "\n\n-- \n%s\n" % sender[0].split()[0] if not sender[0].startswith("=?") else "\n"
        style = rng.random()
        if attach and not self.lean:
            boundary = "=-=skua-%d-=-" % self.n
            kind = rng.randrange(3)
            if kind == 0:
                att = ('Content-Type: application/pdf; name="report.pdf"\n'
                       'Content-Disposition: attachment; filename="report.pdf"\n'
                       'Content-Transfer-Encoding: base64\n\n' + b64lines(b"%PDF-1.4\n" + fake_blob(rng, 1500)))
            elif kind == 1:
                att = ('Content-Type: image/png; name="chart.png"\n'
                       'Content-Disposition: attachment; filename="chart.png"\n'
                       'Content-Transfer-Encoding: base64\n\n' +
                       b64lines(b"\x89PNG\r\n\x1a\n" + fake_blob(rng, 900)))
            else:
                att = ("Content-Type: text/csv; charset=utf-8\n"
                       "Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.csv\n"
                       "Content-Transfer-Encoding: quoted-printable\n\n"
                       "name,amount\nfoo,1\nbar,2\n")
            h.append('Content-Type: multipart/mixed; boundary="%s"' % boundary)
            body = ("This is a multi-part message in MIME format.\n\n--%s\n"
                    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n"
                    "--%s\n%s\n--%s--\n") % (boundary, body_text, boundary, att, boundary)
        elif style < 0.2 and not self.lean:
            boundary = "=-=alt-%d-=-" % self.n
            html = "<html><body><p>%s</p></body></html>" % body_text.replace("\n\n", "</p><p>")
            h.append('Content-Type: multipart/alternative; boundary="%s"' % boundary)
            body = ("--%s\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n"
                    "--%s\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n"
                    "--%s--\n") % (boundary, body_text, boundary, html, boundary)
        elif style < 0.3 and not self.lean:
            h.append("Content-Type: text/plain; charset=utf-8")
            h.append("Content-Transfer-Encoding: quoted-printable")
            body = body_text.replace("=", "=3D") + "\nGr=C3=BC=C3=9Fe.\n"
        else:
            h.append("Content-Type: text/plain; charset=us-ascii")
            h.append("Content-Transfer-Encoding: 7bit")
            body = body_text
        data = ("\n".join(h) + "\n\n" + body).encode("utf-8")
        return data, {"id": mid, "refs": refs, "subject": subject}


def reply_subject(s):
    return s if s.lower().startswith("re:") else "Re: " + s


def gen_folder(g, w, folder, n, start, step, kind="inbox", unseen_tail=0.1):
    """n messages in folder, dates start, start+step, ..."""
    rng = g.rng
    recent = []
    list_id = None
    if folder.startswith("Lists/"):
        list_id = "<%s.lists.example.org>" % folder.split("/", 1)[1]
    for i in range(n):
        epoch = start + i * step + rng.randrange(max(1, step // 2))
        parent = None
        if recent and rng.random() < (0.5 if list_id else 0.3):
            parent = rng.choice(recent[-40:])
        if kind == "sent":
            sender = ("Sam Skua", "skua@example.org")
            to = addr(rng.choice(PEOPLE))
        else:
            sender = rng.choice(PEOPLE)
            to = ("<%s>" % list_id.strip("<>").replace(".", "@", 1)) if list_id else USER_ADDR
        if parent is not None:
            subject = reply_subject(parent["subject"])
        elif rng.random() < 0.12:
            subject = rng.choice(TOPICS_2047)
        else:
            subject = rng.choice(TOPICS).capitalize() if rng.random() < 0.5 else rng.choice(TOPICS)
        attach = rng.random() < (0.04 if n > 1000 else 0.08)
        data, info = g.message(folder, epoch, sender, to, subject, parent=parent, list_id=list_id, attach=attach)
        recent.append(info)
        flags = ""
        if kind == "sent":
            flags = "S"
        elif kind == "drafts":
            flags = "DS"
        elif kind == "trash":
            flags = "ST"
        else:
            if i < n * (1 - unseen_tail) and rng.random() < 0.9:
                flags += "S"
            if rng.random() < 0.05:
                flags += "F"
            if "S" in flags and rng.random() < 0.1:
                flags += "R"
        w.put(folder, data, epoch, flags)


# ---- corpus -----------------------------------------------------------------------------------------------
def parse_date_epoch(data):
    import email.utils
    for line in data.split(b"\n"):
        if not line.strip():
            break
        if line.lower().startswith(b"date:"):
            try:
                return int(email.utils.parsedate_to_datetime(line[5:].strip().decode("ascii")).timestamp())
            except (TypeError, ValueError, UnicodeDecodeError):
                return None
    return None


def import_corpus(w, corpus):
    manifest = os.path.join(corpus, "MANIFEST")
    if not os.path.exists(manifest):
        raise SystemExit("gen-mail.py: %s is missing" % manifest)
    with open(manifest, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise SystemExit("%s:%d: expected FILE<TAB>FOLDER[<TAB>FLAGS]" % (manifest, ln))
            fname, folder = parts[0], parts[1]
            flags = parts[2] if len(parts) > 2 else ""
            with open(os.path.join(corpus, fname), "rb") as m:
                data = m.read()
            epoch = parse_date_epoch(data) or BASE_EPOCH
            w.put(folder, data, epoch, flags)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("maildir")
    ap.add_argument("--count", type=int, help="N messages in one folder")
    ap.add_argument("--folder", default="INBOX", help="folder for --count (IMAP name, '/' separated)")
    ap.add_argument("--demo", action="store_true", help="the multi-folder demo/test mailbox")
    ap.add_argument("--lean", action="store_true", help="no attachments, short bodies")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", default=None, help="hand-written messages to add (default with --demo: %s)"
                    % DEFAULT_CORPUS)
    ap.add_argument("--no-corpus", action="store_true")
    a = ap.parse_args()
    if not a.demo and a.count is None:
        ap.error("give --demo and/or --count N")
    os.makedirs(a.maildir, exist_ok=True)
    ensure_folder(a.maildir, "INBOX")
    w = Writer(a.maildir)
    g = Gen(a.seed, a.lean)
    if a.demo:
        day = 86400
        gen_folder(g, w, "INBOX", 120, BASE_EPOCH + 200 * day, 6 * 3600)
        gen_folder(g, w, "Archive", 150, BASE_EPOCH, day, unseen_tail=0.0)
        gen_folder(g, w, "Sent", 40, BASE_EPOCH + 10 * day, 5 * day, kind="sent")
        gen_folder(g, w, "Lists/dev", 60, BASE_EPOCH + 150 * day, day)
        gen_folder(g, w, "Lists/announce", 15, BASE_EPOCH + 30 * day, 14 * day, unseen_tail=0.2)
        gen_folder(g, w, "Drafts", 2, BASE_EPOCH + 230 * day, day, kind="drafts")
        gen_folder(g, w, "Trash", 5, BASE_EPOCH + 220 * day, day, kind="trash")
        gen_folder(g, w, "Entwürfe", 3, BASE_EPOCH + 225 * day, day, kind="drafts")
        for f in ("Drafts", "Sent", "Archive", "Trash"):
            ensure_folder(a.maildir, f)
        corpus = a.corpus or DEFAULT_CORPUS
        if not a.no_corpus:
            import_corpus(w, corpus)
    elif a.corpus and not a.no_corpus:
        import_corpus(w, a.corpus)
    if a.count is not None:
        step = 300 if a.count < 100000 else max(1, 3 * 365 * 86400 // a.count)
        start = BASE_EPOCH - a.count * step if a.demo else BASE_EPOCH
        gen_folder(g, w, a.folder, a.count, start, step)
    print("gen-mail.py: wrote %d messages to %s" % (w.count, a.maildir), file=sys.stderr)


if __name__ == "__main__":
    main()
