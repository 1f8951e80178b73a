#!/usr/bin/env bash
# Builds the libFuzzer harness for YCRDT's decoders: every Swift file of
# Sources/YCRDT (recursively) plus main.swift, compiled as one module with the
# fuzzer and address sanitizers. Usage: Fuzz/update-decoder/build.sh OUTDIR
# (scripts/fuzz.sh builds and runs it; the binary is OUTDIR/fuzzer).
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
swiftc=$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)
mkdir -p "$out"
mapfile -t sources < <(find "$root/Sources/YCRDT" -name '*.swift' | LC_ALL=C sort)
if [[ ${#sources[@]} -eq 0 ]]; then
    echo "build.sh: no Swift sources under $root/Sources/YCRDT" >&2
    exit 1
fi
# gold prints a warning per ASan symbol it cannot export; lld, shipped with the
# toolchain, links the same binary quietly.
linker=()
if [[ -x "$(dirname "$swiftc")/ld.lld" ]]; then linker=(-use-ld=lld); fi
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -swift-version 5 "${linker[@]}" \
    -module-name YCRDTFuzz "${sources[@]}" "$here/main.swift" -o "$out/fuzzer"
