"""THINGS-EEG1 (Grootswagers et al. 2022): 50 subjects, RSVP of 22,248 THINGS images, OpenNeuro ds003825."""
from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.arrays import events_table, missing_data, set_standard_montage
from neuroarena.studies.base import Recording, Study, same_label, select_recordings

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: ``*_events.tsv`` columns every subject has (sub-06 lacks ``stimdur``; see :func:`read_rsvp_events`).
REQUIRED_COLUMNS = ("onset", "stim")
N_SUBJECTS = 50
#: Channels of the 64-channel cap minus the online reference: what every subject has.
N_CHANNELS = 63
#: Sampling rate of every recording (the events' ``sample`` column is ``onset x 1000``).
SFREQ = 1000.0
#: The OpenNeuro version read: the first with onsets in seconds.
OPENNEURO_TAG = "1.2.0"
#: Largest plausible onset in seconds (the recordings last about an hour); larger integers are samples.
MAX_ONSET_SECONDS = 86400.0
THINGS_IMAGES = "https://osf.io/jum2f/"
EXCLUDE_YES = {"1", "true", "yes", "y", "exclude", "excluded"}
EXCLUDE_NO = {"0", "false", "no", "n", "", "n/a", "include", "included"}


class OnsetUnitWarning(UserWarning):
    """An events file gives its onsets in samples (ds003825 before 1.2.0); they were converted to seconds."""


class ChannelsLeftOutWarning(UserWarning):
    """A recording has channels the other chosen recordings lack (sub-49, sub-50); they were left out."""


