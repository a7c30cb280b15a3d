"""The typed options of a copy job and the engine's tunables, as frozen dataclasses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from pyazcopy.engine.filters import FilterOptions
from pyazcopy.endpoints.retry import RetryPolicy
from pyazcopy.errors import UsageError
from pyazcopy.settings import ca_bundle_from, proxies_from

OVERWRITE_MODES = ("true", "false", "prompt", "ifSourceNewer")
CHECK_MD5_MODES = ("NoCheck", "LogOnly", "FailIfDifferent", "FailIfDifferentOrMissing")
BLOB_TYPES = ("Detect", "BlockBlob", "PageBlob", "AppendBlob")
TIERS = ("", "None", "Hot", "Cool", "Cold", "Archive")
FROM_TO = ("LocalBlob", "BlobLocal")


def _choice(value: str, choices: tuple[str, ...], flag: str) -> str:
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise UsageError(f"invalid {flag} value {value!r}; valid values are {', '.join(c for c in choices if c)}")


@dataclass(frozen=True)
class CopyOptions:
    """Everything `copy` was asked to do. ``source``/``destination`` may hold a SAS: kept out of ``repr``."""

    source: str = field(repr=False)
    destination: str = field(repr=False)
    recursive: bool = False
    as_subdir: bool = True
    from_to: str = ""
    filters: FilterOptions = FilterOptions()
    overwrite: str = "true"
    block_size_mb: float = 0.0
    put_blob_size_mb: float = 0.0
    blob_type: str = "Detect"
    block_blob_tier: str = ""
    metadata: str = ""
    content_type: str = ""
    content_encoding: str = ""
    content_language: str = ""
    content_disposition: str = ""
    cache_control: str = ""
    no_guess_mime_type: bool = False
    put_md5: bool = False
    check_md5: str = "FailIfDifferent"
    check_length: bool = True
    preserve_last_modified_time: bool = False
    follow_symlinks: bool = False
    dry_run: bool = False
    cap_mbps: float = 0.0

    def validated(self) -> "CopyOptions":
        from dataclasses import replace

        overwrite = _choice(self.overwrite, OVERWRITE_MODES, "--overwrite")
        check_md5 = _choice(self.check_md5, CHECK_MD5_MODES, "--check-md5")
        blob_type = _choice(self.blob_type, BLOB_TYPES, "--blob-type")
        tier = _choice(self.block_blob_tier, TIERS, "--block-blob-tier") if self.block_blob_tier else ""
        from_to = _choice(self.from_to, FROM_TO, "--from-to") if self.from_to else ""
        if self.block_size_mb < 0 or self.put_blob_size_mb < 0 or self.cap_mbps < 0:
            raise UsageError("--block-size-mb, --put-blob-size-mb and --cap-mbps must not be negative")
        if self.put_blob_size_mb > 5000:
            raise UsageError("--put-blob-size-mb must be at most 5000 (the largest single Put Blob)")
        check_block_size(self.block_size_mb)
        check_container(self.source, self.destination)
        parse_metadata(self.metadata)
        return replace(self, overwrite=overwrite, check_md5=check_md5, blob_type=blob_type, block_blob_tier=tier, from_to=from_to)


MAX_BLOCK_SIZE_MB = 4000  # AzCopy's common.MaxBlockBlobBlockSize (4000 MiB, the service's largest block)


def check_block_size(block_size_mb: float) -> None:
    """``--block-size-mb`` as AzCopy checks it (its wording), before any job exists: AzCopy itself only finds an
    oversized block per transfer, once the job runs."""
    size = block_size_mb * 1024 * 1024
    if size and abs(size - round(size)) > 0.001:
        raise UsageError(f"while fractional numbers of MiB are allowed as the block size, the fraction must result to a whole number "
                         f"of bytes. {block_size_mb:.12f} MiB resolves to {size:.3f} bytes")
    if block_size_mb > MAX_BLOCK_SIZE_MB:
        raise UsageError(f"block size of {block_size_mb / 1024:.2f}GiB exceeds maximum allowed {MAX_BLOCK_SIZE_MB:.2f}MiB block size for a "
                         f"BlockBlob; use --block-size-mb={MAX_BLOCK_SIZE_MB} or less, or leave it out to let pyazcopy choose")


def check_container(source: str, destination: str) -> None:
    """The Blob side's container name by Azure's rules, before a job, a log or a request exists."""
    from pyazcopy.endpoints.blob_transfer import is_blob_url, parse_blob_url
    from pyazcopy.endpoints.locations import container_name_problem

    for url in (source, destination):
        if is_blob_url(url):
            blob = parse_blob_url(url)
            problem = container_name_problem(blob.container) if blob.container else ""
            if problem:
                raise UsageError(f"{problem}. Fix the URL {blob.redacted}")


def parse_metadata(text: str) -> tuple[tuple[str, str], ...]:
    """``--metadata "k1=v1;k2=v2"``."""
    pairs = []
    for item in (text or "").split(";"):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--metadata: {item!r} is not key=value; write it like --metadata \"key1=value1;key2=value2\"")
        pairs.append((key.strip(), value))
    return tuple(pairs)


def default_concurrency(cpus: int | None = None) -> int:
    """AzCopy's default: 32 on machines with up to 4 logical cores, else 16 per core, at most 300."""
    cpus = cpus or os.cpu_count() or 1
    return 32 if cpus <= 4 else min(300, 16 * cpus)


