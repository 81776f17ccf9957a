#!/usr/bin/env python3
"""PyTorch's side of bench_loader: the same files, decode and augmentation through
torch.utils.data.Dataset + DataLoader, in the idioms a PyTorch user writes.

Idioms (--idioms, comma separated; each is measured separately, the caller reports the best):
  pil          PIL decode, torchvision transforms on the PIL image, ToTensor + Normalize per
               sample in the workers (the tutorial idiom);
  pil_batched  PIL decode and the random crop/flip on the PIL image in the workers, uint8 HWC
               arrays collated, conversion to float and normalization done once per batch in
               the main process (what a careful user writes to avoid per-sample float work);
  tvio         torchvision.io.read_file + decode_jpeg / decode_png on uint8 tensors in the
               workers, crop/flip on the uint8 tensor, uint8 batches collated, float
               conversion and normalization batched in the main process.
The batched conversion runs inside the timed loop: a batch counts when it is float and
normalized, as ours is.

Reads a list of "path,label" lines (the workspace's object files, so both sides read the same
bytes), iterates warm-up epochs and then timed epochs per idiom, and prints one JSON line:
{"torch": ..., "torchvision": ..., "results": {idiom: {"samples": ..., "seconds": ...,
"samples_per_s": ..., "epoch_samples_per_s": [...]}}}.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.utils.data
import torchvision
from PIL import Image
from torchvision import io as tvio
from torchvision import transforms

SETS = {
    # mode, PIL mode, torchvision.io mode, mean, std, augmentation
    "gray28": ("L", tvio.ImageReadMode.GRAY, (0.1307,), (0.3081,), False),
    "rgb224": ("RGB", tvio.ImageReadMode.RGB, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), True),
}


class PilDataset(torch.utils.data.Dataset):
    """PIL decode; `transform` on the PIL image; `to_array` True returns uint8 CHW tensors."""

    def __init__(self, items, mode, transform, to_array):
        self.items = items
        self.mode = mode
        self.transform = transform
        self.to_array = to_array

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        with Image.open(path) as image:
            image = image.convert(self.mode)
        image = self.transform(image)
        if self.to_array:
            a = np.asarray(image, dtype=np.uint8)
            a = a[:, :, None] if a.ndim == 2 else a
            image = torch.from_numpy(a.copy()).permute(2, 0, 1)
        return image, label


class TvioDataset(torch.utils.data.Dataset):
    """torchvision.io decode to a uint8 CHW tensor; `transform` on that tensor."""

    def __init__(self, items, read_mode, transform):
        self.items = items
        self.read_mode = read_mode
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        image = tvio.decode_image(tvio.read_file(path), mode=self.read_mode)
        return self.transform(image), label


def make_loader(idiom, items, spec, args):
    mode, read_mode, mean, std, augment = spec
    geometry = [transforms.RandomCrop(224), transforms.RandomHorizontalFlip()] if augment else []
    if idiom == "pil":
        ds = PilDataset(items, mode, transforms.Compose(
            geometry + [transforms.ToTensor(), transforms.Normalize(mean, std)]), False)
    elif idiom == "pil_batched":
        ds = PilDataset(items, mode, transforms.Compose(geometry), True)
    elif idiom == "tvio":
        ds = TvioDataset(items, read_mode, transforms.Compose(geometry))
    else:
        raise SystemExit(f"unknown idiom {idiom}")
    return torch.utils.data.DataLoader(
        ds, batch_size=args.batch, shuffle=True, num_workers=args.workers,
        persistent_workers=args.workers > 0)  # the fast setting: no worker restart per epoch


def batch_normalizer(idiom, spec):
    """What turns a collated batch into normalized float32 NCHW, in the main process."""
    if idiom == "pil":
        return lambda x: x
    _, _, mean, std, _ = spec
    scale = torch.tensor([1.0 / (255.0 * s) for s in std]).view(1, -1, 1, 1)
    shift = torch.tensor([m / s for m, s in zip(mean, std)]).view(1, -1, 1, 1)
    return lambda x: x.float().mul_(scale).sub_(shift)


def measure(loader, normalize, warmup, epochs):
    for _ in range(warmup):
        for inputs, _targets in loader:
            normalize(inputs)
    samples = 0
    seconds = 0.0
    rates = []
    for _ in range(epochs):
        n = 0
        start = time.perf_counter()
        for inputs, _targets in loader:
            n += normalize(inputs).shape[0]
        elapsed = time.perf_counter() - start
        samples += n
        seconds += elapsed
        rates.append(n / elapsed if elapsed > 0 else 0.0)
    return {"samples": samples, "seconds": seconds,
            "samples_per_s": samples / seconds if seconds > 0 else 0.0,
            "epoch_samples_per_s": rates}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", required=True, help="file of path,label lines")
    parser.add_argument("--set", required=True, choices=sorted(SETS))
    parser.add_argument("--idioms", default="pil,pil_batched,tvio")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(1)  # as the C++ side: one intra-op thread
    items = []
    with open(args.list) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                path, label = line.rsplit(",", 1)
                items.append((path, int(label)))
    spec = SETS[args.set]
    results = {}
    for idiom in [i for i in args.idioms.split(",") if i]:
        loader = make_loader(idiom, items, spec, args)
        results[idiom] = measure(loader, batch_normalizer(idiom, spec), args.warmup, args.epochs)
        del loader
    print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__,
                      "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
