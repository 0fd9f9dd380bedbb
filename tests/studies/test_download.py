from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile

import pytest

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.download import RemoteFile, extract, fetch
from neuroarena.studies.osf import fetch_osf_files, osf_files

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
