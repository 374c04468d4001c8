#!/usr/bin/python3
"""Writes the seed corpora of the libFuzzer harnesses into tests/fuzz/corpus/<harness>/.

Run with Debian's /usr/bin/python3 (python3-torch, python3-pil, python3-numpy). Seeds are small
real files: the project's own fixtures where they are small, otherwise files written here by the
same libraries users write them with (torch.save, PIL, numpy, gzip)."""
import collections
import gzip
import io
import pathlib
import shutil
import struct

import numpy as np
import torch
from PIL import Image

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent
CORPUS = HERE / "corpus"


def directory(name):
    path = CORPUS / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def csv_seeds():
    out = directory("csv")
    for source in sorted((TESTS / "data" / "csv").glob("*.csv")):
        shutil.copy(source, out / source.name)


def npy_seeds():
    out = directory("npy")
    for source in sorted((TESTS / "fixtures" / "npy").glob("*.npy")):
        shutil.copy(source, out / source.name)


def checkpoint_seeds():
    out = directory("checkpoint")
    torch.manual_seed(0)
    state = collections.OrderedDict(
        [("norm.weight", torch.randn(3)), ("norm.bias", torch.zeros(3)),
         ("head.0.weight", torch.randn(2, 3)), ("pos", torch.arange(4, dtype=torch.int64))])
    torch.save(state, out / "state_dict_zip.pth")
    torch.save(state, out / "state_dict_legacy.pth", _use_new_zipfile_serialization=False)
    prefixed = collections.OrderedDict((f"model.{k}", v) for k, v in state.items())
    lightning = {"epoch": 3, "global_step": 10, "state_dict": prefixed,
                 "hyper_parameters": {"lr": 1e-3, "name": "vits16", "dims": [1, 2], "flag": True,
                                      "none": None, "big": 2 ** 70, "pair": (1, "x"), "bytes": b"\x00\x01"}}
    torch.save(lightning, out / "lightning.ckpt")
    base = torch.randn(4, 5)
    views = collections.OrderedDict([("t", base.t()), ("slice", base[1:3, 2:]), ("half", base.half()),
                                     ("double", base.double()[0]), ("shared", base)])
    torch.save(views, out / "views_shared_storage.pth")
    torch.save({"criterion.w": torch.ones(1), "x": torch.ones(2, dtype=torch.bfloat16)}, out / "dict_bf16.pth")
    shutil.copy(TESTS / "fixtures" / "vit" / "bad_entry.pth", out / "bad_entry.pth")


def image_seeds():
    out = directory("image")
    rgb = Image.new("RGB", (8, 6))
    rgb.putdata([(x * 30 % 256, y * 40 % 256, (x + y) * 20 % 256) for y in range(6) for x in range(8)])
    rgb.save(out / "rgb.png")
    rgb.convert("L").save(out / "gray.png")
    rgb.convert("LA").save(out / "gray_alpha.png")
    rgb.convert("RGBA").save(out / "rgba.png")
    rgb.convert("P", palette=Image.ADAPTIVE, colors=8).save(out / "palette.png")
    rgb.convert("1").save(out / "bit1.png")
    Image.fromarray((np.arange(48, dtype=np.uint16).reshape(6, 8) * 1300)).save(out / "gray16.png")
    rgb.save(out / "rgb.bmp")
    rgb.save(out / "rgb.tiff")
    rgb.save(out / "rgb_lossless.webp", lossless=True)
    rgb.save(out / "rgb_lossy.webp", quality=50)
    rgb.save(out / "rgb.ppm")
    rgb.convert("L").save(out / "gray.pgm")
    rgb.convert("1").save(out / "bit1.pbm")
    rgb.save(out / "rgb.jpg", quality=90)
    rgb.save(out / "rgb_progressive.jpg", quality=90, progressive=True)
    rgb.convert("L").save(out / "gray.jpg")
    rgb.convert("CMYK").save(out / "cmyk.jpg")
    rgb.save(out / "rgb.gif")
    for name in ("cmyk_flat.jpg", "gray2.png", "truncated.png", "exif_rotated.jpg"):
        shutil.copy(TESTS / "fixtures" / "images" / name, out / name)


def post_spec_seeds():
    out = directory("post_spec")
    seeds = {
        "pairwise": "pairwise:weights=S.pth,top_n=5,size=224,arch=vits16,mlp=100-10,tta=1,batch=8,fuse=0.5",
        "qe": "qe:n=2,alpha=0",
        "dba": "dba:n=3,alpha=1.5",
        "krnn": "krnn:k1=20,k2=6,lambda=0.3",
        "threshold_th": "threshold:th=0.5",
        "threshold_n_std": "threshold:n_std=2",
        "chain": "qe:n=2\nkrnn\nthreshold:th=1e3",
        "bad_key": "qe:m=2",
    }
    for name, text in seeds.items():
        (out / name).write_text(text)


def search_results_seeds():
    out = directory("search_results")
    header = "query_row,rank,gallery_row,distance\n"
    (out / "ok.csv").write_text(header + "0,1,1,0.5\n0,2,2,0.75\n1,1,2,1\n4,1,5,1e-3\n")
    (out / "header_only.csv").write_text(header)
    (out / "quoted.csv").write_text(header + '"0","1","3","2.5"\n')
    (out / "gap.csv").write_text(header + "0,1,1,0.5\n0,3,2,0.75\n")


def idx_seeds():
    out = directory("idx")
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 1], dtype=np.uint8)
    for name, array in (("images", images), ("labels", labels)):
        data = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
        data += array.tobytes()
        (out / f"{name}.idx").write_bytes(data)
        (out / f"{name}.idx.gz").write_bytes(gzip.compress(data, mtime=0))


if __name__ == "__main__":
    for make in (csv_seeds, npy_seeds, checkpoint_seeds, image_seeds, post_spec_seeds, search_results_seeds,
                 idx_seeds):
        make()
    for path in sorted(CORPUS.iterdir()):
        files = list(path.iterdir())
        print(f"{path.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")
