#!/usr/bin/env bash
# The harness for the RealtimeProtocol decoders: every Swift file of
# Sources/RealtimeProtocol.
# Usage: Fuzz/realtime-frames/build.sh OUTDIR (the binary is OUTDIR/fuzzer).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mapfile -t sources < <(find "$root/Sources/RealtimeProtocol" -name '*.swift' | LC_ALL=C sort)
exec "$here/../build-harness.sh" RealtimeFramesFuzz "${1:?usage: build.sh OUTDIR}" "$here/main.swift" "${sources[@]}"
