#!/usr/bin/env bash
# Builds the libFuzzer binary OUTDIR/fuzzer for the RealtimeProtocol decoders.
# Usage: Fuzz/realtime-frames/build.sh OUTDIR   (scripts/fuzz.sh runs it)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: build.sh OUTDIR}"
mkdir -p "$out"
swiftc -sanitize=fuzzer,address -parse-as-library -O -g -use-ld=lld \
    -module-name RealtimeFramesFuzz \
    "$root"/Sources/RealtimeProtocol/*.swift "$here/main.swift" \
    -o "$out/fuzzer"
