"""`jobs list` and `jobs show` in AzCopy's words (cmd/jobsList.go, cmd/jobsShow.go): text blocks, JSON messages,
status names, --with-status filters and exit codes."""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import datetime, timedelta, timezone

from copy_support import sas_url, write_tree
from test_copy_cli import env_for, run

RFC850 = r"[A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d \S+"


def two_jobs(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {f"f{i}.bin": os.urandom(1000) for i in range(3)})
    env = env_for(localazure, tmp_path / "home")
    done = run(["copy", str(src), sas_url(localazure.blob_url, container), "--recursive"], env)
    expired = sas_url(localazure.blob_url, container, expiry=datetime.now(timezone.utc) - timedelta(minutes=5))
    failed = run(["copy", str(src), expired, "--recursive"], env)
    assert done.code == 0 and failed.code == 1
    ids = [r.out.split("Job ", 1)[1].split(" ", 1)[0] for r in (done, failed)]
    return env, ids[0], ids[1]


def test_jobs_list_text_json_and_status_filter(localazure, container, tmp_path):
    env, done, failed = two_jobs(localazure, container, tmp_path)
    listed = run(["jobs", "list"], env)
    assert listed.code == 0 and listed.out.startswith("Existing Jobs \n")
    blocks = re.findall(rf"JobId: (\S+)\nStart Time: {RFC850}\nStatus: (\w+)\nCommand: (copy [^\n]*)\n\n", listed.out)
    assert sorted((job, status) for job, status, _ in blocks) == sorted([(done, "Completed"), (failed, "Failed")]), listed.out
    assert all("sig=" not in command for _, _, command in blocks)
    only = run(["jobs", "ls", "--with-status=completed"], env)
    assert only.code == 0 and done in only.out and failed not in only.out
    as_json = run(["jobs", "list", "--with-status=Failed", "--output-type=json"], env).json_lines()
    assert [m["MessageType"] for m in as_json] == ["EndOfJob"]
    content = json.loads(as_json[0]["MessageContent"])
    assert content["ErrorMessage"] == "" and [d["JobId"] for d in content["JobIDDetails"]] == [failed]
    detail = content["JobIDDetails"][0]
    assert set(detail) == {"JobId", "CommandString", "StartTime", "JobStatus"} and detail["JobStatus"] == "Failed"
    assert isinstance(detail["StartTime"], int)
    bad = run(["jobs", "list", "--with-status=Sideways"], env)
    assert bad.code == 1 and "Failed to parse --with-status" in bad.out


def test_jobs_show_summary_and_transfers(localazure, container, tmp_path):
    env, done, failed = two_jobs(localazure, container, tmp_path)
    shown = run(["jobs", "show", done], env)
    assert shown.code == 0
    expected = [f"Job {done} summary", "Number of File Transfers: 3", "Number of Folder Property Transfers: 0", "Number of Symlink Transfers: 0",
                "Total Number of Transfers: 3", "Number of File Transfers Completed: 3", "Number of Folder Transfers Completed: 0",
                "Number of File Transfers Failed: 0", "Number of Folder Transfers Failed: 0", "Number of File Transfers Skipped: 0",
                "Number of Folder Transfers Skipped: 0", "Total Number of Bytes Transferred: 3000", "Percent Complete (approx): 100.0",
                "Final Job Status: Completed"]
    assert [line for line in shown.out.splitlines() if line] == expected
    as_json = run(["jobs", "show", failed, "--output-type=json"], env).json_lines()
    assert [m["MessageType"] for m in as_json] == ["GetJobSummary", "EndOfJob"]
    summary = json.loads(as_json[1]["MessageContent"])
    assert summary["JobID"] == failed and summary["JobStatus"] == "Failed" and summary["BytesOverWire"] == "0"
    transfers = run(["jobs", "show", failed, "--with-status=Failed"], env)
    lines = transfers.out.splitlines()
    assert transfers.code == 0 and lines[0] == f"----------- Transfers for JobId {failed} -----------"
    assert len(lines) >= 2 and all(re.fullmatch(r"transfer--> source: /\S+ destination: https://\S+ status Failed", line) for line in lines[1:])
    assert all("sig=" not in line for line in lines)
    ok = run(["jobs", "show", done, "--with-status=success", "--output-type=json"], env).json_lines()
    assert [m["MessageType"] for m in ok] == ["ListJobTransfers", "EndOfJob"]
    listing = json.loads(ok[0]["MessageContent"])
    assert listing["JobID"] == done and len(listing["Details"]) == 3
    assert set(listing["Details"][0]) == {"Src", "Dst", "IsFolderProperties", "TransferStatus", "TransferSize", "ErrorCode"}
    assert {d["TransferStatus"] for d in listing["Details"]} == {"Success"} and {d["TransferSize"] for d in listing["Details"]} == {1000}
    none = run(["jobs", "show", done, "--with-status=NotStarted"], env)
    assert none.out.strip() == f"----------- Transfers for JobId {done} -----------"


def test_jobs_show_errors_exit_1(localazure, container, tmp_path):
    env, done, _ = two_jobs(localazure, container, tmp_path)
    bad_status = run(["jobs", "show", done, "--with-status=Sometimes"], env)
    assert bad_status.code == 1 and "cannot parse the given Transfer Status Sometimes" in bad_status.out
    bad_id = run(["jobs", "show", "not-a-job"], env)
    assert bad_id.code == 1 and "invalid jobId given not-a-job" in bad_id.out
    missing = run(["jobs", "show", str(uuid.uuid4())], env)
    assert missing.code == 1 and "jobs list" in missing.out
