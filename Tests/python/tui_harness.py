"""Runs the real full-screen editor on a pseudo-terminal and reads its screen with
pyte, a VT emulator that does no bidi and no shaping (the "dumb terminal" case the
editor reorders and shapes for). See the terminal-text spec, section 4."""
import fcntl
import os
import pty
import resource
import select
import signal
import socket
import struct
import termios
import time

import pyte


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TUI:
    def __init__(self, argv, cols=80, rows=24, env=None):
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        # Every bottom line (the status bar) the screen showed after a read, in order: a
        # state that lasts a moment can be drawn and replaced between two checks.
        self.status_history = []
        self.exit_status = None
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            try:
                # A crash test must not leave a core file behind.
                resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
                full_env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
                full_env.pop("NO_COLOR", None)
                full_env.update(env or {})
                os.execvpe(argv[0], argv, full_env)
            finally:
                os._exit(127)
        self._winsz(rows, cols)

    def _winsz(self, rows, cols):
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def pump(self, quiet=0.3, limit=15.0):
        """Reads output until the app has been silent for `quiet` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], quiet)
            if not ready:
                return
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.raw.extend(data)
            self.stream.feed(data)
            status = self.line(self.screen.lines - 1)
            if not self.status_history or self.status_history[-1] != status:
                self.status_history.append(status)

    def wait_for(self, predicate, timeout=20.0):
        """Pumps until `predicate(self)` holds; returns whether it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            self.pump(quiet=0.2, limit=1.0)
        return predicate(self)

    def send(self, text, quiet=0.3):
        os.write(self.fd, text.encode() if isinstance(text, str) else text)
        self.pump(quiet=quiet)

    def resize(self, rows, cols):
        self.screen.resize(rows, cols)
        self._winsz(rows, cols)
        os.kill(self.pid, signal.SIGWINCH)
        self.pump()

    def line(self, y):
        return self.screen.display[y]

    def lines(self):
        return list(self.screen.display)

    def text(self):
        return "\n".join(line.rstrip() for line in self.screen.display)

    def cell(self, y, x):
        return self.screen.buffer[y][x]

    def wait_exit(self, timeout=20.0):
        if self.exit_status is not None:
            return self.exit_status
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(quiet=0.1, limit=0.5)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exit_status = status
                return status
        return None

    def close(self):
        if self.exit_status is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait_exit(10) is None:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        try:
            os.close(self.fd)
        except OSError:
            pass


# Key sequences as xterm sends them with keypad mode on (ncurses sends smkx).
KEYS = {
    "up": "\x1bOA", "down": "\x1bOB", "right": "\x1bOC", "left": "\x1bOD",
    "home": "\x1bOH", "end": "\x1bOF", "f1": "\x1bOP", "f2": "\x1bOQ",
    "ctrl_q": "\x11", "ctrl_s": "\x13", "ctrl_z": "\x1a", "ctrl_y": "\x19",
    "ctrl_f": "\x06", "ctrl_d": "\x04", "enter": "\r", "backspace": "\x7f", "esc": "\x1b",
}


def paste(text):
    return "\x1b[200~" + text + "\x1b[201~"


def click(row, col):
    """An SGR mouse click at 0-based (row, col)."""
    return f"\x1b[<0;{col + 1};{row + 1}M\x1b[<0;{col + 1};{row + 1}m"
