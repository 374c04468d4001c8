#!/usr/bin/python3
"""PyTorch-Python references for bench/cases/rerank.sh (plain PyTorch, no OML install needed).

  rerank_ref.py weights OUT.pth [--arch vits16] [--mlp 100]   # random ConcatSiamese + extractor files
  rerank_ref.py train  --csv F --embeddings E --weights EXT.pth --size 64 --n-labels L --n-instances I [--epochs N]
  rerank_ref.py rerank --csv F --embeddings E --weights S.pth --size 64 --top-n 5

`train` is the note's loop as OML's example runs it (DataLoader over a PIL/torchvision image
dataset with a BalanceSampler, hard PairsMiner on the precomputed embeddings, BCEWithLogits, SGD)
for --epochs epochs; `rerank` does what OML 2.x's PairwiseImagesPostprocessor does:
top_n by L2, then for every pair both images are read from disk again, squashed, stacked and scored.
"""
import argparse
import csv
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.transforms as T
from PIL import Image

ARCHS = {"vits16": (16, 384, 12, 6), "vitt16": (16, 192, 12, 3)}


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = nn.Module()
        self.attn.qkv = nn.Linear(dim, 3 * dim)
        self.attn.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(dim, 4 * dim)
        self.mlp.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.attn.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        a = (qkv[0] @ qkv[1].transpose(-2, -1) * (c // self.heads) ** -0.5).softmax(-1)
        x = x + self.attn.proj((a @ qkv[2]).transpose(1, 2).reshape(b, n, c))
        return x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.norm2(x))))


class ViT(nn.Module):
    """DINO's VisionTransformer (keys and position-embedding interpolation as DINO)."""

    def __init__(self, arch):
        super().__init__()
        self.patch, dim, depth, heads = ARCHS[arch]
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 197, dim) * 0.02)
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(3, dim, self.patch, self.patch)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def pos(self, h, w):
        hp, wp = h // self.patch, w // self.patch
        if hp * wp == 196 and h == w:
            return self.pos_embed
        grid = self.pos_embed[:, 1:].reshape(1, 14, 14, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, scale_factor=((hp + 0.1) / 14, (wp + 0.1) / 14), mode="bicubic")
        return torch.cat([self.pos_embed[:, :1], grid.permute(0, 2, 3, 1).reshape(1, hp * wp, -1)], 1)

    def forward(self, x):
        t = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), t], 1) + self.pos(x.shape[2], x.shape[3])
        for block in self.blocks:
            t = block(t)
        return self.norm(t)[:, 0]


class ConcatSiamese(nn.Module):
    def __init__(self, arch, mlp):
        super().__init__()
        self.extractor = nn.Module()
        self.extractor.model = ViT(arch)
        layers, width = [], ARCHS[arch][1]
        for h in mlp:
            layers += [nn.Linear(width, h), nn.Sigmoid(), nn.Dropout(0.5)]
            width = h
        self.head = nn.Sequential(*layers, nn.Linear(width, 1, bias=False), nn.Identity())

    def forward(self, x1, x2):
        return self.head(self.extractor.model(torch.cat([x1, x2], dim=2))).squeeze(-1)


