"""Files of an OSF project: names, download links and checksums read from the OSF API."""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from neuroarena.errors import NeuroarenaError
from neuroarena.studies.download import RemoteFile, extract, fetch

OSF_API = "https://api.osf.io/v2"


def osf_listing_url(node: str) -> str:
    """Address of the top folder of an OSF project's storage, e.g. ``osf_listing_url("crxs4")``."""
    return f"{OSF_API}/nodes/{node}/files/osfstorage/"


def osf_files(listing_url: str) -> dict[str, RemoteFile]:
    """Every file of one OSF storage folder, by file name, with its sha256 and md5.

    Reads the JSON:API listing (``data[].attributes.name``, ``.kind``, ``.extra.hashes``,
    ``data[].links.download``) and follows ``links.next`` across pages. Sub-folders are left out.

    Parameters
    ----------
    listing_url : str
        An :func:`osf_listing_url`, or a ``file://`` copy of such a listing.
    """
    files: dict[str, RemoteFile] = {}
    url: str | None = listing_url
    while url:
        page = _read_json(url)
        try:
            for item in page["data"]:
                attributes = item["attributes"]
                if attributes.get("kind") != "file":
                    continue
                hashes = (attributes.get("extra") or {}).get("hashes") or {}
                files[attributes["name"]] = RemoteFile(
                    url=item["links"]["download"], name=attributes["name"],
                    sha256=hashes.get("sha256") or "", md5=hashes.get("md5") or "",
                )
            url = (page.get("links") or {}).get("next")
        except (KeyError, TypeError) as err:
            raise NeuroarenaError(f"unexpected OSF listing (no {err})", path=listing_url,
                                  fix="check the address; OSF may have changed its API") from None
    return files


def fetch_osf_files(listing_url: str, names: list[str], folder: str | Path, unpack: bool = True,
                    progress: bool = True) -> list[Path]:
    """Download the named files of an OSF folder into ``folder``, checking their checksums.

    Archives (``.zip``, ``.tar``, ``.tar.gz``) are unpacked into ``folder`` and then deleted when
    ``unpack`` is set; other files stay where they were downloaded.

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
    folder = Path(folder)
    out = []
    for name in names:
        path = fetch(available[name], folder, progress=progress)
        if unpack and name.endswith((".zip", ".tar", ".tar.gz", ".tgz")):
            extract(path, folder)
            path.unlink()
            path = folder
        out.append(path)
    return out


def _read_json(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https and file only)
            return json.loads(response.read().decode("utf-8"))
    except OSError as err:
        raise NeuroarenaError(f"cannot read the OSF listing ({err})", path=url,
                              fix="check the network connection") from None
    except json.JSONDecodeError:
        raise NeuroarenaError("OSF listing is not JSON", path=url, fix="check the address") from None
