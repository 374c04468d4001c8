#!/usr/bin/env bash
# oml train-extractor vs the same training loop in PyTorch-Python (bench/ref/train_extractor_ref.py):
# vitt16 from random init, 64 px cjk-fonts glyphs, balanced batches 8x4, random resized crop +
# colour jitter, hard-mined triplet loss, AdamW + warm-up/cosine, no validation, same threads.
# Throughput = trained images / wall time of the whole command (start-up and image reading included).
set -euo pipefail
# Both sides wait passively: OpenMP spin-waits on a shared 2-core machine slow whichever side
# meets a busy neighbour by up to 8x (docs/benchmarks.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
OML=${OML_BUILD_DIR:-build}/oml
WORK=${BENCH_WORK:-bench/out}/train_extractor
THREADS=${BENCH_THREADS:-$(nproc)}
REPEATS=${BENCH_REPEATS:-3}
EPOCHS=${BENCH_TRAIN_EPOCHS:-2}
PY=/usr/bin/python3
[ -x "$OML" ] || { echo "train-extractor bench: $OML not built"; exit 1; }
[ -f "$WORK/data/df.csv" ] || "$OML" dataset cjk-fonts --out "$WORK/data" --classes 200 --size 64 >/dev/null
LABELS=$("$PY" -c "import csv,sys; print(len({r['label'] for r in csv.DictReader(open(sys.argv[1])) if r['split']=='train'}))" "$WORK/data/df.csv")
ITEMS=$((EPOCHS * (LABELS / 8) * 32))
COMMON="--csv $WORK/data/df.csv --size 64 --n-labels 8 --n-instances 4 --epochs $EPOCHS --threads $THREADS"
python3 bench/compare.py --name "train-extractor vitt16 64px triplet ($ITEMS images)" --repeats "$REPEATS" \
  --threads "$THREADS" --items "$ITEMS" --unit images --note "batch 8x4, $EPOCHS epochs, whole command" \
  --ours "$OML train-extractor $COMMON --arch vitt16 --miner hard --val-every 0 --quiet --out $WORK/ours.pth" \
  --ref "$PY bench/ref/train_extractor_ref.py $COMMON --arch vitt16"
# BENCH_BASELINE_OML=<older oml binary>: a row of this build against it (same command; copy an
# older oml-full, the whole program, or oml together with its oml-full).
if [ -n "${BENCH_BASELINE_OML:-}" ]; then
  python3 bench/compare.py --name "train-extractor vitt16 64px triplet ($ITEMS images): this build vs $BENCH_BASELINE_OML (both oml.cpp)" \
    --repeats "$REPEATS" --threads "$THREADS" --items "$ITEMS" --unit images \
    --ours "$OML train-extractor $COMMON --arch vitt16 --miner hard --val-every 0 --quiet --out $WORK/ours.pth" \
    --ref "$BENCH_BASELINE_OML train-extractor $COMMON --arch vitt16 --miner hard --val-every 0 --quiet --out $WORK/baseline.pth"
fi
