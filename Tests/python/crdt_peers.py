"""Replicas for the CRDT differential tests: a YCRDT replica living in a
long-lived `YCRDTPeer` process (Sources/YCRDTPeer) and a pycrdt (yrs) replica,
both behind the same small interface. Indices given to and taken from this
interface are UTF-16 code units, as in Yjs; the pycrdt side converts them to
the UTF-8 byte offsets yrs uses.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
from typing import Any

from pycrdt import Doc, Text

ROOT = pathlib.Path(__file__).resolve().parents[2]


def peer_binary() -> pathlib.Path:
    """YCRDT_PEER_BIN, else the debug build in the default build directory
    (scripts/test.sh builds every product there)."""
    env = os.environ.get("YCRDT_PEER_BIN")
    return pathlib.Path(env) if env else ROOT / ".build" / "debug" / "YCRDTPeer"


class PeerError(Exception):
    """The peer answered `"ok": false`: YCRDT rejected the request."""


class PeerCrashed(Exception):
    """The peer process exited (a trap, an assertion): always a defect."""


class PeerProcess:
    """One `YCRDTPeer` process, one JSON request line in, one reply line out."""

    def __init__(self, binary: pathlib.Path | None = None) -> None:
        self.binary = binary or peer_binary()
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.stderr_path = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"ycrdt-peer-{os.getpid()}-{id(self)}.log"
        self.stderr_file = open(self.stderr_path, "w+b")
        self.proc = subprocess.Popen(
            [str(self.binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.stderr_file, bufsize=0)

    def restart(self) -> None:
        self.close()
        self.start()

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.stderr_file.close()
            self.stderr_path.unlink(missing_ok=True)

    def stderr_tail(self) -> str:
        self.stderr_file.flush()
        data = self.stderr_path.read_bytes()
        return data[-3000:].decode("utf-8", "replace")

    def call(self, **request: Any) -> dict:
        assert self.proc is not None
        line = json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            self.proc.stdin.write(line)
            reply = self.proc.stdout.readline()
        except BrokenPipeError:
            reply = b""
        if not reply:
            self.proc.wait(timeout=10)
            raise PeerCrashed(f"YCRDTPeer exited with {self.proc.returncode} on {request.get('cmd')}: "
                              f"{self.stderr_tail()}")
        answer = json.loads(reply)
        if not answer.get("ok"):
            raise PeerError(f"{request.get('cmd')} on {request.get('doc')}: {answer.get('error')}")
        return answer


def normalize_delta(chunks: list[tuple[str, dict | None]]) -> list[tuple[str, dict]]:
    """Merges neighbours with equal attributes and drops null attributes, so
    deltas from Yjs-style and yrs-style producers compare equal."""
    out: list[tuple[str, dict]] = []
    for text, attrs in chunks:
        attrs = {k: v for k, v in (attrs or {}).items() if v is not None}
        if not text:
            continue
        if out and out[-1][1] == attrs:
            out[-1] = (out[-1][0] + text, attrs)
        else:
            out.append((text, attrs))
    return out


def decode_state_vector(data: bytes) -> dict[int, int]:
    """lib0 varUint count, then (client, clock) pairs."""
    pos = 0

    def var_uint() -> int:
        nonlocal pos
        value, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    count = var_uint()
    return dict(sorted((var_uint(), var_uint()) for _ in range(count)))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class SwiftReplica:
    kind = "swift"

    def __init__(self, peer: PeerProcess, name: str, client: int, gc: bool) -> None:
        self.peer, self.name, self.client = peer, name, client
        peer.call(cmd="new", doc=name, client=client, gc=gc)

    def insert(self, index: int, text: str, attrs: dict | None) -> list[bytes]:
        request = {"cmd": "insert", "doc": self.name, "index": index, "text": text}
        if attrs is not None:
            request["attrs"] = attrs
        return [bytes.fromhex(u) for u in self.peer.call(**request)["updates"]]

    def delete(self, index: int, length: int) -> list[bytes]:
        return [bytes.fromhex(u) for u in
                self.peer.call(cmd="delete", doc=self.name, index=index, len=length)["updates"]]

    def format(self, index: int, length: int, attrs: dict) -> list[bytes]:
        return [bytes.fromhex(u) for u in
                self.peer.call(cmd="format", doc=self.name, index=index, len=length, attrs=attrs)["updates"]]

    def apply(self, update: bytes) -> list[bytes]:
        return [bytes.fromhex(u) for u in self.peer.call(cmd="apply", doc=self.name, update=update.hex())["updates"]]

    def text(self) -> str:
        return self.peer.call(cmd="text", doc=self.name)["text"]

    def state(self, sv: bytes | None = None) -> bytes:
        request = {"cmd": "state", "doc": self.name}
        if sv is not None:
            request["sv"] = sv.hex()
        return bytes.fromhex(self.peer.call(**request)["update"])

    def state_vector(self) -> bytes:
        return bytes.fromhex(self.peer.call(cmd="sv", doc=self.name)["sv"])

    def snapshot(self) -> dict:
        r = self.peer.call(cmd="snapshot", doc=self.name)
        chunks = [(c["insert"], c.get("attributes")) for c in r["delta"] if isinstance(c.get("insert"), str)]
        return {"text": r["text"], "delta": normalize_delta(chunks), "sv": decode_state_vector(bytes.fromhex(r["sv"])),
                "pending": r["pending"], "length": r["length"]}


class PyReplica:
    kind = "pycrdt"

    def __init__(self, name: str, client: int, gc: bool) -> None:
        self.name, self.client = name, client
        self.doc = Doc(client_id=client, skip_gc=not gc)
        self.ytext = self.doc.get("content", type=Text)
        self.outbox: list[bytes] = []
        self.doc.observe(lambda event: self.outbox.append(event.update))

    def _bytes(self, index16: int) -> int:
        """UTF-16 index -> UTF-8 byte offset in the current text."""
        text = str(self.ytext)
        units = 0
        for i, ch in enumerate(text):
            if units >= index16:
                return len(text[:i].encode("utf-8"))
            units += 2 if ord(ch) > 0xFFFF else 1
        return len(text.encode("utf-8"))

    def _take(self) -> list[bytes]:
        out, self.outbox = self.outbox, []
        return out

    def insert(self, index: int, text: str, attrs: dict | None) -> list[bytes]:
        self.ytext.insert(self._bytes(index), text, attrs)
        return self._take()

    def delete(self, index: int, length: int) -> list[bytes]:
        start, stop = self._bytes(index), self._bytes(index + length)
        del self.ytext[start:stop]
        return self._take()

    def format(self, index: int, length: int, attrs: dict) -> list[bytes]:
        self.ytext.format(self._bytes(index), self._bytes(index + length), attrs)
        return self._take()

    def apply(self, update: bytes) -> list[bytes]:
        self.doc.apply_update(update)
        # yrs does no formatting cleanup after remote changes: the only event
        # is the echo of the remote update itself, which must not be re-sent.
        self.outbox = []
        return []

    def text(self) -> str:
        return str(self.ytext)

    def state(self, sv: bytes | None = None) -> bytes:
        return self.doc.get_update(sv)

    def state_vector(self) -> bytes:
        return self.doc.get_state()

    def snapshot(self) -> dict:
        text = str(self.ytext)
        chunks = [(c, a) for c, a in self.ytext.diff() if isinstance(c, str)]
        return {"text": text, "delta": normalize_delta(chunks), "sv": decode_state_vector(self.doc.get_state()),
                "pending": False, "length": utf16_len(text)}
