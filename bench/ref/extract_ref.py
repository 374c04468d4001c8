#!/usr/bin/python3
"""Reference for bench/cases/extract.sh: `oml extract` done in plain PyTorch-Python.

  --prepare DIR      writes DIR/images/*.jpg (crops of real images found on this machine),
                     DIR/df.csv, DIR/vits16.pth (a random-init vits16 state dict) and
                     DIR/resnet50.pth (a random-init torchvision resnet50 state dict)
  --csv F --weights W --size S --threads T [--arch vits16|resnet50] --out E.npy
                     PIL decode + torchvision Resize((S,S)) + ToTensor + Normalize in a DataLoader
                     with T workers (0 when T == 1), then with T torch threads, no_grad, batch 32:
                     vits16 = the spec's ViT (tests/fixtures/make_vit_reference.py), [N, 384];
                     resnet50 = torchvision's resnet50 with fc removed, as OML's ResnetExtractor
                     builds it for resnet50_imagenet1k_v1 (average pooling), [N, 2048]
  --compare A.npy B.npy   prints the max abs difference and the minimum row cosine similarity
"""
import argparse
import glob
import os
import random
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fixtures"))
import make_vit_reference as ref  # noqa: E402  (the spec ViT in plain PyTorch)


def prepare(out_dir, count=320):
    sources = sorted(glob.glob("/usr/share/**/*.jpg", recursive=True) + glob.glob("/usr/share/**/*.png", recursive=True))
    sources += sorted(glob.glob(os.path.join(ref.HERE, "images", "*.jpg")))
    images = []
    for path in sources:
        try:
            img = Image.open(path).convert("RGB")
        except Exception:  # noqa: BLE001 - skip anything PIL cannot read
            continue
        if min(img.size) >= 128:
            images.append(img)
    if not images:
        sys.exit("no source images found under /usr/share")
    rng = random.Random(0)
    os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)
    rows = ["label,path,split,is_query,is_gallery"]
    for i in range(count):
        img = images[i % len(images)]
        w, h = img.size
        cw, ch = rng.randint(w // 2, w), rng.randint(h // 2, h)
        x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
        # Typical dataset photos: a few hundred pixels on a side, JPEG.
        crop = img.crop((x, y, x + cw, y + ch)).resize((rng.randint(240, 480), rng.randint(240, 480)), Image.BILINEAR)
        name = f"images/{i:04d}.jpg"
        crop.save(os.path.join(out_dir, name), quality=90)
        rows.append(f"{i // 4},{name},validation,True,True")
    with open(os.path.join(out_dir, "df.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    torch.manual_seed(0)
    model = ref.ViT(**ref.VITS16)
    ref.randomise(model, 1)
    torch.save(model.state_dict(), os.path.join(out_dir, "vits16.pth"))
    import torchvision
    torch.manual_seed(0)
    torch.save(torchvision.models.resnet50(weights=None).state_dict(), os.path.join(out_dir, "resnet50.pth"))


def make_model(arch, weights):
    if arch == "resnet50":
        import torchvision
        model = torchvision.models.resnet50(weights=None)
        state = torch.load(weights)
        model.fc = torch.nn.Identity()
        model.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc.")})
        return model.eval()
    model = ref.ViT(**ref.VITS16).eval()
    model.load_state_dict(torch.load(weights))
    return model


class CsvImages(torch.utils.data.Dataset):
    def __init__(self, csv_path, size):
        import csv
        import torchvision.transforms as T
        root = os.path.dirname(os.path.abspath(csv_path))
        with open(csv_path, newline="") as f:
            self.paths = [os.path.join(root, row["path"]) for row in csv.DictReader(f)]
        self.transform = T.Compose([T.Resize((size, size)), T.ToTensor(),
                                    T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open(self.paths[i], "rb") as f:
            return self.transform(Image.open(f).convert("RGB"))


def extract(args):
    torch.set_num_threads(args.threads)
    model = make_model(args.arch, args.weights)
    workers = args.threads if args.threads > 1 else 0
    loader = torch.utils.data.DataLoader(CsvImages(args.csv, args.size), batch_size=32, shuffle=False,
                                         num_workers=workers)
    outputs = []
    with torch.no_grad():
        for batch in loader:
            outputs.append(model(batch))
    np.save(args.out, torch.cat(outputs).numpy().astype(np.float32))


def compare(a_path, b_path):
    a, b = np.load(a_path).astype(np.float64), np.load(b_path).astype(np.float64)
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    print(f"max_abs_diff={np.abs(a - b).max():.3g} min_cosine={cos.min():.6f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare")
    parser.add_argument("--compare", nargs=2)
    parser.add_argument("--csv")
    parser.add_argument("--weights")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--arch", default="vits16", choices=["vits16", "resnet50"])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
    elif args.compare:
        compare(*args.compare)
    else:
        extract(args)


if __name__ == "__main__":
    main()
