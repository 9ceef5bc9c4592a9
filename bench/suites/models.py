"""Whole-model training steps and inference (issue 3's targets): MLP, LeNet-5, the seeds' CIFAR CNN."""


def _mlp(nn):
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def _lenet(nn):
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def _cifar(nn):
    # the seeds' CIFAR-10 CNN (seed 000), with the pooling after conv1 that makes its shapes fit
    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(32 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {
    'MLP 784-128-10, batch 64, SGD momentum': (_mlp, (64, 784), 'sgd'),
    'LeNet-5 1x28x28, batch 64, Adam': (_lenet, (64, 1, 28, 28), 'adam'),
    'CIFAR CNN 3x32x32, batch 100, Adam': (_cifar, (100, 3, 32, 32), 'adam'),
}


def workloads(ember, torch, np):
    rng = np.random.default_rng(0)
    W = []
    for name, (build, shape, opt_name) in MODELS.items():
        x_np = rng.standard_normal(shape).astype(np.float32)
        y_np = rng.integers(0, 10, shape[0])

        def train(fw, build=build, x_np=x_np, y_np=y_np, opt_name=opt_name):
            fw.manual_seed(0)
            model = build(fw.nn)
            if opt_name == 'sgd':
                opt = fw.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            else:
                opt = fw.optim.Adam(model.parameters(), lr=1e-3)
            loss_fn = fw.nn.CrossEntropyLoss()
            x, y = fw.from_numpy(x_np), fw.from_numpy(y_np)

            def step():
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
            return step

        def infer(fw, build=build, x_np=x_np):
            model = build(fw.nn).eval()
            x = fw.from_numpy(x_np)

            def run():
                with fw.no_grad():
                    model(x)
            return run
        W.append((f'train step: {name}', train))
        W.append((f'inference: {name.split(",")[0]}', infer))
    return W
