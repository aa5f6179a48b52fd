"""Self-conditioning: pixel clusters, and a conditional GAN on them
(``label_prior="data"``) that a user trains and samples like an
unconditional one."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganlab
from ganlab.gan.self_conditioning import fit_self_conditioned, pixel_clusters


def _blobs(n_per: int = 40, seed: int = 0):
    """Three groups of 12×12 uint8 images: a bright top half, a bright left
    half, all dark; plus noise. Returns (images (3n, 12, 12), group (3n,))."""
    rng = np.random.default_rng(seed)
    base = np.zeros((3, 12, 12))
    base[0, :6], base[1, :, :6] = 200, 200
    group = np.repeat(np.arange(3), n_per)
    noise = rng.integers(0, 40, (3 * n_per, 12, 12))
    return (base[group] + noise).astype("uint8"), group


def _same_partition(a, b) -> bool:
    """True when the ids a and b split the items into the same groups."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_pixel_clusters_recover_separated_groups():
    images, group = _blobs()
    ids = pixel_clusters(images, 3)
    assert ids.shape == (120,) and ids.dtype == np.int32
    assert set(ids.tolist()) == {0, 1, 2}
    assert _same_partition(ids, group)


def test_pixel_clusters_ignore_scale_and_follow_the_seed():
    images, _ = _blobs()
    as_uint8 = pixel_clusters(images, 5, seed=3)
    as_float = pixel_clusters(images.astype("float32") / 127.5 - 1, 5, seed=3)
    np.testing.assert_array_equal(as_uint8, as_float)
    np.testing.assert_array_equal(as_uint8, pixel_clusters(images, 5, seed=3))


@pytest.mark.parametrize(
    "images, k, match",
    [
        (np.zeros((10, 4, 4)), 1, "k must be between 2"),
        (np.zeros((10, 4, 4)), 11, "k must be between 2"),
        (np.zeros((0, 4, 4)), 2, "non-empty"),
        (np.full((10, 4, 4), np.nan), 2, "NaN"),
        (np.array([["a", "b"]] * 3), 2, "numbers"),
    ],
)
def test_pixel_clusters_errors(images, k, match):
    with pytest.raises(ValueError, match=match):
        pixel_clusters(images, k)


def _tiny(k: int = 3, seed: int = 1) -> ganlab.GAN:
    gan = ganlab.build_dcgan(
        8,
        num_classes=k,
        label_prior="data",
        image_shape=(12, 12, 1),
        width=4,
        seed=seed,
        projection=True,
        tile_label=False,
    )
    gan.compile()
    return gan


def test_fit_self_conditioned_clusters_and_records_how_often_each_occurs(capsys):
    images, _ = _blobs(n_per=32)
    gan = _tiny()
    assert gan.label_prior == "data"  # before fit: balanced draws
    np.testing.assert_array_equal(gan.sample_labels(6), [0, 1, 2, 0, 1, 2])
    history = fit_self_conditioned(gan, images, batch_size=32, epochs=1, verbose=2)
    assert "Clustering 96 images into 3 groups" in capsys.readouterr().out
    assert np.isfinite(history.history["d_loss"][0])
    ids = pixel_clusters(images.astype("float32") / 127.5 - 1, 3, seed=1)
    np.testing.assert_allclose(gan.label_prior, np.bincount(ids) / 96)
    assert gan.num_classes == 3


def test_fit_takes_cluster_ids_of_your_own():
    images, _ = _blobs(n_per=32)
    gan = _tiny()
    ids = np.array([0] * 48 + [2] * 48)
    gan.fit(images, ids, batch_size=32, epochs=1, verbose=0)
    np.testing.assert_allclose(gan.label_prior, [0.5, 0.0, 0.5])
    assert set(gan.sample_labels(200, seed=0).tolist()) == {0, 2}


def test_generate_draws_clusters_from_the_prior():
    gan = _tiny()
    gan.label_prior = np.array([0.7, 0.2, 0.1])
    drawn = gan.sample_labels(20000, seed=0)
    np.testing.assert_allclose(np.bincount(drawn) / 20000, [0.7, 0.2, 0.1], atol=0.01)
    images = gan.generate(6, seed=4)
    assert images.shape == (6, 12, 12, 1) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    np.testing.assert_array_equal(images, gan.generate(6, seed=4))
    assert gan.generate(0).shape == (0, 12, 12, 1)
    # Labels name the clusters: cluster 2 twice.
    named = gan.generate(2, labels=[2, 2], seed=4)
    assert named.shape == (2, 12, 12, 1)


def test_save_and_load_keep_the_prior_and_the_images(tmp_path):
    images, _ = _blobs(n_per=32)
    gan = _tiny()
    fit_self_conditioned(gan, images, batch_size=32, epochs=1, verbose=0)
    gan.save(tmp_path / "sc.keras")
    loaded = keras.models.load_model(tmp_path / "sc.keras")
    assert isinstance(loaded, ganlab.GAN)
    np.testing.assert_allclose(loaded.label_prior, gan.label_prior)
    np.testing.assert_allclose(
        loaded.generate(5, seed=2), gan.generate(5, seed=2), atol=1e-6
    )


