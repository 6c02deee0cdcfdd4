#!/bin/sh
# Issue 14's check for a change that alters outputs for a fixed seed: runs SCENARIO with the build
# before (BEFORE_BIN) and the build after (AFTER_BIN), BATCHES seeds each (default 20) of REPS
# replications (default 250: 5,000 a side), into OUT/before/sN and OUT/after/sN, then compares them
# with examples/same_distribution.rs (replication-level tests pooled over the batches, survey
# shares over the batches; Holm at family-wise alpha 0.01).
#
#   scripts/same-distribution.sh BEFORE_BIN AFTER_BIN SCENARIO OUT [BATCHES] [REPS]
#
# Before uses seeds 1..BATCHES and after 1000001..1000000+BATCHES, so the two sides never share a
# stream and the samples are independent, as the two-sample tests assume. OUT must be new or
# empty: stale batches from an earlier call would be pooled in. SAME_DISTRIBUTION may name a built
# example binary; otherwise it is built with cargo from this checkout. Exit 0 when no output
# differs, 1 when one does, 2 on bad input.
set -eu
usage() {
    echo "usage: scripts/same-distribution.sh BEFORE_BIN AFTER_BIN SCENARIO OUT [BATCHES] [REPS]" >&2
    exit 2
}
if [ $# -lt 4 ] || [ $# -gt 6 ]; then usage; fi
before_bin=$1 after_bin=$2 scenario=$3 out=$4
batches=${5:-20} reps=${6:-250}
for bin in "$before_bin" "$after_bin"; do
    if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
        echo "error: $bin: not an executable file" >&2
        exit 2
    fi
done
[ -f "$scenario" ] || { echo "error: $scenario: no such scenario file" >&2; exit 2; }
case $batches in '' | *[!0-9]*) echo "error: BATCHES must be a whole number, found \`$batches\`" >&2; exit 2 ;; esac
case $reps in '' | *[!0-9]*) echo "error: REPS must be a whole number, found \`$reps\`" >&2; exit 2 ;; esac
[ "$batches" -ge 2 ] || { echo "error: BATCHES must be at least 2 (the survey's test needs 2 a side), found $batches" >&2; exit 2; }
[ "$reps" -ge 1 ] || { echo "error: REPS must be at least 1, found $reps" >&2; exit 2; }
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
    echo "error: $out: not empty; choose a new folder (earlier batches would be pooled in)" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
compare=${SAME_DISTRIBUTION:-}
if [ -z "$compare" ]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" --example same_distribution
    compare=$root/target/release/examples/same_distribution
fi
mkdir -p "$out/before" "$out/after"
n=1
while [ "$n" -le "$batches" ]; do
    "$before_bin" run "$scenario" -n "$reps" --seed "$n" --threads 2 --no-plots -q \
        --out "$out/before/s$n" >/dev/null
    "$after_bin" run "$scenario" -n "$reps" --seed "$((1000000 + n))" --threads 2 --no-plots -q \
        --out "$out/after/s$n" >/dev/null
    n=$((n + 1))
done
exec "$compare" "$out/before" "$out/after" --alpha 0.01
