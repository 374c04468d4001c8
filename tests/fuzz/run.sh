#!/usr/bin/env bash
# Runs every libFuzzer harness of BUILD_DIR for SECONDS each (`make fuzz FUZZ_SECONDS=N`), one
# after the other, and prints one summary line per harness: executions, coverage (cov: edges,
# ft: features), corpus size, and whether it found a crash. New inputs go to BUILD_DIR/fuzz/corpus
# (the committed seeds in tests/fuzz/corpus stay as they are); a crashing input is written to
# BUILD_DIR/fuzz/artifacts and fails the run. Usage: run.sh BUILD_DIR SECONDS [harness...]
set -uo pipefail
build_dir=${1:?build dir}
seconds=${2:?seconds per harness}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(csv npy checkpoint image post_spec search_results idx)
fi
mkdir -p "$build_dir/fuzz/artifacts" "$build_dir/fuzz/logs"
failed=()
for name in "${harnesses[@]}"; do
  binary="$build_dir/tests/fuzz/fuzz_$name"
  corpus="$build_dir/fuzz/corpus/$name"
  log="$build_dir/fuzz/logs/$name.log"
  mkdir -p "$corpus"
  dict=()
  [ -f "$here/dict/$name.dict" ] && dict=("-dict=$here/dict/$name.dict")
  # One job, 2 GB RSS and malloc limits (libFuzzer's defaults, stated), 10 s per input: a hostile
  # input that needs more is a finding (bounded allocations), not noise. FUZZ_TIMEOUT raises the
  # per-input limit for long runs on a machine shared with other work (a starved fuzzer's wall
  # time is not its input's cost).
  LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0" \
    "$binary" "$corpus" "$here/corpus/$name" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 -artifact_prefix="$build_dir/fuzz/artifacts/$name-" \
    >"$log" 2>&1
  status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
  units=$(ls "$corpus" | wc -l)
  result=ok
  if [ $status -ne 0 ]; then
    result="FAILED (exit $status, see $log)"
    failed+=("$name")
  fi
  printf 'fuzz %-15s %4ss  execs %-10s cov %-6s ft %-6s corpus %-5s %s\n' "$name" "$seconds" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "$units" "$result"
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: crashes or errors in: ${failed[*]} (inputs under $build_dir/fuzz/artifacts)"
  exit 1
fi
