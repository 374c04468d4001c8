#!/usr/bin/env bash
# oml extract vs the same work in PyTorch-Python (bench/ref/extract_ref.py): PIL-equivalent decode,
# squash resize, normalisation and a vits16 with random weights over a few hundred real JPEGs, at
# 64 and 224 px, same thread count. Also checks that both produce the same embeddings, and times
# --precision bf16 against fp32 (speed and cosine similarity).
set -euo pipefail
# Both sides wait passively: OpenMP spin-waits on a shared 2-core machine slow whichever side
# meets a busy neighbour by up to 8x (docs/benchmarks.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
OML=${OML_BUILD_DIR:-build}/oml
WORK=${BENCH_WORK:-bench/out}/extract
THREADS=${BENCH_THREADS:-$(nproc)}
REPEATS=${BENCH_REPEATS:-5}
PY=/usr/bin/python3
[ -x "$OML" ] || { echo "extract bench: $OML not built"; exit 1; }
[ -f "$WORK/df.csv" ] || "$PY" bench/ref/extract_ref.py --prepare "$WORK"
# 224 px runs on the first ROWS_224 images (default 128) to keep five alternating repeats short.
head -n $((${ROWS_224:-128} + 1)) "$WORK/df.csv" > "$WORK/df224.csv"
for SIZE in 64 224; do
  CSV=$WORK/df.csv
  [ "$SIZE" = 224 ] && CSV=$WORK/df224.csv
  N=$(($(wc -l < "$CSV") - 1))
  "$OML" extract --csv "$CSV" --weights "$WORK/vits16.pth" --size $SIZE --threads "$THREADS" --out "$WORK/ours_$SIZE.npy" 2>/dev/null
  "$PY" bench/ref/extract_ref.py --csv "$CSV" --weights "$WORK/vits16.pth" --size $SIZE --threads "$THREADS" --out "$WORK/ref_$SIZE.npy"
  AGREE=$("$PY" bench/ref/extract_ref.py --compare "$WORK/ours_$SIZE.npy" "$WORK/ref_$SIZE.npy")
  echo "extract $SIZE px fp32 vs PyTorch: $AGREE"
  python3 bench/compare.py --name "extract vits16 ${SIZE}px ($N JPEGs)" --repeats "$REPEATS" --threads "$THREADS" \
    --items "$N" --unit images --note "$AGREE" \
    --ours "$OML extract --csv $CSV --weights $WORK/vits16.pth --size $SIZE --threads $THREADS --out $WORK/ours_$SIZE.npy" \
    --ref "$PY bench/ref/extract_ref.py --csv $CSV --weights $WORK/vits16.pth --size $SIZE --threads $THREADS --out $WORK/ref_$SIZE.npy"
done
# bf16 vs fp32, both ours.
"$OML" extract --csv "$WORK/df224.csv" --weights "$WORK/vits16.pth" --threads "$THREADS" --precision bf16 --out "$WORK/ours_bf16.npy" 2>/dev/null
AGREE=$("$PY" bench/ref/extract_ref.py --compare "$WORK/ours_bf16.npy" "$WORK/ours_224.npy")
echo "extract 224 px bf16 vs fp32: $AGREE"
python3 bench/compare.py --name "extract vits16 224px bf16 vs fp32 (both oml.cpp, $N JPEGs)" --repeats "$REPEATS" \
  --threads "$THREADS" --items "$N" --unit images --note "bf16 vs fp32: $AGREE" \
  --ours "$OML extract --csv $WORK/df224.csv --weights $WORK/vits16.pth --threads $THREADS --precision bf16 --out $WORK/ours_bf16.npy" \
  --ref "$OML extract --csv $WORK/df224.csv --weights $WORK/vits16.pth --threads $THREADS --out $WORK/ours_224.npy"
