#!/usr/bin/env bash
# Runs the sanitized test suites of BUILD_DIR (make sanitize): any ASan, UBSan or TSan report fails the run.
set -euo pipefail
build_dir=$1
shift
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$(cd "$(dirname "$0")" && pwd)/tsan.supp}
for suite in "$@"; do
  echo "== sanitized: test_$suite"
  start=$(date +%s)
  (cd "$build_dir" && "tests/test_$suite" --gtest_brief=1)
  echo "== test_$suite passed sanitized in $(($(date +%s) - start)) s"
done
