#!/usr/bin/env bash
# Pairwise re-ranker: training steps/s (`oml train-reranker`, one epoch at 64 px) and re-ranked
# queries/s (`--post pairwise`, top_n=5, 64 px) against bench/ref/rerank_ref.py doing the same work
# in plain PyTorch (the re-ranking reference re-reads both images of every pair, as OML does).
set -euo pipefail
cd "$(dirname "$0")/../.."
OML=${OML_BUILD_DIR:-build}/oml
WORK=${BENCH_WORK:-bench/out}/rerank
REPEATS=${BENCH_REPEATS:-3}
THREADS=${BENCH_THREADS:-$(nproc)}
PY=/usr/bin/python3
mkdir -p "$WORK"

if [ ! -f "$WORK/cjk/df.csv" ]; then
  "$OML" dataset cjk-fonts --out "$WORK/cjk" --classes 64 --size 64 >/dev/null
fi
CSV="$WORK/cjk/df.csv"
ROWS=$(($(wc -l <"$CSV") - 1))
# Random-initialised vits16 siamese and extractor (speed does not depend on the values).
[ -f "$WORK/s.pth" ] || "$PY" bench/ref/rerank_ref.py weights "$WORK/s.pth"
"$PY" -c "import numpy as np; np.save('$WORK/E.npy', np.random.RandomState(0).randn($ROWS, 384).astype('float32'))"

LABELS=$("$PY" -c "import csv; print(len({r['label'] for r in csv.DictReader(open('$CSV')) if r['split']=='train'}))")
STEPS=$((LABELS / 8))
bench/compare.py --name "train-reranker vits16 64px 1 epoch (8x2 batches)" --repeats "$REPEATS" \
  --threads "$THREADS" --items "$STEPS" --unit steps \
  --ours "$OML train-reranker --csv $CSV --embeddings $WORK/E.npy --weights $WORK/s.pth.extractor.pth \
          --size 64 --n-labels 8 --n-instances 2 --threads $THREADS --out $WORK/trained.pth" \
  --ref "$PY bench/ref/rerank_ref.py train --csv $CSV --embeddings $WORK/E.npy \
         --weights $WORK/s.pth.extractor.pth --size 64 --n-labels 8 --n-instances 2 --threads $THREADS"

if "$OML" evaluate --csv "$CSV" --embeddings "$WORK/E.npy" --post "pairwise:weights=$WORK/s.pth,size=64" \
  2>&1 | grep -qiE "not implemented|unknown postprocessor"; then
  echo "rerank: skipped (oml evaluate or the pairwise postprocessor is not available in this build)"
  exit 0
fi
QUERIES=$("$PY" -c "import csv; print(sum(r['split']!='train' and r['is_query'] in ('True','true','1') for r in csv.DictReader(open('$CSV'))))")
bench/compare.py --name "pairwise re-rank vits16 64px top_n=5" --repeats "$REPEATS" --threads "$THREADS" \
  --items "$QUERIES" --unit queries \
  --ours "$OML evaluate --csv $CSV --embeddings $WORK/E.npy --threads $THREADS \
          --post pairwise:weights=$WORK/s.pth,top_n=5,size=64" \
  --ref "$PY bench/ref/rerank_ref.py rerank --csv $CSV --embeddings $WORK/E.npy --weights $WORK/s.pth \
         --size 64 --top-n 5 --threads $THREADS"
