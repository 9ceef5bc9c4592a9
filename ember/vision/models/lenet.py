"""LeNet-5-style example model (LeCun et al., 1998) for small grayscale images (MNIST, Digits).

Both 5x5 convolutions are padded to keep the spatial size, so any input size that survives the two
2x2 max-pools works: 28x28 MNIST gives 16x7x7 features, the 8x8 UCI digits 16x2x2. Not a
torchvision model; its module names are conv1, conv2, fc1, fc2, fc3.
"""
from ... import nn
from ...nn import functional as F
from ... import ops as _ops

__all__ = ['LeNet', 'lenet']


class LeNet(nn.Module):
    def __init__(self, num_classes=10, in_channels=1, input_size=28):
        super().__init__()
        if isinstance(input_size, int):
            input_size = (input_size, input_size)
        h, w = (int(s) for s in input_size)
        if h < 4 or w < 4:
            raise ValueError(f"LeNet needs inputs of at least 4x4 pixels, got input_size={(h, w)}")
        self.input_size = (h, w)
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5, padding=2)
        self.fc1 = nn.Linear(16 * (h // 4) * (w // 4), 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = _ops.shape.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def lenet(*, weights=None, progress=True, **kwargs):
    """LeNet (``LeNet(**kwargs)``); there are no pretrained weights for it."""
    from ._utils import _check_weights
    _check_weights('lenet', weights, kwargs)
    return LeNet(**kwargs)
