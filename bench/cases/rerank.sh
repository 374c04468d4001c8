#!/usr/bin/env bash
# Pairwise re-ranker: training steps/s (`oml train-reranker`, one epoch at 64 px) and re-ranked
# queries/s (`--post pairwise`, top_n=5, 64 px) against bench/ref/rerank_ref.py doing the same work
# in plain PyTorch (the re-ranking reference re-reads both images of every pair, as OML does).
set -euo pipefail
# Both sides wait passively: OpenMP spin-waits on a shared 2-core machine slow whichever side
# meets a busy neighbour by up to 8x (docs/benchmarks.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
OML=${OML_BUILD_DIR:-build}/oml
WORK=${BENCH_WORK:-bench/out}/rerank
REPEATS=${BENCH_REPEATS:-3}
THREADS=${BENCH_THREADS:-$(nproc)}
PY=/usr/bin/python3
mkdir -p "$WORK"

if [ ! -f "$WORK/cjk/df.csv" ]; then
  "$OML" dataset cjk-fonts --out "$WORK/cjk" --classes "${RERANK_CLASSES:-32}" --size 64 >/dev/null
fi
CSV="$WORK/cjk/df.csv"
ROWS=$(($(wc -l <"$CSV") - 1))
# Random-initialised vits16 siamese and extractor (speed does not depend on the values).
[ -f "$WORK/s.pth" ] || "$PY" bench/ref/rerank_ref.py weights "$WORK/s.pth"
"$PY" -c "import numpy as np; np.save('$WORK/E.npy', np.random.RandomState(0).randn($ROWS, 384).astype('float32'))"

# Training: one epoch of 8x2 batches, and the note's loop (2x2 batches, a few epochs so that the
# timed part is more than start-up). The reference is OML's example loop (DataLoader, PIL,
# torchvision, SGD). BENCH_BASELINE_OML=<older oml binary> adds a row of this build against it
# (copy an older build's oml-full, the whole program, or its oml together with that oml-full).
train_case() {
  local n_labels=$1 epochs=$2 name=$3 extra=${4:-} labels steps
  labels=$("$PY" -c "import csv; print(len({r['label'] for r in csv.DictReader(open('$CSV')) if r['split']=='train'}))")
  steps=$((epochs * (labels / n_labels)))
  local args="train-reranker --csv $CSV --embeddings $WORK/E.npy --weights $WORK/s.pth.extractor.pth \
              --size 64 --n-labels $n_labels --n-instances 2 --epochs $epochs --threads $THREADS $extra"
  bench/compare.py --name "$name" --repeats "$REPEATS" --threads "$THREADS" --items "$steps" --unit steps \
    --ours "$OML $args --out $WORK/trained.pth" \
    --ref "$PY bench/ref/rerank_ref.py train --csv $CSV --embeddings $WORK/E.npy \
           --weights $WORK/s.pth.extractor.pth --size 64 --n-labels $n_labels --n-instances 2 \
           --epochs $epochs --threads $THREADS"
  if [ -n "${BENCH_BASELINE_OML:-}" ]; then
    bench/compare.py --name "$name: this build vs $BENCH_BASELINE_OML (both oml.cpp)" --repeats "$REPEATS" \
      --threads "$THREADS" --items "$steps" --unit steps \
      --ours "$OML $args --out $WORK/trained.pth" --ref "$BENCH_BASELINE_OML $args --out $WORK/baseline.pth"
  fi
}
if [ "${BENCH_RERANK_TRAIN:-1}" = "1" ]; then
  train_case 2 "${RERANK_TRAIN_EPOCHS:-4}" "train-reranker vits16 64px 2x2 batches (${RERANK_TRAIN_EPOCHS:-4} epochs)"
  train_case 8 1 "train-reranker vits16 64px 1 epoch (8x2 batches)"
  # Mixed precision where the CPU multiplies bf16 natively (the reference stays float32).
  if grep -qw avx512_bf16 /proc/cpuinfo; then
    BENCH_BASELINE_OML="" train_case 2 "${RERANK_TRAIN_EPOCHS:-4}" \
      "train-reranker vits16 64px 2x2 batches (${RERANK_TRAIN_EPOCHS:-4} epochs) --precision bf16" "--precision bf16"
  fi
fi

# Re-ranks the top-5 of every validation query of CSV at SIZE px, first once each to check that both
# produce the same re-ranked order, then timed by bench/compare.py.
rerank_case() {
  local csv=$1 emb=$2 size=$3 repeats=$4 dir
  dir=$(dirname "$csv")
  local queries
  queries=$("$PY" -c "import csv; print(sum(r['split']!='train' and r['is_query'] in ('True','true','1') for r in csv.DictReader(open('$csv'))))")
  "$OML" search --csv "$csv" --embeddings "$emb" --threads "$THREADS" --top-k 5 \
    --post "pairwise:weights=$WORK/s.pth,top_n=5,size=$size" --out "$dir/ours_ranked.csv" 2>/dev/null
  "$PY" bench/ref/rerank_ref.py rerank --csv "$csv" --embeddings "$emb" --weights "$WORK/s.pth" --size "$size" \
    --top-n 5 --threads "$THREADS" --rankings "$dir/ref_ranked.csv"
  local agree
  agree=$("$PY" bench/ref/rerank_ref.py same-rankings --rankings "$dir/ours_ranked.csv" --csv "$dir/ref_ranked.csv" --top-n 5)
  echo "re-rank ${size} px: $agree"
  bench/compare.py --name "pairwise re-rank vits16 ${size}px top_n=5" --repeats "$repeats" --threads "$THREADS" \
    --items "$queries" --unit queries --note "$agree" \
    --ours "$OML evaluate --csv $csv --embeddings $emb --threads $THREADS \
            --post pairwise:weights=$WORK/s.pth,top_n=5,size=$size" \
    --ref "$PY bench/ref/rerank_ref.py rerank --csv $csv --embeddings $emb --weights $WORK/s.pth \
           --size $size --top-n 5 --threads $THREADS"
}
# BENCH_RERANK_INFER=0 leaves out the re-ranking rows (training rows only).
[ "${BENCH_RERANK_INFER:-1}" = "1" ] || exit 0
rerank_case "$CSV" "$WORK/E.npy" 64 "$REPEATS"

# 224 px: the same work at the extractor's native size (448x224 pairs) on a small subset, since a
# vits16 pair costs ~20 GFLOP there (4 characters x 12 fonts = 48 queries).
WORK224="$WORK/cjk224"
[ -f "$WORK224/df.csv" ] || "$OML" dataset cjk-fonts --out "$WORK224" --classes 8 --fonts 12 --size 224 >/dev/null
ROWS224=$(($(wc -l <"$WORK224/df.csv") - 1))
"$PY" -c "import numpy as np; np.save('$WORK224/E.npy', np.random.RandomState(0).randn($ROWS224, 384).astype('float32'))"
rerank_case "$WORK224/df.csv" "$WORK224/E.npy" 224 "${RERANK224_REPEATS:-1}"
