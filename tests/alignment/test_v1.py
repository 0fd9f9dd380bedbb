"""The Gabor / HMAX V1 model: orientation tuning, phase invariance of complex cells, shapes, edge cases."""
from __future__ import annotations

import numpy as np
import pytest

from neuroarena.alignment.v1 import gabor_bank, v1_features, v1_layers
from neuroarena.errors import NeuroarenaError

SIDE = 64
ORIENTATIONS = 8
WAVELENGTHS = (4.0, 8.0, 16.0)


def grating(theta: float, wavelength: float, phase: float = 0.0, side: int = SIDE) -> np.ndarray:
    """A sinusoidal grating in [0, 1] whose wave vector points along ``theta`` (x: column, y: row), (side, side)."""
    y, x = np.mgrid[0:side, 0:side].astype(float)
    return 0.5 + 0.5 * np.sin(2 * np.pi * (x * np.cos(theta) + y * np.sin(theta)) / wavelength + phase)


def as_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=-1)


def relative_change(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def test_a_grating_drives_the_complex_cells_of_its_orientation_most():
    thetas = np.arange(ORIENTATIONS) * np.pi / ORIENTATIONS
    images = np.stack([as_rgb(grating(theta, 8.0)) for theta in thetas])
    c1 = v1_features(images, grid=4).reshape(ORIENTATIONS, ORIENTATIONS, len(WAVELENGTHS), 4, 4)
    drive = c1.mean(axis=(2, 3, 4))  # (image, orientation of the cells)
    assert drive.argmax(axis=1).tolist() == list(range(ORIENTATIONS))


@pytest.mark.parametrize("shift", [np.pi / 2, np.pi])
def test_complex_cells_ignore_a_phase_shift_that_simple_cells_see(shift):
    side, wavelength = 128, 16.0
    images = np.stack([as_rgb(grating(1.3 * np.pi / 4, wavelength, phase, side)) for phase in (0.0, shift)])
    layers = v1_layers(images, s1_grid=32, c1_grid=8)
    # cells more than half a kernel (24 px) from the border, where the reflection does not depend on the phase
    c1 = layers["c1"].reshape(2, ORIENTATIONS, len(WAVELENGTHS), 8, 8)[..., 2:6, 2:6]
    s1 = layers["s1"].reshape(2, ORIENTATIONS, len(WAVELENGTHS), 4, 32, 32)[..., 8:24, 8:24]
    assert relative_change(c1[0], c1[1]) < 0.01
    assert relative_change(s1[0], s1[1]) > 0.3


def test_a_contrast_reversal_leaves_all_complex_cells_unchanged():
    images = np.stack([as_rgb(grating(np.pi / 4, 16.0, phase)) for phase in (0.0, np.pi)])
    layers = v1_layers(images, s1_grid=16, c1_grid=8)
    assert relative_change(layers["c1"][0], layers["c1"][1]) < 1e-4
    assert relative_change(layers["s1"][0], layers["s1"][1]) > 0.3


def test_shapes_dtype_and_determinism():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 40, 48, 3), dtype=np.uint8)
    layers = v1_layers(images, s1_grid=4, c1_grid=8)
    assert layers["s1"].shape == (3, ORIENTATIONS * 3 * 4 * 4 ** 2)
    assert layers["c1"].shape == (3, ORIENTATIONS * 3 * 8 ** 2)
    assert all(v.dtype == np.float32 for v in layers.values())
    again = v1_layers(images, s1_grid=4, c1_grid=8)
    assert all(np.array_equal(layers[k], again[k]) for k in layers)
    assert np.allclose(v1_layers(images / 255.0)["c1"], layers["c1"], atol=1e-5)
    assert gabor_bank(9, 4, (4.0,), (0.0, np.pi / 2)).shape == (4, 1, 2, 9, 9)


def test_a_blank_image_gives_zero_features_and_bad_input_is_refused():
    blank = np.full((2, 32, 32, 3), 0.5)
    layers = v1_layers(blank)
    assert all(np.isfinite(v).all() and not v.any() for v in layers.values())
    with pytest.raises(NeuroarenaError, match="outside"):
        v1_layers(blank * 3)
    with pytest.raises(NeuroarenaError, match="shape"):
        v1_layers(np.zeros((2, 32, 32, 4)))
    with pytest.raises(NeuroarenaError, match="at least as large"):
        v1_layers(np.zeros((1, 6, 6)), c1_grid=8)
