"""A copy job from start to end: resolve the two sides, enumerate -> filter -> plan (sqlite) -> transfer -> summary.

``run_copy`` starts a job, ``resume_job`` continues one from its plan, from whichever phase it stopped in: a job
whose planning was interrupted lists its source again and plans what is missing before it transfers. A job is
``Completed`` only when its enumeration finished and every planned transfer ended. Both take the credential as a
parameter (an azure-core ``TokenCredential``, or ``None`` when the URL carries a SAS or the data is public) and
report only through events; they return a :class:`JobSummary`.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import asdict, replace
from typing import Any, Iterable

from pyazcopy.endpoints.blob_transfer import BlobTransferClient, BlobUrl, TransientStorageError, parse_blob_url
from pyazcopy.endpoints.local import LocalPathError
from pyazcopy.engine.events import (
    ConcurrencyChanged, DryRunItem, EventBus, FailedTransfer, JobFinished, JobProgress, JobStarted, JobSummary, ScanningStarted, Subscriber, Warning_,
)
from pyazcopy.engine.filters import FilterOptions, FilterSet, apply_filters
from pyazcopy.engine.joblog import JobLog
from pyazcopy.engine.options import CopyOptions, EngineSettings
from pyazcopy.engine.plan import COMMITTING, DONE_PHASE, JobPlan, PlanCannotContinueError, resumable_phase, runner_meta
from pyazcopy.engine.planner import Layout, blob_type_for, plan_rows
from pyazcopy.endpoints.retry import call_with_retry
from pyazcopy.engine.scheduler import JobStats
from pyazcopy.engine.sides import Sides, direction_is_upload, resolve_download, resolve_upload
from pyazcopy.engine.transfer import Prompt, TransferContext, TransferRunner
from pyazcopy.engine.tuning import ConcurrencyTuner, Recommendation, TuningLoop
from pyazcopy.errors import UsageError


def _client(blob: BlobUrl, credential: Any, settings: EngineSettings, principal: str = "", tenant_id: str = "") -> BlobTransferClient:
    return BlobTransferClient(blob, None if blob.sas else credential, pool_size=settings.concurrency + 4,
                              connection_verify=settings.connection_verify, proxies=settings.proxies, identity=principal, tenant_id=tenant_id)


def _display(sides: Sides, client: BlobTransferClient, relative_source: str, relative_destination: str) -> tuple[str, str]:
    if sides.upload:
        return os.path.join(sides.local_root, relative_source), client.redacted_blob(relative_destination)
    return client.redacted_blob(sides.blob_prefix + relative_source), os.path.join(sides.local_root, relative_destination)


def run_copy(options: CopyOptions, settings: EngineSettings, credential: Any = None, subscribers: Iterable[Subscriber] = (),
             prompt: Prompt | None = None, command: str = "copy", principal: str = "", tenant_id: str = "") -> JobSummary:
    """Plan and run one copy job (or only plan it, with ``dry_run``); ``principal`` and ``tenant_id`` name who the
    credential signs in as, for the messages of refused requests."""
    options = options.validated()
    started = time.monotonic()
    bus = EventBus(list(subscribers))
    upload = direction_is_upload(options)
    blob = parse_blob_url(options.destination if upload else options.source)
    if not blob.container:
        raise UsageError(f"{blob.redacted}: name a container (copying a whole account is not supported yet)")
    client = _client(blob, credential, settings, principal, tenant_id)
    try:
        bus.emit(ScanningStarted(options.source if not upload else os.path.abspath(options.source)))
        sides, rows = _listing(options, blob, client, settings, bus, upload)
        if options.dry_run:
            return _dry_run(options, sides, client, rows, bus, started)
        job_id = str(uuid.uuid4())
        meta = {
            "command": command, "from_to": sides.from_to, "local_root": sides.local_root,
            "account_url": blob.account_url, "container": blob.container, "blob_prefix": sides.blob_prefix, "blob_path": blob.path,
            "source": os.path.abspath(options.source) if upload else BlobUrl(blob.account_url, blob.container, blob.path).redacted,
            "destination": BlobUrl(blob.account_url, blob.container, blob.path).redacted if upload else os.path.abspath(options.destination),
            "options": {k: v for k, v in asdict(options).items() if k not in ("source", "destination")},
        }
        plan = JobPlan.create(settings.plan_dir, job_id, meta)
        try:
            with _recorded_failure(plan, job_id):
                _plan(plan, rows, sides, client, settings, bus, continuing=False)
            return _execute(plan, job_id, options, settings, sides, client, bus, prompt, started, resumed=False)
        finally:
            plan.close()
    finally:
        client.close()


def _listing(options: CopyOptions, blob: BlobUrl, client: BlobTransferClient, settings: EngineSettings, bus: EventBus, upload: bool):
    """The job's two sides and the (lazy) rows to plan: the source listed, filtered and laid out."""
    def on_skip(path: str, reason: str) -> None:
        bus.emit(Warning_(f"skipped {path}: {reason}"))

    if upload:
        sides, items = resolve_upload(options, blob, on_skip)
    else:
        sides, items = resolve_download(options, blob, client, settings.retry)
    return sides, plan_rows(apply_filters(items, FilterSet.build(options.filters)), sides.layout)


