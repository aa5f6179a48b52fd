"""Translation tasks and data: the MNIST tasks, folders of pairs, two domains.

What ``python -m ganlab translate train``, ``bench/image_to_image.py`` and
notebook 07 share:

- the three MNIST tasks (28×28 uint8 digits in, 28×28 uint8 out):
  ``inpaint`` (:func:`hide_lower_half` → the digit), ``superres``
  (:func:`low_resolution`, 4× down and back up → the digit) and ``cycle``
  (:func:`thin` strokes ↔ :func:`thick` strokes, unpaired: the two domains
  come from disjoint halves of the training set);
- :func:`mnist_task`: a task's training and test arrays;
- :func:`load_pairs` and :func:`load_domains`: your own folders, read with
  :func:`ganlab.data.image_folders.load_image_folder`;
- :func:`build_pix2pix` and :func:`build_cyclegan`: compiled models with the
  networks of Isola et al. 2017 (Pix2Pix) and Zhu et al. 2017 (CycleGAN),
  and their papers' optimizers and loss weights;
- :func:`task_scores` and :func:`plot_translation_history`: metrics.json
  and losses.png of a run.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ganlab.data.image_folders import list_image_files, load_image_folder

TASKS = ("inpaint", "superres", "cycle")
PAIRED_TASKS = ("inpaint", "superres")


# ------------------------------------------------------------ MNIST tasks --
def hide_lower_half(x: np.ndarray) -> np.ndarray:
    """uint8 digits (N, 28, 28) with rows 14..27 set to 0 (black)."""
    x = np.array(x, copy=True)
    x[:, x.shape[1] // 2 :] = 0
    return x


def low_resolution(x: np.ndarray) -> np.ndarray:
    """4× super-resolution's input: 4×4 average pooling (28×28 → 7×7), then
    bilinear upsampling back to 28×28 (scikit-image), uint8 (N, 28, 28)."""
    from skimage.transform import resize

    n, height, width = x.shape[:3]
    small = x.reshape(n, height // 4, 4, width // 4, 4).astype(np.float32)
    small = small.mean(axis=(2, 4))
    up = resize(small, (n, height, width), order=1, mode="edge", anti_aliasing=False)
    return np.clip(np.round(up), 0, 255).astype(np.uint8)


def thin(x: np.ndarray) -> np.ndarray:
    """Thinner strokes: grayscale erosion with a 2×2 square (uint8 in, out)."""
    from skimage.morphology import erosion

    return erosion(x, np.ones((1, 2, 2), bool))


def thick(x: np.ndarray) -> np.ndarray:
    """Thicker strokes: grayscale dilation with a disk of radius 1."""
    from skimage.morphology import dilation, disk

    return dilation(x, disk(1)[np.newaxis])


class TaskData(NamedTuple):
    """A translation task's data: uint8 (N, H, W) or (N, H, W, C) arrays.

    ``train`` is (inputs, targets) for a paired task, (A images, B images)
    for an unpaired one; ``test`` is (inputs, targets) of held-out images
    (for ``cycle``: each test digit thin and thick, so both directions can
    be scored against the truth); ``labels`` the test images' digits.
    """

    paired: bool
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    labels: np.ndarray | None
    split: str = "test"  # "train" when ``test`` holds training images


def mnist_task(task: str, mnist, *, limit: int | None = None) -> TaskData:
    """The training and test data of one MNIST task.

    Args:
        task: ``"inpaint"``, ``"superres"`` or ``"cycle"``.
        mnist: ``((x_train, y_train), (x_test, y_test))`` as
            :func:`ganlab.load_mnist` returns it.
        limit: use the first ``limit`` training digits only.

    Returns:
        :class:`TaskData` of uint8 (N, 28, 28) arrays. ``cycle`` puts the
        thin first half of the training digits in A and the thick second
        half in B, so that no digit is seen in both styles.

    Raises:
        ValueError: an unknown task, or too few digits for one per domain.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}.")
    (x_train, _), (x_test, y_test) = mnist
    if limit is not None:
        x_train = x_train[: int(limit)]
    if task == "cycle":
        half = len(x_train) // 2
        if half < 1:
            raise ValueError("The cycle task needs at least 2 training digits.")
        train = (thin(x_train[:half]), thick(x_train[half:]))
        return TaskData(False, train, (thin(x_test), thick(x_test)), y_test)
    make_input = hide_lower_half if task == "inpaint" else low_resolution
    return TaskData(
        True, (make_input(x_train), x_train), (make_input(x_test), x_test), y_test
    )


