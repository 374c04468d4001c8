#!/usr/bin/python3
"""Checkpoints for the `oml serve` tests (run with Debian's /usr/bin/python3 and torchvision).

  EXTRACTOR SIAMESE   a random-init torchvision resnet18 saved as a plain state dict (what
                      `oml extract --arch resnet18` loads), and a ConcatSiamese over another random
                      resnet18 with OML's keys (extractor.model.*, head.0.*, head.3.weight) and a
                      head of 8 hidden units (what `--post pairwise:arch=resnet18` loads)
Batch-norm statistics are randomised so that real images get clearly different embeddings.
"""
import sys

import torch
import torchvision


def randomised_resnet18(seed):
    torch.manual_seed(seed)
    model = torchvision.models.resnet18(weights=None)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    return model


def main(extractor_path, siamese_path):
    torch.save(randomised_resnet18(7).state_dict(), extractor_path)
    backbone = randomised_resnet18(11)
    state = {"extractor.model." + k: v for k, v in backbone.state_dict().items() if not k.startswith("fc.")}
    generator = torch.Generator().manual_seed(5)
    state["head.0.weight"] = torch.randn(8, 512, generator=generator) * 0.05
    state["head.0.bias"] = torch.randn(8, generator=generator) * 0.1
    state["head.3.weight"] = torch.randn(1, 8, generator=generator)
    torch.save(state, siamese_path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
