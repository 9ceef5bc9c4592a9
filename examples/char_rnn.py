"""A character-level language model: Embedding -> LSTM (or GRU / RNN) -> Linear, trained with Adam.

    python examples/char_rnn.py [--text FILE] [--steps 300] [--cell lstm|gru|rnn] [--limit N]

Learns to predict the next character of a text (a built-in paragraph, or --text FILE), with
gradient-norm clipping, then samples a continuation from the trained model.
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


class CharRNN(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1, cell='lstm'):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[cell]
        self.rnn = rnn(embed_dim, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embed(x), state)     # out: (batch, seq, hidden)
        return self.head(out), state                    # logits: (batch, seq, vocab)


def batches(data, seq_len, batch_size, generator):
    """Random windows of the text: inputs and the same windows shifted by one character."""
    starts = torch.randint(0, len(data) - seq_len - 1, (batch_size,), generator=generator)
    idx = starts.unsqueeze(1) + torch.arange(seq_len + 1)
    chunk = data[idx]
    return chunk[:, :-1], chunk[:, 1:]


@torch.no_grad()
def sample(model, stoi, itos, prompt, length, temperature, generator):
    model.eval()
    x = torch.tensor([[stoi[c] for c in prompt]])
    logits, state = model(x)
    out = list(prompt)
    for _ in range(length):
        probs = torch.softmax(logits[0, -1] / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator).item()
        out.append(itos[nxt])
        logits, state = model(torch.tensor([[nxt]]), state)
    model.train()
    return ''.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--text', help='a UTF-8 text file to learn (default: a built-in paragraph)')
    parser.add_argument('--limit', type=int, default=None, help='use only the first N characters')
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--cell', choices=['lstm', 'gru', 'rnn'], default='lstm')
    parser.add_argument('--hidden', type=int, default=128)
    parser.add_argument('--seq-len', type=int, default=32)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--lr', type=float, default=0.01)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)

    text = open(args.text, encoding='utf-8').read() if args.text else TEXT
    text = text[:args.limit]
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text])
    seq_len = min(args.seq_len, len(text) - 2)
    print(f'{len(text)} characters, vocabulary of {len(chars)}')

    model = CharRNN(len(chars), hidden_size=args.hidden, cell=args.cell)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()

    log_every = max(1, args.steps // 10)
    running = 0.0
    for step in range(1, args.steps + 1):
        x, y = batches(data, seq_len, args.batch_size, g)
        logits, _ = model(x)
        loss = criterion(logits.reshape(-1, len(chars)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running += loss.item()
        if step % log_every == 0:
            print(f'step {step}: loss {running / log_every:.4f}')
            running = 0.0

    print('sample:', repr(sample(model, stoi, itos=chars, prompt=text[:4], length=80, temperature=0.5,
                                 generator=g)))


if __name__ == '__main__':
    main()
