#!/usr/bin/env python3
"""hostile-imap.py: a scriptable IMAP server that does what real servers never do, for skua's tests.

  hostile-imap.py --scenario NAME --port-file F [--cert C --key K] [--log F] [--tls none|implicit]
                  [--variant V] [--user U] [--password P] [--lifetime SECONDS]

Binds 127.0.0.1 port 0, writes the port to F (atomically), serves connections (one thread each) until it
is killed or --lifetime passes, and logs every byte it receives to --log, one line per read:
    C<n> plain <python bytes repr>      or      C<n> tls <python bytes repr>
plus "C<n> event ..." lines (accepted, STARTTLS done, closed) and "C<n> sent ..." lines (what the server
wrote, abbreviated). So a test can assert, e.g., that no LOGIN or AUTHENTICATE and no password ever
arrived in plaintext.

Scenarios (the mailbox is INBOX with 3 messages unless said otherwise; login skua/skua-pass):
  normal               a small well-behaved IMAP4rev1 server (STARTTLS offered when --cert is given)
  starttls-inject      answers STARTTLS with "TAG OK Begin TLS" and, in the same write, an injected
                       "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]", "* LIST () "/" INJECTED" and tagged OKs
                       for the next tags; then the TLS handshake, then normal (no INJECTED folder exists)
  starttls-strip       never advertises STARTTLS; STARTTLS answered "BAD" (--variant no: "NO")
  preauth              greets with "* PREAUTH" (no TLS, no login)
  oversized-literal    FETCH of any body/header section answers with a literal of 2^40 bytes, sends a little
                       of it, then waits for the client to give up
  truncated-literal    FETCH of any body/header section announces {5000}, sends 10 bytes, closes
  disconnect-mid-fetch INBOX of 20 messages; any FETCH for more than one message is cut off (connection
                       closed) halfway through the response
  garbage              greeting is binary junk with NUL bytes, then an endless line without CRLF
                       (--variant after-greeting: a normal greeting and login, then junk as the answer to
                       the next command)
  escape               folder names and headers (subject, from) and body full of ESC sequences, C1 controls
                       and bidi overrides (raw and RFC 2047 / modified UTF-7 encoded)
  imap4rev2            a well-behaved IMAP4rev2-only server: CAPABILITY IMAP4rev2, LIST-STATUS, ESEARCH,
                       no RECENT; INBOX of 3 messages (UIDs 101, 205, 310; UIDVALIDITY 42)
"""
import argparse
import base64
import email.utils
import os
import re
import socket
import ssl
import sys
import threading
import time

CRLF = b"\r\n"


# ---- mail -------------------------------------------------------------------------------------------------
class Msg:
    def __init__(self, uid, flags, epoch, raw):
        self.uid = uid
        self.flags = list(flags)
        self.epoch = epoch
        self.raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        i = self.raw.find(b"\r\n\r\n")
        self.header = self.raw[:i + 4] if i >= 0 else self.raw
        self.body = self.raw[i + 4:] if i >= 0 else b""

    def header_fields(self):
        """[(name_lower, raw_line_bytes_with_continuations)]"""
        out = []
        for line in self.header.split(b"\r\n"):
            if not line:
                continue
            if line[:1] in (b" ", b"\t") and out:
                out[-1] = (out[-1][0], out[-1][1] + b"\r\n" + line)
            elif b":" in line:
                out.append((line.split(b":", 1)[0].strip().lower().decode("latin-1"), line))
        return out

    def get(self, name):
        for n, line in self.header_fields():
            if n == name.lower():
                v = line.split(b":", 1)[1]
                return re.sub(rb"\r\n[ \t]", b" ", v).strip()
        return None


def mkmsg(uid, flags, epoch, subject, sender, body, to=b"Sam Skua <skua@example.org>", extra=b""):
    date = email.utils.formatdate(epoch, localtime=False).encode()
    raw = (b"Message-ID: <hostile-%d@example.test>\n" % uid + b"Date: " + date + b"\n" +
           b"From: " + sender + b"\nTo: " + to + b"\nSubject: " + subject + b"\n" + extra +
           b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" +
           body)
    return Msg(uid, flags, epoch, raw)


def three_messages():
    t = 1740000000  # 2025-02-19
    return [
        mkmsg(101, ["\\Seen"], t, b"Message one", b"Alice Example <alice@example.org>",
              b"First body.\nHOSTILE-BODY-ONE\n"),
        mkmsg(205, [], t + 3600, b"=?UTF-8?Q?Zweite_Nachricht:_Gr=C3=BC=C3=9Fe?=",
              b"=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>",
              "Zweiter Text mit Umlauten: äöü.\nHOSTILE-BODY-TWO\n".encode()),
        mkmsg(310, ["\\Seen", "\\Flagged"], t + 7200, b"Third message", b"Bob Builder <bob@example.net>",
              b"Third body.\nHOSTILE-BODY-THREE\n"),
    ]


