"""`pyazcopy copy` and `pyazcopy jobs ...` run in-process (Environment with its own streams and variables): AzCopy's
text and JSON-lines output, exit codes, Cobra-style booleans, OAuth through the RBAC gateway, resume by job id."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from copy_support import container_sas, sas_url, tree_digest, write_tree

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.main import main

SPN_APP = "5e1f0000-0000-4000-8000-00000000a001"
SPN_SECRET = "local-test-secret-not-for-production"


@dataclass
class Result:
    code: int
    out: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def env_for(localazure, home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    parts = urlsplit(localazure.blob_url)
    env = {
        "HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYAZCOPY_CONFIG_DIR": str(home / ".pyazcopy"),
        "AZCOPY_JOB_PLAN_LOCATION": str(home / "plans"), "AZCOPY_LOG_LOCATION": str(home / "logs"),
        "AZCOPY_CONCURRENCY_VALUE": "8", "PYAZCOPY_TRUSTED_ENDPOINTS": f"{parts.scheme}://{parts.netloc}",
        "AZCOPY_ACTIVE_DIRECTORY_ENDPOINT": localazure.authority,
        "REQUESTS_CA_BUNDLE": localazure.ca_bundle, "SSL_CERT_FILE": localazure.ca_bundle,
    }
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], stdin: str = "") -> Result:
    out = io.StringIO()
    code = main(args, Environment(stdout=out, stderr=out, env=env, stdin=io.StringIO(stdin)))
    return Result(code, out.getvalue())


def test_copy_up_and_down_with_text_output(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"a.txt": b"alpha", "sub dir/b.bin": os.urandom(5000), "empty": b""})
    env = env_for(localazure, tmp_path / "home")
    sas = container_sas(container)
    signature = parse_qs(sas)["sig"][0]
    up = run(["copy", str(src), f"{localazure.blob_url}/{container}?{sas}", "--recursive=true", "--put-md5"], env)
    assert up.code == 0, up.out
    for line in ("INFO: Scanning...", "has started", "Log file is located at:", "Number of File Transfers: 3",
                 "Number of File Transfers Completed: 3", "Number of File Transfers Failed: 0",
                 "Total Number of Bytes Transferred: 5005", "Final Job Status: Completed"):
        assert line in up.out
    assert "sig=" not in up.out
    down = run(["cp", f"{localazure.blob_url}/{container}/src?{sas}", str(tmp_path / "out"), "--recursive", "--as-subdir=false",
                "--check-md5=FailIfDifferentOrMissing"], env)
    assert down.code == 0, down.out
    assert tree_digest(tmp_path / "out") == tree_digest(src)
    logs = list((tmp_path / "home" / "logs").glob("*.log"))
    assert len(logs) == 2
    for log in logs:  # the default INFO log names every transfer's URL, never with the SAS's signature
        text = log.read_text()
        assert text.count("transfer succeeded: ") == 3, text
        assert set(re.findall(r"(?i)sig=([^&\s\"']*)", text)) <= {"REDACTED"}, text
        assert signature not in text and quote(signature, safe="") not in text


def test_json_output_and_dry_run(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"x.csv": b"1,2", "y.txt": b"y"})
    env = env_for(localazure, tmp_path / "home")
    dry = run(["copy", str(src), sas_url(localazure.blob_url, container), "--recursive", "--dry-run", "--include-pattern=*.csv",
               "--output-type=json"], env)
    assert dry.code == 0, dry.out
    messages = dry.json_lines()
    dry_items = [json.loads(m["MessageContent"]) for m in messages if m["MessageType"] == "Dryrun"]
    assert [d["Source"].endswith("x.csv") for d in dry_items] == [True]
    assert dry_items[0]["FromTo"] == "LocalBlob" and "sig=" not in dry_items[0]["Destination"]
    text_dry = run(["copy", str(src), sas_url(localazure.blob_url, container), "--recursive", "--dry-run"], env)
    assert sum(line.startswith("DRYRUN: copy ") for line in text_dry.out.splitlines()) == 2
    real = run(["copy", str(src), sas_url(localazure.blob_url, container), "--recursive", "--output-type", "json"], env)
    assert real.code == 0, real.out
    messages = real.json_lines()
    kinds = [m["MessageType"] for m in messages]
    assert "Init" in kinds and kinds[-1] == "EndOfJob"
    init = json.loads(messages[kinds.index("Init")]["MessageContent"])
    end = json.loads(messages[-1]["MessageContent"])
    assert set(init) == {"LogFileLocation", "JobID", "IsCleanupJob"}
    assert end["JobStatus"] == "Completed" and end["TransfersCompleted"] == "2" and end["TotalTransfers"] == "2"
    assert end["TotalBytesTransferred"] == "4" and end["JobID"] == init["JobID"]
    assert all(set(m) == {"TimeStamp", "MessageType", "MessageContent", "PromptDetails"} for m in messages)


def test_oauth_copy_through_the_gateway_with_auto_login(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"f1.txt": b"one", "d/f2.bin": os.urandom(3 * 1024 * 1024)})
    env = env_for(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                  AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id)
    url = f"{localazure.blob_url}/{container}"
    up = run(["copy", str(src), url, "--recursive", "--block-size-mb=1"], env)
    assert up.code == 0, up.out
    down = run(["copy", url + "/src", str(tmp_path / "out"), "--recursive"], env)
    assert down.code == 0, down.out
    assert tree_digest(tmp_path / "out" / "src") == tree_digest(src)
    for text in (up.out, down.out, *(p.read_text() for p in (tmp_path / "home" / "logs").glob("*.log"))):
        assert SPN_SECRET not in text and "eyJ" not in text


def test_jobs_list_show_resume_remove_clean(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {f"f{i}.bin": os.urandom(64 * 1024) for i in range(20)})
    env = env_for(localazure, tmp_path / "home", AZCOPY_CONCURRENCY_VALUE="2")
    expired = sas_url(localazure.blob_url, container, expiry=datetime.now(timezone.utc) - timedelta(minutes=5))
    failed = run(["copy", str(src), expired, "--recursive"], env)
    assert failed.code == 1 and "Final Job Status: Failed" in failed.out and "jobs resume" in failed.out
    job_id = failed.out.split("Job ", 1)[1].split(" ", 1)[0]
    listed = run(["jobs", "list"], env)
    assert listed.code == 0 and f"JobId: {job_id}" in listed.out and "Status: Failed" in listed.out and "sig=" not in listed.out
    shown = run(["jobs", "show", job_id], env)
    assert shown.code == 0 and "Number of File Transfers: 20" in shown.out and "Final Job Status: Failed" in shown.out
    with_status = run(["jobs", "show", job_id, "--with-status=Failed"], env)
    assert with_status.out.count(" status Failed") >= 1 and f"Transfers for JobId {job_id}" in with_status.out
    resumed = run(["jobs", "resume", job_id, f"--destination-sas={container_sas(container)}"], env)
    assert resumed.code == 0, resumed.out
    assert "Number of File Transfers Completed: 20" in resumed.out and "Final Job Status: Completed" in resumed.out
    assert run(["jobs", "show", job_id], env).out.count("Final Job Status: Completed") == 1
    assert run(["jobs", "remove", job_id], env).code == 0
    assert job_id not in run(["jobs", "list"], env).out
    assert run(["jobs", "show", job_id], env).code == 1
    run(["copy", str(src / "f1.bin"), sas_url(localazure.blob_url, container)], env)
    cleaned = run(["jobs", "clean"], env)
    assert cleaned.code == 0 and "Successfully removed 1 jobs" in cleaned.out
    assert not list((tmp_path / "home" / "plans").glob("*.sqlite"))


def test_bad_input_gives_a_clear_message_and_exit_1(localazure, container, tmp_path):
    env = env_for(localazure, tmp_path / "home")
    missing = run(["copy", str(tmp_path / "nope"), sas_url(localazure.blob_url, container)], env)
    assert missing.code == 1 and "cannot find the source" in missing.out
    directory = write_tree(tmp_path / "d", {"a": b"a"})
    norec = run(["copy", str(directory), sas_url(localazure.blob_url, container)], env)
    assert norec.code == 1 and "--recursive" in norec.out
    bad_bool = run(["copy", str(directory), sas_url(localazure.blob_url, container), "--recursive=maybe"], env)
    assert bad_bool.code == 1 and "true or false" in bad_bool.out
    bad_overwrite = run(["copy", str(directory), sas_url(localazure.blob_url, container), "--overwrite=sometimes"], env)
    assert bad_overwrite.code == 1 and "ifSourceNewer" in bad_overwrite.out
    no_cred = run(["copy", str(directory), f"{localazure.blob_url}/{container}", "--recursive"], env)
    assert no_cred.code == 1 and "no SAS token or OAuth token is present" in no_cred.out


def test_output_levels_as_azcopy_has_them(localazure, container, tmp_path):
    """quiet prints nothing (not even the summary: the exit code tells), essential keeps the job's start and summary
    without info lines; a failed transfer's ERROR line shows at every level; bad combinations are refused."""
    src = write_tree(tmp_path / "src", {"a.txt": b"alpha", "b.txt": b"beta"})
    env = env_for(localazure, tmp_path / "home")
    url = sas_url(localazure.blob_url, container)
    quiet = run(["copy", str(src), url, "--recursive", "--output-level", "QUIET"], env)
    assert (quiet.code, quiet.out) == (0, "")
    essential = run(["copy", str(src), url, "--recursive", "--output-level=essential"], env)
    assert essential.code == 0 and "Final Job Status: Completed" in essential.out
    assert "Scanning" not in essential.out and "has started" in essential.out
    down = run(["copy", sas_url(localazure.blob_url, container, "src/a.txt"), str(tmp_path / "missing-dir-is-a-file"),
                "--output-level", "quiet"], env)
    assert down.code == 0 and down.out == "" and (tmp_path / "missing-dir-is-a-file").read_bytes() == b"alpha"
    (tmp_path / "blocked").mkdir()
    (tmp_path / "blocked" / "a.txt").mkdir()  # a directory where the download must land: that transfer fails
    failed = run(["copy", sas_url(localazure.blob_url, container, "src/a.txt"), str(tmp_path / "blocked"), "--output-level=quiet"], env)
    assert failed.code == 1 and failed.out.startswith("ERROR: ") and "is a directory" in failed.out and "Final Job Status" not in failed.out
    for extra, message in ((["--output-level", "silent"], "invalid value 'silent' for --output-level"),
                           (["--output-level", "quiet", "--dry-run"], "cannot set output level 'quiet' with dry-run mode"),
                           (["--output-level", "essential", "--overwrite", "prompt"], "cannot set output level 'essential' with overwrite option 'prompt'")):
        refused = run(["copy", str(src), url, "--recursive", *extra], env)
        assert refused.code == 1 and message in refused.out, refused.out


