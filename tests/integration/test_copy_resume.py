"""kill -9 in the middle of an upload, then resume: identical result, and what the server already had is not sent again
(requests counted by a proxy in front of the gateway)."""

from __future__ import annotations

import hashlib
import os
import signal
from datetime import datetime, timedelta, timezone

import pytest
from copy_support import (
    CountingProxy, account_path, big_file, container_sas, engine_settings, origin, plan_query, sas_url, start_copy_process,
    tree_digest, wait_for_plan, write_tree,
)

from pyazcopy.engine.chunking import MiB
from pyazcopy.engine.job import resume_job, run_copy
from pyazcopy.engine.options import CopyOptions

BIG_MIB = int(os.environ.get("PYAZCOPY_TEST_BIG_MIB", "96"))  # PYAZCOPY_TEST_BIG_MIB=1024 for the 1 GiB acceptance case
MANY_FILES = int(os.environ.get("PYAZCOPY_TEST_MANY_FILES", "600"))  # 5000 for the acceptance case
DOWN_MIB = int(os.environ.get("PYAZCOPY_TEST_DOWN_MIB", "72"))  # several 64 MiB ranges written in turn; 1024 for a 1 GiB download


@pytest.fixture
def proxy(localazure):
    p = CountingProxy(origin(localazure.blob_url), localazure.ca_bundle).start()
    yield p
    p.stop()


def sha256_of_blob(localazure, container: str, name: str) -> str:
    digest = hashlib.sha256()
    for piece in localazure.shared_key_service().get_blob_client(container, name).download_blob(max_concurrency=4).chunks():
        digest.update(piece)
    return digest.hexdigest()


def sha256_of_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(8 * MiB):
            digest.update(block)
    return digest.hexdigest()