def _plan(plan: JobPlan, rows, sides: Sides, client: BlobTransferClient, settings: EngineSettings, bus: EventBus, continuing: bool) -> None:
    """Write the rows into the plan (committed as they come, so a kill leaves a plan that resume continues)."""
    plan.add_transfers(rows, continuing=continuing)
    if sides.upload and plan.counts().total:
        try:
            call_with_retry(client.create_container_if_missing, settings.retry)
        except TransientStorageError as error:  # the transfers will retry and report on their own
            bus.emit(Warning_(f"could not make sure the container exists: {error}"))


class _recorded_failure:
    """Until the transfers start: an error (a refused container name, a missing container, a source gone) or Ctrl-C
    ends the job ``Failed``/``Cancelled`` with its reason in the plan, instead of leaving it ``InProgress``."""

    def __init__(self, plan: JobPlan, job_id: str) -> None:
        self.plan, self.job_id = plan, job_id

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, _traceback) -> bool:
        if error is None:
            return False
        resume = f"`pyazcopy jobs resume {self.job_id}` continues its planning once the cause is fixed"
        if isinstance(error, KeyboardInterrupt):
            self.plan.set_meta(status="Cancelled", error=f"cancelled by the user (Ctrl-C) while planning; {resume}")
        elif isinstance(error, Exception):
            reason = str(error) or type(error).__name__
            self.plan.set_meta(status="Failed", error=f"planning failed: {reason}")
        return False


def _dry_run(options: CopyOptions, sides: Sides, client: BlobTransferClient, rows, bus: EventBus, started: float) -> JobSummary:
    count = size_total = 0
    for source, destination, size, *_ in rows:
        src, dst = _display(sides, client, source, destination)
        blob_type = blob_type_for(destination, options.blob_type) if sides.upload else ""
        bus.emit(DryRunItem("copy", src, dst, size, sides.from_to, blob_type))
        count += 1
        size_total += size
    summary = JobSummary("", "Completed", count, 0, 0, 0, 0, size_total, 0, time.monotonic() - started, dry_run=True)
    bus.emit(JobFinished(summary))
    return summary


def resume_job(job_id: str, settings: EngineSettings, credential: Any = None, source_sas: str = "", destination_sas: str = "",
               subscribers: Iterable[Subscriber] = (), prompt: Prompt | None = None, principal: str = "", tenant_id: str = "") -> JobSummary:
    """Continue a job from its plan, from the phase it stopped in: an interrupted planning lists the source again and
    adds only the transfers missing from the plan; then finished files are skipped, large files continue from their
    staged blocks or downloaded ranges."""
    started = time.monotonic()
    plan = JobPlan.open(settings.plan_dir, job_id)
    bus = EventBus(list(subscribers))
    try:
        meta = plan.meta()
        planning = plan.planning()
        resumable_phase(job_id, planning)
        stored = dict(meta["options"])  # type: ignore[arg-type]
        stored["filters"] = FilterOptions(**stored.get("filters", {}))
        options = CopyOptions(source=str(meta["source"]), destination=str(meta["destination"]), **stored)
        upload = meta["from_to"] == "LocalBlob"
        sas = destination_sas if upload else source_sas
        blob = BlobUrl(str(meta["account_url"]), str(meta["container"]), _blob_path(meta), sas.lstrip("?"))
        sides = Sides(upload, str(meta["local_root"]), blob, str(meta["blob_prefix"]), Layout())  # the rows hold their destination names
        client = _client(blob, credential, settings, principal, tenant_id)
        try:
            plan.set_meta(status="InProgress", error="", **runner_meta())
            if not planning.finished:
                with _recorded_failure(plan, job_id):
                    _continue_planning(plan, job_id, options, meta, blob, client, settings, bus, planning.planned)
            return _execute(plan, job_id, options, settings, sides, client, bus, prompt, started, resumed=True)
        finally:
            client.close()
    finally:
        plan.close()