def many_messages(n):
    t = 1740000000
    return [mkmsg(i, ["\\Seen"] if i % 3 else [], t + i * 60, b"Bulk message %d" % i,
                  b"Bulk Sender <bulk@example.org>", b"Bulk body %d.\n" % i + b"x" * 2000 + b"\n")
            for i in range(1, n + 1)]


ESC_SUBJECT = (b"\x1b[2J\x1b]0;pwned\x07Evil \x1b[31mred\x1b[0m \xc2\x9b31m C1-CSI \xc2\x85 NEL "
               b"\xe2\x80\xaeRLO txt.exe \xe2\x81\xa6isolate\xe2\x81\xa9 \x7f end")


def escape_messages():
    t = 1740000000
    enc = b"=?UTF-8?B?" + base64.b64encode("\x1b[5m\u009b1m \u202egnp.exe \u2067x\u2069 \x07bell".encode()) + b"?="
    return [
        mkmsg(1, [], t, ESC_SUBJECT, b"\xe2\x80\xae Mallory \x1b[1m <mallory@example.org>",
              b"Body with \x1b[31mcolour\x1b[0m, \x1b]52;c;cHduZWQ=\x07 clipboard, \xc2\x9b2J C1 and "
              b"\xe2\x80\xae bidi.\nHOSTILE-ESCAPE-BODY\n"),
        mkmsg(2, [], t + 60, enc, b"=?UTF-8?Q?Eve_=1B[7m_=C2=9B_=E2=80=AE?= <eve@example.org>",
              b"Second \x1b[?1049h body\n"),
        mkmsg(3, [], t + 120, b"=?ISO-8859-1?Q?C1_in_latin1:_=9B31m_=85?=", b"Latin <latin@example.org>",
              b"plain\n"),
    ]


ESC_FOLDERS = [b"INBOX", b"Evil\x1b[31mRed", b"C1&AJs-csi", b"Bidi&IC4-txt.exe", b"Bell\x07Title"]


# ---- protocol helpers -------------------------------------------------------------------------------------
def imap_string(b):
    if b is None:
        return b"NIL"
    if isinstance(b, str):
        b = b.encode()
    if all(0x20 <= c < 0x7f for c in b) and len(b) < 200:
        return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d}\r\n" % len(b) + b


def quoted_or_literal_name(b):
    # mailbox names: quoted when it can be (ESC etc. are legal in quoted strings), literal otherwise
    if all(0x01 <= c < 0x80 and c not in (0x0a, 0x0d) for c in b):
        return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d}\r\n" % len(b) + b


def envelope(m):
    def addrs(name):
        v = m.get(name)
        if not v:
            return b"NIL"
        out = []
        for one in v.split(b">,"):  # simple on purpose: "Name <a@b>, Other <c@d>" and raw hostile bytes
            one = one.strip()
            if b"<" in one:
                i = one.rfind(b"<")
                disp, ad = one[:i].strip().strip(b'"'), one[i + 1:].rstrip(b">").strip()
            else:
                disp, ad = b"", one
            local, _, dom = ad.partition(b"@")
            out.append(b"(" + imap_string(disp or None) + b" NIL " + imap_string(local) + b" " +
                       imap_string(dom or None) + b")")
        return b"(" + b"".join(out) + b")" if out else b"NIL"

    frm = addrs("from")
    return b"(" + b" ".join([
        imap_string(m.get("date")), imap_string(m.get("subject")), frm,
        addrs("sender") if m.get("sender") else frm, addrs("reply-to") if m.get("reply-to") else frm,
        addrs("to"), addrs("cc"), addrs("bcc"), imap_string(m.get("in-reply-to")),
        imap_string(m.get("message-id"))]) + b")"


def bodystructure(m, ext=True):
    lines = m.body.count(b"\r\n")
    s = b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" %d %d' % (len(m.body), lines)
    return s + (b" NIL NIL NIL NIL)" if ext else b")")


def internaldate(epoch):
    t = time.gmtime(epoch)
    return time.strftime("%d-%b-%Y %H:%M:%S +0000", t).encode()


def parse_seqset(s, maxval):
    """-> list of (lo, hi) inclusive; '*' = maxval."""
    out = []
    for part in s.split(","):
        a, _, b = part.partition(":")
        lo = maxval if a == "*" else int(a)
        hi = lo if not b else (maxval if b == "*" else int(b))
        if lo > hi:
            lo, hi = hi, lo
        out.append((lo, hi))
    return out


def in_set(v, ranges):
    return any(lo <= v <= hi for lo, hi in ranges)


TOKEN_RE = re.compile(rb'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|\x00L(\d+)\x00|([^\s()"\x00]+(?:\[[^\]]*\](?:<[\d.]+>)?)?))')


def tokenize(text, literals):
    """-> nested lists of bytes tokens."""
    stack = [[]]
    pos = 0
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == b"":
                break
            raise ValueError("bad syntax at %r" % text[pos:pos + 20])
        pos = m.end()
        if m.group(1):
            stack.append([])
        elif m.group(2):
            if len(stack) < 2:
                raise ValueError("unbalanced )")
            lst = stack.pop()
            stack[-1].append(lst)
        elif m.group(3) is not None:
            stack[-1].append(re.sub(rb"\\(.)", rb"\1", m.group(3)))
        elif m.group(4) is not None:
            stack[-1].append(literals[int(m.group(4))])
        else:
            stack[-1].append(m.group(5))
    if len(stack) != 1:
        raise ValueError("unbalanced (")
    return stack[0]


