from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile

import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.download import RemoteFile, extract, fetch
from neuroarena.studies.osf import (
    LEDGER_NAME, UnverifiedDownloadWarning, fetch_osf_files, fetch_osf_node_files, osf_files, osf_providers,
)

CONTENT = b"raw eeg bytes\n" * 100


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "remote" / "sub-01.zip"
    path.parent.mkdir()
    path.write_bytes(CONTENT)
    return path


def test_fetch_file_url_checks_both_checksums_and_reuses_the_file(source, tmp_path):
    remote = RemoteFile(source.as_uri(), "data/sub-01.zip", sha256=hashlib.sha256(CONTENT).hexdigest(),
                        md5=hashlib.md5(CONTENT).hexdigest().upper())
    path = fetch(remote, tmp_path / "out", progress=False)
    assert path == tmp_path / "out" / "data" / "sub-01.zip"
    assert path.read_bytes() == CONTENT
    source.unlink()  # a second fetch must not need the source: the checksum matches
    assert fetch(remote, tmp_path / "out", progress=False).read_bytes() == CONTENT
    assert sorted(p.name for p in path.parent.iterdir()) == ["sub-01.zip"]


def test_checksum_mismatch_leaves_nothing(source, tmp_path):
    remote = RemoteFile(source.as_uri(), "sub-01.zip", sha256="0" * 64)
    with pytest.raises(NeuroarenaError, match="does not match its sha256 checksum"):
        fetch(remote, tmp_path / "out", progress=False)
    assert list((tmp_path / "out").iterdir()) == []
    with pytest.raises(NeuroarenaError, match="md5"):
        fetch(RemoteFile(source.as_uri(), "sub-01.zip", md5="f" * 32), tmp_path / "out", progress=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(NeuroarenaError, match="cannot download nothing.zip"):
        fetch(RemoteFile((tmp_path / "nothing.zip").as_uri(), "nothing.zip"), tmp_path / "out", progress=False)


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def _tar(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, text in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text.encode()))
    return path


@pytest.mark.parametrize("writer, suffix", [(_zip, ".zip"), (_tar, ".tar.gz")])
def test_extract_unpacks_and_replaces(tmp_path, writer, suffix):
    folder = tmp_path / "data"
    (folder / "sub-01").mkdir(parents=True)
    (folder / "sub-01" / "old.txt").write_text("stale")
    archive = writer(tmp_path / f"a{suffix}", {"sub-01/ses-01/raw.txt": "new", "top.txt": "t"})
    assert extract(archive, folder) == folder
    assert (folder / "sub-01" / "ses-01" / "raw.txt").read_text() == "new"
    assert not (folder / "sub-01" / "old.txt").exists()
    assert (folder / "top.txt").read_text() == "t"
    assert [p.name for p in tmp_path.iterdir() if "unpacking" in p.name] == []


@pytest.mark.parametrize("writer, suffix", [(_zip, ".zip"), (_tar, ".tar.gz")])
def test_extract_refuses_members_leaving_the_folder(tmp_path, writer, suffix):
    folder = tmp_path / "data"
    archive = writer(tmp_path / f"evil{suffix}", {"good.txt": "ok", "../evil.txt": "x"})
    with pytest.raises(NeuroarenaError, match="evil"):
        extract(archive, folder)
    assert not (tmp_path / "evil.txt").exists()
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["data", archive.name])


def test_extract_refuses_what_is_not_an_archive(tmp_path):
    path = tmp_path / "x.zip"
    path.write_text("not an archive")
    with pytest.raises(NeuroarenaError, match="not a zip or tar archive"):
        extract(path, tmp_path / "data")


def _listing(tmp_path, files, next_page=None, name="page1.json"):
    entries = [{"attributes": {"name": n, "kind": kind, "extra": {"hashes": {"sha256": sha, "md5": ""}}},
                "links": {"download": url}} for n, kind, sha, url in files]
    path = tmp_path / name
    path.write_text(json.dumps({"data": entries, "links": {"next": next_page}}))
    return path.as_uri()


