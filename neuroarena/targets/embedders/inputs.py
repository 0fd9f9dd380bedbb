"""What an embedder reads: image files or captions, each keyed by the sha256 of its content."""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from neuroarena.errors import NeuroarenaError

if TYPE_CHECKING:
    import pandas as pd
    from PIL.Image import Image

#: Threads that hash and decode image files (file reads and decoding release the GIL).
IO_THREADS = min(8, os.cpu_count() or 1)


def stimulus_inputs(stimuli: "pd.DataFrame", source: Literal["image", "caption"]) -> list[str]:
    """The image path or the caption of each stimulus, checked to be usable.

    Parameters
    ----------
    stimuli : DataFrame, shape (n_stimuli, ...)
        Indexed by stimulus id, with an ``image`` (path) or ``caption`` column.
    source : {"image", "caption"}

    Returns
    -------
    list of str, length n_stimuli
        Absolute image paths, or the captions.

    Raises
    ------
    NeuroarenaError
        The column is missing; a stimulus has no image or an empty caption; an image file is missing.
    """
    if source not in stimuli.columns:
        raise NeuroarenaError(f"the stimulus table has no {source!r} column",
                              fix="give Study.stimuli() the columns image, category, caption, split")
    values = ["" if not isinstance(v, str) else v for v in stimuli[source].tolist()]
    ids = stimuli.index.astype(str).tolist()
    if source == "caption":
        for stimulus, caption in zip(ids, values):
            if not caption.strip():
                raise NeuroarenaError(f"stimulus {stimulus!r} has an empty caption",
                                      path=_image_of(stimuli, stimulus),
                                      fix="give every stimulus a caption, or embed the images instead")
        return values
    paths = []
    for stimulus, value in zip(ids, values):
        if not value.strip():
            raise NeuroarenaError(f"stimulus {stimulus!r} has no image file",
                                  fix="give every stimulus an image path, or embed the captions instead")
        path = Path(value).expanduser().absolute()
        if not path.is_file():
            raise NeuroarenaError(f"the image file of stimulus {stimulus!r} does not exist", path=path,
                                  fix="download the study's stimulus images again (or fix the path)")
        paths.append(str(path))
    return paths


def _image_of(stimuli: "pd.DataFrame", stimulus: str) -> str | None:
    if "image" not in stimuli.columns:
        return None
    image = stimuli["image"].iloc[stimuli.index.astype(str).get_loc(stimulus)]
    return image if isinstance(image, str) and image else None


def content_keys(inputs: list[str], source: Literal["image", "caption"]) -> list[str]:
    """sha256 (hex) of each image file's bytes, or of each caption's UTF-8 text.

    Parameters
    ----------
    inputs : list of str, length n
        Image paths or captions, as returned by :func:`stimulus_inputs`.
    source : {"image", "caption"}

    Returns
    -------
    list of str, length n
    """
    if source == "caption":
        return [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in inputs]
    with ThreadPoolExecutor(IO_THREADS) as pool:
        return list(pool.map(_file_sha256, inputs))


def _file_sha256(path: str) -> str:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError as exc:
        raise NeuroarenaError(f"cannot read the image file ({exc.strerror or exc})", path=path,
                              fix="check that the file exists and is readable") from None


def read_image(path: str) -> "Image":
    """Decode an image file to RGB.

    Raises
    ------
    NeuroarenaError
        The file is not a readable image.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NeuroarenaError(f"cannot decode the image ({type(exc).__name__}: {exc})", path=path,
                              fix="replace the file with a readable image (JPEG, PNG, ...)") from None
