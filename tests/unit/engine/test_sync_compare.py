"""`sync`'s comparison as a pure function: checked against a plain dict model (hypothesis), on wrong orders, and for
memory that stays flat from 10,000 to 1,000,000 entries a side."""

from __future__ import annotations

import itertools
import tracemalloc

import pytest
from hypothesis import given, strategies as st
from property_settings import PROPERTIES

from pyazcopy.endpoints.protocol import Entry, EntityType
from pyazcopy.engine.filters import FilterOptions, FilterSet
from pyazcopy.engine.sync_compare import (
    REASON_HASH_DIFFERS, REASON_HASH_SAME, REASON_NEWER, REASON_NEWER_NO_HASH, REASON_OLDER, REASON_OLDER_NO_HASH, REASON_SIZE,
    ActionKind, CompareOptions, ListingOrderError, compare, parse_compare_hash,
)
from pyazcopy.errors import UsageError

# names from an alphabet where code-point order and a naive per-segment order differ ('-' < '/' < '0'), plus non-ASCII
name_chars = st.sampled_from(["a", "b", "-", "0", " ", "%", "é", "中", "\U0001f600"])
segments = st.text(name_chars, min_size=1, max_size=3)
names = st.lists(segments, min_size=1, max_size=3).map("/".join)
files = st.tuples(st.integers(0, 3), st.integers(0, 3), st.sampled_from([b"", b"m1", b"m2"]))  # size, time, md5
sides = st.dictionaries(names, files, max_size=25)


def listing(side: dict[str, tuple[int, int, bytes]]) -> list[Entry]:
    return [Entry(name, size, float(time), md5) for name, (size, time, md5) in sorted(side.items())]


def model(source: dict, destination: dict, options: CompareOptions) -> list[tuple[ActionKind, str]]:
    """What sync must do, from whole dicts (the memory-hungry way AzCopy does it)."""
    out = []
    for name in sorted(set(source) | set(destination)):
        if not options.filters.passes(name, 0.0) or (not options.recursive and "/" in name):
            continue
        if name not in destination:
            out.append((ActionKind.NEW, name))
        elif name not in source:
            if options.deletions:
                out.append((ActionKind.DELETE, name))
        else:
            (s_size, s_time, s_md5), (d_size, d_time, d_md5) = source[name], destination[name]
            if options.mirror_mode:
                changed = True
            elif options.compare_hash == "MD5" and s_md5:
                changed = s_md5 != d_md5
            else:
                changed = s_time > d_time or s_size != d_size
            out.append((ActionKind.OVERWRITE if changed else ActionKind.SKIP, name))
    return out


options_strategy = st.builds(
    CompareOptions,
    compare_hash=st.sampled_from(["None", "MD5"]),
    mirror_mode=st.booleans(),
    deletions=st.booleans(),
    recursive=st.booleans(),
    filters=st.sampled_from([
        FilterSet(),
        FilterSet.build(FilterOptions(include_pattern="*a*")),
        FilterSet.build(FilterOptions(exclude_pattern="b*;*0")),
        FilterSet.build(FilterOptions(exclude_path="a-")),
        FilterSet.build(FilterOptions(include_regex="^a/", exclude_regex="é")),
    ]),
)


@PROPERTIES
@given(sides, sides, options_strategy)
def test_the_merge_does_what_the_dict_model_does(source, destination, options):
    actions = list(compare(listing(source), listing(destination), options))
    assert [(a.kind, a.name) for a in actions] == model(source, destination, options)
    for action in actions:  # each action carries the entries it was decided on
        assert (action.source is None) == (action.kind is ActionKind.DELETE)
        assert (action.destination is None) == (action.kind is ActionKind.NEW)


@PROPERTIES
@given(sides, sides)
def test_a_second_run_after_copying_and_deleting_finds_nothing_to_do(source, destination):
    options = CompareOptions(deletions=True)
    after = dict(destination)
    for action in compare(listing(source), listing(destination), options):
        if action.kind.copies:
            size, _, md5 = source[action.name]
            after[action.name] = (size, 9, md5)  # the copy is newer than any source time
        elif action.kind is ActionKind.DELETE:
            del after[action.name]
    assert all(a.kind is ActionKind.SKIP for a in compare(listing(source), listing(after), options))


def entry(name: str, size: int = 1, time: float = 10.0, md5: bytes = b"") -> Entry:
    return Entry(name, size, time, md5)


