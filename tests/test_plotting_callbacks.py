"""Pictures: grids, GIFs, loss plots, and the GANMonitor callback."""

import imageio.v3 as iio
import numpy as np
import pytest

import ganlab
from ganlab.plotting import image_grid, plot_history, save_gif, to_uint8


def test_to_uint8_maps_the_tanh_range():
    np.testing.assert_array_equal(to_uint8([-1.0, 0.0, 1.0, 2.0]), [0, 128, 255, 255])


def test_image_grid_layout():
    images = np.stack([np.full((4, 5, 1), v, np.float32) for v in (-1, 1, 1)])
    grid = image_grid(images, ncols=2, pad=1)
    assert grid.shape == (2 * 5 + 1, 2 * 6 + 1, 1) and grid.dtype == np.uint8
    assert grid[1, 1, 0] == 0 and grid[1, 7, 0] == 255 and grid[6, 1, 0] == 255
    assert grid[6, 7, 0] == 0  # the empty fourth cell stays black
    with pytest.raises(ValueError, match="non-empty"):
        image_grid(np.zeros((0, 4, 4, 1)))


def test_save_gif_writes_all_frames(tmp_path):
    frames = [np.full((8, 8), v, np.uint8) for v in (0, 120, 250)]
    save_gif(frames, tmp_path / "a.gif")
    read = iio.imread(tmp_path / "a.gif", index=None)
    assert read.shape[0] == 3
    assert abs(int(read[2].mean()) - 250) <= 3


def test_plot_history_writes_png(tmp_path):
    hist = {
        "d_loss": [1.4, 1.3],
        "g_loss": [0.7, 0.8],
        "d_real": [0.6, 0.55],
        "d_fake": [0.4, 0.45],
    }
    fig = plot_history(hist, tmp_path / "losses.png")
    assert len(fig.axes) == 2
    assert iio.imread(tmp_path / "losses.png").shape[0] > 100
    with pytest.raises(ValueError, match="empty"):
        plot_history({})


def test_gan_monitor_writes_grids_and_gif(tmp_path, tiny_gan, tiny_images):
    monitor = ganlab.GANMonitor(tmp_path, n=16, seed=0, scale=1)
    tiny_gan.fit(tiny_images, epochs=2, batch_size=128, verbose=0, callbacks=[monitor])
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["epoch_001.png", "epoch_002.png"]
    grid = iio.imread(tmp_path / "epoch_002.png")
    assert grid.shape == (4 * 30 + 2, 4 * 30 + 2)
    # The fixed latent batch: the grid equals generate(16, seed=0) now.
    np.testing.assert_array_equal(
        grid, image_grid(tiny_gan.generate(16, seed=0))[..., 0]
    )
    assert iio.imread(tmp_path / "progress.gif", index=None).shape[0] == 2
    assert len(monitor.grids) == 2


def test_save_scatter_gif_one_frame_per_snapshot(tmp_path):
    from ganlab.plotting import save_scatter_gif

    rng = np.random.default_rng(0)
    frames = [(step, rng.normal(size=(50, 2))) for step in (0, 100, 200)]
    save_scatter_gif(frames, np.zeros((1, 2)) + 1, tmp_path / "s.gif", title="t")
    assert iio.imread(tmp_path / "s.gif", index=None).shape[0] == 3
