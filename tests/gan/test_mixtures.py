"""Several generators (MGAN) and several discriminators (GMAN) in one GAN."""

import keras
import numpy as np
import pytest

import ganlab
from ganlab.data import toy
from ganlab.gan import losses, mixtures
from ganlab.nets import dcgan as models


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _log_softmax(c):
    c = np.asarray(c, np.float64)
    return c - np.log(np.exp(c).sum(axis=-1, keepdims=True))


def _constant_d(outputs, *, name="constant_d"):
    """A D on 2-D samples whose outputs are ``outputs`` whatever its input:
    a Dense with a zero kernel and the outputs as its bias."""
    outputs = np.asarray(outputs, np.float32)
    d = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(len(outputs))], name=name
    )
    d.set_weights([np.zeros((2, len(outputs)), np.float32), outputs])
    return d


# ------------------------------------------------------------- builders --
def test_mixture_dense_applies_one_layer_per_generator():
    layer = mixtures.MixtureDense(3)
    z = np.array([[1.0, 2.0], [1.0, 2.0], [0.5, -1.0]], np.float32)
    k = np.array([[1, 0], [0, 1], [0.25, 0.75]], np.float32)
    layer([z, k])
    kernel = np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 10
    bias = np.array([[1, 2, 3], [-1, -2, -3]], np.float32)
    layer.set_weights([kernel, bias])
    out = _np(layer([z, k]))
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out[0], z[0] @ kernel[0] + bias[0], rtol=1e-6)
    np.testing.assert_allclose(out[1], z[1] @ kernel[1] + bias[1], rtol=1e-6)
    soft = 0.25 * (z[2] @ kernel[0] + bias[0]) + 0.75 * (z[2] @ kernel[1] + bias[1])
    np.testing.assert_allclose(out[2], soft, rtol=1e-5)


def test_builders_shapes():
    g = models.make_mlp_generator(latent_dim=3, num_generators=4)
    assert [tuple(s) for s in g.input_shape] == [(None, 3), (None, 4)]
    assert g.output_shape == (None, 2)
    d = models.make_mlp_discriminator(num_generators=4)
    assert d.input_shape == (None, 2) and d.output_shape == (None, 5)
    e = models.make_mlp_discriminator(num_discriminators=3, hidden=8)
    assert e.output_shape == (None, 3)
    members = [layer for layer in e.layers if isinstance(layer, keras.Model)]
    assert len(members) == 3
    # Each member has its own initial weights.
    assert not np.allclose(members[0].get_weights()[0], members[1].get_weights()[0])
    g = models.make_generator(8, width=4, num_generators=3)
    assert g.output_shape == (None, 28, 28, 1) and len(g.input_shape) == 2
    d = models.make_discriminator(width=4, num_generators=3)
    assert d.output_shape == (None, 4)
    assert models.make_discriminator(width=4, num_discriminators=2).output_shape == (
        None,
        2,
    )


def test_builders_refuse_bad_counts():
    with pytest.raises(ValueError, match="num_generators must be an integer of at"):
        models.make_mlp_generator(num_generators=1)
    with pytest.raises(ValueError, match="num_discriminators must be an integer"):
        models.make_mlp_discriminator(num_discriminators=1)
    with pytest.raises(ValueError, match="conditional .* or a mixture"):
        models.make_generator(8, width=4, num_classes=3, num_generators=3)
    with pytest.raises(ValueError, match="leave num_classes=None"):
        models.make_discriminator(width=4, num_classes=3, num_generators=3)


def test_discriminator_ensemble_checks_its_members():
    a = models.make_mlp_discriminator(hidden=4)
    b = models.make_mlp_discriminator(hidden=4)  # the same name: renamed
    ensemble = mixtures.discriminator_ensemble([a, b], name="pair")
    assert ensemble.output_shape == (None, 2)
    x = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    out = _np(ensemble(x))
    np.testing.assert_allclose(out[:, 0], _np(a(x))[:, 0], rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], _np(b(x))[:, 0], rtol=1e-6)
    with pytest.raises(ValueError, match="at least 2"):
        mixtures.discriminator_ensemble([a])
    with pytest.raises(ValueError, match="same input"):
        mixtures.discriminator_ensemble([a, models.make_mlp_discriminator(3)])
    with pytest.raises(ValueError, match="one logit"):
        mixtures.discriminator_ensemble(
            [a, models.make_mlp_discriminator(num_generators=2)]
        )


