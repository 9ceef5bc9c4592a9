"""Sequence models (issue 8's targets): LSTM language model and a small Transformer encoder,
training steps side by side. Throughput = tokens (LSTM) or samples (Transformer) per second."""


def _lstm_lm(fw, np):
    nn = fw.nn

    class LM(nn.Module):
        def __init__(self, vocab=10000, emb=200, hidden=200, layers=2):
            super().__init__()
            self.embed = nn.Embedding(vocab, emb)
            self.rnn = nn.LSTM(emb, hidden, layers)
            self.out = nn.Linear(hidden, vocab)

        def forward(self, x, state):
            y, state = self.rnn(self.embed(x), state)
            return self.out(y), state

    fw.manual_seed(0)
    model = LM()
    opt = fw.optim.SGD(model.parameters(), lr=1.0)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    x = fw.from_numpy(rng.integers(0, 10000, (35, 20)))
    y = fw.from_numpy(rng.integers(0, 10000, (35, 20)))
    h = (fw.zeros(2, 20, 200), fw.zeros(2, 20, 200))

    def step():
        opt.zero_grad()
        out, _ = model(x, h)
        loss = loss_fn(out.reshape(-1, 10000), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
    return step


def _transformer(fw, np):
    nn = fw.nn
    fw.manual_seed(0)
    layer = nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=512, batch_first=True)
    model = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    head = nn.Linear(128, 10)
    params = list(model.parameters()) + list(head.parameters())
    opt = fw.optim.Adam(params, lr=1e-4)
    rng = np.random.default_rng(0)
    x = fw.from_numpy(rng.standard_normal((32, 64, 128)).astype(np.float32))
    y = fw.from_numpy(rng.integers(0, 10, 32))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(head(model(x).mean(1)), y)
        loss.backward()
        opt.step()
    return step


def workloads(ember, torch, np):
    return [
        ('train step: LSTM LM (vocab 10k, 2x200, seq 35, batch 20)', lambda fw: _lstm_lm(fw, np)),
        ('train step: Transformer encoder (d128, 4 heads, 2 layers, seq 64, batch 32)',
         lambda fw: _transformer(fw, np)),
    ]
