"""Pictures of the simulated stimuli: what the caption says, drawn; the rest of the features as background."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.fileio import make_temp_dir, remove_orphans
from neuroarena.studies.simulated.stimuli import StimulusSet, caption_attributes

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SIZE = 96
#: RGB of each caption colour.
RGB = {"red": (200, 40, 40), "green": (40, 160, 60), "blue": (40, 70, 200), "yellow": (230, 210, 40),
       "black": (25, 25, 25), "white": (245, 245, 245)}
#: Radius of the object, as a fraction of the image, for each caption size.
RADIUS = {"small": 0.16, "medium-sized": 0.26, "large": 0.38}
N_SHAPES = 6  # polygons with 3 ... 8 corners
N_TURNS = 5  # rotations of each polygon, as fractions of its corner angle


def render_image(category_index: int, individual: np.ndarray, background: np.ndarray,
                 size: int = IMAGE_SIZE) -> "Image.Image":
    """Draw one stimulus.

    The object's shape is its category ``k`` (a polygon with ``3 + k % 6`` corners, turned by
    ``(k // 6) / 5`` of its corner angle), its colour,
    size and texture are the caption's attributes; the background gradient and the object's position
    come from the remaining latent features.

    Parameters
    ----------
    category_index : int
    individual : ndarray, shape (feature_dim,)
        The stimulus' own (non-category) features; they set the caption's attributes.
    background : ndarray, shape (>= 6,)
        Features that set the background colours and the object's position.
    size : int
        Width and height in pixels.

    Returns
    -------
    PIL.Image.Image, RGB, ``size`` x ``size``
    """
    from PIL import Image, ImageDraw

    size_word, colour, texture = caption_attributes(individual)
    squash = 1 / (1 + np.exp(-np.asarray(background[:6], dtype=float)))
    top, bottom = 60 + 150 * squash[:3], 60 + 150 * squash[3:6]
    ramp = np.linspace(0, 1, size)[:, None, None]
    pixels = (top * (1 - ramp) + bottom * ramp) * np.ones((1, size, 1))
    image = Image.fromarray(pixels.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    radius = RADIUS[size_word] * size
    shift = 0.5 * (size / 2 - radius) * np.tanh(np.asarray(background[6:8], dtype=float) if len(background) >= 8
                                                 else np.zeros(2))
    cx, cy = size / 2 + shift[0], size / 2 + shift[1]
    corners = 3 + category_index % N_SHAPES
    angle = 2 * np.pi / corners * (category_index // N_SHAPES) / N_TURNS
    points = [(cx + radius * np.cos(angle + 2 * np.pi * k / corners),
               cy + radius * np.sin(angle + 2 * np.pi * k / corners)) for k in range(corners)]
    draw.polygon(points, fill=RGB[colour])
    if texture == "rough":
        striped = image.copy()
        stripes = ImageDraw.Draw(striped)
        stripe = tuple(255 - c for c in RGB[colour])
        for offset in np.arange(-2 * radius, 2 * radius, max(2.0, radius / 4)):
            stripes.line([(cx + offset, cy - radius), (cx + offset + radius / 2, cy + radius)], fill=stripe)
        mask = Image.new("L", image.size, 0)
        ImageDraw.Draw(mask).polygon(points, fill=255)
        image = Image.composite(striped, image, mask)
    return image


def write_images(stimuli: StimulusSet, folder: str | Path) -> dict[str, Path]:
    """Render every stimulus to ``folder/<stimulus id>.png`` (all or nothing; a no-op when present).

    Returns
    -------
    dict
        Stimulus id -> image path.
    """
    folder = Path(folder)
    paths = {stimulus: folder / f"{stimulus}.png" for stimulus in stimuli.ids}
    if folder.is_dir():
        return paths
    remove_orphans(folder.parent, [f".{folder.name}.*.tmp"])  # what a killed renderer left
    staging = make_temp_dir(folder.parent, f".{folder.name}.", suffix=".tmp")
    try:
        for k, stimulus in enumerate(stimuli.ids):
            render_image(int(stimuli.category_index[k]), stimuli.individual[k],
                         stimuli.features[k]).save(staging / f"{stimulus}.png")
        try:
            os.rename(staging, folder)
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return paths

