#!/usr/bin/env bash
# Distributed runs on this machine (docs/distributed.md, "Measured"): wall time and peak RSS of
#   (a) oml search over a synthetic 1M-row gallery (D=DIST_DIM, default 128; the first
#       DIST_QUERIES rows, default 2000, are also queries): 1 process × 2 threads vs a torchrun job
#       of 2 processes × 1 thread, checking that both write the same CSV;
#   (b) oml extract of DIST_IMAGES (default 128) fixture images with a random resnet18 at 128 px:
#       1 × 2 threads vs 2 × 1 thread, checking that the .npy files are byte-identical.
# Peak RSS per process comes from /usr/bin/time -f %M (torchrun starts it as the worker program).
set -euo pipefail
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
OML=$(realpath "${OML_BUILD_DIR:-build}/oml")
WORK=${BENCH_WORK:-bench/out}/distributed
ROWS=${DIST_ROWS:-1000000}
DIM=${DIST_DIM:-128}
QUERIES=${DIST_QUERIES:-2000}
IMAGES=${DIST_IMAGES:-128}
PY=/usr/bin/python3
TIME="/usr/bin/time -f"
mkdir -p "$WORK"

if [ ! -f "$WORK/search_${ROWS}.csv" ]; then
  "$PY" - "$WORK" "$ROWS" "$DIM" "$QUERIES" <<'PYEOF'
import sys
import numpy as np
work, rows, dim, queries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(0)
np.save(f"{work}/search_{rows}.npy", rng.standard_normal((rows, dim), dtype=np.float32))
with open(f"{work}/search_{rows}.csv", "w") as f:
    f.write("label,path,split,is_query,is_gallery\n")
    for r in range(rows):
        f.write(f"{r % 1000},x{r}.jpg,validation,{'True' if r < queries else 'False'},True\n")
PYEOF
fi
SEARCH="search --csv $WORK/search_${ROWS}.csv --embeddings $WORK/search_${ROWS}.npy --top-k 10"
echo "== search: $QUERIES queries x $ROWS galleries, D=$DIM"
$TIME "1 process x 2 threads: %e s, peak %M KB" "$OML" $SEARCH --threads 2 --out "$WORK/one.csv" 2>&1 | grep peak
scripts/oml-torchrun --standalone --nproc_per_node=2 --log_dir="$WORK/logs_search" \
  $TIME "rank of 2 x 1 thread: %e s, peak %M KB" "$OML" $SEARCH --threads 1 --out "$WORK/two.csv" 2>&1 | grep peak
cmp "$WORK/one.csv" "$WORK/two.csv" && echo "search: identical CSV"

if [ ! -f "$WORK/extract.csv" ]; then
  "$PY" tests/fixtures/make_resnet_reference.py make resnet18 "$WORK/r18.pth"
  {
    echo "label,path,split,is_query,is_gallery"
    for i in $(seq 0 $((IMAGES - 1))); do
      case $((i % 4)) in 0) p=board.jpg ;; 1) p=flower.jpg ;; 2) p=photo.bmp ;; 3) p=gray.jpg ;; esac
      echo "$((i % 8)),$p,validation,True,True"
    done
  } > "$WORK/extract.csv"
fi
EXTRACT="extract --csv $WORK/extract.csv --root tests/fixtures/images --arch resnet18 --weights $WORK/r18.pth --size 128 --batch-size 16"
echo "== extract: $IMAGES images, resnet18 at 128 px"
$TIME "1 process x 2 threads: %e s, peak %M KB" "$OML" $EXTRACT --threads 2 --out "$WORK/one.npy" 2>&1 | grep peak
scripts/oml-torchrun --standalone --nproc_per_node=2 --log_dir="$WORK/logs_extract" \
  $TIME "rank of 2 x 1 thread: %e s, peak %M KB" "$OML" $EXTRACT --threads 1 --out "$WORK/two.npy" 2>&1 | grep peak
"$OML" $EXTRACT --threads 1 --out "$WORK/one_t1.npy" 2>/dev/null
cmp "$WORK/one_t1.npy" "$WORK/two.npy" && echo "extract: byte-identical to 1 process x 1 thread"
cmp "$WORK/one.npy" "$WORK/two.npy" && echo "extract: byte-identical to 1 process x 2 threads" || true
