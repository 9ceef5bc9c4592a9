"""Core: per-op overhead, elementwise, reductions, matmul, autograd chains."""


def workloads(ember, torch, np):
    """(name, setup) where setup(fw) returns a zero-argument callable for framework fw."""
    W = []

    def tiny_fwd(fw):
        a, b = fw.ones(1), fw.ones(1)
        return lambda: a + b
    W.append(('forward a+b, 1 element', tiny_fwd))

    def tiny_mul(fw):
        a = fw.ones(1)
        return lambda: a * 2.0
    W.append(('forward a*2.0 (scalar), 1 element', tiny_mul))

    def tiny_fb(fw):
        a, b = fw.ones(1, requires_grad=True), fw.ones(1)

        def step():
            c = a + b
            c.backward()
        return step
    W.append(('forward+backward c=a+b; c.backward()', tiny_fb))

    def chain(fw):
        x = fw.ones(16, requires_grad=True)
        w = fw.full((16,), 1.001)

        def step():
            y = x
            for _ in range(50):
                y = y * w
                y = y + 0.5
            y.sum().backward()
        return step
    W.append(('100-op autograd chain, 16 floats, fwd+bwd', chain))

    rng = np.random.default_rng(0)
    big_a = rng.standard_normal(1_000_000).astype(np.float32)
    big_b = rng.standard_normal(1_000_000).astype(np.float32)

    def elementwise(op):
        def setup(fw):
            a, b = fw.from_numpy(big_a.copy()), fw.from_numpy(big_b.copy())
            return {'add': lambda: a + b, 'mul': lambda: a * b,
                    'exp': lambda: fw.exp(a), 'relu': lambda: fw.relu(a),
                    'sigmoid': lambda: fw.sigmoid(a)}[op]
        return setup
    for op in ('add', 'mul', 'exp', 'relu', 'sigmoid'):
        W.append((f'elementwise {op}, 1M float32', elementwise(op)))

    def reduction(op):
        def setup(fw):
            a = fw.from_numpy(big_a.reshape(1000, 1000).copy())
            return {'sum': lambda: a.sum(), 'mean': lambda: a.mean(),
                    'sum(dim=1)': lambda: a.sum(1), 'max': lambda: a.max(),
                    'var': lambda: a.var(), 'softmax(dim=1)': lambda: fw.softmax(a, 1)}[op]
        return setup
    for op in ('sum', 'mean', 'sum(dim=1)', 'max', 'var', 'softmax(dim=1)'):
        W.append((f'reduction {op}, 1000x1000 float32', reduction(op)))

    def mm(n):
        def setup(fw):
            a = fw.from_numpy(rng.standard_normal((n, n)).astype(np.float32))
            b = fw.from_numpy(rng.standard_normal((n, n)).astype(np.float32))
            return lambda: a @ b
        return setup
    for n in (256, 512, 1024, 2048):
        W.append((f'matmul {n}x{n} float32', mm(n)))

    def mm_fb(fw):
        a = fw.from_numpy(rng.standard_normal((256, 256)).astype(np.float32)).requires_grad_()
        b = fw.from_numpy(rng.standard_normal((256, 256)).astype(np.float32)).requires_grad_()

        def step():
            (a @ b).sum().backward()
        return step
    W.append(('matmul 256 fwd+bwd', mm_fb))
    return W
