#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of every decoder, for a bounded time each.
# The seed printed is the one libFuzzer gets (-seed=), so the same command on the
# same corpus repeats the run; a crash also leaves its input as an artifact.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
seed=${2:-1}
status=0
for target in Fuzz/*/; do
    [[ -f "$target/build.sh" ]] || continue
    name=$(basename "$target")
    echo "fuzz: $name for ${seconds}s, -seed=$seed (building the harness first)"
    bash "$target/build.sh" ".build-fuzz/$name"
    # A fresh corpus each run: the same seed over the same seeds/ repeats the run.
    rm -rf ".build-fuzz/$name/corpus"
    mkdir -p ".build-fuzz/$name/corpus"
    if ! ".build-fuzz/$name/fuzzer" -seed="$seed" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -artifact_prefix=".build-fuzz/$name/" \
        ".build-fuzz/$name/corpus" "$target/seeds" >".build-fuzz/$name/log" 2>&1; then
        echo "fuzz: $name found a crash (reproduce: scripts/fuzz.sh $seconds $seed):"; tail -n 40 ".build-fuzz/$name/log"; status=1
    else
        grep -E '^Done|#[0-9]+.*DONE' ".build-fuzz/$name/log" | tail -n 1 || true
    fi
done
exit $status
