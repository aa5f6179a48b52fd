"""A Keras backend op swapped for ganlab's own while a block runs.

Used by :mod:`.jax` and :mod:`.torch` to give Keras's ``conv_transpose`` a
faster path inside ganlab's gradients only; Keras's op is restored after,
so everything outside a gradient (``predict``, saving) runs Keras as it is.
"""

import contextlib
import functools
import importlib


@contextlib.contextmanager
def swapped_keras_op(module: str, name: str, replacement):
    """While the block runs, ``module.name`` is
    ``functools.partial(replacement, keras_op)``: ``replacement`` gets
    Keras's own op first, to fall back on.

    Nested blocks leave the swap in place. If Keras has no such module or
    op (another Keras layout), nothing is swapped.
    """
    try:
        owner = importlib.import_module(module)
        keras_op = getattr(owner, name)
    except (ImportError, AttributeError):
        yield
        return
    if getattr(keras_op, "func", None) is replacement:  # nested: in place
        yield
        return
    setattr(owner, name, functools.partial(replacement, keras_op))
    try:
        yield
    finally:
        setattr(owner, name, keras_op)
