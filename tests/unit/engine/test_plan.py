"""The sqlite job plan: parts of 10,000, statuses, chunks, resume bookkeeping, no secrets."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from pyazcopy.engine import plan_close
from pyazcopy.engine.plan import DONE, FAILED, PART_SIZE, SKIPPED, STARTED, JobNotFoundError, JobPlan, clean_jobs, list_jobs, remove_job


def plan_close_needs_ctypes() -> bool:
    return sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 11) and sys.platform.startswith("linux")


def rows(n: int):
    for i in range(n):
        yield (f"s/{i}", f"d/{i}", i, float(i), b"")


def test_transfers_are_written_in_parts_and_read_back_part_by_part(tmp_path):
    plan = JobPlan.create(tmp_path, "job1", {"command": "copy a b"})
    counts = plan.add_transfers(rows(PART_SIZE * 2 + 5))
    assert counts.total == PART_SIZE * 2 + 5
    assert plan.parts() == 3
    db = sqlite3.connect(plan.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(DISTINCT part) FROM transfers").fetchone()[0] == 3
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "2"
    seen = [r.id for r in plan.unfinished()]
    assert seen == list(range(PART_SIZE * 2 + 5))


def test_statuses_counts_and_chunks(tmp_path):
    plan = JobPlan.create(tmp_path, "job2", {})
    plan.add_transfers(rows(5))
    plan.mark(0, DONE)
    plan.mark(1, SKIPPED, "exists")
    plan.mark(2, FAILED, "boom")
    plan.mark(3, STARTED, block_size=8)
    plan.chunk_done(3, 0, 8)
    plan.chunk_done(3, 2, 8)
    assert plan.chunks_done(3) == {0: 8, 2: 8}
    assert plan.chunk_bytes_done() == 16
    counts = plan.counts()
    assert (counts.total, counts.done, counts.skipped, counts.failed, counts.done_bytes) == (5, 1, 1, 1, 0)
    assert [r.id for r in plan.unfinished()] == [2, 3, 4]  # failed ones are tried again on resume
    assert plan.failed_transfers() == [("s/2", "d/2", "boom")]
    plan.close()
    again = JobPlan.open(tmp_path, "job2")
    assert next(r for r in again.unfinished() if r.id == 3).block_size == 8


def test_jobs_list_remove_clean(tmp_path):
    for job in ("a", "b"):
        JobPlan.create(tmp_path, job, {"command": f"copy {job}"}).close()
    assert sorted(j.job_id for j in list_jobs(tmp_path)) == ["a", "b"]
    remove_job(tmp_path, "a")
    with pytest.raises(JobNotFoundError, match="jobs list"):
        JobPlan.open(tmp_path, "a")
    assert clean_jobs(tmp_path) == 1
    assert list_jobs(tmp_path) == []
    assert list_jobs(tmp_path / "missing") == []


def _plan_files(directory, job_id):
    return sorted(p.name[len(job_id):] for p in directory.iterdir() if p.name.startswith(job_id))


def test_closing_a_plan_leaves_its_wal_for_the_next_reader_instead_of_syncing(tmp_path):
    plan = JobPlan.create(tmp_path, "job3", {"command": "copy a b"})
    plan.add_transfers(rows(50))
    for i in range(50):
        plan.mark(i, DONE)
    plan.set_meta(status="Completed")
    plan.close()
    # no close-time checkpoint: the WAL (with every commit in it) is still there, the database file never synced
    assert _plan_files(tmp_path, "job3") == [".plan.sqlite", ".plan.sqlite-shm", ".plan.sqlite-wal"]
    assert [(j.job_id, j.status) for j in list_jobs(tmp_path)] == [("job3", "Completed")]  # read-only, through the WAL
    again = JobPlan.open(tmp_path, "job3")
    assert again.counts().done == 50
    again.close()
    remove_job(tmp_path, "job3")
    assert _plan_files(tmp_path, "job3") == []


@pytest.mark.skipif(not plan_close_needs_ctypes(), reason="Python 3.12+ sets the option through Connection.setconfig")
def test_the_option_is_only_set_on_the_connection_whose_file_it_names(tmp_path):
    db = sqlite3.connect(str(tmp_path / "a.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE t (x)")
    assert plan_close._set_through_ctypes(db, str(tmp_path / "other.sqlite")) is False
    db.close()
    assert _plan_files(tmp_path, "a") == [".sqlite"]  # checkpointed and the WAL removed, as without the option


def test_marking_a_transfer_writes_one_wal_frame(tmp_path):
    """Only the transfer's own row changes (no index holds its status), so each update appends one page to the WAL."""
    plan = JobPlan.create(tmp_path, "job4", {})
    plan.add_transfers(rows(2000))
    page_size = plan._db.execute("PRAGMA page_size").fetchone()[0]
    plan._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = tmp_path / "job4.plan.sqlite-wal"
    assert wal.stat().st_size == 0
    for i in range(0, 2000, 20):  # 100 updates, each on another page
        plan.mark(i, DONE)
    frames = (wal.stat().st_size - 32) / (24 + page_size)  # WAL header, then (frame header + page) per frame
    assert frames <= 100, f"{frames:.0f} WAL frames for 100 updates"
    plan.close()
