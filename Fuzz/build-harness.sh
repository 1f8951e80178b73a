#!/usr/bin/env bash
# Builds one libFuzzer harness: the given Swift sources plus the harness's
# main.swift, compiled as one module with the fuzzer and address sanitizers,
# into OUTDIR/fuzzer. Each Fuzz/<target>/build.sh names its module and sources
# and calls this; scripts/fuzz.sh builds and runs every target.
# Usage: Fuzz/build-harness.sh MODULE OUTDIR MAIN.swift SOURCE.swift...
set -euo pipefail
module=${1:?usage: build-harness.sh MODULE OUTDIR MAIN SOURCE...}
out=${2:?usage: build-harness.sh MODULE OUTDIR MAIN SOURCE...}
main=${3:?usage: build-harness.sh MODULE OUTDIR MAIN SOURCE...}
shift 3
if [[ $# -eq 0 ]]; then
    echo "build-harness.sh: no sources for $module" >&2
    exit 1
fi
for source in "$main" "$@"; do
    [[ -f "$source" ]] || { echo "build-harness.sh: $source is missing" >&2; exit 1; }
done
swiftc=$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)
# gold prints a warning per ASan symbol it cannot export; lld, shipped with the
# toolchain, links the same binary quietly.
linker=()
if [[ -x "$(dirname "$swiftc")/ld.lld" ]]; then linker=(-use-ld=lld); fi
mkdir -p "$out"
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -g -swift-version 5 "${linker[@]}" \
    -module-name "$module" "$@" "$main" -o "$out/fuzzer"
