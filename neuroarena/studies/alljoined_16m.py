"""Alljoined-1.6M (Xu et al. 2025): 20 subjects, 32-channel consumer-grade (EMOTIV FLEX2) EEG to THINGS images."""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from neuroarena.errors import NeuroarenaError
from neuroarena.home import data_dir
from neuroarena.studies.arrays import events_table, missing_data, set_standard_montage
from neuroarena.studies.base import Recording, Study
from neuroarena.studies.things_eeg2 import IMAGE_FOLDERS, read_image_metadata

if TYPE_CHECKING:
    import mne
    import pandas as pd

#: Prefixes of the EMOTIV export's non-electrode channels (``_get_electrode_channels`` of the authors' code).
NON_EEG_PREFIXES = (
    "TimestampS", "TimestampMs", "OrTimestampS", "OrTimestampMs", "Counter", "Interpolated", "RawCq", "Battery",
    "BatteryPercent", "FwBufferSize", "FwClockTime", "MarkerHardware", "HighBitFlex", "SaturationFlag", "CQ", "EQ",
    "MOT",
)
#: ``stim_order.parquet`` partition -> the dataset's own split.
PARTITIONS = {"stim_train": "train", "stim_test": "test"}
STIM_ORDER_COLUMNS = ("image_path", "session", "block_id", "partition", "category_name")
#: Image indices below this are THINGS-EEG2 training images (``10 * concept + image``); the rest test images.
N_TRAINING_IMAGES = 16540


