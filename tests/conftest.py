"""Test-wide guards: no network, and a private neuroarena home per test session."""
from __future__ import annotations

import os
import socket

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        raise RuntimeError(f"network access in a test: connect to {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def no_network():
    """Any TCP/UDP connection attempt fails the test that made it."""
    socket.socket.connect = _guarded_connect
    yield
    socket.socket.connect = _real_connect


@pytest.fixture(autouse=True, scope="session")
def neuroarena_home(tmp_path_factory):
    """Data, caches and results of the whole test session live in one temporary home."""
    home = tmp_path_factory.mktemp("neuroarena-home")
    previous = os.environ.get("NEUROARENA_HOME")
    os.environ["NEUROARENA_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("NEUROARENA_HOME", None)
    else:
        os.environ["NEUROARENA_HOME"] = previous
