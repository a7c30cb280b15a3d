"""Jobs account for every transfer (issue 12 §2): a job that fails while it scans ends `Failed` with its reason (not
`InProgress` for ever, not `Percent Complete 100.0`), and after a job stops, done + failed + skipped + not started =
total, in the text summary and in the JSON EndOfJob."""

from __future__ import annotations

import json
import re

from copy_support import sas_url, write_tree
from test_copy_cli import env_for, run


def _counts_from_text(out: str) -> dict[str, int]:
    def number(label: str) -> int:
        found = re.search(rf"^{label}: (\d+)$", out, re.M)
        return int(found.group(1)) if found else 0

    return {"total": number("Total Number of Transfers"), "done": number("Number of File Transfers Completed"),
            "failed": number("Number of File Transfers Failed"), "skipped": number("Number of File Transfers Skipped"),
            "not_started": number("Number of File Transfers Not Started")}


def test_a_job_stopped_by_a_missing_permission_accounts_for_every_transfer(localazure, container, tmp_path):
    """A read-only SAS (as bob, Storage Blob Data Reader, has read only): the first upload is refused with 403 and
    the job stops; the transfers it never started are counted as such."""
    src = write_tree(tmp_path / "src", {f"f{i}.txt": f"file {i}".encode() for i in range(6)})
    env = env_for(localazure, tmp_path / "home", AZCOPY_CONCURRENCY_VALUE="1")
    read_only = sas_url(localazure.blob_url, container, permission="rl")
    text = run(["copy", str(src), read_only, "--recursive"], env)
    assert text.code == 1 and "Final Job Status: Failed" in text.out, text.out
    c = _counts_from_text(text.out)
    assert c["total"] == 6 and c["failed"] >= 1 and c["not_started"] >= 1, text.out
    assert c["done"] + c["failed"] + c["skipped"] + c["not_started"] == c["total"], text.out

    as_json = run(["copy", str(src), read_only, "--recursive", "--output-type=json"], env)
    end = json.loads(next(m for m in as_json.json_lines() if m["MessageType"] == "EndOfJob")["MessageContent"])
    assert end["JobStatus"] == "Failed" and end["TotalTransfers"] == "6", end
    parts = [int(end[k]) for k in ("TransfersCompleted", "TransfersFailed", "TransfersSkipped", "TransfersNotStarted")]
    assert sum(parts) == 6 and parts[3] >= 1, end

    job_id = end["JobID"]
    shown = run(["jobs", "show", job_id], env)
    s = _counts_from_text(shown.out)
    assert s["done"] + s["failed"] + s["skipped"] + s["not_started"] == s["total"] == 6, shown.out


def _only_job(env) -> str:
    listed = run(["jobs", "list"], env)
    ids = re.findall(r"^JobId: (\S+)$", listed.out, re.M)
    assert len(ids) == 1, listed.out
    return ids[0]


def test_a_download_from_a_missing_container_ends_failed_with_its_reason(localazure, tmp_path):
    env = env_for(localazure, tmp_path / "home")
    missing = sas_url(localazure.blob_url, "no-such-container-here")
    result = run(["copy", missing, str(tmp_path / "out"), "--recursive"], env)
    assert result.code == 1 and "ContainerNotFound" in result.out, result.out
    job_id = _only_job(env)
    listed = run(["jobs", "list"], env).out
    assert "Status: Failed" in listed and "InProgress" not in listed, listed
    shown = run(["jobs", "show", job_id], env).out
    assert "Final Job Status: Failed" in shown and "Percent Complete (approx): 100.0" not in shown, shown
    assert "The job stopped: planning failed" in shown and "ContainerNotFound" in shown and "sig=" not in shown, shown
    as_json = json.loads(run(["jobs", "show", job_id, "--output-type=json"], env).json_lines()[-1]["MessageContent"])
    assert as_json["JobStatus"] == "Failed" and "ContainerNotFound" in as_json["ErrorMsg"], as_json


def test_an_upload_to_a_refused_container_name_ends_failed_with_its_reason(localazure, tmp_path):
    env = env_for(localazure, tmp_path / "home")
    source = tmp_path / "a.txt"
    source.write_text("a")
    result = run(["copy", str(source), sas_url(localazure.blob_url, "Bad_Name")], env)
    assert result.code == 1, result.out
    listed = run(["jobs", "list"], env).out
    if "JobId:" not in listed:  # refused before any job was made (issue 12 §3 checks names first): nothing left InProgress
        return
    shown = run(["jobs", "show", _only_job(env)], env).out
    assert "Final Job Status: Failed" in shown and "InvalidResourceName" in shown, shown
