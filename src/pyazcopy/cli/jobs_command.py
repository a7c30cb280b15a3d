"""`jobs list|show|resume|remove|clean`: AzCopy's wording (cmd/jobsList.go, cmd/jobsShow.go), JSON shapes and exit codes.

- ``jobs list [--with-status=All|InProgress|Completed|...]``: "Existing Jobs " then, per job, ``JobId:``,
  ``Start Time:`` (Go's RFC 850), ``Status:``, ``Command:`` and a blank line; JSON: one EndOfJob message
  ``{"ErrorMessage","JobIDDetails":[{"JobId","CommandString","StartTime","JobStatus"}]}``.
- ``jobs show ID``: the job's summary (AzCopy's lines); JSON: a GetJobSummary message then EndOfJob, both with the
  ListJobSummaryResponse.
- ``jobs show ID --with-status=All|NotStarted|Started|Success|Failed|SkippedEntityAlreadyExists``: "----------- Transfers
  for JobId ID -----------" then ``transfer--> source: S destination: D status X`` per transfer; JSON: a
  ListJobTransfers message then EndOfJob, both ``{"ErrorMsg","JobID","Details":[{"Src","Dst","IsFolderProperties",
  "TransferStatus","TransferSize","ErrorCode"}]}``.
A bad job id or status value is an error with exit code 1, as in AzCopy.

Not in AzCopy: a job whose planning was interrupted says so (``Planning: interrupted ...`` in `jobs list` and `jobs
show`, ``"Planning"`` in their JSON), `jobs show` gives the reason a job stopped, and `jobs remove`/`jobs clean` also
delete the temporary files (``.azDownload-<job>-<name>``) of the jobs' unfinished downloads.
"""

from __future__ import annotations

import json
import os
import time
import uuid

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.flags import CobraParser, engine_settings, output_level
from pyazcopy.cli.output import Output
from pyazcopy.cli.prompts import device_prompt, overwrite_prompt
from pyazcopy.cli.rendering import CopyRenderer, summary_content
from pyazcopy.engine.options import EngineSettings
from pyazcopy.errors import UsageError

JOB_STATUSES = ("All", "InProgress", "Paused", "Cancelling", "Cancelled", "Completed", "CompletedWithErrors", "CompletedWithSkipped",
                "CompletedWithErrorsAndSkipped", "Failed")
TRANSFER_STATUSES = ("All", "NotStarted", "Started", "Success", "Failed", "SkippedEntityAlreadyExists")


def _transfer_status_names():
    from pyazcopy.engine import plan as plans

    return {plans.PENDING: "NotStarted", plans.STARTED: "Started", plans.DONE: "Success", plans.FAILED: "Failed",
            plans.SKIPPED: "SkippedEntityAlreadyExists"}


def _choice(value: str, choices: tuple[str, ...]) -> str:
    return next((c for c in choices if c.lower() == (value or "").strip().lower()), "")


def _job_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise UsageError(f"invalid jobId given {text}") from None


def add_jobs_commands(commands, global_flags) -> None:
    jobs = commands.add_parser("jobs", aliases=["job"], help="Sub-commands related to managing jobs.", description="Sub-commands related to managing jobs.")
    jobs.__class__ = CobraParser
    global_flags(jobs, True)
    sub = jobs.add_subparsers(dest="jobs_command", parser_class=CobraParser)
    listing = sub.add_parser("list", aliases=["ls"], help="Display information on all jobs.")
    global_flags(listing, True)
    listing.add_argument("--with-status", default="All", help="List the jobs with the specified status. Available values include: "
                         "All, Cancelled, Failed, InProgress, Completed, CompletedWithErrors, CompletedWithSkipped, CompletedWithErrorsAndSkipped")
    global_flags(sub.add_parser("clean", help="Remove all log and plan files for all jobs"), True)
    show = sub.add_parser("show", help="Show detailed information for the given job ID.")
    global_flags(show, True)
    show.add_argument("job_id")
    show.add_argument("--with-status", default="", help="List only the transfers of job with the specified status. Available values "
                      "include: All, NotStarted, Started, Success, Failed, SkippedEntityAlreadyExists.")
    resume = sub.add_parser("resume", help="Resume the existing job with the given job ID.")
    global_flags(resume, True)
    resume.add_argument("job_id")
    resume.add_argument("--source-sas", default="", help="Source SAS token of the source for a given Job ID.")
    resume.add_argument("--destination-sas", default="", help="Destination SAS token of the destination for a given Job ID.")
    resume.add_argument("--output-level", default="default", help="Define the output verbosity. Available levels: essential, quiet.")
    remove = sub.add_parser("remove", aliases=["rm"], help="Remove all files associated with the given job ID.")
    global_flags(remove, True)
    remove.add_argument("job_id")


