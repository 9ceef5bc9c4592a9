"""A custom autograd.Function: y = a + b * P3(c + d * x), P3 the Legendre polynomial of degree 3.

    python examples/custom_function.py [--steps 2000] [--lr 5e-6]

The forward is written by hand and so is the backward (P3'(z) = 1.5 * (5z^2 - 1)); the four
scalar parameters are fitted to sin(x) on [-pi, pi] with plain gradient descent, as in PyTorch's
"Learning PyTorch with Examples" tutorial. torch.autograd.gradcheck verifies the backward.
"""
import argparse
import math

import ember as torch


class LegendrePolynomial3(torch.autograd.Function):
    """P3(z) = (5z^3 - 3z) / 2, with its derivative supplied by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=2000)
    parser.add_argument('--lr', type=float, default=5e-6)
    args = parser.parse_args(argv)
    dtype = torch.float

    # check the hand-written backward against finite differences (float64)
    z = torch.randn(6, dtype=torch.double, requires_grad=True)
    print('gradcheck:', torch.autograd.gradcheck(LegendrePolynomial3.apply, (z,)))

    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    # initial values chosen so the fit converges (as in the tutorial)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

    P3 = LegendrePolynomial3.apply
    log_every = max(1, args.steps // 10)
    for t in range(args.steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % log_every == log_every - 1:
            print(f'step {t + 1}: loss {loss.item():.4f}')
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= args.lr * p.grad
                p.grad = None

    print(f'Result: y = {a.item():.4f} + {b.item():.4f} * P3({c.item():.4f} + {d.item():.4f} x)')
    add = y_pred.grad_fn                    # a + (b * P3(...))
    mul = add.next_functions[1][0]          # b * P3(...)
    p3 = mul.next_functions[1][0]           # the custom Function's node
    print('graph:', ' <- '.join(node.name() for node in (add, mul, p3)))
    return loss.item()


if __name__ == '__main__':
    main()
