"""The PyPI `realtime` client (Supabase's realtime-py, vsn 1.0.0) against a relay
started from the real `qalam serve` binary: join, broadcast both ways with
`self: false`, presence, JWT auth, document membership (tokens from `qalam token`,
members from `qalam share`), and a graceful SIGTERM."""
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
import uuid

import pytest
from realtime import AsyncRealtimeClient
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

STARTUP_TIMEOUT = 60  # generous: CI is a loaded 2-core machine
EVENT_TIMEOUT = 15
SECRET = "python-test-secret-python-test-secret"


class Relay:
    """`qalam serve` with `--jwt-secret` (a shared relay), or without (private to
    its user: its secret is the user's relay key in XDG_STATE_HOME)."""

    def __init__(self, qalam_bin, extra_args=(), secret=SECRET):
        self.qalam_bin = qalam_bin
        self.secret = secret
        self.data_home = tempfile.TemporaryDirectory()
        self.env = dict(os.environ, XDG_DATA_HOME=self.data_home.name,
                        XDG_STATE_HOME=os.path.join(self.data_home.name, "state"))
        for key in ("DATABASE_URL", "QALAM_JWT_SECRET", "QALAM_RELAY_KEY_FILE"):
            self.env.pop(key, None)
        args = ["--jwt-secret", secret] if secret else []
        self.process = subprocess.Popen(
            [qalam_bin, "serve", "--port", "0", *args, *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        self.port = self._wait_for_port()

    def qalam(self, *args):
        """Runs a `qalam` command on the relay's database and key."""
        return subprocess.run([self.qalam_bin, *args], env=self.env, check=True,
                              capture_output=True, text=True).stdout

    def token(self, user, role="authenticated"):
        """`qalam token`: the relay's secret, or without one the user's relay key."""
        args = ["token", "--sub", user, "--role", role]
        if self.secret:
            args += ["--jwt-secret", self.secret]
        return self.qalam(*args).strip()

    def share(self, document, user, role):
        self.qalam("share", document, user, "--role", role, "--create")

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


def new_user():
    return str(uuid.uuid4())


def room():
    """A document's channel, `room:<uuid>`, and the document id."""
    document = str(uuid.uuid4())
    return f"room:{document}", document


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


async def connected_clients(relay, tokens):
    """realtime-py clients connected with these tokens (apikey and access token), no auto-reconnect."""
    clients = [AsyncRealtimeClient(relay.url, token, auto_reconnect=False) for token in tokens]
    for client in clients:
        await client.connect()
    return clients


@pytest.mark.parametrize("private", [False, True])
def test_broadcast_between_two_realtime_py_clients(relay, private):
    topic, document = room()
    users = new_user(), new_user()
    for user in users:
        relay.share(document, user, "editor")

    async def scenario():
        alice, bob = await connected_clients(relay, [relay.token(user) for user in users])
        got_alice, got_bob = [], []
        options = {"config": {"broadcast": {"self": False, "ack": False}, "presence": {"key": ""}, "private": private}}
        states = []
        a = alice.channel(topic, options).on_broadcast("yjs-update", lambda m: got_alice.append(m))
        b = bob.channel(topic, options).on_broadcast("yjs-update", lambda m: got_bob.append(m))
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
    topic, document = room()
    alice_id, bob_id = new_user(), new_user()
    relay.share(document, alice_id, "viewer")  # viewers track presence too
    relay.share(document, bob_id, "editor")

    async def scenario():
        alice, bob = await connected_clients(relay, [relay.token(alice_id), relay.token(bob_id)])
        a = alice.channel(topic, {"config": {"broadcast": {"self": False}, "presence": {"key": "alice"}, "private": False}})
        b = bob.channel(topic, {"config": {"broadcast": {"self": False}, "presence": {"key": "bob"}, "private": False}})
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


def test_members_only_and_viewers_send_nothing(relay):
    """Non-members and anonymous keys are refused a document's channel with
    Supabase's message and get none of its broadcasts; a viewer's broadcasts go
    nowhere; the REST API answers 401/403 without content."""
    topic, document = room()
    editor_id, viewer_id, stranger_id = new_user(), new_user(), new_user()
    relay.share(document, editor_id, "editor")
    relay.share(document, viewer_id, "viewer")
    anon = jwt(SECRET, {"role": "anon", "exp": int(time.time()) + 600})
    null_role = jwt(SECRET, {"role": None, "sub": editor_id, "exp": int(time.time()) + 600})

    async def scenario():
        editor, viewer, stranger, anonymous = await connected_clients(
            relay, [relay.token(editor_id), relay.token(viewer_id), relay.token(stranger_id), anon])
        got = {"viewer": [], "stranger": [], "anonymous": [], "editor": []}
        errors = {}
        channels = {}
        for name, client in [("editor", editor), ("viewer", viewer), ("stranger", stranger), ("anonymous", anonymous)]:
            channel = client.channel(topic, {"config": {"broadcast": {"self": False}, "private": True}})
            channel.on_broadcast("yjs-update", lambda m, name=name: got[name].append(m))
            await channel.subscribe(lambda state, err, name=name: errors.__setitem__(name, err) if err else None)
            channels[name] = channel
        assert await wait_for(lambda: channels["editor"].is_joined and channels["viewer"].is_joined)
        assert await wait_for(lambda: "stranger" in errors and "anonymous" in errors), errors
        for name in ("stranger", "anonymous"):
            assert not channels[name].is_joined
            assert f"Unauthorized: You do not have permissions to read from this Channel topic: {topic}" in str(errors[name])

        await channels["editor"].send_broadcast("yjs-update", {"update": "secret"})
        assert await wait_for(lambda: got["viewer"]), "the viewer receives"
        await channels["viewer"].send_broadcast("yjs-update", {"update": "vandalism"})
        await asyncio.sleep(1)
        assert got["editor"] == [], "a viewer's broadcast reaches no one"
        assert got["stranger"] == [] and got["anonymous"] == [], "nothing leaks to non-members"
        for client in (editor, viewer, stranger, anonymous):
            await client.close()

        # A token whose role is null is refused at the door.
        with pytest.raises(InvalidStatus) as handshake:
            async with ws_connect(f"{relay.url}/websocket?apikey={null_role}&vsn=1.0.0", open_timeout=EVENT_TIMEOUT):
                pass
        assert handshake.value.response.status_code == 401

    asyncio.run(scenario())

    def api(method, token, body=None, content_type=None):
        headers = {"Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        path = f"/api/documents/{document}/yjs"
        if method == "POST":
            path = "/realtime/v1/api/broadcast"
        request = urllib.request.Request(f"http://127.0.0.1:{relay.port}{path}", method=method, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    status, body = api("GET", relay.token(stranger_id))
    assert status == 403 and b"secret" not in body
    status, _ = api("GET", null_role)
    assert status == 401
    status, _ = api("PUT", relay.token(viewer_id), b"\x00\x00", "application/octet-stream")
    assert status == 403
    broadcast = json.dumps({"messages": [{"topic": topic, "event": "yjs-update", "payload": {}}]}).encode()
    assert api("POST", relay.token(viewer_id), broadcast, "application/json")[0] == 403
    assert api("POST", relay.token(editor_id), broadcast, "text/plain")[0] == 415
    assert api("POST", relay.token(editor_id), broadcast, "application/json")[0] == 202

    # A web page of another origin is refused, whatever its token.
    request = urllib.request.Request(f"http://127.0.0.1:{relay.port}/healthz", headers={"Origin": "http://evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert refused.value.headers.get("Access-Control-Allow-Origin") is None


def test_jwt_secret_is_enforced(qalam_bin):
    secret = SECRET
    r = Relay(qalam_bin)
    try:
        good = jwt(secret, {"role": "anon", "exp": int(time.time()) + 600})
        forged = jwt("not-the-secret", {"role": "anon", "exp": int(time.time()) + 600})

        async def scenario():
            client = AsyncRealtimeClient(r.url, good, auto_reconnect=False)
            await client.connect()
            # A public channel that is not a document takes any valid token, as on Supabase.
            channel = client.channel("lobby")
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
    # Without a secret the relay is private to its user: a token of the user's key gets in.
    r = Relay(qalam_bin, secret=None)
    token = r.token(new_user(), role="service_role")

    async def scenario():
        client = AsyncRealtimeClient(r.url, token, auto_reconnect=False)
        await client.connect()
        channel = client.channel(room()[0])
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
