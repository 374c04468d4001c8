#!/usr/bin/env bash
# Start-up of the commands that need no model (issue 18, item 5): the light front `oml` against
# `oml-full`, which links libtorch and OpenCV as the single binary before the split did, on the
# same command lines: --version, validate, evaluate and search on 300 rows × D=64 (a few ms of
# work, so the figure is the start-up). Target: <= 50 ms for the front.
set -euo pipefail
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
BUILD=${OML_BUILD_DIR:-build}
REPEATS=${BENCH_REPEATS:-10}
[ -x "$BUILD/oml" ] && [ -x "$BUILD/oml-full" ] || { echo "startup bench: $BUILD/oml or oml-full not built"; exit 1; }

WORK=${BENCH_WORK:-bench/out}/startup
if [ ! -f "$WORK/e.npy" ]; then
  mkdir -p "$WORK/img"
  /usr/bin/python3 - "$WORK" <<'PY'
import os, sys
import numpy as np
work = sys.argv[1]
rows = ["label,path,split,is_query,is_gallery"]
for i in range(300):
    open(os.path.join(work, "img", f"{i}.jpg"), "wb").close()  # validate checks existence only
    rows.append(f"{i % 30},img/{i}.jpg,validation,True,True")
open(os.path.join(work, "df.csv"), "w").write("\n".join(rows) + "\n")
np.save(os.path.join(work, "e.npy"), np.random.default_rng(0).standard_normal((300, 64)).astype(np.float32))
PY
fi

declare -A COMMANDS=(
  [version]="--version"
  [validate]="validate --csv $WORK/df.csv"
  [evaluate]="evaluate --csv $WORK/df.csv --embeddings $WORK/e.npy --threads 1"
  [search]="search --csv $WORK/df.csv --embeddings $WORK/e.npy --threads 1 --out $WORK/r.csv"
)
for name in version validate evaluate search; do
  python3 bench/compare.py --name "start-up: oml ${COMMANDS[$name]%% *} (light front) vs oml-full (libtorch + OpenCV)" \
    --repeats "$REPEATS" --threads 1 --note "300 rows, D=64" \
    --ours "$BUILD/oml ${COMMANDS[$name]}" --ref "$BUILD/oml-full ${COMMANDS[$name]}"
done