@pytest.mark.parametrize("src,dst,options,kind,reason,missing", [
    (entry("f", time=11), entry("f", time=10), CompareOptions(), ActionKind.OVERWRITE, REASON_NEWER, False),
    (entry("f", time=10), entry("f", time=10), CompareOptions(), ActionKind.SKIP, REASON_OLDER, False),  # strictly later
    (entry("f", time=9), entry("f", time=10), CompareOptions(), ActionKind.SKIP, REASON_OLDER, False),
    (entry("f", size=2, time=9), entry("f", time=10), CompareOptions(), ActionKind.OVERWRITE, REASON_SIZE, False),
    (entry("f", time=20, md5=b"x"), entry("f", time=10, md5=b"x"), CompareOptions("MD5"), ActionKind.SKIP, REASON_HASH_SAME, False),
    (entry("f", time=1, md5=b"x"), entry("f", time=10, md5=b"y"), CompareOptions("MD5"), ActionKind.OVERWRITE, REASON_HASH_DIFFERS, False),
    (entry("f", time=11), entry("f", time=10, md5=b"y"), CompareOptions("MD5"), ActionKind.OVERWRITE, REASON_NEWER_NO_HASH, True),
    (entry("f", time=9), entry("f", time=10, md5=b"y"), CompareOptions("MD5"), ActionKind.SKIP, REASON_OLDER_NO_HASH, True),
])
def test_one_name_on_both_sides(src, dst, options, kind, reason, missing):
    (action,) = compare([src], [dst], options)
    assert (action.kind, action.reason, action.missing_hash) == (kind, reason, missing)


def test_folders_take_no_part_and_deletions_only_when_asked():
    folder = Entry("d", 0, 1.0, entity_type=EntityType.FOLDER)
    assert list(compare([folder], [])) == []
    assert list(compare([], [entry("x")])) == []
    assert [a.kind for a in compare([], [entry("x")], CompareOptions(deletions=True))] == [ActionKind.DELETE]


@pytest.mark.parametrize("side", ["source", "destination"])
@pytest.mark.parametrize("names,problem", [
    (["a0", "a/b"], "gave 'a/b' after 'a0', out of name order"),  # a listing that sorted '/' after '0'
    (["a/b", "a-b"], "gave 'a-b' after 'a/b', out of name order"),  # a per-directory order ('a' before 'a-b')
    (["\U0001f600", "\uff01"], "out of name order"),  # UTF-16 order, not code points
    (["x", "x"], "named 'x' twice"),
])
def test_a_listing_out_of_order_stops_the_comparison(side, names, problem):
    wrong = [entry(name) for name in names]
    right = [entry("a-b"), entry("zz")]
    source, destination = (wrong, right) if side == "source" else (right, wrong)
    with pytest.raises(ListingOrderError) as error:
        list(compare(source, destination, CompareOptions(deletions=True), "SRC", "DST"))
    assert problem in str(error.value) and f"the {side} {'SRC' if side == 'source' else 'DST'}" in str(error.value)
    assert "nothing was deleted" in str(error.value)


def test_compare_hash_values():
    assert parse_compare_hash("md5") == "MD5" and parse_compare_hash("none") == "None" and parse_compare_hash("") == "None"
    with pytest.raises(UsageError, match="valid values are None, MD5"):
        parse_compare_hash("SHA256")


# --- memory ------------------------------------------------------------------------------------------------------
def _side(count: int, offset: int, step: int, shift: int = 0):
    """``count`` entries named in order, made as they are consumed (like a listing's pages)."""
    return (Entry(f"dir{i // 1000:05d}/file-{i:08d}", i % 7, float((i + shift) % 5)) for i in range(offset, offset + count * step, step))


def _peak(count: int) -> int:
    # the two sides overlap on half their names: news, overwrites, skips and deletions all happen
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        kinds = {kind: 0 for kind in ActionKind}
        for action in compare(_side(count, 0, 2), _side(count, count, 1, shift=1), CompareOptions(deletions=True)):
            kinds[action.kind] += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(kinds.values()) > count and all(kinds.values()), kinds
    return peak


def test_peak_memory_is_flat_from_ten_thousand_to_a_million_entries_a_side():
    small, large = _peak(10_000), _peak(1_000_000)
    # a dict of one side's names alone would take ~100 MB at a million; the merge keeps a few entries
    assert large < small + 64 * 1024, (small, large)
    assert large < 256 * 1024, large


def test_dict_of_paths_would_fail_the_memory_check():
    """The check above can fail: an index of one side (AzCopy's way) grows with the count."""
    def indexed(count: int) -> int:
        tracemalloc.start()
        try:
            index = {e.name: e for e in _side(count, 0, 1)}
            _, peak = tracemalloc.get_traced_memory()
            del index
        finally:
            tracemalloc.stop()
        return peak

    assert indexed(100_000) > indexed(10_000) + 64 * 1024


def test_each_side_is_consumed_lazily():
    pulled = itertools.count()

    def counted():
        for e in _side(1_000, 0, 1):
            next(pulled)
            yield e

    actions = compare(counted(), iter([]))
    next(actions)
    assert next(pulled) <= 3
