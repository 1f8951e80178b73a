"""Shared fixtures for the tests that drive the real `qalam` binary and the
Python reference peers (pycrdt for Yjs, realtime for Supabase Realtime)."""
import os
import pathlib
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"


@pytest.fixture(scope="session")
def qalam_bin() -> str:
    path = os.environ.get("QALAM_BIN", str(ROOT / ".build" / "debug" / "qalam"))
    if not os.path.exists(path):
        pytest.fail(f"qalam binary not found at {path}: run `swift build` first")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> pathlib.Path:
    """The repository's test data (Fixtures/README.md says where it came from)."""
    if not (FIXTURES / "yjs-vectors").is_dir():
        pytest.fail(f"{FIXTURES}/yjs-vectors is missing: the checkout is incomplete")
    return FIXTURES


@pytest.fixture
def editors():
    """The `qalam edit --headless` processes a test starts (test_collab_support.Editor):
    append each one; whatever is still running is closed after the test."""
    started = []
    yield started
    for editor in started:
        editor.close()


def pytest_configure(config):
    # realtime-py reads ConnectionClosed.code/.reason, which websockets 13.1 deprecated;
    # the warning is about the peer's code, not Qalam's, so it is not shown.
    for attribute in ("code", "reason"):
        config.addinivalue_line(
            "filterwarnings", f"ignore:ConnectionClosed.{attribute} is deprecated:DeprecationWarning:websockets")
