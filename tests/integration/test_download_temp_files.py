"""The temporary files of failed downloads (issue 13): the failure names the file and says that `jobs resume`
reuses it and `jobs remove` deletes it; a new job to the same destination says an older job's file is there (naming
that job) instead of silently making another; `jobs remove` and `jobs clean` delete their jobs' temporary files.
On a real full disk (a 2 MiB tmpfs), as the issue found it."""

from __future__ import annotations

import os
import re

from copy_support import sas_url, write_tree
from test_copy_cli import env_for, run
from test_copy_disk_full import small_disk  # noqa: F401 - the fixture


def _temps(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(".azDownload-"))


def test_failed_downloads_name_their_temporary_file_and_jobs_remove_and_clean_delete_them(localazure, container, tmp_path, small_disk):  # noqa: F811
    src = write_tree(tmp_path / "src", {"big.bin": os.urandom(3 * 1024 * 1024)})
    env = env_for(localazure, tmp_path / "home")
    assert run(["copy", str(src / "*"), sas_url(localazure.blob_url, container)], env).code == 0
    destination = small_disk / "out"
    destination.mkdir()
    url = sas_url(localazure.blob_url, container, "big.bin")

    first = run(["copy", url, str(destination)], env)
    assert first.code == 1, first.out
    first_job = re.search(r"^Job (\S+) summary$", first.out, re.M).group(1)
    temp = f".azDownload-{first_job[:8]}-big.bin"
    assert _temps(destination) == [temp]
    assert f"{destination / temp}: `pyazcopy jobs resume {first_job}` reuses it, `pyazcopy jobs remove {first_job}` deletes it" in first.out, first.out

    second = run(["copy", url, str(destination)], env)
    assert second.code == 1, second.out
    second_job = re.search(r"^Job (\S+) summary$", second.out, re.M).group(1)
    assert f"{destination / temp} is the temporary file of an earlier download to {destination / 'big.bin'} by job {first_job}" in second.out, second.out
    assert f"`pyazcopy jobs remove {first_job}` deletes the file" in second.out

    removed = run(["jobs", "remove", second_job], env)
    assert removed.code == 0 and f"Successfully removed log and job plan files for job {second_job}." in removed.out, removed.out
    assert _temps(destination) == [temp]  # only its own
    cleaned = run(["jobs", "clean"], env)
    assert cleaned.code == 0 and f"Removed the temporary download file {destination / temp}" in cleaned.out, cleaned.out
    assert _temps(destination) == [] and not (destination / "big.bin").exists()


def test_jobs_remove_deletes_the_temporary_files_of_a_killed_download(localazure, container, tmp_path):
    """A download killed on its way (a plan whose row never ended) leaves its temporary file; `jobs remove` deletes it."""
    from pyazcopy.engine.plan import JobPlan

    env = env_for(localazure, tmp_path / "home")
    destination = tmp_path / "out"
    (destination / "sub").mkdir(parents=True)
    plan = JobPlan.create(tmp_path / "home" / "plans", "0f0f0f0f-0000-4000-8000-000000000001",
                          {"command": "copy", "from_to": "BlobLocal", "local_root": str(destination), "account_url": localazure.blob_url,
                           "container": container, "blob_prefix": "", "source": "", "destination": str(destination), "options": {}})
    plan.add_transfers([("sub/a.bin", "sub/a.bin", 10, 1.0, b""), ("b.bin", "b.bin", 10, 1.0, b"")])
    plan.close()
    left = [destination / "sub" / ".azDownload-0f0f0f0f-a.bin", destination / ".azDownload-0f0f0f0f-b.bin"]
    for path in left:
        path.write_bytes(b"partial")
    other = destination / ".azDownload-12345678-b.bin"  # another job's: kept
    other.write_bytes(b"x")
    result = run(["jobs", "remove", "0f0f0f0f-0000-4000-8000-000000000001"], env)
    assert result.code == 0, result.out
    assert not any(p.exists() for p in left) and other.exists()
