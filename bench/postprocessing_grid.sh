#!/usr/bin/env bash
# Measures cmc@1 / map@10 and run time of `oml evaluate` with each `--post` chain of a grid
# (docs/postprocessing.md, "Real datasets"). One evaluate per chain; the first chain has no
# postprocessing, so "post CPU" = the chain's CPU time (user+sys) minus that baseline's.
#
#   bench/postprocessing_grid.sh NAME CSV ROOT EMBEDDINGS GRID [RERANKER SIZE] > rows.md
#
# GRID: basic (qe/dba/krnn/threshold grid and combinations) | key (a few chains, for large
# sets where the run time matters) | pairwise (needs RERANKER, the
# ConcatSiamese .pth from `oml train-reranker --arch vitt16`, and SIZE, its --size) | both.
# Environment: OML (binary, default build/oml), THREADS (default 2), NICE (default 5),
# LOG (folder for each run's output, default a temporary one), OMP_WAIT_POLICY (default PASSIVE).
set -euo pipefail
if [[ $# -lt 5 ]]; then
  sed -n 2,12p "$0" >&2
  exit 2
fi
name=$1 csv=$2 root=$3 emb=$4 grid=$5 reranker=${6:-} size=${7:-64}
oml=${OML:-build/oml}
threads=${THREADS:-2}
log=${LOG:-$(mktemp -d)}
# Busy-waiting OpenMP threads collapse throughput on a shared machine (16x slower re-ranking
# measured at load 12 on 2 cores); passive waits cost nothing when the machine is idle.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
mkdir -p "$log"

chains=("")
if [[ $grid == basic || $grid == both ]]; then
  for n in 1 2 3 5; do
    for a in 0 1 3; do chains+=("qe:n=$n,alpha=$a"); done
  done
  for n in 1 2 3 5; do chains+=("dba:n=$n"); done
  for k1 in 10 20; do
    for k2 in 3 6; do chains+=("krnn:k1=$k1,k2=$k2,lambda=0.3"); done
  done
  chains+=("threshold:n_std=3" "threshold:n_std=5")
  chains+=("dba:n=1 qe:n=1,alpha=0" "dba:n=2 qe:n=2,alpha=0" "qe:n=2,alpha=0 krnn:k1=20,k2=6,lambda=0.3"
           "krnn:k1=20,k2=6,lambda=0.3 qe:n=2,alpha=0")
fi
if [[ $grid == key ]]; then
  chains+=("qe:n=1,alpha=0" "qe:n=2,alpha=0" "qe:n=2,alpha=3" "dba:n=1" "dba:n=2 qe:n=2,alpha=0"
           "krnn:k1=20,k2=6" "krnn:k1=10,k2=3" "krnn:k1=20,k2=6 qe:n=2,alpha=0" "threshold:n_std=3")
fi
if [[ $grid == pairwise || $grid == both ]]; then
  pw="pairwise:weights=$reranker,arch=vitt16,size=$size"
  chains+=("qe:n=2,alpha=3" "krnn:k1=20,k2=3" "$pw,top_n=5" "$pw,top_n=10" "qe:n=2,alpha=3 $pw,top_n=5"
           "krnn:k1=20,k2=3 $pw,top_n=5" "$pw,top_n=5 qe:n=2,alpha=3" "threshold:n_std=3 $pw,top_n=5")
fi

printf '| dataset | `--post` | cmc@1 | map@10 | wall s | CPU s | post CPU s |\n|---|---|---|---|---|---|---|\n'
base_cpu=""
i=0
for chain in "${chains[@]}"; do
  args=()
  for step in $chain; do args+=(--post "$step"); done
  out="$log/run_$i.txt"
  /usr/bin/time -f "TIME %e %U %S" nice -n "${NICE:-5}" "$oml" evaluate --csv "$csv" --root "$root" \
    --embeddings "$emb" --cmc 1 --map 10 --threads "$threads" "${args[@]}" >"$out" 2>&1
  cmc=$(awk '$1=="cmc@1"{print $2}' "$out")
  map=$(awk '$1=="map@10"{print $2}' "$out")
  read -r wall cpu < <(awk '$1=="TIME"{printf "%.1f %.1f\n", $2, $3+$4}' "$out")
  [[ -z $base_cpu ]] && base_cpu=$cpu
  post=$(awk -v c="$cpu" -v b="$base_cpu" 'BEGIN{printf "%.1f", c-b}')
  shown=${chain:-(none)}
  shown=${shown//$reranker/S.pth}
  printf '| %s | `%s` | %s | %s | %s | %s | %s |\n' "$name" "$shown" "$cmc" "$map" "$wall" "$cpu" "$post"
  i=$((i + 1))
done
