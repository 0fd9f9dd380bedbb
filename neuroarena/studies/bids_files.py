"""The files of a BIDS EEG recording: its companions, its BrainVision header, and checks that they agree."""
from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import TYPE_CHECKING

from neuroarena.fileio import read_json_object
from neuroarena.studies.base import SKIP_UNREADABLE, UNREADABLE_FIX, UnreadableRecording

if TYPE_CHECKING:
    import mne

#: File extensions of raw EEG recordings in BIDS (one per recording; sidecars excluded).
RAW_EXTENSIONS = (".vhdr", ".edf", ".bdf", ".set", ".fif")
#: BIDS suffixes of a recording's own files (``<entities>_<suffix>.<ext>``).
COMPANION_SUFFIXES = ("eeg", "events", "channels")
#: Subject- or session-wide files a recording's reader also reads.
SHARED_SUFFIXES = ("electrodes.tsv", "coordsystem.json")
#: Bytes per value of each BrainVision ``BinaryFormat``.
BINARY_BYTES = {"INT_16": 2, "UINT_16": 2, "INT_32": 4, "IEEE_FLOAT_32": 4, "IEEE_FLOAT_64": 8}
_CHANNEL_KEY = re.compile(r"^ch(\d+)$", re.IGNORECASE)


def entity_prefix(path: Path) -> str:
    """``sub-01_ses-1_task-x_eeg.vhdr`` -> ``sub-01_ses-1_task-x`` (the name before its last ``_``)."""
    return path.name.rsplit("_", 1)[0]


def eeg_files(root: Path) -> dict[Path, list[Path]]:
    """The files of every ``sub-*/[ses-*/]eeg`` folder of a BIDS root, by folder, sorted."""
    folders = sorted({p.parent for pattern in ("sub-*/eeg/*", "sub-*/ses-*/eeg/*") for p in root.glob(pattern)})
    return {folder: sorted(p for p in folder.iterdir() if p.is_file()) for folder in folders}


def companion_files(raw: Path, folder_files: list[Path]) -> tuple[Path, ...]:
    """The files that shape a recording read by mne-bids: the raw file, the files of its folder with the same
    entity prefix (data, marker, events, channels, sidecar), the subject's electrodes and coordinate system,
    and the data and marker files a BrainVision header names."""
    prefix = entity_prefix(raw)
    subject = "_".join(part for part in prefix.split("_") if part.startswith(("sub-", "ses-")))
    files = {raw, *(p for p in folder_files if p.name.startswith(prefix + "_"))}
    files.update(p for p in folder_files if p.name.startswith(subject + "_") and p.name.endswith(SHARED_SUFFIXES))
    if raw.suffix == ".vhdr" and raw.is_file():
        text = _decode(raw.read_bytes())
        for key in ("DataFile", "MarkerFile"):
            match = re.search(rf"^{key}=(.*)$", text, re.MULTILINE)
            if match and match.group(1).strip():
                files.add(raw.parent / match.group(1).strip())
    return tuple(sorted(files))


def orphan_recordings(listing: dict[Path, list[Path]], task: str, raws: list[Path]) -> list[tuple[Path, list[Path]]]:
    """Recordings of ``task`` whose companion files are on disk but whose raw file is not.

    A group of files ``<prefix>_{eeg,events,channels}.*`` in an ``eeg`` folder of ``listing`` (see
    :func:`eeg_files`) is an orphan when no raw file in ``raws`` carries all its entities (a sidecar
    common to several runs is not one).

    Returns
    -------
    list of (Path, list of Path)
        The raw file expected (``<prefix>_eeg.vhdr`` when a BrainVision data or marker file is there,
        else ``<prefix>_eeg``) and the companions found, per orphan, sorted.
    """
    have = [set(entity_prefix(raw).split("_")) for raw in raws]
    orphans = []
    for folder, files in listing.items():
        groups: dict[str, list[Path]] = {}
        for path in files:
            prefix, _, last = path.name.rpartition("_")
            if (prefix and last.split(".", 1)[0] in COMPANION_SUFFIXES and f"task-{task}" in prefix.split("_")
                    and path.suffix not in RAW_EXTENSIONS):
                groups.setdefault(prefix, []).append(path)
        for prefix, found in sorted(groups.items()):
            if not any(set(prefix.split("_")) <= entities for entities in have):
                brainvision = any(p.suffix in (".eeg", ".vmrk") for p in found)
                orphans.append((folder / f"{prefix}_eeg{'.vhdr' if brainvision else ''}", found))
    return orphans