def jobs_command(args, settings, output: Output, environment: Environment) -> int:
    from pyazcopy import api
    from pyazcopy.engine import plan as plans

    engine = engine_settings(environment, getattr(args, "log_level", "INFO"))
    which = {"ls": "list", "rm": "remove"}.get(args.jobs_command, args.jobs_command)
    if which == "list":
        return _list(args, engine, output)
    if which == "show":
        return _show(args, engine, output)
    if which == "resume":
        renderer = CopyRenderer(output, environment, output_level(getattr(args, "output_level", "default")))
        summary = api.resume(_job_id(args.job_id), settings, engine, source_sas=args.source_sas, destination_sas=args.destination_sas,
                             subscribers=[renderer], prompt=overwrite_prompt(output, environment), device_prompt=device_prompt(output))
        return 0 if summary.succeeded else 1
    if which == "remove":
        job_id = _job_id(args.job_id)
        temps = _remove_temp_files(engine, job_id)
        plans.remove_job(engine.plan_dir, job_id)
        (engine.log_dir / f"{job_id}.log").unlink(missing_ok=True)
        for temp in temps:
            output.info(f"Removed the temporary download file {temp}")
        output.end_of_job(f"Successfully removed log and job plan files for job {job_id}.")
        return 0
    if which == "clean":
        removed = 0
        plans.remove_partial_plans(engine.plan_dir)
        for job in plans.list_jobs(engine.plan_dir):
            temps = _remove_temp_files(engine, job.job_id)
            plans.remove_job(engine.plan_dir, job.job_id)
            (engine.log_dir / f"{job.job_id}.log").unlink(missing_ok=True)
            for temp in temps:
                output.info(f"Removed the temporary download file {temp}")
            removed += 1
        output.info(f"Successfully removed {removed} jobs.")
        return 0
    raise UsageError("jobs needs a sub-command: list, show, resume, remove or clean")


def _remove_temp_files(engine: EngineSettings, job_id: str) -> list[str]:
    """The job's unfinished downloads' temporary files, deleted (none when its plan cannot be read)."""
    from pyazcopy.engine import plan as plans
    from pyazcopy.engine.download_temps import remove_job_temp_files

    try:
        return remove_job_temp_files(engine.plan_dir, job_id)
    except plans.JobNotFoundError:
        raise
    except Exception:  # noqa: BLE001 - an unreadable plan is still removed; its temporary files cannot be known
        return []


def _planning_note(planning, job_id: str) -> str:
    """'' for a job whose planning finished; else what happened and what to do."""
    if planning.finished:
        return ""
    if planning.running:
        return f"in progress ({planning.planned} transfers planned so far by pyazcopy process {planning.pid})"
    return (f"interrupted after {planning.planned} transfers were planned (the source was not completely listed); "
            f"`pyazcopy jobs resume {job_id}` continues the planning, then the transfers")


def _list(args, engine: EngineSettings, output: Output) -> int:
    from pyazcopy.engine import plan as plans

    wanted = _choice(args.with_status, JOB_STATUSES)
    if not wanted:
        raise UsageError(f"Failed to parse --with-status due to error: {args.with_status!r} is not a job status; valid values are "
                         f"{', '.join(JOB_STATUSES)}.")
    jobs = [j for j in plans.list_jobs(engine.plan_dir) if wanted == "All" or j.status == wanted]
    if output.json:
        details = [{"JobId": j.job_id, "CommandString": j.command, "StartTime": int(j.created), "JobStatus": j.status,
                    **({} if j.planning.finished else {"Planning": "InProgress" if j.planning.running else "Interrupted"})} for j in jobs]
        output.message("EndOfJob", json.dumps({"ErrorMessage": "", "JobIDDetails": details}, separators=(",", ":")))
        return 0
    text = "Existing Jobs \n" + "".join(
        f"JobId: {j.job_id}\nStart Time: {time.strftime('%A, %d-%b-%y %H:%M:%S %Z', time.localtime(j.created))}\n"
        f"Status: {j.status}\n" + (f"Planning: {_planning_note(j.planning, j.job_id)}\n" if not j.planning.finished else "")
        + f"Command: {j.command}\n\n" for j in jobs)
    output._write(text.rstrip("\n") + "\n" if jobs else text.rstrip("\n"))
    return 0


