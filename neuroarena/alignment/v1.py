"""A Gabor / HMAX model of V1: simple cells ``s1`` and complex cells ``c1``.

Images become grey levels (ITU-R 601 luma), each normalised to zero mean and unit sd, and are filtered by a
bank of Gabors (isotropic envelope of sd half a wavelength, made zero mean by subtracting a multiple of the
envelope, unit norm) at ``orientations`` angles in [0, pi), several wavelengths and the phases given (a
quadrature pair by default). The borders are reflected; within half a kernel of them the reflection of a
periodic pattern depends on its phase, so the phase invariance of ``c1`` holds in the interior.

- ``s1``: simple cells, the half-wave rectified filter outputs ``max(0, r)`` and ``max(0, -r)`` of each
  phase (the cells of phase ``p`` and ``p + pi``), averaged over a coarse ``s1_grid`` x ``s1_grid`` grid.
- ``c1``: complex cells, the energy ``sqrt(sum over phases of r^2)`` (``sqrt(even^2 + odd^2)``), max-pooled
  over a ``c1_grid`` x ``c1_grid`` grid (HMAX C1, Riesenhuber & Poggio 1999; Serre et al. 2007).

An orientation ``theta`` is the direction of the carrier's wave vector, ``x cos(theta) + y sin(theta)`` with
``x`` the column and ``y`` the row: the stripes a unit prefers run perpendicular to it.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np
from scipy import fft

from neuroarena.errors import NeuroarenaError

LUMA = np.array([0.299, 0.587, 0.114])
WAVELENGTHS = (4.0, 8.0, 16.0)
PHASES = (0.0, np.pi / 2)
SIGMA_PER_WAVELENGTH = 0.5
CHUNK = 8


def gabor_bank(size_px: int, orientations: int = 8, wavelengths: Sequence[float] = WAVELENGTHS,
               phases: Sequence[float] = PHASES) -> np.ndarray:
    """Gabor kernels, zero mean and unit L2 norm.

    Parameters
    ----------
    size_px : int
        Odd side of each kernel in pixels.
    orientations : int
        Angles ``k * pi / orientations``, k = 0 .. orientations - 1.
    wavelengths : sequence of float
        Carrier wavelengths in pixels; the envelope's sd is half of each.
    phases : sequence of float
        Carrier phases in radians (0: even, cosine; pi/2: odd).

    Returns
    -------
    ndarray, shape (orientations, n_wavelengths, n_phases, size_px, size_px)
    """
    if size_px < 1 or size_px % 2 == 0 or orientations < 1 or not len(wavelengths) or not len(phases):
        raise NeuroarenaError(f"size_px={size_px}, orientations={orientations}, {len(wavelengths)} wavelengths, "
                              f"{len(phases)} phases", fix="use an odd size_px and at least one of each")
    half = size_px // 2
    y, x = np.mgrid[-half:half + 1, -half:half + 1].astype(float)
    theta = np.arange(orientations)[:, None, None, None, None] * np.pi / orientations
    lam = np.asarray(wavelengths, dtype=float)[None, :, None, None, None]
    phase = np.asarray(phases, dtype=float)[None, None, :, None, None]
    u = x * np.cos(theta) + y * np.sin(theta)
    envelope = np.exp(-(x ** 2 + y ** 2) / (2 * (SIGMA_PER_WAVELENGTH * lam) ** 2))
    bank = envelope * np.cos(2 * np.pi * u / lam + phase)
    dc = bank.sum(axis=(-2, -1), keepdims=True) / envelope.sum(axis=(-2, -1), keepdims=True)
    bank = bank - dc * envelope  # zero mean without the box of a plain mean subtraction
    return bank / np.linalg.norm(bank, axis=(-2, -1), keepdims=True)


def v1_layers(images: np.ndarray, orientations: int = 8, wavelengths: Sequence[float] = WAVELENGTHS,
              phases: Sequence[float] = PHASES, s1_grid: int = 4, c1_grid: int = 8) -> dict[str, np.ndarray]:
    """Simple- and complex-cell features of each image.

    Parameters
    ----------
    images : ndarray, shape (n, H, W, 3) or (n, H, W)
        uint8, or float in [0, 1]; H and W at least the grids.
    orientations, wavelengths, phases
        The filter bank (:func:`gabor_bank`).
    s1_grid, c1_grid : int
        Cells per side of the average (s1) and max (c1) pooling grids.

    Returns
    -------
    dict
        ``s1``: float32 (n, orientations * n_wavelengths * 2 n_phases * s1_grid ** 2), C order over
        (orientation, wavelength, phase then its opposite, grid row, grid column); ``c1``: float32
        (n, orientations * n_wavelengths * c1_grid ** 2), C order over (orientation, wavelength, row, column).
    """
    grey = _normalised_grey(images)
    if min(grey.shape[1:]) < max(s1_grid, c1_grid) or min(s1_grid, c1_grid) < 1:
        raise NeuroarenaError(f"images of {grey.shape[1]} x {grey.shape[2]} px for grids {s1_grid}, {c1_grid}",
                              fix="use grids of at least 1 cell and images at least as large as the grids")
    size_px = 2 * int(np.ceil(3 * SIGMA_PER_WAVELENGTH * max(wavelengths))) + 1
    bank = gabor_bank(size_px, orientations, wavelengths, phases)
    s1, c1 = [], []
    for response in _filtered(grey, bank):
        simple = np.concatenate([np.maximum(response, 0), np.maximum(-response, 0)], axis=3)
        s1.append(_pool(simple, s1_grid, np.add) / _cell_areas(grey.shape[1:], s1_grid))
        c1.append(_pool(np.sqrt((response ** 2).sum(axis=3)), c1_grid, np.maximum))
    return {name: np.concatenate(parts).reshape(len(grey), -1).astype(np.float32)
            for name, parts in (("s1", s1), ("c1", c1))}


def v1_features(images: np.ndarray, orientations: int = 8, wavelengths: Sequence[float] = WAVELENGTHS,
                phases: Sequence[float] = PHASES, grid: int = 8) -> np.ndarray:
    """The complex-cell (HMAX C1) features of :func:`v1_layers`: float32 (n, orientations * n_wavelengths *
    grid ** 2)."""
    return v1_layers(images, orientations, wavelengths, phases, s1_grid=grid, c1_grid=grid)["c1"]


def _normalised_grey(images: np.ndarray) -> np.ndarray:
    """Luma of (n, H, W, 3) or grey (n, H, W) images, zero mean and unit sd per image (a blank stays 0)."""
    images = np.asarray(images)
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3) or not len(images):
        raise NeuroarenaError(f"images of shape {images.shape}", fix="pass (n, H, W, 3) RGB or (n, H, W) grey")
    if images.dtype == np.uint8:
        images = images / 255.0
    elif not np.isfinite(images).all() or images.min() < -1e-6 or images.max() > 1 + 1e-6:
        raise NeuroarenaError("float images outside [0, 1]", fix="pass uint8, or floats scaled to [0, 1]")
    grey = images @ LUMA if images.ndim == 4 else images.astype(float)
    grey = grey - grey.mean(axis=(1, 2), keepdims=True)
    sd = grey.std(axis=(1, 2), keepdims=True)
    return np.divide(grey, sd, out=np.zeros_like(grey), where=sd > 1e-12)


def _filtered(grey: np.ndarray, bank: np.ndarray) -> Iterator[np.ndarray]:
    """Filter outputs chunk by chunk, each (chunk, *bank.shape[:3], H, W), by FFT on reflected borders."""
    n, height, width = grey.shape
    half = bank.shape[-1] // 2
    shape = tuple(fft.next_fast_len(side + 4 * half, real=True) for side in (height, width))
    spectra = fft.rfft2(bank.astype(np.float32), s=shape)
    for start in range(0, n, CHUNK):
        chunk = grey[start:start + CHUNK].astype(np.float32)
        padded = np.pad(chunk, ((0, 0), (half, half), (half, half)), mode="reflect")
        image_spectra = fft.rfft2(padded, s=shape)[:, None, None, None]
        full = fft.irfft2(image_spectra * spectra, s=shape)
        yield full[..., 2 * half:2 * half + height, 2 * half:2 * half + width]


def _edges(side: int, grid: int) -> np.ndarray:
    """First pixel of each of ``grid`` near-equal cells along a side of ``side`` pixels."""
    return np.linspace(0, side, grid + 1).astype(int)[:-1]


def _pool(maps: np.ndarray, grid: int, reduce: np.ufunc) -> np.ndarray:
    """``reduce`` over the cells of a grid x grid grid on the last two axes."""
    rows = reduce.reduceat(maps, _edges(maps.shape[-2], grid), axis=-2)
    return reduce.reduceat(rows, _edges(maps.shape[-1], grid), axis=-1)


def _cell_areas(shape: tuple[int, int], grid: int) -> np.ndarray:
    """Pixels in each cell, shape (grid, grid)."""
    heights, widths = (np.diff(np.append(_edges(side, grid), side)) for side in shape)
    return np.outer(heights, widths)
