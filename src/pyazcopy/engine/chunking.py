"""How a file is cut into blocks (upload) or ranges (download): pure functions.

AzCopy's rules: the default block size is 8 MiB; when a file would need more than 50,000 blocks (Block Blob's
limit) the block size grows until it fits. Files no larger than the put-blob threshold (``--put-blob-size-mb``,
default: the block size) are sent with one Put Blob request.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from pyazcopy.errors import UsageError

MiB = 1024 * 1024
DEFAULT_BLOCK_SIZE = 8 * MiB
MAX_BLOCKS = 50_000
MAX_BLOCK_SIZE = 4000 * MiB
MAX_PUT_BLOB_SIZE = 5000 * MiB
DOWNLOAD_CHUNK_SIZE = 8 * MiB
LARGE_DOWNLOAD = 256 * MiB
LARGE_DOWNLOAD_CHUNK_SIZE = 64 * MiB


@dataclass(frozen=True)
class Chunk:
    index: int
    offset: int
    length: int


def mib_to_bytes(value: float, flag: str) -> int:
    if value < 0:
        raise UsageError(f"{flag} must not be negative")
    return int(round(value * MiB))


def block_size_for(file_size: int, requested: int = 0) -> int:
    """The block size for a file: ``requested`` (bytes) when given, else 8 MiB grown to fit 50,000 blocks."""
    if requested:
        if requested > MAX_BLOCK_SIZE:
            raise UsageError(f"--block-size-mb must be at most {MAX_BLOCK_SIZE // MiB}")
        if -(-file_size // requested) > MAX_BLOCKS:
            raise UsageError(
                f"a file of {file_size} bytes needs more than {MAX_BLOCKS} blocks of {requested} bytes; "
                "raise --block-size-mb or leave it out to let pyazcopy choose"
            )
        return requested
    size = DEFAULT_BLOCK_SIZE
    if file_size > size * MAX_BLOCKS:
        per_block = -(-file_size // MAX_BLOCKS)
        size = -(-per_block // MiB) * MiB  # whole MiB, like AzCopy's computed sizes
    return size


def download_chunk_size(file_size: int) -> int:
    """The range size of a download: AzCopy's 8 MiB up to 256 MiB files, 64 MiB ranges above (a 1 GiB blob still
    spreads over 16 connections). Every ranged GET has a fixed cost at the service: on Azurite, 1 GiB in 8 MiB ranges
    took 1.4x the time and 1.6x its CPU of 64 MiB ranges (docs/PERFORMANCE.md)."""
    return DOWNLOAD_CHUNK_SIZE if file_size <= LARGE_DOWNLOAD else LARGE_DOWNLOAD_CHUNK_SIZE


def uses_put_blob(file_size: int, block_size: int, put_blob_size: int = 0) -> bool:
    """Whether the file goes up in one Put Blob request."""
    threshold = put_blob_size or block_size
    return file_size <= min(threshold, MAX_PUT_BLOB_SIZE)


def chunks(file_size: int, chunk_size: int) -> list[Chunk]:
    """The chunks covering ``file_size`` bytes; one empty chunk for an empty file."""
    if file_size == 0:
        return [Chunk(0, 0, 0)]
    return [Chunk(i, offset, min(chunk_size, file_size - offset)) for i, offset in enumerate(range(0, file_size, chunk_size))]


def chunk_count(file_size: int, chunk_size: int) -> int:
    return max(1, -(-file_size // chunk_size))


def block_id(transfer_key: str, index: int) -> str:
    """A block id: same length for every block of a blob (the service requires it), base64 as the API wants.

    ``transfer_key`` ties the blocks to one job's transfer, so resumed work reuses exactly its own staged blocks.
    """
    raw = f"{transfer_key[:32]:<32}{index:010d}".encode("ascii")
    return base64.b64encode(raw).decode("ascii")
