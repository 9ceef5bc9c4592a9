"""Dynamic control flow: a network whose depth is drawn at random on every forward pass.

    python examples/dynamic_net.py [--steps 10000] [--lr 1e-8] [--seed 0]

y = a + b x + c x^2 + d x^3 (+ e x^4 (+ e x^5)): each forward adds 0 to 2 extra terms that
reuse the same parameter e, chosen with Python's random module. The graph is rebuilt on every
call, so ordinary Python control flow and parameter sharing just work. Fitted to sin(x) on
[-pi, pi] with SGD + momentum, as in PyTorch's "Learning PyTorch with Examples" tutorial.
"""
import argparse
import math
import random

import ember as torch


class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))
        self.e = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):   # 0, 1 or 2 extra terms sharing `e`
            y = y + self.e * x ** exp
        return y

    def string(self):
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3 '
                f'+ {self.e.item()} x^4 ? + {self.e.item()} x^5 ?')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=10000)
    parser.add_argument('--lr', type=float, default=1e-8)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    random.seed(args.seed)

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction='sum')
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    log_every = max(1, args.steps // 10)
    losses = []
    for t in range(args.steps):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        losses.append(loss.item())
        if t % log_every == log_every - 1:
            print(f'step {t + 1}: loss {loss.item():.2f}')
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print(f'Result: {model.string()}')
    return losses


if __name__ == '__main__':
    main()
