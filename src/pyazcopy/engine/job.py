"""A copy job from start to end: resolve the two sides, enumerate -> filter -> plan (sqlite) -> transfer -> summary.

``run_copy`` starts a job, ``resume_job`` continues one from its plan. Both take the credential as a parameter (an
azure-core ``TokenCredential``, or ``None`` when the URL carries a SAS or the data is public) and report only
through events; they return a :class:`JobSummary`.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any, Iterable, Iterator

from pyazcopy.endpoints import local
from pyazcopy.endpoints.blob_transfer import BlobTransferClient, BlobUrl, RemoteBlob, TransientStorageError, is_blob_url, parse_blob_url
from pyazcopy.engine.events import (
    ConcurrencyChanged, DryRunItem, EventBus, FailedTransfer, JobFinished, JobProgress, JobStarted, JobSummary, ScanningStarted, Subscriber, Warning_,
)
from pyazcopy.engine.filters import FilterOptions, FilterSet, apply_filters
from pyazcopy.engine.joblog import JobLog
from pyazcopy.engine.options import CopyOptions, EngineSettings
from pyazcopy.engine.plan import JobPlan
from pyazcopy.engine.planner import Layout, blob_type_for, download_layout, plan_rows, upload_layout
from pyazcopy.engine.retry import RetryPolicy, call_with_retry
from pyazcopy.engine.scheduler import JobStats
from pyazcopy.engine.transfer import Prompt, TransferContext, TransferRunner
from pyazcopy.engine.tuning import ConcurrencyTuner, Recommendation, TuningLoop
from pyazcopy.errors import UsageError


@dataclass(frozen=True)
class Sides:
    """Both ends of a job, resolved; ``blob`` may carry a SAS (never persisted)."""

    upload: bool
    local_root: str
    blob: BlobUrl
    blob_prefix: str
    layout: Layout

    @property
    def from_to(self) -> str:
        return "LocalBlob" if self.upload else "BlobLocal"


def _from_to(options: CopyOptions) -> bool:
    src_blob, dst_blob = is_blob_url(options.source), is_blob_url(options.destination)
    inferred = "BlobLocal" if src_blob and not dst_blob else "LocalBlob" if dst_blob and not src_blob else ""
    if options.from_to and inferred and options.from_to != inferred:
        raise UsageError(f"--from-to={options.from_to} does not match the source and destination given (they look like {inferred})")
    chosen = options.from_to or inferred
    if not chosen:
        raise UsageError("cannot tell the direction of the copy: one side must be a local path and the other a Blob URL "
                         "(service to service and local to local copies are not supported yet)")
    return chosen == "LocalBlob"


def _resolve_upload(options: CopyOptions, blob: BlobUrl, skip) -> tuple[Sides, Iterator[Any]]:
    source = os.path.abspath(os.path.expanduser(options.source))
    wildcard = local.has_wildcard(os.path.basename(source)) and not os.path.exists(source)
    is_dir = not wildcard and os.path.isdir(source)
    root = source if is_dir else os.path.dirname(source)
    items = local.walk_local(options.source, options.recursive, options.follow_symlinks, skip)
    first = next(items, None)  # surfaces a missing source now, before anything is created
    layout = upload_layout(blob.path, is_dir, os.path.basename(source), options.as_subdir, wildcard)
    return Sides(True, root, blob, "", layout), _chain(first, items)


def _resolve_download(options: CopyOptions, blob: BlobUrl, client: BlobTransferClient, retry: RetryPolicy) -> tuple[Sides, Iterator[Any]]:
    path = blob.path
    destination = os.path.abspath(os.path.expanduser(options.destination))
    dest_is_dir = os.path.isdir(destination) or options.destination.endswith(("/", os.sep))
    wildcard = path.endswith("*") and (path == "*" or path.endswith("/*"))
    if local.has_wildcard(path.rstrip("*")):
        raise UsageError("wildcards in a Blob URL are only allowed as a trailing /* (as in AzCopy)")
    if not wildcard and path and not path.endswith("/"):
        props = call_with_retry(lambda: client.get_properties(path), retry)
        if props is not None:
            parent = path[: len(path) - len(os.path.basename(path))]
            layout = download_layout(True, path, dest_is_dir, os.path.basename(destination), blob.container, options.as_subdir, False)
            root = destination if dest_is_dir else os.path.dirname(destination)
            item = RemoteBlob(os.path.basename(path), path, props.size, props.last_modified, props.content_md5, props.blob_type,
                              etag=props.etag)
            return Sides(False, root, blob, parent, layout), iter([item])
    prefix = path[:-1] if wildcard else (path + "/" if path and not path.endswith("/") else path)
    if not wildcard and not options.recursive:
        raise UsageError(f"{blob.redacted} is a virtual directory or container: add --recursive to copy it, or end it with /* "
                         "to copy only the blobs directly in it")
    if os.path.exists(destination) and not os.path.isdir(destination):
        raise UsageError(f"{destination} is a file; a directory download needs a directory destination")
    layout = download_layout(False, path, True, "", blob.container, options.as_subdir, wildcard)
    items = client.list_blobs(prefix, options.recursive or not wildcard, retry=lambda fn: call_with_retry(fn, retry))
    return Sides(False, destination, blob, prefix, layout), items


def _chain(first, rest: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
        yield from rest


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
    upload = _from_to(options)
    blob = parse_blob_url(options.destination if upload else options.source)
    if not blob.container:
        raise UsageError(f"{blob.redacted}: name a container (copying a whole account is not supported yet)")
    filters = FilterSet.build(options.filters)
    client = _client(blob, credential, settings, principal, tenant_id)
    try:
        bus.emit(ScanningStarted(options.source if not upload else os.path.abspath(options.source)))
        skipped_local: list[int] = [0]

        def on_skip(path: str, reason: str) -> None:
            skipped_local[0] += 1
            bus.emit(Warning_(f"skipped {path}: {reason}"))

        if upload:
            sides, items = _resolve_upload(options, blob, on_skip)
        else:
            sides, items = _resolve_download(options, blob, client, settings.retry)
        rows = plan_rows(apply_filters(items, filters), sides.layout)
        if options.dry_run:
            return _dry_run(options, sides, client, rows, bus, started)
        job_id = str(uuid.uuid4())
        meta = {
            "command": command, "from_to": sides.from_to, "local_root": sides.local_root,
            "account_url": blob.account_url, "container": blob.container, "blob_prefix": sides.blob_prefix,
            "source": os.path.abspath(options.source) if upload else BlobUrl(blob.account_url, blob.container, blob.path).redacted,
            "destination": BlobUrl(blob.account_url, blob.container, blob.path).redacted if upload else os.path.abspath(options.destination),
            "options": {k: v for k, v in asdict(options).items() if k not in ("source", "destination")},
        }
        plan = JobPlan.create(settings.plan_dir, job_id, meta)
        try:
            counts = plan.add_transfers(rows)
            if upload and counts.total:
                try:
                    call_with_retry(client.create_container_if_missing, settings.retry)
                except TransientStorageError as error:  # the transfers will retry and report on their own
                    bus.emit(Warning_(f"could not make sure the container exists: {error}"))
            return _execute(plan, job_id, options, settings, sides, client, bus, prompt, started, resumed=False)
        finally:
            plan.close()
    finally:
        client.close()


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
    """Continue a job from its plan: finished files are skipped, large files continue from their staged blocks."""
    started = time.monotonic()
    plan = JobPlan.open(settings.plan_dir, job_id)
    bus = EventBus(list(subscribers))
    try:
        meta = plan.meta()
        stored = dict(meta["options"])  # type: ignore[arg-type]
        stored["filters"] = FilterOptions(**stored.get("filters", {}))
        options = CopyOptions(source=str(meta["source"]), destination=str(meta["destination"]), **stored)
        upload = meta["from_to"] == "LocalBlob"
        sas = destination_sas if upload else source_sas
        blob = BlobUrl(str(meta["account_url"]), str(meta["container"]), "", sas.lstrip("?"))
        sides = Sides(upload, str(meta["local_root"]), blob, str(meta["blob_prefix"]), Layout())
        client = _client(blob, credential, settings, principal, tenant_id)
        try:
            plan.set_meta(status="InProgress")
            return _execute(plan, job_id, options, settings, sides, client, bus, prompt, started, resumed=True)
        finally:
            client.close()
    finally:
        plan.close()


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
    summary = _summary(plan, job_id, stats, started, ctx.stop_reason, interrupted or (ctx.cancel.is_set() and "Ctrl-C" in ctx.stop_reason),
                       str(log.path) if log.enabled("PANIC") else "")
    tuned = tuning.tuner.recommendation if tuning is not None else None
    summary = replace(summary, concurrency=tuned.concurrency if tuned else runner.executor.active_limit,
                      concurrency_reason=(tuned.reason if tuned.final else "the job completed before tuning finished") if tuned else "",
                      resume_helps=ctx.resume_helps or summary.status == "Cancelled")
    plan.set_meta(status=summary.status)
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
    counts = plan.counts()
    if cancelled:
        status = "Cancelled"
    elif stop_reason:
        status = "Failed"
    elif counts.failed == 0:
        status = "CompletedWithSkipped" if counts.skipped else "Completed"
    elif counts.done == 0 and counts.skipped == 0:
        status = "Failed"
    else:
        status = "CompletedWithErrorsAndSkipped" if counts.skipped else "CompletedWithErrors"
    failed = tuple(FailedTransfer(s, d, e) for s, d, e in plan.failed_transfers())
    return JobSummary(job_id, status, counts.total, counts.done, counts.failed, counts.skipped, counts.done_bytes, counts.total_bytes,
                      stats.bytes_over_wire, time.monotonic() - started, str(plan.path), log_path, failed, error=stop_reason)


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