def orphan_error(expected: Path, found: list[Path]) -> UnreadableRecording:
    """The one-line error of a recording whose raw file is missing."""
    names = ", ".join(p.name for p in found[:4]) + (", ..." if len(found) > 4 else "")
    kinds = "/".join(ext.lstrip(".") for ext in RAW_EXTENSIONS)
    what = "BrainVision header" if expected.suffix == ".vhdr" else f"raw file ({kinds})"
    return UnreadableRecording(f"recording without its {what}: its files {names} are here but it is missing",
                               path=expected, fix=f"restore it from the dataset's source (or delete its other "
                                                  f"files), or {SKIP_UNREADABLE}")


def check_brainvision(path: Path) -> float:
    """Check a BrainVision header and its data file before MNE reads them; return the sampling rate (Hz).

    Raises
    ------
    UnreadableRecording
        The header cannot be parsed or is truncated (no sampling interval, fewer channels than it declares),
        its data file is missing, or the data file's size is not a whole number of samples.
    """
    def damaged(what: str) -> UnreadableRecording:
        return UnreadableRecording(f"BrainVision header is truncated or damaged ({what})", path=path,
                                   fix=UNREADABLE_FIX)

    text = _decode(path.read_bytes())
    first, _, body = text.partition("\n")
    if "Brain" not in first or "Vision" not in first:
        raise damaged("its first line is not 'Brain Vision Data Exchange Header File Version 1.0'")
    config = configparser.ConfigParser(interpolation=None)
    try:
        config.read_string(body.split("[Comment]")[0])
    except configparser.Error as err:
        raise damaged(str(err).strip().splitlines()[-1].strip()[:120]) from None
    common = next((s for s in ("Common Infos", "Common infos") if config.has_section(s)), None)
    if common is None or not config.has_section("Channel Infos"):
        raise damaged("no [Common Infos] or [Channel Infos] section")
    try:
        interval = config.getfloat(common, "SamplingInterval")
        n_chans = config.getint(common, "NumberOfChannels")
    except (configparser.Error, ValueError) as err:
        raise damaged(f"SamplingInterval or NumberOfChannels: {str(err).splitlines()[0][:80]}") from None
    if not interval > 0 or n_chans < 1:
        raise damaged(f"SamplingInterval={interval:g} us, NumberOfChannels={n_chans}")
    channels = [key for key in config.options("Channel Infos") if _CHANNEL_KEY.match(key)]
    if len(channels) < n_chans:
        raise damaged(f"{len(channels)} of its {n_chans} channels listed")
    data = config.get(common, "DataFile", fallback="").strip()
    if not data:
        raise damaged("no DataFile=")
    data_path = path.parent / data
    if not data_path.is_file():
        raise UnreadableRecording(f"the data file {data} this header names is missing", path=path,
                                  fix=f"restore {data} next to the header, or {SKIP_UNREADABLE}")
    width = BINARY_BYTES.get(config.get("Binary Infos", "BinaryFormat", fallback="").strip().upper())
    binary = config.get(common, "DataFormat", fallback="BINARY").strip().upper() == "BINARY"
    if binary and width is not None and data_path.stat().st_size % (width * n_chans):
        raise UnreadableRecording(f"data file holds {data_path.stat().st_size} bytes, not a whole number of "
                                  f"{n_chans}-channel samples of {width} bytes (truncated?)", path=data_path,
                                  fix=UNREADABLE_FIX)
    return 1e6 / interval


