"""Byte ranges: which parts of a file hold data (List Ranges), and the Range headers of requests."""

from __future__ import annotations

import re

from localazure.files import errors

RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def add_range(ranges: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """``ranges`` (sorted, merged, [start, end)) with [start, end) added."""
    if start >= end:
        return ranges
    merged = []
    for low, high in ranges:
        if high < start or low > end:
            merged.append((low, high))
        else:
            start, end = min(start, low), max(end, high)
    merged.append((start, end))
    return sorted(merged)


def remove_range(ranges: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """``ranges`` (sorted, merged, [start, end)) with [start, end) taken out."""
    if start >= end:  # an empty range removes nothing (it used to split the range around it in two touching halves)
        return ranges
    kept = []
    for low, high in ranges:
        if high <= start or low >= end:
            kept.append((low, high))
            continue
        if low < start:
            kept.append((low, start))
        if high > end:
            kept.append((end, high))
    return kept


def clip_ranges(ranges: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    return [(low, min(high, size)) for low, high in ranges if low < size]


def parse_range(value: str | None) -> tuple[int, int | None] | None:
    """``bytes=START-END`` (END inclusive, optional) as (start, end exclusive or None); None when absent."""
    if not value:
        return None
    match = RANGE.match(value.strip())
    if match is None:
        raise errors.invalid_header_value(("HeaderName", "x-ms-range"), ("HeaderValue", value))
    start = int(match.group(1))
    end = int(match.group(2)) + 1 if match.group(2) else None
    if end is not None and end <= start:
        raise errors.invalid_header_value(("HeaderName", "x-ms-range"), ("HeaderValue", value))
    return start, end


def request_range(headers) -> tuple[int, int | None] | None:
    """The range of a request: x-ms-range wins over Range, as in Azure."""
    return parse_range(headers.get("x-ms-range") or headers.get("Range"))