FETCH_ITEM_RE = re.compile(rb"([A-Za-z0-9.]+)(\[([^\]]*)\])?(<(\d+)(?:\.(\d+))?>)?")


def parse_fetch_items(spec):
    """spec: bytes after the sequence set. -> list of (NAME, section or None, partial or None)."""
    spec = spec.strip()
    if spec.startswith(b"("):
        depth = 0
        for i, c in enumerate(spec):
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
                if depth == 0:
                    spec = spec[1:i]
                    break
    else:
        spec = spec.split(b" (")[0]  # drop modifiers like (CHANGEDSINCE 1)
    items = []
    pos = 0
    while pos < len(spec):
        while pos < len(spec) and spec[pos:pos + 1] == b" ":
            pos += 1
        if pos >= len(spec):
            break
        m = FETCH_ITEM_RE.match(spec, pos)
        if not m or m.end() == pos:
            raise ValueError("bad fetch item at %r" % spec[pos:])
        name = m.group(1).upper()
        section = m.group(3).upper() if m.group(2) else None
        partial = (int(m.group(5)), int(m.group(6)) if m.group(6) else None) if m.group(4) else None
        pos = m.end()
        if name == b"ALL":
            items += [(b"FLAGS", None, None), (b"INTERNALDATE", None, None), (b"RFC822.SIZE", None, None),
                      (b"ENVELOPE", None, None)]
        elif name == b"FAST":
            items += [(b"FLAGS", None, None), (b"INTERNALDATE", None, None), (b"RFC822.SIZE", None, None)]
        elif name == b"FULL":
            items += [(b"FLAGS", None, None), (b"INTERNALDATE", None, None), (b"RFC822.SIZE", None, None),
                      (b"ENVELOPE", None, None), (b"BODY", None, None)]
        else:
            items.append((name, section, partial))
    return items


def section_data(m, section):
    s = section.strip()
    if s == b"":
        return m.raw
    if s == b"HEADER" or s == b"1.HEADER":
        return m.header
    if s == b"TEXT" or s == b"1" or s == b"1.TEXT":
        return m.body
    mm = re.match(rb"(?:1\.)?HEADER\.FIELDS(\.NOT)?\s*\(([^)]*)\)", s)
    if mm:
        names = [n.lower().decode() for n in mm.group(2).split()]
        keep = []
        for n, line in m.header_fields():
            if (n in names) != bool(mm.group(1)):
                keep.append(line + b"\r\n")
        return b"".join(keep) + b"\r\n"
    if s == b"1.MIME":
        return b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return b""


# ---- the server -------------------------------------------------------------------------------------------
class Closed(Exception):
    pass


