"""`copy` (alias `cp`): AzCopy's flags, output and exit codes (the `jobs` commands are in jobs_command.py).

Registered into the shared parser by :func:`add_copy_commands`; handlers turn flags into engine options, resolve the
credential through the api layer, render engine events as AzCopy's text or JSON lines, and return the exit code.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from typing import Any

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output
from pyazcopy.cli.parser import Parser
from pyazcopy.engine.events import (
    ConcurrencyChanged, DryRunItem, JobFinished, JobProgress, JobStarted, JobSummary, ScanningStarted, TransferFinished, Warning_,
)
from pyazcopy.engine.filters import FilterOptions
from pyazcopy.engine.joblog import redact
from pyazcopy.engine.options import CopyOptions, EngineSettings
from pyazcopy.errors import UsageError

BOOL_FLAGS = {  # name -> default (Cobra-style: --flag, --flag=true, --flag=false)
    "recursive": False, "as-subdir": True, "no-guess-mime-type": False, "put-md5": False, "check-length": True,
    "preserve-last-modified-time": False, "follow-symlinks": False, "dry-run": False,
}
TRUE, FALSE = ("true", "t", "1", "yes"), ("false", "f", "0", "no")


class CobraParser(Parser):
    """Accepts ``--flag=true|false`` for boolean flags, as AzCopy's Cobra flags do."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        rewritten = []
        for token in list(args or []):
            name, sep, value = token.partition("=")
            if sep and name.startswith("--") and name[2:] in BOOL_FLAGS:
                if value.lower() in TRUE:
                    token = name
                elif value.lower() in FALSE:
                    token = "--no-" + name[2:]
                else:
                    raise UsageError(f"invalid value {value!r} for {name}: use true or false")
            rewritten.append(token)
        return super().parse_known_args(rewritten, namespace)


def _bool(parser: argparse.ArgumentParser, name: str, help_text: str) -> None:
    dest = name.replace("-", "_")
    parser.add_argument(f"--{name}", dest=dest, action="store_true", default=BOOL_FLAGS[name], help=help_text)
    parser.add_argument(f"--no-{name}", dest=dest, action="store_false", help=argparse.SUPPRESS)


def add_copy_commands(commands, global_flags) -> None:
    """Add `copy`/`cp` and `jobs` to the shared sub-command table."""
    copy = commands.add_parser("copy", aliases=["cp"], help="Copies source data to a destination location.",
                               description="Copies source data to a destination location (local <-> Blob).")
    copy.__class__ = CobraParser
    global_flags(copy, True)
    copy.add_argument("source")
    copy.add_argument("destination")
    _bool(copy, "recursive", "Look into sub-directories recursively when uploading from local file system.")
    _bool(copy, "as-subdir", "True by default. Places folder sources as subdirectories under the destination.")
    copy.add_argument("--from-to", default="", help="Optionally specifies the source destination combination. For Example: LocalBlob, BlobLocal.")
    for flag, text in (
        ("include-pattern", "Include only these files when copying. Supports wildcard characters (*). Separate files by using a ';'."),
        ("exclude-pattern", "Exclude these files when copying. Supports wildcard characters (*)."),
        ("include-path", "Include only these paths when copying. Does not support wildcards. Checks relative path prefix."),
        ("exclude-path", "Exclude these paths when copying. Does not support wildcards. Checks relative path prefix."),
        ("include-regex", "Include only the relative path of the files that align with regular expressions. Separate with ';'."),
        ("exclude-regex", "Exclude all the relative path of the files that align with regular expressions. Separate with ';'."),
        ("include-before", "Include only those files modified before or on the given date/time, ISO8601 e.g. '2020-08-19T15:04:00Z'."),
        ("include-after", "Include only those files modified on or after the given date/time, ISO8601 e.g. '2020-08-19T15:04:00Z'."),
    ):
        copy.add_argument(f"--{flag}", default="", help=text)
    copy.add_argument("--overwrite", default="true", help="Overwrite the conflicting files and blobs at the destination if this flag is set to true. Possible values include 'true', 'false', 'prompt', and 'ifSourceNewer'.")
    copy.add_argument("--block-size-mb", type=float, default=0.0, help="Use this block size (specified in MiB) when uploading to Azure Storage and downloading from Azure Storage. The default value is automatically calculated based on file size. Decimal fractions are allowed (For example: 0.25).")
    copy.add_argument("--put-blob-size-mb", type=float, default=0.0, help="Use this size (specified in MiB) as a threshold to determine whether to upload a blob as a single PUT request when uploading to Azure Storage. The default value is automatically calculated based on file size.")
    copy.add_argument("--blob-type", default="Detect", help="Defines the type of blob at the destination: BlockBlob, PageBlob, AppendBlob or Detect (default).")
    copy.add_argument("--block-blob-tier", default="None", help="Upload block blob to Azure Storage using this blob tier: Hot, Cool, Cold, Archive (default 'None').")
    copy.add_argument("--metadata", default="", help="Upload to Azure Storage with these key-value pairs as metadata, e.g. 'key1=value1;key2=value2'.")
    for flag in ("content-type", "content-encoding", "content-language", "content-disposition", "cache-control"):
        copy.add_argument(f"--{flag}", default="", help=f"Set the {flag.replace('-', ' ')} header of the uploaded blobs.")
    _bool(copy, "no-guess-mime-type", "Prevents AzCopy from detecting the content-type based on the extension or content of the file.")
    _bool(copy, "put-md5", "Create an MD5 hash of each file, and save the hash as the Content-MD5 property of the destination blob.")
    copy.add_argument("--check-md5", default="FailIfDifferent", help="Specifies how strictly MD5 hashes should be validated when downloading: NoCheck, LogOnly, FailIfDifferent (default), FailIfDifferentOrMissing.")
    _bool(copy, "check-length", "Check the length of a file on the destination after the transfer (default true).")
    _bool(copy, "preserve-last-modified-time", "Only available when destination is file system. Preserve the last modified time of the blobs.")
    _bool(copy, "follow-symlinks", "Follow symbolic links when uploading from local file system.")
    _bool(copy, "dry-run", "Prints the file paths that would be copied by this command. This flag does not copy the actual files.")
    copy.add_argument("--cap-mbps", type=float, default=0.0, help="Caps the transfer rate, in megabits per second.")
    copy.add_argument("--output-level", default="default", help="Define the output verbosity. Available levels: essential, quiet.")

    from pyazcopy.cli.jobs_command import add_jobs_commands

    add_jobs_commands(commands, global_flags)