def read_df(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    root = os.path.dirname(os.path.abspath(path))
    for r in rows:
        r["full"] = r["path"] if os.path.isabs(r["path"]) else os.path.join(root, r["path"])
    return rows


def squash(size):
    return T.Compose([T.Resize((size, size)), T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])


class ImagesWithEmbeddings(torch.utils.data.Dataset):
    """OML 2.x's image dataset with precomputed embeddings: every item is read from disk with PIL
    and transformed by torchvision, as DatasetWithLabels does in a user's training loop."""

    def __init__(self, rows, ids, embeddings, transform):
        self.rows, self.ids, self.embeddings, self.transform = rows, ids, embeddings, transform

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        row = self.rows[self.ids[i]]
        image = self.transform(Image.open(row["full"]).convert("RGB"))
        return {"input_tensors": image, "labels": int(row["label"]), "embeddings": self.embeddings[self.ids[i]]}

    def get_labels(self):
        return np.array([int(self.rows[i]["label"]) for i in self.ids])


class BalanceSampler(torch.utils.data.Sampler):
    """OML's BalanceSampler: an epoch is len(labels) // n_labels batches of n_labels labels (each
    label at most once per epoch) x n_instances items (drawn with replacement only when a label has
    fewer items)."""

    def __init__(self, labels, n_labels, n_instances):
        self.n_labels, self.n_instances = n_labels, n_instances
        self.by_label = {}
        for i, label in enumerate(labels):
            self.by_label.setdefault(int(label), []).append(i)

    def __len__(self):
        return len(self.by_label) // self.n_labels

    def __iter__(self):
        labels = list(self.by_label)
        np.random.shuffle(labels)
        for b in range(len(self)):
            batch = []
            for label in labels[b * self.n_labels:(b + 1) * self.n_labels]:
                items = self.by_label[label]
                batch += np.random.choice(items, self.n_instances, replace=len(items) < self.n_instances).tolist()
            yield batch


def hard_pairs(embeddings, labels):
    """PairsMiner(hard_mining=True) on precomputed embeddings: per anchor its farthest positive and
    its closest negative, each unordered pair once. Returns ids1, ids2, is_negative."""
    d = torch.cdist(embeddings, embeddings)
    same = labels[:, None] == labels[None, :]
    n = len(labels)
    pos, neg = set(), set()
    for a in range(n):
        dp = torch.where(same[a] & (torch.arange(n) != a), d[a], torch.tensor(-1.0))
        dn = torch.where(~same[a], d[a], torch.tensor(float("inf")))
        pos.add(tuple(sorted((a, int(dp.argmax())))))
        neg.add(tuple(sorted((a, int(dn.argmin())))))
    pairs = [(p, 0.0) for p in sorted(pos)] + [(p, 1.0) for p in sorted(neg)]
    return (torch.tensor([p[0][0] for p in pairs]), torch.tensor([p[0][1] for p in pairs]),
            torch.tensor([p[1] for p in pairs]))


def train(args):
    """The training loop of OML's pairwise-postprocessor example, as a user runs it: a DataLoader
    over the image dataset with a BalanceSampler, hard pairs mined on the batch's precomputed
    embeddings, BCEWithLogits on "is negative", SGD."""
    rows = read_df(args.csv)
    emb = torch.from_numpy(np.load(args.embeddings))
    train_ids = [i for i, r in enumerate(rows) if r["split"] == "train"]
    model = ConcatSiamese(args.arch, [args.mlp])
    model.extractor.model.load_state_dict(torch.load(args.weights))
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    criterion = nn.BCEWithLogitsLoss()
    dataset = ImagesWithEmbeddings(rows, train_ids, emb, squash(args.size))
    sampler = BalanceSampler(dataset.get_labels(), args.n_labels, args.n_instances)
    loader = torch.utils.data.DataLoader(dataset, batch_sampler=sampler, num_workers=args.workers)
    np.random.seed(0)
    start, steps = time.perf_counter(), 0
    for _ in range(args.epochs):
        for batch in loader:
            ids1, ids2, is_negative = hard_pairs(batch["embeddings"], batch["labels"])
            x1, x2 = batch["input_tensors"][ids1], batch["input_tensors"][ids2]
            loss = criterion(model(x1, x2), is_negative)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            steps += 1
    seconds = time.perf_counter() - start
    print(f"trained {steps} steps, {seconds:.1f} s ({steps / seconds:.2f} steps/s)", file=sys.stderr)


def rerank(args):
    rows = read_df(args.csv)
    emb = torch.from_numpy(np.load(args.embeddings))
    val = [i for i, r in enumerate(rows) if r["split"] != "train"]
    queries = [i for i in val if rows[i]["is_query"] in ("True", "true", "1")]
    galleries = [i for i in val if rows[i]["is_gallery"] in ("True", "true", "1")]
    model = ConcatSiamese(args.arch, [args.mlp])
    model.load_state_dict(torch.load(args.weights))
    model.eval()
    tf = squash(args.size)
    d = torch.cdist(emb[queries], emb[galleries])
    for qi, q in enumerate(queries):
        for gi, g in enumerate(galleries):
            if g == q:
                d[qi, gi] = float("inf")
    top = d.topk(args.top_n, largest=False).indices
    ranked = []
    with torch.no_grad():
        for qi, q in enumerate(queries):
            # OML's pair dataset reads both images of every pair from disk.
            x1 = torch.stack([tf(Image.open(rows[q]["full"]).convert("RGB")) for _ in top[qi]])
            x2 = torch.stack([tf(Image.open(rows[galleries[g]]["full"]).convert("RGB")) for g in top[qi].tolist()])
            scores = torch.sigmoid(model(x1, x2)).flatten().tolist()
            # The re-ranked top-n: ascending score, ties kept in the original order (stable sort).
            order = sorted(range(len(scores)), key=lambda i: scores[i])
            ranked.append((q, [galleries[top[qi][i].item()] for i in order]))
    if args.rankings:
        with open(args.rankings, "w") as f:
            f.write("query_row,rank,gallery_row\n")
            for q, gallery_rows in ranked:
                for rank, g in enumerate(gallery_rows):
                    f.write(f"{q},{rank},{g}\n")


def same_rankings(args):
    """Share of queries whose re-ranked top-n order is identical: --rankings (ours) vs --csv (ref)."""
    def read(path):
        out = {}
        with open(path) as f:
            for r in csv.DictReader(f):
                out.setdefault(int(r["query_row"]), []).append((int(r["rank"]), int(r["gallery_row"])))
        return {q: [g for _, g in sorted(v)][: args.top_n] for q, v in out.items()}
    a, b = read(args.rankings), read(args.csv)
    same = sum(a[q] == b.get(q) for q in a)
    print(f"identical re-ranked top-{args.top_n} on {same}/{len(a)} queries")


def make_weights(args):
    torch.manual_seed(0)
    model = ConcatSiamese(args.arch, [args.mlp])
    torch.save(model.state_dict(), args.out)
    torch.save(model.extractor.model.state_dict(), args.out + ".extractor.pth")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["weights", "train", "rerank", "same-rankings"])
    p.add_argument("out", nargs="?")
    p.add_argument("--csv")
    p.add_argument("--embeddings")
    p.add_argument("--weights")
    p.add_argument("--arch", default="vits16")
    p.add_argument("--mlp", type=int, default=100)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--top-n", type=int, default=5)
    p.add_argument("--n-labels", type=int, default=8)
    p.add_argument("--n-instances", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-6)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--workers", type=int, default=0, help="train: DataLoader worker processes (0 = OML's example)")
    p.add_argument("--rankings", help="rerank: write query_row,rank,gallery_row of the re-ranked top-n; same-rankings: ours")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    {"weights": make_weights, "train": train, "rerank": rerank, "same-rankings": same_rankings}[args.mode](args)


if __name__ == "__main__":
    main()
