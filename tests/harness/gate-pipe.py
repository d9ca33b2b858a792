#!/usr/bin/env python3
"""gate-pipe.py: a tunnel between an IMAP client (our stdin/stdout) and an IMAP command (run with /bin/sh
-c, e.g. the harness's pre-authenticated Dovecot, $TUNNEL_CMD) that stops the server's output at a point
the test chose, so that a test, not the clock, decides where a sync stands when it acts.

    gate-pipe.py [HOLD CONDITION] [--marker FILE] [--release FILE] [--pid-file FILE] [--log FILE]
                 [--rate BYTES_PER_SEC] COMMAND
    gate-pipe.py --wait FILE [--count N] [--timeout SECONDS]

Both directions are forwarded; the client's bytes go to the server as they come. The server's output is
cut into whole responses (a line, and for every {n} / ~{n} literal at the end of a line, n bytes and the
rest of the response), and one condition may stop it (hold), once, per connection:

  --hold-after-fetches N   after the Nth untagged "* n FETCH" response has been forwarded whole
  --fetch-match REGEX      with --hold-after-fetches: count only FETCH responses whose text (literal
                           contents left out) matches REGEX (case-insensitive), e.g. HEADER
  --hold-on-command REGEX  once the client sent a command whose text after the tag matches REGEX
                           (case-insensitive, re.search: '^(UID )?FETCH', '^EXAMINE'); everything the
                           server says from then on is held
  --hold-after-line REGEX  right after a server response whose text (literals left out) matches REGEX
                           (re.search, multiline: '^\\* OK \\[HIGHESTMODSEQ ')

When it holds (and everything before the hold point has been written to the client), it appends one line
"held PID REASON" to --marker FILE. It keeps holding until --release FILE exists, it gets SIGUSR1, or the
client goes away. While it holds it stops reading the server (the server blocks on its own output).

--rate limits what reaches the client to about BYTES_PER_SEC (a slow link; not a synchronisation).
--pid-file gets the gate's pid (SIGTERM to it: "the server died"); --log FILE gets what the gate did.

It exits as soon as the client goes away (EOF on stdin, a write error, a hang-up on stdout), on SIGTERM,
SIGINT or SIGHUP, and once the server's output ended and was forwarded (or, held, once released). It
then kills the command's whole session (the command runs in a session of its own, without a terminal)
and reaps it and everything below it (the gate is a child subreaper), so nothing outlives it. It ignores
SIGTTOU, SIGTTIN and SIGTSTP: it never stops itself, and it never touches a terminal.

--wait FILE: waits until FILE has at least --count lines (default 1; e.g. the marker: the Nth held
connection), exit 0, or exit 1 after --timeout seconds (default 60). For `run` lines of test drivers.
"""
import argparse, ctypes, errno, fcntl, os, re, select, signal, subprocess, sys, time

LITERAL = re.compile(rb"~?\{(\d+)\+?\}\r?\n\Z")
FETCH = re.compile(rb"\* \d+ FETCH\b", re.I)
CHUNK = 4096  # at most this much per write once poll said writable: never blocks on a pipe or socket
BUFFER_MAX = 1 << 20  # stop reading the server while this much is waiting for the client


class Framer:
    """Cuts the server's stream into whole responses: lines plus their literals."""

    def __init__(self):
        self.buf = bytearray()
        self.pos = 0      # where scanning of the current unit goes on
        self.lit = 0      # literal bytes still to skip
        self.text = []    # the current unit's lines, literal contents left out
        self.first = None  # the current unit's first line

    def feed(self, data):
        self.buf += data

    def next(self):
        """The next whole unit as (raw bytes, text, first line), or None."""
        while True:
            if self.lit:
                if len(self.buf) - self.pos < self.lit:
                    return None
                self.pos += self.lit
                self.lit = 0
            nl = self.buf.find(b"\n", self.pos)
            if nl < 0:
                return None
            line = bytes(self.buf[self.pos:nl + 1])
            self.pos = nl + 1
            self.text.append(line)
            if self.first is None:
                self.first = line
            m = LITERAL.search(line)
            if m:
                self.lit = int(m.group(1))
                continue
            raw = bytes(self.buf[:self.pos])
            del self.buf[:self.pos]
            unit = (raw, b"".join(self.text), self.first)
            self.pos, self.text, self.first = 0, [], None
            return unit

    def rest(self):
        """Whatever is left (an incomplete unit)."""
        raw = bytes(self.buf)
        self.buf.clear()
        self.pos, self.lit, self.text, self.first = 0, 0, [], None
        return raw


