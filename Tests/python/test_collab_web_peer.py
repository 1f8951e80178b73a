"""The web app's side, for real: a peer built from pycrdt (Yjs in Rust) and the
PyPI `realtime` client that behaves as the QalamColab web provider — channel
`room:<documentId>`, `broadcast: {self: false}`, `presence: {key: 'users'}`,
`yjs-update` with `{"update": [byte, …]}`, initial state read from the
`yjs_documents` rows — edits the same document as Swift editors; all converge,
and the row the Swift autosaver wrote holds the same text."""
import asyncio
import base64
import os
import subprocess
import time

import pytest
from pycrdt import Doc, Text
from realtime import AsyncRealtimeClient

from test_collab_support import Editor, Machine, free_port, relay_token


def database_url():
    url = os.environ.get("QALAM_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("QALAM_TEST_DATABASE_URL is not set; run under scripts/with-postgres.sh")
        pytest.skip("QALAM_TEST_DATABASE_URL is not set (run under scripts/with-postgres.sh)")
    return url


def stored_rows(url, document_id):
    """Every yjs_documents row of the document, as the web app's loader reads them."""
    out = subprocess.run(
        ["psql", url, "-At", "-c",
         f"select encode(state, 'hex') from yjs_documents where document_id = '{document_id}' order by updated_at"],
        check=True, capture_output=True, text=True).stdout
    return [bytes.fromhex(line) for line in out.split() if line]


class WebPeer:
    """What the web app's provider does, no more: number-array `yjs-update`s."""

    def __init__(self, port, document_id, token):
        self.doc = Doc()
        self.text = self.doc.get("content", type=Text)
        self.document_id = document_id
        # The embedded relay is private to its user: the web peer joins with a
        # token of that user's relay key, as the user's own browser tab would.
        self.client = AsyncRealtimeClient(f"ws://127.0.0.1:{port}/realtime/v1", token)
        self.applying_remote = False
        self.outbox = []
        self.received = 0
        self.doc.observe(self._on_update)

    def _on_update(self, event):
        if not self.applying_remote:
            self.outbox.append(event.update)

    def load(self, rows):
        self.applying_remote = True
        try:
            for row in rows:
                self.doc.apply_update(row)
        finally:
            self.applying_remote = False

    def _on_broadcast(self, message):
        update = message["payload"]["update"]
        data = bytes(update) if isinstance(update, list) else base64.b64decode(update)
        self.received += 1
        self.applying_remote = True
        try:
            self.doc.apply_update(data)
        finally:
            self.applying_remote = False

    async def join(self):
        await self.client.connect()
        options = {"config": {"broadcast": {"self": False, "ack": False},
                              "presence": {"key": "users", "enabled": True}, "private": False}}
        self.channel = self.client.channel(f"room:{self.document_id}", options)
        self.channel.on_broadcast("yjs-update", self._on_broadcast)
        self.channel.on_presence_sync(lambda: None)
        await self.channel.subscribe()
        await self.channel.track({"user_id": "web-user", "name": "Web", "color": "#123456",
                                  "client_id": self.doc.client_id, "online_at": "2026-01-01T00:00:00Z"})

    async def append(self, string):
        self.text.insert(len(str(self.text).encode("utf-8")), string)  # yrs indexes UTF-8 bytes
        await self.flush()

    async def flush(self):
        updates, self.outbox = self.outbox, []
        for update in updates:
            await self.channel.send_broadcast("yjs-update", {"update": list(update)})

    async def close(self):
        await self.client.close()


async def eventually(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return await predicate()


def test_a_web_peer_and_swift_editors_converge_and_read_the_same_saved_row(qalam_bin):
    url = database_url()
    port = free_port()
    machines = [Machine(), Machine()]
    editors = []
    try:
        a = Editor(qalam_bin, "web-and-terminal", port, "Swift A", machines[0], database_url=url)
        editors.append(a)
        document_id = a.ready["document"]
        a.append("Swift: مرحبا. ")
        a.save()
        a.append("not saved yet. ")  # the web peer cannot load this from the database

        async def scenario():
            web = WebPeer(port, document_id, await asyncio.to_thread(relay_token, qalam_bin))
            rows = await asyncio.to_thread(stored_rows, url, document_id)
            assert rows, "the Swift autosaver wrote no row"
            web.load(rows)
            assert str(web.text) == "Swift: مرحبا. "
            await web.join()
            # An editor sends the whole state when a web client joins: the unsaved edit arrives.
            async def caught_up():
                return str(web.text) == "Swift: مرحبا. not saved yet. "
            assert await eventually(caught_up), str(web.text)

            b = await asyncio.to_thread(Editor, qalam_bin, "web-and-terminal", port, "Swift B", machines[1],
                                        database_url=url)
            editors.append(b)
            # The web peer counts as one of the people online (presence key "users").
            presence = await asyncio.to_thread(
                b.seen_or_wait, lambda e: e.get("event") == "presence" and e["count"] == 3)
            assert "Web" in presence["users"]

            await web.append("Web: hello from the browser. ")
            await asyncio.to_thread(a.append, "Swift A again. ")
            await asyncio.to_thread(b.insert, 0, "ب: ")
            await web.append("Web: وداعا.")

            async def converged():
                ta, tb = await asyncio.to_thread(a.text), await asyncio.to_thread(b.text)
                return ta == tb == str(web.text)
            assert await eventually(converged), (a.text(), b.text(), str(web.text))
            final = str(web.text)
            for part in ("Swift: مرحبا. ", "not saved yet. ", "Web: hello from the browser. ", "Swift A again. ", "ب: ", "Web: وداعا."):
                assert part in final, (part, final)
            assert web.received >= 2, "the web peer got the Swift editors' updates as yjs-update"

            # The Swift autosaver's row is what the web app loads next time.
            await asyncio.to_thread(a.save)
            fresh = Doc()
            for row in await asyncio.to_thread(stored_rows, url, document_id):
                fresh.apply_update(row)
            assert str(fresh.get("content", type=Text)) == final
            await web.close()

        asyncio.run(scenario())
        for editor in editors:
            assert editor.quit() == 0
    finally:
        for editor in editors:
            editor.close()
        for machine in machines:
            machine.cleanup()
