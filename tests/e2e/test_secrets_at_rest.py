"""Secrets never reach a job's plan database (with its write-ahead log), its log or its output: a SAS job and a
signed-in user's job, each killed with SIGKILL part-way (so the plan's -wal file is left as it was) and then resumed
to the end with `pyazcopy jobs resume`; every file under the plan and log locations and every output is read."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs

from azure.storage.blob import ContainerSasPermissions, generate_container_sas
from conftest import PYAZCOPY, Approver, run_cli, run_process
from user_copy_support import (
    copy_env, files_under, kill, leaks, saved_login_secrets, tree_digest, wait_for_done_transfers, write_tree,
)

from localazure.fixtures import DEV_ACCOUNT_KEY

FILES = {f"f{i:02d}.bin": bytes([i]) * 32 * 1024 for i in range(40)}  # 40 x 32 KiB at 1 Mb/s: about 10 s


def _sas(container: str) -> str:
    return generate_container_sas("devstoreaccount1", container, account_key=DEV_ACCOUNT_KEY,
                                  permission=ContainerSasPermissions.from_string("racwdl"),
                                  expiry=datetime.now(timezone.utc) + timedelta(hours=1))


def _kill_part_way_then_resume(env, home, source: str, destination: str, resume_args: list[str], secrets: list[str]) -> tuple[str, list[str]]:
    """Start the copy, SIGKILL it after 5 files, check what it left, resume it; returns (job id, every output)."""
    copy = subprocess.Popen(PYAZCOPY + ["copy", source, destination, "--recursive", "--cap-mbps=1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    try:
        job_id = wait_for_done_transfers(home / "plans", 5, copy)
    finally:
        killed_output = kill(copy)
    at_kill = files_under(home / "plans", home / "logs")
    wal = [p for p in at_kill if p.name.endswith("-wal")]
    assert wal and all(p.stat().st_size > 0 for p in wal), [p.name for p in at_kill]  # the WAL the kill left is read too
    assert leaks(at_kill, [killed_output], secrets) == []

    resumed = run_process(["jobs", "resume", job_id] + resume_args, env)
    assert resumed.code == 0, resumed.out + resumed.err
    assert "Final Job Status: Completed" in resumed.out
    shown = run_process(["jobs", "show", job_id], env)
    listed = run_process(["jobs", "list"], env)
    outputs = [killed_output, resumed.out, resumed.err, shown.out, shown.err, listed.out, listed.err]
    assert leaks(files_under(home / "plans", home / "logs"), outputs, secrets) == []
    return job_id, outputs


def test_the_leak_finder_finds_what_it_looks_for(tmp_path):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3N0b3JhZ2UifQ.c2ln"
    sample = tmp_path / "sample"
    sample.write_bytes(b"\x00plan\x00https://x/c/f?sv=1&sig=abc%2Bdef\x00")
    assert leaks([sample], [f"Bearer {jwt}", "sig=REDACTED", "token-secret"], ["token-secret"]) == [
        f"{sample}: a SAS signature", "output 0: a JWT", "output 2: secret 0"]


def test_a_sas_job_keeps_its_signature_out_of_plan_log_and_output(localazure, container, cli_env, user_home, tmp_path):
    env = copy_env(cli_env, user_home)
    src = write_tree(tmp_path / "src", FILES)
    sas = _sas(container)
    signature = parse_qs(sas)["sig"][0]
    _kill_part_way_then_resume(env, user_home, str(src), f"{localazure.blob_url}/{container}?{sas}",
                               [f"--destination-sas={sas}"], [signature])
    down = run_process(["copy", f"{localazure.blob_url}/{container}/src?{sas}", str(tmp_path / "out"), "--recursive"], env)
    assert down.code == 0, down.out
    assert tree_digest(tmp_path / "out" / "src") == tree_digest(src)
    assert leaks(files_under(user_home / "plans", user_home / "logs"), [down.out, down.err], [signature]) == []


def test_a_signed_in_job_keeps_tokens_out_of_plan_log_and_output(localazure, container, cli_env, user_home, tmp_path):
    env = copy_env(cli_env, user_home, PYAZCOPY_TOKEN_STORE="kernel")
    with Approver(localazure, "alice@contoso.test"):
        login = run_cli(["login", "--tenant-id", localazure.tenant_id], env)
    assert login.code == 0, login.out
    src = write_tree(tmp_path / "src", FILES)
    before = saved_login_secrets(env)
    _kill_part_way_then_resume(env, user_home, str(src), f"{localazure.blob_url}/{container}", [], before)
    after = saved_login_secrets(env)  # tokens the commands may have renewed since
    assert leaks(files_under(user_home / "plans", user_home / "logs"), [login.out], before + after) == []
    blobs = localazure.shared_key_service().get_container_client(container).list_blobs()
    assert sorted(b.name for b in blobs) == sorted(f"src/{name}" for name in FILES)
    assert run_process(["logout"], env).code == 0
