"""AzCopy's copy output from engine events: progress lines, the summary, JSON lines, a live display on a terminal."""

from __future__ import annotations

import io
import json

from pyazcopy.cli.copy_command import CopyRenderer, command_line
from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output
from pyazcopy.engine.events import DryRunItem, FailedTransfer, JobFinished, JobProgress, JobStarted, JobSummary, TransferFinished
from pyazcopy.model import OutputFormat

PROGRESS = JobProgress("job-1", "InProgress", 10, 4, 1, 2, 400, 1000, 500, 3.0, 5)
SUMMARY = JobSummary("job-1", "CompletedWithErrors", 10, 8, 1, 1, 900, 1000, 950, 90.0, "plan", "log",
                     (FailedTransfer("s", "d", "boom"),))


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def render(events, output_format=OutputFormat.TEXT, stream=None):
    stream = stream or io.StringIO()
    environment = Environment(stdout=stream, env={}, clock=lambda: 0.0)
    renderer = CopyRenderer(Output(environment, output_format), environment)
    for event in events:
        renderer(event)
    return stream.getvalue()


def test_text_progress_and_summary():
    text = render([JobStarted("job-1", "plan", "/logs/job-1.log"), PROGRESS, JobFinished(SUMMARY)])
    assert "Job job-1 has started\nLog file is located at: /logs/job-1.log" in text
    # the percentage counts bytes, as AzCopy's does (400 of 1000 bytes), not finished files
    assert "40.0 %, 4 Done, 1 Failed, 3 Pending, 2 Skipped, 10 Total, 2-sec Throughput (Mb/s): " in text
    for line in ("Job job-1 summary", "Total Number of Transfers: 10", "Number of File Transfers Completed: 8",
                 "Number of File Transfers Failed: 1", "Number of File Transfers Skipped: 1", "Total Number of Bytes Transferred: 900",
                 "Final Job Status: CompletedWithErrors"):
        assert line in text
    assert "jobs resume" not in text and "fix it first, then run the copy again" in text  # resuming would fail the same way


def test_jobs_resume_is_suggested_only_where_it_can_help():
    from dataclasses import replace

    resumable = render([JobFinished(replace(SUMMARY, resume_helps=True))])
    assert "`pyazcopy jobs resume job-1` retries what did not complete" in resumable
    stopped = render([JobFinished(replace(SUMMARY, status="Failed", error="no role lets bob@contoso.test write (upload) blobs"))])
    assert "The job stopped: no role lets bob@contoso.test write (upload) blobs" in stopped and "jobs resume" not in stopped


def test_progress_of_empty_files_counts_files():
    empty = JobProgress("job-1", "InProgress", 4, 1, 0, 0, 0, 0, 0, 1.0)
    assert empty.percent_complete == 25.0
    assert JobProgress("job-1", "InProgress", 1, 0, 0, 0, 50, 200, 50, 1.0).percent_complete == 25.0


def test_json_lines_use_azcopy_envelopes_and_string_numbers():
    lines = [json.loads(line) for line in render([JobStarted("job-1", "plan", "log"), PROGRESS, JobFinished(SUMMARY)],
                                                 OutputFormat.JSON).splitlines()]
    assert [m["MessageType"] for m in lines] == ["Init", "Progress", "EndOfJob"]
    progress = json.loads(lines[1]["MessageContent"])
    assert progress["TransfersCompleted"] == "4" and progress["TotalBytesTransferred"] == "400" and progress["ActiveConnections"] == "5"
    end = json.loads(lines[2]["MessageContent"])
    assert end["JobStatus"] == "CompletedWithErrors" and end["FailedTransfers"][0]["ErrorMessage"] == "boom"


def test_dry_run_lines_and_failures():
    text = render([DryRunItem("copy", "/a", "https://h/c/a", 1, "LocalBlob"), TransferFinished("/b", "https://h/c/b", 1, "Failed", "no")])
    assert "DRYRUN: copy /a to https://h/c/a" in text and "ERROR: /b -> https://h/c/b: no" in text


def test_a_terminal_gets_a_live_display_that_ends_before_the_summary():
    text = render([JobStarted("job-1", "plan", "log"), PROGRESS, PROGRESS, JobFinished(SUMMARY)], stream=Tty())
    assert "4 Done, 1 Failed, 3 Pending, 2 Skipped, 10 Total" in text
    assert text.rindex("\x1b[?25h") < text.index("Final Job Status: CompletedWithErrors")  # the display stopped first


def test_the_saved_command_line_has_no_sas():
    line = command_line(["copy", "/src", "https://a.blob.core.windows.net/c?sv=1&sig=SECRET", "--recursive"])
    assert "SECRET" not in line and "sv=1" not in line and line.endswith("?<SAS redacted> --recursive")
