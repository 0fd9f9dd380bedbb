"""Alljoined-1.6M (Xu et al. 2025): 20 subjects, 32-channel consumer-grade (EMOTIV FLEX2) EEG to THINGS images."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.arrays import events_table, missing_data, set_standard_montage
from neuroarena.studies.base import Recording, Study, same_label

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: Prefixes of the EMOTIV export's non-electrode channels (``_get_electrode_channels`` of the authors' code).
NON_EEG_PREFIXES = (
    "TimestampS", "TimestampMs", "OrTimestampS", "OrTimestampMs", "Counter", "Interpolated", "RawCq", "Battery",
    "BatteryPercent", "FwBufferSize", "FwClockTime", "MarkerHardware", "HighBitFlex", "SaturationFlag", "CQ", "EQ",
    "MOT",
)
#: ``stim_order.parquet`` partition of an image trial -> the dataset's own split.
PARTITIONS = {"stim_train": "train", "stim_test": "test"}
STIM_ORDER_COLUMNS = ("image_path", "session", "block_id", "partition", "category_name")
#: Subject -> (row, position): the authors move that row of the subject's ``stim_order.parquet`` (0-based,
#: file order, all partitions) to that position, before the rows there (``SUB == 6`` in ``preprocessing.py``).
TRIGGER_FIXES: dict[int, tuple[int, int]] = {6: (73762, 73760)}
_SUBJECT = re.compile(r"^sub-(\d+)$")
_SESSION = re.compile(r"^session_(\d+)$")
_BLOCK = re.compile(r"^block_(\d+)$")
#: An image of ``stimuli.zip``, in any folder of it: ``<NNNNN>.jpg``.
_IMAGE = re.compile(r"(?:^|/)(\d{5})\.jpe?g$", re.IGNORECASE)


class Xu2025Alljoined(Study):
    """Alljoined-1.6M: a million-trial EEG-image dataset recorded with affordable hardware.

    Twenty subjects, four sessions of 19 blocks each, saw the THINGS-EEG2 images in RSVP
    sequences (blocks 1-4: the 200 test images; blocks 5-19: the 16,540 training images),
    recorded with a 32-channel EMOTIV FLEX2 at 256 Hz; oddball trials are not image events.

    On disk (``root``), the HuggingFace dataset ``Alljoined/Alljoined-1.6M``
    (https://huggingface.co/datasets/Alljoined/Alljoined-1.6M)::

        raw_eeg/sub-06/session_01/block_01/Subject 6, Session 1, Block 1 Recording_FLEX2_<id>_<time>.md.edf
        raw_eeg/sub-06/session_01/block_01/<same stem>.json      # EMOTIV's marker file (not read)
        preprocessed_eeg/sub-06/stim_order.parquet               # one row per planned trial
        stimuli/<NNNNN>.jpg  or  stimuli.zip                     # the images, 00000..16748

    Layout: ``preprocessing_utils.py`` of github.com/Alljoined/Alljoined-1.6M and the HF file list
    as read by ``code/restore_stim_train_events.py`` of github.com/nemarDatasets/nm000134 (the
    BIDS copy), which asserts one EDF per block folder. Irregularities, each left out with a
    :class:`~neuroarena.studies.base.SkippedWarning` and a line in :attr:`skipped`: a folder that
    is not ``session_NN`` (sub-08's ``session_02 old``, a retake of session 2, nm000134 README) or
    ``block_NN``; a block folder with no EDF or several (the authors take the first in
    ``os.listdir`` order, which is arbitrary); a block whose markers do not match
    ``stim_order.parquet``; a subject without a readable ``stim_order.parquet``. ``.DS_Store``
    and other hidden files are ignored (``raw_eeg/sub-19/session_01/.DS_Store`` exists).

    ``stim_order.parquet`` (schema printed in ``working_filesystem.ipynb``): ``image_path``
    (``.../repr_eeg2/images/05008.jpg``: the 5-digit stem is the image index), ``session``,
    ``block_id``, ``sequence_id``, ``sequence_image_id``, ``partition`` (``stim_train``,
    ``stim_test``, ``oddball``), ``category_name`` (THINGS concept), ... Images: the dataset's own
    ``stimuli/<NNNNN>.jpg`` (nm000134 README: "mirror the upstream ... stimuli.zip"; its
    ``code/align_stimuli.py`` fetches ``stimuli/**`` from the Hub). Which of the two the Hub holds
    is unconfirmed: a ``stimuli.zip`` is unpacked into ``stimuli/`` on first use.

    Markers (nm000134 ``code/tidy_events.py``): EDF annotations ``'<label>,<value>,-1,<index>'``
    with labels ``stim_train``, ``stim_test``, ``oddball``, ``behav``, ``debug``; the value may be
    zero-padded. As the authors do (``regexp=".*stim"``, then ``split(",")[3]`` after their
    two-field prefix, i.e. field 1 of the text), a marker whose text contains ``stim`` is an image
    event and its value the image index; of two at the same sample the first is kept
    (``event_repeated="drop"``). A block's markers must be, in order, a subsequence of that
    block's ``stim_train``/``stim_test`` rows (a planned trial may lack its marker; that ``block_id``
    numbers the ``block_NN`` folders is inferred from its name and the authors' block ranges, 1-4 test
    and 5-19 train; they match a whole session's markers at once). For subject 6
    the authors move row 73,762 of ``stim_order.parquet`` before row 73,760 ("Swapping mismatched
    triggers for subject 6", ``preprocessing.py``): done here too (:data:`TRIGGER_FIXES`), on the
    whole table in file order, before it is split into blocks. Which session and block the row is
    in is unconfirmed (were it moved across blocks, the block would fail to match and be skipped).
    Unconfirmed too: the image duration, taken as THINGS-EEG2's 0.1 s; the power-line
    frequency, 60 Hz inferred from the recruitment in San Francisco (nm000134 README; the eeg.json
    says ``"PowerLineFrequency": "n/a"``, the EMOTIV firmware has a 50/60 Hz notch).

    Listing the recordings reads every chosen block's markers (to leave out those that do not
    match), not its samples. Recordings: one per subject, session and block (``run``). Events: one
    per image marker, ``kind="stimulus"``, ``stimulus`` the image index stem (``05008``),
    ``category`` the concept, ``split`` from the partition.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Xu2025Alljoined"``.
    subjects : list of str or int, optional
        Subjects to use (1..20); default every subject on disk.
    sessions : list of str or int, optional
        Sessions to use (1..4); default all.
    skip_unreadable : bool
        Leave out, with a warning, a recording that cannot be read instead of stopping.
    """

    name = "Xu2025Alljoined"
    aliases = ("alljoined-1.6m", "xu2025alljoined")
    citation = ("Xu, J., Bruzadin Nunes, U., Jiang, W., Ryther, S., Pringle, J., Scotti, P. S., Delorme, A., & "
                "Kneeland, R. (2025). Alljoined-1.6M: A Million-Trial EEG-Image Dataset for Evaluating Affordable "
                "Brain-Computer Interfaces. https://doi.org/10.48550/arXiv.2508.18571")
    description = "Alljoined-1.6M: 20 subjects, 32-channel consumer-grade EEG to THINGS-EEG2 images (HuggingFace)."
    dataset = "alljoined-1.6m"
    repo_id = "Alljoined/Alljoined-1.6M"
    duration = 0.1
    line_freq = 60.0

    def __init__(self, root: str | Path | None = None, subjects: list[str] | None = None,
                 sessions: list[str] | None = None, skip_unreadable: bool = False):
        super().__init__(root if root is not None else data_dir() / self.name, subjects, sessions, skip_unreadable)
        self._stim_orders: dict[int, pd.DataFrame] = {}

    def download(self) -> None:
        """Fetch the raw EDFs, ``stim_order.parquet`` and the stimulus images from the Hub."""
        from huggingface_hub import snapshot_download

        subjects = [f"sub-{int(s):02d}" for s in self.subjects or range(1, 21)]
        patterns = [p for sub in subjects for p in (f"raw_eeg/{sub}/*", f"preprocessed_eeg/{sub}/stim_order.parquet")]
        snapshot_download(repo_id=self.repo_id, repo_type="dataset", local_dir=self.root,
                          allow_patterns=patterns + ["stimuli/*"])
        if not any((self.root / "stimuli").glob("*.jpg")):
            snapshot_download(repo_id=self.repo_id, repo_type="dataset", local_dir=self.root,
                              allow_patterns=["stimuli.zip"])
        stimulus_folder(self.root)

    def find_recordings(self) -> list[Recording]:
        """One recording per subject, session and block whose markers match the design, sorted."""
        found = []
        for number, subject in self._subject_folders():
            try:
                self._stim_order(number)
            except NeuroarenaError as error:
                self.skip(subject.name, str(error))
                continue
            for session, block, folder in self._block_folders(subject):
                edfs = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".edf"
                              and not p.name.startswith("."))
                where = f"{subject.name}/{folder.parent.name}/{folder.name}"
                if len(edfs) != 1:
                    self.skip(where, f"{len(edfs)} EDF files in the block folder, not 1")
                    continue
                matched = self._match(number, session, block, edfs[0], where)
                if matched is None:
                    continue
                found.append(Recording(
                    study=self.name, subject=f"{number:02d}", session=f"{session:02d}", run=f"{block:02d}",
                    task="images", path=edfs[0], loader=lambda p=edfs[0]: self._load(p),
                    events_loader=lambda n=number, m=matched: self._events(n, *m),
                    files=(edfs[0], self.root / "preprocessed_eeg" / f"sub-{number:02d}" / "stim_order.parquet"),
                ))
        return found

    def stimuli(self) -> "pd.DataFrame":
        """The images the chosen subjects saw, indexed by image index stem, with the dataset's own files."""
        import pandas as pd

        orders = []
        for number, subject in self._subject_folders():
            try:
                orders.append(self._stim_order(number))
            except NeuroarenaError as error:
                self.skip(subject.name, str(error))
        if not orders:
            raise missing_data(self.root / "preprocessed_eeg", self.dataset, "no readable stim_order.parquet")
        rows = pd.concat(orders)
        rows = rows[rows["partition"].isin(list(PARTITIONS))]
        if self.sessions is not None:
            rows = rows[[any(same_label(str(s), label) for label in self.sessions) for s in rows["session"]]]
        rows = rows.assign(stimulus=rows["image_path"].map(image_stem)).drop_duplicates("stimulus")
        folder = stimulus_folder(self.root)
        files = [folder / f"{stimulus}.jpg" for stimulus in rows["stimulus"]]
        absent = [path for path in files if not path.is_file()]
        if absent:
            raise NeuroarenaError(f"{len(absent)} of {len(files)} stimulus images missing", path=absent[0],
                                  fix=f"run `neuroarena eeg image --dataset {self.dataset} --download`")
        return pd.DataFrame({"stimulus": rows["stimulus"].to_numpy(), "image": [str(p.resolve()) for p in files],
                             "category": rows["category_name"].to_numpy(), "caption": "",
                             "split": rows["partition"].map(PARTITIONS).to_numpy()}).set_index("stimulus").sort_index()

    def _subject_folders(self) -> list[tuple[int, Path]]:
        """(number, folder) of the chosen ``raw_eeg/sub-NN`` folders; a chosen subject without one is an error."""
        raw = self.root / "raw_eeg"
        if not raw.is_dir():
            raise missing_data(raw, self.dataset, "Alljoined-1.6M raw EEG folder not found")
        folders = [(int(m.group(1)), p) for p in sorted(raw.iterdir())
                   if p.is_dir() and (m := _SUBJECT.match(p.name))]
        if self.subjects is None:
            return folders
        for label in self.subjects:
            if not any(same_label(label, str(n)) for n, _ in folders):
                raise missing_data(raw / f"sub-{label.zfill(2)}", self.dataset, "subject folder not found")
        return [(n, p) for n, p in folders if any(same_label(label, str(n)) for label in self.subjects)]

    def _block_folders(self, subject: Path) -> list[tuple[int, int, Path]]:
        """(session, block, folder) of the chosen sessions; other folders are left out with a record."""
        blocks = []
        for session in sorted(p for p in subject.iterdir() if p.is_dir() and not p.name.startswith(".")):
            match = _SESSION.match(session.name)
            if match is None:
                self.skip(f"{subject.name}/{session.name}", "not a session_NN folder (sub-08's 'session_02 old' is "
                                                            "a retake of session 2)")
                continue
            number = int(match.group(1))
            if self.sessions is not None and not any(same_label(str(number), s) for s in self.sessions):
                continue
            for block in sorted(p for p in session.iterdir() if p.is_dir() and not p.name.startswith(".")):
                found = _BLOCK.match(block.name)
                if found is None:
                    self.skip(f"{subject.name}/{session.name}/{block.name}", "not a block_NN folder")
                    continue
                blocks.append((number, int(found.group(1)), block))
        return blocks

    def _stim_order(self, subject: int) -> "pd.DataFrame":
        """The subject's ``stim_order.parquet`` (read once), with :data:`TRIGGER_FIXES` applied; index reset."""
        import pandas as pd

        if subject not in self._stim_orders:
            path = self.root / "preprocessed_eeg" / f"sub-{subject:02d}" / "stim_order.parquet"
            if not path.is_file():
                raise missing_data(path, self.dataset, "stim_order.parquet not found")
            try:
                table = pd.read_parquet(path)
            except (OSError, ValueError) as error:
                raise NeuroarenaError(f"not a readable parquet file ({type(error).__name__})", path=path,
                                      fix=f"delete it and run `neuroarena eeg image --dataset {self.dataset} "
                                          "--download`") from None
            absent = [column for column in STIM_ORDER_COLUMNS if column not in table]
            if absent:
                raise NeuroarenaError(f"stim_order.parquet lacks columns {absent}", path=path, fix="download it again")
            if subject in TRIGGER_FIXES:
                table = move_row(table, *TRIGGER_FIXES[subject])
            self._stim_orders[subject] = table.reset_index(drop=True)
        return self._stim_orders[subject]

    def _match(self, subject: int, session: int, block: int, path: Path,
               where: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(onsets in s, stim_order rows) of a block's image markers, or None (skipped) when they do not match."""
        try:
            onsets, values = read_image_markers(path)
        except NeuroarenaError as error:
            self.skip(where, str(error))
            return None
        if len(values) == 0:
            self.skip(where, "no image marker (stim_train/stim_test) in its EDF")
            return None
        order = self._stim_order(subject)
        planned = np.flatnonzero(((order["session"] == session) & (order["block_id"] == block)
                                  & order["partition"].isin(list(PARTITIONS))).to_numpy())
        stems = order["image_path"].iloc[planned].map(image_stem)
        matched = match_in_order(values.tolist(), [int(stem) for stem in stems])
        if matched is None:
            self.skip(where, f"its {len(values)} image markers are not, in order, among the {len(planned)} "
                             f"stim_train/stim_test trials of session {session} block {block} in stim_order.parquet")
            return None
        return onsets, planned[matched]

    def _load(self, path: Path) -> "mne.io.BaseRaw":
        import mne

        raw = mne.io.read_raw_edf(path, preload=False, verbose=False)
        raw.pick([name for name in raw.ch_names if not name.startswith(NON_EEG_PREFIXES)], verbose=False)
        if "Afz" in raw.ch_names:
            raw.rename_channels({"Afz": "AFz"}, verbose=False)
        set_standard_montage(raw, path)
        return raw

    def _events(self, subject: int, onsets: np.ndarray, rows: np.ndarray) -> "pd.DataFrame":
        order = self._stim_order(subject).iloc[rows]
        return events_table(onset=onsets, duration=self.duration, kind="stimulus",
                            stimulus=order["image_path"].map(image_stem), category=order["category_name"],
                            split=order["partition"].map(PARTITIONS))


def image_stem(path: str) -> str:
    """The image index stem of an ``image_path`` (``.../repr_eeg2/images/05008.jpg`` -> ``"05008"``)."""
    return PurePosixPath(path.replace("\\", "/")).stem


def move_row(table: "pd.DataFrame", row: int, position: int) -> "pd.DataFrame":
    """``table`` with its row at ``row`` (0-based) moved to ``position``; unchanged when it has no such row.

    The authors' fix for subject 6 (``row_to_move = stim_order.iloc[73762]``, concatenated between
    ``.iloc[:73760]`` and ``.iloc[73760:]`` of the rest), without their object-dtype round trip.
    """
    if row >= len(table):
        return table
    positions = list(range(len(table)))
    positions.insert(position, positions.pop(row))
    return table.iloc[positions]


def read_image_markers(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Onsets (s) and image indices of an EDF's image markers, shape (n_markers,) each.

    A marker is ``'<label>,<value>,-1,<index>'``; one whose text contains ``stim`` is an image
    event (the authors' ``regexp=".*stim"``); of two at the same sample the first is kept.

    Raises
    ------
    NeuroarenaError
        The EDF cannot be read, or an image marker has no integer value.
    """
    import mne

    try:
        raw = mne.io.read_raw_edf(path, preload=False, verbose=False)
    except (OSError, ValueError, RuntimeError) as error:
        raise NeuroarenaError(f"EDF file not readable ({type(error).__name__}: {error})", path=path,
                              fix="download it again") from None
    markers = [(onset, text) for onset, text in zip(raw.annotations.onset, raw.annotations.description)
               if "stim" in text]
    values = []
    for _, text in markers:
        fields = text.split(",")
        if len(fields) < 2 or not fields[1].strip().isdigit():
            raise NeuroarenaError(f"image marker {text!r} is not '<label>,<image index>,-1,<marker index>'",
                                  path=path, fix="this EDF is not from Alljoined-1.6M; download it again")
        values.append(int(fields[1]))
    onsets = np.array([onset for onset, _ in markers], dtype=float)
    _, first = np.unique(np.round(onsets * raw.info["sfreq"]).astype(np.int64), return_index=True)
    keep = np.sort(first)
    return onsets[keep], np.array(values, dtype=np.int64)[keep]


def match_in_order(values: list[int], planned: list[int]) -> list[int] | None:
    """Position in ``planned`` of each of ``values``, scanning forward (the authors' rule); None if one has none."""
    rows, position = [], 0
    for value in values:
        while position < len(planned) and planned[position] != value:
            position += 1
        if position == len(planned):
            return None
        rows.append(position)
        position += 1
    return rows


def stimulus_folder(root: Path) -> Path:
    """``root/stimuli``, unpacked from ``root/stimuli.zip`` (its ``<NNNNN>.jpg``, in any folder) when absent.

    Raises
    ------
    NeuroarenaError
        Neither is there, the archive is damaged, or it holds no ``<NNNNN>.jpg``.
    """
    folder, archive = root / "stimuli", root / "stimuli.zip"
    if folder.is_dir() and any(folder.glob("*.jpg")):
        return folder
    if not archive.is_file():
        raise missing_data(folder, "alljoined-1.6m", "stimulus images not found (stimuli/<NNNNN>.jpg or stimuli.zip)")
    partial = root / ".stimuli.unpacking"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive) as members:
            images = {}
            for member in members.infolist():
                match = _IMAGE.search(member.filename)
                if match and not member.is_dir() and "__MACOSX" not in member.filename:
                    images.setdefault(match.group(1), member)
            if not images:
                raise NeuroarenaError("no <NNNNN>.jpg image in the archive", path=archive,
                                      fix="download stimuli.zip again")
            for stem, member in images.items():
                (partial / f"{stem}.jpg").write_bytes(members.read(member))
    except (zipfile.BadZipFile, OSError) as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise NeuroarenaError(f"damaged zip archive ({error})", path=archive, fix="download stimuli.zip again") from None
    except NeuroarenaError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if folder.is_dir():  # an empty stimuli/ (or one without images): fill it
        for image in partial.iterdir():
            image.replace(folder / image.name)
        partial.rmdir()
    else:
        partial.rename(folder)
    return folder