class Conn:
    def __init__(self, srv, sock, cid):
        self.srv = srv
        self.sock = sock
        self.cid = cid
        self.buf = b""
        self.tls = False
        self.state = "nonauth"
        self.selected = None
        self.enabled = set()
        self.sc = srv.args.scenario

    # I/O
    def log(self, kind, data):
        self.srv.log("C%d %s %r" % (self.cid, kind, data))

    def send(self, data):
        self.sent_log(data)
        try:
            self.sock.sendall(data)
        except OSError:
            raise Closed()

    def sent_log(self, data):
        # what we sent, abbreviated (the garbage scenario sends hundreds of MB)
        self.sent_total = getattr(self, "sent_total", 0) + len(data)
        if self.sent_total - len(data) > 1 << 20:
            return
        self.log("sent", data if len(data) <= 600 else data[:600] + b"...(%d bytes)" % len(data))

    def recv_more(self):
        try:
            d = self.sock.recv(65536)
        except (OSError, ssl.SSLError):
            d = b""
        if not d:
            raise Closed()
        self.log("tls" if self.tls else "plain", d)
        self.buf += d

    def readline(self, limit=1 << 20):
        while b"\r\n" not in self.buf and b"\n" not in self.buf:
            if len(self.buf) > limit:
                raise Closed()
            self.recv_more()
        i = self.buf.find(b"\n")
        line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
        return line.rstrip(b"\r\n")

    def readn(self, n):
        while len(self.buf) < n:
            self.recv_more()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def read_command(self):
        """-> (text with \\0L<i>\\0 placeholders, [literal bytes])"""
        text, lits = b"", []
        while True:
            line = self.readline()
            m = re.search(rb"\{(\d+)(\+?)\}$", line)
            if not m:
                return text + line, lits
            n = int(m.group(1))
            if n > 10 << 20:
                raise Closed()
            if not m.group(2):
                self.send(b"+ go ahead\r\n")
            lits.append(self.readn(n))
            text += line[:m.start()] + b"\x00L%d\x00" % (len(lits) - 1)

    def starttls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.srv.args.cert, self.srv.args.key)
        if self.buf:
            self.log("event", b"plaintext pipelined after STARTTLS discarded: " + self.buf)
            self.buf = b""
        try:
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.log("event", ("TLS handshake failed: %s" % e).encode())
            raise Closed()
        self.tls = True
        self.log("event", b"TLS established")

    # mailbox model
    def folders(self):
        return self.srv.folders

    def caps(self):
        sc = self.sc
        if sc == "imap4rev2":
            c = [b"IMAP4rev2", b"AUTH=PLAIN", b"LITERAL-", b"ENABLE", b"IDLE", b"NAMESPACE", b"UIDPLUS",
                 b"MOVE", b"ESEARCH", b"LIST-STATUS", b"SPECIAL-USE", b"ID", b"UNSELECT"]
        else:
            c = [b"IMAP4rev1", b"AUTH=PLAIN", b"AUTH=LOGIN", b"LITERAL+", b"ID", b"ENABLE", b"IDLE",
                 b"NAMESPACE", b"UIDPLUS", b"UNSELECT"]
        if self.srv.args.cert and not self.tls and sc not in ("starttls-strip",) and self.state == "nonauth":
            c.insert(1, b"STARTTLS")
        if self.state != "nonauth":
            c = [x for x in c if not x.startswith(b"AUTH=") and x != b"STARTTLS"]
        return b" ".join(c)

    def greet(self):
        sc = self.sc
        if sc == "garbage" and self.srv.args.variant != "after-greeting":
            self.junk()
        if sc == "preauth":
            self.state = "auth"
            self.send(b"* PREAUTH [CAPABILITY " + self.caps() + b"] hostile preauth, no login needed\r\n")
            return
        self.send(b"* OK [CAPABILITY " + self.caps() + b"] hostile-imap ready\r\n")

    def junk(self):
        self.send(b"\x00\x00\x00\xff\xfeHTTP/1.1 400 Bad Request\r\n\x00\x01\x02 not imap \x00\r\n")
        chunk = b"* OK " + b"A" * 65536
        sent = 0
        limit = 512 << 20
        while sent < limit:
            self.send(chunk)
            sent += len(chunk)
            chunk = b"B" * 65536
        raise Closed()

    def run(self):
        try:
            if self.srv.args.tls == "implicit":
                self.starttls()
            self.greet()
            while True:
                text, lits = self.read_command()
                self.handle(text, lits)
        except Closed:
            pass
        except Exception as e:  # a bug here must not look like a client failure silently
            self.srv.log("C%d event server error %r" % (self.cid, e))
            print("hostile-imap.py: connection %d: %r" % (self.cid, e), file=sys.stderr)
        finally:
            try:
                self.sock.close()
            except OSError:
                pass
            self.srv.log("C%d event closed" % self.cid)

    def tagged(self, tag, status, text):
        self.send(tag + b" " + status + b" " + text + b"\r\n")

    def handle(self, text, lits):
        parts = text.split(b" ", 2)
        if len(parts) < 2:
            self.send(b"* BAD missing command\r\n")
            return
        tag, cmd = parts[0], parts[1].upper()
        rest = parts[2] if len(parts) > 2 else b""
        uid = False
        if cmd == b"UID":
            sub = rest.split(b" ", 1)
            cmd, rest, uid = sub[0].upper(), (sub[1] if len(sub) > 1 else b""), True
        try:
            args = tokenize(rest, lits) if cmd not in (b"FETCH",) else None
        except ValueError as e:
            self.tagged(tag, b"BAD", str(e).encode())
            return
        if self.sc == "garbage" and self.srv.args.variant == "after-greeting" and self.state != "nonauth":
            self.junk()
        h = getattr(self, "c_" + cmd.decode("ascii", "replace").lower().replace("-", "_"), None)
        if h is None:
            self.tagged(tag, b"BAD", b"unknown command")
            return
        h(tag, args, rest, lits, uid)

    # commands
    def c_capability(self, tag, args, rest, lits, uid):
        self.send(b"* CAPABILITY " + self.caps() + b"\r\n")
        self.tagged(tag, b"OK", b"CAPABILITY completed")

    def c_noop(self, tag, *a):
        self.tagged(tag, b"OK", b"NOOP completed")

    c_check = c_noop

    def c_logout(self, tag, *a):
        self.send(b"* BYE hostile-imap logging out\r\n")
        self.tagged(tag, b"OK", b"LOGOUT completed")
        raise Closed()

    def c_id(self, tag, *a):
        self.send(b'* ID ("name" "hostile-imap")\r\n')
        self.tagged(tag, b"OK", b"ID completed")

    def c_starttls(self, tag, *a):
        sc = self.sc
        if sc == "starttls-strip":
            if self.srv.args.variant == "no":
                self.tagged(tag, b"NO", b"STARTTLS not available")
            else:
                self.tagged(tag, b"BAD", b"unknown command")
            return
        if not self.srv.args.cert or self.tls or self.state != "nonauth":
            self.tagged(tag, b"BAD", b"STARTTLS not possible now")
            return
        if sc == "starttls-inject":
            inj = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN]\r\n* LIST () \"/\" INJECTED\r\n"
            m = re.match(rb"^(.*?)(\d+)$", tag)
            if m:
                for k in range(1, 4):
                    n = int(m.group(2)) + k
                    inj += m.group(1) + (b"%0*d" % (len(m.group(2)), n)) + b" OK injected\r\n"
            self.send(tag + b" OK Begin TLS negotiation now\r\n" + inj)
        else:
            self.tagged(tag, b"OK", b"Begin TLS negotiation now")
        self.starttls()

    def check_login(self, user, pw):
        return user == self.srv.args.user.encode() and pw == self.srv.args.password.encode()

    def c_login(self, tag, args, *a):
        if self.state != "nonauth":
            self.tagged(tag, b"BAD", b"already authenticated")
            return
        if not args or len(args) != 2:
            self.tagged(tag, b"BAD", b"LOGIN needs user and password")
            return
        if self.check_login(args[0], args[1]):
            self.state = "auth"
            self.tagged(tag, b"OK", b"[CAPABILITY " + self.caps() + b"] Logged in")
        else:
            self.tagged(tag, b"NO", b"[AUTHENTICATIONFAILED] Authentication failed.")

    def c_authenticate(self, tag, args, *a):
        if self.state != "nonauth":
            self.tagged(tag, b"BAD", b"already authenticated")
            return
        mech = args[0].upper() if args else b""
        try:
            if mech == b"PLAIN":
                if len(args) > 1:
                    resp = args[1]
                else:
                    self.send(b"+ \r\n")
                    resp = self.readline()
                if resp == b"*":
                    self.tagged(tag, b"BAD", b"cancelled")
                    return
                dec = base64.b64decode(resp)
                _, user, pw = dec.split(b"\x00", 2)
            elif mech == b"LOGIN" and b"AUTH=LOGIN" in self.caps():
                self.send(b"+ VXNlcm5hbWU6\r\n")
                user = base64.b64decode(self.readline())
                self.send(b"+ UGFzc3dvcmQ6\r\n")
                pw = base64.b64decode(self.readline())
            else:
                self.tagged(tag, b"NO", b"unsupported mechanism")
                return
        except (ValueError, base64.binascii.Error):
            self.tagged(tag, b"BAD", b"bad SASL response")
            return
        if self.check_login(user, pw):
            self.state = "auth"
            self.tagged(tag, b"OK", b"[CAPABILITY " + self.caps() + b"] Logged in")
        else:
            self.tagged(tag, b"NO", b"[AUTHENTICATIONFAILED] Authentication failed.")

    def need_auth(self, tag):
        if self.state == "nonauth":
            self.tagged(tag, b"BAD", b"not authenticated")
            return False
        return True

    def c_enable(self, tag, args, *a):
        if not self.need_auth(tag):
            return
        ok = [x for x in args if x.upper() in (b"IMAP4REV2", b"UTF8=ACCEPT") and
              (self.sc == "imap4rev2") == (x.upper() == b"IMAP4REV2")]
        self.enabled |= {x.upper() for x in ok}
        self.send(b"* ENABLED" + b"".join(b" " + x for x in ok) + b"\r\n")
        self.tagged(tag, b"OK", b"ENABLE completed")

    def c_namespace(self, tag, *a):
        if not self.need_auth(tag):
            return
        self.send(b'* NAMESPACE (("" "/")) NIL NIL\r\n')
        self.tagged(tag, b"OK", b"NAMESPACE completed")

    def status_items(self, name, items):
        msgs = self.folders().get(name)
        out = []
        for it in items:
            it = it.upper()
            if it == b"MESSAGES":
                out.append(b"MESSAGES %d" % len(msgs))
            elif it == b"UNSEEN":
                out.append(b"UNSEEN %d" % sum(1 for m in msgs if "\\Seen" not in m.flags))
            elif it == b"UIDNEXT":
                out.append(b"UIDNEXT %d" % ((max((m.uid for m in msgs), default=0)) + 1))
            elif it == b"UIDVALIDITY":
                out.append(b"UIDVALIDITY %d" % self.srv.uidvalidity)
            elif it == b"RECENT" and self.sc != "imap4rev2":
                out.append(b"RECENT 0")
            elif it == b"SIZE":
                out.append(b"SIZE %d" % sum(len(m.raw) for m in msgs))
            elif it == b"DELETED":
                out.append(b"DELETED 0")
            elif it == b"HIGHESTMODSEQ":
                continue
            else:
                return None
        return b"(" + b" ".join(out) + b")"

    def c_list(self, tag, args, rest, lits, uid):
        if not self.need_auth(tag):
            return
        # LIST [(selection)] ref pattern [RETURN (...)]
        a = list(args)
        if a and isinstance(a[0], list):
            a.pop(0)
        if len(a) < 2:
            self.tagged(tag, b"BAD", b"LIST needs reference and pattern")
            return
        pattern = a[1] if not isinstance(a[1], list) else b"*"
        ret_status = None
        if len(a) >= 4 and isinstance(a[2], bytes) and a[2].upper() == b"RETURN" and isinstance(a[3], list):
            r = a[3]
            for i, x in enumerate(r):
                if isinstance(x, bytes) and x.upper() == b"STATUS" and i + 1 < len(r):
                    ret_status = r[i + 1]
        if pattern == b"":
            self.send(b'* LIST (\\Noselect) "/" ""\r\n')
            self.tagged(tag, b"OK", b"LIST completed")
            return
        rx = re.compile(b"^" + re.escape(pattern).replace(b"\\*", b".*").replace(b"%", b"[^/]*") + b"$",
                        re.I if pattern.upper().startswith(b"INBOX") else 0)
        for name in self.folders():
            if not (rx.match(name) or (pattern in (b"*", b"%"))):
                continue
            attrs = b"\\HasNoChildren"
            if name == b"Archive":
                attrs += b" \\Archive"
            self.send(b"* LIST (" + attrs + b') "/" ' + quoted_or_literal_name(name) + b"\r\n")
            if ret_status is not None:
                st = self.status_items(name, ret_status)
                if st:
                    self.send(b"* STATUS " + quoted_or_literal_name(name) + b" " + st + b"\r\n")
        self.tagged(tag, b"OK", b"LIST completed")

    def c_lsub(self, tag, args, rest, lits, uid):
        if self.sc == "imap4rev2":
            self.tagged(tag, b"BAD", b"LSUB is not IMAP4rev2")
            return
        if not self.need_auth(tag):
            return
        for name in self.folders():
            self.send(b'* LSUB () "/" ' + quoted_or_literal_name(name) + b"\r\n")
        self.tagged(tag, b"OK", b"LSUB completed")

    def find_folder(self, name):
        if name.upper() == b"INBOX":
            name = b"INBOX"
        return name if name in self.folders() else None

    def c_status(self, tag, args, *a):
        if not self.need_auth(tag):
            return
        if len(args) < 2 or not isinstance(args[1], list):
            self.tagged(tag, b"BAD", b"STATUS syntax")
            return
        name = self.find_folder(args[0])
        if name is None:
            self.tagged(tag, b"NO", b"[NONEXISTENT] Mailbox doesn't exist")
            return
        st = self.status_items(name, args[1])
        if st is None:
            self.tagged(tag, b"BAD", b"unknown STATUS item")
            return
        self.send(b"* STATUS " + quoted_or_literal_name(name) + b" " + st + b"\r\n")
        self.tagged(tag, b"OK", b"STATUS completed")

    def c_select(self, tag, args, rest, lits, uid, examine=False):
        if not self.need_auth(tag):
            return
        name = self.find_folder(args[0]) if args else None
        self.selected = None
        if name is None:
            self.tagged(tag, b"NO", b"[NONEXISTENT] Mailbox doesn't exist")
            return
        self.selected = name
        msgs = self.folders()[name]
        self.send(b"* %d EXISTS\r\n" % len(msgs))
        if self.sc != "imap4rev2":
            self.send(b"* 0 RECENT\r\n")
        self.send(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n")
        self.send(b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted\r\n")
        self.send(b"* OK [UIDVALIDITY %d] UIDs valid\r\n" % self.srv.uidvalidity)
        self.send(b"* OK [UIDNEXT %d] Predicted next UID\r\n" % (max((m.uid for m in msgs), default=0) + 1))
        if self.sc == "imap4rev2":
            self.send(b'* LIST () "/" ' + quoted_or_literal_name(name) + b"\r\n")
        self.tagged(tag, b"OK", b"[READ-ONLY] EXAMINE completed" if examine else b"[READ-WRITE] SELECT completed")

    def c_examine(self, tag, args, rest, lits, uid):
        self.c_select(tag, args, rest, lits, uid, examine=True)

    def c_close(self, tag, *a):
        self.selected = None
        self.tagged(tag, b"OK", b"CLOSE completed")

    c_unselect = c_close

    def c_idle(self, tag, *a):
        self.send(b"+ idling\r\n")
        while self.readline().upper() != b"DONE":
            pass
        self.tagged(tag, b"OK", b"IDLE terminated")

    def need_selected(self, tag):
        if not self.need_auth(tag):
            return False
        if self.selected is None:
            self.tagged(tag, b"BAD", b"no mailbox selected")
            return False
        return True

    def c_search(self, tag, args, rest, lits, uid):
        if not self.need_selected(tag):
            return
        msgs = self.folders()[self.selected]
        a = list(args)
        ret = None
        if a and isinstance(a[0], bytes) and a[0].upper() == b"RETURN":
            ret = a[1] if len(a) > 1 and isinstance(a[1], list) else []
            a = a[2:]
        if a and isinstance(a[0], bytes) and a[0].upper() == b"CHARSET":
            a = a[2:]
        sel = []
        crit = [x.upper() if isinstance(x, bytes) else x for x in a]
        for i, m in enumerate(msgs, 1):
            if self.match(m, i, crit, uid, len(msgs)):
                sel.append(m.uid if uid else i)
        if self.sc == "imap4rev2" or ret is not None:
            out = b'* ESEARCH (TAG "' + tag + b'")' + (b" UID" if uid else b"")
            if sel:
                want = [x.upper() for x in ret] if ret else [b"ALL"]
                if b"MIN" in want:
                    out += b" MIN %d" % min(sel)
                if b"MAX" in want:
                    out += b" MAX %d" % max(sel)
                if b"COUNT" in want:
                    out += b" COUNT %d" % len(sel)
                if b"ALL" in want:
                    out += b" ALL " + b",".join(b"%d" % x for x in sel)
            elif ret and b"COUNT" in [x.upper() for x in ret]:
                out += b" COUNT 0"
            self.send(out + b"\r\n")
        else:
            self.send(b"* SEARCH" + b"".join(b" %d" % x for x in sel) + b"\r\n")
        self.tagged(tag, b"OK", b"SEARCH completed")

    def match(self, m, seq, crit, uid, n):
        i = 0
        while i < len(crit):
            c = crit[i]
            if c == b"ALL":
                pass
            elif c == b"UNSEEN":
                if "\\Seen" in m.flags:
                    return False
            elif c == b"SEEN":
                if "\\Seen" not in m.flags:
                    return False
            elif c == b"UID" and i + 1 < len(crit):
                maxuid = max(x.uid for x in self.folders()[self.selected])
                if not in_set(m.uid, parse_seqset(crit[i + 1].decode(), maxuid)):
                    return False
                i += 1
            elif isinstance(c, bytes) and re.match(rb"^[\d*:,]+$", c):
                if not in_set(seq, parse_seqset(c.decode(), n)):
                    return False
            elif c in (b"NOT", b"OR"):
                return True  # good enough: not used for correctness here
            i += 1
        return True

    def c_fetch(self, tag, args, rest, lits, uid):
        if not self.need_selected(tag):
            return
        msgs = self.folders()[self.selected]
        sp = rest.split(b" ", 1)
        if len(sp) < 2:
            self.tagged(tag, b"BAD", b"FETCH syntax")
            return
        try:
            items = parse_fetch_items(sp[1])
            if uid:
                ranges = parse_seqset(sp[0].decode(), max((m.uid for m in msgs), default=0))
            else:
                ranges = parse_seqset(sp[0].decode(), len(msgs))
        except (ValueError, UnicodeDecodeError) as e:
            self.tagged(tag, b"BAD", ("FETCH syntax: %s" % e).encode())
            return
        if uid and not any(n == b"UID" for n, _, _ in items):
            items.insert(0, (b"UID", None, None))
        hits = [(i, m) for i, m in enumerate(msgs, 1) if in_set(m.uid if uid else i, ranges)]
        wants_body = any(n in (b"BODY", b"BODY.PEEK", b"BINARY", b"BINARY.PEEK", b"RFC822", b"RFC822.HEADER",
                               b"RFC822.TEXT") and (s is not None or n.startswith(b"RFC822"))
                         for n, s, _ in items)
        cut = None
        if self.sc == "disconnect-mid-fetch" and len(hits) > 1:
            cut = len(hits) // 2
        for k, (seq, m) in enumerate(hits):
            if cut is not None and k == cut:
                resp = self.fetch_response(seq, m, items)
                self.send(resp[:len(resp) // 2])
                self.srv.log("C%d event cut the FETCH response after %d of %d messages" % (self.cid, k, len(hits)))
                raise Closed()
            if wants_body and self.sc == "oversized-literal":
                self.send(b"* %d FETCH (UID %d BODY[] {1099511627776}\r\n" % (seq, m.uid))
                self.send(m.raw + b"X" * 65536)
                self.srv.log("C%d event sent a 2^40 literal header, waiting" % self.cid)
                end = time.monotonic() + 30
                self.sock.settimeout(1)
                while time.monotonic() < end:
                    try:
                        if not self.sock.recv(65536):
                            break
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                raise Closed()
            if wants_body and self.sc == "truncated-literal":
                self.send(b"* %d FETCH (UID %d BODY[] {5000}\r\n" % (seq, m.uid) + m.raw[:10])
                self.srv.log("C%d event truncated literal, closing" % self.cid)
                raise Closed()
            self.send(self.fetch_response(seq, m, items))
        self.tagged(tag, b"OK", b"FETCH completed")

    def fetch_response(self, seq, m, items):
        out = []
        for name, section, partial in items:
            if name == b"UID":
                out.append(b"UID %d" % m.uid)
            elif name == b"FLAGS":
                out.append(b"FLAGS (" + " ".join(m.flags).encode() + b")")
            elif name == b"INTERNALDATE":
                out.append(b'INTERNALDATE "' + internaldate(m.epoch) + b'"')
            elif name in (b"RFC822.SIZE",):
                out.append(b"RFC822.SIZE %d" % len(m.raw))
            elif name == b"ENVELOPE":
                out.append(b"ENVELOPE " + envelope(m))
            elif name == b"BODYSTRUCTURE":
                out.append(b"BODYSTRUCTURE " + bodystructure(m))
            elif name == b"BODY" and section is None:
                out.append(b"BODY " + bodystructure(m, ext=False))
            elif name == b"MODSEQ":
                out.append(b"MODSEQ (1)")
            elif name in (b"RFC822", b"RFC822.HEADER", b"RFC822.TEXT"):
                d = {b"RFC822": m.raw, b"RFC822.HEADER": m.header, b"RFC822.TEXT": m.body}[name]
                out.append(name + b" {%d}\r\n" % len(d) + d)
            elif name in (b"BODY", b"BODY.PEEK", b"BINARY", b"BINARY.PEEK", b"BINARY.SIZE"):
                d = section_data(m, section or b"")
                if name == b"BINARY.SIZE":
                    out.append(b"BINARY.SIZE[" + section + b"] %d" % len(d))
                    continue
                rname = b"BINARY" if name.startswith(b"BINARY") else b"BODY"
                key = rname + b"[" + (section or b"") + b"]"
                if partial:
                    off, ln = partial
                    d = d[off:off + ln] if ln is not None else d[off:]
                    key += b"<%d>" % off
                out.append(key + b" {%d}\r\n" % len(d) + d)
                if not name.endswith(b"PEEK") and "\\Seen" not in m.flags:
                    m.flags.append("\\Seen")
                    out.append(b"FLAGS (" + " ".join(m.flags).encode() + b")")
            else:
                pass  # unknown item: ignore rather than fail the client
        return b"* %d FETCH (" % seq + b" ".join(out) + b")\r\n"

    def c_store(self, tag, args, rest, lits, uid):
        if not self.need_selected(tag):
            return
        msgs = self.folders()[self.selected]
        try:
            ranges = parse_seqset(args[0].decode(), max((m.uid for m in msgs), default=0) if uid else len(msgs))
            op = args[1].upper()
            flags = args[2] if isinstance(args[2], list) else args[2:]
        except (IndexError, ValueError, AttributeError):
            self.tagged(tag, b"BAD", b"STORE syntax")
            return
        for i, m in enumerate(msgs, 1):
            if not in_set(m.uid if uid else i, ranges):
                continue
            fl = [f.decode() for f in flags]
            if op.startswith(b"+"):
                m.flags += [f for f in fl if f not in m.flags]
            elif op.startswith(b"-"):
                m.flags = [f for f in m.flags if f not in fl]
            else:
                m.flags = fl
            if b".SILENT" not in op:
                self.send(b"* %d FETCH (UID %d FLAGS (%s))\r\n" % (i, m.uid, " ".join(m.flags).encode()))
        self.tagged(tag, b"OK", b"STORE completed")

    def c_compress(self, tag, *a):
        self.tagged(tag, b"NO", b"no compression here")


class Server:
    def __init__(self, args):
        self.args = args
        self.loglock = threading.Lock()
        self.logf = open(args.log, "a", buffering=1) if args.log else None
        self.uidvalidity = 42
        sc = args.scenario
        if sc == "disconnect-mid-fetch":
            self.folders = {b"INBOX": many_messages(20), b"Archive": []}
        elif sc == "escape":
            msgs = escape_messages()
            self.folders = {name: (msgs if name == b"INBOX" else []) for name in ESC_FOLDERS}
        else:
            self.folders = {b"INBOX": three_messages(), b"Archive": []}

    def log(self, s):
        with self.loglock:
            if self.logf:
                self.logf.write(s + "\n")

    def serve(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(16)
        port = ls.getsockname()[1]
        tmp = self.args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, self.args.port_file)
        ls.settimeout(0.5)
        end = time.monotonic() + self.args.lifetime
        cid = 0
        while time.monotonic() < end:
            try:
                s, _ = ls.accept()
            except socket.timeout:
                continue
            cid += 1
            s.settimeout(self.args.lifetime)
            self.log("C%d event accepted" % cid)
            threading.Thread(target=Conn(self, s, cid).run, daemon=True).start()
        ls.close()


SCENARIOS = ["normal", "starttls-inject", "starttls-strip", "preauth", "oversized-literal", "truncated-literal",
             "disconnect-mid-fetch", "garbage", "escape", "imap4rev2"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", required=True, choices=SCENARIOS)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log")
    ap.add_argument("--tls", choices=["none", "implicit"], default="none")
    ap.add_argument("--variant", default="")
    ap.add_argument("--user", default="skua")
    ap.add_argument("--password", default="skua-pass")
    ap.add_argument("--lifetime", type=float, default=600, help="exit after this many seconds")
    a = ap.parse_args()
    if (a.cert is None) != (a.key is None):
        ap.error("--cert and --key go together")
    if a.tls == "implicit" and not a.cert:
        ap.error("--tls implicit needs --cert/--key")
    if a.scenario == "starttls-inject" and not a.cert:
        ap.error("starttls-inject needs --cert/--key")
    try:
        Server(a).serve()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