def test_fit_errors_say_what_to_do():
    images, _ = _blobs(n_per=1)
    gan = _tiny(k=4)
    with pytest.raises(ValueError, match="cannot fill 4 clusters"):
        fit_self_conditioned(gan, images, batch_size=2, epochs=1, verbose=0)
    ds = tf.data.Dataset.from_tensor_slices(images).batch(2)
    with pytest.raises(ValueError, match="one NumPy array"):
        fit_self_conditioned(gan, ds, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"label_prior must have shape \(4,\)"):
        gan.label_prior = np.array([0.5, 0.5])
    with pytest.raises(ValueError, match="n must be a number of images >= 0"):
        gan.generate(-1)
    plain = ganlab.build_dcgan(8, image_shape=(12, 12, 1), width=4)
    with pytest.raises(ValueError, match="needs a conditional GAN"):
        fit_self_conditioned(plain, images)


def test_the_discriminator_sees_the_cluster_only_through_the_projection():
    gan = _tiny(k=50)
    first_conv = next(
        layer
        for layer in gan.discriminator._flatten_layers()
        if isinstance(layer, keras.layers.Conv2D)
    )
    assert first_conv.kernel.shape[2] == 1  # the image's channel, no tiled labels
    assert "projection" in [layer.name for layer in gan.discriminator.layers]


def test_a_discriminator_without_the_label_is_an_error():
    with pytest.raises(ValueError, match="must reach the discriminator"):
        ganlab.make_discriminator(num_classes=3, tile_label=False, projection=False)
    with pytest.raises(ValueError, match="projection=True needs num_classes"):
        ganlab.make_discriminator(projection=True)


def _colour_folder_images(n_per: int = 30, side: int = 64):
    """Three groups of RGB pictures (N, side, side, 3): a red disc top left,
    a green square bottom right, a blue bar down the middle, each on gray
    with noise; and the group ids."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:side, :side] / side
    masks = [  # in different places, so that gray copies differ too
        (yy - 0.3) ** 2 + (xx - 0.3) ** 2 < 0.04,
        (abs(yy - 0.7) < 0.2) & (abs(xx - 0.7) < 0.2),
        abs(xx - 0.5) < 0.1,
    ]
    colours = [(220, 30, 30), (30, 220, 30), (30, 30, 220)]
    group = np.repeat(np.arange(3), n_per)
    images = np.full((3 * n_per, side, side, 3), 128.0)
    for i, g in enumerate(group):
        images[i][masks[g]] = colours[g]
    images += rng.normal(0, 20, images.shape)
    return np.clip(images, 0, 255).astype("uint8"), group


def test_pixel_clusters_take_any_size_and_channels():
    """Colour pictures larger than 32 pixels (shrunk first), fewer images
    than pixels (the N×N Gram matrix), and flat vectors all cluster."""
    images, group = _colour_folder_images(side=64)
    ids = pixel_clusters(images, 3)
    assert ids.shape == (90,) and _same_partition(ids, group)
    # 100×60 pictures: shrunk to 32×19, aspect kept.
    wide = np.repeat(images[:, :60, :, :], 2, axis=2)[:, :, :100]
    assert _same_partition(pixel_clusters(wide, 3), group)
    gray = images.mean(axis=-1)  # (N, 64, 64)
    assert _same_partition(pixel_clusters(gray, 3), group)
    flat = images[:, ::4, ::4].reshape(90, -1)  # (N, 768)
    assert _same_partition(pixel_clusters(flat, 3), group)


def test_shrinking_and_the_small_gram_matrix_give_the_same_components():
    from ganlab.gan.self_conditioning import _principal_components, _shrink

    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 50)).astype("float32")  # fewer rows than columns
    wide = _principal_components(x, 5)
    centred = x - x.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)
    reference = centred @ vectors[:, ::-1][:, :5]
    # Each component is defined up to its sign.
    np.testing.assert_allclose(np.abs(wide), np.abs(reference), atol=1e-3)
    images = rng.integers(0, 256, (4, 128, 64, 3)).astype("uint8")
    small = _shrink(images)
    assert small.shape == (4, 32, 16, 3) and small.dtype == np.float32
    np.testing.assert_allclose(small.mean(), images.mean(), rtol=0.02)  # area-like
    assert _shrink(images[:, :32, :32]).shape == (4, 32, 32, 3)  # small: as is


def test_pixel_clusters_progress_bar_does_not_change_the_ids(capsys):
    images, _ = _blobs()
    quiet = pixel_clusters(images, 4, seed=2, iterations=5)
    assert capsys.readouterr().out == ""
    shown = pixel_clusters(images, 4, seed=2, iterations=5, progress=True)
    assert "6/6" in capsys.readouterr().out  # components + 5 iterations
    np.testing.assert_array_equal(quiet, shown)


def test_one_iteration_at_a_time_is_scipys_kmeans():
    from scipy.cluster.vq import kmeans2

    from ganlab.gan.self_conditioning import _kmeans

    points = np.random.default_rng(3).normal(size=(300, 6))
    _, expected = kmeans2(points, 7, iter=12, minit="++", seed=5)
    np.testing.assert_array_equal(_kmeans(points, 7, iterations=12, seed=5), expected)