class Grootswagers2022Human(Study):
    """THINGS-EEG1: human EEG recordings for 1,854 concepts presented in RSVP streams.

    Each of 50 subjects saw 22,248 THINGS images (1,854 concepts x 12) once in 10 Hz RSVP streams (50
    ms on; README and the authors' ``duration = 50*ones(...)``) in one continuous BrainVision
    recording at 1000 Hz; the later subjects also saw 200 validation images 12 times
    (``isteststim == 1``), the dataset's test split.

    On disk (``root``), the BIDS dataset OpenNeuro ds003825, version 1.2.0
    (https://openneuro.org/datasets/ds003825; file names and columns checked against its GitHub
    mirror OpenNeuroDatasets/ds003825)::

        dataset_description.json, participants.tsv, CHANGES, .bidsignore (lists stimuli/, derivatives/)
        sub-01/eeg/sub-01_task-rsvp_eeg.vhdr, .vmrk, .eeg, sub-01/eeg/sub-01_task-rsvp_events.tsv
        ...       sub-50/...
        stimuli/<concept>/<image>.jpg     # not in the release: the THINGS images, put there by hand

    **Events.** Columns differ by subject, so they are read by name: sub-01 has 20 (``onset``
    ``duration`` ... ``stim`` ``istarget`` ``stimname`` ``response`` ``rt`` ``correct``
    ``time_stimon`` ``time_stimoff`` ``stimdur`` ``sample``), sub-06 15 (no ``stimname``,
    ``response``, ``rt``, ``correct``, ``time_stimon``, ``time_stimoff``, ``stimdur``; it has
    ``isteststim``), sub-49 and sub-50 22 (mirror commit 68c3406). ``onset`` is in seconds since
    1.2.0 (CHANGES: "1.2.0 2022-10-10 - fix: onset column in seconds as per BIDS standard"), in
    samples (1000 Hz) before: such files are detected (``onset == sample``, or integer onsets beyond
    a day) and converted with an :class:`OnsetUnitWarning`. ``duration`` is 50, in milliseconds
    even in 1.2.0; the event duration is the measured ``stimdur`` (s) where the file has it, else
    ``duration / 1000``. ``time_stimon`` runs on the stimulus computer's clock, not the EEG's.

    **Channels.** Subjects 1-48: 63 channels, online reference Cz (not recorded); sub-49 and sub-50 were
    recorded "with a 128 workspace and different ref" (FCz) (the authors' ``preprocessing_things.m``
    keeps ``1:63`` and sets the reference to FCz for them, Cz for the others); 127 channels per
    neuralset's ``Grootswagers2022Human`` ("Subjects 1-48 have 63 channels; subject 49-50 have 127";
    a secondary source). Here every recording keeps its first 63 channels, then only the names every
    chosen recording has, in the first one's order (a :class:`ChannelsLeftOutWarning` names what
    goes), so all share one channel list. The online references still differ (Cz vs FCz); a task's
    re-reference (e.g. average) applies on top. The channel names and ``EEGReference`` of the
    sidecars could not be read (not in the mirror).

    **Excluded subjects.** ``participants.tsv``'s ``exclude`` column (1 / true / yes: excluded)
    leaves subjects out (:meth:`~neuroarena.studies.base.Study.skip`) unless ``exclude=False``; sub-01,
    06, 18 and 23 are the ones others leave out (``EXCLUDED_SUBJECTS = [1, 6, 18, 23]`` in
    BonnerLab/bonner-libraries ``grootswagers2022_things_eeg/_data.py``; a secondary source). The column itself is
    unconfirmed (participants.tsv is not in the mirror): without it every subject loads, with a
    warning.

    **Images.** OpenNeuro ships no images: the mirror has no ``stimuli/`` path nor ``.jpg`` annex
    key (for the commits it holds; every version unconfirmed). They are the THINGS images:
    ``images_THINGS.zip`` at https://osf.io/jum2f/, password-protected (the password is given on
    that page, ``password_images.txt``, as neuralfetch's THINGS download says);
    its ``object_images/<concept>/<file>.jpg`` go to ``<root>/stimuli/<concept>/<file>.jpg``, the
    events' ``stim`` paths (``stimuli\\carousel\\carousel_11s.jpg``, Windows separators).

    Events out: every row an image onset, ``kind="stimulus"``; ``stimulus`` the image file stem and
    ``category`` its folder (the THINGS concept, also on test rows where ``object == -1``);
    ``split`` ``test`` where ``isteststim == 1``, else ``train``. ``rt`` stays NaN: the dataset's
    ``rt`` is the latency of a button press to the last fixation target, not to that image.
    Power-line frequency 50 Hz (Sydney; the sidecar's ``PowerLineFrequency`` is unconfirmed).

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Grootswagers2022Human"``.
    subjects : list of str or int, optional
        Subjects to use (1..50); default every subject on disk not marked excluded.
    exclude : bool
        Leave out the subjects ``participants.tsv`` marks excluded.
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read (see :class:`~neuroarena.studies.bids.BidsStudy`).
    """

    name = "Grootswagers2022Human"
    aliases = ("things-eeg1", "grootswagers2022human")
    citation = ("Grootswagers, T., Zhou, I., Robinson, A. K., Hebart, M. N., & Carlson, T. A. (2022). Human EEG "
                "recordings for 1,854 concepts presented in rapid serial visual presentation streams. Scientific "
                "Data, 9, 3. https://doi.org/10.1038/s41597-021-01102-7")
    description = "THINGS-EEG1: 50 subjects, 63-channel RSVP EEG to 22,248 THINGS images (OpenNeuro ds003825)."
    dataset = "things-eeg1"
    openneuro_id = "ds003825"
    task = "rsvp"

    line_freq = 50.0  # recorded in Sydney

    def __init__(self, root: str | Path | None = None, subjects: list[str] | None = None, exclude: bool = True,
                 skip_unreadable: bool = False):
        super().__init__(root if root is not None else data_dir() / self.name, subjects,
                         skip_unreadable=skip_unreadable)
        if not isinstance(exclude, bool):
            raise NeuroarenaError(f"exclude must be true or false, not {exclude!r}", path=self.root,
                                  fix="pass exclude=true (leave out what participants.tsv excludes) or false")
        self.exclude = exclude
        self._channels: dict[tuple[Path, ...], list[str]] = {}

    def params(self) -> dict[str, Any]:
        """Name, subjects and whether excluded subjects are left out."""
        return {**super().params(), "exclude": self.exclude}

    def download(self) -> None:
        """Fetch ds003825 version 1.2.0 with openneuro-py, all but ``derivatives/`` and the subjects not chosen.

        openneuro-py refuses a folder holding another version (it reads ``DatasetDOI`` of
        ``dataset_description.json``); that is a one-line error here.
        """
        import openneuro

        chosen = None if self.subjects is None else {int(s) for s in self.subjects}
        others = [s for s in range(1, N_SUBJECTS + 1) if chosen is not None and s not in chosen]
        try:
            openneuro.download(dataset=self.openneuro_id, tag=OPENNEURO_TAG, target_dir=str(self.root),
                               exclude=["derivatives"] + [f"sub-{s:02d}" for s in others])
        except FileExistsError as err:
            raise NeuroarenaError(f"openneuro-py will not add version {OPENNEURO_TAG} here ({err})", path=self.root,
                                  fix="download into an empty folder: another version of ds003825 is here") from None

    def find_recordings(self) -> list[Recording]:
        """The chosen, not excluded subjects' recordings, read with mne-bids, with one channel list."""
        from neuroarena.studies.bids import BidsStudy

        if not any(self.root.glob(f"sub-*/eeg/sub-*_task-{self.task}_eeg.vhdr")):
            raise missing_data(self.root, self.dataset, f"no sub-*/eeg/*_task-{self.task}_eeg.vhdr here")
        bids = BidsStudy(self.root, task=self.task, name=self.name, subjects=self.subjects,
                         skip_unreadable=self.skip_unreadable)
        bids.skipped = self.skipped  # what it leaves out is this study's
        bids.check_bids_events = False  # read_rsvp_events checks them (onsets in samples before 1.2.0)
        found = bids.find_recordings()
        excluded = self._excluded()
        chosen = [s for s in self.subjects or [] if any(same_label(s, e) for e in excluded)]
        if chosen:
            raise NeuroarenaError(f"participants.tsv marks subject {chosen[0]} excluded", path=self.root /
                                  "participants.tsv", fix="leave it out of subjects, or pass exclude=False")
        kept = []
        for recording in found:
            if any(same_label(recording.subject, e) for e in excluded):
                self.skip(f"sub-{recording.subject}", "participants.tsv marks it excluded (exclude=False loads it)")
            else:
                kept.append(recording)
        kept = select_recordings(kept, self.subjects, None, self.root)
        channels = self._common_channels(kept)
        shared = (self.root / "participants.tsv",) if self.exclude else ()  # it decides who is left out
        return [dataclasses.replace(r, loader=lambda r=r: _with_channels(_checked_load(r), channels, r.path),
                                    events_loader=lambda p=_events_path(r.path): read_rsvp_events(p),
                                    files=r.inputs() + shared)
                for r in kept]

    def stimuli(self) -> "pd.DataFrame":
        """Every image the chosen subjects saw, indexed by file stem, with its path under ``stimuli/``."""
        import pandas as pd

        folder = self.root / "stimuli"
        fix = (f"download images_THINGS.zip from {THINGS_IMAGES} (password-protected: the password is given on that "
               f"OSF page) and unpack its object_images/<concept>/<file>.jpg as {folder}/<concept>/<file>.jpg, "
               "the paths of the events' stim column")
        if not folder.is_dir():
            raise NeuroarenaError("no stimulus images: OpenNeuro ds003825 ships none, the THINGS images are a "
                                  "separate download", path=folder, fix=fix)
        tables = [read_rsvp_events(_events_path(r.path), image_root=self.root) for r in self.recordings()]
        table = pd.concat(tables).drop_duplicates("stimulus")
        absent = [image for image in table["image"] if not Path(image).is_file()]
        if absent:
            raise NeuroarenaError(f"{len(absent)} of {len(table)} images are missing, e.g. {absent[0]}", path=folder,
                                  fix=fix)
        return table.set_index("stimulus")[["image", "category", "caption", "split"]].sort_index()

    def _excluded(self) -> set[str]:
        """Subject labels ``participants.tsv`` marks excluded (none with ``exclude=False``)."""
        if not self.exclude:
            return set()
        path = self.root / "participants.tsv"
        marked = read_exclusions(path)
        if marked is None:
            warnings.warn(f"{path}: no exclude column, every subject loads (others leave out sub-01, 06, 18 and 23: "
                          "choose subjects to do so)", UserWarning, stacklevel=3)
            return set()
        return marked

    def _common_channels(self, recordings: list[Recording]) -> list[str]:
        """The first :data:`N_CHANNELS` channels every recording has, in the first one's order (headers only)."""
        key = tuple(r.path for r in recordings)
        if key not in self._channels and recordings:
            names = {r.path: vhdr_channels(r.path) for r in recordings}
            common = [c for c in names[key[0]][:N_CHANNELS] if all(c in n[:N_CHANNELS] for n in names.values())]
            for recording in recordings:
                dropped = [c for c in names[recording.path] if c not in common]
                if dropped:
                    warnings.warn(f"sub-{recording.subject}: {len(dropped)} channels left out to keep the "
                                  f"{len(common)} every chosen recording has ({', '.join(dropped[:4])}, ...)",
                                  ChannelsLeftOutWarning, stacklevel=3)
            self._channels[key] = common
        return self._channels.get(key, [])


