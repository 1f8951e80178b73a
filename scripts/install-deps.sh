#!/usr/bin/env bash
# Installs what Qalam builds against (Debian packages) and, with --test, what the
# test suite needs besides: PostgreSQL, tmux, fribidi's command-line tool, and the
# Python reference peers (pycrdt, realtime, …) in a virtual environment, .venv/,
# that this script creates. Nothing is pip-installed into the system Python.
# Safe to run again: it installs only what is missing. Uses sudo when not root.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[install-deps %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

if ! command -v swift >/dev/null 2>&1; then
    cat >&2 <<'MSG'
install-deps: no Swift toolchain on PATH. Qalam needs Swift 6.0 or newer:
  download the Debian 12 toolchain from https://www.swift.org/install/linux/
  (or use swiftly: https://www.swift.org/install/linux/#with-swiftly), unpack it,
  and put its usr/bin on PATH. README.md, "Before you start", has the steps.
MSG
    exit 1
fi

packages=(pkg-config libncurses-dev libfribidi-dev libsqlite3-dev libpq-dev)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(postgresql postgresql-contrib tmux libfribidi-bin python3 python3-venv git)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || { echo "install-deps: run as root or install sudo; missing: ${missing[*]}" >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    say "apt-get install ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--test" ]]; then
    if [[ ! -x .venv/bin/python3 ]]; then
        say "creating the Python virtual environment .venv/"
        python3 -m venv .venv
    fi
    say "pip install -r Tests/python/requirements.txt into .venv/"
    .venv/bin/python3 -m pip install --disable-pip-version-check -q -r Tests/python/requirements.txt
fi
say "done"
