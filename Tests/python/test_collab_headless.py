"""Several `qalam edit --headless` processes editing one document through the
embedded relay: convergence of concurrent Arabic/English edits, a late joiner,
and the relay moving to another editor when its host quits."""
import json
import os
import subprocess
import time

import pytest

from test_collab_support import RELAY_KEY_FILE, Editor, Machine, converged_text, free_port, utf16_len


@pytest.fixture
def machine():
    m = Machine()
    yield m
    m.cleanup()


def test_two_processes_converge_and_a_late_joiner_catches_up(qalam_bin, machine, editors):
    port = free_port()
    a = Editor(qalam_bin, "converge", port, "Amira", machine)
    editors.append(a)
    assert a.ready["hosting_relay"] is True, a.ready
    b = Editor(qalam_bin, "converge", port, "Ben", machine)
    editors.append(b)
    assert b.ready["hosting_relay"] is False, "the second editor must join the first one's relay"
    assert a.ready["document"] == b.ready["document"]
    a.wait_synced()
    b.wait_synced()

    # Concurrent edits at the same spot and elsewhere, without waiting for each other.
    for arabic, english in [("مرحبا", "Hello"), (" بالعالم", " world"), ("، كيف الحال؟", ", how are you?")]:
        a.insert(0, arabic)
        b.append(english)
    a.insert(2, "😀")
    b.delete(0, 1)
    a.wait_synced()
    b.wait_synced()
    final = converged_text([a, b])
    for word in ("بالعالم", "كيف", "world", "how are you?", "😀"):
        assert word in final, (word, final)

    presence = b.seen_or_wait(lambda e: e.get("event") == "presence")
    if presence["count"] != 2:
        presence = b.wait_event(lambda e: e.get("event") == "presence" and e["count"] == 2)
    assert sorted(presence["users"]) == ["Amira", "Ben"]

    # A third process that starts late gets everything.
    c = Editor(qalam_bin, "converge", port, "Chen", machine)
    editors.append(c)
    c.wait_text(final)
    c.append(" — آخر")
    a.wait_text(final + " — آخر")
    b.wait_text(final + " — آخر")
    for editor in (a, b, c):
        assert editor.quit() == 0


def test_the_relay_moves_to_another_editor_when_its_host_quits(qalam_bin, machine, editors):
    port = free_port()
    host = Editor(qalam_bin, "takeover", port, "host", machine)
    editors.append(host)
    assert host.ready["hosting_relay"] is True
    b = Editor(qalam_bin, "takeover", port, "b", machine)
    c = Editor(qalam_bin, "takeover", port, "c", machine)
    editors.extend([b, c])
    host.append("from the host. ")
    b.wait_text("from the host. ")
    c.wait_text("from the host. ")

    assert host.quit() == 0
    # Typed while the relay is gone: must not be lost.
    b.append("B while down. ")
    c.insert(0, "C while down. ")
    expected_parts = ["from the host. ", "B while down. ", "C while down. "]

    def converged(editor):
        text = editor.text()
        return all(part in text for part in expected_parts), text

    started = time.monotonic()
    deadline = started + 60
    while time.monotonic() < deadline:
        (ok_b, text_b), (ok_c, text_c) = converged(b), converged(c)
        if ok_b and ok_c and text_b == text_c:
            # "Within a few seconds", with room for a loaded CI machine.
            assert time.monotonic() - started < 10, f"the takeover took {time.monotonic() - started:.1f} s"
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no convergence after the takeover: b={text_b!r} c={text_c!r}")

    # Someone now hosts the port, and a new editor joins it.
    d = Editor(qalam_bin, "takeover", port, "d", machine)
    editors.append(d)
    assert d.ready["hosting_relay"] is False, "nobody took over the relay"
    d.wait_text(text_b)
    for editor in (b, c, d):
        assert editor.quit() == 0


