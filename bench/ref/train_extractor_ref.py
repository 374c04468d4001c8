#!/usr/bin/python3
"""PyTorch-Python reference of `oml train-extractor`'s training loop, for bench/compare.py.

The same work as `oml train-extractor --val-every 0`: a DINO-layout ViT (random init), balanced
batches of n_labels x n_instances train rows, RandomResizedCrop + ColorJitter + squash to SIZE,
ImageNet normalisation, L2-normalised features, triplet loss with the hardest positive/negative
per anchor, AdamW with warm-up + cosine rate, for EPOCHS epochs of (#labels // n_labels) batches.
Data is read the way OML's DatasetWithLabels does it: each item opens its image file with PIL
(DataLoader with --workers processes, 0 = in the training process).

  /usr/bin/python3 bench/ref/train_extractor_ref.py --csv D/df.csv --epochs 2 --threads 2
"""
import argparse
import csv
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torchvision import transforms

ARCHS = {"vitt16": (16, 192, 12, 3, 768), "vits16": (16, 384, 12, 6, 1536)}


class Block(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = torch.softmax(qkv[0] @ qkv[1].transpose(-2, -1) * (d // self.heads) ** -0.5, dim=-1)
        x = x + self.proj((attn @ qkv[2]).transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, patch, dim, depth, heads, hidden, grid):
        super().__init__()
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, dim))
        self.patch = nn.Conv2d(3, dim, patch, stride=patch)
        self.blocks = nn.ModuleList(Block(dim, heads, hidden) for _ in range(depth))
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                nn.init.zeros_(m.bias)

    def forward(self, images):
        x = self.patch(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.norm(x)[:, 0]


class TrainImages(torch.utils.data.Dataset):
    def __init__(self, paths, size):
        self.paths = paths
        self.transform = transforms.Compose([
            transforms.RandomResizedCrop(size, scale=(0.6, 1.0)),
            transforms.ColorJitter(0.2, 0.2, 0.2),
            transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ])

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open(self.paths[i], "rb") as f:
            return self.transform(Image.open(f).convert("RGB"))


def balanced_batches(labels, n_labels, n_instances, rng):
    by_label = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    order = sorted(by_label)
    rng.shuffle(order)
    for g in range(len(order) // n_labels):
        batch = []
        for label in order[g * n_labels:(g + 1) * n_labels]:
            rows = by_label[label]
            if len(rows) >= n_instances:
                batch += rng.sample(rows, n_instances)
            else:
                batch += rng.sample(rows, len(rows)) + rng.choices(rows, k=n_instances - len(rows))
        yield batch


def hard_triplet_loss(features, labels, margin):
    with torch.no_grad():
        dist = torch.cdist(features, features)
        same = labels[:, None] == labels[None, :]
        eye = torch.eye(len(labels), dtype=torch.bool)
        positive = torch.where(same & ~eye, dist, torch.full_like(dist, -1.0)).argmax(1)
        negative = torch.where(~same, dist, torch.full_like(dist, math.inf)).argmin(1)
    anchor = features
    d_ap = (anchor - features[positive]).norm(dim=1)
    d_an = (anchor - features[negative]).norm(dim=1)
    return F.relu(d_ap - d_an + margin).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--root", default="")
    parser.add_argument("--arch", default="vitt16", choices=sorted(ARCHS))
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--n-labels", type=int, default=8)
    parser.add_argument("--n-instances", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--margin", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    root = args.root or os.path.dirname(os.path.abspath(args.csv))
    with open(args.csv, newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "train"]
    paths = [os.path.join(root, r["path"]) for r in rows]
    labels = [int(r["label"]) for r in rows]

    patch, dim, depth, heads, hidden = ARCHS[args.arch]
    model = ViT(patch, dim, depth, heads, hidden, args.size // patch)
    decay = [p for n, p in model.named_parameters() if p.dim() > 1 and "token" not in n and "pos_embed" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() > 1 and "token" not in n and "pos_embed" not in n)]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = len(set(labels)) // args.n_labels
    total = steps_per_epoch * args.epochs
    warmup = steps_per_epoch
    dataset = TrainImages(paths, args.size)
    step = 0
    images = 0
    start = time.perf_counter()
    for epoch in range(args.epochs):
        batches = list(balanced_batches(labels, args.n_labels, args.n_instances, rng))
        loader = torch.utils.data.DataLoader(dataset, batch_sampler=batches, num_workers=args.workers)
        for batch_rows, pixels in zip(batches, loader):
            lr = args.lr * (step + 1) / warmup if step < warmup else \
                0.5 * args.lr * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(total - warmup, 1))))
            for group in optimizer.param_groups:
                group["lr"] = lr
            features = model(pixels)
            features = features / features.norm(dim=1, keepdim=True).detach()  # OML normalise_features
            loss = hard_triplet_loss(features, torch.tensor([labels[i] for i in batch_rows]), args.margin)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            images += len(batch_rows)
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}", file=sys.stderr)
    seconds = time.perf_counter() - start
    print(f"{images} images in {seconds:.1f} s: {images / seconds:.1f} images/s", file=sys.stderr)


if __name__ == "__main__":
    main()
