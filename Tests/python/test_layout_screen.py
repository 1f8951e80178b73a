"""Layout checks through the real editor's screen: a long mixed paragraph must be
wrapped in logical order and only then reordered row by row (UAX #9 rule L2 per
line), each row matching python-bidi's display of exactly the words it holds."""
import unicodedata
import uuid

from bidi import get_display

from tui_harness import TUI, free_port, paste

COLS, ROWS = 60, 16
TEXT_WIDTH = COLS - 22 - 1

PARAGRAPH = ("في عام 2024 كتب أحمد 3 كتب عن تاريخ المدينة و English notes about the old town "
             "ثم أضاف فصلا جديدا بعنوان الأسواق القديمة and closed with a short summary في النهاية")


def test_long_rtl_paragraph_wraps_in_logical_order_then_reorders_each_row(qalam_bin, tmp_path):
    port = free_port()
    argv = [qalam_bin, "edit", f"layout-{uuid.uuid4().hex[:8]}", "--relay-url", f"http://127.0.0.1:{port}"]
    tui = TUI(argv, cols=COLS, rows=ROWS, env={"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)})
    try:
        assert tui.wait_for(lambda t: ", Col " in t.line(ROWS - 1)), tui.text()
        tui.send(paste(PARAGRAPH), quiet=1.0)
        words = PARAGRAPH.split(" ")
        rows = []
        for y in range(ROWS - 1):
            row = unicodedata.normalize("NFKC", tui.line(y)[:TEXT_WIDTH]).strip()
            if row:
                rows.append(row)
        assert len(rows) >= 4, "the paragraph wraps over several rows"
        taken = 0
        for row in rows:
            count = len(row.split(" "))
            chunk = words[taken:taken + count]
            assert get_display(" ".join(chunk), base_dir="R") == row, f"row {row!r} vs logical {chunk}"
            taken += count
        assert taken == len(words), "every word shown once, in logical order across rows"
        for y in range(len(rows)):
            assert len(tui.line(y)[:TEXT_WIDTH].rstrip()) == TEXT_WIDTH, "each row flush right"
    finally:
        tui.close()