DEFAULT_BUFFER_BYTES = 128 * 1024 * 1024  # pyazcopy keeps peak RSS under 300 MB by default (AzCopy uses more)


@dataclass(frozen=True)
class EngineSettings:
    """Tunables read from the environment by cli/ (or given by the Python API's caller)."""

    plan_dir: Path
    log_dir: Path
    concurrency: int = 32
    buffer_bytes: int = DEFAULT_BUFFER_BYTES
    retry: RetryPolicy = RetryPolicy()
    progress_interval: float = 2.0
    connection_verify: str | bool = True  # a CA bundle path, True (the system's trust store) or False
    proxies: tuple[tuple[str, str], ...] = ()  # settings.proxies_from(env): the data path's proxy, if any
    log_level: str = "INFO"  # --log-level: what the per-job log keeps (NONE: no log file)
    auto_concurrency: bool = False  # AZCOPY_CONCURRENCY_VALUE=AUTO: tune the active connections up to ``concurrency``
    tuning_interval: float = 4.0  # seconds each tuned value settles, then is measured (PYAZCOPY_TUNING_INTERVAL_SECONDS)

    @classmethod
    def from_environment(cls, env: Mapping[str, str], home: Path | None = None) -> "EngineSettings":
        home = home or Path(env.get("HOME") or os.path.expanduser("~"))
        azcopy_dir = home / ".azcopy"
        plan_dir = Path(env.get("AZCOPY_JOB_PLAN_LOCATION") or azcopy_dir / "plans").expanduser()
        log_dir = Path(env.get("AZCOPY_LOG_LOCATION") or azcopy_dir).expanduser()
        concurrency_text = (env.get("AZCOPY_CONCURRENCY_VALUE") or "").strip()
        auto = concurrency_text.upper() == "AUTO"
        if not concurrency_text:
            concurrency = default_concurrency()
        elif auto:
            from pyazcopy.engine.tuning import AUTO_MAXIMUM

            concurrency = AUTO_MAXIMUM
        else:
            try:
                concurrency = int(concurrency_text)
            except ValueError:
                raise UsageError(f"AZCOPY_CONCURRENCY_VALUE={concurrency_text!r} is not a number; set a whole number like 32, or AUTO") from None
            if concurrency < 1:
                raise UsageError("AZCOPY_CONCURRENCY_VALUE must be at least 1")
        buffer_text = (env.get("AZCOPY_BUFFER_GB") or "").strip()
        buffer_bytes = DEFAULT_BUFFER_BYTES
        if buffer_text:
            try:
                buffer_bytes = int(float(buffer_text) * 1024 ** 3)
            except ValueError:
                raise UsageError(f"AZCOPY_BUFFER_GB={buffer_text!r} is not a number; write it like 0.5") from None
            if buffer_bytes <= 0:
                raise UsageError("AZCOPY_BUFFER_GB must be greater than 0")
        interval_text = (env.get("PYAZCOPY_TUNING_INTERVAL_SECONDS") or "").strip()
        interval = 4.0
        if interval_text:
            try:
                interval = float(interval_text)
            except ValueError:
                raise UsageError(f"PYAZCOPY_TUNING_INTERVAL_SECONDS={interval_text!r} is not a number; write it like 4 or 0.5") from None
            if interval <= 0:
                raise UsageError("PYAZCOPY_TUNING_INTERVAL_SECONDS must be greater than 0")
        return cls(plan_dir=plan_dir, log_dir=log_dir, concurrency=concurrency, buffer_bytes=buffer_bytes, auto_concurrency=auto,
                   tuning_interval=interval, connection_verify=ca_bundle_from(env) or True, proxies=proxies_from(env))
