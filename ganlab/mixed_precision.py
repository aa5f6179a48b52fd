"""Opt-in bfloat16 mixed precision, where the hardware runs it fast.

Under Keras's ``"mixed_bfloat16"`` policy, layers compute in bfloat16 and keep
their weights in float32. bfloat16 has float32's exponent range, so unlike
float16 it needs no loss scaling, and ganlab's custom train steps work
unchanged. ganlab's generators end in a float32 tanh and its discriminators
in a float32 logit, so images, logits, losses and gradients of the weights
stay float32.

It pays off on CPUs with AVX512-BF16 or AMX (Intel Cooper Lake, Sapphire
Rapids and later; AMD Zen 4 and later) and on GPUs with bfloat16 tensor cores
(NVIDIA Ampere and later, TPUs). Elsewhere bfloat16 is emulated and slower
than float32. ``bench/throughput.py`` measures the speed-up.
"""

from __future__ import annotations

import warnings

import keras
import tensorflow as tf

BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")


def cpu_flags() -> set[str]:
    """The CPU's feature flags from /proc/cpuinfo (empty where unavailable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def bfloat16_supported() -> bool:
    """True when a GPU is visible or the CPU has AVX512-BF16 or AMX-BF16."""
    if tf.config.list_physical_devices("GPU"):
        return True
    return bool(cpu_flags() & set(BF16_CPU_FLAGS))


def set_precision(precision: str = "bfloat16") -> str:
    """Set Keras's global dtype policy for the networks built afterwards.

    Call it *before* building the generator and discriminator (the policy is
    read when a layer is created); models built earlier keep their dtype.

    Args:
        precision: ``"bfloat16"`` (the ``"mixed_bfloat16"`` policy) or
            ``"float32"`` (back to full precision).

    Returns:
        The name of the policy now in effect.

    Raises:
        ValueError: for any other precision (float16 needs loss scaling,
            which ganlab's train steps do not do).
    """
    policies = {"bfloat16": "mixed_bfloat16", "float32": "float32"}
    if precision not in policies:
        raise ValueError(
            f"precision must be 'bfloat16' or 'float32', got {precision!r}. "
            "(float16 would need loss scaling, which ganlab does not do; use "
            "bfloat16, which has float32's range.)"
        )
    if precision == "bfloat16" and not bfloat16_supported():
        warnings.warn(
            "This machine has no GPU and its CPU lacks AVX512-BF16/AMX: "
            "bfloat16 will be emulated and slower than float32.",
            stacklevel=2,
        )
    keras.config.set_dtype_policy(policies[precision])
    return keras.config.dtype_policy().name
