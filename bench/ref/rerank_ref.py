#!/usr/bin/python3
"""PyTorch-Python references for bench/cases/rerank.sh (plain PyTorch, no OML install needed).

  rerank_ref.py weights OUT.pth [--arch vits16] [--mlp 100]   # random ConcatSiamese + extractor files
  rerank_ref.py train  --csv F --embeddings E --weights EXT.pth --size 64 --n-labels L --n-instances I
  rerank_ref.py rerank --csv F --embeddings E --weights S.pth --size 64 --top-n 5

`train` is the note's loop (BalanceSampler, hard PairsMiner on the precomputed embeddings,
BCEWithLogits, SGD) for one epoch; `rerank` does what OML 2.x's PairwiseImagesPostprocessor does:
top_n by L2, then for every pair both images are read from disk again, squashed, stacked and scored.
"""
import argparse
import csv
import math
import os

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


def train(args):
    rows = read_df(args.csv)
    emb = torch.from_numpy(np.load(args.embeddings))
    train_ids = [i for i, r in enumerate(rows) if r["split"] == "train"]
    model = ConcatSiamese(args.arch, [args.mlp])
    model.extractor.model.load_state_dict(torch.load(args.weights))
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr)
    tf = squash(args.size)
    by_label = {}
    for i in train_ids:
        by_label.setdefault(int(rows[i]["label"]), []).append(i)
    labels = list(by_label)
    np.random.seed(0)
    np.random.shuffle(labels)
    for b in range(len(labels) // args.n_labels):
        batch = []
        for label in labels[b * args.n_labels:(b + 1) * args.n_labels]:
            items = by_label[label]
            batch += list(np.random.choice(items, args.n_instances, replace=len(items) < args.n_instances))
        lab = torch.tensor([int(rows[i]["label"]) for i in batch])
        imgs = torch.stack([tf(Image.open(rows[i]["full"]).convert("RGB")) for i in batch])
        d = torch.cdist(emb[batch], emb[batch])
        same = lab[:, None] == lab[None, :]
        pos, neg = set(), set()
        for a in range(len(batch)):
            dp = torch.where(same[a] & (torch.arange(len(batch)) != a), d[a], torch.tensor(-1.0))
            dn = torch.where(~same[a], d[a], torch.tensor(float("inf")))
            pos.add(tuple(sorted((a, int(dp.argmax())))))
            neg.add(tuple(sorted((a, int(dn.argmin())))))
        pairs = [(p, 0.0) for p in pos] + [(p, 1.0) for p in neg]
        i1 = torch.tensor([p[0][0] for p in pairs])
        i2 = torch.tensor([p[0][1] for p in pairs])
        target = torch.tensor([p[1] for p in pairs])
        loss = F.binary_cross_entropy_with_logits(model(imgs[i1], imgs[i2]), target)
        opt.zero_grad()
        loss.backward()
        opt.step()


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
    p.add_argument("--rankings", help="rerank: write query_row,rank,gallery_row of the re-ranked top-n; same-rankings: ours")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    {"weights": make_weights, "train": train, "rerank": rerank, "same-rankings": same_rankings}[args.mode](args)


if __name__ == "__main__":
    main()
