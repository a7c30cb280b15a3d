"""A download onto a full disk (a real 2 MiB tmpfs) fails with a clear message, a non-zero exit and no partial file
under its final name; after space is freed, `jobs resume` completes it and leaves no temporary file."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from copy_support import sas_url, tree_digest, write_tree
from test_copy_cli import env_for, run


@pytest.fixture
def small_disk(tmp_path: Path):
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"this test needs root to mount a 2 MiB tmpfs (a real full disk): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_download_to_a_full_disk_fails_cleanly_and_resumes(localazure, container, tmp_path, small_disk):
    files = {"small.txt": b"fits", "big.bin": os.urandom(3 * 1024 * 1024)}
    src = write_tree(tmp_path / "src", files)
    env = env_for(localazure, tmp_path / "home")
    assert run(["copy", str(src / "*"), sas_url(localazure.blob_url, container)], env).code == 0

    destination = small_disk / "out"
    destination.mkdir()
    down = run(["copy", sas_url(localazure.blob_url, container, "*"), str(destination)], env)
    assert down.code != 0, down.out
    assert "Number of File Transfers Failed: 1" in down.out
    assert "is full: free space or choose another destination, then resume the job" in down.out
    assert not (destination / "big.bin").exists(), "a partial file must never stand under its final name"
    assert (destination / "small.txt").read_bytes() == b"fits"
    # The part already downloaded stays under the hidden temporary name, so that resume fetches only what is missing.
    assert all(p.name.startswith(".azDownload") for p in destination.iterdir() if p.name != "small.txt")

    job_id = _job_id(down.out)
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    resumed = run(["jobs", "resume", job_id, "--source-sas", sas_url(localazure.blob_url, container).split("?", 1)[1]], env)
    assert resumed.code == 0, resumed.out
    assert sorted(p.name for p in destination.iterdir()) == ["big.bin", "small.txt"], "no temporary file is left behind"
    assert tree_digest(destination) == tree_digest(src)


def _job_id(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("Job ") and "has started" in line:
            return line.split()[1]
    raise AssertionError(f"no job id in:\n{output}")
