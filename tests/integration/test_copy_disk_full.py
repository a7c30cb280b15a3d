"""A download onto a full disk (a real 2 MiB tmpfs) fails with a clear message, a non-zero exit and no partial file
under its final name; after space is freed, `jobs resume` completes it and leaves no temporary file.

Mounting the tmpfs needs root. As an ordinary user the test runs itself again with pytest as the root of a new user
and mount namespace (util-linux ``unshare --user --map-root-user --mount``, which needs no privilege), where it may
mount; so it never needs root and never skips."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from copy_support import sas_url, tree_digest, write_tree
from test_copy_cli import env_for, run

IN_NAMESPACE = "PYAZCOPY_TEST_IN_USER_NAMESPACE"


def mount_tmpfs(mount_point: Path, size: str, remount: bool = False) -> subprocess.CompletedProcess:
    options = ("remount," if remount else "") + f"size={size}"
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)], capture_output=True, text=True)


@pytest.fixture
def small_disk(tmp_path: Path):
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = mount_tmpfs(mount_point, "2m")
    if mounted.returncode != 0:
        pytest.fail(f"could not mount a 2 MiB tmpfs (a real full disk) as uid {os.geteuid()}: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_download_to_a_full_disk_fails_cleanly_and_resumes(request, tmp_path):
    if os.geteuid() != 0:
        _again_in_a_user_namespace(request.node.nodeid, tmp_path)
        return
    localazure, container, small_disk = (request.getfixturevalue(name) for name in ("localazure", "container", "small_disk"))
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
    remounted = mount_tmpfs(small_disk, "8m", remount=True)
    assert remounted.returncode == 0, remounted.stderr
    resumed = run(["jobs", "resume", job_id, "--source-sas", sas_url(localazure.blob_url, container).split("?", 1)[1]], env)
    assert resumed.code == 0, resumed.out
    assert sorted(p.name for p in destination.iterdir()) == ["big.bin", "small.txt"], "no temporary file is left behind"
    assert tree_digest(destination) == tree_digest(src)


def _again_in_a_user_namespace(nodeid: str, tmp_path: Path) -> None:
    """Run ``nodeid`` in a child pytest as the root of a new user and mount namespace; its own localazure stack."""
    assert os.environ.get(IN_NAMESPACE) != "1", "already in a user namespace and still not root"
    unshare = shutil.which("unshare")
    assert unshare, "unshare (Debian util-linux, always installed) is needed to mount a tmpfs without root"
    root = Path(__file__).resolve().parents[2]
    child = subprocess.run(
        [unshare, "--user", "--map-root-user", "--mount", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "in-namespace"), nodeid],
        cwd=root, env=dict(os.environ, **{IN_NAMESPACE: "1"}), capture_output=True, text=True, timeout=900)
    assert child.returncode == 0 and re.search(r"(?m)^1 passed", child.stdout), child.stdout[-4000:] + child.stderr[-2000:]


def _job_id(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("Job ") and "has started" in line:
            return line.split()[1]
    raise AssertionError(f"no job id in:\n{output}")
