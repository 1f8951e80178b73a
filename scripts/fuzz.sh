#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of every decoder, for a bounded time each,
# from a fixed seed (the command and a crash's artifact reproduce a failure).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
seed=${2:-1}
status=0
for target in Fuzz/*/; do
    [[ -f "$target/build.sh" ]] || continue
    name=$(basename "$target")
    echo "fuzz: $name for ${seconds}s, seed $seed"
    bash "$target/build.sh" ".build-fuzz/$name"
    mkdir -p ".build-fuzz/$name/corpus"
    if ! ".build-fuzz/$name/fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 \
        ".build-fuzz/$name/corpus" "$target/seeds" >".build-fuzz/$name/log" 2>&1; then
        echo "fuzz: $name found a crash:"; tail -n 40 ".build-fuzz/$name/log"; status=1
    else
        grep -E '^Done|#[0-9]+.*DONE' ".build-fuzz/$name/log" | tail -n 1 || true
    fi
done
exit $status
