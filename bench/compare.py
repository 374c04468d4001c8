#!/usr/bin/env python3
"""Times an oml.cpp command against a reference command in the same run.

Runs the two commands alternately N times, records wall time and peak RSS of each run
(os.wait4 on the child), prints medians and the speed/memory ratios, and appends one row to
docs/benchmarks.md. Standard library only, so any python3 can run it.

  bench/compare.py --name "knn 60k" --repeats 5 --ours "build/oml evaluate ..." \
                   --ref "/usr/bin/python3 bench/ref/knn_dense.py ..." [--items 60000 --unit queries]
"""
import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time


def run_once(command, env):
    start = time.perf_counter()
    proc = subprocess.Popen(command, shell=True, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"benchmark command failed (exit {code}): {command}\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024.0  # ru_maxrss is KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--ours", required=True)
    parser.add_argument("--ref", required=True)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--items", type=float, default=0, help="work items per run, for a throughput column")
    parser.add_argument("--unit", default="items")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--table", default=os.path.join(os.path.dirname(__file__), "..", "docs", "benchmarks.md"))
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env["OMP_NUM_THREADS"] = str(args.threads)
    ours, ref = [], []
    for _ in range(args.repeats):
        ours.append(run_once(args.ours, env))
        ref.append(run_once(args.ref, env))
    ours_t = statistics.median(t for t, _ in ours)
    ref_t = statistics.median(t for t, _ in ref)
    ours_m = max(m for _, m in ours)
    ref_m = max(m for _, m in ref)
    speedup = ref_t / ours_t if ours_t > 0 else float("inf")
    mem_ratio = ours_m / ref_m if ref_m > 0 else float("nan")
    rate = ""
    if args.items:
        rate = f"{args.items / ours_t:.1f} vs {args.items / ref_t:.1f} {args.unit}/s"
    print(f"{args.name}: oml.cpp {ours_t:.3f}s (peak {ours_m:.0f} MiB), reference {ref_t:.3f}s "
          f"(peak {ref_m:.0f} MiB): {speedup:.2f}x faster, {mem_ratio:.3f}x memory {rate}")

    table = os.path.abspath(args.table)
    header = ("| date | benchmark | repeats | threads | oml.cpp median s | reference median s | speed-up | "
              "oml.cpp peak MiB | reference peak MiB | memory ratio | throughput (ours vs ref) | note |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    new_file = not os.path.exists(table)
    with open(table, "a", encoding="utf-8") as out:
        if new_file:
            out.write("# Benchmarks\n\nAppended by `make bench` (bench/compare.py): medians of alternating runs "
                      "of oml.cpp and the reference in the same run.\n\n" + header)
        out.write(f"| {datetime.date.today()} | {args.name} | {args.repeats} | {args.threads} | {ours_t:.3f} | "
                  f"{ref_t:.3f} | {speedup:.2f}x | {ours_m:.0f} | {ref_m:.0f} | {mem_ratio:.3f} | {rate} | "
                  f"{args.note.replace('|', chr(92) + '|')} |\n")


if __name__ == "__main__":
    main()
