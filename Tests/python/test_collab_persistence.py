"""Persistence end to end with real `qalam edit --headless` processes: saves that
survive kill -9, the crash journal replayed when the database was unreachable,
and five processes autosaving one document at once without losing an edit."""
import os
import socket
import threading
import time
import urllib.parse

import pytest

from test_collab_support import Editor, Machine, converged_text, free_port


def database_url():
    url = os.environ.get("QALAM_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("QALAM_TEST_DATABASE_URL is not set; run under scripts/with-postgres.sh")
        pytest.skip("QALAM_TEST_DATABASE_URL is not set (run under scripts/with-postgres.sh)")
    return url


class TcpProxy:
    """Forwards a local port to PostgreSQL; `stop()` makes the database unreachable
    (connections cut, new ones refused) without touching the server."""

    def __init__(self, target_host, target_port, port=0):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.sockets = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.running:
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self.sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.running = False
        # close() alone does not wake a thread blocked in accept(): the socket would
        # keep listening. shutdown() does.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


def via_proxy(url, proxy):
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    netloc = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
    query = parts.query + ("&" if parts.query else "") + "connect_timeout=3"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def test_saved_text_survives_kill_9_and_unsaved_text_comes_back_from_the_journal(qalam_bin, editors):
    machine = Machine()
    try:
        port = free_port()
        a = Editor(qalam_bin, "kill9", port, "a", machine)
        editors.append(a)
        a.append("محفوظ saved. ")
        a.save()
        a.append("typed after the save. ")
        time.sleep(0.5)  # more than the journal's 100 ms sync tick
        a.kill9()

        b = Editor(qalam_bin, "kill9", free_port(), "b", machine)
        editors.append(b)
        assert b.ready["text"] == "محفوظ saved. typed after the save. "
        assert b.quit() == 0
    finally:
        machine.cleanup()


def test_kill_9_with_the_database_unreachable_replays_the_journal(qalam_bin, editors):
    url = database_url()
    parts = urllib.parse.urlsplit(url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    machine = Machine()
    try:
        a = Editor(qalam_bin, "journal-replay", free_port(), "a", machine, database_url=via_proxy(url, proxy))
        editors.append(a)
        a.append("first, saved. ")
        a.save()

        proxy.stop()  # the database is gone from A's point of view
        a.append("typed while the database was unreachable. ")
        a.process.stdin.write('{"cmd":"save","id":"s2"}\n')
        a.process.stdin.flush()
        failed = a.wait_event(lambda e: e.get("id") == "s2", 60)
        assert failed["event"] == "error", f"a save without a database cannot succeed: {failed}"
        time.sleep(0.5)
        a.kill9()

        # Reopened with the database back: stored rows + the dead session's journal.
        b = Editor(qalam_bin, "journal-replay", free_port(), "b", machine, database_url=url)
        editors.append(b)
        assert b.ready["text"] == "first, saved. typed while the database was unreachable. "
        b.save()
        assert b.quit() == 0

        # And it was saved this time: a machine without the journal reads it from PostgreSQL.
        other = Machine()
        try:
            c = Editor(qalam_bin, "journal-replay", free_port(), "c", other, database_url=url)
            editors.append(c)
            assert c.ready["text"] == "first, saved. typed while the database was unreachable. "
            assert c.quit() == 0
        finally:
            other.cleanup()
    finally:
        proxy.stop()
        machine.cleanup()


def test_five_processes_autosaving_one_document_lose_no_edit(qalam_bin, editors):
    url = database_url()
    port = free_port()
    machines = [Machine() for _ in range(5)]
    try:
        group = []
        for i, machine in enumerate(machines):
            editor = Editor(qalam_bin, "five-writers", port, f"w{i}", machine, database_url=url, autosave_seconds=0.3)
            editors.append(editor)
            group.append(editor)
        words = {}
        for round_number in range(8):
            for i, editor in enumerate(group):
                word = f"w{i}r{round_number} "
                words[word] = i
                editor.insert(0, word)
            time.sleep(0.15)
        for editor in group:
            editor.wait_synced(60)
        final = converged_text(group, 60)
        assert all(word in final for word in words), final
        # Every editor autosaved at least once on its own, concurrently with the others.
        for editor in group:
            editor.seen_or_wait(lambda e: e.get("event") == "status" and e.get("save", "").startswith("saved at"), 60)
        for editor in group:
            assert editor.quit() == 0

        # A sixth machine, alone (another relay port), reads the document from PostgreSQL only.
        reader_machine = Machine()
        machines.append(reader_machine)
        reader = Editor(qalam_bin, "five-writers", free_port(), "reader", reader_machine, database_url=url)
        editors.append(reader)
        stored = reader.ready["text"]
        missing = [word for word in words if word not in stored]
        assert not missing, f"lost edits: {missing}"
        assert stored == final
        assert reader.quit() == 0
    finally:
        for machine in machines:
            machine.cleanup()


def test_the_editor_reads_an_sqlite_database_setting_as_the_other_commands_do(qalam_bin, editors):
    """`DATABASE_URL=sqlite:///path` (and a bare path ending in .sqlite3) names an SQLite
    file for `qalam edit` as for `export` and `serve`; the editor used to refuse it."""
    import subprocess

    machine = Machine()
    try:
        for setting in (f"sqlite://{machine.root}/elsewhere.sqlite3", os.path.join(machine.root, "bare.sqlite3")):
            a = Editor(qalam_bin, "elsewhere", free_port(), "a", machine, database_url=setting)
            editors.append(a)
            a.append("في ملف آخر, in another file")
            a.save()
            assert a.quit() == 0
            env = dict(os.environ, XDG_DATA_HOME=machine.data_home, XDG_STATE_HOME=machine.state_home,
                       DATABASE_URL=setting)
            exported = subprocess.run([qalam_bin, "export", "elsewhere"], env=env, capture_output=True)
            assert exported.returncode == 0, exported.stderr.decode()
            assert exported.stdout.decode() == "في ملف آخر, in another file"
        # The default file was never touched.
        assert not os.path.exists(os.path.join(machine.data_home, "qalam", "qalam.sqlite3"))
    finally:
        machine.cleanup()
