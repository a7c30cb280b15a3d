"""Secret stores on this machine: the real kernel keyring, the owner-only file store and its opt-in, selection."""

from __future__ import annotations

import dataclasses
import os
import stat
import uuid
from pathlib import Path

import pytest

from pyazcopy.auth import kernel_keyring
from pyazcopy.auth.secret_stores import FileStore, KernelKeyringStore, StoreUnavailable, select_store
from pyazcopy.errors import SecretStoreUnavailableError
from pyazcopy.settings import Settings


def test_kernel_keyring_round_trip_with_owner_permissions():
    name = f"pyazcopy-test:{uuid.uuid4().hex}"
    try:
        kernel_keyring.write(name, b"payload")
        assert kernel_keyring.read(name) == b"payload"
        kernel_keyring.write(name, b"replaced")
        assert kernel_keyring.read(name) == b"replaced"
    finally:
        assert kernel_keyring.remove(name)
    assert kernel_keyring.read(name) is None and not kernel_keyring.remove(name)


def test_kernel_store_probe_works_here():
    KernelKeyringStore().probe()


def test_file_store_needs_opt_in_and_is_owner_only(tmp_path: Path):
    with pytest.raises(StoreUnavailable, match="PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE=1"):
        FileStore(tmp_path / "cfg", allowed=False).probe()
    store = FileStore(tmp_path / "cfg", allowed=True)
    store.write("k:login", b"secret")
    path = store.path("k:login")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.read("k:login") == b"secret"
    os.chmod(path, 0o644)
    with pytest.raises(StoreUnavailable, match="readable by other users"):
        store.read("k:login")
    assert store.delete("k:login") and not path.exists()


def test_forced_file_store_without_opt_in_explains(tmp_path: Path):
    settings = Settings(config_dir=tmp_path, token_store="file")
    with pytest.raises(SecretStoreUnavailableError) as raised:
        select_store(settings)
    message = str(raised.value)
    assert "PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE=1" in message and "AZCOPY_AUTO_LOGIN_TYPE" in message
    assert select_store(dataclasses.replace(settings, allow_plaintext_store=True)).kind == "file"


def test_unknown_store_name(tmp_path: Path):
    with pytest.raises(SecretStoreUnavailableError, match="not one of"):
        select_store(Settings(config_dir=tmp_path, token_store="vault"))
