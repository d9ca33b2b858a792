#!/usr/bin/env python3
"""slow-pipe.py BYTES_PER_SEC COMMAND: runs COMMAND with /bin/sh and passes its stdout back to us at most
BYTES_PER_SEC (our stdin goes to it untouched): a slow link, a rate limit and not a synchronisation (a
test that needs a stream to stop at a point uses gate-pipe.py's hold conditions). It is gate-pipe.py
--rate: it exits, killing and reaping COMMAND, as soon as its client goes away, and never stops itself."""
import os, sys

if len(sys.argv) != 3 or not sys.argv[1].isdigit():
    sys.exit("usage: slow-pipe.py BYTES_PER_SEC COMMAND")
gate = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gate-pipe.py")
os.execv(sys.executable, [sys.executable, gate, "--rate", sys.argv[1], sys.argv[2]])
