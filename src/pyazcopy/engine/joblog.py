"""The per-job log under ``AZCOPY_LOG_LOCATION``: one line per event worth keeping, secrets redacted."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from pyazcopy.engine.events import (
    DryRunItem, Event, JobFinished, JobProgress, JobStarted, Retrying, TransferFinished, Warning_,
)

_SECRETS = (
    (re.compile(r"(?i)(sig=)[^&\s\"']+"), r"\1REDACTED"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_.~+/=]+"), r"\1REDACTED"),
    (re.compile(r"(?i)(x-ms-copy-source-authorization|authorization)(:\s*)\S+"), r"\1\2REDACTED"),
)


def redact(text: str) -> str:
    """Take SAS signatures and tokens out of a line."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JobLog:
    """A subscriber that appends to ``<log_dir>/<job_id>.log``."""

    def __init__(self, log_dir: Path, job_id: str) -> None:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        self.path = Path(log_dir) / f"{job_id}.log"
        self._file = open(self.path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, level: str, message: str) -> None:
        stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
        with self._lock:
            self._file.write(f"{stamp} {level}: {redact(message)}\n")
            self._file.flush()

    def __call__(self, event: Event) -> None:
        if isinstance(event, TransferFinished):
            if event.status == "Failed":
                self.write("ERROR", f"transfer failed: {event.source} -> {event.destination}: {event.error}")
            elif event.status == "Skipped":
                self.write("INFO", f"skipped: {event.source} -> {event.destination}: {event.error}")
        elif isinstance(event, Retrying):
            self.write("WARN", f"retry {event.attempt} for {event.target}: {event.reason}")
        elif isinstance(event, Warning_):
            self.write("WARN", event.message)
        elif isinstance(event, JobStarted):
            self.write("INFO", f"job {event.job_id} {'resumed' if event.resumed else 'started'}; plan {event.plan_path}")
        elif isinstance(event, JobFinished):
            s = event.summary
            self.write("INFO", f"job {s.job_id} finished: {s.status}; {s.completed} completed, {s.failed} failed, "
                               f"{s.skipped} skipped of {s.total_transfers}; {s.bytes_transferred} bytes" + (f"; {s.error}" if s.error else ""))
        elif isinstance(event, (JobProgress, DryRunItem)):
            return

    def close(self) -> None:
        with self._lock:
            self._file.close()