def _blob_path(meta: dict) -> str:
    """The path inside the container the job was given (schema 1 plans: read back from the URL they kept)."""
    if "blob_path" in meta:
        return str(meta["blob_path"])
    url = str(meta["destination"] if meta["from_to"] == "LocalBlob" else meta["source"])
    return parse_blob_url(url).path


def _continue_planning(plan: JobPlan, job_id: str, options: CopyOptions, meta: dict, blob: BlobUrl, client: BlobTransferClient,
                       settings: EngineSettings, bus: EventBus, planned: int) -> None:
    bus.emit(Warning_(f"the planning of job {job_id} was interrupted after {planned} transfers; listing the source again to "
                      "plan the rest (transfers already planned are kept)"))
    upload = meta["from_to"] == "LocalBlob"
    if not upload and meta["local_root"] == meta["destination"]:
        options = replace(options, destination=str(meta["destination"]) + os.sep)  # it was a directory (made since, or not)
    bus.emit(ScanningStarted(options.source))
    try:
        sides, rows = _listing(options, blob, client, settings, bus, upload)
    except (UsageError, LocalPathError) as error:
        raise PlanCannotContinueError(f"the planning of job {job_id} was interrupted and cannot be continued: {error}. Run the copy "
                                      f"again, and `pyazcopy jobs remove {job_id}` to delete this job") from None
    if (sides.local_root, sides.blob_prefix) != (meta["local_root"], meta["blob_prefix"]):
        raise PlanCannotContinueError(f"the planning of job {job_id} was interrupted, and its source or destination no longer resolve "
                                      f"as they did ({sides.local_root!r} instead of {meta['local_root']!r}); run the copy again, "
                                      f"and `pyazcopy jobs remove {job_id}` to delete this job")
    _plan(plan, rows, sides, client, settings, bus, continuing=True)


def _execute(plan: JobPlan, job_id: str, options: CopyOptions, settings: EngineSettings, sides: Sides,
             client: BlobTransferClient, bus: EventBus, prompt: Prompt | None, started: float, resumed: bool) -> JobSummary:
    log = JobLog(settings.log_dir, job_id, settings.log_level)
    bus.subscribers.append(log)
    if log.enabled("DBG"):  # the raw URLs may carry a SAS: the log redacts every line
        log.write("DBG", f"{'resuming' if resumed else 'starting'} job {job_id}: {sides.from_to} from {options.source} to "
                         f"{options.destination}; concurrency {'AUTO up to ' if settings.auto_concurrency else ''}{settings.concurrency}, "
                         f"buffer {settings.buffer_bytes} bytes, plan {plan.path}")
    counts = plan.counts()
    stats = JobStats(total=counts.total, completed=counts.done, skipped=counts.skipped, bytes_expected=counts.total_bytes,
                     bytes_transferred=counts.done_bytes)
    ctx = TransferContext(job_id, plan, client, options, settings, bus, stats, sides.local_root, sides.blob_prefix, prompt)
    runner = TransferRunner(ctx, sides.upload)
    bus.emit(JobStarted(job_id, str(plan.path), str(log.path), resumed))
    ticker = _Ticker(settings.progress_interval, lambda: bus.emit(_progress(job_id, stats, runner, started)))
    tuning = _tuning(settings, runner, stats, bus)
    ticker.start()
    interrupted = False
    try:
        if tuning is not None:
            tuning.start()
        runner.run(plan.unfinished())
    except KeyboardInterrupt:
        interrupted = True
    finally:
        ticker.stop()
        if tuning is not None:
            tuning.stop()
    plan.set_meta(phase=COMMITTING)  # each transfer committed on its own; what is left is the job's own outcome
    summary = _summary(plan, job_id, stats, started, ctx.stop_reason, interrupted or (ctx.cancel.is_set() and "Ctrl-C" in ctx.stop_reason),
                       str(log.path) if log.enabled("PANIC") else "")
    tuned = tuning.tuner.recommendation if tuning is not None else None
    summary = replace(summary, concurrency=tuned.concurrency if tuned else runner.executor.active_limit,
                      concurrency_reason=(tuned.reason if tuned.final else "the job completed before tuning finished") if tuned else "",
                      resume_helps=ctx.resume_helps or summary.status == "Cancelled" or bool(summary.not_started and not ctx.stop_reason))
    if summary.not_started:
        plan.set_meta(status=summary.status, error=summary.error)  # resume goes on with the transfers left
    else:
        plan.set_meta(status=summary.status, error=summary.error, phase=DONE_PHASE)
    bus.emit(JobFinished(summary))
    bus.subscribers.remove(log)
    log.close()
    return summary


