"""File modes that deny access: an unreadable source file and a read-only destination directory.

As an ordinary user pyazcopy simply runs. As root, which ignores file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH),
pyazcopy runs in a child process whose capability bounding set lacks those two (util-linux ``setpriv``): a root
without them obeys the modes like any other user. Either way the tests run; none needs root. SAS auth, plans and logs
in the test's own directories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from copy_support import sas_url, write_tree

SETPRIV = shutil.which("setpriv")


def without_dac(command: list[str]) -> list[str]:
    """``command`` as a process that obeys file modes: as it is for an ordinary user, through setpriv for root."""
    if os.geteuid() != 0:
        return command
    if SETPRIV is None:
        pytest.fail("running as root, these tests need setpriv (Debian util-linux, always installed) to drop "
                    "CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH; or run the suite as an ordinary user")
    return [SETPRIV, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", "--", *command]


def run_without_dac(localazure, home: Path, *args: str) -> subprocess.CompletedProcess:
    parts = urlsplit(localazure.blob_url)
    env = {
        "HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYAZCOPY_CONFIG_DIR": str(home / ".pyazcopy"),
        "AZCOPY_JOB_PLAN_LOCATION": str(home / "plans"), "AZCOPY_LOG_LOCATION": str(home / "logs"),
        "AZCOPY_CONCURRENCY_VALUE": "4", "PYAZCOPY_TRUSTED_ENDPOINTS": f"{parts.scheme}://{parts.netloc}",
        "REQUESTS_CA_BUNDLE": localazure.ca_bundle, "SSL_CERT_FILE": localazure.ca_bundle,
    }
    home.mkdir(parents=True, exist_ok=True)
    command = without_dac([sys.executable, "-m", "pyazcopy", *args])
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def test_the_child_really_obeys_file_modes(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0)
    probe = subprocess.run(without_dac(["cat", str(secret)]), capture_output=True, text=True)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr


def test_upload_with_one_unreadable_file_uploads_the_others_and_names_it(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"a.txt": b"alpha", "b.txt": b"bravo", "locked.txt": b"secret", "d/c.txt": b"charlie"})
    (src / "locked.txt").chmod(0)
    result = run_without_dac(localazure, tmp_path / "home", "copy", str(src), sas_url(localazure.blob_url, container),
                             "--recursive", "--as-subdir=false")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Final Job Status: CompletedWithErrors" in out
    assert "Number of File Transfers Completed: 3" in out and "Number of File Transfers Failed: 1" in out
    failure = next(line for line in out.splitlines() if "locked.txt" in line and "ERROR" in line)
    assert "permission denied" in failure and "chmod u+r" in failure and "--exclude-path" in failure  # names the file and what to do
    names = sorted(b.name for b in localazure.shared_key_service().get_container_client(container).list_blobs())
    assert names == ["a.txt", "b.txt", "d/c.txt"]  # no blob for the unreadable file
    logs = list((tmp_path / "home" / "logs").glob("*.log"))
    assert len(logs) == 1 and "locked.txt" in logs[0].read_text()


def test_upload_json_output_lists_the_unreadable_file_as_failed(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"ok.txt": b"ok", "locked.bin": b"\0" * 10})
    (src / "locked.bin").chmod(0)
    result = run_without_dac(localazure, tmp_path / "home", "copy", str(src), sas_url(localazure.blob_url, container),
                             "--recursive", "--output-type=json")
    assert result.returncode == 1, result.stdout + result.stderr
    end = json.loads(json.loads(result.stdout.strip().splitlines()[-1])["MessageContent"])
    assert end["JobStatus"] == "CompletedWithErrors" and end["TransfersFailed"] == "1" and end["TransfersCompleted"] == "1"
    assert [f["Src"].endswith("locked.bin") for f in end["FailedTransfers"]] == [True]


def _download_into_read_only(localazure, container, tmp_path, blobs: tuple[str, ...], single: bool = False):
    service = localazure.shared_key_service().get_container_client(container)
    for name in blobs:
        service.upload_blob(name, b"data of " + name.encode())
    target = tmp_path / "readonly"
    target.mkdir()
    target.chmod(0o555)
    try:
        if single:
            result = run_without_dac(localazure, tmp_path / "home", "copy", sas_url(localazure.blob_url, container, blobs[0]),
                                     str(target / blobs[0]))
        else:
            result = run_without_dac(localazure, tmp_path / "home", "copy", sas_url(localazure.blob_url, container), str(target),
                                     "--recursive", "--as-subdir=false")
    finally:
        target.chmod(0o755)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Final Job Status: Failed" in result.stdout and "Traceback" not in out
    assert list(target.rglob("*")) == []  # no temp files, no partial files, no directories
    errors = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert len(errors) == len(blobs), out
    for line in errors:  # each names the local path, the cause and what to do
        assert str(target) in line and "permission denied" in line.lower(), line
        assert "choose a destination you can write to" in line, line


def test_download_into_a_read_only_directory_fails_cleanly(localazure, container, tmp_path):
    _download_into_read_only(localazure, container, tmp_path, ("one.txt", "two.txt"))


def test_download_of_one_blob_into_a_read_only_directory_fails_cleanly(localazure, container, tmp_path):
    _download_into_read_only(localazure, container, tmp_path, ("one.txt",), single=True)


def test_download_into_a_read_only_directory_with_sub_directories_says_what_to_do(localazure, container, tmp_path):
    _download_into_read_only(localazure, container, tmp_path, ("one.txt", "sub/two.txt"))
