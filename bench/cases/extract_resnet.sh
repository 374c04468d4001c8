#!/usr/bin/env bash
# oml extract --arch resnet50 vs torchvision's resnet50 run the way OML's ResnetExtractor runs it
# (bench/ref/extract_ref.py --arch resnet50: DataLoader, PIL, torchvision transforms, fc removed),
# 224 px over real JPEGs, same thread count; checks that both give the same embeddings.
set -euo pipefail
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
OML=${OML_BUILD_DIR:-build}/oml
WORK=${BENCH_WORK:-bench/out}/extract
THREADS=${BENCH_THREADS:-$(nproc)}
REPEATS=${BENCH_REPEATS:-5}
PY=/usr/bin/python3
[ -x "$OML" ] || { echo "extract_resnet bench: $OML not built"; exit 1; }
[ -f "$WORK/resnet50.pth" ] || "$PY" bench/ref/extract_ref.py --prepare "$WORK"
CSV=$WORK/df_resnet.csv
head -n $((${ROWS_RESNET:-64} + 1)) "$WORK/df.csv" > "$CSV"
N=$(($(wc -l < "$CSV") - 1))
OURS="$OML extract --csv $CSV --weights $WORK/resnet50.pth --arch resnet50 --size 224 --threads $THREADS --out $WORK/ours_resnet50.npy"
REF="$PY bench/ref/extract_ref.py --arch resnet50 --csv $CSV --weights $WORK/resnet50.pth --size 224 --threads $THREADS --out $WORK/ref_resnet50.npy"
$OURS 2>/dev/null
$REF
AGREE=$("$PY" bench/ref/extract_ref.py --compare "$WORK/ours_resnet50.npy" "$WORK/ref_resnet50.npy")
echo "extract resnet50 224 px vs torchvision: $AGREE"
python3 bench/compare.py --name "extract resnet50 224px ($N JPEGs)" --repeats "$REPEATS" --threads "$THREADS" \
  --items "$N" --unit images --note "$AGREE" --ours "$OURS" --ref "$REF"
