"""Files of an OSF project: names, download links and checksums read from the OSF API.

A project (node) keeps its files in one or more storage providers: ``osfstorage`` (OSF's own), or an
add-on such as ``googledrive``. ``GET /v2/nodes/<id>/files/`` lists the providers (JSON:API entries
with ``attributes.provider`` and ``relationships.files.links.related.href``, the provider's top
folder); each folder listing gives ``data[].attributes.{name, kind, extra.hashes}`` and
``data[].links.download`` (osf.io ``api/nodes/serializers.py`` ``NodeProviderSerializer``,
``api/files/serializers.py``; osfclient ``models/project.py``). Add-on providers may give no checksum:
``extra.hashes`` then holds nulls (osf.io ``get_extra`` reads them from the add-on's history).
"""
from __future__ import annotations

import json
import urllib.request
import warnings
from pathlib import Path
from typing import Iterator

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.download import RemoteFile, extract, fetch, file_digest

OSF_API = "https://api.osf.io/v2"
#: File next to downloads from a provider without checksums: ``<sha256>  <name>`` per line (``sha256sum -c``).
LEDGER_NAME = "SHA256SUMS"
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz")


class UnverifiedDownloadWarning(UserWarning):
    """A file came from a provider that lists no checksum; its sha256 was computed here and recorded."""


def osf_listing_url(node: str, provider: str = "osfstorage") -> str:
    """Address of the top folder of one storage provider of an OSF project, e.g. ``osf_listing_url("y63gw")``."""
    return f"{OSF_API}/nodes/{node}/files/{provider}/"


def osf_node_url(node: str) -> str:
    """Address of the list of an OSF project's storage providers, e.g. ``osf_node_url("crxs4")``."""
    return f"{OSF_API}/nodes/{node}/files/"


def osf_providers(node_url: str) -> dict[str, str]:
    """The storage providers of an OSF project: provider name -> listing address of its top folder.

    Parameters
    ----------
    node_url : str
        An :func:`osf_node_url`, or a ``file://`` copy of that listing.
    """
    providers = {}
    try:
        for item in _entries(node_url):
            providers[item["attributes"]["provider"]] = item["relationships"]["files"]["links"]["related"]["href"]
    except (KeyError, TypeError) as err:
        raise _malformed(node_url, err) from None
    return providers


def osf_files(listing_url: str) -> dict[str, RemoteFile]:
    """Every file of one OSF storage folder, by file name, with its sha256 and md5 (``""`` when not listed).

    Reads the JSON:API listing (``data[].attributes.name``, ``.kind``, ``.extra.hashes``,
    ``data[].links.download``) and follows ``links.next`` across pages. Sub-folders are left out.

    Parameters
    ----------
    listing_url : str
        An :func:`osf_listing_url`, or a ``file://`` copy of such a listing.
    """
    files: dict[str, RemoteFile] = {}
    try:
        for item in _entries(listing_url):
            attributes = item["attributes"]
            if attributes.get("kind") != "file":
                continue
            hashes = (attributes.get("extra") or {}).get("hashes") or {}
            files[attributes["name"]] = RemoteFile(
                url=item["links"]["download"], name=attributes["name"],
                sha256=hashes.get("sha256") or "", md5=hashes.get("md5") or "",
            )
    except (KeyError, TypeError) as err:
        raise _malformed(listing_url, err) from None
    return files


def fetch_osf_files(listing_url: str, names: list[str], folder: str | Path, unpack: bool = True,
                    progress: bool = True) -> list[Path]:
    """Download the named files of one OSF folder into ``folder``, checking their checksums.

    Archives (``.zip``, ``.tar``, ``.tar.gz``) are unpacked into ``folder`` and then deleted when
    ``unpack`` is set; other files stay where they were downloaded. A file the listing gives no
    checksum for is kept with a :class:`UnverifiedDownloadWarning`, its sha256 recorded in
    ``folder / SHA256SUMS``.

    Returns
    -------
    list of Path
        The downloaded files (archives: the folder they were unpacked into), in the order of ``names``.
    """
    available = osf_files(listing_url)
    missing = [name for name in names if name not in available]
    if missing:
        raise NeuroarenaError(f"OSF folder has no file {missing[0]!r} (it has {sorted(available)})",
                              path=listing_url, fix="check the file names against the project on osf.io")
    return _fetch_all([available[name] for name in names], Path(folder), unpack, progress, listing_url)


