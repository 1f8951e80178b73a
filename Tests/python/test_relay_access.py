"""Who may read and write, with the real binaries: a program squatting the
embedded relay's port, or another user's relay, gets no document data; and the
membership commands (`qalam share`, `unshare`, `members`, `token`)."""
import asyncio
import base64
import json
import os
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
from websockets.asyncio.server import serve

from test_collab_support import RELAY_KEY_FILE, Editor, Machine, free_port

SECRET_TEXT = "the writer's private draft"


class Squatter:
    """A WebSocket server on a loopback port that records every byte an editor
    sends it. `answer`: None (never answers), or a proof to send back (wrong,
    since it does not hold the user's key)."""

    def __init__(self, answer=None):
        self.port = free_port()
        self.paths = []
        self.frames = []
        self.answer = answer
        self._ready = threading.Event()
        self._stop = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "the squatter did not start"

    async def _handler(self, websocket):
        self.paths.append(websocket.request.path)
        async for message in websocket:
            self.frames.append(message)
            if self.answer is None:
                continue
            try:
                frame = json.loads(message)
            except ValueError:
                continue
            if isinstance(frame, list) and len(frame) == 5 and frame[3] == "qalam_challenge":
                await websocket.send(json.dumps(
                    [None, frame[1], "phoenix", "phx_reply", {"status": "ok", "response": {"proof": self.answer}}]))

    async def _serve(self):
        loop = asyncio.get_running_loop()
        self._stop = loop.create_future()
        async with serve(self._handler, "127.0.0.1", self.port):
            self._ready.set()
            await self._stop

    def stop(self):
        if self._stop is not None:
            self._stop.get_loop().call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    def everything(self):
        return "\n".join(self.paths) + "\n" + "\n".join(
            m if isinstance(m, str) else m.decode("latin-1") for m in self.frames)


@pytest.mark.parametrize("answer", [None, base64.urlsafe_b64encode(b"x" * 32).decode().rstrip("=")],
                         ids=["silent", "forged-proof"])
def test_a_program_squatting_the_port_gets_no_document_data(qalam_bin, answer):
    squatter = Squatter(answer)
    machine = Machine()
    editor = None
    try:
        editor = Editor(qalam_bin, f"squat-{uuid.uuid4().hex[:8]}", squatter.port, "alice", machine)
        assert editor.ready.get("relay_problem") == \
            f"port {squatter.port} is used by another program — free it or pass --relay-url", editor.ready
        editor.insert(0, SECRET_TEXT)
        time.sleep(3)  # long enough for the client's first reconnect attempts
        seen = squatter.everything()
        assert squatter.frames, "the editor did connect (and send its challenge)"
        for frame in squatter.frames:
            assert json.loads(frame)[3] == "qalam_challenge", frame
        for secret in (SECRET_TEXT, "phx_join", "access_token", "eyJ", "yjs-update", "presence"):
            assert secret not in seen, f"{secret!r} reached the squatter"
        for path in squatter.paths:
            assert "apikey=qalam-local" in path, path
        assert editor.text() == SECRET_TEXT, "the edit is kept locally"
        assert editor.quit() == 0
    finally:
        if editor:
            editor.close()
        squatter.stop()
        machine.cleanup()


