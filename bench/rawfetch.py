#!/usr/bin/env python3
"""rawfetch.py: the floor for loading an index view over IMAP.

One plain socket: LOGIN, SELECT, a single UID FETCH 1:* of what an index view needs, every byte read
(and thrown away) until the tagged completion, LOGOUT. No client can load a folder's index faster
than this over IMAP. Standard library only.

usage: rawfetch.py [--host H] [--port P] [--user U] [--password W] [--mailbox M] [--items headers|flags|envelope]
prints one line:  floor total=<s> fetch=<s> bytes=<n> exists=<n>
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


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=600)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.tail = b""   # the last bytes seen, enough to hold the tagged line
        self.total = 0

    def command(self, tag, text):
        """Sends one command and reads until its tagged completion. Returns (the tagged line, bytes
        read, the first 64 KiB of the response for small answers such as SELECT's)."""
        self.sock.sendall(tag + b" " + text.encode() + b"\r\n")
        keep = bytearray()
        n = 0
        partial = b""        # the unfinished last line seen so far (capped)
        whole = True         # partial starts at the start of a line
        tagsp = tag + b" "
        while True:
            d = self.sock.recv(1 << 20)
            if not d:
                raise SystemExit("rawfetch: connection closed by the server")
            n += len(d)
            if len(keep) < 65536:
                keep += d[:65536 - len(keep)]
            j = d.rfind(b"\r\n")
            if j < 0:
                if len(partial) < 4096:
                    partial += d
                else:
                    whole = False
                continue
            # The last complete line ends at j: find where it starts.
            i = d.rfind(b"\r\n", 0, j)
            if i >= 0:
                line, line_whole = d[i + 2:j], True
            else:
                line, line_whole = partial + d[:j], whole
            partial, whole = d[j + 2:][:4096], len(d) - (j + 2) <= 4096
            if line_whole and line.startswith(tagsp) and j + 2 == len(d) and \
                    re.match(rb"[^ ]+ (OK|NO|BAD)( |$)", line):
                return line.decode("latin-1"), n, bytes(keep)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=143)
    ap.add_argument("--user", default="bench")
    ap.add_argument("--password", default="bench")
    ap.add_argument("--mailbox", default="INBOX")
    ap.add_argument("--items", default="headers", choices=sorted(ITEMS))
    a = ap.parse_args()

    t0 = time.perf_counter()
    c = Conn(a.host, a.port)
    # The greeting.
    greeting = c.sock.recv(4096)
    if not greeting.startswith(b"* OK"):
        raise SystemExit("rawfetch: unexpected greeting: %r" % greeting[:200])
    st, _, _ = c.command(b"a", "LOGIN %s %s" % (quote(a.user), quote(a.password)))
    if not st.split(" ")[1:2] == ["OK"]:
        raise SystemExit("rawfetch: LOGIN failed: " + st)
    st, _, resp = c.command(b"b", "SELECT " + quote(a.mailbox))
    if not st.split(" ")[1:2] == ["OK"]:
        raise SystemExit("rawfetch: SELECT failed: " + st)
    m = re.search(rb"\* (\d+) EXISTS", resp)
    exists = int(m.group(1)) if m else -1
    t1 = time.perf_counter()
    st, n, _ = c.command(b"c", "UID FETCH 1:* " + ITEMS[a.items])
    t2 = time.perf_counter()
    if not st.split(" ")[1:2] == ["OK"]:
        raise SystemExit("rawfetch: FETCH failed: " + st)
    try:
        c.sock.sendall(b"d LOGOUT\r\n")
        c.sock.close()
    except OSError:
        pass
    print("floor total=%.3f fetch=%.3f bytes=%d exists=%d" % (t2 - t0, t2 - t1, n, exists))


if __name__ == "__main__":
    sys.exit(main())
