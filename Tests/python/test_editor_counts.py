"""The status bar's word count against an independent implementation of Unicode
word boundaries (UAX #29): the `regex` module's `\\b` with the WORD flag. Random
Arabic/English texts with harakat, tatweel, digits of both scripts and the
punctuation the rules treat specially go through the real editor (`--headless`
drives the same core as the screen)."""
import random

import regex

from test_collab_support import Editor, Machine, free_port

POOL = (
    list("abcdefghijklmnopqrstuvwxyzABC") + list("مرحباكتبالسلامعليكمإلأ") + ["\u064e", "\u0650", "\u0651", "\u0652"]
    + ["\u0640"] + list("0123456789٠١٢٣٤٥") + list(" .,:;'’_-!?()\"") + ["،", "؛", "؟", "٫", "٬", "\u00a0"]
    + ["日", "本", "カ", "タ", "😀", "\n", "\t"]
)


def reference_words(text: str) -> int:
    segments = regex.split(r"\b", text, flags=regex.WORD | regex.V1)
    return sum(1 for segment in segments if any(c.isalnum() for c in segment))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_word_counts_agree_with_unicode_word_boundaries(qalam_bin):
    machine = Machine()
    editor = Editor(qalam_bin, "counts", free_port(), "counter", machine)
    try:
        generator = random.Random(29)
        current = ""
        counted = 0
        for n in range(150):
            length = generator.randint(0, 40)
            weights = [3 if c.isalpha() else 1 for c in POOL]
            text = "".join(generator.choices(POOL, weights=weights, k=length))
            editor.command("select", index=0, length=utf16_len(current))
            state = editor.command("paste", text=text) if text else editor.command("key", key="Del")
            current = state["text"]
            assert current == text.replace("\r", "\n"), (n, text, current)
            expected = reference_words(text)
            counted += expected
            assert state["words"] == expected, f"case {n}: {text!r}: editor {state['words']}, UAX #29 {expected}"
            characters = len(regex.findall(r"\X", text)) - text.count("\n")
            assert state["characters"] == characters, f"case {n}: {text!r}"
        assert counted > 500, "the texts had words to count"
        assert editor.quit() == 0
    finally:
        editor.close()
        machine.cleanup()
