"""Linear regression with nn.Linear, MSELoss and SGD (seed 000, section 4.1).

    python examples/linear_regression.py [--epochs 1000] [--lr 0.01] [--seed 0]

Fits y = 2x + 1 + noise; the learned weight and bias come out close to 2 and 1.
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.optim as optim


class LinearRegression(nn.Module):
    def __init__(self):
        super(LinearRegression, self).__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=1000)
    parser.add_argument('--lr', type=float, default=0.01)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--limit', type=int, default=100, help='number of training samples')
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    # training data: y = 2x + 1 plus Gaussian noise (std 0.5)
    x_train = torch.randn(args.limit, 1)
    y_train = 2 * x_train + 1 + torch.randn(args.limit, 1) * 0.5

    model = LinearRegression()
    criterion = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr)

    log_every = max(1, args.epochs // 10)
    for epoch in range(args.epochs):
        optimizer.zero_grad()
        output = model(x_train)
        loss = criterion(output, y_train)
        loss.backward()
        optimizer.step()
        if epoch % log_every == 0:
            print(f'Epoch [{epoch}] Loss: {loss.item()}')

    w, b = model.linear.weight.item(), model.linear.bias.item()
    print(f'Final loss: {criterion(model(x_train), y_train).item():.4f}')
    print(f'Learned: y = {w:.3f} * x + {b:.3f}   (true: y = 2 * x + 1)')
    return w, b


if __name__ == '__main__':
    main()
