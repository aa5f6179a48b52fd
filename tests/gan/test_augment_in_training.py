"""ADA inside training: p follows D's overfitting signal r_t = E[sign D(x)].

Karras et al. 2020 raise the augmentation probability p while D is
overconfident on real images (r_t above the 0.6 target) and lower it
otherwise; ``GAN.compile(augment="ada")`` keeps p in ``gan.aug_p`` and logs
it as ``aug_p``.
"""

import keras
import numpy as np
import pytest
from conftest import make_tiny_gan


def _p(gan):
    return float(keras.ops.convert_to_numpy(gan.aug_p))


@pytest.mark.backends  # p is state the step carries out (JAX: stateless)
def test_p_rises_on_a_discriminator_that_memorises_its_few_images():
    # 16 images, a fast D: it soon calls every training image real (r_t -> 1).
    x = np.random.default_rng(0).integers(0, 256, (16, 28, 28), dtype=np.uint8)
    gan = make_tiny_gan(
        width=8,
        d_kwargs={"dropout": 0.0},
        d_optimizer=keras.optimizers.Adam(1e-2),
        augment="ada",
        ada_speed=800,  # p may move 16/800 = 0.02 per step
    )
    history = gan.fit(x, batch_size=16, epochs=40, verbose=0)
    assert _p(gan) > 0.1
    assert history.history["aug_p"][-1] == pytest.approx(_p(gan), abs=1e-6)
    assert history.history["d_real"][-1] > 0.55  # D is confident on its reals


def test_p_falls_when_the_discriminator_is_not_confident():
    # A D that cannot learn (learning rate 0) and outputs 0: r_t = 0 < 0.6,
    # so p falls by batch / speed every step, from 0.5, and stops at 0.
    x = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    gan = make_tiny_gan(
        d_optimizer=keras.optimizers.SGD(0.0),
        augment="ada",
        ada_speed=1600,  # 16 / 1600 = 0.01 per step
    )
    for weight in gan.discriminator.get_layer("logit").weights:
        weight.assign(keras.ops.zeros(weight.shape))
    gan.aug_p.assign(0.5)
    gan.fit(x, batch_size=16, epochs=2, verbose=0)  # 8 steps
    assert _p(gan) == pytest.approx(0.5 - 8 * 0.01, abs=1e-6)
    gan.fit(x, batch_size=16, epochs=15, verbose=0)  # 60 more steps
    assert _p(gan) == 0.0