def _tuning(settings: EngineSettings, runner: TransferRunner, stats: JobStats, bus: EventBus) -> TuningLoop | None:
    """AZCOPY_CONCURRENCY_VALUE=AUTO: a loop that resizes the runner's executor as the tuner says (else None)."""
    if not settings.auto_concurrency:
        return None

    def apply(recommendation: Recommendation) -> None:
        runner.executor.set_active_limit(recommendation.concurrency)
        bus.emit(ConcurrencyChanged(recommendation.concurrency, recommendation.reason))

    tuner = ConcurrencyTuner(maximum=runner.executor.max_workers, interval=settings.tuning_interval)
    return TuningLoop(tuner, lambda: stats.bytes_over_wire, apply)


def _progress(job_id: str, stats: JobStats, runner: TransferRunner, started: float) -> JobProgress:
    return JobProgress(job_id, "InProgress", stats.total, stats.completed, stats.failed, stats.skipped,
                       min(stats.bytes_transferred + stats.bytes_in_flight, stats.bytes_expected),
                       stats.bytes_expected, stats.bytes_over_wire, time.monotonic() - started, runner.executor.active)


def _summary(plan: JobPlan, job_id: str, stats: JobStats, started: float, stop_reason: str, cancelled: bool, log_path: str) -> JobSummary:
    """The job's outcome from its plan: every transfer is done, failed, skipped or not started (never finished,
    or stopped on its way), and the four add up to the total. No job is Completed while its enumeration is
    unfinished or a transfer has not ended."""
    counts = plan.counts()
    planning = plan.planning()
    error = stop_reason
    if cancelled:
        status = "Cancelled"
    elif stop_reason:
        status = "Failed"
    elif not planning.finished or counts.not_started:
        status = "Failed"
        left = "its planning did not finish" if not planning.finished else f"{counts.not_started} transfers did not end"
        error = f"{left}; `pyazcopy jobs resume {job_id}` continues the job"
    elif counts.failed == 0:
        status = "CompletedWithSkipped" if counts.skipped else "Completed"
    elif counts.done == 0 and counts.skipped == 0:
        status = "Failed"
    else:
        status = "CompletedWithErrorsAndSkipped" if counts.skipped else "CompletedWithErrors"
    failed = tuple(FailedTransfer(s, d, e) for s, d, e in plan.failed_transfers())
    return JobSummary(job_id, status, counts.total, counts.done, counts.failed, counts.skipped, counts.done_bytes, counts.total_bytes,
                      stats.bytes_over_wire, time.monotonic() - started, str(plan.path), log_path, failed, error=error,
                      not_started=counts.not_started)


class _Ticker:
    """Calls ``tick`` every ``interval`` seconds on its own thread until stopped."""

    def __init__(self, interval: float, tick) -> None:
        self.interval, self.tick = interval, tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pyazcopy-progress", daemon=True)

    def start(self) -> None:
        if self.interval > 0:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


__all__ = ["run_copy", "resume_job", "replace"]
