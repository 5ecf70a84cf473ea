#!/usr/bin/env bash
# The proof that the tests do not flake under load (issue 14): runs .ci/run in a fresh clone of
# this checkout's HEAD while two busy loops keep both CPUs of the machine busy, and prints the
# outcome. Usage: bash scripts/ci-under-load.sh [runs] (default 1; stops at the first failure).
set -uo pipefail
runs="${1:-1}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
for run in $(seq 1 "$runs"); do
  clone="$(mktemp -d)"
  git clone --quiet "$repo" "$clone"
  ( while :; do :; done ) &
  first=$!
  ( while :; do :; done ) &
  second=$!
  started=$(date +%s)
  (cd "$clone" && CI=true bash .ci/run > "$clone.log" 2>&1)
  code=$?
  kill "$first" "$second"
  echo "run $run of $runs, $(git -C "$clone" rev-parse --short HEAD): exit $code after $(($(date +%s) - started)) s; $(grep -E '^ℹ (pass|fail)' "$clone.log" | tr '\n' ' ')(log: $clone.log)"
  [ "$code" -eq 0 ] || exit "$code"
  rm -rf "$clone"
done