# --- rendering -------------------------------------------------------------------------------------------------
def _summary_content(job_id: str, status: str, total: int, completed: int, failed: int, skipped: int, transferred: int,
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


OUTPUT_LEVELS = ("default", "essential", "quiet")


def output_level(value: str, dry_run: bool = False, overwrite: str = "true") -> str:
    """``--output-level`` checked as AzCopy checks it: one of default/essential/quiet (any case); essential and quiet
    cannot answer an overwrite prompt nor show a dry run."""
    level = (value or "default").lower()
    if level not in OUTPUT_LEVELS:
        raise UsageError(f"invalid value {value!r} for --output-level: use default, essential or quiet")
    if level != "default" and overwrite.lower() == "prompt":
        raise UsageError(f"cannot set output level '{level}' with overwrite option 'prompt'")
    if level != "default" and dry_run:
        raise UsageError(f"cannot set output level '{level}' with dry-run mode")
    return level


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
            self.output.message("Progress", _summary_content(p.job_id, p.status, p.total_transfers, p.completed, p.failed, p.skipped,
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
            self.output.message("EndOfJob", _summary_content(s.job_id, s.status, s.total_transfers, s.completed, s.failed, s.skipped,
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


# --- handlers --------------------------------------------------------------------------------------------------
def engine_settings(environment: Environment, log_level: str = "INFO") -> EngineSettings:
    settings = EngineSettings.from_environment(environment.env, environment.home_dir)
    from dataclasses import replace

    return replace(settings, log_level=log_level)


def copy_options(args) -> CopyOptions:
    filters = FilterOptions(
        include_pattern=args.include_pattern, exclude_pattern=args.exclude_pattern, include_path=args.include_path,
        exclude_path=args.exclude_path, include_regex=args.include_regex, exclude_regex=args.exclude_regex,
        include_before=args.include_before, include_after=args.include_after,
    )
    return CopyOptions(
        source=args.source, destination=args.destination, recursive=args.recursive, as_subdir=args.as_subdir, from_to=args.from_to,
        filters=filters, overwrite=args.overwrite, block_size_mb=args.block_size_mb, put_blob_size_mb=args.put_blob_size_mb,
        blob_type=args.blob_type, block_blob_tier="" if args.block_blob_tier.lower() == "none" else args.block_blob_tier,
        metadata=args.metadata, content_type=args.content_type, content_encoding=args.content_encoding,
        content_language=args.content_language, content_disposition=args.content_disposition, cache_control=args.cache_control,
        no_guess_mime_type=args.no_guess_mime_type, put_md5=args.put_md5, check_md5=args.check_md5, check_length=args.check_length,
        preserve_last_modified_time=args.preserve_last_modified_time, follow_symlinks=args.follow_symlinks, dry_run=args.dry_run,
        cap_mbps=args.cap_mbps,
    )


def _prompt(output: Output, environment: Environment):
    def ask(path: str) -> str:
        if output.json:
            output.message("Prompt", json.dumps({"PromptType": "Overwrite", "PromptTarget": path,
                                                 "ResponseOptions": ["Yes", "No", "Yes for all", "No for all"]}))
        else:
            environment.stdout.write(f"\n{path} already exists. Do you want to overwrite it? [Y] Yes  [N] No  [A] Yes for all  [L] No for all: ")
            environment.stdout.flush()
        answer = (environment.stdin.readline() or "n").strip().lower()
        return {"y": "yes", "yes": "yes", "a": "all", "l": "none"}.get(answer, "no")

    return ask


def command_line(argv: list[str]) -> str:
    """The command as kept in the plan and shown by `jobs list`: URLs without their query (SAS) part."""
    return redact(" ".join(re.sub(r"^(https?://[^?\s]+)\?.*$", r"\1?<SAS redacted>", arg) for arg in argv))


def copy_command(args, settings, output: Output, environment: Environment) -> int:
    from pyazcopy import api

    options = copy_options(args)
    renderer = CopyRenderer(output, environment, output_level(args.output_level, args.dry_run, args.overwrite))
    summary = api.copy_with(options, settings, engine_settings(environment, args.log_level), subscribers=[renderer],
                            prompt=_prompt(output, environment), device_prompt=_device_prompt(output),
                            command=command_line(["copy", args.source, args.destination]))
    return 0 if summary.succeeded else 1


def _device_prompt(output: Output):
    from pyazcopy.cli.commands import device_prompt

    return device_prompt(output)