def test_osf_listing_follows_pages_and_skips_folders(tmp_path):
    second = _listing(tmp_path, [("sub-02.zip", "file", "b" * 64, "https://osf.io/download/bbbbb/")],
                      name="page2.json")
    first = _listing(tmp_path, [("sub-01.zip", "file", "a" * 64, "https://osf.io/download/aaaaa/"),
                                ("derivatives", "folder", "", "")], next_page=second)
    files = osf_files(first)
    assert sorted(files) == ["sub-01.zip", "sub-02.zip"]
    assert files["sub-02.zip"] == RemoteFile("https://osf.io/download/bbbbb/", "sub-02.zip", sha256="b" * 64)


def test_fetch_osf_files_unpacks_archives_and_keeps_other_files(tmp_path):
    archive = _zip(tmp_path / "sub-01.zip", {"sub-01/ses-01/raw_eeg_test.npy": "npy"})
    metadata = tmp_path / "image_metadata.npy"
    metadata.write_bytes(b"meta")
    digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (archive, metadata)}
    listing = _listing(tmp_path, [(p.name, "file", digest[p], p.as_uri()) for p in (archive, metadata)])
    out = fetch_osf_files(listing, ["sub-01.zip", "image_metadata.npy"], tmp_path / "raw", progress=False)
    assert out == [tmp_path / "raw", tmp_path / "raw" / "image_metadata.npy"]
    assert (tmp_path / "raw" / "sub-01" / "ses-01" / "raw_eeg_test.npy").read_text() == "npy"
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["image_metadata.npy", "sub-01"]
    with pytest.raises(NeuroarenaError, match="no file 'sub-09.zip'"):
        fetch_osf_files(listing, ["sub-09.zip"], tmp_path / "raw", progress=False)


def test_malformed_osf_listing(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"data": [{"attributes": {"kind": "file"}}]}))
    with pytest.raises(NeuroarenaError, match="unexpected OSF listing"):
        osf_files(path.as_uri())


def test_osf_providers_of_a_node(tmp_path):
    from things_eeg2_fixtures import write_osf_node

    node = write_osf_node(tmp_path / "node.json", "crxs4", {"osfstorage": "file:///a.json", "googledrive": "file:///b"})
    assert osf_providers(node) == {"osfstorage": "file:///a.json", "googledrive": "file:///b"}
    (tmp_path / "bad.json").write_text(json.dumps({"data": [{"attributes": {"provider": "osfstorage"}}]}))
    with pytest.raises(NeuroarenaError, match="bad.json: unexpected OSF listing .no 'relationships'."):
        osf_providers((tmp_path / "bad.json").as_uri())


def test_node_files_come_from_the_provider_that_holds_them_unverified_ones_recorded(source, tmp_path):
    """As THINGS-EEG2's crxs4: osfstorage empty, the zips on googledrive, listed with null hashes."""
    from things_eeg2_fixtures import write_osf_folder, write_osf_node

    folders = {"osfstorage": write_osf_folder(tmp_path / "osfstorage.json", [], "crxs4", "osfstorage", True),
               "googledrive": write_osf_folder(tmp_path / "drive.json", [source], "crxs4", "googledrive", False)}
    node = write_osf_node(tmp_path / "node.json", "crxs4", folders)
    assert osf_files(folders["googledrive"])["sub-01.zip"].sha256 == ""
    digest = hashlib.sha256(CONTENT).hexdigest()
    for _ in range(2):  # the second time the file is there: recorded once
        with pytest.warns(UnverifiedDownloadWarning, match=f"drive.json: OSF lists no checksum for sub-01.zip; it "
                                                           f"could not be verified, its sha256 {digest}"):
            out = fetch_osf_node_files(node, ["sub-01.zip"], tmp_path / "raw", unpack=False, progress=False)
    assert out == [tmp_path / "raw" / "sub-01.zip"] and out[0].read_bytes() == CONTENT
    assert (tmp_path / "raw" / LEDGER_NAME).read_text() == f"{digest}  sub-01.zip\n"