def _with_channels(raw: "mne.io.BaseRaw", channels: list[str], path: Path) -> "mne.io.BaseRaw":
    """``raw`` with exactly ``channels``, in that order, and standard 10-05 positions when its BIDS files give none."""
    missing = [name for name in channels if name not in raw.ch_names]
    if missing:
        raise NeuroarenaError(f"channels {missing[:4]} of the other recordings are not in this one", path=path,
                              fix="check that its channels.tsv names match its .vhdr header")
    if raw.ch_names != channels:
        raw.pick(channels)
        raw.reorder_channels(channels)
    if raw.get_montage() is None:
        set_standard_montage(raw, path, allow_unknown=True)
    return raw


def _checked_load(recording: Recording) -> "mne.io.BaseRaw":
    """The recording, after its events file is checked (mne-bids reads it too, with a bare error on a bad value)."""
    with warnings.catch_warnings():  # the events loader gives the warning about their unit
        warnings.simplefilter("ignore", OnsetUnitWarning)
        read_rsvp_events(_events_path(recording.path))
    return recording.loader()


def _events_path(raw_path: Path) -> Path:
    return raw_path.with_name(raw_path.name.replace("_eeg.vhdr", "_events.tsv"))


def vhdr_channels(path: str | Path) -> list[str]:
    """Channel names of a BrainVision header, in file order (``[Channel Infos]`` ``Ch<n>=<name>,...``)."""
    section, names = "", []
    for line in Path(path).read_bytes().decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Channel Infos]" and line.startswith("Ch") and "=" in line:
            names.append(line.split("=", 1)[1].split(",", 1)[0].replace("\\1", ","))
    if not names:
        raise NeuroarenaError("no [Channel Infos] in this BrainVision header", path=path,
                              fix="download the dataset again")
    return names


