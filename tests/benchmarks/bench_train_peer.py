#!/usr/bin/env python3
"""PyTorch's side of bench_train: the same model, data, batch size and thread count, trained by
a plain PyTorch loop, the way a PyTorch user writes it.

Models are defined layer for layer as Workbench's model factory builds them with its default
hyperparameters (core/models/mlp.cpp, lenet.cpp, resnet.cpp). The optimiser is Adam (lr 1e-3,
Workbench's default). Each step does what Workbench's trainer does: forward, cross-entropy,
zero_grad, backward, step, loss.item() for the running loss and the batch's correct count for
the running accuracy.

Data sources (--sources, comma separated; each is measured separately):
  files    torch.utils.data.Dataset + DataLoader over the very files our loader reads (PIL
           decode, torchvision transforms, --workers worker processes, persistent workers);
  tensors  the same samples decoded once, up front, into one tensor in memory, then batched by
           indexing with a fresh random permutation each epoch (no decode cost: the fastest
           plain loop; what a user writes for a table);
  dataloader  a TensorDataset over those preloaded tensors through DataLoader (what many
           users write for a table too; per-sample indexing and collation).
Each source runs --warmup untimed epochs, then --epochs timed ones, and prints one JSON line:
{"model": ..., "results": {source: {"samples_per_s": best epoch, "epoch_samples_per_s": [...]}}}.
"""
import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.data


# --- models: the factory's defaults -------------------------------------------------------

class Mlp(nn.Module):
    """mlp: hidden [64, 64], relu, no dropout; input flattened."""

    def __init__(self, features, classes, hidden=(64, 64)):
        super().__init__()
        layers = []
        width = features
        for h in hidden:
            layers.append(nn.Linear(width, h))
            width = h
        self.hidden = nn.ModuleList(layers)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = x.flatten(1)
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.head(x)


