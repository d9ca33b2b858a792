#!/usr/bin/env python3
"""delay-proxy.py: a TCP proxy on loopback that adds a fixed round-trip time, for `make bench`.

usage: delay-proxy.py --rtt-ms MS --upstream PORT [--port P] [--port-file FILE] [--parent PID]
                      [--max-seconds S]

Listens on 127.0.0.1 (PORT 0: any free port, written to --port-file and printed as "port N"), and forwards
every connection to 127.0.0.1:UPSTREAM. Standard library only.

What is modelled:
  - propagation delay: every chunk read from either side is stamped with the time it arrived and written to
    the other side RTT/2 later. Chunks are queued, not slept on one by one, so a stream of chunks keeps
    flowing at full speed, only shifted by RTT/2; order is kept; bandwidth is not limited (a window of
    WINDOW bytes in flight per direction bounds the proxy's memory, far above loopback's bandwidth-delay
    product at these RTTs).
  - the TCP handshake: a real client's connect() returns after one RTT (SYN, SYN-ACK) and the server
    accepts when the ACK arrives, half an RTT later, so a server greeting reaches the client 2 RTT after
    connect(). Here connect() returns at once (the loopback accept), the proxy opens the upstream
    connection only 1.5 RTT later (when the server would accept) and the greeting then travels RTT/2
    like any chunk: the greeting arrives 2 RTT after connect(), as on a real network. Bytes the client sends
    before that are held until the upstream connection is open (IMAP clients wait for the greeting).
Not modelled: bandwidth limits, loss, slow start and congestion windows, Nagle/delayed-ACK interplay, TLS.
"""
import argparse
import asyncio
import collections
import os
import sys

WINDOW = 64 << 20   # bytes queued in one direction before the proxy stops reading that side


class Pipe:
    """One direction: data read from `src` is written to `dst` delay seconds after it arrived."""

    def __init__(self, conn, delay):
        self.conn = conn
        self.loop = conn.loop
        self.delay = delay
        self.queue = collections.deque()   # (release time, bytes): release times never decrease
        self.queued = 0
        self.timer = None
        self.src = None                    # transport read from
        self.dst = None                    # transport written to (None until it is connected)
        self.eof = False                   # src has no more: shut dst's write side once the queue is out
        self.done = False
        self.src_paused = False
        self.dst_paused = False

    def feed(self, data):
        self.queue.append((self.loop.time() + self.delay, data))
        self.queued += len(data)
        if self.queued > WINDOW and not self.src_paused:
            self.src.pause_reading()
            self.src_paused = True
        self.schedule()

    def feed_eof(self):
        self.eof = True
        self.schedule()

    def schedule(self):
        if self.timer is not None or self.done or self.dst is None or self.dst_paused:
            return
        if self.queue:
            self.timer = self.loop.call_at(self.queue[0][0], self.flush)
        elif self.eof:
            self.timer = self.loop.call_soon(self.flush)

    def flush(self):
        self.timer = None
        if self.dst.is_closing():
            self.drop()
            return
        now = self.loop.time()
        while self.queue and self.queue[0][0] <= now and not self.dst_paused:
            _, data = self.queue.popleft()
            self.queued -= len(data)
            self.dst.write(data)   # may call pause_writing() at once
        if self.src_paused and self.queued <= WINDOW // 2 and not self.src.is_closing():
            self.src.resume_reading()
            self.src_paused = False
        if not self.queue and self.eof:
            if self.dst.can_write_eof():
                self.dst.write_eof()
            self.done = True
            self.conn.check_done()
            return
        self.schedule()

    def drop(self):
        """The destination is gone: nothing more can be delivered."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.queue.clear()
        self.queued = 0
        self.done = True

    def pause_writing(self):
        self.dst_paused = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def resume_writing(self):
        self.dst_paused = False
        self.schedule()


class Side(asyncio.Protocol):
    """One socket of a proxied connection: what it reads goes into `inbound`; `outbound` writes to it."""

    def __init__(self, conn, inbound, outbound):
        self.conn = conn
        self.inbound = inbound
        self.outbound = outbound
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.inbound.src = transport
        self.outbound.dst = transport
        self.outbound.schedule()

    def data_received(self, data):
        self.inbound.feed(data)

    def eof_received(self):
        self.inbound.feed_eof()
        return True   # keep our write side open until the other direction is through

    def connection_lost(self, exc):
        self.conn.lost(self)

    def pause_writing(self):
        self.outbound.pause_writing()

    def resume_writing(self):
        self.outbound.resume_writing()


class Connection:
    def __init__(self, loop, args):
        self.loop = loop
        self.args = args
        half = args.rtt_ms / 2000.0
        self.up = Pipe(self, half)     # client -> server
        self.down = Pipe(self, half)   # server -> client
        self.client = Side(self, self.up, self.down)
        self.server = None
        self.closing = False

    def sides(self):
        return [s for s in (self.client, self.server) if s is not None and s.transport is not None]

    def check_done(self):
        if self.up.done and self.down.done:
            for s in self.sides():
                s.transport.close()

    def lost(self, side):
        # Whatever that side sent is still delivered on time; nothing more can reach it.
        side.inbound.feed_eof()
        side.outbound.drop()
        self.check_done()
        if not self.closing:
            # Never linger: the other side is closed at the latest once what is queued had time to go.
            self.closing = True
            self.loop.call_later(self.args.rtt_ms / 1000.0 + 5, lambda: [s.transport.close() for s in self.sides()])

    async def open_upstream(self):
        # The server accepts when the handshake's ACK reaches it: 1.5 RTT after the client's connect().
        await asyncio.sleep(1.5 * self.args.rtt_ms / 1000.0)
        if self.client.transport is None or self.client.transport.is_closing():
            return
        self.server = Side(self, self.down, self.up)
        try:
            await self.loop.create_connection(lambda: self.server, "127.0.0.1", self.args.upstream)
        except OSError as e:
            print("delay-proxy: cannot connect to 127.0.0.1:%d: %s" % (self.args.upstream, e), file=sys.stderr)
            self.server = None
            self.client.transport.close()


async def watch(args):
    """Stops the proxy when its parent is gone or its time is up: it never outlives the bench."""
    deadline = asyncio.get_running_loop().time() + args.max_seconds
    while asyncio.get_running_loop().time() < deadline:
        if args.parent:
            try:
                os.kill(args.parent, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                pass
        await asyncio.sleep(1)


async def main_async(args):
    loop = asyncio.get_running_loop()

    def accept():
        conn = Connection(loop, args)
        loop.create_task(conn.open_upstream())
        return conn.client

    server = await loop.create_server(accept, "127.0.0.1", args.port, reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print("port %d" % port, flush=True)
    async with server:
        await watch(args)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rtt-ms", type=float, required=True, help="round-trip time to add, milliseconds")
    ap.add_argument("--upstream", type=int, required=True, help="port on 127.0.0.1 to forward to")
    ap.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    ap.add_argument("--port-file", help="write the port listened on to this file")
    ap.add_argument("--parent", type=int, default=0, help="exit when this process is gone")
    ap.add_argument("--max-seconds", type=float, default=6 * 3600, help="exit after this long (default 6 h)")
    args = ap.parse_args()
    if args.rtt_ms < 0:
        ap.error("--rtt-ms must not be negative")
    try:
        asyncio.run(main_async(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
