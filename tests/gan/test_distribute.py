"""GAN.fit under tf.distribute.MirroredStrategy on two logical CPU devices.

Logical devices must be set before TensorFlow starts, so each check runs in a
fresh Python process.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

# tf.distribute is TensorFlow's; JAX's data parallelism is in test_backends.
pytestmark = pytest.mark.skipif(
    __import__("keras").backend.backend() != "tensorflow",
    reason="MirroredStrategy needs the TensorFlow backend",
)

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras, numpy as np, ganlab

    def build():
        # A generator whose output ignores z (zero weights): the
        # discriminator's first update is then the same whatever the noise.
        z = keras.Input((4,))
        x = keras.layers.Dense(8 * 8, kernel_initializer="zeros")(z)
        g = keras.Model(z, keras.layers.Reshape((8, 8, 1))(x))
        img = keras.Input((8, 8, 1))
        h = keras.layers.Flatten()(img)
        h = keras.layers.Dense(3, activation="tanh")(h)
        d = keras.Model(img, keras.layers.Dense(1)(h))
        gan = ganlab.GAN(g, d, seed=0)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.5),
                    g_optimizer=keras.optimizers.SGD(0.5))
        return gan

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with mirrored.scope():
        keras.utils.set_random_seed(0)
        gan2 = build()
    h2 = gan2.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    keras.utils.set_random_seed(0)
    gan1 = build()
    initial = [w.numpy() for w in gan1.discriminator.weights]
    h1 = gan1.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    g_diff = max(
        float(np.abs(w1.numpy() - w2.numpy()).max())
        for w1, w2 in zip(gan1.generator.weights, gan2.generator.weights))
    z = mirrored.run(gan2.sample_latent, args=(3,))
    a, b = [t.numpy() for t in mirrored.experimental_local_results(z)]
    print(json.dumps({
        "replicas": mirrored.num_replicas_in_sync,
        "d_weights_max_diff": max(
            float(np.abs(w1.numpy() - w2.numpy()).max())
            for w1, w2 in zip(gan1.discriminator.weights, gan2.discriminator.weights)),
        "d_weights_moved": max(
            float(np.abs(w.numpy() - w0).max())
            for w, w0 in zip(gan1.discriminator.weights, initial)),
        "g_weights_max_diff": g_diff,
        "d_loss": [h1["d_loss"][0], h2["d_loss"][0]],
        "d_real": [h1["d_real"][0], h2["d_real"][0]],
        "replica_noise_differs": bool(not np.allclose(a, b)),
    }))
    """
)


def _run_on_two_devices(script: str) -> dict:
    """Run ``script`` in a fresh Python (two logical CPUs); its last line as JSON."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_mirrored_strategy_matches_single_device():
    result = _run_on_two_devices(SCRIPT)
    assert result["replicas"] == 2
    # Same global batch, same data: with losses averaged over the global
    # batch, one SGD step moves the discriminator identically on 1 or 2
    # replicas (a per-replica mean summed across replicas would double it).
    assert result["d_weights_moved"] > 1e-3
    assert result["d_weights_max_diff"] < 1e-5
    assert result["g_weights_max_diff"] < 1e-5
    assert abs(result["d_loss"][0] - result["d_loss"][1]) < 1e-5
    assert abs(result["d_real"][0] - result["d_real"][1]) < 1e-5
    assert result["replica_noise_differs"]


EMA_SCRIPT = textwrap.dedent(
    """
    import json
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras, numpy as np, ganlab

    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with mirrored.scope():
        keras.utils.set_random_seed(0)
        gan = ganlab.build_dcgan(4, image_shape=(8, 8, 1), width=4, seed=0)
        gan.compile(ema=0.9)
    start = [w.numpy() for w in gan.generator.trainable_variables]
    x = np.random.default_rng(0).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    gan.fit(x, batch_size=8, epochs=1, verbose=0)  # one step, t = 1
    beta = 2.0 / 11.0
    errors = [
        float(np.abs(avg.numpy() - (beta * s + (1 - beta) * w.numpy())).max())
        for s, w, avg in zip(start, gan.generator.trainable_variables,
                             gan.ema_generator.trainable_variables)
    ]
    print(json.dumps({"max_error": max(errors)}))
    """
)


def test_ema_under_mirrored_strategy():
    result = _run_on_two_devices(EMA_SCRIPT)
    assert result["max_error"] < 1e-5
