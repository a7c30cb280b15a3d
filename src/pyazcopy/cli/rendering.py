"""Rendering a job: engine events as AzCopy's text or JSON lines (``CopyRenderer``), the job summary's JSON body
(``summary_content``, also `jobs show`'s), and what to do after a job that did not complete."""

from __future__ import annotations

import json
import time
from typing import Any

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output
from pyazcopy.engine.events import (
    ConcurrencyChanged, DryRunItem, JobFinished, JobProgress, JobStarted, JobSummary, ScanningStarted, TransferFinished, Warning_,
)


def summary_content(job_id: str, status: str, total: int, completed: int, failed: int, skipped: int, transferred: int,
                     expected: int, over_wire: int, percent: float, active: int = 0, failed_list=(), complete_ordered: bool = True,
                     error: str = "", not_started: int | None = None) -> str:
    body = {
        "ErrorMsg": error, "JobID": job_id, "ActiveConnections": str(active), "CompleteJobOrdered": complete_ordered, "JobStatus": status,
        "TotalTransfers": str(total), "FileTransfers": str(total), "FolderPropertyTransfers": "0", "SymlinkTransfers": "0",
        "TransfersCompleted": str(completed), "TransfersFailed": str(failed), "TransfersSkipped": str(skipped),
        # not in AzCopy: what a stopped job has not done yet, so the four counts add up to TotalTransfers
        "TransfersNotStarted": str(total - completed - failed - skipped if not_started is None else not_started),
        "BytesOverWire": str(over_wire), "TotalBytesTransferred": str(transferred), "TotalBytesEnumerated": str(expected),
        "TotalBytesExpected": str(expected), "PercentComplete": f"{percent:.4f}", "AverageIOPS": "0", "AverageE2EMilliseconds": "0",
        "ServerBusyPercentage": "0", "NetworkErrorPercentage": "0",
        "FailedTransfers": [{"Src": f.source, "Dst": f.destination, "IsFolderProperties": False, "TransferStatus": "Failed",
                             "TransferSize": 0, "ErrorCode": "0", "ErrorMessage": f.error} for f in failed_list],
        "SkippedTransfers": [], "PerfConstraint": 0, "PerformanceAdvice": [], "IsCleanupJob": False,
    }
    return json.dumps(body, separators=(",", ":"))


