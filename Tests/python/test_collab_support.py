"""Drives real `qalam edit --headless` processes for the collaboration tests
(no tests of its own; the test_collab_* files import it).

Each editor is a separate process speaking JSON lines: commands on stdin, events
on stdout. Editors of one test share an XDG data directory (one SQLite file, as
on one machine) and find each other through a relay on a free loopback port,
which the first editor hosts in-process (the embedded default)."""
import itertools
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

START_TIMEOUT = 60   # generous: CI is a loaded 2-core machine
EVENT_TIMEOUT = 30


# Every editor of the test run is the same user: one relay key (the embedded relay
# is private to its user, and "machines" here share one loopback relay).
KEY_DIR = tempfile.mkdtemp(prefix="qalam-key-")
RELAY_KEY_FILE = os.path.join(KEY_DIR, "relay-key")


def relay_token(qalam_bin, sub="00000000-0000-4000-8000-000000000001", role="service_role"):
    """A token of this user's relay key, for a web peer on the embedded relay."""
    env = dict(os.environ, QALAM_RELAY_KEY_FILE=RELAY_KEY_FILE)
    env.pop("QALAM_JWT_SECRET", None)
    return subprocess.run([qalam_bin, "token", "--sub", sub, "--role", role],
                          env=env, check=True, capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Machine:
    """One simulated machine: XDG data and state directories shared by its editors."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="qalam-collab-")
        self.data_home = os.path.join(self.root, "data")
        self.state_home = os.path.join(self.root, "state")
        os.makedirs(self.data_home)
        os.makedirs(self.state_home)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class Editor:
    _ids = itertools.count(1)

    def __init__(self, qalam_bin, document, port, name, machine, database_url=None, autosave_seconds=None,
                 access_token=None, relay_host="127.0.0.1"):
        env = dict(os.environ, XDG_DATA_HOME=machine.data_home, XDG_STATE_HOME=machine.state_home,
                   QALAM_RELAY_KEY_FILE=RELAY_KEY_FILE)
        for key in ("DATABASE_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "QALAM_ACCESS_TOKEN"):
            env.pop(key, None)
        if database_url:
            env["DATABASE_URL"] = database_url
        if autosave_seconds is not None:
            env["QALAM_AUTOSAVE_SECONDS"] = str(autosave_seconds)
        if access_token:
            # A shared relay, joined as the token's user.
            env["QALAM_ACCESS_TOKEN"] = access_token
        self.name = name
        self.events = []
        self._lines = queue.Queue()
        self._stderr = []
        self.process = subprocess.Popen(
            [qalam_bin, "edit", document, "--headless", "--relay-url", f"http://{relay_host}:{port}", "--name", name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1, env=env)
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.ready = self.wait_event(lambda e: e.get("event") == "ready", START_TIMEOUT)

    def _read_stdout(self):
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": "garbage", "line": line}
            self._lines.put(event)
        self._lines.put(None)

    def _read_stderr(self):
        for line in self.process.stderr:
            self._stderr.append(line)

    def wait_event(self, predicate, timeout=EVENT_TIMEOUT):
        """Events are kept in `self.events`; returns the first new one matching."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.name}: no matching event within {timeout} s; "
                                     f"last events {self.events[-8:]}; stderr {''.join(self._stderr)[-2000:]}")
            try:
                event = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if event is None:
                raise AssertionError(f"{self.name}: the editor exited ({self.process.poll()}); "
                                     f"last events {self.events[-8:]}; stderr {''.join(self._stderr)[-2000:]}")
            self.events.append(event)
            if event.get("fatal"):
                raise AssertionError(f"{self.name}: fatal error {event}")
            if predicate(event):
                return event

    def seen_or_wait(self, predicate, timeout=EVENT_TIMEOUT):
        """The last event seen so far that matches, else the next one that does."""
        for event in reversed(self.events):
            if predicate(event):
                return event
        return self.wait_event(predicate, timeout)

    def command_event(self, cmd, wait=EVENT_TIMEOUT, **arguments):
        """The command's answer, an error included."""
        ident = next(self._ids)
        line = json.dumps({"cmd": cmd, "id": ident, **arguments}, ensure_ascii=False)
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.wait_event(lambda e: e.get("id") == ident, wait)

    def command(self, cmd, wait=EVENT_TIMEOUT, **arguments):
        event = self.command_event(cmd, wait, **arguments)
        if event.get("event") == "error":
            raise AssertionError(f"{self.name}: {cmd} failed: {event}")
        return event

    def insert(self, index, text):
        return self.command("insert", index=index, text=text)

    def append(self, text):
        return self.insert(len(self.text().encode("utf-16-le")) // 2, text)

    def delete(self, index, length):
        return self.command("delete", index=index, length=length)

    def text(self):
        return self.command("get")["text"]

    def wait_synced(self, timeout=EVENT_TIMEOUT):
        event = self.command("wait_synced", wait=timeout + 5, timeout=timeout)
        assert event["ok"], f"{self.name} did not sync: {event}"
        return event["text"]

    def wait_text(self, expected, timeout=EVENT_TIMEOUT):
        event = self.command("wait_text", wait=timeout + 5, text=expected, timeout=timeout)
        assert event["ok"], f"{self.name} has {event['text']!r}, expected {expected!r}"
        return event["text"]

    def save(self):
        return self.command("save", wait=60)

    def quit(self, timeout=60):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self.process.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise AssertionError(f"{self.name} did not quit within {timeout} s")
        return self.process.returncode

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


def utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


def converged_text(editors, timeout=EVENT_TIMEOUT):
    """Waits until every editor shows the same text; returns it. (A synced editor has
    sent its own edits; others' may still be on their way to it.)"""
    deadline = time.monotonic() + timeout
    while True:
        texts = [editor.text() for editor in editors]
        if all(text == texts[0] for text in texts):
            return texts[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no convergence within {timeout} s: {texts}")
        time.sleep(0.1)
