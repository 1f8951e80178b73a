"""Shared fixtures for the tests that drive the real `qalam` binary and the
Python reference peers (pycrdt for Yjs, realtime for Supabase Realtime)."""
import os
import pathlib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def qalam_bin() -> str:
    path = os.environ.get("QALAM_BIN", str(ROOT / ".build" / "debug" / "qalam"))
    if not os.path.exists(path):
        pytest.fail(f"qalam binary not found at {path}: run `swift build` first")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    return SHARED
