#!/usr/bin/env bash
# Builds the libFuzzer harness for the crash journal's record decoder: the
# dependency-free framing of Sources/Persistence (JournalFormat.swift, CRC32.swift)
# plus main.swift, compiled as one module with the fuzzer and address sanitizers.
# Usage: Fuzz/journal-records/build.sh OUTDIR (scripts/fuzz.sh builds and runs it;
# the binary is OUTDIR/fuzzer).
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
swiftc=$(command -v swiftc || echo /opt/swift/usr/bin/swiftc)
mkdir -p "$out"
sources=("$root/Sources/Persistence/JournalFormat.swift" "$root/Sources/Persistence/CRC32.swift")
for source in "${sources[@]}"; do
    [[ -f "$source" ]] || { echo "build.sh: $source is missing" >&2; exit 1; }
done
linker=()
if [[ -x "$(dirname "$swiftc")/ld.lld" ]]; then linker=(-use-ld=lld); fi
"$swiftc" -sanitize=fuzzer,address -parse-as-library -O -swift-version 5 "${linker[@]}" \
    -module-name JournalFuzz "${sources[@]}" "$here/main.swift" -o "$out/fuzzer"