def test_gan_reads_the_heads_and_refuses_a_mismatched_mixture():
    g = models.make_mlp_generator(num_generators=3)
    gan = ganlab.GAN(g, models.make_mlp_discriminator(num_generators=3))
    assert (gan.num_generators, gan.num_critics, gan.num_classes) == (3, 1, None)
    gan = ganlab.GAN(
        models.make_mlp_generator(), models.make_mlp_discriminator(num_discriminators=2)
    )
    assert (gan.num_generators, gan.num_critics) == (None, 2)
    with pytest.raises(ValueError, match=r"num_generators=3\. This one outputs 3"):
        ganlab.GAN(g, models.make_mlp_discriminator(num_generators=2))
    with pytest.raises(ValueError, match="1 \\+ 3 = 4 outputs"):
        ganlab.GAN(g, models.make_mlp_discriminator())


def test_compile_refuses_bad_options():
    gan = ganlab.GAN(
        models.make_mlp_generator(num_generators=2),
        models.make_mlp_discriminator(num_generators=2),
    )
    with pytest.raises(ValueError, match="mgan_beta must be >= 0"):
        gan.compile(mgan_beta=-1.0)
    with pytest.raises(ValueError, match="gman_lambda must be >= 0"):
        gan.compile(gman_lambda=-0.5)
    packing = ganlab.GAN(
        models.make_mlp_generator(num_generators=2),
        models.make_mlp_discriminator(num_generators=2, pack=2),
    )
    with pytest.raises(ValueError, match="cannot be packed"):
        packing.compile(pack=2)


# ------------------------------------------------------- hand-computed --
@pytest.mark.parametrize("lam", [0.0, 1.0, 3.0, float("inf")])
def test_gman_softmax_mean_matches_numpy(lam):
    logits = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], np.float32)
    per = mixtures.generator_loss(losses.BCE(), logits, gman_lambda=lam)
    ell = _softplus(-logits.astype(np.float64))  # -log sigmoid, per critic
    v = ell.mean(axis=0)
    if np.isinf(lam):
        w = np.eye(3)[v.argmax()]
    else:
        w = np.exp(lam * v) / np.exp(lam * v).sum()
    np.testing.assert_allclose(_np(per), ell @ w, rtol=1e-5)
    if lam == 0.0:  # GMAN's mean
        np.testing.assert_allclose(_np(per), ell.mean(axis=1), rtol=1e-5)


def test_gman_discriminator_loss_is_the_mean_over_discriminators():
    real = np.array([[0.5, -1.0], [2.0, 0.0]], np.float32)
    fake = np.array([[-0.5, 1.0], [0.0, 3.0]], np.float32)
    per = mixtures.discriminator_loss(losses.Hinge(), real, fake)
    hand = np.maximum(0, 1 - real) + np.maximum(0, 1 + fake)
    np.testing.assert_allclose(_np(per), hand.mean(axis=1), rtol=1e-6)


def test_mgan_losses_add_the_classifier_term():
    # D outputs [logit, C's 3 logits]; generators 2 and 0 made the fakes.
    fake = np.array([[0.3, 1.0, -1.0, 2.0], [-0.7, 0.5, 0.0, -2.0]], np.float32)
    real = np.array([[1.2, 9.0, 9.0, 9.0], [0.1, -9.0, 0.0, 9.0]], np.float32)
    ids = np.eye(3, dtype=np.float32)[[2, 0]]
    ce = -(_log_softmax(fake[:, 1:]) * ids).sum(axis=1)
    d = mixtures.discriminator_loss(
        losses.BCE(), real, fake, generator_ids=ids, num_generators=3
    )
    hand_d = _softplus(-real[:, 0]) + _softplus(fake[:, 0]) + ce  # C on fakes only
    np.testing.assert_allclose(_np(d), hand_d, rtol=1e-5)
    g = mixtures.generator_loss(
        losses.BCE(), fake, generator_ids=ids, num_generators=3, mgan_beta=0.25
    )
    np.testing.assert_allclose(_np(g), _softplus(-fake[:, 0]) + 0.25 * ce, rtol=1e-5)
    adversarial = mixtures.adversarial_output(fake, 3)
    np.testing.assert_allclose(_np(adversarial), fake[:, :1])


@pytest.mark.backends
@pytest.mark.parametrize("lam", [0.0, 2.0])
def test_gman_step_logs_the_hand_computed_losses(lam):
    # Three constant discriminators (zero kernels, biases b): G's loss is
    # Σ softmax(λ ℓ)_i ℓ_i with ℓ_i = softplus(-b_i), D's the mean of
    # softplus(-b_i) + softplus(b_i). D's SGD(0) keeps D constant.
    b = np.array([0.5, -1.0, 2.0])
    d = mixtures.discriminator_ensemble(
        [_constant_d([v], name=f"c{i}") for i, v in enumerate(b)]
    )
    gan = ganlab.GAN(models.make_mlp_generator(hidden=8, depth=1), d, seed=0)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.01), gman_lambda=lam)
    data = toy.toy_data("ring", n=64, seed=0)[0]
    logs = gan.fit(data, batch_size=32, epochs=1, steps_per_epoch=1, verbose=0).history
    ell = _softplus(-b)
    w = np.exp(lam * ell) / np.exp(lam * ell).sum()
    assert logs["g_loss"][0] == pytest.approx(ell @ w, rel=1e-5)
    assert logs["d_loss"][0] == pytest.approx(np.mean(ell + _softplus(b)), rel=1e-5)


