"""A small CNN on CIFAR-10 with Adam (seed 000, section 4.2), written for ember.

    python examples/cifar10_cnn.py [--data ./data] [--epochs 10] [--limit N] [--batch-size 100]

Reads the CIFAR-10 python batches from <data>/cifar-10-batches-py/ (data_batch_1..5, test_batch,
batches.meta: extract https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz into <data>).
If they are missing, the dataset's error says where to put them (or pass --download).

Corrections to the seed's code (which fails the same way under PyTorch):
  * the seed's forward pools once (32x32 -> 16x16), so flatten gives 32*16*16 = 8192 features
    while fc1 = nn.Linear(32 * 8 * 8, 128) expects 2048: PyTorch raises
    "RuntimeError: mat1 and mat2 shapes cannot be multiplied (100x8192 and 2048x128)".
    Fixed by pooling after each conv (32 -> 16 -> 8), which keeps fc1 as the author wrote it.
  * the seed's test set was CIFAR10(train=True): evaluation ran on the training images.
    Fixed to train=False (the 10000-image test batch).
  * the model ends in log_softmax and the loss is CrossEntropyLoss (which applies log_softmax
    itself). That is kept: log_softmax is idempotent, so the loss is unchanged.
"""
import argparse
import sys
import time

import ember as torch
import ember.nn as nn
import ember.optim as optim
from ember.utils.data import DataLoader, Subset
from ember.vision import datasets, transforms


class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 8 * 8, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = nn.functional.relu(x)
        x = nn.functional.max_pool2d(x, 2)      # fix: 32x32 -> 16x16 (missing in the seed)
        x = self.conv2(x)
        x = nn.functional.max_pool2d(x, 2)      # 16x16 -> 8x8, so fc1's 32*8*8 fits
        x = nn.functional.relu(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = nn.functional.relu(x)
        x = self.fc2(x)
        output = nn.functional.log_softmax(x, dim=1)
        return output


def limited(dataset, limit):
    return dataset if limit is None else Subset(dataset, range(min(limit, len(dataset))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default='./data', help='root holding cifar-10-batches-py/')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--limit', type=int, default=None, help='use only the first N images of each split')
    parser.add_argument('--batch-size', type=int, default=100)
    parser.add_argument('--lr', type=float, default=0.001)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--download', action='store_true', help='download CIFAR-10 if missing (needs network)')
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    transform = transforms.Compose([
        transforms.ToTensor(),
        transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
    ])
    try:
        train_dataset = datasets.CIFAR10(root=args.data, train=True, download=args.download, transform=transform)
        test_dataset = datasets.CIFAR10(root=args.data, train=False, download=args.download, transform=transform)
    except RuntimeError as e:   # files missing: the message says where to put them
        sys.exit(f'cifar10_cnn.py: {e}')
    train_dataset, test_dataset = limited(train_dataset, args.limit), limited(test_dataset, args.limit)

    train_loader = DataLoader(train_dataset, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.num_workers)
    test_loader = DataLoader(test_dataset, batch_size=args.batch_size, shuffle=False,
                             num_workers=args.num_workers)

    model = CNN()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)

    losses = []
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        running_loss = 0.0
        for i, data in enumerate(train_loader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        losses.append(running_loss / len(train_loader))
        print(f'Epoch [{epoch}] Loss: {losses[-1]:.4f} ({time.perf_counter() - start:.1f}s)')

    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for data in test_loader:
            images, labels = data
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

    accuracy = 100 * correct / total
    print(f'Accuracy of the network on the {total} test images: {accuracy:.2f} %')
    return losses, accuracy


if __name__ == '__main__':
    main()
