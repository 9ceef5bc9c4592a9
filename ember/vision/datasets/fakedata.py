"""FakeData (torchvision.datasets.FakeData): random images, reproducible per index."""
from .utils import VisionDataset

__all__ = ['FakeData']


class FakeData(VisionDataset):
    """``size`` random PIL images of ``image_size`` (C, H, W) with targets in [0, num_classes).

    Item ``i`` is drawn from ember's generator seeded with ``i + random_offset`` (the global RNG
    state is restored afterwards), so items are the same every time.
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        import ember
        from ..transforms import functional as F
        if index >= len(self):
            raise IndexError(f'{self.__class__.__name__} index out of range')
        state = ember.get_rng_state()
        try:
            ember.manual_seed(index + self.random_offset)
            img = ember.randn(*self.image_size)
            target = int(ember.randint(0, self.num_classes, size=(1,), dtype=ember.long)[0])
        finally:
            ember.set_rng_state(state)
        img = F.to_pil_image(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return self.size