class CopyRenderer:
    """Engine events -> AzCopy's output (text, or JSON lines with --output-type json).

    ``essential`` leaves out progress and info lines (the job's start and the summary stay); ``quiet`` prints nothing, not even the summary (AzCopy's
    output levels; the exit code tells the outcome), except each failed transfer's ERROR line: failures are never
    silent here."""

    def __init__(self, output: Output, environment: Environment, level: str = "default") -> None:
        self.output, self.environment, self.level = output, environment, level.lower()
        self.tty = hasattr(environment.stdout, "isatty") and environment.stdout.isatty()
        self._last_bytes, self._last_time = 0, time.monotonic()
        self._progress_open = False
        self.failures_shown = 0
        self._live = None  # a rich progress display while a job runs on a terminal

    def _text(self, line: str, end: str = "\n") -> None:
        if self._live is not None:
            self._live[0].console.print(line, markup=False, highlight=False, end=end)
            return
        if self._progress_open and end == "\n":
            self.environment.stdout.write("\n")
            self._progress_open = False
        self.environment.stdout.write(line + end)
        self.environment.stdout.flush()

    def __call__(self, event: Any) -> None:
        out = self.output
        if self.level == "quiet" and not (isinstance(event, TransferFinished) and event.status == "Failed"):
            return
        if isinstance(event, ScanningStarted):
            if self.level == "default":  # an info line: essential leaves those out
                out.info("Scanning...")
        elif isinstance(event, JobStarted):
            if out.json:
                out.message("Init", json.dumps({"LogFileLocation": event.log_path, "JobID": event.job_id, "IsCleanupJob": False}, separators=(",", ":")))
            else:
                self._text(f"\nJob {event.job_id} has {'resumed' if event.resumed else 'started'}\nLog file is located at: {event.log_path}\n")
        elif isinstance(event, JobProgress):
            self._progress(event)
        elif isinstance(event, DryRunItem):
            if out.json:
                out.message("Dryrun", json.dumps({"EntityType": "File", "BlobType": event.blob_type, "FromTo": event.from_to,
                                                  "Source": event.source, "Destination": event.destination}, separators=(",", ":")))
            else:
                self._text(f"DRYRUN: {event.operation} {event.source} to {event.destination}")
        elif isinstance(event, TransferFinished) and event.status == "Failed":
            if not out.json and self.failures_shown < 20:
                self.failures_shown += 1
                self._text(f"ERROR: {event.source} -> {event.destination}: {event.error}")
        elif isinstance(event, ConcurrencyChanged):
            if self.level == "default":  # AzCopy prints these as INFO lines
                if out.json:
                    out.message("Info", event.message)
                else:
                    self._text(f"INFO: {event.message}")
        elif isinstance(event, Warning_):
            if self.level == "default":
                if out.json:
                    out.message("Warning", event.message)
                else:
                    self._text(f"WARN: {event.message}")
        elif isinstance(event, JobFinished):
            self._finished(event.summary)

    def _throughput(self, transferred: int) -> float:
        now = time.monotonic()
        elapsed = max(now - self._last_time, 1e-6)
        mbps = (transferred - self._last_bytes) * 8 / 1_000_000 / elapsed
        self._last_bytes, self._last_time = transferred, now
        return mbps

    def _progress(self, p: JobProgress) -> None:
        if self.output.json:
            self.output.message("Progress", summary_content(p.job_id, p.status, p.total_transfers, p.completed, p.failed, p.skipped,
                                                             p.bytes_transferred, p.bytes_expected, p.bytes_over_wire, p.percent_complete,
                                                             p.active_connections))
            return
        if self.level != "default":
            return
        line = (f"{p.percent_complete:.1f} %, {p.completed} Done, {p.failed} Failed, {p.pending} Pending, {p.skipped} Skipped, "
                f"{p.total_transfers} Total, 2-sec Throughput (Mb/s): {self._throughput(p.bytes_over_wire):.4f}")
        if self.tty and self._rich(p, line):
            return
        if self.tty:
            self.environment.stdout.write("\r" + line)
            self.environment.stdout.flush()
            self._progress_open = True
        else:
            self._text(line)

    def _rich(self, p: JobProgress, line: str) -> bool:
        """A live bar (bytes) with AzCopy's counters beside it; False when rich is not installed."""
        try:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
        except ImportError:
            return False
        if self._live is None:
            console = Console(file=self.environment.stdout, force_terminal=True)
            progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                                console=console, transient=False)
            task = progress.add_task("", total=max(p.bytes_expected, 1))
            progress.start()
            self._live = (progress, task)
        progress, task = self._live
        progress.update(task, completed=p.bytes_transferred, total=max(p.bytes_expected, 1),
                        description=f"{p.completed} Done, {p.failed} Failed, {p.pending} Pending, {p.skipped} Skipped, {p.total_transfers} Total")
        return True

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live[0].stop()
            self._live = None

    def _finished(self, s: JobSummary) -> None:
        self._stop_live()
        if s.dry_run:
            if self.output.json:
                self.output.message("EndOfJob", "")
            return
        if self.output.json:
            self.output.message("EndOfJob", summary_content(s.job_id, s.status, s.total_transfers, s.completed, s.failed, s.skipped,
                                                             s.bytes_transferred, s.bytes_expected, s.bytes_over_wire, 100.0 if s.succeeded else 0.0,
                                                             failed_list=s.failed_transfers[:100], error=s.error, not_started=s.not_started))
            return
        lines = [
            f"\nJob {s.job_id} summary",
            f"Elapsed Time (Minutes): {s.elapsed_seconds / 60:.4f}",
            f"Number of File Transfers: {s.total_transfers}",
            "Number of Folder Property Transfers: 0",
            "Number of Symlink Transfers: 0",
            f"Total Number of Transfers: {s.total_transfers}",
            f"Number of File Transfers Completed: {s.completed}",
            "Number of Folder Transfers Completed: 0",
            f"Number of File Transfers Failed: {s.failed}",
            "Number of Folder Transfers Failed: 0",
            f"Number of File Transfers Skipped: {s.skipped}",
            "Number of Folder Transfers Skipped: 0",
            *([f"Number of File Transfers Not Started: {s.not_started}"] if s.not_started else []),  # not in AzCopy: a stopped job's rest
            f"Total Number of Bytes Transferred: {s.bytes_transferred}",
            f"Final Job Status: {s.status}",
        ]
        if s.error:
            lines.append(f"\nThe job stopped: {s.error}")
        if s.status not in ("Completed", "CompletedWithSkipped"):
            lines.append("\n" + next_step(s))
        self._text("\n".join(lines))


def next_step(s: JobSummary) -> str:
    """What to do after a job that did not complete: `jobs resume` only where resuming can help (Ctrl-C, network
    errors, an expired SAS or sign-in); otherwise the failures' own messages say what helps (the role, the name, the
    flag, the file's mode) and resuming unchanged would fail the same way."""
    where = f"See the log {s.log_path} for every failure" if s.log_path else "`pyazcopy jobs show " + s.job_id + " --with-status=Failed` lists the failures"
    if s.resume_helps:
        return (f"{where}; `pyazcopy jobs resume {s.job_id}` retries what did not complete"
                " (add --source-sas/--destination-sas when the URLs had a SAS).")
    return (f"{where}. Each failure above says what to change; resuming without that change would fail the same way, "
            "so fix it first, then run the copy again.")
