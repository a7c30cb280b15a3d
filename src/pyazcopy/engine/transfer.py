"""Moving the planned transfers: one dispatching thread reads the plan (and, for uploads, the files) in order and
hands chunk requests to a bounded pool of workers; the worker finishing a file's last chunk commits it.

Upload: one Put Blob for a small file, else Put Block per chunk + Put Block List; staged blocks are recorded in the
plan, so a resumed job sends only the blocks the service does not already hold. Download: ranged GETs written at
their offsets into a temporary file, renamed to the final name once complete and verified.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from pyazcopy.endpoints import local
from pyazcopy.endpoints.blob_transfer import BlobExistsError, BlobHeaders, BlobTransferClient, TransientStorageError
from pyazcopy.engine import chunking
from pyazcopy.engine.buffers import BufferPool
from pyazcopy.engine.download_temps import OlderTempFinder, kept_temp_note, older_temp_warning
from pyazcopy.engine.events import EventBus, Retrying, TransferFinished, Warning_
from pyazcopy.engine.options import CopyOptions, EngineSettings, parse_metadata
from pyazcopy.engine.plan import DONE, FAILED, PENDING, SKIPPED, STARTED, JobPlan, TransferRow
from pyazcopy.engine.planner import blob_type_for, guess_content_type
from pyazcopy.endpoints.retry import call_with_retry
from pyazcopy.engine.scheduler import BoundedExecutor, ChunkMeter, JobStats, RateLimiter
from pyazcopy.errors import (
    AuthenticationFailedError, PermissionMismatchError, PyAzCopyError, SasExpiredError, SignInExpiredError, StorageServiceError,
)

Prompt = Callable[[str], str]  # asked "overwrite <path>?" -> "yes" | "no" | "all" | "none"
DROP_BEHIND_MIN_BYTES = 64 * chunking.MiB  # downloads this big hand their pages back as they go (local.PositionalWriter)
DROP_BEHIND_WINDOW = 8 * chunking.MiB
HAND_BACK_MIN_BYTES = chunking.MiB  # finished downloads this big give their pages back once written (local.PageHandBack)


class TransferFailed(PyAzCopyError):
    """One transfer failed for a reason the message gives (the job goes on with the others)."""


@dataclass(slots=True)
class _FileState:
    """One file in flight: every field is declared here (nothing is added at run time); ``_fail`` is its one error path."""

    row: TransferRow
    outstanding: int = 0  # chunks handed to workers and not yet done
    dispatched: bool = False  # every chunk has been handed out
    finished: bool = False
    failed: bool = False
    skipped_early: bool = False
    settled: bool = False  # the last chunk's worker has taken the file to its end
    lock: threading.Lock = field(default_factory=threading.Lock)
    fd: int | None = None  # the local file: read by an upload, written by a download
    chunked: bool = False  # more than one chunk (a block list, or ranges recorded in the plan)
    # an upload
    stat: tuple[int, float] | None = None  # (size, mtime) when opened: a file changed while read is not committed
    blob_type: str = ""
    block_ids: list[str] | None = None
    hasher: Any = None  # the MD5 of the file as read (--put-md5)
    # a download
    name: str = ""  # the blob
    temp: str | None = None  # where the bytes go until the file is complete and verified
    target: str = ""  # the final local path
    write_lock: threading.Lock | None = None  # the ranges of one file write in turn (local.PositionalWriter)
    hash_inline: bool = False  # one range: its MD5 is computed as it arrives
    md5: bytes | None = None


@dataclass
class TransferContext:
    job_id: str
    plan: JobPlan
    client: BlobTransferClient
    options: CopyOptions
    settings: EngineSettings
    bus: EventBus
    stats: JobStats
    local_root: str  # the local directory all relative local paths hang from
    blob_prefix: str  # the blob name prefix all relative blob names hang from
    prompt: Prompt | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    stop_reason: str = ""
    resume_helps: bool = False  # a failure that `jobs resume` can get past (network, an expired SAS or sign-in)
    prompt_answer: str = ""  # "all" / "none" once the user said so

    def stop(self, reason: str) -> None:
        if not self.cancel.is_set():
            self.stop_reason = reason
            self.cancel.set()


class TransferRunner:
    """Runs the unfinished rows of a plan in one direction; call :meth:`run` from the dispatching thread."""

    def __init__(self, ctx: TransferContext, upload: bool) -> None:
        self.ctx = ctx
        self.upload = upload
        self.executor = BoundedExecutor(ctx.settings.concurrency)
        self.pool = BufferPool(ctx.settings.buffer_bytes)
        self.limiter = RateLimiter(ctx.options.cap_mbps, sleep=ctx.cancel.wait)  # Ctrl-C or a stop ends the wait at once
        opts = ctx.options
        self.block_size_request = chunking.mib_to_bytes(opts.block_size_mb, "--block-size-mb")
        self.put_blob_size = chunking.mib_to_bytes(opts.put_blob_size_mb, "--put-blob-size-mb")
        self.metadata = parse_metadata(opts.metadata)
        self.overwrite = opts.overwrite
        self.made_directories: set[str] = set()  # local directories this job made or found (downloads)
        self.hand_back = local.PageHandBack()
        self.older_temps = None if upload else OlderTempFinder(ctx.job_id, ctx.settings.plan_dir)

    # --- the loop -------------------------------------------------------------------------------------------------
    def run(self, rows) -> None:
        try:
            for row in rows:
                if self.ctx.cancel.is_set():
                    break
                state = _FileState(row)
                self._dispatch(state, lambda: (self._dispatch_upload if self.upload else self._dispatch_download)(state))
        except KeyboardInterrupt:
            self.ctx.stop("cancelled by the user (Ctrl-C); run `pyazcopy jobs resume` to continue")
            raise
        finally:
            self.executor.shutdown()
            self.hand_back.close()

    # --- shared -------------------------------------------------------------------------------------------------
    def _retry(self, what: str, operation):
        def on_retry(attempt: int, error: TransientStorageError) -> None:
            self.ctx.bus.emit(Retrying(what, attempt, str(error)))

        return call_with_retry(operation, self.ctx.settings.retry, on_retry, cancelled=self.ctx.cancel.is_set)

    def _names(self, row: TransferRow) -> tuple[str, str]:
        """(source shown to the user, destination shown to the user)."""
        if self.upload:
            return os.path.join(self.ctx.local_root, row.source), self.ctx.client.redacted_blob(self.ctx.blob_prefix + row.destination)
        return self.ctx.client.redacted_blob(self.ctx.blob_prefix + row.source), os.path.join(self.ctx.local_root, row.destination)

    def _skip(self, state: _FileState, reason: str) -> None:
        state.skipped_early = True
        self.ctx.plan.mark(state.row.id, SKIPPED, reason)
        self.ctx.stats.add(skipped=1)
        src, dst = self._names(state.row)
        self.ctx.bus.emit(TransferFinished(src, dst, state.row.size, "Skipped", reason))

    def _fail(self, state: _FileState, error: BaseException) -> None:
        with state.lock:
            if state.failed or state.finished:
                return
            state.failed = True
        message = getattr(error, "transfer_line", "") or str(error) or type(error).__name__  # the role etc.: once, in the job
        if isinstance(error, (TransientStorageError, SasExpiredError, SignInExpiredError)) or getattr(error, "resume_helps", False):
            self.ctx.resume_helps = True  # retried to the end, or a credential that a new one replaces: resuming helps
        message += kept_temp_note(state.temp, self.ctx.job_id)  # a download keeps what it wrote, for resume
        self.ctx.plan.mark(state.row.id, FAILED, message)
        self.ctx.stats.add(failed=1)
        src, dst = self._names(state.row)
        self.ctx.bus.emit(TransferFinished(src, dst, state.row.size, "Failed", message))
        if (isinstance(error, (PermissionMismatchError, AuthenticationFailedError)) or getattr(error, "status", None) in (401, 403)
                or getattr(error, "error_code", "") == "ContainerNotFound"):
            # every other transfer would fail the same way: stop cleanly; the job states the explanation once
            self.ctx.stop(getattr(error, "job_advice", "") or message)

    def _succeed(self, state: _FileState) -> None:
        self.ctx.plan.mark(state.row.id, DONE)
        if state.chunked:
            self.ctx.plan.clear_chunks(state.row.id)
        self.ctx.stats.add(completed=1)
        src, dst = self._names(state.row)
        self.ctx.bus.emit(TransferFinished(src, dst, state.row.size, "Success"))

    def _should_overwrite(self, path_shown: str, exists: bool, source_newer: bool) -> bool:
        if not exists or self.overwrite == "true":
            return True
        if self.overwrite == "false":
            return False
        if self.overwrite == "ifSourceNewer":
            return source_newer
        if self.ctx.prompt_answer:
            return self.ctx.prompt_answer == "all"
        answer = (self.ctx.prompt(path_shown) if self.ctx.prompt else "no").lower()
        if answer in ("all", "none"):
            self.ctx.prompt_answer = answer
        return answer in ("yes", "all")

    def _task(self, state: _FileState, work, *args) -> None:
        """Run one chunk's work in a worker; a failure fails the file (once), the last chunk settles the file."""
        def run() -> None:
            try:
                if not (state.failed or self.ctx.cancel.is_set()):
                    work(*args)
            except PyAzCopyError as error:
                self._fail(state, error)
            except OSError as error:
                self._fail(state, TransferFailed(f"{self._names(state.row)[0]}: {error.strerror or error}"))
            except Exception as error:  # noqa: BLE001 - never let an unexpected error pass for success
                self._fail(state, TransferFailed(f"{self._names(state.row)[0]}: unexpected {type(error).__name__}: {error}"))
            finally:
                with state.lock:
                    state.outstanding -= 1
                self._settle(state)

        with state.lock:
            state.outstanding += 1
        self.executor.submit(run)

    def _dispatch(self, state: _FileState, body) -> None:
        """Run a file's dispatching ``body`` in this thread, then settle the file once its chunks are done."""
        try:
            body()
        except PyAzCopyError as error:
            self._fail(state, error)
        except OSError as error:
            self._fail(state, TransferFailed(f"{self._names(state.row)[0]}: {error.strerror or error}"))
        except Exception as error:  # noqa: BLE001 - e.g. a local name that cannot be encoded: that transfer fails
            self._fail(state, TransferFailed(f"{self._names(state.row)[0]}: unexpected {type(error).__name__}: {error}"))
        finally:
            with state.lock:
                state.dispatched = True
            self._settle(state)

    def _settle(self, state: _FileState) -> None:
        """Once dispatched with nothing outstanding: commit or rename the file, or just release what it holds."""
        with state.lock:
            if not state.dispatched or state.outstanding or state.settled:
                return
            state.settled = True
            go = not (state.failed or state.finished or state.skipped_early or self.ctx.cancel.is_set())
        try:
            if go:
                (self._commit_upload if self.upload else self._finish_download)(state)
        except PyAzCopyError as error:
            self._fail(state, error)
        except OSError as error:
            self._fail(state, TransferFailed(f"{self._names(state.row)[0]}: {error.strerror or error}"))
        except Exception as error:  # noqa: BLE001
            self._fail(state, TransferFailed(f"{self._names(state.row)[0]}: unexpected {type(error).__name__}: {error}"))
        finally:
            self._cleanup(state)

    def _cleanup(self, state: _FileState) -> None:
        fd = state.fd
        if fd is not None:
            state.fd = None
            os.close(fd)

    # --- upload -------------------------------------------------------------------------------------------------
    def _headers(self, row: TransferRow, md5: bytes = b"", blob_type: str = "BlockBlob") -> BlobHeaders:
        o = self.ctx.options
        return BlobHeaders(
            blob_type=blob_type,
            content_type=guess_content_type(row.destination, o.content_type, o.no_guess_mime_type),
            content_encoding=o.content_encoding, content_language=o.content_language,
            content_disposition=o.content_disposition, cache_control=o.cache_control, content_md5=md5,
            metadata=self.metadata, tier=o.block_blob_tier if o.block_blob_tier not in ("", "None") and blob_type == "BlockBlob" else "",
        )

    def _dispatch_upload(self, state: _FileState) -> None:
        ctx, row = self.ctx, state.row
        path = os.path.join(ctx.local_root, row.source)
        name = ctx.blob_prefix + row.destination
        try:
            st = os.stat(path)
        except OSError as error:
            raise TransferFailed(f"cannot read {path}: {error.strerror}; it was not uploaded") from None
        if st.st_size != row.size or st.st_mtime != row.mtime:
            raise TransferFailed(f"{path} changed after the job was planned; run the copy again")
        blob_type = blob_type_for(name, ctx.options.blob_type)
        block_size = row.block_size or chunking.block_size_for(row.size, self.block_size_request)
        single = blob_type == "BlockBlob" and chunking.uses_put_blob(row.size, block_size, self.put_blob_size)
        if self.overwrite != "true" and not (single and self.overwrite == "false"):
            existing = self._retry(name, lambda: ctx.client.get_properties(name))
            if not self._should_overwrite(ctx.client.redacted_blob(name), existing is not None,
                                          existing is None or row.mtime > existing.last_modified):
                return self._skip(state, "the destination blob exists")
        state.chunked = not single
        if not single:  # a small file is simply sent again after a crash: no bookkeeping write for it
            ctx.plan.mark(row.id, STARTED, block_size=block_size)
        fd = local.open_for_read(path)
        state.fd = fd
        state.stat = (st.st_size, st.st_mtime)
        state.blob_type = blob_type
        if blob_type != "BlockBlob":
            self._task(state, self._upload_special, state, path, name, blob_type, block_size)
        elif single:
            raw = self.pool.acquire(row.size)
            view = memoryview(raw)[: row.size]
            n = local.read_into(fd, view, 0, path)
            if n != row.size:
                self.pool.release(raw)
                raise TransferFailed(f"{path} changed during the upload (read {n} of {row.size} bytes)")
            md5 = hashlib.md5(view).digest() if ctx.options.put_md5 else b""
            self._task(state, self._put_blob, state, name, view, raw, md5)
        else:
            self._dispatch_blocks(state, path, name, block_size)

    def _put_blob(self, state: _FileState, name: str, view: memoryview, raw: bytearray, md5: bytes) -> None:
        meter = ChunkMeter(self.ctx.stats, self.limiter, len(view))
        try:
            self._retry(name, lambda: self.ctx.client.put_blob(name, view, self._headers(state.row, md5), overwrite=self.overwrite != "false",
                                                              progress=meter))
            meter.done()
        except BlobExistsError:
            self._skip(state, "the destination blob exists")
        finally:
            meter.abandon()
            self.pool.release(raw)

    def _dispatch_blocks(self, state: _FileState, path: str, name: str, block_size: int) -> None:
        ctx, row = self.ctx, state.row
        key = f"{ctx.job_id.replace('-', '')[:16]}{row.id:016d}"
        pieces = chunking.chunks(row.size, block_size)
        state.block_ids = [chunking.block_id(key, c.index) for c in pieces]
        staged: set[int] = set()
        if row.status in (STARTED, FAILED) and row.block_size == block_size:
            recorded = ctx.plan.chunks_done(row.id)
            if recorded:
                on_server = self._retry(name, lambda: ctx.client.uncommitted_blocks(name))
                staged = {i for i, n in recorded.items() if on_server.get(state.block_ids[i]) == n}
                ctx.stats.add(bytes_transferred=sum(recorded[i] for i in staged))
        elif row.status != PENDING:
            ctx.plan.clear_chunks(row.id)
        hasher = hashlib.md5() if ctx.options.put_md5 else None
        state.hasher = hasher
        fd = state.fd
        for chunk in pieces:
            if ctx.cancel.is_set() or state.failed:
                return
            if chunk.index in staged and hasher is None:
                continue
            raw = self.pool.acquire(chunk.length)
            view = memoryview(raw)[: chunk.length]
            n = local.read_into(fd, view, chunk.offset, path)
            if n != chunk.length:
                self.pool.release(raw)
                raise TransferFailed(f"{path} changed during the upload (it is shorter than when it was planned)")
            if hasher is not None:
                hasher.update(view)
            if chunk.index in staged:
                self.pool.release(raw)
                continue
            self._task(state, self._stage, state, name, chunk, state.block_ids[chunk.index], view, raw)

    def _stage(self, state: _FileState, name: str, chunk: chunking.Chunk, block: str, view: memoryview, raw: bytearray) -> None:
        meter = ChunkMeter(self.ctx.stats, self.limiter, chunk.length)
        try:
            self._retry(name, lambda: self.ctx.client.stage_block(name, block, view, progress=meter))
        except BaseException:
            meter.abandon()
            raise
        finally:
            self.pool.release(raw)
        self.ctx.plan.chunk_done(state.row.id, chunk.index, chunk.length)
        meter.done()

    def _source_unchanged(self, state: _FileState, path: str) -> None:
        st = os.stat(path)
        if (st.st_size, st.st_mtime) != state.stat:
            raise TransferFailed(f"{path} was modified during the upload; it was not committed. Copy it again when it is stable")

    def _commit_upload(self, state: _FileState) -> None:
        row, ctx = state.row, self.ctx
        path = os.path.join(ctx.local_root, row.source)
        self._source_unchanged(state, path)
        block_ids = state.block_ids
        if block_ids is not None:
            hasher = state.hasher
            md5 = hasher.digest() if hasher is not None else b""
            name = ctx.blob_prefix + row.destination
            try:
                self._retry(name, lambda: ctx.client.commit_block_list(name, block_ids, self._headers(row, md5), overwrite=self.overwrite != "false"))
            except BlobExistsError:
                return self._skip(state, "the destination blob exists")
        with state.lock:
            if state.finished or state.failed:
                return
            state.finished = True
        self._succeed(state)

    def _upload_special(self, state: _FileState, path: str, name: str, blob_type: str, block_size: int) -> None:
        """Page and Append Blobs: created, then written in 4 MiB pieces in order (restarted from zero on resume)."""
        row, ctx = state.row, self.ctx
        if blob_type == "PageBlob" and row.size % 512:
            raise TransferFailed(f"{path} is {row.size} bytes; a Page Blob must be a multiple of 512 bytes. Use --blob-type BlockBlob")
        md5 = _file_md5(path) if ctx.options.put_md5 else b""
        self._retry(name, lambda: ctx.client.create_special_blob(name, blob_type, row.size, self._headers(row, md5, blob_type)))
        piece = 4 * chunking.MiB
        with self.pool.buffer(min(piece, max(row.size, 1))) as whole:
            for chunk in chunking.chunks(row.size, piece) if row.size else []:
                view = whole[: chunk.length]
                local.read_into(state.fd, view, chunk.offset, path)
                send = (lambda c=chunk, v=view: ctx.client.write_pages(name, c.offset, v)) if blob_type == "PageBlob" else \
                    (lambda c=chunk, v=view: ctx.client.append_block(name, c.offset, v))
                self.limiter.consume(chunk.length)
                self._retry(name, send)
                ctx.stats.add(bytes_over_wire=chunk.length, bytes_transferred=chunk.length)

    # --- download -----------------------------------------------------------------------------------------------
    def _dispatch_download(self, state: _FileState) -> None:
        ctx, row = self.ctx, state.row
        name = ctx.blob_prefix + row.source
        local.safe_relative_path(row.source)  # the blob's own part of the name: no '..', no absolute path, no '\\'
        target = local.local_target(ctx.local_root, row.destination)
        if os.path.lexists(target):
            if os.path.isdir(target):
                raise TransferFailed(f"{target} is a directory; the blob {name} cannot be written there")
            local_mtime = os.stat(target).st_mtime
            if not self._should_overwrite(target, True, row.mtime > local_mtime):
                return self._skip(state, "the destination file exists")
        chunk_size = self.block_size_request or chunking.download_chunk_size(row.size)
        temp = local.temp_download_path(target, ctx.job_id)
        for other, job in self.older_temps.older_temp_files(target):  # type: ignore[union-attr]
            ctx.bus.emit(Warning_(older_temp_warning(other, job, target)))
        done: dict[int, int] = {}
        state.chunked = row.size > chunk_size
        if row.status in (STARTED, FAILED) and row.block_size == chunk_size and os.path.exists(temp):
            done = ctx.plan.chunks_done(row.id)
            ctx.stats.add(bytes_transferred=sum(done.values()))
        elif row.status != PENDING:
            ctx.plan.clear_chunks(row.id)
        if state.chunked:
            ctx.plan.mark(row.id, STARTED, block_size=chunk_size)
        state.fd = local.open_for_positional_write(temp, row.size, keep=bool(done), made_directories=self.made_directories)
        state.write_lock = threading.Lock() if state.chunked else None  # ranges write in turn
        state.temp, state.target, state.name = temp, target, name
        pieces = chunking.chunks(row.size, chunk_size)
        state.hash_inline = len(pieces) == 1
        state.md5 = None
        for chunk in pieces:
            if ctx.cancel.is_set() or state.failed:
                return
            if chunk.index in done or chunk.length == 0:
                continue
            self._task(state, self._fetch, state, chunk)

    def _fetch(self, state: _FileState, chunk: chunking.Chunk) -> None:
        ctx = self.ctx
        hasher = hashlib.md5() if state.hash_inline and ctx.options.check_md5 != "NoCheck" else None
        drop_behind = DROP_BEHIND_WINDOW if state.row.size >= DROP_BEHIND_MIN_BYTES else 0
        file_writer = local.PositionalWriter(state.fd, chunk.offset, state.temp, state.write_lock, drop_behind)
        meter = ChunkMeter(ctx.stats, self.limiter, chunk.length)
        writer = _CountingWriter(file_writer, meter, hasher)

        def attempt() -> None:
            if writer.hasher is not None and writer.written:
                writer.restart(chunk.offset)  # the inline hash needs the bytes from the start
            ctx.client.download_range(state.name, chunk.offset + writer.written, chunk.length - writer.written, writer,
                                      if_match=state.row.etag)

        try:
            self._retry(state.name, attempt)
        except StorageServiceError as error:
            meter.abandon()
            if error.status == 412:
                raise TransferFailed(f"{state.name} changed on the service while it was being downloaded (its ETag differs from "
                                     "when the job started); it was not saved. Run the copy again") from None
            raise
        except BaseException:
            meter.abandon()
            raise
        if state.chunked:  # a single-range file is fetched again after a crash: no plan write
            ctx.plan.chunk_done(state.row.id, chunk.index, chunk.length)
        meter.done()
        if writer.hasher is not None:
            state.md5 = writer.hasher.digest()

    def _finish_download(self, state: _FileState) -> None:
        row, ctx, opts = state.row, self.ctx, self.ctx.options
        temp, target = state.temp, state.target
        size_now = os.fstat(state.fd).st_size
        if opts.check_length and size_now != row.size:
            raise TransferFailed(f"{target}: downloaded {size_now} bytes, the blob has {row.size}; it was not saved under its name")
        if row.size >= HAND_BACK_MIN_BYTES:
            fd, state.fd = state.fd, None
            self.hand_back.add(fd)
        self._cleanup(state)
        if opts.check_md5 != "NoCheck":
            self._verify_md5(state, temp, target)
        local.finish_download(temp, target, row.mtime if opts.preserve_last_modified_time else None)
        with state.lock:
            if state.finished or state.failed:
                return
            state.finished = True
        self._succeed(state)

    def _verify_md5(self, state: _FileState, temp: str, target: str) -> None:
        mode = self.ctx.options.check_md5
        expected = self._expected_md5(state)
        if not expected:
            if mode == "FailIfDifferentOrMissing":
                os.unlink(temp)
                raise TransferFailed(f"the blob for {target} has no Content-MD5 and --check-md5=FailIfDifferentOrMissing; it was not saved")
            return
        actual = state.md5 if state.md5 is not None else _file_md5(temp)
        if state.row.size == 0:
            actual = hashlib.md5(b"").digest()
        if actual != expected:
            if mode == "LogOnly":
                self.ctx.bus.emit(Warning_(f"MD5 of {target} differs from the blob's Content-MD5 (--check-md5=LogOnly: kept)"))
                return
            os.unlink(temp)
            raise TransferFailed(f"the MD5 of the downloaded data for {target} does not match the blob's Content-MD5: the blob was "
                                 "changed or corrupted; the file was not saved. Use --check-md5=NoCheck to accept it anyway")

    def _expected_md5(self, state: _FileState) -> bytes:
        return state.row.md5  # the Content-MD5 the listing reported when the job was planned


class _CountingWriter:
    def __init__(self, inner: local.PositionalWriter, limiter: ChunkMeter, hasher) -> None:
        self.inner, self.limiter, self.hasher, self.written = inner, limiter, hasher, 0

    def restart(self, offset: int) -> None:
        self.inner.offset, self.written = offset, 0
        self.hasher = hashlib.md5()

    def write(self, data) -> int:
        self.limiter(len(data))
        self.inner.write(data)
        if self.hasher is not None:
            self.hasher.update(data)
        self.written += len(data)
        return len(data)


def _file_md5(path: str) -> bytes:
    hasher = hashlib.md5()
    with open(path, "rb") as handle:
        while block := handle.read(4 * 1024 * 1024):
            hasher.update(block)
    return hasher.digest()