def test_headless_refuses_bad_commands_and_keeps_going(qalam_bin, machine, editors):
    port = free_port()
    a = Editor(qalam_bin, "bad-input", port, "a", machine)
    editors.append(a)
    a.insert(0, "abc")
    for line in ({"cmd": "insert", "index": 99, "text": "x"}, {"cmd": "delete", "index": 1, "length": 5},
                 {"cmd": "fly"}, {"cmd": "insert", "index": "0", "text": "x"}):
        ident = line.get("cmd")
        a.process.stdin.write(__import__("json").dumps(line) + "\n")
        a.process.stdin.flush()
        event = a.wait_event(lambda e: e.get("event") == "error")
        assert event["message"], ident
    a.process.stdin.write("not json\n")
    a.process.stdin.flush()
    assert "not JSON" in a.wait_event(lambda e: e.get("event") == "error")["message"]
    assert a.text() == "abc"
    assert utf16_len(a.text()) == 3
    assert a.quit() == 0


def test_an_editor_cut_off_edits_and_everything_converges_when_it_reconnects(qalam_bin, machine, editors):
    port = free_port()
    a = Editor(qalam_bin, "cut-off", port, "a", machine)
    b = Editor(qalam_bin, "cut-off", port, "b", machine)
    editors.extend([a, b])
    a.append("shared start. ")
    b.wait_text("shared start. ")

    b.command("offline")
    b.seen_or_wait(lambda e: e.get("event") == "status" and e["connection"].startswith("offline"))
    a.insert(0, "A online. ")
    b.append("ب وهو منقطع. ")
    b.delete(0, 6)  # "shared" deleted while offline
    status = b.command("status")
    assert status["unsent"] > 0, status
    time.sleep(1)
    assert "A online." not in b.text(), "B was supposed to be cut off"

    b.command("online")
    b.wait_synced()
    a.wait_synced()
    final = converged_text([a, b])
    assert "A online. " in final and "ب وهو منقطع. " in final and "shared" not in final, final
    for editor in (a, b):
        assert editor.quit() == 0


def test_a_driver_that_stops_reading_leaves_the_editor_saving_not_crashing(qalam_bin, machine, editors):
    """The driving program closes its end of stdout (it exited, or piped into
    `head`): the next event the editor writes finds nobody reading. It must save
    what was typed and leave as at the end of its input, not crash."""
    port = free_port()
    env = dict(os.environ, XDG_DATA_HOME=machine.data_home, XDG_STATE_HOME=machine.state_home,
               QALAM_RELAY_KEY_FILE=RELAY_KEY_FILE)
    for key in ("DATABASE_URL", "SUPABASE_URL", "SUPABASE_ANON_KEY", "QALAM_ACCESS_TOKEN"):
        env.pop(key, None)
    process = subprocess.Popen(
        [qalam_bin, "edit", "stops-reading", "--headless", "--relay-url", f"http://127.0.0.1:{port}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1, env=env)
    try:
        def next_event(predicate):
            for line in process.stdout:
                event = json.loads(line)
                if predicate(event):
                    return event
            raise AssertionError(f"the editor exited ({process.poll()}): {process.stderr.read()[-2000:]}")

        next_event(lambda e: e.get("event") == "ready")
        process.stdin.write(json.dumps({"cmd": "insert", "id": 1, "index": 0, "text": "كُتب قبل أن يُغلق"}) + "\n")
        process.stdin.flush()
        next_event(lambda e: e.get("id") == 1)
        process.stdout.close()
        # Answered on the closed pipe.
        process.stdin.write(json.dumps({"cmd": "get", "id": 2}) + "\n")
        process.stdin.flush()
        returncode = process.wait(timeout=60)
        stderr = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert "Fatal error" not in stderr and "crashed" not in stderr, stderr[-2000:]
    assert returncode == 0, stderr[-2000:]
    reopened = Editor(qalam_bin, "stops-reading", free_port(), "later", machine)
    editors.append(reopened)
    assert reopened.text() == "كُتب قبل أن يُغلق"
