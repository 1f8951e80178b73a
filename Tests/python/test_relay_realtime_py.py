"""The PyPI `realtime` client (Supabase's realtime-py, vsn 1.0.0) against a relay
started from the real `qalam serve` binary: join, broadcast both ways with
`self: false`, presence, JWT auth, and a graceful SIGTERM."""
import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request

import pytest
from realtime import AsyncRealtimeClient
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

STARTUP_TIMEOUT = 60  # generous: CI is a loaded 2-core machine
EVENT_TIMEOUT = 15


class Relay:
    def __init__(self, qalam_bin, extra_args=()):
        self.data_home = tempfile.TemporaryDirectory()
        env = dict(os.environ, XDG_DATA_HOME=self.data_home.name)
        env.pop("DATABASE_URL", None)
        env.pop("QALAM_JWT_SECRET", None)
        self.process = subprocess.Popen(
            [qalam_bin, "serve", "--port", "0", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.port = self._wait_for_port()

    def _wait_for_port(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            if "listening on ws://" in line:
                return int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        self.process.kill()
        pytest.fail(f"qalam serve did not start: {self.process.stderr.read()}")

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/realtime/v1"

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                pytest.fail("qalam serve did not stop within 30 s of SIGTERM")
        self.data_home.cleanup()
        return self.process.returncode


@pytest.fixture
def relay(qalam_bin):
    r = Relay(qalam_bin)
    yield r
    r.stop()


def jwt(secret, claims):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


async def wait_for(predicate, timeout=EVENT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def connected_clients(relay, count):
    """`count` realtime-py clients connected to the relay with the anon key, no auto-reconnect."""
    clients = [AsyncRealtimeClient(relay.url, "anon-key", auto_reconnect=False) for _ in range(count)]
    for client in clients:
        await client.connect()
    return clients


def test_broadcast_between_two_realtime_py_clients(relay):
    async def scenario():
        alice, bob = await connected_clients(relay, 2)
        got_alice, got_bob = [], []
        options = {"config": {"broadcast": {"self": False, "ack": False}, "presence": {"key": ""}, "private": False}}
        states = []
        a = alice.channel("room:doc-1", options).on_broadcast("yjs-update", lambda m: got_alice.append(m))
        b = bob.channel("room:doc-1", options).on_broadcast("yjs-update", lambda m: got_bob.append(m))
        await a.subscribe(lambda state, err: states.append(("a", str(state), err)))
        await b.subscribe(lambda state, err: states.append(("b", str(state), err)))
        assert await wait_for(lambda: a.is_joined and b.is_joined), states

        await a.send_broadcast("yjs-update", {"update": [1, 2, 3, 255]})
        assert await wait_for(lambda: got_bob), "bob never received alice's broadcast"
        # Callbacks get the broadcast payload {"type", "event", "payload"}.
        assert got_bob[0]["payload"] == {"update": [1, 2, 3, 255]}
        assert got_bob[0]["event"] == "yjs-update"

        await b.send_broadcast("yjs-update", {"update": "AAE="})
        assert await wait_for(lambda: got_alice), "alice never received bob's broadcast"
        assert got_alice[0]["payload"] == {"update": "AAE="}
        # self: false — nobody hears their own broadcast.
        await asyncio.sleep(0.5)
        assert len(got_alice) == 1 and len(got_bob) == 1
        await alice.close()
        await bob.close()

    asyncio.run(scenario())


def test_presence_is_seen_by_the_other_client(relay):
    async def scenario():
        alice, bob = await connected_clients(relay, 2)
        a = alice.channel("room:doc-2", {"config": {"broadcast": {"self": False}, "presence": {"key": "alice"}, "private": False}})
        b = bob.channel("room:doc-2", {"config": {"broadcast": {"self": False}, "presence": {"key": "bob"}, "private": False}})
        joins, leaves = [], []
        b.on_presence_sync(lambda: None)
        b.on_presence_join(lambda key, current, new: joins.append((key, new)))
        b.on_presence_leave(lambda key, current, left: leaves.append((key, left)))
        a.on_presence_sync(lambda: None)
        await a.subscribe()
        await b.subscribe()
        assert await wait_for(lambda: a.is_joined and b.is_joined)

        await a.track({"name": "Alice", "colour": "#c33"})
        assert await wait_for(lambda: "alice" in b.presence_state()), b.presence_state()
        meta = b.presence_state()["alice"][0]
        assert meta["name"] == "Alice"
        assert meta["presence_ref"]
        assert any(key == "alice" for key, _ in joins)

        await a.untrack()
        assert await wait_for(lambda: "alice" not in b.presence_state()), b.presence_state()
        assert any(key == "alice" for key, _ in leaves)
        await alice.close()
        await bob.close()

    asyncio.run(scenario())


def test_jwt_secret_is_enforced(qalam_bin):
    secret = "python-test-secret-python-test-secret"
    r = Relay(qalam_bin, ["--jwt-secret", secret])
    try:
        good = jwt(secret, {"role": "anon", "exp": int(time.time()) + 600})
        forged = jwt("not-the-secret", {"role": "anon", "exp": int(time.time()) + 600})

        async def scenario():
            client = AsyncRealtimeClient(r.url, good, auto_reconnect=False)
            await client.connect()
            channel = client.channel("room:secure")
            await channel.subscribe()
            assert await wait_for(lambda: channel.is_joined)
            await client.close()

            refused = AsyncRealtimeClient(r.url, forged, auto_reconnect=False, max_retries=1, initial_backoff=0.1)
            with pytest.raises(Exception):
                await refused.connect()

            # The refused handshake carries Supabase's status and JSON error.
            with pytest.raises(InvalidStatus) as handshake:
                async with ws_connect(f"{r.url}/websocket?apikey={forged}&vsn=1.0.0", open_timeout=EVENT_TIMEOUT):
                    pass
            response = handshake.value.response
            assert response.status_code == 401
            assert response.headers.get("Content-Type") == "application/json"
            assert json.loads(response.body) == {"error": "Failed to validate JWT signature"}

        asyncio.run(scenario())
        # The REST API answers Supabase's 401 to the forged key.
        request = urllib.request.Request(
            f"http://127.0.0.1:{r.port}/realtime/v1/api/broadcast", method="POST",
            data=json.dumps({"messages": [{"topic": "t", "event": "e", "payload": {}}]}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {forged}"})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=10)
        assert error.value.code == 401
    finally:
        r.stop()


def test_sigterm_tells_clients_and_exits_cleanly(qalam_bin):
    r = Relay(qalam_bin)

    async def scenario():
        client = AsyncRealtimeClient(r.url, "anon-key", auto_reconnect=False)
        await client.connect()
        channel = client.channel("room:bye")
        systems = []
        channel.on_system(lambda payload: systems.append(payload))
        await channel.subscribe()
        assert await wait_for(lambda: channel.is_joined)
        r.process.send_signal(signal.SIGTERM)
        assert await wait_for(lambda: systems), "no system message before shutdown"
        assert systems[0].message == "Server requested disconnect"
        assert systems[0].status == "ok"
        await client.close()

    asyncio.run(scenario())
    assert r.process.wait(timeout=30) == 0
    r.data_home.cleanup()