def test_kill_9_during_a_large_upload_then_resume_continues_inside_the_file(localazure, container, proxy, tmp_path):
    source = big_file(tmp_path / "src" / "big.bin", BIG_MIB * MiB + 12345)
    blocks_total = -(-source.stat().st_size // MiB)
    url = sas_url(proxy.url + account_path(localazure.blob_url), container)
    child = start_copy_process(tmp_path, {"source": str(source), "destination": url, "block_size_mb": 1, "cap_mbps": 160}, concurrency=4)
    job_id = wait_for_plan(tmp_path / "plans", "chunks", blocks_total // 3, child)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    proxy.wait_idle()  # requests the proxy was still forwarding for the killed process are recorded before the reset
    staged_at_kill = {row[0] for row in plan_query(tmp_path / "plans", job_id, "SELECT idx FROM chunks")}
    sent_before = {r.block_id for r in proxy.matching("PUT", "block") if r.status == 201}
    assert blocks_total // 3 <= len(staged_at_kill) < blocks_total
    assert not proxy.matching("PUT", "blocklist")  # nothing was committed: no partial blob exists
    assert localazure.shared_key_service().get_container_client(container).get_blob_client("big.bin").exists() is False

    proxy.reset()
    summary = resume_job(job_id, engine_settings(tmp_path, concurrency=4), destination_sas=container_sas(container))
    assert summary.status == "Completed", summary.failed_transfers
    assert (summary.total_transfers, summary.completed, summary.bytes_transferred) == (1, 1, source.stat().st_size)
    resent = [r.block_id for r in proxy.matching("PUT", "block")]
    from pyazcopy.engine.chunking import block_id

    key = f"{job_id.replace('-', '')[:16]}{0:016d}"
    staged_ids = {block_id(key, i) for i in staged_at_kill}
    assert staged_ids.isdisjoint(resent)  # no block recorded as staged went up again
    assert len(resent) == blocks_total - len(staged_at_kill)
    assert len(set(resent) | sent_before) == blocks_total
    assert len(proxy.matching("GET", "blocklist")) == 1 and len(proxy.matching("PUT", "blocklist")) == 1
    assert sha256_of_blob(localazure, container, "big.bin") == sha256_of_file(source)
    size = source.stat().st_size
    missing = set(range(blocks_total)) - staged_at_kill
    assert summary.bytes_over_wire == sum(min(MiB, size - index * MiB) for index in missing)  # exactly the missing blocks


def test_kill_9_during_a_many_file_upload_then_resume_skips_files_already_done(localazure, container, proxy, tmp_path):
    files = {f"d{i % 20}/sub{i % 3}/f{i}.txt": f"file {i} ".encode() * (1 + i % 50) for i in range(MANY_FILES)}
    src = write_tree(tmp_path / "src", files)
    url = sas_url(proxy.url + account_path(localazure.blob_url), container)
    child = start_copy_process(tmp_path, {"source": str(src), "destination": url, "recursive": True}, concurrency=8)
    job_id = wait_for_plan(tmp_path / "plans", "transfers WHERE status = 2", MANY_FILES // 4, child)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    proxy.wait_idle()  # requests the proxy was still forwarding for the killed process are recorded before the reset
    done_at_kill = {row[0] for row in plan_query(tmp_path / "plans", job_id, "SELECT destination FROM transfers WHERE status = 2")}
    assert MANY_FILES // 4 <= len(done_at_kill) < MANY_FILES

    proxy.reset()
    summary = resume_job(job_id, engine_settings(tmp_path, concurrency=8), destination_sas=container_sas(container))
    assert summary.status == "Completed", summary.failed_transfers[:3]
    assert (summary.total_transfers, summary.completed, summary.failed) == (MANY_FILES, MANY_FILES, 0)
    assert summary.bytes_transferred == sum(len(v) for v in files.values())
    puts = [r.path.split("/", 1)[1] for r in proxy.matching("PUT")]
    assert done_at_kill.isdisjoint(puts)  # files finished before the kill were not sent again
    assert len(puts) == MANY_FILES - len(done_at_kill)  # one Put Blob per remaining file, nothing else
    assert not proxy.matching("HEAD")

    out = tmp_path / "out"
    down = run_copy(CopyOptions(url, str(out), recursive=True), engine_settings(tmp_path))
    assert down.completed == MANY_FILES
    assert tree_digest(out / container / "src") == tree_digest(src)


def test_a_sas_that_stops_working_stops_the_job_cleanly_and_resume_with_a_new_sas_finishes_it(localazure, container, proxy, tmp_path):
    """The SAS refers to a stored access policy; the test removes the policy once 5 files are done (an event, not a
    clock: a SAS that expires after N seconds cut the job at a point that depended on the machine's load)."""
    from azure.storage.blob import AccessPolicy, ContainerSasPermissions, generate_container_sas

    from copy_support import DEV_ACCOUNT_KEY
    from pyazcopy.engine.events import TransferFinished

    files = {f"f{i:03d}.bin": os.urandom(128 * 1024) for i in range(40)}
    src = write_tree(tmp_path / "src", files)
    policies = localazure.shared_key_service().get_container_client(container)
    policy = AccessPolicy(ContainerSasPermissions.from_string("racwdl"), expiry=datetime.now(timezone.utc) + timedelta(hours=2))
    policies.set_container_access_policy({"copy-policy": policy})
    sas = generate_container_sas("devstoreaccount1", container, account_key=DEV_ACCOUNT_KEY, policy_id="copy-policy")
    url = f"{proxy.url}{account_path(localazure.blob_url)}/{container}?{sas}"
    done = []

    def revoke_after_five(event) -> None:
        if isinstance(event, TransferFinished) and event.status == "Success":
            done.append(event)
            if len(done) == 5:
                policies.set_container_access_policy({})  # every later request with this SAS gets 403
    first = run_copy(CopyOptions(str(src), url, recursive=True, as_subdir=False), engine_settings(tmp_path, concurrency=2),
                     subscribers=[revoke_after_five])
    assert first.status == "Failed" and "403" in first.error and "SAS" in first.error, first.error
    assert 5 <= first.completed < len(files)
    assert "sig=" not in first.error
    done_first = first.completed
    proxy.reset()
    second = resume_job(first.job_id, engine_settings(tmp_path), destination_sas=container_sas(container))
    assert second.status == "Completed" and second.completed == len(files)
    assert len(proxy.matching("PUT")) <= len(files) - done_first + 2  # failed ones (at most one per worker) go again
    out = tmp_path / "out"
    assert run_copy(CopyOptions(url.split("?")[0] + "?" + container_sas(container), str(out), recursive=True),
                    engine_settings(tmp_path)).completed == len(files)
    assert tree_digest(out / container) == tree_digest(src)


def test_kill_9_during_a_download_then_resume_fetches_only_the_missing_ranges(localazure, container, proxy, tmp_path):
    source = big_file(tmp_path / "src" / "down.bin", DOWN_MIB * MiB + 77)
    chunks_total = DOWN_MIB + 1
    localazure.shared_key_service().get_blob_client(container, "down.bin").upload_blob(open(source, "rb"), max_concurrency=4)
    url = sas_url(proxy.url + account_path(localazure.blob_url), container, "down.bin")
    out = tmp_path / "out"
    out.mkdir()
    child = start_copy_process(tmp_path, {"source": url, "destination": str(out), "block_size_mb": 1, "cap_mbps": 120}, concurrency=4)
    job_id = wait_for_plan(tmp_path / "plans", "chunks", 12, child)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    proxy.wait_idle()
    assert not (out / "down.bin").exists()  # never a partial file under the final name
    assert [p.name for p in out.iterdir()] == [f".azDownload-{job_id[:8]}-down.bin"]
    done_at_kill = {row[0] for row in plan_query(tmp_path / "plans", job_id, "SELECT idx FROM chunks")}
    proxy.reset()
    summary = resume_job(job_id, engine_settings(tmp_path, concurrency=4), source_sas=container_sas(container))
    assert summary.status == "Completed", summary.failed_transfers
    ranges = {r.range for r in proxy.matching("GET") if r.range}
    starts = {int(r.split("=")[1].split("-")[0]) // MiB for r in ranges}
    assert starts.isdisjoint(done_at_kill) and len(starts) == chunks_total - len(done_at_kill)
    assert sha256_of_file(out / "down.bin") == sha256_of_file(source)
    assert [p.name for p in out.iterdir()] == ["down.bin"]


def test_ctrl_c_saves_the_plan_and_resume_finishes(localazure, container, tmp_path):
    files = {f"f{i:03d}.bin": os.urandom(64 * 1024) for i in range(60)}
    src = write_tree(tmp_path / "src", files)
    url = sas_url(localazure.blob_url, container)
    child = start_copy_process(tmp_path, {"source": str(src), "destination": url, "recursive": True, "cap_mbps": 2}, concurrency=2)  # ~16 s in all (resume keeps the cap): Ctrl-C comes long before the end
    job_id = wait_for_plan(tmp_path / "plans", "transfers WHERE status = 2", 5, child)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert b"Cancelled" in out, (out, err)
    status = plan_query(tmp_path / "plans", job_id, "SELECT value FROM meta WHERE key = 'status'")[0][0]
    assert status == '"Cancelled"'
    summary = resume_job(job_id, engine_settings(tmp_path), destination_sas=container_sas(container))
    assert summary.status == "Completed" and summary.completed == 60


def test_a_file_that_changes_during_upload_is_not_committed(localazure, container, tmp_path):
    import threading

    from pyazcopy.engine.events import JobProgress

    source = big_file(tmp_path / "src" / "changing.bin", 16 * MiB)
    url = sas_url(localazure.blob_url, container)
    changed = []

    def touch(event) -> None:
        if not changed:
            changed.append(True)
            threading.Thread(target=lambda: open(source, "ab").write(b"more")).start()

    summary = run_copy(CopyOptions(str(source), url, block_size_mb=1, cap_mbps=40), engine_settings(tmp_path, concurrency=2,
                                                                                                   progress_interval=0.05),
                       subscribers=[lambda e: touch(e) if isinstance(e, JobProgress) else None])
    assert summary.failed == 1 and ("modified" in summary.failed_transfers[0].error or "changed" in summary.failed_transfers[0].error)
    assert not localazure.shared_key_service().get_blob_client(container, "changing.bin").exists()


def test_the_command_takes_ctrl_c_even_when_started_with_sigint_ignored(localazure, container, tmp_path):
    """A shell without job control starts background commands with SIGINT ignored; `pyazcopy copy` takes it back
    (as AzCopy does), so SIGINT still cancels cleanly with the plan saved."""
    import subprocess
    import sys

    files = {f"f{i:03d}.bin": os.urandom(64 * 1024) for i in range(40)}
    src = write_tree(tmp_path / "src", files)
    env = {**os.environ, "AZCOPY_JOB_PLAN_LOCATION": str(tmp_path / "plans"), "AZCOPY_LOG_LOCATION": str(tmp_path / "logs"),
           "AZCOPY_CONCURRENCY_VALUE": "2", "HOME": str(tmp_path)}
    child = subprocess.Popen([sys.executable, "-m", "pyazcopy", "copy", str(src), sas_url(localazure.blob_url, container), "--recursive",
                              "--cap-mbps", "2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    wait_for_plan(tmp_path / "plans", "transfers WHERE status = 2", 3, child)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode != 0 and b"Final Job Status: Cancelled" in out, (out, err)
