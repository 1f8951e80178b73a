"""The editor on first contact, as a new user meets it: the README's two-terminal
demo on a fresh document, start-up whatever the network does, carets and presence
between terminals, resizing, the bidi edges, and the messages. Real `qalam edit`
processes on pseudo-terminals, read through pyte (no bidi, no shaping)."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import uuid

import pytest
from bidi import get_display

from tui_harness import KEYS, TUI, free_port, paste

COLS, ROWS = 80, 24
TEXT_WIDTH = COLS - 22 - 1
STATUS = ROWS - 1


def plain(s: str) -> str:
    return unicodedata.normalize("NFKC", s).rstrip()


@pytest.fixture
def start(qalam_bin, tmp_path):
    started = []
    port = free_port()

    def _start(document=None, cols=COLS, rows=ROWS, name="alice", extra=(), env=None, relay=None,
               wait_status=True):
        document = document or f"first-{uuid.uuid4().hex[:8]}"
        relay = relay or f"http://127.0.0.1:{port}"
        argv = [qalam_bin, "edit", document, "--relay-url", relay, "--name", name, *extra]
        environment = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
                       "HOME": str(tmp_path)}
        environment.update(env or {})
        tui = TUI(argv, cols=cols, rows=rows, env=environment)
        started.append(tui)
        if wait_status:
            assert tui.wait_for(lambda t: ", Col " in t.line(rows - 1)), "no status bar:\n" + tui.text()
        return tui

    _start.port = port
    yield _start
    for tui in started:
        tui.close()


def status(tui, rows=ROWS):
    return tui.line(rows - 1)


# MARK: - The two-terminal demo


def test_the_two_terminal_demo_on_a_fresh_document(start):
    """A types lines (one Arabic), Enter after each; B shows every line, B's caret
    stays where B left it, and what B types reaches A where B's caret is."""
    document = f"demo-{uuid.uuid4().hex[:8]}"
    a = start(document, name="amira")
    b = start(document, name="ben")
    assert b.wait_for(lambda t: "2 online" in status(t), timeout=30), status(b)
    lines = ["first line from A", "السطر الثاني بالعربية", "third line", "fourth and last"]
    for line in lines:
        a.send(line + KEYS["enter"])
    assert b.wait_for(lambda t: t.line(3).startswith("fourth and last"), timeout=30), b.text()
    assert b.line(0).startswith("first line from A")
    assert plain(b.line(1)[:TEXT_WIDTH]).strip() == get_display(lines[1])
    assert b.line(2).startswith("third line")
    assert "Ln 1, Col 1" in status(b), "B's caret stayed at the start: " + status(b)
    assert (b.screen.cursor.y, b.screen.cursor.x) == (0, 0)
    b.send("B> ")
    assert a.wait_for(lambda t: t.line(0).startswith("B> first line from A"), timeout=30), a.text()
    assert a.line(3).startswith("fourth and last"), "A's lines are all still there"
    # A large paste in A: B still shows its first line at the top.
    a.send(paste("\r".join(f"pasted line {n} " + "x" * 60 for n in range(600))), quiet=1.0)
    assert b.wait_for(lambda t: "pasted line" in t.text() or "Ln 1, Col 4" in status(t), timeout=30)
    time.sleep(1)
    b.pump()
    assert b.line(0).startswith("B> first line from A"), b.text()
    assert "Ln 1, Col 4" in status(b), status(b)


def test_typing_at_the_same_spot_stays_contiguous_on_both_screens(start):
    document = f"spot-{uuid.uuid4().hex[:8]}"
    a = start(document, name="amira")
    b = start(document, name="ben")
    assert b.wait_for(lambda t: "2 online" in status(t), timeout=30)
    for _ in range(8):
        a.send("A", quiet=0.05)
        b.send("b", quiet=0.05)
    for tui in (a, b):
        assert tui.wait_for(lambda t: t.line(0).count("A") == 8 and t.line(0).count("b") == 8, timeout=30), \
            tui.line(0)
    row = a.line(0)
    assert "A" * 8 in row and "b" * 8 in row, row
    assert b.line(0) == row