def wait_mode(args):
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            with open(args.wait, "rb") as f:
                if f.read().count(b"\n") >= args.count:
                    return 0
        except FileNotFoundError:
            pass
        if time.monotonic() >= deadline:
            print("gate-pipe.py: %s: fewer than %d line(s) after %gs" % (args.wait, args.count, args.timeout),
                  file=sys.stderr)
            return 1
        time.sleep(0.02)


class Gate:
    def __init__(self, args):
        self.a = args
        self.fetches = 0
        self.held = False          # holding now
        self.armed = self.has_condition()
        self.marked = False        # marker written for the current hold
        self.reason = ""
        self.server = Framer()
        self.cbuf = bytearray()    # the client's bytes not yet scanned
        self.clit = 0              # the client's literal bytes still to skip
        self.cstart = True         # the next client line starts a command
        self.to_client = bytearray()
        self.to_server = bytearray()
        self.server_eof = False
        self.quit = None
        self.release_sig = False
        self.tokens = 0.0
        self.last = time.monotonic()
        self.logf = open(args.log, "a", buffering=1) if args.log else None

    def has_condition(self):
        a = self.a
        return a.hold_after_fetches is not None or a.hold_on_command is not None or a.hold_after_line is not None

    def log(self, msg):
        if self.logf:
            self.logf.write("%.3f gate %d: %s\n" % (time.time(), os.getpid(), msg))

    def hold(self, reason):
        self.held, self.armed, self.reason = True, False, reason
        self.log("hold: " + reason)

    def mark(self):
        self.marked = True
        if self.a.marker:
            fd = os.open(self.a.marker, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, ("held %d %s\n" % (os.getpid(), self.reason)).encode())
            finally:
                os.close(fd)

    def released(self):
        if self.release_sig or (self.a.release and os.path.exists(self.a.release)):
            self.held = False
            self.log("released after %d FETCH responses" % self.fetches)
            return True
        return False

    # --- the client's commands --------------------------------------------------------------------
    def client_data(self, data):
        """Forwards the client's bytes as they come; looks at every command's first line once it is
        complete (a synchronising literal waits for the server's "+", which may be held)."""
        self.to_server += data
        buf = self.cbuf
        buf += data
        while True:
            if self.clit:
                k = min(self.clit, len(buf))
                del buf[:k]
                self.clit -= k
                if self.clit:
                    return
            nl = buf.find(b"\n")
            if nl < 0:
                return
            line = bytes(buf[:nl + 1])
            del buf[:nl + 1]
            if self.cstart:
                self.command(line)
            m = LITERAL.search(line)
            self.clit = int(m.group(1)) if m else 0
            self.cstart = not m

    def command(self, line):
        parts = line.rstrip(b"\r\n").split(b" ", 1)
        text = parts[1] if len(parts) > 1 else b""
        if self.armed and self.a.hold_on_command is not None and self.a.hold_on_command.search(text):
            self.hold("on command: " + line.rstrip(b"\r\n").decode("latin-1"))

    # --- the server's responses -------------------------------------------------------------------
    def pump_server(self):
        """Moves whole responses to the client's buffer until a hold."""
        a = self.a
        while not self.held:
            unit = self.server.next()
            if unit is None:
                break
            raw, text, first = unit
            self.to_client += raw
            if FETCH.match(first):
                if a.fetch_match is None or a.fetch_match.search(text):
                    self.fetches += 1
                    if self.armed and a.hold_after_fetches is not None and self.fetches >= a.hold_after_fetches:
                        self.hold("after %d FETCH responses" % self.fetches)
            if self.armed and a.hold_after_line is not None and a.hold_after_line.search(text):
                self.hold("after line: " + first.rstrip(b"\r\n").decode("latin-1")[:200])
        if self.server_eof and not self.held:
            self.to_client += self.server.rest()

    def allowance(self, now):
        if not self.a.rate:
            return CHUNK, None
        self.tokens = min(self.tokens + (now - self.last) * self.a.rate, max(CHUNK, self.a.rate / 20))
        self.last = now
        if self.tokens >= 1:
            return int(min(self.tokens, CHUNK)), None
        return 0, (1 - self.tokens) / self.a.rate