class Xu2025Alljoined(Study):
    """Alljoined-1.6M: a million-trial EEG-image dataset recorded with affordable hardware.

    Twenty subjects, four sessions of 19 blocks each, saw the THINGS-EEG2 images in RSVP
    sequences of 20 (blocks 1-4: the 200 test images; blocks 5-19: the 16,540 training images),
    recorded with a 32-channel EMOTIV FLEX2 at 256 Hz; oddball trials are not image events.

    On disk (``root``), the HuggingFace dataset ``Alljoined/Alljoined-1.6M``
    (https://huggingface.co/datasets/Alljoined/Alljoined-1.6M; layout from its file list and
    viewer, and from ``preprocessing.py``/``preprocessing_utils.py`` of
    github.com/Alljoined/Alljoined-1.6M), plus the THINGS-EEG2 image set (OSF y63gw)::

        raw_eeg/sub-01/session_01/block_01/Subject 1, Session 1, Block 1 Recording_FLEX2_<id>_<time>.md.edf
        ...    sub-20/session_04/block_19/...          # exactly one EDF per block folder
        preprocessed_eeg/sub-01/stim_order.parquet     # one row per planned trial (the
                                                       # preprocessed_eeg_*_flat.npy beside it are not used)
        image_set/image_metadata.npy, training_images/, test_images/   # as for Gifford2022Large

    ``stim_order.parquet`` columns: ``image_path`` (``.../repr_eeg2/images/05008.jpg``: the file
    stem is the image index, ``10 * category_num + category_img_num`` for training images,
    ``16540 + category_num`` for test images), ``dataset``, ``subject``, ``session``,
    ``block_id`` (1..19), ``sequence_id``, ``sequence_image_id``, ``partition`` (``stim_train``,
    ``stim_test``, and a third value for the other trials), ``category_name`` (THINGS concept),
    ``category_num``, ``category_img_num``, ``dropped``, ``super_category``, ``super_category_id``.

    The EDF's image markers are annotations whose description contains ``stim`` and whose
    second comma-separated field is the image index, as the authors' parser reads them
    (``split(",")[3]`` after prefixing ``session_S,block_B,``); the exact text of the description
    could not be seen, only inferred from that code. The markers of a block must be, in order, a
    subsequence of that block's ``stim_train``/``stim_test`` rows (a marker can be missing, not
    extra). Unconfirmed too: the image duration, taken as THINGS-EEG2's 0.1 s.

    Recordings: one per subject, session and block (``run``). Events: one per marker,
    ``kind="stimulus"``, ``stimulus`` the image index stem (``05008``), ``category`` the concept,
    ``split`` from the partition.

    Parameters
    ----------
    root : str or Path, optional
        Default ``data_dir() / "Xu2025Alljoined"``.
    subjects : list of str or int, optional
        Subjects to use (1..20); default every subject on disk.
    sessions : list of str or int, optional
        Sessions to use (1..4); default all.
    """

    name = "Xu2025Alljoined"
    aliases = ("alljoined-1.6m", "xu2025alljoined")
    citation = ("Xu, J., Bruzadin Nunes, U., Jiang, W., Ryther, S., Pringle, J., Scotti, P. S., Delorme, A., & "
                "Kneeland, R. (2025). Alljoined-1.6M: A Million-Trial EEG-Image Dataset for Evaluating Affordable "
                "Brain-Computer Interfaces. https://doi.org/10.48550/arXiv.2508.18571")
    description = "Alljoined-1.6M: 20 subjects, 32-channel consumer-grade EEG to THINGS-EEG2 images (HuggingFace)."
    dataset = "alljoined-1.6m"
    repo_id = "Alljoined/Alljoined-1.6M"
    image_set_node = "y63gw"
    duration = 0.1

    def __init__(self, root: str | Path | None = None, subjects: list[str] | None = None,
                 sessions: list[str] | None = None):
        super().__init__(root if root is not None else data_dir() / self.name, subjects, sessions)
        self._stim_orders: dict[int, pd.DataFrame] = {}

    def download(self) -> None:
        """Fetch the raw EDFs and ``stim_order.parquet`` from the Hub, and the image set from OSF."""
        from huggingface_hub import snapshot_download

        from neuroarena.studies.osf import fetch_osf_files, osf_listing_url

        subjects = [f"sub-{int(s):02d}" for s in self.subjects or range(1, 21)]
        patterns = [p for sub in subjects for p in (f"raw_eeg/{sub}/*", f"preprocessed_eeg/{sub}/stim_order.parquet")]
        snapshot_download(repo_id=self.repo_id, repo_type="dataset", local_dir=self.root, allow_patterns=patterns)
        images = self.root / "image_set"
        names = [name for name, done in [("image_metadata.npy", (images / "image_metadata.npy").is_file()),
                                         ("training_images.zip", (images / "training_images").is_dir()),
                                         ("test_images.zip", (images / "test_images").is_dir())] if not done]
        if names:
            fetch_osf_files(osf_listing_url(self.image_set_node), names, images)

    def find_recordings(self) -> list[Recording]:
        """One recording per subject, session and block, sorted."""
        raw = self.root / "raw_eeg"
        if not raw.is_dir():
            raise missing_data(raw, self.dataset, "Alljoined-1.6M raw EEG folder not found")
        subjects = sorted(p for p in raw.glob("sub-*") if p.is_dir())
        if self.subjects is not None:
            subjects = [raw / f"sub-{int(s):02d}" for s in self.subjects]
        found = []
        for subject in subjects:
            if not subject.is_dir():
                raise missing_data(subject, self.dataset, "subject folder not found")
            for block in sorted(subject.glob("session_*/block_*")):
                edfs = sorted(block.glob("*.edf"))
                if len(edfs) != 1:
                    raise NeuroarenaError(f"{len(edfs)} EDF files in a block folder, not 1", path=block,
                                          fix="keep only the block's recording in its folder")
                number = int(subject.name[4:])
                session, run = int(block.parent.name.split("_")[1]), int(block.name.split("_")[1])
                found.append(Recording(
                    study=self.name, subject=subject.name[4:], session=f"{session:02d}", run=f"{run:02d}",
                    task="images", path=edfs[0], loader=lambda p=edfs[0]: self._load(p),
                    events_loader=lambda n=number, s=session, b=run, p=edfs[0]: self._events(n, s, b, p),
                ))
        return found

    def stimuli(self) -> "pd.DataFrame":
        """The images the chosen subjects saw, indexed by image index stem, with their THINGS-EEG2 files."""
        import pandas as pd

        lists = read_image_metadata(self.root / "image_set" / "image_metadata.npy", self.dataset)
        subjects = sorted({int(r.subject) for r in self.recordings()})
        rows = pd.concat([self._stim_order(s) for s in subjects])
        rows = rows[rows["partition"].isin(list(PARTITIONS))]
        rows = rows.assign(stimulus=rows["image_path"].map(lambda p: PurePosixPath(p).stem)).drop_duplicates("stimulus")
        table = []
        for stimulus, category, partition in zip(rows["stimulus"], rows["category_name"], rows["partition"]):
            split = PARTITIONS[partition]
            index = int(stimulus) - (N_TRAINING_IMAGES if split == "test" else 0)
            concepts, files = lists[split]
            folder = self.root / "image_set" / IMAGE_FOLDERS[split]
            if not 0 <= index < len(files) or concepts[index].split("_", 1)[-1] != category:
                raise NeuroarenaError(f"image {stimulus} ({category}) is not {split} image {index} of the THINGS-EEG2 "
                                      "image set", path=folder, fix="use the THINGS-EEG2 image set from OSF y63gw")
            table.append((stimulus, str((folder / concepts[index] / files[index]).resolve()), category, "", split))
        return pd.DataFrame(table, columns=["stimulus", "image", "category", "caption", "split"]).set_index(
            "stimulus").sort_index()

    def _stim_order(self, subject: int) -> "pd.DataFrame":
        """The subject's ``stim_order.parquet`` (read once)."""
        import pandas as pd

        if subject not in self._stim_orders:
            path = self.root / "preprocessed_eeg" / f"sub-{subject:02d}" / "stim_order.parquet"
            if not path.is_file():
                raise missing_data(path, self.dataset, "stim_order.parquet not found")
            table = pd.read_parquet(path)
            absent = [column for column in STIM_ORDER_COLUMNS if column not in table]
            if absent:
                raise NeuroarenaError(f"stim_order.parquet lacks columns {absent}", path=path,
                                      fix="download it again")
            self._stim_orders[subject] = table
        return self._stim_orders[subject]

    def _load(self, path: Path) -> "mne.io.BaseRaw":
        import mne

        raw = mne.io.read_raw_edf(path, preload=False, verbose=False)
        raw.pick([name for name in raw.ch_names if not name.startswith(NON_EEG_PREFIXES)], verbose=False)
        if "Afz" in raw.ch_names:
            raw.rename_channels({"Afz": "AFz"}, verbose=False)
        set_standard_montage(raw, path)
        return raw

    def _events(self, subject: int, session: int, block: int, path: Path) -> "pd.DataFrame":
        import mne

        annotations = mne.read_annotations(path)
        markers = [(onset, text) for onset, text in zip(annotations.onset, annotations.description) if "stim" in text]
        try:
            values = [int(text.split(",")[1]) for _, text in markers]
        except (IndexError, ValueError):
            bad = next(text for _, text in markers if not _is_marker(text))
            raise NeuroarenaError(f"image marker {bad!r} is not '<label>,<image index>'", path=path,
                                  fix="this EDF is not from Alljoined-1.6M; download it again") from None
        order = self._stim_order(subject)
        rows = order[(order["session"] == session) & (order["block_id"] == block)
                     & order["partition"].isin(list(PARTITIONS))].reset_index(drop=True)
        stems = [PurePosixPath(p).stem for p in rows["image_path"]]
        matched = _match_in_order(values, [int(stem) for stem in stems])
        if matched is None:
            raise NeuroarenaError(f"the {len(values)} image markers are not, in order, among the {len(rows)} trials "
                                  f"of session {session} block {block} in stim_order.parquet", path=path,
                                  fix="use the stim_order.parquet of the same subject and release")
        rows = rows.iloc[matched]
        return events_table(onset=np.array([onset for onset, _ in markers]), duration=self.duration,
                            kind="stimulus", stimulus=[stems[i] for i in matched], category=rows["category_name"],
                            split=rows["partition"].map(PARTITIONS))


def _is_marker(text: str) -> bool:
    parts = text.split(",")
    return len(parts) > 1 and parts[1].strip().lstrip("-").isdigit()


def _match_in_order(values: list[int], planned: list[int]) -> list[int] | None:
    """Row of ``planned`` for each of ``values``, scanning forward (the authors' rule); None if one has none."""
    rows, position = [], 0
    for value in values:
        while position < len(planned) and planned[position] != value:
            position += 1
        if position == len(planned):
            return None
        rows.append(position)
        position += 1
    return rows
