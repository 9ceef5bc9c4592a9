"""Optimizers: step time with many small parameters and with a few large ones."""


def workloads(ember, torch, np):
    """(name, setup) where setup(fw) returns a zero-argument callable (one optimizer.step())."""
    import ember.optim  # noqa: F401  (until ember/__init__ imports it)
    rng = np.random.default_rng(0)
    small = [rng.standard_normal(s).astype(np.float32)
             for s in [(32, 32), (32,), (16, 32), (16,)] * 50]           # 200 tensors, ~42k floats
    large = [rng.standard_normal(s).astype(np.float32)
             for s in [(1024, 1024), (1024,), (512, 1024), (512,)]]      # 4 tensors, ~1.6M floats

    def make(arrays, opt_name, kwargs):
        def setup(fw):
            ps = [fw.nn.Parameter(fw.from_numpy(a.copy())) for a in arrays]
            for p, a in zip(ps, arrays):
                p.grad = fw.from_numpy((a * 0.01).copy())
            opt = getattr(fw.optim, opt_name)(ps, **kwargs)
            opt.step()  # state allocated outside the timing
            return opt.step
        return setup

    W = []
    for label, arrays in (('200 small params (42k floats)', small), ('4 large params (1.6M floats)', large)):
        W.append((f'SGD momentum=0.9 step, {label}', make(arrays, 'SGD', dict(lr=0.01, momentum=0.9))))
        W.append((f'SGD nesterov+wd step, {label}',
                  make(arrays, 'SGD', dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4))))
        W.append((f'Adam step, {label}', make(arrays, 'Adam', dict(lr=1e-3))))
        W.append((f'AdamW amsgrad step, {label}', make(arrays, 'AdamW', dict(lr=1e-3, amsgrad=True))))
        W.append((f'RMSprop step, {label}', make(arrays, 'RMSprop', dict(lr=1e-3))))
    return W
