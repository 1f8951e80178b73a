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

from test_collab_support import Editor, Machine, free_port

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
