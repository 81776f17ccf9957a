#!/usr/bin/env python3
"""PyTorch's side of bench_loader: the same files, decode and augmentation through
torch.utils.data.Dataset + DataLoader, the way a PyTorch user writes it.

Reads a list of "path,label" lines (the workspace's object files, so both sides read the same
bytes), iterates warm-up epochs and then timed epochs, and prints one JSON line:
{"samples": ..., "seconds": ..., "samples_per_s": ...}.
"""
import argparse
import json
import sys
import time

import torch
import torch.utils.data
from PIL import Image
from torchvision import transforms


class FileDataset(torch.utils.data.Dataset):
    def __init__(self, items, mode, transform):
        self.items = items
        self.mode = mode
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        with Image.open(path) as image:
            image = image.convert(self.mode)
        return self.transform(image), label


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--list", required=True, help="file of path,label lines")
    parser.add_argument("--set", required=True, choices=["gray28", "rgb224"])
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

    if args.set == "gray28":
        mode = "L"
        transform = transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize((0.1307,), (0.3081,)),
        ])
    else:
        mode = "RGB"
        transform = transforms.Compose([
            transforms.RandomCrop(224),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ])

    loader = torch.utils.data.DataLoader(
        FileDataset(items, mode, transform),
        batch_size=args.batch,
        shuffle=True,
        num_workers=args.workers,
        persistent_workers=args.workers > 0,  # the fast setting: no worker restart per epoch
    )
    for _ in range(args.warmup):
        for _batch in loader:
            pass
    samples = 0
    seconds = 0.0
    epoch_rates = []
    for _ in range(args.epochs):
        n = 0
        start = time.perf_counter()
        for inputs, _targets in loader:
            n += inputs.shape[0]
        elapsed = time.perf_counter() - start
        samples += n
        seconds += elapsed
        epoch_rates.append(n / elapsed if elapsed > 0 else 0.0)
    print(json.dumps({
        "samples": samples,
        "seconds": seconds,
        "samples_per_s": samples / seconds if seconds > 0 else 0.0,
        "epoch_samples_per_s": epoch_rates,
        "torch": torch.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
