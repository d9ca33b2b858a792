#!/usr/bin/env python3
"""slow-pipe.py BYTES_PER_SEC COMMAND: runs COMMAND with /bin/sh, passes our stdin to it untouched and
its stdout back to us at most BYTES_PER_SEC, so that a test can act while a big response is still
arriving (a rate limit, not a synchronisation: tests still poll for what they wait for)."""
import os, subprocess, sys, threading, time

rate, cmd = int(sys.argv[1]), sys.argv[2]
child = subprocess.Popen(["/bin/sh", "-c", cmd], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)

def upstream():
    try:
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            child.stdin.write(data)
            child.stdin.flush()
    except OSError:
        pass
    finally:
        try:
            child.stdin.close()
        except OSError:
            pass

threading.Thread(target=upstream, daemon=True).start()
chunk = max(1, rate // 50)
try:
    while True:
        data = child.stdout.read(chunk)
        if not data:
            break
        os.write(1, data)
        time.sleep(len(data) / rate)
except OSError:
    pass
child.kill()
