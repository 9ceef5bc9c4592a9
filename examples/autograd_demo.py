"""The seeds' tensor and autograd examples (seed 003, sections 3.1-3.2), run on ember."""
import ember as torch

# 3.1 tensors
x = torch.empty(5, 3)
x = torch.rand(5, 3)
x = torch.tensor([[1, 2, 3], [4, 5, 6]])
y = x + 2
print(y)
z = x * y
print(z)

# 3.2 autograd
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
z = y * y * 3
out = z.mean()
out.backward()
print(x.grad)