def test_node_files_with_checksums_are_verified(source, tmp_path):
    from things_eeg2_fixtures import write_osf_folder, write_osf_node

    listing = write_osf_folder(tmp_path / "store.json", [source], "anp5v", "osfstorage", True)
    node = write_osf_node(tmp_path / "node.json", "anp5v", {"osfstorage": listing})
    source.write_bytes(CONTENT + b"changed upstream")
    with pytest.raises(NeuroarenaError, match="sub-01.zip does not match its sha256 checksum"):
        fetch_osf_node_files(node, ["sub-01.zip"], tmp_path / "out", progress=False)
    assert not (tmp_path / "out" / LEDGER_NAME).exists()


def test_node_without_the_files_says_where_else(tmp_path):
    from things_eeg2_fixtures import write_osf_folder, write_osf_node

    other = tmp_path / "README.txt"
    other.write_text("moved")
    folders = {"osfstorage": write_osf_folder(tmp_path / "a.json", [other], "crxs4", "osfstorage", True),
               "googledrive": write_osf_folder(tmp_path / "b.json", [], "crxs4", "googledrive", False)}
    node = write_osf_node(tmp_path / "node.json", "crxs4", folders)
    with pytest.raises(NeuroarenaError, match=r"node.json: no OSF storage of this project lists 'sub-01.zip' "
                                              r"\(osfstorage: README.txt; googledrive: empty\) -> try Figshare"):
        fetch_osf_node_files(node, ["sub-01.zip"], tmp_path / "out", elsewhere="try Figshare")
    empty = write_osf_node(tmp_path / "empty.json", "crxs4", {})
    with pytest.raises(NeuroarenaError, match=r"lists 'sub-01.zip' \(no storage provider\) -> check the file names"):
        fetch_osf_node_files(empty, ["sub-01.zip"], tmp_path / "out")


@pytest.mark.parametrize("members", [
    {"sub-01/ses-01/raw_eeg_training.npy": "a", "sub-01/ses-02/raw_eeg_training.npy": "b"},  # as crxs4's zips
    {"ses-01/raw_eeg_training.npy": "a", "ses-02/raw_eeg_training.npy": "b"},  # no top folder
    {"data/sub-01/ses-01/raw_eeg_training.npy": "a", "data/sub-01/ses-02/raw_eeg_training.npy": "b"},
])
def test_unpack_folder_finds_the_subject_whatever_wraps_it(tmp_path, members):
    from neuroarena.studies.download import unpack_folder

    archive = _zip(tmp_path / "sub-01.zip", members)
    (tmp_path / "raw" / "sub-01").mkdir(parents=True)
    (tmp_path / "raw" / "sub-01" / "stale.txt").write_text("old")
    assert unpack_folder(archive, tmp_path / "raw" / "sub-01", "raw_eeg_training.npy", depth=1) == \
        tmp_path / "raw" / "sub-01"
    assert sorted(str(p.relative_to(tmp_path / "raw")) for p in (tmp_path / "raw").rglob("*.npy")) == [
        "sub-01/ses-01/raw_eeg_training.npy", "sub-01/ses-02/raw_eeg_training.npy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]  # archive and staging gone


def test_unpack_folder_without_the_marker(tmp_path):
    from neuroarena.studies.download import unpack_folder

    archive = _zip(tmp_path / "sub-01.zip", {"readme.txt": "x"})
    with pytest.raises(NeuroarenaError, match="sub-01.zip holds no raw_eeg_training.npy"):
        unpack_folder(archive, tmp_path / "raw" / "sub-01", "raw_eeg_training.npy", depth=1)
    assert archive.is_file() and not (tmp_path / "raw" / "sub-01").exists()
    archive = _zip(tmp_path / "flat.zip", {"raw_eeg_training.npy": "x"})
    with pytest.raises(NeuroarenaError, match="holds raw_eeg_training.npy at its top, not 1 folder"):
        unpack_folder(archive, tmp_path / "raw" / "sub-01", "raw_eeg_training.npy", depth=1)
