"""Screen tests of the full-screen editor: the real `qalam edit` on a pty, with the
embedded relay and an SQLite file in a temp dir, read through pyte (no bidi, no
shaping, like xterm or tmux). Expected visual order comes from python-bidi, an
independent implementation of the bidi algorithm; shaping is undone with NFKC
(presentation forms fold back to the base letters)."""
import os
import signal
import subprocess
import unicodedata
import uuid

import pytest
from bidi import get_display

from tui_harness import KEYS, TUI, click, free_port, paste

COLS, ROWS = 80, 24
TEXT_WIDTH = COLS - 22 - 1  # the presence panel takes 22 columns and a rule


def plain(s: str) -> str:
    """Screen text with shaping undone and trailing blanks dropped."""
    return unicodedata.normalize("NFKC", s).rstrip()


@pytest.fixture
def start(qalam_bin, tmp_path):
    started = []
    port = free_port()

    def _start(document=None, cols=COLS, rows=ROWS, name="alice", extra=(), env=None):
        document = document or f"tui-{uuid.uuid4().hex[:8]}"
        argv = [qalam_bin, "edit", document, "--relay-url", f"http://127.0.0.1:{port}", "--name", name, *extra]
        environment = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
        environment.update(env or {})
        tui = TUI(argv, cols=cols, rows=rows, env=environment)
        started.append(tui)
        assert tui.wait_for(lambda t: ", Col " in t.line(rows - 1)), "no status bar:\n" + tui.text()
        return tui

    yield _start
    for tui in started:
        tui.close()


def test_typing_appears_and_the_caret_follows(start):
    tui = start()
    tui.send("hello world")
    assert tui.wait_for(lambda t: t.line(0).startswith("hello world")), tui.text()
    assert (tui.screen.cursor.y, tui.screen.cursor.x) == (0, 11)
    assert "Ln 1, Col 12" in tui.line(ROWS - 1)


def test_arabic_shows_right_to_left_shaped_and_right_aligned(start):
    tui = start()
    logical = "مرحبا بالعالم"
    tui.send(logical)
    assert tui.wait_for(lambda t: plain(t.line(0)[:TEXT_WIDTH]).strip() == get_display(logical)), tui.text()
    row = tui.line(0)[:TEXT_WIDTH]
    assert row.rstrip().endswith("ﻢﻟﺎﻌﻟﺎﺑ ﺎﺒﺣﺮﻣ"), "joined presentation forms in visual order"
    assert len(row.rstrip()) == TEXT_WIDTH, "flush with the right edge of the text area"
    assert "RTL" in tui.line(ROWS - 1)


def test_mixed_line_matches_python_bidi(start):
    tui = start()
    for logical in ["Hello مرحبا بالعالم 123!", "عدد 42 و English words هنا"]:
        tui.send(logical + KEYS["enter"])
    tui.wait_for(lambda t: t.line(1).strip() not in ("", "│"))
    screen = [plain(tui.line(y)[:TEXT_WIDTH]).strip() for y in range(2)]
    assert screen[0] == get_display("Hello مرحبا بالعالم 123!")
    assert screen[1] == get_display("عدد 42 و English words هنا")


def test_harakat_stay_in_their_letters_cell(start):
    tui = start()
    tui.send("سَلام")
    assert tui.wait_for(lambda t: "ﻡ" in t.line(0)), tui.text()
    cells = [tui.cell(0, x).data for x in range(TEXT_WIDTH)]
    letters = [c for c in cells if c.strip()]
    assert len(letters) == 4, f"four letters, four cells: {letters}"
    assert any("\u064e" in c for c in letters), "the fatha rides in its letter's cell"


def test_help_lists_the_keys_and_any_key_closes_it(start):
    tui = start()
    tui.send(KEYS["f1"])
    text = tui.text()
    for needle in ["Ctrl-Q", "Ctrl-Z", "Ctrl-F", "Ctrl-S", "presence", "direction"]:
        assert needle in text, f"{needle} missing from help:\n{text}"
    tui.send("x")
    assert "Ctrl-Z" not in tui.text()


def test_the_help_shows_the_key_table_line_for_line(start, qalam_bin):
    """F1 draws the one key table (what `qalam keys` prints), in its order."""
    table = subprocess.run([qalam_bin, "keys"], capture_output=True, text=True, check=True,
                           timeout=30).stdout.splitlines()
    lines = [line.strip() for line in table if line.strip()]
    assert len(lines) > 15, table
    tui = start(rows=45, cols=120)
    tui.send(KEYS["f1"])
    row = 0
    for line in lines:
        while row < 45 and line not in tui.line(row):
            row += 1
        assert row < 45, f"{line!r} is not in the help (or not in order):\n{tui.text()}"
        row += 1


