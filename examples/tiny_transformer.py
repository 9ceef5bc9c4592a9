"""A small causal Transformer (decoder-only, character level) built from nn.TransformerEncoder.

    python examples/tiny_transformer.py [--text FILE] [--steps 300] [--limit N]

Token + learned position embeddings, nn.TransformerEncoder layers with a causal mask
(nn.Transformer.generate_square_subsequent_mask), a linear head; AdamW with a cosine learning
rate schedule. Learns to predict the next character of a text, then continues a prompt greedily.
"""
import argparse

import ember as torch
import ember.nn as nn

TEXT = (
    "the quick brown fox jumps over the lazy dog. the lazy dog sleeps in the sun. "
    "a small model reads this text one character at a time and learns which letter comes next. "
    "it sees the same words again and again: the fox, the dog, the sun, the text. "
    "after a few hundred steps it can spell the words it has seen, one character at a time. "
)


class TinyTransformer(nn.Module):
    def __init__(self, vocab_size, block_size, d_model=64, nhead=4, num_layers=2, dropout=0.1):
        super().__init__()
        self.block_size = block_size
        self.tok = nn.Embedding(vocab_size, d_model)
        self.pos = nn.Parameter(torch.zeros(1, block_size, d_model))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=4 * d_model, dropout=dropout,
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)

    def forward(self, idx):
        t = idx.size(1)
        if t > self.block_size:
            raise ValueError(f'sequence of length {t} is longer than block_size={self.block_size}')
        x = self.tok(idx) + self.pos[:, :t]
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.norm(x))


def batches(data, block, batch_size, generator):
    starts = torch.randint(0, len(data) - block - 1, (batch_size,), generator=generator)
    idx = starts.unsqueeze(1) + torch.arange(block + 1)
    chunk = data[idx]
    return chunk[:, :-1], chunk[:, 1:]


@torch.no_grad()
def generate(model, idx, length):
    model.eval()
    for _ in range(length):
        logits = model(idx[:, -model.block_size:])
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        idx = torch.cat([idx, nxt], dim=1)
    model.train()
    return idx


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--text', help='a UTF-8 text file to learn (default: a built-in paragraph)')
    parser.add_argument('--limit', type=int, default=None, help='use only the first N characters')
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--block-size', type=int, default=32)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--d-model', type=int, default=64)
    parser.add_argument('--layers', type=int, default=2)
    parser.add_argument('--lr', type=float, default=3e-3)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)

    text = open(args.text, encoding='utf-8').read() if args.text else TEXT
    text = text[:args.limit]
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text])
    block = min(args.block_size, len(text) - 2)
    print(f'{len(text)} characters, vocabulary of {len(chars)}')

    model = TinyTransformer(len(chars), block, d_model=args.d_model, num_layers=args.layers)
    print(f'{sum(p.numel() for p in model.parameters())} parameters')
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.steps)
    criterion = nn.CrossEntropyLoss()

    log_every = max(1, args.steps // 10)
    running = 0.0
    for step in range(1, args.steps + 1):
        x, y = batches(data, block, args.batch_size, g)
        logits = model(x)
        loss = criterion(logits.reshape(-1, len(chars)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        running += loss.item()
        if step % log_every == 0:
            print(f'step {step}: loss {running / log_every:.4f}')
            running = 0.0

    prompt = data[:8].unsqueeze(0)
    out = generate(model, prompt, 60)[0].tolist()
    print('continuation:', repr(''.join(chars[i] for i in out)))


if __name__ == '__main__':
    main()
