"""Formatting from the web app on the terminal: a web peer (pycrdt + realtime-py,
as the QalamColab provider behaves) puts `bold`, `italic` and `underline` on the
`Y.Text`; the full-screen editor draws them, and what the writer types inside
bold text reaches the web peer bold, as typing inside it does in the web editors."""
import asyncio
import os
import uuid

from test_collab_support import RELAY_KEY_FILE, free_port, relay_token
from test_collab_web_peer import WebPeer, eventually
from tui_harness import TUI, click

NAMESPACE = uuid.UUID("2f1c4a7e-5b0d-4f58-9c3e-7a1d6b2e9f40")  # DocumentID's name-based ids


def test_formatting_from_the_web_is_drawn_and_typing_inside_it_continues_it(qalam_bin, tmp_path):
    port = free_port()
    name = f"format-{uuid.uuid4().hex[:8]}"
    document_id = str(uuid.uuid5(NAMESPACE, name))
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "HOME": str(tmp_path), "QALAM_RELAY_KEY_FILE": RELAY_KEY_FILE}
    tui = TUI([qalam_bin, "edit", name, "--relay-url", f"http://127.0.0.1:{port}", "--name", "writer"], env=env)
    try:
        assert tui.wait_for(lambda t: ", Col " in t.line(23)), tui.text()

        async def scenario():
            web = WebPeer(port, document_id, await asyncio.to_thread(relay_token, qalam_bin))
            await web.join()
            web.text.insert(0, "plain bold italic under")
            web.text.format(6, 10, {"bold": True})
            web.text.format(11, 17, {"italic": True})
            web.text.format(18, 23, {"underline": True})
            await web.flush()
            shown = await asyncio.to_thread(
                tui.wait_for, lambda t: t.line(0).startswith("plain bold italic under"), 30)
            assert shown, tui.text()
            row = [tui.cell(0, x) for x in range(23)]
            assert [x for x, c in enumerate(row) if c.bold] == [6, 7, 8, 9], [c.bold for c in row]
            assert [x for x, c in enumerate(row) if c.italics] == list(range(11, 17))
            assert [x for x, c in enumerate(row) if c.underscore] == list(range(18, 23))

            # The writer types inside the bold word: the letters are bold here and on the web.
            await asyncio.to_thread(tui.send, click(0, 8))
            await asyncio.to_thread(tui.send, "XY")
            assert await asyncio.to_thread(tui.wait_for, lambda t: t.line(0).startswith("plain boXYld"), 10)
            assert [x for x in range(25) if tui.cell(0, x).bold] == list(range(6, 12))

            async def received():
                return str(web.text).startswith("plain boXYld italic")
            assert await eventually(received), str(web.text)
            assert ("boXYld", {"bold": True}) in web.text.diff(), web.text.diff()
            await web.close()

        asyncio.run(scenario())
    finally:
        tui.close()