def set_subreaper():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def children_of(pid):
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rfind(b")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(name))
    return out


def finish(gate, child):
    """Kills the command's session, reaps it and everything that was below it."""
    for f in (child.stdin, child.stdout):
        try:
            f.close()
        except OSError:
            pass
    for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(child.pid, sig)
        except OSError:
            pass
        if sig == signal.SIGKILL:
            for pid in children_of(os.getpid()):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                gate.log("exit: nothing left")
                return
            if pid == 0:
                time.sleep(0.005)
    gate.log("exit: children left: %s" % children_of(os.getpid()))


def main():
    p = argparse.ArgumentParser(description="an IMAP tunnel that holds the server's output at a point")
    p.add_argument("--hold-after-fetches", type=int)
    p.add_argument("--fetch-match")
    p.add_argument("--hold-on-command")
    p.add_argument("--hold-after-line")
    p.add_argument("--marker")
    p.add_argument("--release")
    p.add_argument("--pid-file")
    p.add_argument("--log")
    p.add_argument("--rate", type=int, default=0)
    p.add_argument("--wait")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("command", nargs="?")
    a = p.parse_args()
    if a.wait:
        return wait_mode(a)
    if not a.command:
        p.error("no command")
    for opt in ("fetch_match", "hold_on_command", "hold_after_line"):
        if getattr(a, opt) is not None:
            setattr(a, opt, re.compile(getattr(a, opt).encode(), re.I | re.M))

    for s in (signal.SIGTTOU, signal.SIGTTIN, signal.SIGTSTP):
        signal.signal(s, signal.SIG_IGN)
    wake_r, wake_w = os.pipe()
    for fd in (wake_r, wake_w):
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    gate = Gate(a)

    def on_quit(sig, _frame):
        gate.quit = gate.quit or "signal %d" % sig

    def on_release(_sig, _frame):
        gate.release_sig = True

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_quit)
    signal.signal(signal.SIGUSR1, on_release)
    set_subreaper()
    if a.pid_file:
        with open(a.pid_file + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(a.pid_file + ".tmp", a.pid_file)

    child = subprocess.Popen(["/bin/sh", "-c", a.command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             bufsize=0, start_new_session=True, close_fds=True)
    gate.log("start: command pid %d: %s" % (child.pid, a.command))
    s_in, s_out = child.stdin.fileno(), child.stdout.fileno()
    for fd in (s_in, s_out):
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    c_in, c_out = 0, 1
    server_in_open = True
    try:
        while gate.quit is None:
            now = time.monotonic()
            if gate.held and gate.released():
                pass
            if not gate.held:
                gate.pump_server()
            if gate.held and not gate.marked and not gate.to_client:
                gate.mark()
            if gate.server_eof and not gate.held and not gate.to_client:
                gate.quit = "the server's output ended"
                break
            timeout = None
            if gate.held and a.release:
                timeout = 0.02
            poller = select.poll()
            poller.register(wake_r, select.POLLIN)
            poller.register(c_in, select.POLLIN)
            n, wait = gate.allowance(now) if gate.to_client else (0, None)
            if gate.to_client and n > 0:
                poller.register(c_out, select.POLLOUT)
            else:
                poller.register(c_out, 0)  # POLLERR / POLLHUP only: the client hung up
            if wait is not None:
                timeout = wait if timeout is None else min(timeout, wait)
            if server_in_open and gate.to_server:
                poller.register(s_in, select.POLLOUT)
            if not gate.server_eof and not gate.held and len(gate.to_client) < BUFFER_MAX:
                poller.register(s_out, select.POLLIN)
            for fd, ev in poller.poll(None if timeout is None else max(1, int(timeout * 1000))):
                if fd == wake_r:
                    try:
                        os.read(wake_r, 512)
                    except BlockingIOError:
                        pass
                if fd == c_in and ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    data = os.read(c_in, 65536)
                    if not data:
                        gate.quit = "the client went away (EOF)"
                        break
                    gate.client_data(data)
                if fd == c_out:
                    if ev & select.POLLOUT and gate.to_client:
                        try:
                            written = os.write(c_out, gate.to_client[:n])
                        except (BrokenPipeError, ConnectionResetError):
                            gate.quit = "the client went away (write error)"
                            break
                        del gate.to_client[:written]
                        if a.rate:
                            gate.tokens -= written
                    elif ev & (select.POLLERR | select.POLLHUP):
                        gate.quit = "the client went away (hang-up)"
                        break
                if fd == s_in and ev & (select.POLLOUT | select.POLLERR | select.POLLHUP):
                    try:
                        written = os.write(s_in, gate.to_server[:65536])
                        del gate.to_server[:written]
                    except BlockingIOError:
                        pass
                    except OSError:
                        server_in_open = False  # the server stopped reading: its output tells the rest
                        gate.to_server.clear()
                if fd == s_out and ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    try:
                        data = os.read(s_out, 65536)
                    except BlockingIOError:
                        continue
                    if data:
                        gate.server.feed(data)
                    else:
                        gate.server_eof = True
                        gate.log("the server's output ended after %d FETCH responses" % gate.fetches)
    except OSError as e:
        gate.quit = "I/O error: %s" % e
    gate.log("quit: %s" % gate.quit)
    finish(gate, child)
    return 0


if __name__ == "__main__":
    sys.exit(main())