def read_exclusions(path: str | Path) -> set[str] | None:
    """Subject labels (``"01"``) a ``participants.tsv`` marks excluded; None when it has no ``exclude`` column."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        return None
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if "exclude" not in table:
        return None
    if "participant_id" not in table:
        raise NeuroarenaError("participants.tsv has no participant_id column", path=path, fix="download it again")
    values = table["exclude"].str.strip().str.lower()
    bad = ~values.isin(EXCLUDE_YES | EXCLUDE_NO)
    if bad.any():
        row = table[bad].iloc[0]
        raise NeuroarenaError(f"exclude is {row['exclude']!r} for {row['participant_id']}", path=path,
                              fix="mark excluded subjects 1 (or true, yes) and the others 0")
    return {pid.strip().removeprefix("sub-") for pid, value in zip(table["participant_id"], values)
            if value in EXCLUDE_YES}


def read_rsvp_events(path: str | Path, image_root: str | Path | None = None) -> "pd.DataFrame":
    """Read a ds003825 ``*_events.tsv`` (any subject's columns, any version's onset unit) into the events table.

    Parameters
    ----------
    path : str or Path
        The events file.
    image_root : str or Path, optional
        When given, an ``image`` column is added: ``image_root / stim`` (absolute path).

    Returns
    -------
    DataFrame, shape (n_events, 8) (9 with ``image``)
        Onsets in seconds; durations in seconds (``stimdur``, else ``duration`` ms / 1000).
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise NeuroarenaError("events file not found", path=path, fix="download the dataset again")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    absent = [column for column in REQUIRED_COLUMNS if column not in table]
    if "stimdur" not in table and "duration" not in table:
        absent.append("stimdur or duration")
    if absent:
        raise NeuroarenaError(f"events file lacks columns {absent}", path=path,
                              fix="this is not a ds003825 events file; download the dataset again")
    onset = onsets_in_seconds(table, path)
    duration = _numbers(table, "stimdur", path) if "stimdur" in table else _numbers(table, "duration", path) / 1000
    stims = [PureWindowsPath(value) for value in table["stim"]]
    test = table["isteststim"].eq("1") if "isteststim" in table else pd.Series(False, index=table.index)
    events = events_table(onset=onset, duration=0.0, kind="stimulus", stimulus=[s.stem for s in stims],
                          category=[s.parent.name for s in stims],
                          split=np.where(test.to_numpy(), "test", "train"))
    events["duration"] = duration
    if image_root is not None:
        events["image"] = [str(Path(image_root, *s.parts).resolve()) for s in stims]
    return events


