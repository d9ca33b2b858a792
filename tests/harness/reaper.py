#!/usr/bin/env python3
"""reaper.py: no test leaves a process behind (tests/harness/lib.sh uses it; not for direct use).

    reaper.py run NAME COMMAND [ARG...]
        Runs COMMAND (the test script) as a child subreaper: every process the test starts, however it
        detaches (setsid, double fork: skua's tunnels, Dovecot, tmux servers), stays below this process
        and is reparented to it when its parent dies. Orphans are reaped at once (so `kill -0` does not
        see a zombie). SIGTERM/SIGHUP/SIGINT sent to it are passed on to the test shell and its children
        (a Ctrl-C from the terminal reached them already). When the test has exited, whatever is still below is waited
        for a few seconds, then named on stderr ("left behind"), killed and reaped, and the exit status
        becomes 1. Otherwise the test's own exit status is passed on. The test sees SKUA_HARNESS_REAPER.

    reaper.py sweep NAME ROOT SHELL
        The same check from inside the test's EXIT trap: every process below ROOT except SHELL (the test
        shell) and the sweep itself gets a few seconds to exit, then is named and killed. Exit 1 when
        there was one. (The test cleans up before its temporary directory goes.)
"""
import ctypes, os, signal, sys, time

GRACE = 5.0  # seconds a process below the test gets to exit by itself once the test is done with it


def log(name, msg):
    sys.stderr.write("%s: %s\n" % ("FAIL: " + name if name else "reaper", msg))
    sys.stderr.flush()


def procs():
    """{pid: (ppid, state, args)} for every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                st = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().replace(b"\0", b" ").strip().decode("utf-8", "replace")
        except OSError:
            continue
        rest = st[st.rfind(b")") + 2:].split()
        if not args:
            args = "[" + st[st.find(b"(") + 1:st.rfind(b")")].decode("utf-8", "replace") + "]"
        out[int(d)] = (int(rest[1]), rest[0].decode(), args)
    return out


def below(root, exclude):
    """Live (not zombie) processes below root, minus exclude (their descendants are still counted)."""
    table = procs()
    kids = {}
    for pid, (ppid, _, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    found, todo = [], list(kids.get(root, []))
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, []))
        if pid not in exclude and table[pid][1] != "Z":
            found.append((pid,) + table[pid])
    return found


def reap(want=None):
    """Reaps every child that has exited; returns want's wait status once it was reaped."""
    status = None
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == want:
            status = st


def sweep(name, root, exclude, grace=GRACE, reaping=False):
    """Waits up to grace for everything below root (but exclude) to go, then names and kills the rest.
    Returns the number of processes left behind."""
    deadline = time.monotonic() + grace
    while True:
        if reaping:
            reap()
        left = below(root, exclude)
        if not left or time.monotonic() >= deadline:
            break
        time.sleep(0.02)
    named = len(left)
    for pid, ppid, state, args in left:
        log(name, "left behind: pid %d (state %s, parent %d): %s" % (pid, state, ppid, args[:300]))
    deadline = time.monotonic() + 30
    while left and time.monotonic() < deadline:
        for pid, _, _, _ in left:
            try:
                os.kill(pid, signal.SIGKILL)  # stopped ones too
            except OSError:
                pass
        time.sleep(0.02)
        if reaping:
            reap()
        left = below(root, exclude)
    for pid, _, _, args in left:
        log(name, "cannot kill pid %d: %s" % (pid, args[:300]))
    return named


def ancestry(pid, table):
    chain = set()
    while pid > 1 and pid in table and pid not in chain:
        chain.add(pid)
        pid = table[pid][0]
    return chain


def cmd_sweep(argv):
    name, root, shell = argv[0], int(argv[1]), int(argv[2])
    exclude = ancestry(os.getpid(), procs()) | {shell}
    return 1 if sweep(name, root, exclude) else 0


def cmd_run(argv):
    name, command = argv[0], argv[1:]
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError) as e:
        log(None, "cannot become a child subreaper (%s): running %s unwatched" % (e, name))
        os.execvp(command[0], command)
    forward = {signal.SIGTERM, signal.SIGHUP, signal.SIGINT}
    watched = forward | {signal.SIGCHLD}
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    env = dict(os.environ, SKUA_HARNESS_REAPER=str(os.getpid()))
    # the test gets default signal dispositions for what Python changed, and an empty mask
    child = os.posix_spawnp(command[0], command, env, setsigmask=(),
                            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ))
    status = None
    while status is None:
        info = signal.sigtimedwait(watched, 1.0)
        if info is not None and info.si_signo in forward and info.si_code <= 0:
            # sent by a process (kill, timeout, make): pass it on, to the test shell and to what it runs
            # in the foreground (bash acts on a trapped signal only once that ended), as a terminal's ^C
            # would (that one reached them all already)
            table = procs()
            for pid in [child] + [p for p, (ppid, _, _) in table.items() if ppid == child]:
                try:
                    os.kill(pid, info.si_signo)
                except OSError:
                    pass
        status = reap(child)
    rc = os.waitstatus_to_exitcode(status)
    if rc < 0:
        rc = 128 - rc
    if sweep(name, os.getpid(), {os.getpid()}, reaping=True):
        rc = 1 if rc in (0, 77) else rc
    return rc


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        return cmd_run(sys.argv[2:])
    if len(sys.argv) == 5 and sys.argv[1] == "sweep":
        return cmd_sweep(sys.argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