# ------------------------------------------------------------ own folders --
def load_every_image(folder, *, image_size: int, channels=None) -> np.ndarray:
    """:func:`load_image_folder`, with an unreadable file an error.

    A skipped file would pair the wrong images, or lose an output's name.
    Returns uint8 (N, S, S, C) in the order of
    :func:`~ganlab.data.image_folders.list_image_files`.

    Raises:
        FileNotFoundError, ValueError: as :func:`load_image_folder`, and a
            ValueError naming the files Pillow could not read.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images = load_image_folder(
            folder, image_size=image_size, channels=channels, progress=True
        )
    for warning in caught:
        if "could not be read" in str(warning.message):
            raise ValueError(f"In {folder}: {warning.message}")
        warnings.warn_explicit(
            warning.message, warning.category, warning.filename, warning.lineno
        )
    return images


def load_pairs(folder, *, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Paired images from ``folder/A`` (inputs) and ``folder/B`` (targets).

    The two sub-folders must hold the same file names (sub-folders
    included; the extensions may differ, e.g. ``A/1.jpg`` with ``B/1.png``).
    Each picture is read as :func:`load_image_folder` reads it: centre
    square, resized to ``image_size`` with Lanczos, grayscale when every
    picture of its folder is, else RGB (each folder decides for itself).

    Returns:
        ``(inputs, targets)``, uint8 (N, S, S, C_A) and (N, S, S, C_B).

    Raises:
        FileNotFoundError: ``folder``, ``A/`` or ``B/`` missing.
        ValueError: empty folders, names in one folder only (up to 3 are
            named), an unreadable picture.
    """
    root = Path(folder)
    a_dir, b_dir = _sub_folders(root, ("A", "B"), "--pairs")
    names = [_stems(d) for d in (a_dir, b_dir)]
    for k, (mine, theirs) in enumerate((names, names[::-1])):
        missing = sorted(set(mine) - set(theirs))
        if missing:
            here, there = ("A", "B") if k == 0 else ("B", "A")
            raise ValueError(
                f"{len(missing)} picture(s) of {root / here} have no partner of the "
                f"same name in {root / there} ({', '.join(missing[:3])}"
                f"{', ...' if len(missing) > 3 else ''}): every input needs its "
                "target. Add or remove them."
            )
    if names[0] != names[1]:  # same names, sorted differently by extension
        raise ValueError(
            f"The files of {a_dir} and {b_dir} sort in different orders (their "
            "extensions differ in ways that reorder them): give partners the same "
            "extension."
        )
    return tuple(load_every_image(d, image_size=image_size) for d in (a_dir, b_dir))


