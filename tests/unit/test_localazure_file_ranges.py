"""The File service's range bookkeeping (List Ranges after Put Range update/clear and resizes) against a byte map."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from localazure.files import errors
from localazure.files.ranges import add_range, clip_ranges, parse_range, remove_range

SIZE = 64
steps = st.lists(st.tuples(st.sampled_from(["add", "remove", "clip"]), st.integers(0, SIZE), st.integers(0, SIZE)), max_size=30)


def as_set(ranges):
    return {i for start, end in ranges for i in range(start, end)}


@given(steps)
@example([("add", 0, 2), ("remove", 1, 1)])  # found by hypothesis in a merged run: an empty clear split a range
def test_ranges_match_a_byte_map_and_stay_sorted_and_merged(operations):
    ranges, written = [], set()
    for kind, a, b in operations:
        start, end = min(a, b), max(a, b)
        if kind == "add":
            ranges, written = add_range(ranges, start, end), written | set(range(start, end))
        elif kind == "remove":
            ranges, written = remove_range(ranges, start, end), written - set(range(start, end))
        else:
            ranges, written = clip_ranges(ranges, end), {i for i in written if i < end}
        assert as_set(ranges) == written
        assert all(low < high for low, high in ranges)
        assert all(first[1] < second[0] for first, second in zip(ranges, ranges[1:]))  # no overlap, no touching


def test_parse_range():
    assert parse_range("bytes=0-511") == (0, 512)
    assert parse_range("bytes=100-") == (100, None)
    assert parse_range(None) is None
    for bad in ("bytes=5-1", "pages=0-1", "bytes=-5"):
        with pytest.raises(errors.FileError) as raised:
            parse_range(bad)
        assert raised.value.code == "InvalidHeaderValue"
