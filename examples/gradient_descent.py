"""Gradient descent, momentum and gradient clipping on a one-parameter problem (seed 001, 4.1-4.3).

    python examples/gradient_descent.py [--steps 1000] [--lr 0.01]

Minimises MSE(theta, 2) three ways with torch.optim.SGD: plain, with momentum=0.9, and with the
gradient clamped to [-5, 5] before each step (the seed's element-wise clipping; the common
norm-based alternative, nn.utils.clip_grad_norm_, is shown too). Each run ends near theta = 2.
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.optim as optim


def fit(steps, lr, momentum=0.0, clamp=None, max_norm=None):
    theta = torch.tensor(0.0, requires_grad=True)
    loss_fn = torch.nn.MSELoss()
    optimizer = optim.SGD([theta], lr=lr, momentum=momentum)
    for _ in range(steps):
        x = torch.tensor(1.0, requires_grad=False)
        y = 2.0 * x
        loss = loss_fn(theta, y)
        optimizer.zero_grad()
        loss.backward()
        if clamp is not None:
            # the seed's clipping: clamp each gradient element in place
            theta.grad.data.clamp_(min=-clamp, max=clamp)
        if max_norm is not None:
            nn.utils.clip_grad_norm_([theta], max_norm)
        optimizer.step()
    return theta.item()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=1000)
    parser.add_argument('--lr', type=float, default=0.01)
    args = parser.parse_args(argv)
    results = {
        'gradient descent': fit(args.steps, args.lr),
        'momentum 0.9': fit(args.steps, args.lr, momentum=0.9),
        'clamp grad to [-5, 5]': fit(args.steps, args.lr, clamp=5),
        'clip grad norm to 1': fit(args.steps, args.lr, max_norm=1.0),
    }
    for name, value in results.items():
        print(f'{name:>22}: theta = {value}')
    return results


if __name__ == '__main__':
    main()
