"""`--log-level` filters the per-job log (NONE: no log file; an unknown level is a usage error), SAS signatures stay
out of it even at DEBUG; AZCOPY_CONCURRENCY_VALUE=AUTO tunes the connections while a copy runs and reports them."""

from __future__ import annotations

import os
import re
from pathlib import Path

from copy_support import sas_url, write_tree
from test_copy_cli import env_for, run


def _logs(home: Path) -> list[Path]:
    return sorted((home / "logs").glob("*.log"))


def test_log_level_error_debug_and_none(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"a.txt": b"alpha", "b.txt": b"bravo"})
    destination = sas_url(localazure.blob_url, container)
    signature = re.search(r"sig=([^&]+)", destination).group(1)
    texts = {}
    for level in ("ERROR", "debug", "NONE"):
        home = tmp_path / level
        result = run(["copy", str(src), destination, "--recursive", f"--log-level={level}"], env_for(localazure, home))
        assert result.code == 0, result.out
        logs = _logs(home)
        texts[level.upper()] = logs[0].read_text() if logs else None
    assert texts["NONE"] is None  # AzCopy writes no log file at NONE
    error = texts["ERROR"]
    assert "Log level: ERROR" in error and not re.search(r" (INFO|WARN|DBG): ", error)  # a clean job: nothing at ERROR
    debug = texts["DEBUG"]
    for tag in ("INFO: job ", "INFO: transfer succeeded: ", "DBG: starting job "):
        assert tag in debug, debug
    assert "sig=REDACTED" in debug and signature not in debug and "sig=" + signature[:6] not in debug


def test_log_level_error_keeps_the_failures(localazure, container, tmp_path):
    from datetime import datetime, timedelta, timezone

    src = write_tree(tmp_path / "src", {"a.txt": b"alpha"})
    expired = sas_url(localazure.blob_url, container, expiry=datetime.now(timezone.utc) - timedelta(minutes=5))
    home = tmp_path / "home"
    result = run(["copy", str(src), expired, "--recursive", "--log-level=Error"], env_for(localazure, home))
    assert result.code == 1
    text = _logs(home)[0].read_text()
    assert " ERR: transfer failed: " in text and " INFO: " not in text
    assert all(part.startswith("REDACTED") for part in text.split("sig=")[1:])


def test_an_unknown_log_level_is_a_usage_error(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"a.txt": b"alpha"})
    home = tmp_path / "home"
    result = run(["copy", str(src), sas_url(localazure.blob_url, container), "--log-level=verbose"], env_for(localazure, home))
    assert result.code == 1
    assert "invalid --log-level value 'verbose'" in result.out and "NONE, PANIC, FATAL, ERROR, WARNING, INFO, DEBUG" in result.out
    assert not (home / "plans").exists() or not list((home / "plans").iterdir())  # nothing ran
    assert run(["jobs", "list", "--log-level=loud"], env_for(localazure, home)).code == 1


def test_auto_concurrency_tunes_and_reports_the_value(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {f"f{i:03d}.bin": os.urandom(256 * 1024) for i in range(240)})
    home = tmp_path / "home"
    env = env_for(localazure, home, AZCOPY_CONCURRENCY_VALUE="AUTO", PYAZCOPY_TUNING_INTERVAL_SECONDS="0.3")
    result = run(["copy", str(src), sas_url(localazure.blob_url, container), "--recursive", "--cap-mbps=120"], env)
    assert result.code == 0, result.out
    assert "Final Job Status: Completed" in result.out and "Number of File Transfers Completed: 240" in result.out
    tried = re.findall(r"INFO: Trying (\d+) concurrent connections \(([a-z ,]+)\)", result.out)
    assert tried[0] == ("4", "initial starting point"), result.out
    assert len(tried) >= 2 and tried[1][1] in ("seeking optimum", "hit max concurrency limit")
    log = _logs(home)[0].read_text()
    assert "Trying 4 concurrent connections (initial starting point)" in log
    names = [b.name for b in localazure.shared_key_service().get_container_client(container).list_blobs()]
    assert len(names) == 240


def test_auto_concurrency_through_the_api_reports_the_tuned_value(localazure, container, tmp_path):
    from copy_support import engine_settings

    from pyazcopy.engine.events import ConcurrencyChanged
    from pyazcopy.engine.job import run_copy
    from pyazcopy.engine.options import CopyOptions

    src = write_tree(tmp_path / "src", {f"f{i:03d}.bin": os.urandom(128 * 1024) for i in range(200)})
    seen = []
    settings = engine_settings(tmp_path, concurrency=64, auto_concurrency=True, tuning_interval=0.2)
    summary = run_copy(CopyOptions(str(src), sas_url(localazure.blob_url, container), recursive=True, cap_mbps=150), settings,
                       subscribers=[seen.append])
    assert summary.status == "Completed" and summary.completed == 200
    changes = [e for e in seen if isinstance(e, ConcurrencyChanged)]
    assert changes and changes[0].concurrency == 4
    assert summary.concurrency == changes[-1].concurrency and 1 <= summary.concurrency <= 64
    assert summary.concurrency_reason in ("at optimum", "hit max concurrency limit", "the job completed before tuning finished")


def test_bench_with_auto_prints_the_concurrency_it_chose(localazure, container, tmp_path):
    env = env_for(localazure, tmp_path / "home", AZCOPY_CONCURRENCY_VALUE="AUTO", PYAZCOPY_TUNING_INTERVAL_SECONDS="0.2")
    result = run(["bench", sas_url(localazure.blob_url, container), "--file-count=80", "--size-per-file=256K"], env)
    assert result.code == 0, result.out
    assert "INFO: Trying 4 concurrent connections (initial starting point)" in result.out
    chosen = re.search(r"Concurrency: (\d+) connections \(AZCOPY_CONCURRENCY_VALUE=AUTO: auto-tuned, ([a-z ]+)\)", result.out)
    assert chosen, result.out
    last_tried = re.findall(r"INFO: Trying (\d+) concurrent connections", result.out)[-1]
    assert chosen.group(1) == last_tried