class LeNet(nn.Module):
    """lenet: conv5(pad 2) 6 → pool → conv5 16 → pool → adaptive 5×5 → 120 → 84 → classes."""

    def __init__(self, in_channels, classes, channels=(6, 16), hidden=(120, 84)):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels[0], 5, padding=2)
        self.conv2 = nn.Conv2d(channels[0], channels[1], 5)
        layers = []
        width = channels[1] * 5 * 5
        for h in hidden:
            layers.append(nn.Linear(width, h))
            width = h
        self.hidden = nn.ModuleList(layers)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.adaptive_avg_pool2d(x, (5, 5)).flatten(1)
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.head(x)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class ResNetSmall(nn.Module):
    """resnet_small: 3×3 stem (no pool), stages 16/32/64 of 2 BasicBlocks, avg pool, fc."""

    def __init__(self, in_channels, classes, channels=(16, 32, 64), blocks=2):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels[0], 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels[0])
        stages = []
        cin = channels[0]
        for s, cout in enumerate(channels):
            blocks_of_stage = []
            for b in range(blocks):
                blocks_of_stage.append(BasicBlock(cin, cout, 2 if (s > 0 and b == 0) else 1))
                cin = cout
            stages.append(nn.Sequential(*blocks_of_stage))
        self.stages = nn.ModuleList(stages)
        self.fc = nn.Linear(cin, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for stage in self.stages:
            x = stage(x)
        x = F.adaptive_avg_pool2d(x, (1, 1)).flatten(1)
        return self.fc(x)


# --- data ---------------------------------------------------------------------------------

class FileDataset(torch.utils.data.Dataset):
    def __init__(self, items, mode, transform):
        self.items = items
        self.mode = mode
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        from PIL import Image
        path, label = self.items[index]
        with Image.open(path) as image:
            image = image.convert(self.mode)
        return self.transform(image), label


def image_transform(args):
    from torchvision import transforms
    steps = []
    if args.resize:
        steps.append(transforms.Resize((args.resize, args.resize)))
    steps.append(transforms.ToTensor())
    steps.append(transforms.Normalize(args.mean, args.std))
    return transforms.Compose(steps)


def read_list(path):
    items = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                p, label = line.rsplit(",", 1)
                items.append((p, int(label)))
    return items


def read_table(path):
    """Rows of f0,…,fN-1,class (raw; standardised here as our standardize step does)."""
    rows, labels = [], []
    with open(path) as f:
        for line in f:
            cells = line.rstrip("\n").split(",")
            if len(cells) < 2:
                continue
            rows.append([float(c) for c in cells[:-1]])
            labels.append(int(cells[-1]))
    x = torch.tensor(rows, dtype=torch.float64)
    x = (x - x.mean(0)) / x.std(0, unbiased=False).clamp_min(1e-12)
    return x.float(), torch.tensor(labels, dtype=torch.int64)


def preload(items, mode, transform):
    ds = FileDataset(items, mode, transform)
    xs, ys = [], []
    for i in range(len(ds)):
        x, y = ds[i]
        xs.append(x)
        ys.append(y)
    return torch.stack(xs), torch.tensor(ys, dtype=torch.int64)


def tensor_batches(x, y, batch):
    def epoch():
        perm = torch.randperm(x.shape[0])
        for i in range(0, x.shape[0], batch):
            idx = perm[i:i + batch]
            yield x[idx], y[idx]
    return epoch


# --- the loop -----------------------------------------------------------------------------

def train(model, batches, warmup, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()

    def one_epoch():
        n = 0
        running_loss = 0.0
        correct = 0
        start = time.perf_counter()
        for inputs, targets in batches():
            out = model(inputs)
            loss = F.cross_entropy(out, targets)
            opt.zero_grad()
            loss.backward()
            opt.step()
            b = targets.shape[0]
            running_loss += loss.item() * b
            correct += (out.argmax(1) == targets).sum().item()
            n += b
        return n, time.perf_counter() - start

    for _ in range(warmup):
        one_epoch()
    rates = []
    for _ in range(epochs):
        n, s = one_epoch()
        rates.append(n / s if s > 0 else 0.0)
    return {"samples_per_s": max(rates) if rates else 0.0, "epoch_samples_per_s": rates}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, choices=["mlp", "lenet", "resnet_small"])
    parser.add_argument("--list", help="images: file of path,class lines (the train split)")
    parser.add_argument("--table", help="tables: file of f0,…,class rows (the train split)")
    parser.add_argument("--mode", default="L", choices=["L", "RGB"])
    parser.add_argument("--resize", type=int, default=0)
    parser.add_argument("--mean", type=float, nargs="+", default=[0.0])
    parser.add_argument("--std", type=float, nargs="+", default=[1.0])
    parser.add_argument("--classes", type=int, required=True)
    parser.add_argument("--sources", default="files")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    results = {}
    if args.table:
        x, y = read_table(args.table)
        shape = tuple(x.shape[1:])
        items = None
    else:
        items = read_list(args.list)
        transform = image_transform(args)
        x = y = None
        shape = None

    def make_model(in_shape):
        if args.model == "mlp":
            features = 1
            for d in in_shape:
                features *= d
            return Mlp(features, args.classes)
        if args.model == "lenet":
            return LeNet(in_shape[0], args.classes)
        return ResNetSmall(in_shape[0], args.classes)

    for source in [s for s in args.sources.split(",") if s]:
        torch.manual_seed(args.seed)
        if source == "files":
            if items is None:
                continue
            loader = torch.utils.data.DataLoader(
                FileDataset(items, args.mode, transform), batch_size=args.batch, shuffle=True,
                num_workers=args.workers, persistent_workers=args.workers > 0)
            shape = tuple(FileDataset(items, args.mode, transform)[0][0].shape)
            results[source] = train(make_model(shape), lambda: loader, args.warmup, args.epochs)
            del loader
        elif source in ("tensors", "dataloader"):
            if x is None:
                x, y = preload(items, args.mode, transform)
                shape = tuple(x.shape[1:])
            if source == "tensors":
                batches = tensor_batches(x, y, args.batch)
            else:
                loader = torch.utils.data.DataLoader(
                    torch.utils.data.TensorDataset(x, y), batch_size=args.batch, shuffle=True)
                batches = lambda: loader  # noqa: E731
            results[source] = train(make_model(shape), batches, args.warmup, args.epochs)
        else:
            print(f"unknown source {source}", file=sys.stderr)
            return 2
    print(json.dumps({"model": args.model, "torch": torch.__version__,
                      "threads": torch.get_num_threads(), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
