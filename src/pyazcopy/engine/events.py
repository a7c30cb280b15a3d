"""What the engine tells its subscribers (the CLI renders them; the engine never prints)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class JobProgress:
    """A snapshot of a job's counters (AzCopy's ListJobSummaryResponse, in Python types)."""

    job_id: str
    status: str  # InProgress | Completed | CompletedWithErrors | CompletedWithSkipped | CompletedWithErrorsAndSkipped | Failed | Cancelled
    total_transfers: int
    completed: int
    failed: int
    skipped: int
    bytes_transferred: int  # bytes of the job moved so far (finished chunks and the bytes of chunks on their way)
    bytes_expected: int
    bytes_over_wire: int  # bytes sent or received by this run
    elapsed_seconds: float
    active_connections: int = 0

    @property
    def pending(self) -> int:
        return max(0, self.total_transfers - self.completed - self.failed - self.skipped)

    @property
    def percent_complete(self) -> float:
        """By bytes, as AzCopy counts it (jobsAdmin: TotalBytesTransferred / TotalBytesExpected, with the bytes of files
        still moving); a job of empty files only counts its files."""
        if self.bytes_expected > 0:
            return min(100.0, 100.0 * self.bytes_transferred / self.bytes_expected)
        if not self.total_transfers:
            return 100.0
        return 100.0 * (self.completed + self.failed + self.skipped) / self.total_transfers


@dataclass(frozen=True)
class FailedTransfer:
    source: str
    destination: str
    error: str
    status: str = "Failed"


@dataclass(frozen=True)
class JobSummary:
    """The result of a copy or resume: what `copy` prints at the end and what ``pyazcopy.copy`` returns."""

    job_id: str
    status: str
    total_transfers: int
    completed: int
    failed: int
    skipped: int
    bytes_transferred: int
    bytes_expected: int
    bytes_over_wire: int
    elapsed_seconds: float
    plan_path: str = ""
    log_path: str = ""
    failed_transfers: tuple[FailedTransfer, ...] = ()
    skipped_transfers: tuple[FailedTransfer, ...] = ()
    dry_run: bool = False
    error: str = ""  # why the job stopped early (a missing role, an expired SAS, Ctrl-C)
    concurrency: int = 0  # the connections used at the end (AZCOPY_CONCURRENCY_VALUE=AUTO: the tuned value)
    concurrency_reason: str = ""  # AUTO only: the tuner's last state, e.g. "at optimum"
    resume_helps: bool = False  # `jobs resume` can finish it (interrupted, network errors, an expired SAS or sign-in)
    not_started: int = 0  # transfers that did not end (a stopped job): completed + failed + skipped + not_started = total

    @property
    def succeeded(self) -> bool:
        return self.status in ("Completed", "CompletedWithSkipped")


@dataclass(frozen=True)
class JobStarted:
    job_id: str
    plan_path: str
    log_path: str
    resumed: bool = False


@dataclass(frozen=True)
class ScanningStarted:
    source: str


@dataclass(frozen=True)
class TransferFinished:
    source: str
    destination: str
    size: int
    status: str  # Success | Failed | Skipped
    error: str = ""


@dataclass(frozen=True)
class DryRunItem:
    operation: str  # copy
    source: str
    destination: str
    size: int
    from_to: str
    blob_type: str = ""


@dataclass(frozen=True)
class Retrying:
    target: str
    attempt: int
    reason: str


@dataclass(frozen=True)
class Warning_:
    message: str


@dataclass(frozen=True)
class ConcurrencyChanged:
    """AZCOPY_CONCURRENCY_VALUE=AUTO: the tuner moved to ``concurrency`` connections for ``reason``."""

    concurrency: int
    reason: str

    @property
    def message(self) -> str:  # AzCopy's wording
        return f"Trying {self.concurrency} concurrent connections ({self.reason})"


@dataclass(frozen=True)
class JobFinished:
    summary: JobSummary


Event = Union[JobStarted, ScanningStarted, JobProgress, TransferFinished, DryRunItem, Retrying, Warning_, ConcurrencyChanged, JobFinished]
Subscriber = Callable[[Event], None]


@dataclass
class EventBus:
    """Delivers events to subscribers, one at a time (worker threads emit concurrently)."""

    subscribers: list[Subscriber] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def emit(self, event: Event) -> None:
        with self._lock:
            for subscriber in self.subscribers:
                subscriber(event)
