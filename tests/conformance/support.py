"""Helpers of the conformance suite: write an object through the protocol, read one back whole."""

from __future__ import annotations

from pyazcopy.endpoints.protocol import Properties


def put(endpoint, name: str, data: bytes, pieces: int = 1, properties: Properties = Properties()) -> None:
    """Write ``data`` as ``name`` in ``pieces`` ranges of uneven sizes, written last first (so order does not matter)."""
    writer = endpoint.open_writer(name, len(data), properties)
    cuts = sorted({0, len(data), *((len(data) * i) // pieces + i for i in range(1, pieces) if (len(data) * i) // pieces + i < len(data))})
    ranges = list(zip(cuts, cuts[1:]))
    for start, end in reversed(ranges):
        writer.write_at(start, memoryview(data)[start:end])
    writer.commit()


def read_all(endpoint, name: str) -> bytes:
    entry = endpoint.stat(name)
    assert entry is not None, f"{name} is missing"
    buffer = bytearray(entry.size)
    assert endpoint.read_into(name, 0, memoryview(buffer)) == entry.size
    return bytes(buffer)