def load_domains(dir_a, dir_b, *, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Two unpaired sets of pictures, for CycleGAN: every picture under
    ``dir_a`` and under ``dir_b``, read as :func:`load_image_folder` reads
    them. Each folder keeps its own channels (grayscale when every picture
    of it is, else RGB), so a gray domain stays gray (translating into it
    writes gray pictures).

    Returns:
        ``(a_images, b_images)``, uint8 (N_A, S, S, C_A) and (N_B, S, S, C_B).

    Raises:
        FileNotFoundError: a folder missing.
        ValueError: an empty folder, an unreadable picture.
    """
    return tuple(load_every_image(d, image_size=image_size) for d in (dir_a, dir_b))


def _sub_folders(root: Path, names, flag: str):
    if not root.is_dir():
        raise FileNotFoundError(f"{flag}: no folder {root}.")
    subs = [root / name for name in names]
    for sub in subs:
        if not sub.is_dir():
            raise FileNotFoundError(
                f"{flag} {root} must hold two sub-folders, A/ (inputs) and B/ "
                f"(targets), with the same file names; there is no {sub}."
            )
    return subs


def _stems(folder: Path) -> list[str]:
    """Relative paths without extensions of the pictures under ``folder``."""
    files = list_image_files(folder)
    if not files:
        raise ValueError(f"No pictures in {folder}: put the images there.")
    return [str(p.relative_to(folder).with_suffix("")) for p in files]


# ------------------------------------------------------------------ models --
def build_pix2pix(
    source_shape,
    target_shape=None,
    *,
    width: int = 16,
    seed: int = 0,
    l1_weight: float = 100.0,
    lr: float = 2e-4,
    augment=None,
):
    """A compiled Pix2Pix: U-Net G, conditional PatchGAN D (Isola et al. 2017).

    Args:
        source_shape: (H, W, C_in) of the inputs.
        target_shape: (H, W, C_out) of the targets; the inputs' when None.
        width: channels of both networks' first convolution (the paper: 64;
            16 trains MNIST in minutes on a CPU).
        seed: seed of the model's random draws (set
            ``keras.utils.set_random_seed`` too, for the initial weights).
        l1_weight: λ of the L1 term (the paper's 100).
        lr: Adam's learning rate for both networks, β₁ = 0.5 (2e-4 in the
            paper).
        augment: None, ``"diffaugment"`` or ``"ada"``: augmentation of what
            D sees (``Pix2Pix.compile(augment=...)``).
    """
    import keras

    from ganlab.nets.translation import make_patchgan_discriminator, make_unet_generator
    from ganlab.translation.pix2pix import Pix2Pix

    source_shape = tuple(source_shape)
    target_shape = source_shape if target_shape is None else tuple(target_shape)
    g = make_unet_generator(source_shape, out_channels=target_shape[-1], width=width)
    d = make_patchgan_discriminator(
        target_shape, condition_shape=source_shape, width=width
    )
    model = Pix2Pix(g, d, seed=seed)
    model.compile(
        keras.optimizers.Adam(lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        l1_weight=l1_weight,
        augment=augment,
    )
    return model


def build_cyclegan(
    shape,
    shape_b=None,
    *,
    width: int = 16,
    seed: int = 0,
    cycle_weight: float = 10.0,
    identity_weight: float = 0.5,
    lr: float = 2e-4,
    augment=None,
):
    """A compiled CycleGAN between domains A and B (Zhu et al. 2017).

    U-Net generators with instance norm and no dropout, PatchGAN
    discriminators with instance norm (the official code's choices), the
    paper's least-squares loss, pool of 50 past fakes, Adam(lr, β₁ = 0.5).

    Args:
        shape: (H, W, C_a) of domain A's images.
        shape_b: (H, W, C_b) of domain B's; A's when None. The channels may
            differ (e.g. colour ↔ gray; then ``identity_weight`` must be 0).
        width, seed, lr: as for :func:`build_pix2pix`.
        cycle_weight: λ_cyc (10 in the paper); 0 drops the cycle loss.
        identity_weight: λ_id as a fraction of λ_cyc (0.5 in the paper).
        augment: None, ``"diffaugment"`` or ``"ada"``
            (``CycleGAN.compile(augment=...)``).
    """
    import keras

    from ganlab.nets.translation import make_patchgan_discriminator, make_unet_generator
    from ganlab.translation.pix2pix import CycleGAN

    shape_a = tuple(shape)
    shape_b = shape_a if shape_b is None else tuple(shape_b)
    unet = dict(width=width, norm="instance", dropout=0.0)
    nets = [
        make_unet_generator(shape_a, out_channels=shape_b[-1], name="generator_ab",
                            **unet),
        make_unet_generator(shape_b, out_channels=shape_a[-1], name="generator_ba",
                            **unet),
    ]  # fmt: skip
    nets += [
        make_patchgan_discriminator(s, width=width, norm="instance", name=n)
        for s, n in ((shape_a, "discriminator_a"), (shape_b, "discriminator_b"))
    ]
    model = CycleGAN(*nets, seed=seed)
    model.compile(
        keras.optimizers.Adam(lr, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5),
        cycle_weight=cycle_weight,
        identity_weight=identity_weight,
        augment=augment,
    )
    return model


# ------------------------------------------------------------ reports --
def plot_translation_history(history: dict, path) -> None:
    """Plot a translation model's per-epoch logs into a PNG at ``path``.

    Left: the adversarial losses (d_loss, g_loss); right: the
    reconstruction terms, unweighted as logged (Pix2Pix: l1; CycleGAN:
    cycle, identity), mean absolute errors on the [-1, 1] scale. Drawn on a
    ``matplotlib.figure.Figure``, so that pyplot's backend (a notebook's
    inline one) is left alone.

    Args:
        history: metric name → list of per-epoch values (at least one).
        path: the PNG to write.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    epochs = range(1, len(next(iter(history.values()))) + 1)
    fig = Figure(figsize=(10, 3.6))
    panels = (
        (("d_loss", "g_loss"), "adversarial losses"),
        (("l1", "cycle", "identity"), "reconstruction (L1, on [-1, 1])"),
    )
    for ax, (keys, title) in zip(fig.subplots(1, 2), panels):
        for key in keys:
            if key in history:
                ax.plot(epochs, history[key], marker=".", label=key)
        ax.set(xlabel="epoch", title=title)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


# A translation whose mean |G(a) - a| on [-1, 1] stays under this (1 % of
# the range) returns its input: "CycleGAN does nothing"
# (pytorch-CycleGAN-and-pix2pix #924), whose round trips score perfectly.
UNCHANGED_L1 = 0.02


