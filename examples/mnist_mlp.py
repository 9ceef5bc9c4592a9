"""The 784-128-10 fully connected Net on MNIST with Adam (seed 002), written for ember.

    python examples/mnist_mlp.py [--data ./data] [--epochs 10] [--limit N] [--batch-size 64]

Reads MNIST's IDX files (gzipped or not) from <data>/MNIST/raw/: train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte. If they are missing,
the dataset's error says where to put them (or pass --download).

Correction to the seed's code: its training loop iterates over `trainloader`, which the seed
never defines (NameError under PyTorch too; the second snippet also uses `nn` without importing
it when run on its own). Here trainloader is a DataLoader over MNIST with ToTensor().
"""
import argparse
import sys

import ember as torch
import ember.nn as nn
import ember.optim as optim
from ember.utils.data import DataLoader, Subset
from ember.vision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 784)
        x = self.fc1(x)
        x = self.fc2(x)
        return x


def limited(dataset, limit):
    return dataset if limit is None else Subset(dataset, range(min(limit, len(dataset))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default='./data', help='root holding MNIST/raw/')
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--limit', type=int, default=None, help='use only the first N images of each split')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--lr', type=float, default=0.001)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--download', action='store_true', help='download MNIST if missing (needs network)')
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    try:
        trainset = datasets.MNIST(root=args.data, train=True, download=args.download,
                                  transform=transforms.ToTensor())
        testset = datasets.MNIST(root=args.data, train=False, transform=transforms.ToTensor())
    except RuntimeError as e:   # files missing: the message says where to put them
        sys.exit(f'mnist_mlp.py: {e}')
    trainloader = DataLoader(limited(trainset, args.limit), batch_size=args.batch_size, shuffle=True)
    testloader = DataLoader(limited(testset, args.limit), batch_size=256, shuffle=False)

    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(net.parameters(), lr=args.lr)

    losses = []
    for epoch in range(args.epochs):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        losses.append(running_loss / len(trainloader))
        print(f'Epoch {epoch + 1}, Loss: {losses[-1]}')

    correct = total = 0
    with torch.no_grad():
        for images, labels in testloader:
            predicted = net(images).argmax(1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    accuracy = 100 * correct / total
    print(f'Test accuracy on {total} images: {accuracy:.2f} %')
    return losses, accuracy


if __name__ == '__main__':
    main()
