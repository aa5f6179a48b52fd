"""Differentiable augmentation of D's inputs, for GANs trained on little data.

Both augmenters split randomness from the transform (JAX cannot draw from a
``SeedGenerator`` inside a traced gradient): ``draw(batch_size, image_shape,
seed_generator=...)`` returns a dict of random tensors, drawn outside the
gradient; ``apply(images, draws)`` is deterministic and differentiable with
respect to ``images`` (never through the random parameters). The same draws
may be applied to real and fake batches, or fresh ones drawn for each.

Images are float (B, H, W, C) in [-1, 1]; ``apply`` keeps shape and dtype and
does not clip: colour transforms move values outside [-1, 1] (DiffAugment's
brightness alone gives [-1.5, 1.5], its saturation and contrast then scale
deviations by up to 2 and 1.5; ADA's lognormal contrast and saturation
factors are unbounded, though rarely large). Geometric transforms only move
pixels (and zeros, for DiffAugment's padding and cutout). ``image_shape``
is (H, W, C) or (B, H, W, C). ``apply`` raises ``ValueError`` on images that
are not 4-D; a bad policy or transform name raises ``ValueError`` listing the
valid ones. All maths is ``keras.ops``: it runs on TensorFlow (also inside a
``tf.function`` with an unknown batch size), JAX and PyTorch.

- :class:`DiffAugment` (Zhao et al. 2020, arXiv 2006.10738): always applied.
- :class:`ADA` (Karras et al. 2020, arXiv 2006.06676): each transform applied
  to each image with probability p; :func:`ada_update` adjusts p from
  :func:`overfitting_signal`.
"""

import math

import keras
from keras import ops

DIFF_POLICIES = ("color", "translation", "cutout")
ADA_TRANSFORMS = tuple(
    "xflip,rotate90,xint,brightness,contrast,lumaflip,hue,saturation".split(",")
)
_ADA_GEOMETRIC = ("xint", "rotate90", "xflip")
_ADA_IDENTITY = {"brightness": 0.0, "contrast": 1.0, "hue": 0.0, "saturation": 1.0}


def _parse(spec, valid, what):
    names = tuple(name.strip() for name in spec.split(",") if name.strip())
    unknown = [name for name in names if name not in valid]
    if unknown:
        raise ValueError(f"Unknown {what} {unknown}; valid: {', '.join(valid)}.")
    return names


def _image_size(image_shape):
    if len(image_shape) not in (3, 4):
        raise ValueError(f"image_shape must be (H, W, C); got {image_shape}.")
    return tuple(int(n) for n in image_shape[-3:])


def _check_images(images):
    if len(images.shape) != 4:
        raise ValueError(f"images must be 4-D (B, H, W, C); got {images.shape}.")
    return tuple(int(n) for n in images.shape[1:])


def _grid(h, w):
    """Row and column indices, shaped (1, H, 1) and (1, 1, W)."""
    rows = ops.reshape(ops.arange(h, dtype="int32"), (1, h, 1))
    return rows, ops.reshape(ops.arange(w, dtype="int32"), (1, 1, w))


def _per_image(v, rank=3):
    """(B,) → (B, 1, …) to broadcast against a rank-``rank`` tensor."""
    return ops.reshape(v, (-1,) + (1,) * (rank - 1))


def _gather_pixels(images, rows, cols):
    """out[b, i, j] = images[b, rows[b, i, j], cols[b, i, j]] (indices in range).

    A gather: the gradient reaches the source pixels (a scatter-add).
    """
    _, h, w, c = images.shape
    flat = ops.reshape(images, (-1, h * w, c))
    index = ops.reshape(rows * w + cols, (-1, h * w, 1))
    return ops.reshape(ops.take_along_axis(flat, index, axis=1), (-1, h, w, c))


def _translate_zero(images, draws):
    """out[b, i, j] = x[b, i - dy, j - dx], 0 outside; draws["translation"]
    (B, 2) holds (dy, dx)."""
    _, h, w, _ = images.shape
    shift = draws["translation"]
    rows, cols = _grid(h, w)
    rows = rows - _per_image(shift[:, 0])
    cols = cols - _per_image(shift[:, 1])
    inside = ops.logical_and(
        ops.logical_and(rows >= 0, rows < h), ops.logical_and(cols >= 0, cols < w)
    )
    moved = _gather_pixels(images, ops.clip(rows, 0, h - 1), ops.clip(cols, 0, w - 1))
    return moved * ops.cast(inside, images.dtype)[..., None]