def task_scores(model, data: TaskData, *, n: int) -> dict:
    """Scores of a trained model on the first ``n`` test images of ``data``
    (what ``translate train`` writes to metrics.json).

    Paired (Pix2Pix): ``{"n_test", "split", "output": ..., "input": ...}``,
    the outputs' and the inputs' (the floor to beat) L1, L2 and SSIM against
    the targets, and with labels the share the MNIST classifier reads as
    the digit (:func:`ganlab.translation.metrics.translation_scores`).
    Unpaired (CycleGAN): the round trips ``"a_to_b_to_a"`` and
    ``"b_to_a_to_b"`` against their inputs; ``"a_to_b_vs_input"`` and
    ``"b_to_a_vs_input"``, each translation against its own input (in the
    output's channels): how far it moved; and with labels (the MNIST cycle
    task, whose test digits exist in both styles) ``"a_to_b"``,
    ``"b_to_a"`` against the true other style and ``"input_a_as_b"``.
    ``"split"`` says whether the images were held out (``"test"``) or
    training ones (``"train"``); ``"warnings"`` lists translations that
    left their inputs unchanged (mean L1 under :data:`UNCHANGED_L1`).
    """
    test = tuple(x[:n] for x in data.test)
    labels = None if data.labels is None else data.labels[:n]
    if data.paired:
        scores = _paired_scores(model, test, labels)
    else:
        scores = _cycle_scores(model, test, labels)
    return {"split": data.split, **scores}


def _paired_scores(model, test, labels) -> dict:
    """L1, L2, SSIM (and class kept, MNIST) of the outputs against the targets,
    and of the inputs themselves (the floor to beat)."""
    from ganlab.translation.metrics import translation_scores

    inputs, targets = test
    outputs = model.translate(inputs)
    scores = {
        "n_test": len(inputs),
        "output": translation_scores(outputs, targets, labels=labels),
    }
    if inputs.shape[1:] == targets.shape[1:]:
        scores["input"] = translation_scores(inputs, targets, labels=labels)
    return scores


def _cycle_scores(model, test, labels) -> dict:
    """Each direction against its input and (MNIST cycle task) the true
    other version; the round trips; a warning per unchanged direction."""
    from ganlab.translation.metrics import translation_scores

    a, b = test
    to_b = model.translate(a, direction="a_to_b")
    to_a = model.translate(b, direction="b_to_a")
    scores = {"n_test": len(a)}
    if labels is not None:  # the same digits in both styles
        scores["a_to_b"] = translation_scores(to_b, b, labels=labels)
        scores["b_to_a"] = translation_scores(to_a, a, labels=labels)
        scores["input_a_as_b"] = translation_scores(a, b, labels=labels)
    back_a = model.translate(to_b, direction="b_to_a")
    back_b = model.translate(to_a, direction="a_to_b")
    scores["a_to_b_to_a"] = translation_scores(back_a, a, labels=labels)
    scores["b_to_a_to_b"] = translation_scores(back_b, b, labels=labels)
    warnings = []
    for name, source, out in (("a_to_b", a, to_b), ("b_to_a", b, to_a)):
        moved = translation_scores(out, in_channels(source, out.shape[-1]))
        scores[f"{name}_vs_input"] = moved
        if moved["l1"] < UNCHANGED_L1:
            warnings.append(
                f"{name} barely changed its inputs (mean L1 to them "
                f"{moved['l1']:.4f} < {UNCHANGED_L1} on [-1, 1]): the generator "
                "returns what it is given, so the round trips' scores mean "
                "nothing. Train longer, or lower --identity-weight."
            )
    scores["warnings"] = warnings
    return scores


def in_channels(images, channels: int) -> np.ndarray:
    """Images as float32 (N, H, W, ``channels``) in [-1, 1]: gray repeated
    into RGB, RGB averaged into gray (how an input compares to an output of
    the other domain's channels)."""
    from ganlab.translation.core import as_images

    x = as_images(images)
    if x.shape[-1] == channels:
        return x
    if x.shape[-1] == 1:
        return np.repeat(x, channels, axis=-1)
    return x.mean(axis=-1, keepdims=True).astype(np.float32)


__all__ = [
    "PAIRED_TASKS",
    "UNCHANGED_L1",
    "TASKS",
    "TaskData",
    "build_cyclegan",
    "build_pix2pix",
    "hide_lower_half",
    "in_channels",
    "load_every_image",
    "load_domains",
    "load_pairs",
    "low_resolution",
    "mnist_task",
    "plot_translation_history",
    "task_scores",
    "thick",
    "thin",
]
