"""The relay load benchmark (`RelayBenchmark`) on a tiny load: its servers are real
(the embedded relay and the bare fan-out baseline, each in a child process), its
counting is exact, and its children do not outlive it.

Only delivery counts are asserted, never timings: performance belongs to the
benchmark's own table, not to tests.
"""
from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess
import time

import pytest
import websockets

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bench_bin() -> str:
    explicit = os.environ.get("RELAY_BENCHMARK_BIN")
    if explicit:
        path = explicit
    elif os.environ.get("QALAM_BIN"):
        path = str(pathlib.Path(os.environ["QALAM_BIN"]).parent / "RelayBenchmark")
    else:
        path = str(ROOT / ".build" / "debug" / "RelayBenchmark")
    if not os.path.exists(path):
        pytest.fail(f"RelayBenchmark binary not found at {path}: run `swift build` first")
    return path


def table_rows(stdout: str) -> list[dict[str, str]]:
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    headers = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [dict(zip(headers, (cell.strip() for cell in line.strip("|").split("|")))) for line in lines[2:]]


def test_every_broadcast_is_counted_once_per_receiver(bench_bin):
    # 2 s at 10/s: every user sends 20 broadcasts. 2 rooms of 3: 2 × 3 × 20 × 2 = 240
    # deliveries; 1 room of 4: 4 × 20 × 3 = 240.
    result = subprocess.run(
        [bench_bin, "--seconds", "2", "--topology", "2x3", "--topology", "1x4"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert [(row["topology"], row["server"]) for row in rows] == [
        ("2 rooms × 3", "bare"), ("2 rooms × 3", "relay"), ("1 room × 4", "bare"), ("1 room × 4", "relay")]
    for row in rows:
        assert row["delivered"] == "240", row
        assert row["÷expected"] == "1.0000", row
        start, end, peak = (int(value) for value in row["server RSS start/end/peak MB"].split("/"))
        assert 0 < start <= peak and end <= peak, row
    assert "out of order" not in result.stdout
    assert "client failure" not in result.stdout


def launch(bench_bin: str, role: str) -> tuple[subprocess.Popen, int]:
    server = subprocess.Popen([bench_bin, "--role", role, "--port", "0", "--exit-with-parent"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = server.stdout.readline().decode()
    assert line.startswith("listening "), line
    return server, int(line.split()[1])


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=20)


def test_bare_server_forwards_to_the_other_sockets_of_the_room_only(bench_bin):
    server, port = launch(bench_bin, "bare")

    async def scenario():
        base = f"ws://127.0.0.1:{port}"
        async with websockets.connect(f"{base}/room/a") as sender, \
                websockets.connect(f"{base}/room/a") as peer, \
                websockets.connect(f"{base}/room/b") as stranger:
            await asyncio.sleep(0.2)  # all three registered before the first frame
            await sender.send("hello room a")
            assert await asyncio.wait_for(peer.recv(), 10) == "hello room a"
            await peer.send(b"\x00\x01binary")
            assert await asyncio.wait_for(sender.recv(), 10) == b"\x00\x01binary"
            # Neither the sender's own frame nor another room's frames arrive.
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(stranger.recv(), 0.5)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(peer.recv(), 0.5)

    try:
        asyncio.run(scenario())
    finally:
        stop(server)


def test_relay_role_serves_realtime_with_the_benchmark_limits(bench_bin):
    server, port = launch(bench_bin, "relay")

    async def scenario():
        url = f"ws://127.0.0.1:{port}/realtime/v1/websocket?apikey=test&vsn=2.0.0"
        async with websockets.connect(url) as a, websockets.connect(url) as b:
            for socket in (a, b):
                await socket.send(json.dumps(["1", "1", "realtime:bench-0", "phx_join", {"config": {}}]))
                reply = json.loads(await asyncio.wait_for(socket.recv(), 10))
                assert reply[3] == "phx_reply" and reply[4]["status"] == "ok", reply
            # 300 broadcasts as fast as possible: far over Supabase's default 100 events
            # a second, which the benchmark's relay must not enforce.
            for n in range(300):
                await a.send(json.dumps(["1", str(n + 2), "realtime:bench-0", "broadcast",
                                         {"type": "broadcast", "event": "load", "payload": {"n": n}}]))
            received = []
            while len(received) < 300:
                frame = json.loads(await asyncio.wait_for(b.recv(), 20))
                assert frame[3] == "broadcast", frame
                received.append(frame[4]["payload"]["n"])
            assert received == list(range(300))

    try:
        asyncio.run(scenario())
    finally:
        stop(server)


def test_servers_exit_when_the_driver_goes_away(bench_bin):
    for role in ("bare", "relay"):
        server, _ = launch(bench_bin, role)
        server.stdin.close()  # what the driver's death looks like to the child
        deadline = time.monotonic() + 20
        while server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if server.poll() is None:
            server.kill()
            pytest.fail(f"the {role} server outlived its driver")


def test_bad_arguments_are_refused_with_usage(bench_bin):
    result = subprocess.run([bench_bin, "--seconds", "zero"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "--seconds takes a whole number" in result.stderr
    assert "usage: RelayBenchmark" in result.stderr
