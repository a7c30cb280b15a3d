"""`bench`: AzCopy's benchmark. Generated test data goes up to (or comes back from) a container through the same
engine as `copy`, and the throughput and the concurrency used are reported.

AzCopy generates the data in memory; here it is made of sparse local files (holes: no disk space, and reading them
costs no disk I/O), so the upload path measured is exactly `copy`'s. In download mode the data is uploaded first
(not measured), then downloaded into a temporary directory that is removed at once. The test data lives under one
``pyazcopy-bench-<id>/`` prefix of the container, deleted at the end unless ``delete_test_data`` is false.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import quote

from pyazcopy.endpoints.blob_transfer import BlobTransferClient, parse_blob_url
from pyazcopy.engine.events import JobSummary, Subscriber, Warning_
from pyazcopy.engine.job import run_copy
from pyazcopy.engine.options import CopyOptions, EngineSettings
from pyazcopy.endpoints.retry import call_with_retry
from pyazcopy.errors import PyAzCopyError, UsageError

MODES = ("Upload", "Download")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def parse_size(text: str) -> int:
    """AzCopy's ``--size-per-file``: a number followed by K, M or G (binary units), e.g. 12k or 200G."""
    match = _SIZE.match(text or "")
    if not match:
        raise UsageError(f"--size-per-file {text!r} is not a size: write a number followed by K, M or G, like 250M or 12k")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


@dataclass(frozen=True)
class BenchSpec:
    mode: str = "Upload"
    file_count: int = 100
    size_per_file: int = 250 * 1024 ** 2
    number_of_folders: int = 0
    delete_test_data: bool = True
    put_md5: bool = False
    check_length: bool = True
    blob_type: str = "Detect"
    block_size_mb: float = 0.0
    put_blob_size_mb: float = 0.0

    def validated(self) -> "BenchSpec":
        mode = next((m for m in MODES if m.lower() == self.mode.lower()), "")
        if not mode:
            raise UsageError(f"invalid --mode value {self.mode!r}; valid values are Upload, Download")
        if self.file_count < 1:
            raise UsageError("--file-count must be at least 1")
        if self.size_per_file < 0:
            raise UsageError("--size-per-file must not be negative")
        if self.number_of_folders < 0:
            raise UsageError("--number-of-folders must not be negative")
        from dataclasses import replace

        return replace(self, mode=mode)

    @property
    def total_bytes(self) -> int:
        return self.file_count * self.size_per_file


@dataclass(frozen=True)
class BenchResult:
    mode: str
    file_count: int
    total_bytes: int
    elapsed_seconds: float  # of the measured transfer job
    concurrency: int  # the connections used (AZCOPY_CONCURRENCY_VALUE=AUTO: the value the tuner chose)
    summary: JobSummary
    test_data_prefix: str
    deleted: bool

    @property
    def megabits_per_second(self) -> float:
        return self.total_bytes * 8 / 1e6 / self.elapsed_seconds if self.elapsed_seconds else 0.0

    @property
    def megabytes_per_second(self) -> float:
        return self.total_bytes / 1e6 / self.elapsed_seconds if self.elapsed_seconds else 0.0

    @property
    def files_per_second(self) -> float:
        return self.file_count / self.elapsed_seconds if self.elapsed_seconds else 0.0


def make_test_data(root: str, spec: BenchSpec) -> None:
    """``file_count`` sparse files of ``size_per_file`` bytes, spread over ``number_of_folders`` folders (or flat)."""
    folders = spec.number_of_folders
    for index in range(spec.file_count):
        directory = os.path.join(root, f"folder{index % folders:05d}") if folders else root
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, f"file{index:08d}.dat"), "wb") as handle:
            handle.truncate(spec.size_per_file)


def run_bench(url: str, spec: BenchSpec, settings: EngineSettings, credential: Any = None, subscribers: Iterable[Subscriber] = (),
              setup_subscribers: Iterable[Subscriber] = ()) -> BenchResult:
    """Run one benchmark against the container ``url``; ``subscribers`` hear the measured job's events,
    ``setup_subscribers`` those of the unmeasured upload that prepares a download benchmark."""
    spec = spec.validated()
    blob = parse_blob_url(url)
    if not blob.container or blob.path.strip("/"):
        raise UsageError(f"{blob.redacted}: bench needs a container URL (https://account.blob.core.windows.net/container?<SAS>)")
    name = f"pyazcopy-bench-{uuid.uuid4().hex[:12]}"
    subscribers = list(subscribers)
    with tempfile.TemporaryDirectory(prefix="pyazcopy-bench-") as scratch:
        if spec.mode == "Download":
            free = shutil.disk_usage(scratch).free
            if free < spec.total_bytes + 256 * 1024 ** 2:
                raise UsageError(f"a download benchmark of {spec.total_bytes} bytes needs that much free space in {scratch} (it has {free}): "
                                 "lower --file-count or --size-per-file, or point TMPDIR at a larger disk")
        source = os.path.join(scratch, name)
        make_test_data(source, spec)
        container_url = _join(blob.account_url, blob.container, "", blob.sas)
        upload = CopyOptions(source=source, destination=container_url, recursive=True, put_md5=spec.put_md5, check_length=spec.check_length,
                             blob_type=spec.blob_type, block_size_mb=spec.block_size_mb, put_blob_size_mb=spec.put_blob_size_mb,
                             no_guess_mime_type=True)
        deleted = False
        try:
            summary = run_copy(upload, settings, credential, subscribers if spec.mode == "Upload" else list(setup_subscribers), command="bench")
            if spec.mode == "Download" and summary.succeeded:
                shutil.rmtree(source, ignore_errors=True)
                target = os.path.join(scratch, "download")
                os.makedirs(target)
                download = CopyOptions(source=_join(blob.account_url, blob.container, name, blob.sas), destination=target, recursive=True,
                                       as_subdir=False, check_length=spec.check_length, check_md5="NoCheck",
                                       block_size_mb=spec.block_size_mb)
                summary = run_copy(download, settings, credential, subscribers, command="bench")
                shutil.rmtree(target, ignore_errors=True)
        finally:
            if spec.delete_test_data:
                deleted = delete_prefix(blob, name + "/", settings, credential, subscribers)
    return BenchResult(spec.mode, spec.file_count, spec.total_bytes, summary.elapsed_seconds, summary.concurrency or settings.concurrency,
                       summary, name, deleted)


def delete_prefix(blob, prefix: str, settings: EngineSettings, credential: Any, subscribers: Iterable[Subscriber] = ()) -> bool:
    """Delete every blob under ``prefix`` (the test data); a warning, not a failure, when some cannot be deleted."""
    client = BlobTransferClient(blob, None if blob.sas else credential, pool_size=settings.concurrency + 4,
                                connection_verify=settings.connection_verify, proxies=settings.proxies)
    try:
        names = [item.name for item in client.list_blobs(prefix, retry=lambda fn: call_with_retry(fn, settings.retry))]
        with ThreadPoolExecutor(max(1, min(settings.concurrency, 64))) as pool:
            list(pool.map(lambda n: call_with_retry(lambda: client.delete_blob(n), settings.retry), names))
        return True
    except PyAzCopyError as error:  # the benchmark itself is done; say what is left behind
        for subscriber in subscribers:
            subscriber(Warning_(f"the test data under {prefix} could not all be deleted ({error}); delete it by hand"))
        return False
    finally:
        client.close()


def _join(account_url: str, container: str, path: str, sas: str) -> str:
    return f"{account_url}/{quote(container)}" + (f"/{quote(path)}" if path else "") + (f"?{sas}" if sas else "")
