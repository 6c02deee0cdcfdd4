#!/bin/sh
# Regenerates the two pictures the README shows, in docs/img/, from the classroom demo (the
# baseline scenario and the arena experiment, fixed seed, so the pictures change only when the
# model or the charts do). Run from anywhere: scripts/readme-images.sh
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cargo run --release --quiet -- demo --quiet --out "$out/demo" >/dev/null
mkdir -p docs/img
cp "$out/demo/baseline/fan_frail_elderly.png" docs/img/fan_frail_elderly.png
cp "$out/demo/arenas/arenas.png" docs/img/arenas.png
echo "docs/img/fan_frail_elderly.png and docs/img/arenas.png regenerated"
