"""`jobs resume` from each recorded phase, through the CLI: an interrupted planning is continued (also in a schema 1
plan without its `planned` mark), and a plan that cannot be continued is reported as such with exit 1 and what to do."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3

from copy_support import container_sas, sas_url, tree_digest, write_tree
from test_copy_cli import env_for, run


def _finished_upload(localazure, container, tmp_path, files: int = 12):
    src = write_tree(tmp_path / "src", {f"d{i % 3}/f{i:02d}.txt": f"file {i}".encode() for i in range(files)})
    env = env_for(localazure, tmp_path / "home")
    done = run(["copy", str(src), sas_url(localazure.blob_url, container), "--recursive"], env)
    assert done.code == 0, done.out
    job_id = re.search(r"^Job (\S+) summary$", done.out, re.M).group(1)
    return src, env, job_id, tmp_path / "home" / "plans" / f"{job_id}.plan.sqlite"


def _edit(plan, sql: str, *args) -> None:
    db = sqlite3.connect(plan)
    try:
        db.execute(sql, args)
        db.commit()
    finally:
        db.close()


def _as_if_killed_while_planning(plan, keep_rows: int, schema_1: bool = False) -> None:
    """The plan as a kill during planning leaves it: some rows, enumeration unfinished, status InProgress."""
    _edit(plan, "DELETE FROM transfers WHERE id >= ?", keep_rows)
    if schema_1:
        _edit(plan, "DELETE FROM meta WHERE key IN ('enumeration', 'phase', 'planned')")
        _edit(plan, "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    else:
        _edit(plan, "UPDATE meta SET value = ? WHERE key = 'enumeration'", json.dumps("InProgress"))
        _edit(plan, "UPDATE meta SET value = ? WHERE key = 'phase'", json.dumps("Planning"))
    _edit(plan, "UPDATE meta SET value = ? WHERE key = 'status'", json.dumps("InProgress"))


def test_resume_continues_an_interrupted_planning_in_new_and_schema_1_plans(localazure, container, tmp_path):
    src, env, job_id, plan = _finished_upload(localazure, container, tmp_path)
    service = localazure.shared_key_service().get_container_client(container)
    for schema_1 in (False, True):
        for blob in list(service.list_blobs()):
            service.delete_blob(blob.name)
        _as_if_killed_while_planning(plan, keep_rows=5, schema_1=schema_1)
        _edit(plan, "UPDATE transfers SET status = 0")
        listed = run(["jobs", "list"], env)
        assert "Planning: interrupted after 5 transfers were planned" in listed.out, listed.out
        resumed = run(["jobs", "resume", job_id, f"--destination-sas={container_sas(container)}"], env)
        assert resumed.code == 0 and "Final Job Status: Completed" in resumed.out, resumed.out
        assert "was interrupted after 5 transfers" in resumed.out and "Number of File Transfers Completed: 12" in resumed.out, resumed.out
        assert len(list(service.list_blobs())) == 12
        db = sqlite3.connect(plan)
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT source) FROM transfers").fetchone() == (12, 12)  # no row twice
        db.close()
    out = tmp_path / "out"
    assert run(["copy", sas_url(localazure.blob_url, container, "src"), str(out), "--recursive"], env).code == 0
    assert tree_digest(out / "src") == tree_digest(src)


def test_a_plan_that_cannot_be_continued_says_so_with_exit_1(localazure, container, tmp_path):
    src, env, job_id, plan = _finished_upload(localazure, container, tmp_path)
    _as_if_killed_while_planning(plan, keep_rows=5)
    shutil.rmtree(src)  # the source cannot be listed again
    gone = run(["jobs", "resume", job_id, f"--destination-sas={container_sas(container)}"], env)
    assert gone.code == 1, gone.out
    assert "was interrupted and cannot be continued" in gone.out and f"`pyazcopy jobs remove {job_id}`" in gone.out, gone.out
    assert "Completed" not in gone.out
    shown = run(["jobs", "show", job_id], env).out
    assert "Final Job Status: Failed" in shown and "Planning: interrupted" in shown, shown

    _edit(plan, "UPDATE meta SET value = ? WHERE key = 'phase'", json.dumps("Deleting"))  # a later pyazcopy's phase
    unknown = run(["jobs", "resume", job_id, f"--destination-sas={container_sas(container)}"], env)
    assert unknown.code == 1 and "'Deleting' phase, which this pyazcopy cannot continue" in unknown.out, unknown.out

    (plan.parent / f"{job_id}.plan.sqlite").write_bytes(b"not a database at all" * 100)
    for extra in ("-wal", "-shm"):
        (plan.parent / f"{job_id}.plan.sqlite{extra}").unlink(missing_ok=True)
    broken = run(["jobs", "resume", job_id, f"--destination-sas={container_sas(container)}"], env)
    assert broken.code == 1 and "cannot be read" in broken.out and "run the copy again" in broken.out, broken.out
    removed = run(["jobs", "remove", job_id], env)  # what to do with it: remove it
    assert removed.code == 0 and not plan.exists(), removed.out
