"""Functions run by ember.multiprocessing children in test_distributed.py (a module without torch)."""
import ember


def _writer(i, t):
    t[i] = 100.0 + i                    # writes land in the parent's shared memory


def _hogwild(i, model, steps):
    ember.manual_seed(i)
    opt = ember.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        x = ember.randn(8, 3)
        y = x.sum(1, keepdim=True)
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()


def _echo(q_in, q_out):
    t = q_in.get()
    t += 1                              # in place: visible to the sender (same memory)
    q_out.put(t)
