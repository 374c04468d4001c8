#!/usr/bin/env bash
# oml evaluate / oml search vs (a) a dense PyTorch reference doing what OML 2.x does (full Q×G
# cdist + masks + topk, then metrics) and (b) FAISS IndexFlatL2 for the kNN part, on synthetic
# SOP-like data (every row query and gallery, D=384). Sizes: RETRIEVAL_ROWS (default 30000: the
# dense reference needs ~4·N² bytes plus masks, 60k² would not fit this 23 GiB machine).
# BENCH_LARGE=1 adds 10k queries × 1M galleries (ours vs FAISS only; dense would need 40 GB).
# Also reports HNSW build time, queries/s and recall@10 against exact search.
set -euo pipefail
# Both sides wait passively: OpenMP spin-waits on a shared 2-core machine slow whichever side
# meets a busy neighbour by up to 8x (docs/benchmarks.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
OML=${OML_BUILD_DIR:-build}/oml
THREADS=${BENCH_THREADS:-$(nproc)}
REPEATS=${BENCH_REPEATS:-5}
ROWS=${RETRIEVAL_ROWS:-30000}
PY=/usr/bin/python3
REF=bench/ref/retrieval_ref.py
[ -x "$OML" ] || { echo "retrieval bench: $OML not built"; exit 1; }

WORK=${BENCH_WORK:-bench/out}/retrieval_$ROWS
[ -f "$WORK/df.csv" ] || "$PY" $REF --prepare "$WORK" --rows "$ROWS" --dim 384
# The dense reference holds the Q×G matrix and its masks (~6·N² bytes): above DENSE_MAX_ROWS
# (default 30000) it would not fit this machine's memory, so only FAISS is compared there.
if [ "$ROWS" -le "${DENSE_MAX_ROWS:-30000}" ]; then
  "$OML" evaluate --csv "$WORK/df.csv" --embeddings "$WORK/emb.npy" --threads "$THREADS" --json "$WORK/ours.json" >/dev/null 2>&1
  "$PY" $REF --dense "$WORK" --json "$WORK/ref.json"
  AGREE=$("$PY" $REF --check-metrics "$WORK/ours.json" "$WORK/ref.json")
  echo "evaluate ${ROWS}x${ROWS}: $AGREE"
  python3 bench/compare.py --name "evaluate SOP-like ${ROWS}x${ROWS} D=384 vs dense PyTorch (OML 2.x)" \
    --repeats "$REPEATS" --threads "$THREADS" --items "$ROWS" --unit queries --note "$AGREE" \
    --ours "$OML evaluate --csv $WORK/df.csv --embeddings $WORK/emb.npy --threads $THREADS --json $WORK/ours.json" \
    --ref "$PY $REF --dense $WORK --json $WORK/ref.json"
else
  echo "evaluate ${ROWS}x${ROWS}: dense reference skipped (needs ~$((6 * ROWS * ROWS / 1000000000)) GB)"
  /usr/bin/time -f "oml evaluate ${ROWS}x${ROWS}: %e s, peak %M KB" \
    "$OML" evaluate --csv "$WORK/df.csv" --embeddings "$WORK/emb.npy" --threads "$THREADS" --json "$WORK/ours.json" >/dev/null
fi

"$OML" search --csv "$WORK/df.csv" --embeddings "$WORK/emb.npy" --top-k 10 --threads "$THREADS" --out "$WORK/ours.csv" 2>/dev/null
"$PY" $REF --faiss "$WORK" --top-k 10 --out "$WORK/faiss.npy"
AGREE=$("$PY" $REF --check-knn "$WORK/ours.csv" "$WORK/faiss.npy")
echo "search ${ROWS}x${ROWS} vs FAISS: $AGREE"
python3 bench/compare.py --name "search top-10 ${ROWS}x${ROWS} D=384 vs FAISS IndexFlatL2" \
  --repeats "$REPEATS" --threads "$THREADS" --items "$ROWS" --unit queries --note "$AGREE" \
  --ours "$OML search --csv $WORK/df.csv --embeddings $WORK/emb.npy --top-k 10 --threads $THREADS --out $WORK/ours.csv" \
  --ref "$PY $REF --faiss $WORK --top-k 10 --out $WORK/faiss.npy"

# HNSW vs exact (both ours): build + search time, recall@10 (BENCH_HNSW=0 skips it).
if [ "${BENCH_HNSW:-1}" = "1" ]; then
  "$OML" search --csv "$WORK/df.csv" --embeddings "$WORK/emb.npy" --top-k 10 --threads "$THREADS" --index hnsw \
    --out "$WORK/hnsw.csv" 2>"$WORK/hnsw.log"
  RECALL=$("$PY" -c "
import numpy as np
a = np.loadtxt('$WORK/ours.csv', delimiter=',', skiprows=1)[:, [0, 2]].astype(int)
b = np.loadtxt('$WORK/hnsw.csv', delimiter=',', skiprows=1)[:, [0, 2]].astype(int)
exact = {}
for q, g in a: exact.setdefault(q, set()).add(g)
print(f'recall@10 {np.mean([g in exact[q] for q, g in b]):.4f}')")
  echo "hnsw ${ROWS}: $RECALL; $(grep -h 'hnsw build' "$WORK/hnsw.log" | tail -1)"
  python3 bench/compare.py --name "search top-10 ${ROWS}x${ROWS} --index hnsw (M=16, ef=100) vs exact (both oml.cpp)" \
    --repeats "$REPEATS" --threads "$THREADS" --items "$ROWS" --unit queries --note "$RECALL" \
    --ours "$OML search --csv $WORK/df.csv --embeddings $WORK/emb.npy --top-k 10 --threads $THREADS --index hnsw --out $WORK/hnsw.csv" \
    --ref "$OML search --csv $WORK/df.csv --embeddings $WORK/emb.npy --top-k 10 --threads $THREADS --out $WORK/ours.csv"
fi

if [ "${BENCH_LARGE:-0}" = "1" ]; then
  BIG=${BENCH_WORK:-bench/out}/retrieval_10k_1m
  [ -f "$BIG/df.csv" ] || "$PY" $REF --prepare "$BIG" --rows 1000000 --queries 10000 --dim 384
  "$OML" search --csv "$BIG/df.csv" --embeddings "$BIG/emb.npy" --top-k 10 --threads "$THREADS" --out "$BIG/ours.csv" 2>/dev/null
  "$PY" $REF --faiss "$BIG" --top-k 10 --out "$BIG/faiss.npy"
  AGREE=$("$PY" $REF --check-knn "$BIG/ours.csv" "$BIG/faiss.npy")
  python3 bench/compare.py --name "search top-10 10k x 1M D=384 vs FAISS IndexFlatL2" --repeats 1 \
    --threads "$THREADS" --items 10000 --unit queries --note "$AGREE" \
    --ours "$OML search --csv $BIG/df.csv --embeddings $BIG/emb.npy --top-k 10 --threads $THREADS --out $BIG/ours.csv" \
    --ref "$PY $REF --faiss $BIG --top-k 10 --out $BIG/faiss.npy"
fi