def test_paste_is_one_edit_and_one_undo_step(start):
    tui = start()
    tui.send("ab")
    tui.send(paste("line1\rسطر2"))
    assert tui.wait_for(lambda t: t.line(1)[:TEXT_WIDTH].strip() != ""), tui.text()
    assert tui.line(0).startswith("abline1")
    assert plain(tui.line(1)[:TEXT_WIDTH]).strip() == get_display("سطر2")
    tui.send(KEYS["ctrl_z"])
    assert tui.wait_for(lambda t: t.line(0).startswith("ab ") and t.line(1)[:TEXT_WIDTH].strip() == ""), tui.text()


def test_click_places_the_caret(start):
    tui = start()
    tui.send("hello world")
    tui.send(click(0, 6))
    tui.send("X")
    assert tui.wait_for(lambda t: t.line(0).startswith("hello Xworld")), tui.text()


def test_resize_reflows(start):
    tui = start()
    tui.send(" ".join(["word"] * 20))
    assert tui.wait_for(lambda t: t.line(1).startswith("word")), "wrapped at the text area's width"
    tui.resize(12, 40)
    # 40 columns: no room for the presence panel; 8 words (39 columns) per row.
    assert tui.wait_for(lambda t: t.line(2).rstrip() == "word word word word"), tui.text()
    assert tui.line(0).rstrip() == " ".join(["word"] * 8)
    assert "│" not in tui.line(0), "the panel is hidden when narrow"
    assert tui.line(11).strip() != "", "the status bar moved to the new last row"


def test_quit_restores_the_terminal(start):
    tui = start()
    tui.send("bye")
    tui.send(KEYS["ctrl_s"], quiet=1.0)
    tui.send(KEYS["ctrl_q"])
    if tui.wait_exit(5) is None:  # not yet settled: the first Ctrl-Q warned
        tui.send(KEYS["ctrl_q"])
    status = tui.wait_exit(20)
    assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    tail = bytes(tui.raw[-400:])
    assert b"\x1b[?2004l" in tail, "bracketed paste switched off"
    assert b"\x1b[8h" in tail, "VTE implicit bidi mode restored"
    assert b"\x1b[?1049l" in tail, "the normal screen is back"


def test_sigterm_restores_the_terminal(start):
    tui = start()
    os.kill(tui.pid, signal.SIGTERM)
    status = tui.wait_exit(20)
    assert status is not None
    assert b"\x1b[?1049l" in bytes(tui.raw[-400:])


def test_suspend_gives_the_terminal_back_and_resume_takes_it_again(start):
    tui = start()
    tui.send("kept")
    before = len(tui.raw)
    os.kill(tui.pid, signal.SIGTSTP)
    tui.pump(quiet=1.0)
    assert b"\x1b[?2004l" in bytes(tui.raw[before:]), "modes switched off before stopping"
    os.kill(tui.pid, signal.SIGCONT)
    tui.pump(quiet=1.0)
    tui.send("!")
    assert tui.wait_for(lambda t: t.line(0).startswith("kept!")), tui.text()


def test_a_crash_still_restores_the_terminal(start):
    tui = start()
    tui.send("x")
    os.kill(tui.pid, signal.SIGSEGV)
    status = tui.wait_exit(20)
    assert status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV
    tail = bytes(tui.raw[-400:])
    assert b"\x1b[?1049l" in tail and b"\x1b[?2004l" in tail and b"\x1b[8h" in tail


def test_two_editors_see_each_others_text_and_cursor(start):
    document = f"tui-shared-{uuid.uuid4().hex[:8]}"
    alice = start(document, name="alice")
    bob = start(document, name="bob")
    alice.send("from alice")
    assert bob.wait_for(lambda t: t.line(0).startswith("from alice"), timeout=30), bob.text()
    assert bob.wait_for(lambda t: "2 online" in t.line(ROWS - 1), timeout=30), bob.line(ROWS - 1)
    assert "alice" in bob.text() and "bob (you)" in bob.text()
    # alice's caret (after "from alice") is drawn on bob's screen as a coloured cell.
    assert bob.wait_for(lambda t: t.cell(0, 10).bg != "default", timeout=30), [bob.cell(0, x).bg for x in range(12)]
    # alice selects "alice" (Shift+Left five times): bob sees it underlined in her colour.
    alice.send("\x1b[1;2D" * 5)
    # Her caret is now on the "a" (coloured background); the rest of the selection is underlined.
    assert bob.wait_for(lambda t: all(t.cell(0, x).underscore for x in range(6, 10))
                        and t.cell(0, 5).bg != "default", timeout=30), \
        [bob.cell(0, x).underscore for x in range(12)]
    assert not bob.cell(0, 2).underscore and not bob.cell(0, 10).underscore


