"""The LeNet-style Net (with num_flat_features) trained on MNIST with SGD + momentum (seed 003,
sections 3.3, 3.4 and 4), written for ember.

    python examples/mnist_lenet.py [--data ./data] [--epochs 2] [--limit N] [--batch-size 64]

Reads MNIST's IDX files (gzipped or not) from <data>/MNIST/raw/: train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte. If they are missing,
the dataset's error says where to put them (or pass --download).

Corrections to the seed's code (each fails the same way under PyTorch):
  * the Net is LeNet for 32x32 inputs (fc1 = nn.Linear(16 * 5 * 5, 120)), but MNIST images are
    28x28: after conv-pool-conv-pool they are 16x4x4 = 256 features, and fc1 raises
    "RuntimeError: mat1 and mat2 shapes cannot be multiplied (64x256 and 400x120)".
    Fixed by padding the images to 32x32 (transforms.Pad(2)), the classic LeNet input size.
  * section 3.4's loop iterates over `trainloader`, which the seed never defines (NameError);
    section 4 builds `train_loader` (batch 64, shuffle) from MNIST: that is the loader used here.
  * section 3.4 prints every 2000 mini-batches; with batch 64 an MNIST epoch has 938 batches,
    so that line would never print. The interval is --log-interval (default 200).
"""
import argparse
import sys

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.data import DataLoader, Subset
from ember.vision import datasets, transforms


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


def limited(dataset, limit):
    return dataset if limit is None else Subset(dataset, range(min(limit, len(dataset))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default='./data', help='root holding MNIST/raw/')
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--limit', type=int, default=None, help='use only the first N images of each split')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--lr', type=float, default=0.001)
    parser.add_argument('--log-interval', type=int, default=200, help='print the running loss every N batches')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--download', action='store_true', help='download MNIST if missing (needs network)')
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    net = Net()
    print(net)

    # fix: pad 28x28 MNIST digits to the 32x32 input this LeNet was designed for
    transform = transforms.Compose([transforms.Pad(2), transforms.ToTensor()])
    try:
        train_dataset = datasets.MNIST(root=args.data, train=True, transform=transform, download=args.download)
        test_dataset = datasets.MNIST(root=args.data, train=False, transform=transform)
    except RuntimeError as e:   # files missing: the message says where to put them
        sys.exit(f'mnist_lenet.py: {e}')
    train_loader = DataLoader(dataset=limited(train_dataset, args.limit), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(dataset=limited(test_dataset, args.limit), batch_size=args.batch_size, shuffle=False)

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)

    n = args.log_interval
    epoch_losses = []
    for epoch in range(args.epochs):
        running_loss = epoch_loss = 0.0
        for i, data in enumerate(train_loader, 0):
            inputs, labels = data
            optimizer.zero_grad()

            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            running_loss += loss.item()
            epoch_loss += loss.item()
            if i % n == n - 1:
                print('[%d, %5d] loss: %.3f' % (epoch + 1, i + 1, running_loss / n))
                running_loss = 0.0
        epoch_losses.append(epoch_loss / len(train_loader))
        print('epoch %d: mean loss %.4f' % (epoch + 1, epoch_losses[-1]))

    print('Finished Training')

    correct = total = 0
    with torch.no_grad():
        for images, labels in test_loader:
            _, predicted = torch.max(net(images), 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    accuracy = 100 * correct / total
    print('Accuracy of the network on the %d test images: %.2f %%' % (total, accuracy))
    return epoch_losses, accuracy


if __name__ == '__main__':
    main()