def _show(args, engine: EngineSettings, output: Output) -> int:
    from pyazcopy.engine import plan as plans

    job_id = _job_id(args.job_id)
    status_filter = ""
    if args.with_status:
        status_filter = _choice(args.with_status, TRANSFER_STATUSES) or ("SkippedEntityAlreadyExists" if args.with_status.lower() == "skipped" else "")
        if not status_filter:
            raise UsageError(f"cannot parse the given Transfer Status {args.with_status}; valid values are {', '.join(TRANSFER_STATUSES)}")
    plan = plans.JobPlan.open(engine.plan_dir, job_id)
    try:
        if status_filter:
            return _show_transfers(plan, job_id, status_filter, output)
        c = plan.counts()
        meta, planning = plan.meta(), plan.planning()
        status, error, note = str(meta.get("status", "")), str(meta.get("error") or ""), _planning_note(planning, job_id)
        percent = 100.0 * (c.done + c.failed + c.skipped) / c.total if c.total else 100.0
        if not planning.finished:  # what is planned so far is not the whole job
            percent = min(percent, 99.9) if c.total else 0.0
        if output.json:  # AzCopy: the summary as GetJobSummary, then again as EndOfJob; BytesOverWire is reset to 0
            content = summary_content(job_id, status, c.total, c.done, c.failed, c.skipped, c.done_bytes, c.total_bytes, 0, percent)
            body = json.loads(content)
            body["ErrorMsg"] = error
            if not planning.finished:
                body["Planning"] = "InProgress" if planning.running else "Interrupted"
            content = json.dumps(body, separators=(",", ":"))
            output.message("GetJobSummary", content)
            output.message("EndOfJob", content)
            return 0
        output._write("\n".join([
            f"\nJob {job_id} summary", f"Number of File Transfers: {c.total}", "Number of Folder Property Transfers: 0",
            "Number of Symlink Transfers: 0", f"Total Number of Transfers: {c.total}", f"Number of File Transfers Completed: {c.done}",
            "Number of Folder Transfers Completed: 0", f"Number of File Transfers Failed: {c.failed}", "Number of Folder Transfers Failed: 0",
            f"Number of File Transfers Skipped: {c.skipped}", "Number of Folder Transfers Skipped: 0",
            *([f"Number of File Transfers Not Started: {c.not_started}"] if c.not_started else []),
            f"Total Number of Bytes Transferred: {c.done_bytes}", f"Percent Complete (approx): {percent:.1f}", f"Final Job Status: {status}",
            *([f"Planning: {note}"] if note else []), *([f"\nThe job stopped: {error}"] if error else [])]))
        return 0
    finally:
        plan.close()


def _show_transfers(plan, job_id: str, status_filter: str, output: Output) -> int:
    names = _transfer_status_names()
    codes = {name: code for code, name in names.items()}
    meta = plan.meta()
    upload = meta["from_to"] == "LocalBlob"
    blob_base = f"{meta['account_url']}/{meta['container']}/"
    rows = plan.all_transfers(None if status_filter == "All" else codes[status_filter])

    def detail(row) -> dict:
        source = os.path.join(str(meta["local_root"]), row.source) if upload else f"{blob_base}{meta['blob_prefix']}{row.source}"
        destination = f"{blob_base}{row.destination}" if upload else os.path.join(str(meta["local_root"]), row.destination)
        return {"Src": source, "Dst": destination, "IsFolderProperties": False, "TransferStatus": names[row.status],
                "TransferSize": row.size, "ErrorCode": "0"}

    if output.json:
        content = json.dumps({"ErrorMsg": "", "JobID": job_id, "Details": [detail(row) for row in rows]}, separators=(",", ":"))
        output.message("ListJobTransfers", content)
        output.message("EndOfJob", content)
        return 0
    output._write(f"----------- Transfers for JobId {job_id} -----------")
    for row in rows:  # streamed: a job may have millions of transfers
        d = detail(row)
        output._write(f"transfer--> source: {d['Src']} destination: {d['Dst']} status {d['TransferStatus']}")
    return 0
