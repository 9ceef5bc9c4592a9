"""ember's demo: train a LeNet-style CNN on the bundled Digits dataset.

    python -m ember.examples.digits [--epochs 15] [--batch-size 32] [--lr 0.003]
                                    [--optimizer adam|sgd] [--out runs/digits]

Written exactly as a PyTorch program would be (``import ember as torch``). It shows a
progress bar per epoch, a summary line per epoch, the final test accuracy, and writes the
checkpoint in PyTorch's own format (``<out>/model.pt``: ``torch.load`` reads it) and a
training-curve plot (``<out>/curves.png``).
"""
import argparse
import os
import time

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader
from ember.vision.datasets import Digits


class LeNet(nn.Module):
    """LeNet-style CNN for 1x8x8 images: two conv+pool stages, then three linear layers."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # 16 x 4 x 4
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # 32 x 2 x 2
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def to_tensor(img):
    """uint8 HxW image -> float 1xHxW tensor in [0, 1] (what transforms.ToTensor does)."""
    return torch.from_numpy(img.astype(np.float32) / 255.0).unsqueeze(0)


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    with torch.no_grad():
        for images, labels in loader:
            outputs = model(images)
            loss_sum += F.cross_entropy(outputs, labels, reduction='sum').item()
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return loss_sum / total, correct / total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--epochs', type=int, default=15)
    ap.add_argument('--batch-size', type=int, default=32)
    ap.add_argument('--lr', type=float, default=0.003)
    ap.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam')
    ap.add_argument('--out', default=os.path.join('runs', 'digits'))
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--no-progress', action='store_true', help='plain output instead of progress bars')
    args = ap.parse_args(argv)

    torch.manual_seed(args.seed)
    train_set = Digits(train=True, transform=to_tensor)
    test_set = Digits(train=False, transform=to_tensor)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256, shuffle=False)

    model = LeNet()
    criterion = nn.CrossEntropyLoss()
    if args.optimizer == 'adam':
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr * 25, momentum=0.9)
    # cosine decay to zero over the run: steady, reproducible final accuracy
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    print(model)
    print(f"train {len(train_set)} images, test {len(test_set)} images; "
          f"{sum(p.numel() for p in model.parameters())} parameters\n")

    try:
        from tqdm import tqdm
    except ImportError:  # progress bars are optional
        tqdm = None
    history = {'train_loss': [], 'train_acc': [], 'test_loss': [], 'test_acc': []}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        seen = correct = 0
        loss_sum = 0.0
        bar = None
        batches = train_loader
        if tqdm is not None and not args.no_progress:
            bar = batches = tqdm(train_loader, desc=f"epoch {epoch:2d}/{args.epochs}", leave=False,
                                 unit='batch', ncols=90)
        for images, labels in batches:
            optimizer.zero_grad()
            outputs = model(images)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            n = labels.size(0)
            seen += n
            loss_sum += loss.item() * n
            correct += (outputs.argmax(1) == labels).sum().item()
            if bar is not None:
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.3f}")
        if bar is not None:
            bar.close()
        scheduler.step()
        test_loss, test_acc = evaluate(model, test_loader)
        history['train_loss'].append(loss_sum / seen)
        history['train_acc'].append(correct / seen)
        history['test_loss'].append(test_loss)
        history['test_acc'].append(test_acc)
        print(f"epoch {epoch:2d}/{args.epochs}  train loss {loss_sum / seen:.4f}  acc {correct / seen:.4f}  "
              f"|  test loss {test_loss:.4f}  acc {test_acc:.4f}  ({time.perf_counter() - start:.1f}s)")

    test_loss, test_acc = evaluate(model, test_loader)
    print(f"\nfinal test accuracy: {test_acc * 100:.2f}%  ({time.perf_counter() - start:.1f}s in total)")
    os.makedirs(args.out, exist_ok=True)
    ckpt = os.path.join(args.out, 'model.pt')
    torch.save(model.state_dict(), ckpt)
    print(f"checkpoint (PyTorch format): {ckpt}")
    png = _plot(history, os.path.join(args.out, 'curves.png'))
    if png:
        print(f"training curves: {png}")
    return test_acc


def _plot(history, path):
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot; `pip install ember[demo]`)")
        return None
    epochs = range(1, len(history['train_loss']) + 1)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(epochs, history['train_loss'], label='train')
    ax1.plot(epochs, history['test_loss'], label='test')
    ax1.set_xlabel('epoch')
    ax1.set_ylabel('cross-entropy loss')
    ax1.legend()
    ax2.plot(epochs, [a * 100 for a in history['train_acc']], label='train')
    ax2.plot(epochs, [a * 100 for a in history['test_acc']], label='test')
    ax2.set_xlabel('epoch')
    ax2.set_ylabel('accuracy (%)')
    ax2.legend()
    fig.suptitle('ember: LeNet on Digits')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == '__main__':
    main()
