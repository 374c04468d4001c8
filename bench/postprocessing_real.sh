#!/usr/bin/env bash
# Regenerates the "Real datasets" tables of docs/postprocessing.md: datasets, validation subsets,
# embeddings, one pairwise re-ranker per dataset, then bench/postprocessing_grid.sh on each set.
#   bench/postprocessing_real.sh OUT_DIR EXTRACTOR.pth   (the vitt16 cjk-fonts extractor)
# Environment: OML (default build/oml). Needs the cjk fonts and dataset-fashion-mnist packages, and
# the emoji npm packages (fetched into oml's cache on first use).
set -euo pipefail
out=$1 extractor=$2
oml=${OML:-build/oml}
grid="$(cd "$(dirname "$0")" && pwd)/postprocessing_grid.sh"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} OML=$oml
mkdir -p "$out" && cd "$out"

"$oml" dataset cjk-fonts --out cjk
"$oml" dataset fashion-mnist --out fm --limit-per-class 500
"$oml" dataset emoji --out emoji
# CJK: the first 100 validation characters (by label) for the grids, the first 20 for pairwise;
# train rows alone (and the same rows as a 1-vs-rest set, to give them raw-pixel embeddings).
awk -F, 'NR>1 && $3=="validation"{print $1}' cjk/df.csv | sort -n -u | head -100 >val100.txt
head -20 val100.txt >val20.txt
for n in 100 20; do
  awk -F, 'NR==FNR{keep[$1]=1;next} FNR==1 || ($3=="validation" && keep[$1])' "val$n.txt" cjk/df.csv \
    >"cjk_val$n.csv"
done
awk -F, 'NR==1 || $3=="train"' cjk/df.csv >cjk_train.csv
awk -F, 'BEGIN{OFS=","} NR==1{print;next} $3=="train"{$3="validation";$4="True";$5="True";print}' \
  cjk/df.csv >cjk_train_asval.csv
# Fashion-MNIST: train rows, and the first 30 queries + 30 galleries of each class for pairwise.
awk -F, 'NR==1 || $3=="train"' fm/df.csv >fm_train.csv
awk -F, 'BEGIN{OFS=","} NR==1{print;next} $3=="train"{$3="validation";$4="True";$5="True";print}' \
  fm/df.csv >fm_train_asval.csv
awk -F, 'FNR==1{print;next} $3=="validation"{k=$1","$4; if (c[k]<30){c[k]++; print}}' fm/df.csv >fm_val30.csv
awk -F, 'NR==1 || $3=="train"' emoji/df.csv >emoji_train.csv
awk -F, 'BEGIN{OFS=","} NR==1{print;next} $3=="train"{$3="validation";$4="True";$5="True";print}' \
  emoji/df.csv >emoji_train_asval.csv

raw() { "$oml" train-extractor --csv "$1" --root "$2" --baseline raw-pixels --size "$3" --baseline-npy "$4" --threads 2; }
raw cjk/df.csv cjk 16 cjk_full_raw16.npy
raw cjk_val100.csv cjk 16 cjk_val100_raw16.npy
raw cjk_val20.csv cjk 16 cjk_val20_raw16.npy
raw cjk_train_asval.csv cjk 32 cjk_train_raw32.npy
raw fm/df.csv fm 16 fm_raw16.npy
raw fm_val30.csv fm 16 fm_val30_raw16.npy
raw fm_train_asval.csv fm 28 fm_train_raw28.npy
raw emoji/df.csv emoji 16 emoji_raw16.npy
raw emoji_train_asval.csv emoji 32 emoji_train_raw32.npy
for n in 100 20; do
  "$oml" extract --csv "cjk_val$n.csv" --root cjk --weights "$extractor" --arch vitt16 --size 64 --normalise \
    --out "cjk_val${n}_vit.npy" --threads 2
done

rr() { "$oml" train-reranker --weights "$extractor" --arch vitt16 --size 32 --optimizer adam --lr 1e-4 \
  --mining all --threads 1 "$@"; }
rr --csv cjk_train.csv --root cjk --embeddings cjk_train_raw32.npy --n-labels 4 --n-instances 2 --epochs 4 \
  --out rr_cjk.pth
rr --csv fm_train.csv --root fm --embeddings fm_train_raw28.npy --n-labels 2 --n-instances 4 --epochs 40 \
  --out rr_fm.pth
rr --csv emoji_train.csv --root emoji --embeddings emoji_train_raw32.npy --n-labels 4 --n-instances 2 \
  --epochs 1 --out rr_emoji.pth

export THREADS=2
"$grid" cjk-raw16 cjk_val100.csv cjk cjk_val100_raw16.npy basic >grid_cjk_raw16.md
"$grid" cjk-vitt16 cjk_val100.csv cjk cjk_val100_vit.npy basic >grid_cjk_vit.md
"$grid" fm-raw16 fm/df.csv fm fm_raw16.npy basic >grid_fm_raw16.md
export THREADS=1
"$grid" emoji-raw16 emoji/df.csv emoji emoji_raw16.npy basic >grid_emoji_raw16.md
"$grid" cjk-raw16-full cjk/df.csv cjk cjk_full_raw16.npy key >grid_cjk_full.md
"$grid" cjk-raw16-val20 cjk_val20.csv cjk cjk_val20_raw16.npy pairwise "$PWD/rr_cjk.pth" 32 >grid_cjk_pw.md
"$grid" cjk-vitt16-val20 cjk_val20.csv cjk cjk_val20_vit.npy pairwise "$PWD/rr_cjk.pth" 32 >grid_cjk_vit_pw.md
"$grid" fm-raw16-val30 fm_val30.csv fm fm_val30_raw16.npy pairwise "$PWD/rr_fm.pth" 32 >grid_fm_pw.md
"$grid" emoji-raw16 emoji/df.csv emoji emoji_raw16.npy pairwise "$PWD/rr_emoji.pth" 32 >grid_emoji_pw.md
