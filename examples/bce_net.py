"""The 10-20-1 binary classifier with BCELoss and Adam, saved with torch.save (seed 004).

    python examples/bce_net.py [--epochs 20] [--limit 1000] [--batch-size 32] [--out model.pth]

Corrections to the seed's code: it leaves the data loading as "# ..." and never defines
`num_epochs` or `trainloader` (NameError under PyTorch too). Here the data is a generated
binary classification problem (10 features; the label says whether a fixed random linear score
of them is positive), wrapped in a TensorDataset and DataLoader; BCELoss needs float targets
shaped like the output, (batch, 1). The checkpoint is PyTorch's format: torch.load reads it.
"""
import argparse

import ember as torch
import ember.nn as nn
from ember.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(10, 20)
        self.fc2 = nn.Linear(20, 1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = torch.sigmoid(self.fc2(x))
        return x


def make_data(n, generator):
    """n samples of 10 features; label 1.0 where a fixed linear score is positive."""
    w = torch.randn(10, generator=generator)
    x = torch.randn(n, 10, generator=generator)
    y = ((x @ w) > 0).float().unsqueeze(1)     # (n, 1) float targets, as BCELoss needs
    return x, y


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--limit', type=int, default=1000, help='number of generated training samples')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--out', default='model.pth', help='where to save the state_dict')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    g = torch.Generator().manual_seed(args.seed)

    inputs_all, labels_all = make_data(args.limit, g)
    trainloader = DataLoader(TensorDataset(inputs_all, labels_all), batch_size=args.batch_size, shuffle=True)
    num_epochs = args.epochs

    model = Net()
    criterion = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters())

    for epoch in range(num_epochs):
        total_loss = 0.0
        for i, data in enumerate(trainloader):
            inputs, labels = data
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * inputs.size(0)
        with torch.no_grad():
            accuracy = ((model(inputs_all) > 0.5).float() == labels_all).float().mean().item()
        print(f'Epoch {epoch + 1}/{num_epochs} loss: {total_loss / len(inputs_all):.4f} '
              f'accuracy: {100 * accuracy:.1f} %')

    torch.save(model.state_dict(), args.out)
    reloaded = Net()
    reloaded.load_state_dict(torch.load(args.out))
    with torch.no_grad():
        same = torch.equal(reloaded(inputs_all), model(inputs_all))
    print(f'Saved the model to {args.out} (reloaded: identical outputs: {same})')
    return model


if __name__ == '__main__':
    main()