# MARK: - Start-up


def test_the_first_screen_comes_at_once_when_another_program_holds_the_port(start):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        began = time.monotonic()
        tui = start(relay=f"http://127.0.0.1:{port}", wait_status=False)
        assert tui.wait_for(lambda t: ", Col " in status(t), timeout=5), "no screen within 5 s:\n" + tui.text()
        shown = time.monotonic() - began
        assert shown < 5, f"the first screen took {shown:.1f} s"
        tui.send("typed at once")
        assert tui.line(0).startswith("typed at once"), "keys go to the editor, not echoed on a blank terminal"
        assert tui.wait_for(
            lambda t: f"port {port} is used by another program — free it or pass --relay-url" in status(t),
            timeout=20), status(tui)
    finally:
        server.terminate()
        server.wait(10)


def test_the_first_screen_comes_at_once_with_an_unreachable_relay(start):
    tui = start(relay="http://192.0.2.1:4000", wait_status=False)
    assert tui.wait_for(lambda t: ", Col " in status(t), timeout=5), "no screen within 5 s:\n" + tui.text()
    tui.send("still editing")
    assert tui.line(0).startswith("still editing")
    assert tui.wait_for(lambda t: "192.0.2.1:4000" in status(t), timeout=20), status(tui)
    assert "check --relay-url" in status(tui), status(tui)


def test_a_lone_editor_never_says_reconnecting_on_its_first_connection(start):
    tui = start()
    seen = []
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        tui.pump(quiet=0.05, limit=0.2)
        seen.append(status(tui))
    assert not any("reconnecting" in line for line in seen), [s for s in seen if "reconnecting" in s][:1]
    assert " connected │" in status(tui), status(tui)


# MARK: - Presence and carets


def test_two_terminals_of_one_user_are_two_sessions_each_marking_itself(start):
    document = f"sam-{uuid.uuid4().hex[:8]}"
    first = start(document, name="sam")
    time.sleep(1.1)  # sessions are numbered by when they came online (whole seconds)
    second = start(document, name="sam")
    for tui in (first, second):
        assert tui.wait_for(lambda t: "2 online" in status(t), timeout=30), status(tui)
        assert tui.wait_for(lambda t: "Online (2)" in t.text(), timeout=30), tui.text()
    panel = lambda tui: [tui.line(y)[TEXT_WIDTH + 2:].strip() for y in range(1, 3)]  # noqa: E731
    assert panel(first) == ["● sam (you)", "● sam (2)"], panel(first)
    assert panel(second) == ["● sam", "● sam (2) (you)"], panel(second)


def test_a_newcomer_sees_the_carets_already_there_and_a_cleared_selection_clears(start):
    document = f"carets-{uuid.uuid4().hex[:8]}"
    a = start(document, name="amira")
    a.send("hello world")
    a.send(KEYS["left"] * 5)  # A's caret before "world", column 6
    time.sleep(1.5)
    b = start(document, name="ben")
    assert b.wait_for(lambda t: t.line(0).startswith("hello world"), timeout=30), b.text()
    assert b.wait_for(lambda t: "2 online" in status(t), timeout=30), status(b)
    joined = time.monotonic()
    assert b.wait_for(lambda t: t.cell(0, 6).bg != "default", timeout=5), [b.cell(0, x).bg for x in range(12)]
    assert time.monotonic() - joined < 1, "A's caret within 1 s of joining, not at its renewal (15 s)"
    a.send("\x1b[1;2C" * 5)  # Shift+Right: A selects "world"
    assert b.wait_for(lambda t: all(t.cell(0, x).underscore for x in range(6, 10)), timeout=10), \
        [b.cell(0, x).underscore for x in range(12)]
    a.send(KEYS["esc"])
    assert b.wait_for(lambda t: not any(t.cell(0, x).underscore for x in range(0, 12)), timeout=10), \
        [b.cell(0, x).underscore for x in range(12)]


# MARK: - Resize