def test_ctrl_d_flips_the_paragraph_direction(start):
    tui = start()
    tui.send("abc")
    assert tui.line(0).startswith("abc")
    tui.send(KEYS["ctrl_d"])
    assert tui.wait_for(lambda t: t.line(0)[:TEXT_WIDTH].rstrip().endswith("abc")
                        and not t.line(0).startswith("abc")), tui.text()
    assert "RTL!" in tui.line(ROWS - 1), "forced RTL is marked in the status bar"


def test_bidi_terminal_mode_sends_logical_unshaped_text(start):
    tui = start(extra=["--bidi", "terminal"])
    tui.send("مرحبا abc")
    assert tui.wait_for(lambda t: t.line(0).startswith("مرحبا abc")), tui.text()
    assert b"\x1b[8l" not in bytes(tui.raw), "a bidi terminal is left in implicit mode"


def test_tiny_terminal_degrades_and_recovers(start):
    tui = start(cols=40, rows=6)
    tui.resize(3, 10)
    assert tui.wait_for(lambda t: t.line(0).startswith("Qalam")), tui.text()
    tui.send("typed while tiny")
    tui.resize(6, 40)
    assert tui.wait_for(lambda t: t.line(0).startswith("typed while tiny")), tui.text()


def test_no_color_marks_remote_carets_without_colour(start):
    document = f"tui-nocolor-{uuid.uuid4().hex[:8]}"
    alice = start(document, name="alice")
    bob = start(document, name="bob", env={"NO_COLOR": "1"})
    alice.send("hi")
    assert bob.wait_for(lambda t: t.line(0).startswith("hi"), timeout=30), bob.text()
    assert bob.wait_for(lambda t: t.cell(0, 2).reverse, timeout=30), "alice's caret in reverse video"
    assert all(bob.cell(0, x).bg == "default" and bob.cell(0, x).fg == "default" for x in range(4))


def test_word_and_visual_arrow_keys(start):
    tui = start()
    tui.send("hello world")
    tui.send("\x1b[1;5D")  # Ctrl-Left
    assert tui.screen.cursor.x == 6, "at the start of 'world'"
    tui.send(KEYS["home"])
    assert tui.screen.cursor.x == 0
    tui.send(KEYS["end"] + KEYS["enter"] + "مرحبا")
    # An RTL paragraph: its first letter is drawn at the right edge of the text area.
    tui.send(KEYS["home"])
    assert (tui.screen.cursor.y, tui.screen.cursor.x) == (1, TEXT_WIDTH - 1)
    tui.send(KEYS["left"])
    assert tui.screen.cursor.x == TEXT_WIDTH - 2, "Left moves visually: onto the second letter"
    tui.send(KEYS["up"])
    assert tui.screen.cursor.y == 0


def test_a_lost_connection_shows_unsynced_edits(start):
    document = f"tui-offline-{uuid.uuid4().hex[:8]}"
    host = start(document, name="host")  # the first editor hosts the embedded relay
    guest = start(document, name="guest")
    assert guest.wait_for(lambda t: "2 online" in t.line(ROWS - 1), timeout=30), guest.line(ROWS - 1)
    os.kill(host.pid, signal.SIGKILL)
    host.wait_exit(10)
    since_kill = len(guest.status_history)
    guest.send("typed while the relay is gone")
    # The guest takes the relay over within a second or two, then resyncs (alone: "syncing"
    # until nobody answers); the drop shows meanwhile, and the text is kept. The takeover
    # can be quick enough that the drop is drawn and replaced between two checks, so every
    # status line drawn since the kill counts, and so does the notice that names the drop
    # ("the connection dropped before the server confirmed …"), which can take the line.
    dropped = ("unsynced", "reconnecting", "offline", "connecting", "syncing", "connection dropped")

    def drop_shown(t):
        return any(word in status for status in t.status_history[since_kill:] for word in dropped)

    assert guest.wait_for(drop_shown, timeout=30), guest.status_history[since_kill:]
    assert guest.line(0).startswith("typed while the relay is gone"), "the text is kept locally"
    assert guest.wait_for(lambda t: " connected │" in t.line(ROWS - 1), timeout=30), guest.line(ROWS - 1)
