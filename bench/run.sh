#!/usr/bin/env bash
# make bench: Google Benchmark kernels, then every bench/cases/*.sh (each times an oml.cpp command
# against a PyTorch-Python / FAISS reference with bench/compare.py and appends to docs/benchmarks.md).
# BENCH_FILTER=<regex> limits the cases; BENCH_REPEATS overrides the repeat count.
set -euo pipefail
cd "$(dirname "$0")/.."
export OML_BUILD_DIR=${OML_BUILD_DIR:-build}
export BENCH_REPEATS=${BENCH_REPEATS:-5}
export BENCH_WORK=${BENCH_WORK:-bench/out}
mkdir -p "$BENCH_WORK"
if [ -x "$OML_BUILD_DIR/bench/bench_kernels" ]; then
  "$OML_BUILD_DIR/bench/bench_kernels" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
fi
for case_script in bench/cases/*.sh; do
  [ -e "$case_script" ] || continue
  if [ -n "${BENCH_FILTER:-}" ] && ! [[ "$case_script" =~ $BENCH_FILTER ]]; then continue; fi
  echo "== $case_script"
  bash "$case_script"
done