def test_python_api_copy_returns_a_typed_summary_and_reports_progress(localazure, container, tmp_path):
    import pyazcopy
    from copy_support import engine_settings

    from pyazcopy.engine.events import JobProgress, JobSummary

    src = write_tree(tmp_path / "src", {"a.txt": b"a", "b.csv": b"b", "c/d.txt": b"d"})
    seen = []
    summary = pyazcopy.copy(str(src), sas_url(localazure.blob_url, container), recursive=True, include_pattern="*.txt",
                            engine_settings=engine_settings(tmp_path, progress_interval=0.01), progress=seen.append)
    assert isinstance(summary, JobSummary) and summary.succeeded and summary.completed == 2
    assert all(isinstance(p, JobProgress) for p in seen)
    back = pyazcopy.copy(sas_url(localazure.blob_url, container, "src"), str(tmp_path / "out"), recursive=True,
                         engine_settings=engine_settings(tmp_path))
    assert back.completed == 2 and (tmp_path / "out" / "src" / "c" / "d.txt").read_bytes() == b"d"


def test_a_long_copy_keeps_working_across_access_token_expiry(localazure, container, tmp_path):
    from copy_support import big_file

    lifetime = 30  # seconds, as the acceptance case asks; --cap-mbps stretches the copy to ~70 s, over two expiries
    size = 11 * 1024 * 1024  # 11 blocks of 1 MiB at 1.2 Mb/s: one block every ~7 s, the last one sent at ~70 s
    big_file(tmp_path / "src" / "slow.bin", size)
    env = env_for(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                  AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id, AZCOPY_CONCURRENCY_VALUE="2")
    localazure.admin("PUT", "/settings/token-lifetime", {"access_token_lifetime_seconds": lifetime}).raise_for_status()
    try:
        localazure.admin("POST", "/stats/reset")
        import time

        started = time.monotonic()
        up = run(["copy", str(tmp_path / "src" / "slow.bin"), f"{localazure.blob_url}/{container}", "--block-size-mb=1", "--cap-mbps=1.2"], env)
        elapsed = time.monotonic() - started
        issued = localazure.token_stats()["token_requests"].get("client_credentials", 0)
    finally:
        localazure.admin("PUT", "/settings/token-lifetime", {"access_token_lifetime_seconds": None})
    assert up.code == 0, up.out
    assert elapsed > 2 * lifetime  # the copy outlived at least two tokens (--cap-mbps guarantees it; no upper bound on a loaded machine)
    assert 3 <= issued <= elapsed / (lifetime * 0.9) + 2  # the first token and one refresh per expiry crossed, no storm
    blob = localazure.shared_key_service().get_blob_client(container, "slow.bin").get_blob_properties()
    assert blob.size == size


