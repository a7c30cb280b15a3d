"""Finding the temporary files of downloads: a job's own (for jobs remove/clean) and an older job's for the same
destination (reported by a new job), long names included (temp names are cut at 255 characters)."""

from __future__ import annotations

from pyazcopy.endpoints.local import temp_download_path
from pyazcopy.engine.download_temps import OlderTempFinder, job_temp_files
from pyazcopy.engine.plan import DONE, JobPlan

OLD, NEW = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002"


def test_a_new_job_finds_an_older_jobs_temporary_file_for_the_same_destination(tmp_path):
    plans = tmp_path / "plans"
    JobPlan.create(plans, OLD, {"command": "copy"}).close()
    long_name = "n" * 250
    for name in ("a.bin", long_name):
        open(temp_download_path(str(tmp_path / name), OLD), "wb").close()
    open(temp_download_path(str(tmp_path / "a.bin"), NEW), "wb").close()  # the new job's own: not reported
    finder = OlderTempFinder(NEW, plans)
    assert finder.older_temp_files(str(tmp_path / "a.bin")) == [(temp_download_path(str(tmp_path / "a.bin"), OLD), OLD)]
    assert finder.older_temp_files(str(tmp_path / long_name)) == [(temp_download_path(str(tmp_path / long_name), OLD), OLD)]
    assert finder.older_temp_files(str(tmp_path / "other.bin")) == []
    assert finder.older_temp_files(str(tmp_path / "missing-dir" / "a.bin")) == []


def test_a_jobs_own_temporary_files_are_those_of_its_unfinished_downloads(tmp_path):
    plan = JobPlan.create(tmp_path / "plans", OLD, {"from_to": "BlobLocal", "local_root": str(tmp_path / "out")})
    plan.add_transfers([("x", "d/x", 1, 1.0, b""), ("y", "y", 1, 1.0, b""), ("z", "z", 1, 1.0, b"")])
    plan.mark(1, DONE)
    (tmp_path / "out" / "d").mkdir(parents=True)
    for name in ("d/x", "y"):
        open(temp_download_path(str(tmp_path / "out" / name), OLD), "wb").close()
    assert list(job_temp_files(plan)) == [temp_download_path(str(tmp_path / "out" / "d" / "x"), OLD)]  # y is done, z has none
