"""`qalam db migrate`, `qalam export` and `qalam import` against real databases,
with pycrdt (yrs) standing in for the web app that shares the document.

SQLite runs everywhere (a fresh XDG_DATA_HOME per test); PostgreSQL runs when
QALAM_TEST_DATABASE_URL is set (scripts/with-postgres.sh) and is required in CI.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid

import pytest
from pycrdt import Doc, Map, Text


def run(qalam_bin, *args, env, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([qalam_bin, *args], input=stdin, capture_output=True, timeout=120, env=env)


@pytest.fixture
def env(tmp_path):
    environment = dict(os.environ)
    environment.pop("DATABASE_URL", None)
    environment["XDG_DATA_HOME"] = str(tmp_path / "data")
    environment["XDG_STATE_HOME"] = str(tmp_path / "state")
    return environment


def sqlite_path(env) -> str:
    return os.path.join(env["XDG_DATA_HOME"], "qalam", "qalam.sqlite3")


def stored_rows(env, document_id: str) -> list[bytes]:
    with sqlite3.connect(sqlite_path(env)) as db:
        return [row[0] for row in db.execute(
            "SELECT state FROM yjs_documents WHERE document_id = ? ORDER BY rowid", (document_id,))]


def text_of(states: list[bytes], root: str = "content") -> str:
    doc = Doc()
    for state in states:
        doc.apply_update(state)
    return str(doc.get(root, type=Text))


def test_migrate_is_idempotent_and_creates_the_schema(qalam_bin, env):
    for _ in range(2):
        result = run(qalam_bin, "db", "migrate", env=env)
        assert result.returncode == 0, result.stderr.decode()
        assert "up to date" in result.stdout.decode()
    with sqlite3.connect(sqlite_path(env)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"documents", "yjs_documents", "document_members", "qalam_schema_migrations"} <= tables
        # One row per schema version (1: documents, 2: members), each once.
        assert db.execute("SELECT count(*) FROM qalam_schema_migrations").fetchone()[0] == 2
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_import_export_round_trip_read_by_pycrdt(qalam_bin, env, tmp_path):
    text = "بسم الله\nHello 👋 world\r\nآخر سطر"
    source = tmp_path / "in.txt"
    source.write_bytes(text.encode("utf-8"))
    result = run(qalam_bin, "import", "chapter-1", str(source), env=env)
    assert result.returncode == 0, result.stderr.decode()

    exported = run(qalam_bin, "export", "chapter-1", env=env)
    assert exported.returncode == 0, exported.stderr.decode()
    assert exported.stdout == text.encode("utf-8")

    out = tmp_path / "out.txt"
    assert run(qalam_bin, "export", "chapter-1", "--output", str(out), env=env).returncode == 0
    assert out.read_bytes() == text.encode("utf-8")

    # The stored row is a Yjs update that yrs reads to the same text.
    with sqlite3.connect(sqlite_path(env)) as db:
        states = [row[0] for row in db.execute("SELECT y.state FROM yjs_documents y JOIN documents d "
                                               "ON d.id = y.document_id WHERE d.title = 'chapter-1'")]
    assert len(states) == 1
    assert text_of(states) == text


def test_import_from_stdin(qalam_bin, env):
    assert run(qalam_bin, "import", "piped", "-", env=env, stdin="من الأنبوب".encode()).returncode == 0
    assert run(qalam_bin, "export", "piped", env=env).stdout.decode() == "من الأنبوب"


def test_import_replaces_a_web_documents_text_and_keeps_its_other_types(qalam_bin, env, tmp_path):
    assert run(qalam_bin, "db", "migrate", env=env).returncode == 0
    doc_id = str(uuid.uuid4())
    web = Doc()
    web["content"] = content = Text("written in the browser")
    web["meta"] = meta = Map()
    meta["title"] = "Draft"
    with sqlite3.connect(sqlite_path(env)) as db:
        db.execute("INSERT INTO documents (id, title) VALUES (?, 'web')", (doc_id,))
        db.execute("INSERT INTO yjs_documents (document_id, state) VALUES (?, ?)", (doc_id, web.get_update()))
        # A second row, as a tool that appends instead of merging would leave.
        db.execute("INSERT INTO yjs_documents (document_id, state) VALUES (?, ?)",
                   (doc_id, Doc().get_update()))

    exported = run(qalam_bin, "export", doc_id, env=env)
    assert exported.stdout.decode() == "written in the browser"

    source = tmp_path / "new.txt"
    source.write_text("rewritten in the terminal", encoding="utf-8")
    result = run(qalam_bin, "import", doc_id, str(source), env=env)
    assert result.returncode == 0, result.stderr.decode()

    rows = stored_rows(env, doc_id)
    assert len(rows) == 1, "the save compacts the document to one row"
    web.apply_update(rows[0])
    assert str(content) == "rewritten in the terminal"
    assert meta.to_py() == {"title": "Draft"}


def test_invalid_utf8_is_refused_and_nothing_is_written(qalam_bin, env, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("kept", encoding="utf-8")
    assert run(qalam_bin, "import", "guarded", str(good), env=env).returncode == 0
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 latin-1")
    result = run(qalam_bin, "import", "guarded", str(bad), env=env)
    assert result.returncode != 0
    assert "UTF-8" in result.stderr.decode() and "offset 3" in result.stderr.decode()
    assert run(qalam_bin, "export", "guarded", env=env).stdout.decode() == "kept"


def test_export_of_an_unknown_document_fails_clearly(qalam_bin, env):
    result = run(qalam_bin, "export", "no-such-document", env=env)
    assert result.returncode != 0
    assert "never been saved" in result.stderr.decode()


def test_unknown_database_url_is_refused(qalam_bin, env):
    result = run(qalam_bin, "db", "migrate", "--database-url", "mysql://localhost/x", env=env)
    assert result.returncode != 0
    assert "cannot tell which database" in result.stderr.decode()


def concurrent_imports(qalam_bin, env, extra_args: list[str], tmp_path) -> tuple[str, list[str]]:
    """Eight processes replace one document's text at once."""
    texts = [f"version {i}: " + "كلمة word " * 50 for i in range(8)]
    files = []
    for i, text in enumerate(texts):
        path = tmp_path / f"v{i}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    name = f"contested-{uuid.uuid4()}"
    processes = [subprocess.Popen([qalam_bin, "import", name, f, *extra_args], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in files]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    exported = run(qalam_bin, "export", name, *extra_args, env=env)
    assert exported.returncode == 0, exported.stderr.decode()
    return exported.stdout.decode(), texts


def test_concurrent_imports_from_several_processes_serialize_sqlite(qalam_bin, env, tmp_path):
    assert run(qalam_bin, "db", "migrate", env=env).returncode == 0
    final, texts = concurrent_imports(qalam_bin, env, [], tmp_path)
    # Each import replaced exactly what was stored when it held the lock, so
    # the result is one whole version, never a splice of several.
    assert final in texts


@pytest.fixture
def postgres_url():
    url = os.environ.get("QALAM_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("QALAM_TEST_DATABASE_URL is not set: run under scripts/with-postgres.sh")
        pytest.skip("QALAM_TEST_DATABASE_URL is not set")
    return url


def test_postgres_migrate_import_export(qalam_bin, env, tmp_path, postgres_url):
    for _ in range(2):
        result = run(qalam_bin, "db", "migrate", "--database-url", postgres_url, env=env)
        assert result.returncode == 0, result.stderr.decode()
    source = tmp_path / "pg.txt"
    source.write_text("في قاعدة البيانات", encoding="utf-8")
    name = f"pg-{uuid.uuid4()}"
    env_with_url = dict(env, DATABASE_URL=postgres_url)
    assert run(qalam_bin, "import", name, str(source), env=env_with_url).returncode == 0
    exported = run(qalam_bin, "export", name, env=env_with_url)
    assert exported.stdout.decode() == "في قاعدة البيانات"
    assert not os.path.exists(sqlite_path(env)), "DATABASE_URL must keep qalam off the SQLite default"

    # yrs reads the bytea row the same way.
    query = subprocess.run(["psql", postgres_url, "-Atc",
                            "SELECT encode(y.state, 'hex') FROM yjs_documents y JOIN documents d "
                            f"ON d.id = y.document_id WHERE d.title = '{name}'"],
                           capture_output=True, timeout=60, check=True)
    rows = [bytes.fromhex(line) for line in query.stdout.decode().split()]
    assert len(rows) == 1
    assert text_of(rows) == "في قاعدة البيانات"


def test_concurrent_imports_from_several_processes_serialize_postgres(qalam_bin, env, tmp_path, postgres_url):
    assert run(qalam_bin, "db", "migrate", "--database-url", postgres_url, env=env).returncode == 0
    final, texts = concurrent_imports(qalam_bin, env, ["--database-url", postgres_url], tmp_path)
    assert final in texts