def test_another_users_relay_is_not_ours(qalam_bin, tmp_path):
    """Another local user's `qalam serve` on the port (its own key) is refused as
    firmly as any program: it learns no token and no text."""
    port = free_port()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "other-data"), XDG_STATE_HOME=str(tmp_path / "other-state"))
    for key in ("QALAM_JWT_SECRET", "QALAM_RELAY_KEY_FILE", "DATABASE_URL"):
        env.pop(key, None)
    other = subprocess.Popen([qalam_bin, "serve", "--port", str(port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    machine = Machine()
    editor = None
    try:
        line = other.stdout.readline()
        assert "listening" in line, line + other.stderr.read()
        editor = Editor(qalam_bin, f"other-{uuid.uuid4().hex[:8]}", port, "alice", machine)
        assert "is used by another program" in editor.ready.get("relay_problem", ""), editor.ready
        editor.insert(0, SECRET_TEXT)
        time.sleep(2)
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            health = json.loads(response.read())
        assert health["channels"] == 0, health
        assert editor.quit() == 0
    finally:
        if editor:
            editor.close()
        other.terminate()
        other.wait(timeout=30)
        machine.cleanup()


class RelayingSquatter:
    """A program (another local user's, say) that holds `host:port` and relays every
    frame to this user's own private relay on `target`, so that the relay answers
    the editor's challenge for it. It holds no key: it only forwards, and records."""

    def __init__(self, target, host="127.0.0.1", port=None):
        self.host = host
        self.port = port or free_port()
        self.target = target
        self.sent = []
        self._ready = threading.Event()
        self._stop = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "the squatter did not start"

    async def _handler(self, websocket):
        from websockets.asyncio.client import connect
        async with connect(f"ws://127.0.0.1:{self.target}{websocket.request.path}", max_size=None) as upstream:
            async def forward(source, sink, record):
                async for message in source:
                    if record:
                        self.sent.append(message if isinstance(message, str) else message.decode("latin-1"))
                    await sink.send(message)
            await asyncio.gather(forward(websocket, upstream, True), forward(upstream, websocket, False),
                                 return_exceptions=True)

    async def _serve(self):
        loop = asyncio.get_running_loop()
        self._stop = loop.create_future()
        async with serve(self._handler, self.host, self.port, max_size=None):
            self._ready.set()
            await self._stop

    def stop(self):
        if self._stop is not None:
            self._stop.get_loop().call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    def assert_learned_nothing(self):
        everything = "\n".join(self.sent)
        for frame in self.sent:
            assert json.loads(frame)[3] == "qalam_challenge", frame
        for secret in (SECRET_TEXT, "phx_join", "access_token", "eyJ", "yjs-update"):
            assert secret not in everything, f"{secret!r} reached the squatter"


def users_own_relay(qalam_bin, tmp_path):
    """This user's `qalam serve` without a secret (private, the same relay key as
    the editors), on a port of its own."""
    port = free_port()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "own-data"), XDG_STATE_HOME=str(tmp_path / "own-state"),
               QALAM_RELAY_KEY_FILE=RELAY_KEY_FILE)
    for key in ("QALAM_JWT_SECRET", "DATABASE_URL"):
        env.pop(key, None)
    process = subprocess.Popen([qalam_bin, "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert "listening" in line, line + process.stderr.read()
    return process, port


def relay_channels(port):
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
        return json.loads(response.read())["channels"]


def test_a_squatter_relaying_the_challenge_to_the_users_own_relay_gets_nothing(qalam_bin, tmp_path):
    """The user runs `qalam serve` on one port; another program takes the port the
    editor uses and passes the editor's challenge on to that relay, which answers
    it. The proof names the address the relay answered on, so it does not pass
    for the squatter's: the editor sends no token and no text."""
    own, own_port = users_own_relay(qalam_bin, tmp_path)
    squatter = RelayingSquatter(own_port)
    machine = Machine()
    editor = None
    try:
        editor = Editor(qalam_bin, f"relayed-{uuid.uuid4().hex[:8]}", squatter.port, "alice", machine)
        assert editor.ready.get("relay_problem") == \
            f"port {squatter.port} is used by another program — free it or pass --relay-url", editor.ready
        editor.insert(0, SECRET_TEXT)
        time.sleep(3)  # the client's first reconnect attempts
        assert squatter.sent, "the editor did connect (and send its challenge)"
        squatter.assert_learned_nothing()
        assert relay_channels(own_port) == 0, "nothing joined the user's relay through the squatter"
        assert editor.text() == SECRET_TEXT, "the edit is kept locally"
        assert editor.quit() == 0
    finally:
        if editor:
            editor.close()
        squatter.stop()
        own.terminate()
        own.wait(timeout=30)
        machine.cleanup()


def test_a_loopback_relay_url_is_dialled_at_the_address_the_proof_names(qalam_bin, tmp_path):
    """`--relay-url http://localhost:PORT` is the user's own relay on 127.0.0.1:PORT,
    where the editor would host it. Dialling the name could reach another program
    on [::1]:PORT (where /etc/hosts maps localhost to ::1 too, as Debian's does)
    that relays the challenge to the user's relay; the proof names 127.0.0.1:PORT,
    so the editor dials exactly that."""
    own, own_port = users_own_relay(qalam_bin, tmp_path)
    machine = Machine()
    editor = None
    try:
        editor = Editor(qalam_bin, f"localhost-{uuid.uuid4().hex[:8]}", own_port, "alice", machine,
                        relay_host="localhost")
        assert editor.ready["relay"] == f"http://127.0.0.1:{own_port}", editor.ready
        editor.insert(0, SECRET_TEXT)
        editor.wait_synced()
        assert relay_channels(own_port) == 1, "the editor joined its own relay"
        assert editor.quit() == 0
    finally:
        if editor:
            editor.close()
        own.terminate()
        own.wait(timeout=30)
        machine.cleanup()


# MARK: the commands

def run(qalam_bin, env, *args, check=True):
    result = subprocess.run([qalam_bin, *args], env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def cli_env(tmp_path):
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    for key in ("DATABASE_URL", "QALAM_JWT_SECRET", "QALAM_RELAY_KEY_FILE"):
        env.pop(key, None)
    return env


def test_share_members_unshare(qalam_bin, cli_env):
    editor, viewer = str(uuid.uuid4()), str(uuid.uuid4())
    assert run(qalam_bin, cli_env, "members", "plans", check=False).returncode != 0, "no such document yet"
    assert run(qalam_bin, cli_env, "share", "plans", viewer, "--role", "editor", check=False).returncode != 0, \
        "a document must exist to be shared"
    created = subprocess.run([qalam_bin, "import", "plans", "-"], env=cli_env, input="a plan", capture_output=True,
                             text=True)
    assert created.returncode == 0, created.stderr
    assert run(qalam_bin, cli_env, "members", "plans").stdout == "", "imported: no owner, no members yet"
    run(qalam_bin, cli_env, "share", "plans", viewer, "--role", "editor")
    run(qalam_bin, cli_env, "share", "plans", viewer, "--role", "viewer")
    run(qalam_bin, cli_env, "share", "plans", editor, "--role", "editor")
    lines = run(qalam_bin, cli_env, "members", "plans").stdout.splitlines()
    assert lines == [f"{editor}\teditor", f"{viewer}\tviewer"]
    run(qalam_bin, cli_env, "unshare", "plans", viewer)
    again = run(qalam_bin, cli_env, "unshare", "plans", viewer, check=False)
    assert again.returncode != 0 and "not a member" in again.stderr
    assert run(qalam_bin, cli_env, "members", "plans").stdout.splitlines() == [f"{editor}\teditor"]
    bad = run(qalam_bin, cli_env, "share", "plans", "bob", "--role", "editor", check=False)
    assert bad.returncode != 0
    owner = run(qalam_bin, cli_env, "share", "plans", editor, "--role", "owner", check=False)
    assert owner.returncode != 0, "owners come from creating a document, not from share"


def test_commands_refuse_bad_arguments_and_change_nothing(qalam_bin, cli_env):
    """A typo in a document name, an empty name, or an unusable secret gets a clear
    error and changes nothing: no document, no member, no token, no relay."""
    user = str(uuid.uuid4())
    database = os.path.join(cli_env["XDG_DATA_HOME"], "qalam", "qalam.sqlite3")
    typo = run(qalam_bin, cli_env, "share", "plnas", user, "--role", "editor", check=False)
    assert typo.returncode != 0 and "there is no document plnas" in typo.stderr, typo.stderr
    assert "--create" in typo.stderr, "the message says how to share a document nobody has opened yet"
    assert not os.path.exists(database), "share created a database for a document that is not there"
    created = subprocess.run([qalam_bin, "import", "plans", "-"], env=cli_env, input="a plan", capture_output=True,
                             text=True)
    assert created.returncode == 0, created.stderr  # the database, and a document "plans"
    for args in (("share", "plnas", user, "--role", "editor"), ("share", "", user, "--role", "viewer"),
                 ("members", ""), ("unshare", "", user)):
        result = run(qalam_bin, cli_env, *args, check=False)
        assert result.returncode != 0, args
        assert "no document" in result.stderr or "name must not be empty" in result.stderr, (args, result.stderr)
        assert "Usage: qalam <subcommand>" not in result.stderr, f"{args}: the top-level usage is no help here"
    assert run(qalam_bin, cli_env, "members", "plnas", check=False).returncode != 0, "plnas was created"
    # Sharing a document nobody has opened yet is said out loud.
    run(qalam_bin, cli_env, "share", "next-chapter", user, "--role", "viewer", "--create")
    assert run(qalam_bin, cli_env, "members", "next-chapter").stdout.splitlines() == [f"{user}\tviewer"]
    for secret in ("", "   ", "short-secret"):
        token = run(qalam_bin, cli_env, "token", "--sub", user, "--jwt-secret", secret, check=False)
        assert token.returncode != 0 and "at least 32 characters" in token.stderr, (secret, token.stderr)
        assert "eyJ" not in token.stdout
        from_env = run(qalam_bin, dict(cli_env, QALAM_JWT_SECRET=secret or " "), "token", "--sub", user,
                       check=False)
        assert from_env.returncode != 0 and "at least 32 characters" in from_env.stderr, (secret, from_env.stderr)
        # `--jwt-secret "$SECRET"` with SECRET unset must not start a public relay anyone can mint tokens for.
        relay = subprocess.run([qalam_bin, "serve", "--host", "0.0.0.0", "--port", "0", "--jwt-secret", secret],
                               env=cli_env, capture_output=True, text=True, timeout=30)
        assert relay.returncode != 0 and "at least 32 characters" in relay.stderr, (secret, relay.stderr)
        assert "listening" not in relay.stdout
    blank_role = run(qalam_bin, cli_env, "token", "--sub", user, "--role", " ", check=False)
    assert blank_role.returncode != 0 and "--role" in blank_role.stderr


def decode(token):
    header, body, _ = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)
    return json.loads(base64.urlsafe_b64decode(pad(header))), json.loads(base64.urlsafe_b64decode(pad(body)))


def test_token_claims_and_secret(qalam_bin, cli_env):
    user = str(uuid.uuid4())
    before = int(time.time())
    token = run(qalam_bin, cli_env, "token", "--sub", user, "--jwt-secret", "s" * 40).stdout.strip()
    header, claims = decode(token)
    assert header["alg"] == "HS256"
    assert claims["sub"] == user and claims["role"] == "authenticated"
    assert before + 3600 - 5 <= claims["exp"] <= int(time.time()) + 3600 + 5
    env = dict(cli_env, QALAM_JWT_SECRET="e" * 40)
    short = run(qalam_bin, env, "token", "--sub", user, "--role", "service_role", "--expires", "90s").stdout.strip()
    _, claims = decode(short)
    assert claims["role"] == "service_role" and claims["exp"] <= int(time.time()) + 95
    assert run(qalam_bin, cli_env, "token", "--sub", "alice", check=False).returncode != 0
    assert run(qalam_bin, cli_env, "token", "--sub", user, "--expires", "soon", check=False).returncode != 0
    # Without a secret, the user's relay key signs (created on first use, 0600).
    run(qalam_bin, cli_env, "token", "--sub", user)
    key = os.path.join(cli_env["XDG_STATE_HOME"], "qalam", "relay-key")
    assert oct(os.stat(key).st_mode & 0o777) == "0o600"


# MARK: a viewer's editor

class SharedRelay:
    """`qalam serve --jwt-secret` on its own SQLite file, and the commands run on it."""

    SECRET = "shared-relay-secret-shared-relay-secret"

    def __init__(self, qalam_bin, root):
        self.qalam_bin = qalam_bin
        self.port = free_port()
        self.env = dict(os.environ, XDG_DATA_HOME=os.path.join(root, "relay-data"),
                        XDG_STATE_HOME=os.path.join(root, "relay-state"))
        for key in ("DATABASE_URL", "QALAM_JWT_SECRET", "QALAM_RELAY_KEY_FILE", "QALAM_ACCESS_TOKEN"):
            self.env.pop(key, None)
        self.process = subprocess.Popen(
            [qalam_bin, "serve", "--port", str(self.port), "--jwt-secret", self.SECRET],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        assert "listening" in line, line + self.process.stderr.read()

    def run(self, *args):
        return run(self.qalam_bin, self.env, *args).stdout

    def token(self, user):
        return self.run("token", "--sub", user, "--jwt-secret", self.SECRET).strip()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def test_a_viewer_reads_live_and_sends_nothing(qalam_bin, tmp_path):
    relay = SharedRelay(qalam_bin, str(tmp_path))
    machines = [Machine(), Machine()]
    editors = []
    owner_id, viewer_id = str(uuid.uuid4()), str(uuid.uuid4())
    document = f"shared-{uuid.uuid4().hex[:8]}"
    try:
        owner = Editor(qalam_bin, document, relay.port, "owner", machines[0], access_token=relay.token(owner_id))
        editors.append(owner)
        owner.insert(0, "written by the owner. ")
        owner.wait_synced()
        # The owner's join created the document: the owner owns it.
        assert relay.run("members", document).splitlines() == [f"{owner_id}\towner"]
        relay.run("share", document, viewer_id, "--role", "viewer")

        viewer = Editor(qalam_bin, document, relay.port, "viewer", machines[1], access_token=relay.token(viewer_id))
        editors.append(viewer)
        read_only = viewer.wait_event(lambda e: e.get("event") == "read_only")
        assert "viewer" in read_only["reason"]
        viewer.wait_text("written by the owner. ")
        state = viewer.command("state")
        assert state["read_only"] is True and "read-only" in state["status"], state

        refused = viewer.command_event("insert", index=0, text="vandalism ")
        assert refused["event"] == "error" and "read-only" in refused["message"], refused
        owner.append("more. ")
        viewer.wait_text("written by the owner. more. ")
        time.sleep(1.5)
        assert owner.text() == "written by the owner. more. ", "nothing of the viewer's reached the owner"
        stats = viewer.command("stats")
        assert stats["sent"].get("yjs-update", 0) == 0 and stats["sent"].get("yjs-sync-step2", 0) == 0, stats
        for editor in editors:
            assert editor.quit() == 0
    finally:
        for editor in editors:
            editor.close()
        for machine in machines:
            machine.cleanup()
        relay.stop()


def test_a_viewer_on_a_pty_sees_read_only_and_keys_are_refused(qalam_bin, tmp_path):
    from tui_harness import TUI
    relay = SharedRelay(qalam_bin, str(tmp_path))
    machine = Machine()
    owner_id, viewer_id = str(uuid.uuid4()), str(uuid.uuid4())
    document = f"pty-{uuid.uuid4().hex[:8]}"
    owner = None
    tui = None
    try:
        owner = Editor(qalam_bin, document, relay.port, "owner", machine, access_token=relay.token(owner_id))
        owner.insert(0, "hello")
        owner.wait_synced()
        relay.run("share", document, viewer_id, "--role", "viewer")
        env = {"XDG_DATA_HOME": str(tmp_path / "viewer-data"), "XDG_STATE_HOME": str(tmp_path / "viewer-state"),
               "HOME": str(tmp_path), "QALAM_ACCESS_TOKEN": relay.token(viewer_id)}
        tui = TUI([qalam_bin, "edit", document, "--relay-url", f"http://127.0.0.1:{relay.port}", "--name", "viewer"],
                  env=env)
        assert tui.wait_for(lambda t: "read-only" in t.line(23) and t.line(0).startswith("hello")), tui.text()
        tui.send("xyz")
        assert tui.wait_for(lambda t: "Read-only" in t.text()), tui.text()
        assert tui.line(0).startswith("hello") and "xyz" not in tui.line(0), tui.text()
        time.sleep(1)
        assert owner.text() == "hello"
        assert owner.quit() == 0
    finally:
        if tui:
            tui.close()
        if owner:
            owner.close()
        machine.cleanup()
        relay.stop()


def test_the_screen_names_a_foreign_relay_on_the_port(qalam_bin, tmp_path):
    """On a pty: another user's relay on the port is reported, not joined."""
    from tui_harness import TUI
    port = free_port()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "other-data"), XDG_STATE_HOME=str(tmp_path / "other-state"))
    for key in ("QALAM_JWT_SECRET", "QALAM_RELAY_KEY_FILE", "DATABASE_URL"):
        env.pop(key, None)
    other = subprocess.Popen([qalam_bin, "serve", "--port", str(port)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tui = None
    try:
        assert "listening" in other.stdout.readline()
        # Wide enough for the hint beside "reconnecting in 3 s" (at 80 columns the bar drops it).
        tui = TUI([qalam_bin, "edit", "notes", "--relay-url", f"http://127.0.0.1:{port}"], cols=160,
                  env={"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
                       "HOME": str(tmp_path)})
        expected = f"port {port} is used by another program — free it or pass --relay-url"
        assert tui.wait_for(lambda t: expected in t.line(23) or "did not prove it holds your relay key" in t.line(23)), \
            tui.text()
        tui.send("typed offline")
        assert tui.wait_for(lambda t: t.line(0).startswith("typed offline")), tui.text()
        # Once the notices have gone, the status bar keeps naming the cause.
        assert tui.wait_for(lambda t: expected in t.line(23), timeout=30), tui.text()
    finally:
        if tui:
            tui.close()
        other.terminate()
        other.wait(timeout=30)
