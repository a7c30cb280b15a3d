"""The plan records how far planning got; an interrupted planning is continued without duplicating rows; schema 1
plans still open; a phase this pyazcopy does not know is refused."""

from __future__ import annotations

import json
import sqlite3

import pytest

from pyazcopy.engine.plan import (
    BATCH_SIZE, DONE, FINISHED, IN_PROGRESS, NOT_STARTED, PLANNING, TRANSFERRING, JobPlan, PlanCannotContinueError, PlanVersionError,
    list_jobs, resumable_phase,
)


def rows(names):
    for name in names:
        yield (f"s/{name}", f"d/{name}", 10, 1.0, b"")


def interrupted(names, after: int):
    """The enumeration of ``names`` dying (as a kill would) after ``after`` rows."""
    for i, row in enumerate(rows(names)):
        if i == after:
            raise KeyboardInterrupt
        yield row


def test_a_new_plan_records_planning_not_started_then_finished(tmp_path):
    plan = JobPlan.create(tmp_path, "j", {"command": "copy"})
    state = plan.planning()
    assert (state.enumeration, state.phase, state.planned, state.finished) == (NOT_STARTED, PLANNING, 0, False)
    plan.add_transfers(rows(range(3)))
    state = plan.planning()
    assert (state.enumeration, state.phase, state.planned, state.finished) == (FINISHED, TRANSFERRING, 3, True)


def test_rows_are_committed_while_listing_and_an_interrupted_planning_is_continued_without_duplicates(tmp_path):
    names = [f"f{i:05d}" for i in range(BATCH_SIZE * 2 + 10)]
    plan = JobPlan.create(tmp_path, "j", {})
    with pytest.raises(KeyboardInterrupt):
        plan.add_transfers(interrupted(names, BATCH_SIZE + 5))
    plan.close()
    plan = JobPlan.open(tmp_path, "j")
    state = plan.planning()
    assert (state.enumeration, state.planned) == (IN_PROGRESS, BATCH_SIZE)  # the first batch was committed
    assert not list_jobs(tmp_path)[0].planning.finished
    plan.mark(0, DONE)
    added = plan.add_transfers(rows(names), continuing=True)
    assert added.total == len(names) - BATCH_SIZE
    listed = [r.source for r in plan.all_transfers()]
    assert sorted(listed) == [f"s/{n}" for n in names]  # each once
    assert plan.counts().done == 1  # a row planned (and done) before the kill keeps its status
    assert plan.planning().finished and list_jobs(tmp_path)[0].planning.finished
    assert sorted(r.id for r in plan.unfinished()) == sorted(set(r.id for r in plan.all_transfers()) - {0})


def _schema_1_plan(tmp_path, job_id: str, planned: bool, n: int) -> None:
    db = sqlite3.connect(tmp_path / f"{job_id}.plan.sqlite")
    db.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                     "CREATE TABLE transfers (id INTEGER PRIMARY KEY, part INTEGER NOT NULL, source TEXT NOT NULL, destination TEXT NOT NULL,"
                     " size INTEGER NOT NULL, mtime REAL NOT NULL, status INTEGER NOT NULL DEFAULT 0, block_size INTEGER NOT NULL DEFAULT 0,"
                     " error TEXT NOT NULL DEFAULT '', md5 BLOB NOT NULL DEFAULT x'', etag TEXT NOT NULL DEFAULT '');"
                     "CREATE INDEX transfers_by_part ON transfers (part);"
                     "CREATE TABLE chunks (transfer_id INTEGER NOT NULL, idx INTEGER NOT NULL, length INTEGER NOT NULL,"
                     " PRIMARY KEY (transfer_id, idx)) WITHOUT ROWID;")
    meta = {"schema_version": 1, "job_id": job_id, "created": 1.0, "status": "InProgress"}
    if planned:
        meta.update(parts=1, planned=True)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
    db.executemany("INSERT INTO transfers (id, part, source, destination, size, mtime) VALUES (?, 0, ?, ?, 1, 1.0)",
                   [(i, f"s/{i}", f"d/{i}") for i in range(n)])
    db.commit()
    db.close()


def test_schema_1_plans_open_with_or_without_their_planned_mark(tmp_path):
    _schema_1_plan(tmp_path, "old-done", True, 3)
    _schema_1_plan(tmp_path, "old-killed", False, 0)
    done = JobPlan.open(tmp_path, "old-done")
    assert done.planning().finished and len(list(done.unfinished())) == 3
    killed = JobPlan.open(tmp_path, "old-killed")
    assert (killed.planning().enumeration, killed.planning().phase) == (IN_PROGRESS, PLANNING)  # listed again on resume
    killed.add_transfers(rows(range(2)), continuing=True)
    assert killed.planning().finished and killed.counts().total == 2


def test_a_newer_schema_or_an_unknown_phase_is_refused_with_what_to_do(tmp_path):
    plan = JobPlan.create(tmp_path, "j", {})
    plan.set_meta(schema_version=99)
    plan.close()
    with pytest.raises(PlanVersionError, match="run the job again"):
        JobPlan.open(tmp_path, "j")
    plan = JobPlan.create(tmp_path, "k", {})
    plan.set_meta(phase="Deleting")
    with pytest.raises(PlanCannotContinueError, match="jobs remove k"):
        resumable_phase("k", plan.planning())


def test_a_job_whose_process_is_at_work_is_told_from_an_interrupted_one(tmp_path):
    import subprocess
    import sys

    from pyazcopy.engine.plan import planning_of, runner_meta

    worker = subprocess.Popen([sys.executable, "-c", "print('up', flush=True); import time; time.sleep(60)", "pyazcopy"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline() == "up\n"  # its command line is in place once it runs
        meta = {**runner_meta(), "pid": worker.pid, "enumeration": IN_PROGRESS, "phase": PLANNING}
        assert planning_of(meta, 5).running
    finally:
        worker.kill()
        worker.wait()
    assert not planning_of(meta, 5).running
    assert not planning_of({**meta, "host": "another-machine"}, 5).running