def fetch_osf_node_files(node_url: str, names: list[str], folder: str | Path, unpack: bool = True,
                         progress: bool = True, elsewhere: str = "") -> list[Path]:
    """Download the named files of an OSF project from whichever storage provider holds them.

    Lists the project's providers (:func:`osf_providers`), reads the top folder of each until one
    holds every name, and fetches from it as :func:`fetch_osf_files` does.

    Parameters
    ----------
    node_url : str
        An :func:`osf_node_url` (or a ``file://`` copy).
    names : list of str
        File names in one provider's top folder.
    folder : str or Path
        Where they go.
    elsewhere : str
        Where else the files can be had, said in the error when no provider lists them.

    Returns
    -------
    list of Path
        As :func:`fetch_osf_files`.
    """
    listed: dict[str, list[str]] = {}
    for provider, listing in osf_providers(node_url).items():
        available = osf_files(listing)
        if all(name in available for name in names):
            return _fetch_all([available[name] for name in names], Path(folder), unpack, progress, listing)
        listed[provider] = sorted(available)
    seen = "; ".join(f"{p}: {', '.join(f[:5]) + (', ...' if len(f) > 5 else '') if f else 'empty'}"
                     for p, f in listed.items()) or "no storage provider"
    raise NeuroarenaError(f"no OSF storage of this project lists {names[0]!r} ({seen})", path=node_url,
                          fix=elsewhere or "check the file names against the project on osf.io")


def _fetch_all(remotes: list[RemoteFile], folder: Path, unpack: bool, progress: bool, listing: str) -> list[Path]:
    out = []
    for remote in remotes:
        path = fetch(remote, folder, progress=progress)
        if not (remote.sha256 or remote.md5):
            record_sha256(path, folder / LEDGER_NAME, listing)
        if unpack and remote.name.endswith(ARCHIVES):
            extract(path, folder)
            path.unlink()
            path = folder
        out.append(path)
    return out


def record_sha256(path: Path, ledger: Path, listing: str) -> str:
    """Compute the sha256 of a download the listing gave no checksum for, append it to ``ledger``, warn.

    Returns
    -------
    str
        The hex digest.
    """
    digest = file_digest(path)
    line = f"{digest}  {path.name}\n"
    if line not in (ledger.read_text(encoding="utf-8").splitlines(keepends=True) if ledger.is_file() else []):
        with open(ledger, "a", encoding="utf-8") as handle:
            handle.write(line)
    warnings.warn(f"{listing}: OSF lists no checksum for {path.name}; it could not be verified, its sha256 "
                  f"{digest} (computed after download) is recorded in {ledger}", UnverifiedDownloadWarning,
                  stacklevel=3)
    return digest


def _entries(url: str) -> Iterator[dict]:
    """The ``data[]`` entries of a JSON:API listing, across its pages (``links.next``)."""
    next_url: str | None = url
    while next_url:
        page = _read_json(next_url)
        yield from page["data"]
        next_url = (page.get("links") or {}).get("next")


def _malformed(url: str, err: Exception) -> NeuroarenaError:
    return NeuroarenaError(f"unexpected OSF listing (no {err})", path=url,
                           fix="check the address; OSF may have changed its API")


def _read_json(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https and file only)
            return json.loads(response.read().decode("utf-8"))
    except OSError as err:
        raise NeuroarenaError(f"cannot read the OSF listing ({err})", path=url,
                              fix="check the network connection") from None
    except json.JSONDecodeError:
        raise NeuroarenaError("OSF listing is not JSON", path=url, fix="check the address") from None
