"""nn conv/pooling: LeNet-5 and the seeds' CIFAR CNN conv+pool stacks, forward and forward+backward,
plus single conv2d / max_pool2d / avg_pool2d layers."""


def workloads(ember, torch, np):
    W = []

    def stack(layers_fn, shape, backward, batch):
        def setup(fw):
            fw.manual_seed(0)
            nn = fw.nn
            layers = layers_fn(nn)
            x = fw.tensor(np.random.default_rng(0).standard_normal((batch,) + shape).astype(np.float32))
            params = [p for m in layers for p in m.parameters()]

            def fwd():
                y = x
                for m in layers:
                    y = m(y)
                return y

            if not backward:
                def run():
                    with fw.no_grad():
                        fwd()
                return run

            def step():
                for p in params:
                    p.grad = None
                fwd().sum().backward()
            return step
        return setup

    def lenet(nn):
        return [nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2)]

    def cifar(nn):
        return [nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]

    W.append(('LeNet-5 conv+pool, 64x1x28x28, forward', stack(lenet, (1, 28, 28), False, 64)))
    W.append(('LeNet-5 conv+pool, 64x1x28x28, fwd+bwd', stack(lenet, (1, 28, 28), True, 64)))
    W.append(('CIFAR CNN conv+pool, 100x3x32x32, forward', stack(cifar, (3, 32, 32), False, 100)))
    W.append(('CIFAR CNN conv+pool, 100x3x32x32, fwd+bwd', stack(cifar, (3, 32, 32), True, 100)))

    def single(fn_name, shape, wshape=None, backward=False, **kw):
        def setup(fw):
            F = fw.nn.functional
            rng = np.random.default_rng(0)
            x = fw.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=backward)
            args = ()
            if wshape is not None:
                args = (fw.tensor(rng.standard_normal(wshape).astype(np.float32), requires_grad=backward),)
            f = getattr(F, fn_name)
            if not backward:
                return lambda: f(x, *args, **kw)

            def step():
                x.grad = None
                f(x, *args, **kw).sum().backward()
            return step
        return setup

    W.append(('conv2d 100x16x16x16 * 32x16x3x3 pad 1, forward',
              single('conv2d', (100, 16, 16, 16), (32, 16, 3, 3), padding=1)))
    W.append(('conv2d 100x16x16x16 * 32x16x3x3 pad 1, fwd+bwd',
              single('conv2d', (100, 16, 16, 16), (32, 16, 3, 3), True, padding=1)))
    W.append(('depthwise conv2d 32x32x16x16 groups 32, fwd+bwd',
              single('conv2d', (32, 32, 16, 16), (32, 1, 3, 3), True, padding=1, groups=32)))
    W.append(('max_pool2d 2x2, 100x16x32x32, forward', single('max_pool2d', (100, 16, 32, 32), None, kernel_size=2)))
    W.append(('max_pool2d 2x2, 100x16x32x32, fwd+bwd',
              single('max_pool2d', (100, 16, 32, 32), None, True, kernel_size=2)))
    W.append(('max_pool2d 3x3 s2 (overlapping), 100x16x32x32, fwd+bwd',
              single('max_pool2d', (100, 16, 32, 32), None, True, kernel_size=3, stride=2)))
    W.append(('avg_pool2d 2x2, 100x16x32x32, fwd+bwd',
              single('avg_pool2d', (100, 16, 32, 32), None, True, kernel_size=2)))
    W.append(('adaptive_avg_pool2d 1x1, 100x64x8x8, fwd+bwd',
              single('adaptive_avg_pool2d', (100, 64, 8, 8), None, True, output_size=1)))
    return W