def test_a_resize_is_redrawn_at_once(start):
    tui = start()
    tui.send(" ".join(["word"] * 30))
    for rows, cols, per_row in [(12, 40, 8), (20, 70, 9), (12, 40, 8)]:
        tui.screen.resize(rows, cols)
        tui._winsz(rows, cols)
        os.kill(tui.pid, signal.SIGWINCH)
        # Well within the loop's one-second tick: the resize itself wakes it.
        tui.pump(quiet=0.25, limit=0.6)
        assert ", Col " in status(tui, rows), f"{rows}x{cols}: {status(tui, rows)!r}"
        assert tui.line(0).startswith(" ".join(["word"] * per_row) + " "), (rows, cols, tui.line(0))


# MARK: - Bidi edges


def test_right_arrow_goes_on_through_an_arabic_line_after_an_english_one(start):
    tui = start()
    tui.send("abc" + KEYS["enter"] + "مرحبا")
    tui.send("\x1b[1;5H")  # Ctrl-Home
    tui.send(KEYS["end"])
    assert (tui.screen.cursor.y, tui.screen.cursor.x) == (0, 3)
    places = []
    for _ in range(6):
        tui.send(KEYS["right"], quiet=0.15)
        places.append((tui.screen.cursor.y, tui.screen.cursor.x))
    assert places[0] == (1, TEXT_WIDTH - 6), "into the Arabic line at its left edge"
    assert places[:6] == [(1, TEXT_WIDTH - 6 + n) for n in range(6)], places
    assert (0, 3) not in places, "never back to where it came from"


def test_the_caret_stays_beside_abc_typed_at_the_end_of_an_arabic_paragraph(start):
    tui = start()
    tui.send("مرحبا ")
    for n, letter in enumerate("abc", 1):
        tui.send(letter)
        row = tui.line(0)[:TEXT_WIDTH]
        column = row.index(letter)
        assert tui.screen.cursor.x == column + 1, f"after {letter}: caret at {tui.screen.cursor.x}, {row!r}"
    # The mirror: Arabic typed at the end of an English paragraph.
    tui.send(KEYS["enter"] + "abc ")
    for letter in "سلم":
        tui.send(letter)
        row = plain(tui.line(1)[:TEXT_WIDTH])
        leftmost_arabic = min(row.index(ch) for ch in "سلم" if ch in row)
        assert tui.screen.cursor.x == leftmost_arabic - 1, f"after {letter}: {tui.screen.cursor.x}, {row!r}"


def test_lam_alef_ligature_leaves_no_gap_inside_the_word(start):
    tui = start(extra=["--lam-alef", "ligature"])
    tui.send("السلام عليكم")
    assert tui.wait_for(lambda t: "ﻼ" in t.line(0)), tui.text()
    shown = tui.line(0)[:TEXT_WIDTH].strip()
    assert shown.split(" ")[-1] == "ﻡﻼﺴﻟﺍ", shown
    assert shown.count(" ") == 1, f"one space, between the words: {shown!r}"


# MARK: - What a writer expects


def test_counts_go_to_line_find_and_read_only(start, qalam_bin):
    tui = start()
    tui.send("السَّلامُ عَلَيْكُمْ" + KEYS["enter"] + "one two three" + KEYS["enter"] + "two again")
    assert tui.wait_for(lambda t: "7 words" in status(t)), status(tui)
    tui.send("\x07")  # Ctrl-G
    assert "Go to line:" in status(tui)
    tui.send("2" + KEYS["enter"])
    assert "Ln 2, Col 1" in status(tui), status(tui)
    tui.send(KEYS["ctrl_f"] + "two" + KEYS["enter"])
    assert "Match 1 of 2" in status(tui), status(tui)
    highlighted = [x for x in range(TEXT_WIDTH) if tui.cell(2, x).bg != "default"]
    assert highlighted == [0, 1, 2], "every match is highlighted, not only the selected one"
    tui.send(KEYS["esc"])

    viewer = start(extra=["--read-only"])
    viewer.send("x")
    assert "Read-only" in status(viewer), status(viewer)
    assert viewer.line(0)[:TEXT_WIDTH].strip() == "", "nothing was typed"
    viewer.send(KEYS["esc"])
    assert "read-only" in status(viewer), status(viewer)