def test_a_role_removed_halfway_stops_the_job_which_resumes_once_granted_again(localazure, container, tmp_path):
    from copy_support import engine_settings

    from pyazcopy import api
    from pyazcopy.engine.events import TransferFinished
    from pyazcopy.engine.options import CopyOptions
    from pyazcopy.settings import Settings

    src = write_tree(tmp_path / "src", {f"f{i:02d}.bin": os.urandom(32 * 1024) for i in range(30)})
    env = env_for(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                  AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id)
    settings = Settings.from_environment(env)
    assignments = localazure.admin("GET", "/role-assignments").json()["role_assignments"]
    mine = next(a for a in assignments if a["principal"] == f"client_id {SPN_APP}" and a["state"] == "active")
    removed = []

    def remove_after_five(event) -> None:
        if isinstance(event, TransferFinished) and event.status == "Success" and not removed:
            done.append(1)
            if len(done) == 5:
                localazure.admin("DELETE", f"/role-assignments/{mine['id']}").raise_for_status()
                removed.append(True)

    done: list[int] = []
    url = f"{localazure.blob_url}/{container}"
    try:
        first = api.copy_with(CopyOptions(str(src), url, recursive=True, as_subdir=False, cap_mbps=2),
                              settings, engine_settings(tmp_path, concurrency=2), subscribers=[remove_after_five])
        assert first.status == "Failed" and 5 <= first.completed < 30
        assert "AuthorizationPermissionMismatch" in first.error and "Storage Blob Data Contributor" in first.error
    finally:
        localazure.admin("POST", "/role-assignments", {"client_id": SPN_APP, "role": mine["role"], "scope": mine["scope"]}).raise_for_status()
    second = api.resume(first.job_id, settings, engine_settings(tmp_path))
    assert second.status == "Completed" and second.completed == 30
    names = sorted(b.name for b in localazure.shared_key_service().get_container_client(container).list_blobs())
    assert names == sorted(f"f{i:02d}.bin" for i in range(30))
