"""Data loading: DataLoader throughput on a transform-heavy map dataset (ember.utils.data vs torch.utils.data).

One call = one epoch (256 items of ~0.5 ms NumPy work each, batch 32). With workers, a fresh epoch
starts its worker processes (as in torch) unless persistent_workers=True.
"""


def workloads(ember, torch, np):
    import importlib

    class Transformed:
        """3x64x64 float32 images with a per-item NumPy transform (normalize, flip, 3x3 blur, crop)."""

        def __init__(self, fw, n=256):
            self.fw, self.n = fw, n
            rng = np.random.default_rng(0)
            self.base = rng.integers(0, 256, (16, 3, 72, 72), dtype=np.uint8)

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            img = self.base[i % 16].astype(np.float32) / 255.0
            img = (img - 0.5) / 0.25
            if i % 2:
                img = img[:, :, ::-1]
            acc = np.zeros_like(img)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    acc += np.roll(np.roll(img, dy, 1), dx, 2)
            img = np.ascontiguousarray(acc[:, 4:68, 4:68] / 9.0)
            return self.fw.from_numpy(img), i % 10

    def data_mod(fw):
        return importlib.import_module(fw.__name__ + '.utils.data')

    def epoch(workers, persistent=False):
        def setup(fw):
            D = data_mod(fw)
            kw = dict(num_workers=workers, persistent_workers=persistent) if workers else {}
            loader = D.DataLoader(Transformed(fw), batch_size=32, shuffle=True, **kw)

            def run():
                n = 0
                for x, y in loader:
                    n += x.shape[0]
                assert n == 256
            return run
        return setup

    return [
        ('DataLoader epoch, 256 x 0.5 ms items, batch 32, 0 workers', epoch(0)),
        ('DataLoader epoch, 256 x 0.5 ms items, batch 32, 2 workers', epoch(2)),
        ('DataLoader epoch, same, 2 persistent workers', epoch(2, True)),
    ]
