"""Gradients and steps on PyTorch: ``torch.autograd.grad``; ``fit`` as it is.

A gradient taken inside another (a penalty, the unrolled GAN) is built with
``create_graph=True`` so that the outer gradient flows through it.
"""

import torch

_depth = 0  # how many value_and_grad calls are running (nesting)


def value_and_grad(fn):
    def wrapped(x, *args):
        global _depth
        single = not isinstance(x, (list, tuple))
        xs = [x] if single else list(x)
        xs = [t if t.requires_grad else t.detach().requires_grad_(True) for t in xs]
        _depth += 1
        try:
            with torch.enable_grad():
                loss, aux = fn(xs[0] if single else xs, *args)
                grads = torch.autograd.grad(
                    loss, xs, create_graph=_depth > 1, allow_unused=True
                )
        finally:
            _depth -= 1
        grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, xs)]
        return (loss, aux), grads[0] if single else grads

    return wrapped


def apply_gradients(optimizer, grads, variables):
    with torch.no_grad():
        optimizer.apply([g.detach() for g in grads], variables)


def replica_count() -> int:
    return 1


def replica_id():
    return None


class StepAdapter:
    """``fit`` calls ``train_step(data)``: the model's step runs as written."""

    def _setup_backend(self) -> None:
        pass

    def train_step(self, data):
        return self._train_step(data)