def test_the_status_bar_words_saving_not_found_and_sixty_columns(start):
    """Finding 6 on the screen: "Saving…" goes when the save reports back, with no
    key pressed; find says "Not found"; at 60 columns "saved N s ago" is whole."""
    tui = start(cols=60)
    tui.send("a few words")
    tui.send(KEYS["ctrl_s"], quiet=0.05)
    # No key from here on: the bar changes by itself.
    assert tui.wait_for(lambda t: "Saving…" not in status(t) and "saved" in status(t), timeout=5), status(tui)
    assert tui.wait_for(lambda t: " s ago" in status(t), timeout=10), status(tui)
    assert re.search(r"saved \d+ s ago", status(tui)), "whole, never cut to 'saved 13': " + status(tui)
    tui.send(KEYS["ctrl_f"] + "absent" + KEYS["enter"])
    assert "Not found" in status(tui), status(tui)
    tui.send(KEYS["esc"])


# MARK: - Messages


def run_qalam(qalam_bin, args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "QALAM_AUTOSAVE_SECONDS")}
    environment.update(env)
    return subprocess.run([qalam_bin, *args], env=environment, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=30)


def one_line_error(result, *expected):
    """A failure said in one line that names the problem and the way out: no
    usage dump, no Foundation error codes, a non-zero exit."""
    message = result.stderr.strip()
    assert result.returncode != 0, (result.returncode, message)
    assert "\n" not in message, f"one line, not:\n{message}"
    assert "Usage:" not in message and "--help" not in message, message
    assert "NSCocoaErrorDomain" not in message and "error 512" not in message, message
    for phrase in expected:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    return message


def test_messages_are_one_actionable_line_without_a_usage_dump(qalam_bin, tmp_path):
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state")}
    # A data folder that cannot be: the editor and the store tools say which and why.
    for args in (["edit", "notes"], ["export", "notes"], ["db", "migrate"]):
        one_line_error(run_qalam(qalam_bin, args, **dict(home, XDG_DATA_HOME="/etc/passwd")),
                       "cannot create the data folder /etc/passwd/qalam: /etc/passwd is a file, not a folder",
                       "set XDG_DATA_HOME")
    # The state folder (crash journal, relay key) likewise.
    one_line_error(run_qalam(qalam_bin, ["edit", "notes"], **dict(home, XDG_STATE_HOME="/etc/passwd")),
                   "/etc/passwd is a file, not a folder", "set XDG_STATE_HOME")

    bad_url = one_line_error(run_qalam(qalam_bin, ["edit", "notes"], DATABASE_URL="not-a-url", **home),
                             "DATABASE_URL must be a PostgreSQL URL", "unset it")
    assert "socket" not in bad_url.lower()
    one_line_error(run_qalam(qalam_bin, ["edit", "notes", "--relay-url", "nonsense"], **home),
                   "--relay-url must be a URL like http://127.0.0.1:4000, not nonsense")
    one_line_error(run_qalam(qalam_bin, ["edit", "notes", "--color", "red"], **home),
                   "--color must be a color like #1e90ff, not red")
    one_line_error(run_qalam(qalam_bin, ["edit", "notes"], QALAM_AUTOSAVE_SECONDS="soon", **home),
                   "QALAM_AUTOSAVE_SECONDS must be a number of seconds")
    # A PostgreSQL that does not answer: libpq's two-line text comes out as one.
    unreachable = f"postgresql://qalam@127.0.0.1:{free_port()}/qalam"
    one_line_error(run_qalam(qalam_bin, ["export", "notes"], DATABASE_URL=unreachable, **home),
                   "qalam: cannot connect to the document database", "Connection refused")
    # No terminal: said first and alone, before any database or relay is tried.
    piped = one_line_error(run_qalam(qalam_bin, ["edit", "notes"], DATABASE_URL=unreachable, **home),
                           "qalam: the editor needs a terminal on stdin and stdout")
    assert "save" not in piped, piped