@pytest.mark.backends
def test_mgan_step_logs_the_hand_computed_losses():
    # A constant D: logit b, classifier logits all equal, so CE = log K for
    # whichever generator drew the sample.
    k, beta, b = 4, 0.5, 0.3
    d = _constant_d([b] + [0.7] * k)
    gan = ganlab.GAN(models.make_mlp_generator(hidden=8, depth=1, num_generators=k), d)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.01), mgan_beta=beta)
    data = toy.toy_data("ring", n=64, seed=0)[0]
    logs = gan.fit(data, batch_size=32, epochs=1, steps_per_epoch=1, verbose=0).history
    assert logs["g_loss"][0] == pytest.approx(
        _softplus(-b) + beta * np.log(k), rel=1e-5
    )
    hand_d = _softplus(-b) + _softplus(b) + np.log(k)
    assert logs["d_loss"][0] == pytest.approx(hand_d, rel=1e-5)
    sig = 1 / (1 + np.exp(-b))  # logged D(x): the logit alone, not C's
    assert logs["d_real"][0] == pytest.approx(sig, rel=1e-5)


# ---------------------------------------------------- training, saving --
def _mgan(k=3, **compile_options):
    gan = ganlab.GAN(
        models.make_mlp_generator(hidden=16, depth=2, num_generators=k),
        models.make_mlp_discriminator(hidden=16, depth=2, num_generators=k),
        seed=0,
    )
    gan.compile(**compile_options)
    return gan


@pytest.mark.backends
def test_mgan_trains_generates_and_round_trips(tmp_path):
    gan = _mgan(mgan_beta=0.3, ema=0.9, r1=1.0)
    data = toy.toy_data("ring", n=256, seed=0)[0]
    history = gan.fit(data, batch_size=64, epochs=2, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    x = gan.generate(50, seed=3)
    assert x.shape == (50, 2) and x.dtype == np.float32
    # generate(n) draws each sample's generator uniformly, with its seed.
    ids = gan.sample_labels(6000, seed=0)
    assert set(np.unique(ids)) == {0, 1, 2}
    np.testing.assert_allclose(np.bincount(ids) / 6000, 1 / 3, atol=0.03)
    np.testing.assert_array_equal(ids, gan.sample_labels(6000, seed=0))
    # labels= picks the generator: the same z through generators 0 and 1.
    z = gan.noise(5, seed=1)
    g0 = gan.generate_from(z, labels=[0] * 5)
    g1 = gan.generate_from(z, labels=[1] * 5)
    assert not np.allclose(g0, g1)
    path = tmp_path / "mgan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.num_generators == 3 and loaded.mgan_beta == pytest.approx(0.3)
    np.testing.assert_allclose(loaded.generate(50, seed=3), x, atol=1e-6)
    np.testing.assert_allclose(loaded.generate_from(z, labels=[1] * 5), g1, atol=1e-6)
    loaded.fit(data, batch_size=64, epochs=1, verbose=0)  # trains on after a load


@pytest.mark.backends
def test_gman_composes_with_remedies_and_round_trips(tmp_path):
    d = models.make_mlp_discriminator(hidden=16, depth=2, pack=2, num_discriminators=3)
    gan = ganlab.GAN(models.make_mlp_generator(hidden=16, depth=2), d, seed=0)
    gan.compile(gman_lambda=float("inf"), pack=2, r1=1.0, ema=0.9, d_steps=2)
    data = toy.toy_data("grid", n=256, seed=0)[0]
    history = gan.fit(data, batch_size=64, epochs=1, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    path = tmp_path / "gman.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.num_critics == 3 and loaded.gman_lambda == float("inf")
    np.testing.assert_allclose(loaded.generate(20, seed=0), gan.generate(20, seed=0))


@pytest.mark.backends
@pytest.mark.parametrize(
    "options",
    [
        {"unrolled_steps": 2, "unrolled_lr": 0.01},
        {"simultaneous": True},
        {"loss": "wasserstein", "gradient_penalty": 1.0},
    ],  # fmt: skip
)
def test_mgan_and_gman_with_other_steps(options):
    data = toy.toy_data("ring", n=128, seed=0)[0]
    for gan in (
        _mgan(**options),
        ganlab.GAN(
            models.make_mlp_generator(hidden=8, depth=1),
            models.make_mlp_discriminator(hidden=8, depth=1, num_discriminators=2),
        ),
    ):
        if not gan.compiled:
            gan.compile(gman_lambda=1.0, **options)
        history = gan.fit(data, batch_size=32, epochs=1, verbose=0).history
        assert all(np.isfinite(v).all() for v in history.values())
