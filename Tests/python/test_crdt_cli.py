"""`qalam inspect` and `qalam merge` against the Yjs test vectors and pycrdt.

Contract (used by outside checks): `inspect FILE…` prints
{"pending": BOOL, "stateVector": {"CLIENT": CLOCK}, "texts": {ROOT: TEXT}} with
sorted keys; `merge FILE… > OUT` writes one v1 update; malformed input gives an
error on stderr naming the file and exit code 1.
"""
from __future__ import annotations

import json
import subprocess

import pytest
from pycrdt import Doc, Text

from crdt_peers import decode_state_vector


@pytest.fixture(scope="module")
def vectors(fixtures_dir):
    with open(fixtures_dir / "yjs-vectors" / "updates.json", encoding="utf-8") as f:
        cases = {c["name"]: c for c in json.load(f)["cases"]}
    with open(fixtures_dir / "yjs-vectors" / "random.json", encoding="utf-8") as f:
        scenarios = json.load(f)["scenarios"]
    return cases, scenarios


def run(qalam_bin, *args, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([qalam_bin, *args], input=stdin, capture_output=True, timeout=120)


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def inspect(qalam_bin, *files, stdin=None) -> dict:
    result = run(qalam_bin, "inspect", *files, stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def expected_sv(hex_sv: str) -> dict:
    return {str(k): v for k, v in decode_state_vector(bytes.fromhex(hex_sv)).items()}


TEXT_CASES = ["insert_ascii", "arabic_harakat", "mixed_bidi", "insert_emoji", "delete_spanning_items",
              "concurrent_arabic_english", "three_clients_mixed", "format_bold", "client_id_max_uint32",
              "client_id_zero", "long_string", "insert_inside_surrogate_pair"]


@pytest.mark.parametrize("name", TEXT_CASES)
def test_inspect_full_state(qalam_bin, vectors, tmp_path, name):
    case = vectors[0][name]
    report = inspect(qalam_bin, write(tmp_path, "state.bin", bytes.fromhex(case["state_as_update"])))
    assert report == {"texts": {"content": case["final_text"]}, "stateVector": expected_sv(case["state_vector"]),
                      "pending": False}


def test_inspect_output_is_sorted_json_with_exact_keys(qalam_bin, vectors, tmp_path):
    case = vectors[0]["three_clients_mixed"]
    result = run(qalam_bin, "inspect", write(tmp_path, "s.bin", bytes.fromhex(case["state_as_update"])))
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert list(report) == ["pending", "stateVector", "texts"]
    assert list(report["stateVector"]) == sorted(report["stateVector"])
    assert all(isinstance(v, int) for v in report["stateVector"].values())


@pytest.mark.parametrize("name", ["concurrent_insert_same_pos_3", "backspacing", "out_of_order_cross_client",
                                  "multi_op_transactions", "format_vs_delete_concurrent"])
def test_inspect_applies_many_files_in_order(qalam_bin, vectors, tmp_path, name):
    case = vectors[0][name]
    files = [write(tmp_path, f"u{u['index']:03}.bin", bytes.fromhex(u["hex"])) for u in case["updates"]]
    report = inspect(qalam_bin, *files)
    assert report["texts"] == {"content": case["final_text"]}
    assert report["stateVector"] == expected_sv(case["state_vector"])
    assert report["pending"] is False


def test_inspect_random_scenarios_all_updates(qalam_bin, vectors, tmp_path):
    for scenario in vectors[1][:10]:
        files = [write(tmp_path, f"{scenario['name']}-{u['index']:04}.bin", bytes.fromhex(u["hex"]))
                 for u in scenario["updates"]]
        report = inspect(qalam_bin, *files)
        assert report["texts"] == {"content": scenario["final_text"]}, scenario["name"]
        assert report["stateVector"] == expected_sv(scenario["final_state_vector"]), scenario["name"]
        assert report["pending"] is False


def test_inspect_reports_pending(qalam_bin, vectors, tmp_path):
    """The second of two updates from one client, alone, must stay pending."""
    case = vectors[0]["typing_char_by_char"]
    later = case["updates"][-1]
    report = inspect(qalam_bin, write(tmp_path, "later.bin", bytes.fromhex(later["hex"])))
    assert report["pending"] is True
    assert report["texts"] == {"content": ""}
    assert report["stateVector"] == {}


def test_inspect_always_reports_the_content_root(qalam_bin, vectors, tmp_path):
    """`content` is the contract root: reported even when all its text was
    deleted (and garbage-collected) or when the update holds other roots only."""
    case = vectors[0]["delete_all"]
    report = inspect(qalam_bin, write(tmp_path, "d.bin", bytes.fromhex(case["state_as_update"])))
    assert report["texts"] == {"content": ""}
    assert report["stateVector"] == expected_sv(case["state_vector"])
    doc = Doc(client_id=8)
    doc.get("notes", type=Text).insert(0, "only notes")
    report = inspect(qalam_bin, write(tmp_path, "n.bin", doc.get_update()))
    assert report["texts"] == {"content": "", "notes": "only notes"}


def test_inspect_reads_stdin(qalam_bin, vectors):
    case = vectors[0]["arabic_harakat"]
    report = inspect(qalam_bin, "-", stdin=bytes.fromhex(case["state_as_update"]))
    assert report["texts"] == {"content": case["final_text"]}


def test_inspect_lists_only_text_roots(qalam_bin, vectors, tmp_path):
    case = vectors[0]["map_beside_text"]
    report = inspect(qalam_bin, write(tmp_path, "m.bin", bytes.fromhex(case["state_as_update"])))
    assert report["texts"] == {"content": case["final_text"]}


def test_inspect_every_root_text(qalam_bin, tmp_path):
    doc = Doc(client_id=5)
    doc.get("content", type=Text).insert(0, "مرحبا")
    doc.get("notes", type=Text).insert(0, "side 😀")
    report = inspect(qalam_bin, write(tmp_path, "two.bin", doc.get_update()))
    assert report["texts"] == {"content": "مرحبا", "notes": "side 😀"}
    assert report["stateVector"] == {"5": 12}  # 5 + 7 UTF-16 units


def test_merge_matches_yjs_and_loads_everywhere(qalam_bin, vectors, tmp_path):
    checked = 0
    for case in vectors[0].values():
        merged = case.get("merged_update")
        if not merged or not case["updates"]:
            continue
        files = [write(tmp_path, f"{case['name']}-{u['index']:03}.bin", bytes.fromhex(u["hex"]))
                 for u in case["updates"]]
        result = run(qalam_bin, "merge", *files)
        assert result.returncode == 0, (case["name"], result.stderr.decode())
        assert result.stdout.hex() == merged["hex"], case["name"]
        out = write(tmp_path, f"{case['name']}-merged.bin", result.stdout)
        assert inspect(qalam_bin, out)["texts"].get("content", "") == merged["text_after_apply"], case["name"]
        checked += 1
    assert checked >= 5


def test_merge_of_pycrdt_updates_loads_in_pycrdt(qalam_bin, tmp_path):
    a, b = Doc(client_id=11), Doc(client_id=12)
    ta, tb = a.get("content", type=Text), b.get("content", type=Text)
    ta.insert(0, "قلمٌ ")
    b.apply_update(a.get_update())
    tb.insert(len(str(tb).encode()), "pen 🖊")
    del ta[0:2]
    files = [write(tmp_path, "a.bin", a.get_update()), write(tmp_path, "b.bin", b.get_update())]
    result = run(qalam_bin, "merge", *files)
    assert result.returncode == 0, result.stderr.decode()
    a.apply_update(b.get_update())
    fresh = Doc(client_id=13)
    fresh.apply_update(result.stdout)
    assert str(fresh.get("content", type=Text)) == str(ta)


@pytest.mark.parametrize("command", ["inspect", "merge"])
@pytest.mark.parametrize("payload", [b"\xff\xff\xff", b"\x01\x01\x01\x00\x04\x01\x07content\x05hi", b"not an update"])
def test_malformed_input_names_the_file(qalam_bin, vectors, tmp_path, command, payload):
    good = write(tmp_path, "good.bin", bytes.fromhex(vectors[0]["insert_ascii"]["state_as_update"]))
    bad = write(tmp_path, "broken-update.bin", payload)
    result = run(qalam_bin, command, good, bad)
    assert result.returncode == 1
    assert "broken-update.bin" in result.stderr.decode()
    assert result.stdout == b""


@pytest.mark.parametrize("command", ["inspect", "merge"])
def test_missing_file_names_the_file(qalam_bin, tmp_path, command):
    result = run(qalam_bin, command, str(tmp_path / "no-such-file.bin"))
    assert result.returncode == 1
    assert "no-such-file.bin" in result.stderr.decode()
    assert result.stdout == b""