def check_json(path: Path) -> dict:
    """A JSON sidecar's content, or an :class:`UnreadableRecording` naming it."""
    try:
        return read_json_object(path)
    except ValueError as err:
        raise UnreadableRecording(f"not valid JSON ({err})", path=path, fix=UNREADABLE_FIX) from None
    except TypeError as err:
        raise UnreadableRecording(str(err), path=path, fix=UNREADABLE_FIX) from None


def check_sampling_rate(raw: "mne.io.BaseRaw", raw_path: Path, sidecar: Path | None) -> None:
    """The rate of the raw file must be the sidecar's ``SamplingFrequency`` (when it gives one, within 0.1 %)."""
    if sidecar is None or not Path(sidecar).is_file():
        return
    declared = check_json(Path(sidecar)).get("SamplingFrequency")
    if not isinstance(declared, (int, float)) or isinstance(declared, bool):
        return
    sfreq = float(raw.info["sfreq"])
    if abs(sfreq - declared) > 1e-3 * max(sfreq, float(declared)):
        kind = "header (SamplingInterval)" if raw_path.suffix == ".vhdr" else "file"
        raise UnreadableRecording(
            f"sampling rate {sfreq:g} Hz of this {kind} differs from SamplingFrequency {declared:g} Hz in {sidecar}",
            path=raw_path, fix=f"correct whichever of the two is wrong (SamplingInterval is in microseconds per "
                                f"sample), or {SKIP_UNREADABLE}")


def check_event_samples(events: Path, raw: "mne.io.BaseRaw", raw_path: Path) -> None:
    """Where an events table has a ``sample`` column, it must be ``onset x sfreq`` (to one sample).

    ``onset x sfreq + first_samp`` is accepted too (mne-bids counts samples from the file's first
    sample for formats that have one, such as FIF).
    """
    import numpy as np
    import pandas as pd

    if not events.is_file():
        return
    table = pd.read_csv(events, sep="\t", dtype=str, keep_default_na=False)
    if "sample" not in table or "onset" not in table:
        return
    onset = pd.to_numeric(table["onset"], errors="coerce").to_numpy(dtype=float)
    sample = pd.to_numeric(table["sample"].replace("n/a", ""), errors="coerce").to_numpy(dtype=float)
    sfreq = float(raw.info["sfreq"])
    expected = onset * sfreq
    off = np.isfinite(sample) & np.isfinite(onset) & (np.abs(sample - expected) > 1) & (
        np.abs(sample - expected - raw.first_samp) > 1)
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise UnreadableRecording(
            f"{int(off.sum())} of {len(table)} events disagree with the sampling rate {sfreq:g} Hz of {raw_path}: "
            f"row {row + 1} has sample {sample[row]:g}, but onset {onset[row]:g} s x {sfreq:g} Hz = "
            f"{expected[row]:g}", path=events,
            fix=f"correct the onset or sample column, or the sampling rate of the header and sidecar, or "
                f"{SKIP_UNREADABLE}")


def channel_mismatch(channels: Path, raw_path: Path) -> UnreadableRecording:
    """The one-line error of a ``*_channels.tsv`` whose names are not the raw file's."""
    import mne
    import pandas as pd

    listed = pd.read_csv(channels, sep="\t", dtype=str, keep_default_na=False).get("name", pd.Series([])).tolist()
    try:
        actual = mne.io.read_raw(raw_path, preload=False, verbose=False).ch_names
    except Exception:  # the raw file itself cannot be read: say what channels.tsv lists
        actual = []
    extra = [name for name in listed if name not in actual]
    missing = [name for name in actual if name not in listed]
    detail = (f"{', '.join(extra[:4]) or 'none'} not in the raw file, {', '.join(missing[:4]) or 'none'} of the "
              "raw file not listed" if extra or missing else "another order")
    return UnreadableRecording(f"channel names differ from those of {raw_path.name} ({detail})", path=channels,
                               fix=f"make its name column match the raw file's channels, or {SKIP_UNREADABLE}")


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("latin-1")
