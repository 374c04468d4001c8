#!/usr/bin/python3
"""References for bench/cases/retrieval.sh (run with Debian's /usr/bin/python3).

  --prepare DIR --rows N --dim D [--queries Q]   synthetic data: DIR/df.csv + DIR/emb.npy
        without --queries: N rows, every row query and gallery (SOP-like 1 vs rest), labels in
        groups of 2-8; with --queries: Q query-only rows then N gallery-only rows.
        Embeddings = class centre + noise, float32.
  --dense DIR --json OUT      what OML 2.x's EmbeddingMetrics does: full Q×G torch.cdist, Q×G
                              ignore/gt masks, topk, cmc/precision/map@5, pcf 0.5 (torch SVD)
  --faiss DIR --top-k K --out OUT.npy   kNN with FAISS IndexFlatL2 (k+1 fetched, self dropped)
  --check-metrics OURS.json REF.json    max |Δ| over the shared values
  --check-knn OURS.csv FAISS.npy        share of (query, rank) with the same gallery row
"""
import argparse
import csv
import json
import sys

import numpy as np


def prepare(out_dir, rows, dim, queries):
    import os
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    n = rows + (queries or 0)
    sizes, total = [], 0
    while total < n:
        sizes.append(int(rng.integers(2, 9)))
        total += sizes[-1]
    labels = np.repeat(np.arange(len(sizes)), sizes)[:n]
    rng.shuffle(labels)
    if queries:
        # Every query needs a gallery row of its label (the CSV rules reject it otherwise): a query
        # whose label has no gallery row takes the label of a random gallery row instead.
        gallery_labels = np.unique(labels[queries:])
        orphans = np.flatnonzero(~np.isin(labels[:queries], gallery_labels))
        labels[orphans] = labels[queries + rng.integers(0, n - queries, len(orphans))]
    centres = rng.standard_normal((len(sizes), dim)).astype(np.float32)
    emb = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 65536):  # chunks keep the generator's memory small at 1M rows
        stop = min(n, start + 65536)
        emb[start:stop] = centres[labels[start:stop]] + 1.2 * rng.standard_normal((stop - start, dim)).astype(np.float32)
    np.save(f"{out_dir}/emb.npy", emb)
    with open(f"{out_dir}/df.csv", "w", newline="") as f:
        f.write("label,path,split,is_query,is_gallery\n")
        for i in range(n):
            if queries is None:
                flags = "True,True"
            else:
                flags = "True,False" if i < queries else "False,True"
            f.write(f"{labels[i]},img{i}.jpg,validation,{flags}\n")


def read_split(directory):
    labels, isq, isg = [], [], []
    with open(f"{directory}/df.csv", newline="") as f:
        for row in csv.DictReader(f):
            labels.append(int(row["label"]))
            isq.append(row["is_query"] == "True")
            isg.append(row["is_gallery"] == "True")
    return np.array(labels), np.array(isq), np.array(isg)


def dense(directory, out):
    import torch
    labels, isq, isg = read_split(directory)
    emb = torch.from_numpy(np.load(f"{directory}/emb.npy"))
    rows = torch.arange(len(labels))
    q_rows, g_rows = rows[torch.from_numpy(isq)], rows[torch.from_numpy(isg)]
    lab = torch.from_numpy(labels)
    dist = torch.cdist(emb[q_rows], emb[g_rows])
    mask_ignore = q_rows[:, None] == g_rows[None, :]
    mask_gt = (lab[q_rows][:, None] == lab[g_rows][None, :]) & ~mask_ignore
    dist[mask_ignore] = float("inf")
    n_gt = mask_gt.sum(dim=1)
    k = 5
    _, ii = torch.topk(dist, k=k, largest=False)
    gt_tops = torch.gather(mask_gt, 1, ii).float()
    cmc = (gt_tops.sum(1) > 0).float().mean()
    precision = (gt_tops.sum(1) / torch.clamp(n_gt, max=k)).mean()
    cum = torch.cumsum(gt_tops, 1)
    hits = cum[:, -1].clone()
    hits[hits < 1] = float("inf")
    map_ = ((cum / torch.arange(1, k + 1)) * gt_tops).sum(1) / hits
    valid = emb[torch.from_numpy(isq | isg)]
    s = torch.linalg.svd(valid - valid.mean(0), full_matrices=False).S
    ev = s ** 2 / (len(valid) - 1)
    n_r = torch.searchsorted(torch.cumsum(ev / ev.sum(), 0), torch.tensor([0.5]), right=True) + 1
    result = {"OVERALL": {"cmc": {"5": float(cmc)}, "precision": {"5": float(precision)},
                          "map": {"5": float(map_.mean())}, "pcf": {"0.5": float(n_r[0]) / emb.shape[1]}}}
    with open(out, "w") as f:
        json.dump(result, f)


def run_faiss(directory, top_k, out):
    import faiss
    labels, isq, isg = read_split(directory)
    emb = np.load(f"{directory}/emb.npy")
    q_rows, g_rows = np.nonzero(isq)[0], np.nonzero(isg)[0]
    index = faiss.IndexFlatL2(emb.shape[1])
    index.add(emb[g_rows])
    d2, ii = index.search(emb[q_rows], top_k + 1)
    ids = g_rows[ii]
    keep = ids != q_rows[:, None]  # a 1-vs-rest query finds itself; drop it
    out_ids = np.stack([r[k][:top_k] for r, k in zip(ids, keep)])
    out_d = np.stack([np.sqrt(np.maximum(r[k][:top_k], 0)) for r, k in zip(d2, keep)])
    np.save(out, np.concatenate([out_ids.astype(np.float64), out_d.astype(np.float64)], axis=1))


def check_metrics(ours, ref):
    a, b = json.load(open(ours)), json.load(open(ref))
    worst = 0.0
    for metric, values in b["OVERALL"].items():
        for key, v in values.items():
            worst = max(worst, abs(a["OVERALL"][metric][key] - v))
    print(f"max |metric difference| {worst:.2e}")


def check_knn(ours, ref):
    theirs = np.load(ref)
    k = theirs.shape[1] // 2
    mine = np.loadtxt(ours, delimiter=",", skiprows=1)
    gallery = mine[:, 2].reshape(-1, k)
    same = np.mean(gallery == theirs[:, :k])
    dist_err = np.max(np.abs(mine[:, 3].reshape(-1, k) - theirs[:, k:]))
    print(f"same neighbour at same rank {same:.5f}, max |distance difference| {dist_err:.2e}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prepare")
    p.add_argument("--rows", type=int)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--queries", type=int)
    p.add_argument("--dense")
    p.add_argument("--json")
    p.add_argument("--faiss")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--out")
    p.add_argument("--check-metrics", nargs=2)
    p.add_argument("--check-knn", nargs=2)
    a = p.parse_args()
    if a.prepare:
        prepare(a.prepare, a.rows, a.dim, a.queries)
    elif a.dense:
        dense(a.dense, a.json)
    elif a.faiss:
        run_faiss(a.faiss, a.top_k, a.out)
    elif a.check_metrics:
        check_metrics(*a.check_metrics)
    elif a.check_knn:
        check_knn(*a.check_knn)
    else:
        sys.exit("nothing to do; see --help")


if __name__ == "__main__":
    main()
