"""localazure keeps no SAS signature in its state folder: Azurite's access log is off unless asked for
(LOCALAZURE_AZURITE_ACCESS_LOG=1), and then its signatures are redacted."""

from __future__ import annotations

import re
from pathlib import Path

from copy_support import container_sas, engine_settings, write_tree

from pyazcopy.engine.job import run_copy
from pyazcopy.engine.options import CopyOptions

SIGNATURE = re.compile(r"sig=(?!REDACTED)[^&\s\"']+", re.I)


def _signatures_in(directory: Path) -> list[str]:
    found = []
    for path in directory.rglob("*"):
        if path.is_file():
            found += [f"{path}: a SAS signature at offset {m.start()}" for m in SIGNATURE.finditer(path.read_bytes().decode("latin-1"))]
    return found


def _sas_round_trip(stack, tmp_path: Path) -> str:
    container = f"logs-{tmp_path.name[-20:].lower().replace('_', '-')}".rstrip("-")
    stack.shared_key_service().create_container(container)
    sas = container_sas(container)
    url = f"{stack.blob_url}/{container}?{sas}"
    src = write_tree(tmp_path / "src", {"a.txt": b"alpha", "d/b.bin": b"\0" * 5000})
    settings = engine_settings(tmp_path, connection_verify=stack.ca_bundle)
    assert run_copy(CopyOptions(str(src), url, recursive=True), settings).status == "Completed"
    assert run_copy(CopyOptions(url, str(tmp_path / "out"), recursive=True), settings).status == "Completed"
    return sas


def test_a_sas_job_leaves_no_signature_in_the_state_folder(localazure, tmp_path):
    sas = _sas_round_trip(localazure, tmp_path)
    assert "sig=" in sas
    assert _signatures_in(localazure.state_dir) == []


def test_the_access_log_when_asked_for_has_its_signatures_redacted(start_localazure, tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAZURE_AZURITE_ACCESS_LOG", "1")
    stack = start_localazure()
    _sas_round_trip(stack, tmp_path)
    log = (stack.state_dir / "azurite" / "azurite.log").read_text()
    assert "sig=REDACTED" in log  # the requests are there, their signatures are not
    assert _signatures_in(stack.state_dir) == []
