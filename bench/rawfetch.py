#!/usr/bin/env python3
"""rawfetch.py: the floor for loading an index view over IMAP.

One plain socket: after the greeting, LOGIN, SELECT and a single UID FETCH 1:* of what an index view needs
are sent in one flight (pipelined), every byte is read (and thrown away) until the FETCH's tagged
completion, then LOGOUT. No client can load a folder's index faster than this over IMAP. Standard library
only.

With --resync STATE it is the floor for re-opening a folder whose state a client already holds (STATE as
written by an earlier --save-state): LOGIN, ENABLE QRESYNC, SELECT INBOX (QRESYNC (UIDVALIDITY MODSEQ))
(flag changes and VANISHED expunges since then) and a UID FETCH of the same items for the UIDs from the old
UIDNEXT on (the new messages), again in one flight.

usage: rawfetch.py [--host H] [--port P] [--user U] [--password W] [--mailbox M]
                   [--items headers|flags|envelope] [--resync STATE] [--save-state STATE]
prints one line:  floor total=<s> fetch=<s> bytes=<n> exists=<n>
  total: connect to the FETCH's tagged OK; fetch: the SELECT's tagged OK to the FETCH's; bytes: received.
--save-state STATE writes "uidvalidity=V uidnext=N highestmodseq=M" after the timed part (STATUS).
"""
import argparse
import re
import socket
import sys
import time

ITEMS = {
    "headers": "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (DATE FROM SENDER SUBJECT TO "
               "CC MESSAGE-ID REFERENCES CONTENT-TYPE IN-REPLY-TO REPLY-TO LIST-POST)])",
    "envelope": "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)",
    "flags": "(UID FLAGS)",
}
HEAD = 65536   # bytes of a response kept for parsing (SELECT's, STATUS's)


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=600)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.total = 0
        self.rest = b""   # bytes read past the last tagged line: the start of the next responses

    def recv(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise SystemExit("rawfetch: connection closed by the server")
        self.total += len(d)
        return d

    def greeting(self):
        buf = b""
        while b"\r\n" not in buf:
            buf += self.recv()
        line, self.rest = buf.split(b"\r\n", 1)
        return line

    def send(self, *commands):
        self.sock.sendall(b"".join(c.encode() + b"\r\n" for c in commands))

    def wait(self, tag):
        """Reads until the tagged completion of TAG. Returns (that line, the first HEAD bytes of the
        response). Only a short tail of the stream is held: the tag's line is found by searching for
        CRLF TAG SP, so the tags are chosen not to occur in mail headers."""
        pat = b"\r\n" + tag.encode() + b" "
        buf = b"\r\n" + self.rest   # the response starts at a line start
        self.rest = b""
        head = bytearray(buf[2:2 + HEAD])
        while True:
            i = buf.find(pat)
            if i >= 0:
                e = buf.find(b"\r\n", i + 2)
                if e >= 0:
                    self.rest = buf[e + 2:]
                    return buf[i + 2:e].decode("latin-1"), bytes(head)
                buf = buf[i:]
            else:
                buf = buf[-(len(pat) - 1):]
            d = self.recv()
            if len(head) < HEAD:
                head += d[:HEAD - len(head)]
            buf += d


def ok(line):
    return line.split(" ")[1:2] == ["OK"]


def read_state(path):
    with open(path) as f:
        st = dict(kv.split("=", 1) for kv in f.read().split())
    try:
        return int(st["uidvalidity"]), int(st["uidnext"]), int(st["highestmodseq"])
    except (KeyError, ValueError):
        raise SystemExit("rawfetch: %s: expected uidvalidity=V uidnext=N highestmodseq=M" % path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=143)
    ap.add_argument("--user", default="bench")
    ap.add_argument("--password", default="bench")
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--items", default="headers", choices=sorted(ITEMS))
    ap.add_argument("--resync", metavar="STATE", help="re-open with QRESYNC from the state in this file")
    ap.add_argument("--save-state", metavar="STATE", help="write the folder's state to this file afterwards")
    a = ap.parse_args()
    old = read_state(a.resync) if a.resync else None

    t0 = time.perf_counter()
    c = Conn(a.host, a.port)
    greeting = c.greeting()
    if not greeting.startswith(b"* OK"):
        raise SystemExit("rawfetch: unexpected greeting: %r" % greeting[:200])
    login = "LOGIN %s %s" % (quote(a.user), quote(a.password))
    if old:
        uidvalidity, uidnext, modseq = old
        c.send("zq1 " + login, "zq2 ENABLE QRESYNC",
               "zq3 SELECT %s (QRESYNC (%d %d))" % (quote(a.mailbox), uidvalidity, modseq),
               "zq4 UID FETCH %d:4294967295 %s" % (uidnext, ITEMS[a.items]))
        tags = ["zq1", "zq2", "zq3"]
    else:
        c.send("zq1 " + login, "zq3 SELECT " + quote(a.mailbox), "zq4 UID FETCH 1:* " + ITEMS[a.items])
        tags = ["zq1", "zq3"]
    resp = b""
    for tag in tags:
        st, resp = c.wait(tag)
        if not ok(st):
            raise SystemExit("rawfetch: %s failed: %s" % ({"zq1": "LOGIN", "zq2": "ENABLE"}.get(tag, "SELECT"), st))
    m = re.search(rb"\* (\d+) EXISTS", resp)
    exists = int(m.group(1)) if m else -1
    t1 = time.perf_counter()
    st, _ = c.wait("zq4")
    t2 = time.perf_counter()
    if not ok(st):
        raise SystemExit("rawfetch: FETCH failed: " + st)
    n = c.total
    if a.save_state:
        c.send("zq5 STATUS %s (UIDVALIDITY UIDNEXT HIGHESTMODSEQ)" % quote(a.mailbox))
        st, resp = c.wait("zq5")
        vals = dict(re.findall(rb"(UIDVALIDITY|UIDNEXT|HIGHESTMODSEQ) (\d+)", resp))
        if not ok(st) or len(vals) != 3:
            raise SystemExit("rawfetch: STATUS failed: " + st)
        with open(a.save_state, "w") as f:
            f.write("uidvalidity=%s uidnext=%s highestmodseq=%s\n" % tuple(
                vals[k].decode() for k in (b"UIDVALIDITY", b"UIDNEXT", b"HIGHESTMODSEQ")))
    try:
        c.send("zq6 LOGOUT")
        c.sock.close()
    except OSError:
        pass
    print("floor total=%.3f fetch=%.3f bytes=%d exists=%d" % (t2 - t0, t2 - t1, n, exists))


if __name__ == "__main__":
    sys.exit(main())
