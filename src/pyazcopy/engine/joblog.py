"""The per-job log under ``AZCOPY_LOG_LOCATION``: one line per event worth keeping at the chosen ``--log-level``,
secrets redacted.

Levels are AzCopy's (``NONE, PANIC, FATAL, ERROR, WARNING, INFO, DEBUG``, case-insensitive, or their numbers 0-6);
a line is written when its level is at or above the threshold's severity. Lines carry AzCopy's tags (``ERR``,
``WARN``, ``INFO``, ``DBG``). With ``NONE`` no log file is created at all, as AzCopy does.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path

from pyazcopy.engine.events import (
    ConcurrencyChanged, DryRunItem, Event, JobFinished, JobProgress, JobStarted, Retrying, TransferFinished, Warning_,
)
from pyazcopy.errors import UsageError

_SECRETS = (
    (re.compile(r"(?i)(sig=)[^&\s\"']+"), r"\1REDACTED"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_.~+/=]+"), r"\1REDACTED"),
    (re.compile(r"(?i)(x-ms-copy-source-authorization|authorization)(:\s*)\S+"), r"\1\2REDACTED"),
)

# AzCopy's LogLevel (pipeline.LogLevel numbers): a higher number logs more
LOG_LEVELS = {"NONE": 0, "PANIC": 1, "FATAL": 2, "ERROR": 3, "WARNING": 4, "INFO": 5, "DEBUG": 6}
TAGS = {"PANIC": 1, "FATAL": 2, "ERR": 3, "WARN": 4, "INFO": 5, "DBG": 6}


def _version() -> str:
    from pyazcopy.version import __version__  # noqa: PLC0415 - not importlib.metadata (about 18 ms of a copy's start-up)

    return __version__


def redact(text: str) -> str:
    """Take SAS signatures and tokens out of a line."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def parse_log_level(value: str) -> str:
    """``--log-level`` -> its canonical name; a :class:`UsageError` naming the valid values otherwise."""
    text = (value or "").strip()
    for name, number in LOG_LEVELS.items():
        if text.upper() == name or text == str(number):
            return name
    raise UsageError(f"invalid --log-level value {value!r}; valid values are {', '.join(LOG_LEVELS)} (case-insensitive; default INFO)")


class JobLog:
    """A subscriber that appends to ``<log_dir>/<job_id>.log`` the lines at or above ``level``."""

    def __init__(self, log_dir: Path, job_id: str, level: str = "INFO") -> None:
        self.level = parse_log_level(level)
        self.threshold = LOG_LEVELS[self.level]
        self.path = Path(log_dir) / f"{job_id}.log"
        self._file = None
        self._lock = threading.Lock()
        self._stamp_second, self._stamp_text = -1, ""
        if self.threshold > 0:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")
            stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime())
            self._file.write(f"{stamp} pyazcopy version {_version()}\n{stamp} OS-Environment {sys.platform}\n"
                             f"{stamp} Log times are in UTC. Log level: {self.level}\n")
            self._file.flush()

    def enabled(self, tag: str) -> bool:
        return self._file is not None and TAGS[tag] <= self.threshold

    def write(self, tag: str, message: str) -> None:
        if not self.enabled(tag):
            return
        line = f"{self._stamp()} {tag}: {redact(message)}\n"
        with self._lock:
            if self._file is not None:
                self._file.write(line)
                if tag in ("ERR", "WARN", "PANIC", "FATAL"):  # problems reach the disk at once; the rest in 8 KiB writes
                    self._file.flush()

    def _stamp(self) -> str:
        now = int(time.time())
        if now != self._stamp_second:
            self._stamp_second, self._stamp_text = now, time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now))
        return self._stamp_text

    def __call__(self, event: Event) -> None:
        if isinstance(event, TransferFinished):
            if event.status == "Failed":
                self.write("ERR", f"transfer failed: {event.source} -> {event.destination}: {event.error}")
            elif event.status == "Skipped":
                self.write("INFO", f"skipped: {event.source} -> {event.destination}: {event.error}")
            else:
                self.write("INFO", f"transfer succeeded: {event.source} -> {event.destination} ({event.size} bytes)")
        elif isinstance(event, Retrying):
            self.write("WARN", f"retry {event.attempt} for {event.target}: {event.reason}")
        elif isinstance(event, Warning_):
            self.write("WARN", event.message)
        elif isinstance(event, ConcurrencyChanged):
            self.write("INFO", event.message)
        elif isinstance(event, JobStarted):
            self.write("INFO", f"job {event.job_id} {'resumed' if event.resumed else 'started'}; plan {event.plan_path}")
        elif isinstance(event, JobFinished):
            s = event.summary
            self.write("INFO", f"job {s.job_id} finished: {s.status}; {s.completed} completed, {s.failed} failed, "
                               f"{s.skipped} skipped of {s.total_transfers}; {s.bytes_transferred} bytes" + (f"; {s.error}" if s.error else ""))
        elif isinstance(event, JobProgress):
            self.write("DBG", f"progress: {event.completed} done, {event.failed} failed, {event.skipped} skipped of "
                              f"{event.total_transfers}; {event.bytes_transferred} of {event.bytes_expected} bytes; "
                              f"{event.active_connections} active connections")
        elif isinstance(event, DryRunItem):
            return

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
