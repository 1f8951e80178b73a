#!/usr/bin/env bash
# Installs the Debian packages Qalam builds against and, with --test, what the
# test suite needs besides (PostgreSQL, tmux, the Python reference peers).
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(pkg-config libncurses-dev libfribidi-dev libsqlite3-dev libpq-dev)
if [[ "${1:-}" == "--test" ]]; then
    packages+=(postgresql postgresql-contrib tmux libfribidi-bin python3-pip)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo_cmd=""
    [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

if [[ "${1:-}" == "--test" ]]; then
    python3 -m pip install -q -r Tests/python/requirements.txt
fi