def onsets_in_seconds(table: "pd.DataFrame", path: Path) -> np.ndarray:
    """The ``onset`` column in seconds, shape (n_events,): as written (1.2.0), or samples / 1000 (before).

    Old files are told by ``onset == sample`` (1.2.0 has ``sample == onset x 1000``), or without a
    ``sample`` column by integer onsets beyond :data:`MAX_ONSET_SECONDS`.
    """
    onset = _numbers(table, "onset", path)
    if "sample" in table:
        sample = _numbers(table, "sample", path)
        if np.all(np.abs(onset * SFREQ - sample) <= 1):
            return onset
        in_samples = bool(np.all(np.abs(onset - sample) <= 1))
        if not in_samples:
            row = int(np.flatnonzero(np.abs(onset * SFREQ - sample) > 1)[0])
            raise NeuroarenaError(f"onset {onset[row]:g} in row {row + 1} is neither sample / 1000 (seconds) nor "
                                  f"sample ({sample[row]:g})", path=path,
                                  fix=f"download ds003825 version {OPENNEURO_TAG} again")
    else:
        in_samples = onset.size > 0 and bool(np.all(onset == np.round(onset))) and onset.max() > MAX_ONSET_SECONDS
    if in_samples:
        warnings.warn(f"{path}: onsets are in samples (ds003825 before {OPENNEURO_TAG}); divided by {SFREQ:g} Hz. "
                      f"Version {OPENNEURO_TAG} has them in seconds", OnsetUnitWarning, stacklevel=3)
        return onset / SFREQ
    return onset


def _numbers(table: "pd.DataFrame", column: str, path: Path) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise NeuroarenaError(f"column {column!r} is not a number in row {row + 1}", path=path,
                              fix="download the dataset again")
    return values