def _cutout(images, draws):
    """Zero the (round(H/2), round(W/2)) rectangle at top-left corners
    draws["cutout"] (B, 2)."""
    _, h, w, _ = images.shape
    corner = draws["cutout"]
    ch, cw = int(h * 0.5 + 0.5), int(w * 0.5 + 0.5)
    rows, cols = _grid(h, w)
    top, left = _per_image(corner[:, 0]), _per_image(corner[:, 1])
    in_rows = ops.logical_and(rows >= top, rows < top + ch)
    in_cols = ops.logical_and(cols >= left, cols < left + cw)
    keep = 1 - ops.cast(ops.logical_and(in_rows, in_cols), images.dtype)
    return images * keep[..., None]


class _Augmenter:
    """get_config / from_config / repr over the one string argument."""

    _key = ""

    def get_config(self) -> dict:
        return {self._key: getattr(self, self._key)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({self._key}={getattr(self, self._key)!r})"


def _diff_color(x, draws):
    """Brightness x + b, saturation m_c + (x - m_c)·s, contrast m + (x - m)·c."""
    x = x + ops.cast(draws["brightness"], x.dtype)
    mean_c = ops.mean(x, axis=-1, keepdims=True)
    x = mean_c + (x - mean_c) * ops.cast(draws["saturation"], x.dtype)
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return mean + (x - mean) * ops.cast(draws["contrast"], x.dtype)


_DIFF_OPS = {"color": _diff_color, "translation": _translate_zero, "cutout": _cutout}


@keras.saving.register_keras_serializable(package="ganlab")
class DiffAugment(_Augmenter):
    """DiffAugment (Zhao et al. 2020), as in the authors' code, in policy order.

    - ``color``: brightness x + b, b ~ U(-0.5, 0.5); saturation
      m_c + (x - m_c)·s, s ~ U(0, 2), m_c the mean over channels (a no-op when
      C = 1); contrast m + (x - m)·c, c ~ U(0.5, 1.5), m the image's mean.
      Draws ``brightness``, ``saturation``, ``contrast``: (B, 1, 1, 1) float32.
    - ``translation``: out[i, j] = x[i - dy, j - dx], zero outside, integer
      dy ∈ [-round(H/8), round(H/8)], dx likewise with W. Draw
      ``translation``: (B, 2) int32 (dy, dx).
    - ``cutout``: zero a (h, w) = (round(H/2), round(W/2)) rectangle, its
      centre row uniform over {0, …, H - h mod 2} (columns likewise), clipped
      at the border. Draw ``cutout``: (B, 2) int32 top-left corner
      (centre - (h//2, w//2); may be negative).

    ``probability`` in ``draw`` is ignored (DiffAugment always applies); it
    is accepted so that both augmenters share one call.
    """

    _key = "policy"

    def __init__(self, policy: str = "color,translation,cutout"):
        self.names = _parse(policy, DIFF_POLICIES, "DiffAugment policy")
        self.policy = ",".join(self.names)

    def draw(self, batch_size, image_shape, *, seed_generator, probability=None):
        h, w, _ = _image_size(image_shape)
        seed, one = seed_generator, (batch_size, 1, 1, 1)
        draws = {}
        if "color" in self.names:
            draws["brightness"] = keras.random.uniform(one, -0.5, 0.5, seed=seed)
            draws["saturation"] = keras.random.uniform(one, 0.0, 2.0, seed=seed)
            draws["contrast"] = keras.random.uniform(one, 0.5, 1.5, seed=seed)
        if "translation" in self.names:
            sh, sw = int(h * 0.125 + 0.5), int(w * 0.125 + 0.5)
            dy = keras.random.randint((batch_size,), -sh, sh + 1, seed=seed)
            dx = keras.random.randint((batch_size,), -sw, sw + 1, seed=seed)
            draws["translation"] = ops.stack([dy, dx], axis=1)
        if "cutout" in self.names:
            ch, cw = int(h * 0.5 + 0.5), int(w * 0.5 + 0.5)
            top = keras.random.randint((batch_size,), 0, h - ch % 2 + 1, seed=seed)
            left = keras.random.randint((batch_size,), 0, w - cw % 2 + 1, seed=seed)
            draws["cutout"] = ops.stack([top - ch // 2, left - cw // 2], axis=1)
        return draws

    def apply(self, images, draws):
        _check_images(images)
        x = images
        for name in self.names:
            x = _DIFF_OPS[name](x, draws)
        return x


def _reflect(a, n):
    """Reflect indices into [0, n - 1] about the edge pixels (one bounce)."""
    a = ops.abs(a)
    return ops.clip(ops.where(a > n - 1, 2 * (n - 1) - a, a), 0, n - 1)


def _rot90_source(rows, cols, k, n):
    """Source indices of np.rot90(x, k) on an (n + 1)-pixel square, per image."""
    options = [(rows, cols), (cols, n - rows), (n - rows, n - cols), (n - cols, rows)]
    new_rows, new_cols = options[3]
    for i in (2, 1, 0):
        new_rows = ops.where(k == i, options[i][0], new_rows)
        new_cols = ops.where(k == i, options[i][1], new_cols)
    return new_rows, new_cols


def _ada_geometric(x, params):
    """Translate, rotate, flip: one gather, reflect-padded as in ADA."""
    _, h, w, _ = x.shape
    rows, cols = _grid(h, w)
    if "xint" in params:
        rows = rows - _per_image(params["xint"][:, 0])
        cols = cols - _per_image(params["xint"][:, 1])
    rows, cols = rows + 0 * cols, cols + 0 * rows  # both (B, H, W)
    if "rotate90" in params:
        rows, cols = _rot90_source(rows, cols, _per_image(params["rotate90"]), h - 1)
    if "xflip" in params:
        cols = ops.where(_per_image(params["xflip"]) == 1, w - 1 - cols, cols)
    return _gather_pixels(x, _reflect(rows, h), _reflect(cols, w))


def _rotate_hue(x, theta):
    """Rodrigues rotation of RGB about the grey axis v = (1, 1, 1)/√3."""
    r, g, b = x[..., 0:1], x[..., 1:2], x[..., 2:3]
    cross = ops.concatenate([b - g, r - b, g - r], axis=-1) / math.sqrt(3.0)
    mean = ops.mean(x, axis=-1, keepdims=True)
    cos, sin = ops.cos(theta), ops.sin(theta)
    return x * cos + cross * sin + mean * (1.0 - cos)


def _ada_color(x, params):
    """Brightness, contrast, luma flip, hue, saturation (ADA's order)."""

    def get(name):
        return ops.cast(_per_image(params[name], 4), x.dtype)

    if "brightness" in params:
        x = x + get("brightness")
    if "contrast" in params:
        x = x * get("contrast")
    if "lumaflip" in params:
        x = x - 2.0 * get("lumaflip") * ops.mean(x, axis=-1, keepdims=True)
    if "hue" in params and x.shape[-1] == 3:
        x = _rotate_hue(x, get("hue"))
    if "saturation" in params:
        mean_c = ops.mean(x, axis=-1, keepdims=True)
        x = mean_c + (x - mean_c) * get("saturation")
    return x


def _ada_param(name, batch_size, h, w, seed):
    """One transform's parameter for every image, before the Bernoulli mask."""
    shape = (batch_size,)
    if name in ("xflip", "lumaflip", "rotate90"):
        return keras.random.randint(shape, 0, 4 if name == "rotate90" else 2, seed=seed)
    if name == "xint":
        t = keras.random.uniform((batch_size, 2), -1.0, 1.0, seed=seed)
        size = ops.convert_to_tensor([h * 0.125, w * 0.125], "float32")
        return ops.cast(ops.round(t * size), "int32")
    if name == "hue":
        return keras.random.uniform(shape, -math.pi, math.pi, seed=seed)
    std = {"brightness": 0.2, "contrast": 0.5, "saturation": 1.0}[name]
    z = keras.random.normal(shape, stddev=std, seed=seed)
    return z if name == "brightness" else ops.power(2.0, z)


def _masked(draws, name):
    """The parameter where the image's Bernoulli mask is on, else the identity."""
    value = draws[name]
    mask = ops.reshape(draws[name + "_mask"], (-1,) + (1,) * (len(value.shape) - 1))
    return ops.where(mask, value, ops.full_like(value, _ADA_IDENTITY.get(name, 0)))


@keras.saving.register_keras_serializable(package="ganlab")
class ADA(_Augmenter):
    """ADA's augmentations (Karras et al. 2020): each transform of the pipeline
    is applied to each image independently with probability p.

    Included, a CPU-cheap subset of their "bgc" pipeline with their
    parameter distributions: all of "b" (pixel blitting) and "c" (colour),
    blits first, each group in ADA's order whatever the order of
    ``transforms``; with p = 1 the colour ones change every image:

    - ``xflip``: x-flip with probability 1/2 (k ~ U{0, 1});
    - ``rotate90``: np.rot90 by k·90°, k ~ U{0, 1, 2, 3}; square images only
      (left out of the draws, and a no-op, when H ≠ W);
    - ``xint``: integer translation (dy, dx) = round(U(-1, 1)·(H, W)/8),
      padded by reflection as in ADA;
    - ``brightness``: x + b, b ~ N(0, 0.2²);
    - ``contrast``: x·c, c = 2^N(0, 0.5²) (about 0: mid-grey in [-1, 1]);
    - ``lumaflip``: x - 2k·m_c, k ~ U{0, 1}, m_c the mean over channels
      (flips the luma, keeps the chroma; negates a grey image);
    - ``hue``: rotation of RGB about the grey axis by θ ~ U(-π, π)
      (Rodrigues); a no-op unless C = 3;
    - ``saturation``: m_c + (x - m_c)·s, s = 2^N(0, 1) (a no-op when C = 1).

    Left out: all of "g", their bilinear geometric transforms (isotropic and
    anisotropic scaling, arbitrary rotation, fractional translation, which
    need upfirdn resampling). "bgc" has no filter, noise or cutout.

    ``draw(..., probability=p)`` needs p (a scalar tensor or float in [0, 1]);
    for each transform it returns its parameter, ``draws[name]`` (B,) or
    (B, 2), and its Bernoulli mask ``draws[name + "_mask"]`` (B,) bool,
    uniform < p. ``apply`` uses the identity where the mask is off.
    """

    _key = "transforms"

    def __init__(self, transforms: str = ",".join(ADA_TRANSFORMS)):
        self.names = _parse(transforms, ADA_TRANSFORMS, "ADA transform")
        self.transforms = ",".join(self.names)

    def draw(self, batch_size, image_shape, *, seed_generator, probability=None):
        if probability is None:
            raise ValueError("ADA.draw needs probability=p, a scalar in [0, 1].")
        h, w, _ = _image_size(image_shape)
        p = ops.cast(probability, "float32")
        draws = {}
        for name in self.names:
            if name == "rotate90" and h != w:
                continue
            draws[name] = _ada_param(name, batch_size, h, w, seed_generator)
            u = keras.random.uniform((batch_size,), seed=seed_generator)
            draws[name + "_mask"] = u < p
        return draws

    def apply(self, images, draws):
        h, w, _ = _check_images(images)
        names = [n for n in self.names if n in draws and (n != "rotate90" or h == w)]
        params = {name: _masked(draws, name) for name in names}
        x = images
        if any(name in params for name in _ADA_GEOMETRIC):
            x = _ada_geometric(x, params)
        return _ada_color(x, params)


def get(identifier):
    """An augmenter from "diffaugment", "ada", None or "none" (no augmentation),
    a ``get_config()`` dict (or a ``keras.saving.serialize_keras_object`` one),
    or an instance (returned as it is). Raises ValueError on unknown names,
    TypeError on other types."""
    if identifier is None or isinstance(identifier, (DiffAugment, ADA)):
        return identifier
    if isinstance(identifier, str):
        table = {"none": None, "diffaugment": DiffAugment, "ada": ADA}
        key = identifier.strip().lower()
        if key not in table:
            raise ValueError(f"Unknown augmentation {identifier!r}; use {list(table)}.")
        return table[key]() if table[key] else None
    if isinstance(identifier, dict):
        if "class_name" in identifier:
            return get(keras.saving.deserialize_keras_object(identifier))
        if set(identifier) == {"policy"}:
            return DiffAugment.from_config(identifier)
        if set(identifier) == {"transforms"}:
            return ADA.from_config(identifier)
        raise ValueError(f"Not an augmentation config: {identifier!r}.")
    raise TypeError(f"Cannot make an augmentation from {type(identifier).__name__}.")


def overfitting_signal(real_logits):
    """ADA's r_t = E[sign(D(x_real))]: near 1 when D is overfitting the reals."""
    return ops.mean(ops.sign(ops.cast(real_logits, "float32")))


def ada_update(p, r_t, *, target=0.6, batch_size, interval=4, speed_images=500_000):
    """ADA's controller, run every ``interval`` steps: p moves by
    sign(r_t - target) · batch_size · interval / speed_images (so p can go
    from 0 to 1 in ``speed_images`` images), clipped to [0, 1]. Returns a
    float32 scalar tensor; ``batch_size`` may be a tensor."""
    step = ops.cast(batch_size, "float32") * (interval / speed_images)
    r_t = ops.cast(r_t, "float32")
    return ops.clip(ops.cast(p, "float32") + ops.sign(r_t - target) * step, 0.0, 1.0)
