"""How good is a translation? Per-image scores of outputs against targets.

- :func:`l1_error`, :func:`l2_error`: mean absolute and mean squared error
  per image, on the [-1, 1] scale (on [0, 1] pixels L1 is half and L2 a
  quarter of these);
- :func:`ssim`: the structural similarity index (Wang et al. 2004, "Image
  quality assessment: from error visibility to structural similarity",
  IEEE TIP 13(4)), computed by ``skimage.metrics.structural_similarity``;
- :func:`class_preserved`: for MNIST, how often ganlab's shipped digit
  classifier still reads the input's digit in the output;
- :func:`translation_scores`: their means in one dict.

Images follow ganlab's convention: (N, H, W, C) or (N, H, W), float in
[-1, 1] or uint8 in [0, 255] (mapped to [-1, 1]). NumPy only, no backend.
"""

from __future__ import annotations

import numpy as np

from ganlab.translation.core import as_images


def _pair(outputs, targets) -> tuple[np.ndarray, np.ndarray]:
    outputs = as_images(outputs, name="outputs", allow_empty=True)
    targets = as_images(targets, name="targets", allow_empty=True)
    if outputs.shape != targets.shape:
        raise ValueError(
            f"outputs and targets must have the same shape; got {outputs.shape} and "
            f"{targets.shape}."
        )
    return outputs, targets


def l1_error(outputs, targets) -> np.ndarray:
    """Mean absolute error per image, (1/P) Σ_p abs(ŷ_p − y_p), on [-1, 1].

    Args:
        outputs: ŷ, (N, H, W, C) or (N, H, W), float in [-1, 1] or uint8.
        targets: y, the same shape.

    Returns:
        float64 array (N,), values in [0, 2]; P = H·W·C values per image.
    """
    outputs, targets = _pair(outputs, targets)
    diff = np.abs(outputs.astype(np.float64) - targets)
    return diff.reshape(len(diff), -1).mean(axis=1)


def l2_error(outputs, targets) -> np.ndarray:
    """Mean squared error per image, (1/P) Σ_p (ŷ_p − y_p)², on [-1, 1].

    Args and shapes as :func:`l1_error`.

    Returns:
        float64 array (N,), values in [0, 4].
    """
    outputs, targets = _pair(outputs, targets)
    diff = np.square(outputs.astype(np.float64) - targets)
    return diff.reshape(len(diff), -1).mean(axis=1)


def ssim(outputs, targets, **kwargs) -> np.ndarray:
    """Structural similarity per image (Wang et al. 2004).

    SSIM(x, y) = l(x, y) · c(x, y) · s(x, y), luminance, contrast and
    structure compared in a sliding window (7×7, uniform, skimage's
    default) and averaged over the image:

        SSIM = ((2 μ_x μ_y + C₁)(2 σ_xy + C₂)) /
               ((μ_x² + μ_y² + C₁)(σ_x² + σ_y² + C₂)),

    C₁ = (0.01 L)², C₂ = (0.03 L)², with the data range L = 2, the width of
    [-1, 1] (uint8 inputs are mapped to [-1, 1] first, so scores do not
    depend on the input's dtype; skimage needs ``data_range`` for floats).
    Colour images are scored per channel and averaged (``channel_axis=-1``).

    Args:
        outputs: (N, H, W, C) or (N, H, W), float in [-1, 1] or uint8; H and
            W at least 7 (the window).
        targets: the same shape.
        **kwargs: passed to ``skimage.metrics.structural_similarity`` (e.g.
            ``gaussian_weights=True, sigma=1.5`` for the paper's window).

    Returns:
        float64 array (N,), values in [-1, 1]; 1 means identical images.
    """
    from skimage.metrics import structural_similarity

    outputs, targets = _pair(outputs, targets)
    colour = outputs.shape[-1] > 1
    scores = [
        structural_similarity(
            o if colour else o[..., 0],
            t if colour else t[..., 0],
            data_range=2.0,
            channel_axis=-1 if colour else None,
            **kwargs,
        )
        for o, t in zip(outputs, targets)
    ]
    return np.asarray(scores, dtype=np.float64)


def class_preserved(inputs_digits, outputs, labels=None) -> float:
    """Fraction of outputs the MNIST evaluator reads as the input's digit.

    A translation of a digit (inpainted, super-resolved, thickened) should
    still show that digit. The shipped classifier
    (:func:`ganlab.evaluation.features.classifier_probabilities`) is run on the
    outputs and its argmax compared with ``labels``; without labels, with
    its own reading of ``inputs_digits`` (for inputs it can read, e.g. the
    real digits a CycleGAN restyles).

    Args:
        inputs_digits: the inputs, (N, 28, 28) or (N, 28, 28, 1), float in
            [-1, 1] or uint8; used for their count and, without labels,
            their classes.
        outputs: the translations, the same shape.
        labels: (N,) integer digits 0..9, or None.

    Returns:
        The accuracy, a float in [0, 1] (NaN for N = 0).

    Raises:
        ValueError: for shapes the evaluator does not take, or counts that
            differ.
    """
    from ganlab.evaluation.features import classifier_probabilities

    inputs_digits = as_images(inputs_digits, (28, 28, 1), "inputs", allow_empty=True)
    outputs = as_images(outputs, (28, 28, 1), "outputs", allow_empty=True)
    if len(inputs_digits) != len(outputs):
        raise ValueError(
            f"Got {len(inputs_digits)} inputs and {len(outputs)} outputs; they must "
            "be pairs."
        )
    if len(outputs) == 0:
        return float("nan")
    if labels is None:
        labels = classifier_probabilities(inputs_digits).argmax(axis=1)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(outputs):
        raise ValueError(f"Got {len(labels)} labels for {len(outputs)} outputs.")
    predicted = classifier_probabilities(outputs).argmax(axis=1)
    return float(np.mean(predicted == labels))


def translation_scores(outputs, targets, *, inputs=None, labels=None) -> dict:
    """Mean L1, L2 and SSIM of outputs against targets, and for 28×28×1
    images with ``inputs`` or ``labels`` the class accuracy.

    Returns:
        ``{"l1": ..., "l2": ..., "ssim": ...[, "class_acc": ...]}``, floats.
    """
    scores = {
        "l1": float(l1_error(outputs, targets).mean()),
        "l2": float(l2_error(outputs, targets).mean()),
        "ssim": float(ssim(outputs, targets).mean()),
    }
    if inputs is not None or labels is not None:
        scores["class_acc"] = class_preserved(
            targets if inputs is None else inputs, outputs, labels
        )
    return scores


__all__ = [
    "class_preserved",
    "l1_error",
    "l2_error",
    "ssim",
    "translation_scores",
]
