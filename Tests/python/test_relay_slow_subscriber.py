"""A subscriber that never reads, against the real `qalam serve` process (issue 9):
the relay's memory stays flat while a publisher floods the channel (unbounded, it
held the whole flood: 40 MB grew to 510 MB), the stalled subscriber is
disconnected with a close frame that says why, a subscriber that reads gets every
broadcast, and the relay still stops at once on SIGTERM."""
import asyncio
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from websockets.asyncio.client import connect as ws_connect

from test_relay_realtime_py import Relay

# Large broadcasts at a modest rate, so the flood (~150 MB) dwarfs the bound (8 MB)
# even when the Python publisher runs slow on a busy machine.
PAYLOAD_BYTES = 200_000
RATE = 50
FLOOD = 300


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class StalledSubscriber:
    """A WebSocket client by hand: upgrades, joins, then never reads a byte."""

    def __init__(self, port, token, topic):
        self.sock = socket.create_connection(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /realtime/v1/websocket?vsn=1.0.0&apikey={token} HTTP/1.1\r\n"
                           f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            assert chunk, "the relay closed during the upgrade"
            head += chunk
        assert head.startswith(b"HTTP/1.1 101"), head
        join = {"topic": topic, "event": "phx_join", "ref": "1", "join_ref": "1",
                "payload": {"config": {"broadcast": {"self": False}}, "access_token": token}}
        self.send_text(json.dumps(join))
        self.buffer = b""

    def send_text(self, text):
        data = text.encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _take(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return None
            self.buffer += chunk
        out, self.buffer = self.buffer[:count], self.buffer[count:]
        return out

    def frames_until_close(self, timeout=30):
        """Reads everything now: (frames before the close, close code, reason); the
        code is None when the connection ended without a close frame, "timeout" when
        it did not end."""
        self.sock.settimeout(timeout)
        frames = 0
        try:
            while True:
                head = self._take(2)
                if head is None:
                    return frames, None, None
                length = head[1] & 0x7F
                if length == 126:
                    length = struct.unpack(">H", self._take(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", self._take(8))[0]
                payload = self._take(length)
                if payload is None:
                    return frames, None, None
                if head[0] & 0x0F == 8:
                    code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                    return frames, code, payload[2:].decode(errors="replace")
                frames += 1
        except socket.timeout:
            return frames, "timeout", None
        except ConnectionResetError:
            return frames, None, None

    def close(self):
        self.sock.close()


def test_a_subscriber_that_never_reads_keeps_the_relay_flat_and_is_disconnected_with_a_reason(qalam_bin):
    relay = Relay(qalam_bin)
    try:
        token = relay.token("00000000-0000-4000-8000-00000000f100", role="service_role")
        topic = "realtime:flood"
        stalled = StalledSubscriber(relay.port, token, topic)
        # The stalled subscriber reads nothing until the relay says (on stderr) that it
        # dropped it; then it reads at once, within the relay's close grace period, and
        # must find the close frame behind what was in flight.
        cut = threading.Event()
        closing = {}

        def watch_log():
            for line in relay.process.stderr:
                if "outbound queue is full" in line:
                    cut.set()

        def read_once_cut():
            if cut.wait(120):
                closing["result"] = stalled.frames_until_close(timeout=30)

        threading.Thread(target=watch_log, daemon=True).start()
        late_reader = threading.Thread(target=read_once_cut, daemon=True)
        late_reader.start()

        async def scenario():
            url = f"{relay.url}/websocket?vsn=1.0.0&apikey={token}"
            async with ws_connect(url, max_size=None) as publisher, ws_connect(url, max_size=None) as reader:
                for ws in (publisher, reader):
                    await ws.send(json.dumps({"topic": topic, "event": "phx_join", "ref": "1", "join_ref": "1",
                                              "payload": {"config": {"broadcast": {"self": False}},
                                                          "access_token": token}}))
                    reply = json.loads(await ws.recv())
                    assert reply["payload"]["status"] == "ok", reply
                await asyncio.sleep(1)
                baseline = rss_kib(relay.process.pid)
                peak = baseline
                received = 0

                async def read_all():
                    nonlocal received
                    async for message in reader:
                        if '"event":"broadcast"' in message[:200].replace(" ", ""):
                            received += 1

                reading = asyncio.create_task(read_all())
                text = "x" * PAYLOAD_BYTES
                sent = 0
                # 60 MB for the stalled subscriber, far past its 8 MB bound, at most 50
                # broadcasts a second (the relay allows 100). A debug relay takes in about
                # 2 MB/s here, so this is a fixed amount, not a fixed time.
                while sent < FLOOD:
                    await publisher.send(json.dumps({
                        "topic": topic, "event": "broadcast", "ref": str(sent + 2), "join_ref": "1",
                        "payload": {"type": "broadcast", "event": "big", "payload": {"n": sent, "text": text}}}))
                    sent += 1
                    if sent % 10 == 0:
                        peak = max(peak, rss_kib(relay.process.pid))
                    await asyncio.sleep(1 / RATE)
                # The reader catches up (a debug relay on a busy machine may lag).
                caught_up = time.monotonic() + 30
                while received < sent and time.monotonic() < caught_up:
                    await asyncio.sleep(0.2)
                    peak = max(peak, rss_kib(relay.process.pid))
                peak = max(peak, rss_kib(relay.process.pid))
                reading.cancel()
                return baseline, peak, sent, received

        baseline, peak, sent, received = asyncio.run(scenario())
        growth_mib = (peak - baseline) / 1024
        print(f"relay RSS {baseline / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB "
              f"({sent} × {PAYLOAD_BYTES // 1000} KB sent, {received} received by the reader)")
        # The stalled subscriber holds at most its 8 MB bound (plus what NIO and the
        # kernel already took: about 15 MiB of growth in all); unbounded, it holds the
        # whole flood (60 MB).
        assert growth_mib < 30, f"relay RSS grew by {growth_mib:.0f} MiB under a subscriber that never reads"
        assert received == sent, f"the reading subscriber got {received} of {sent}"

        late_reader.join(60)
        assert cut.is_set(), "the relay never dropped the subscriber that does not read"
        frames, code, reason = closing["result"]
        print(f"the stalled subscriber got {frames} frames, then close {code} {reason!r}")
        assert code == 1008, (frames, code, reason)
        assert "too slow" in reason, reason
        assert frames < sent, "the stalled subscriber was never cut"
        stalled.close()
    finally:
        # A dropped subscriber that never reads cannot hold up shutdown (it used to,
        # forever: its close frame waited behind its backlog).
        started = time.monotonic()
        relay.stop()
        print(f"relay stopped {time.monotonic() - started:.1f} s after SIGTERM")


def test_a_dropped_subscriber_that_never_reads_does_not_hold_up_shutdown(qalam_bin):
    relay = Relay(qalam_bin)
    stalled = None
    try:
        token = relay.token("00000000-0000-4000-8000-00000000f101", role="service_role")
        topic = "realtime:flood-and-stop"
        stalled = StalledSubscriber(relay.port, token, topic)
        cut = threading.Event()

        def watch_log():
            for line in relay.process.stderr:
                if "outbound queue is full" in line:
                    cut.set()

        threading.Thread(target=watch_log, daemon=True).start()

        async def flood_until_cut():
            url = f"{relay.url}/websocket?vsn=1.0.0&apikey={token}"
            async with ws_connect(url, max_size=None) as publisher:
                await publisher.send(json.dumps({"topic": topic, "event": "phx_join", "ref": "1", "join_ref": "1",
                                                 "payload": {"config": {"broadcast": {"self": False}},
                                                             "access_token": token}}))
                await publisher.recv()
                sent = 0
                while not cut.is_set() and sent < 2000:
                    await publisher.send(json.dumps({
                        "topic": topic, "event": "broadcast", "ref": str(sent + 2), "join_ref": "1",
                        "payload": {"type": "broadcast", "event": "big", "payload": {"n": sent, "text": "x" * PAYLOAD_BYTES}}}))
                    sent += 1
                    await asyncio.sleep(1 / RATE)
                return sent

        sent = asyncio.run(flood_until_cut())
        assert cut.is_set(), f"the relay never dropped the subscriber that does not read ({sent} × {PAYLOAD_BYTES // 1000} KB sent)"
        # The subscriber never reads, not even now.
        relay.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            relay.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail("qalam serve did not stop within 10 s of SIGTERM with a dropped subscriber that never reads")
        print(f"relay stopped {time.monotonic() - started:.1f} s after SIGTERM")
    finally:
        if stalled:
            stalled.close()
        relay.stop()
