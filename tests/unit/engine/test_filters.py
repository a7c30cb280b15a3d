"""AzCopy's filters as pure functions: Go path.Match globs on names, prefixes on paths, regexes, dates."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import given, strategies as st
from property_settings import PROPERTIES

from pyazcopy.engine.filters import BadPattern, FilterOptions, FilterSet, apply_filters, glob_to_regex, parse_time, split_list
from pyazcopy.errors import UsageError

name_chars = st.characters(blacklist_characters="/;\\\x00", blacklist_categories=("Cs",))  # ; separates list items
names = st.text(name_chars, min_size=1, max_size=12)
paths = st.lists(names, min_size=1, max_size=4).map("/".join)


@dataclass(frozen=True)
class Item:
    relative_path: str
    last_modified: float = 0.0


def passes(path: str, mtime: float = 0.0, **flags: str) -> bool:
    return FilterSet.build(FilterOptions(**flags)).passes(path, mtime)


@pytest.mark.parametrize("pattern,name,expected", [
    ("*.txt", "a.txt", True), ("*.txt", "a.txt.bak", False), ("a?c", "abc", True), ("a?c", "ac", False),
    ("[a-c]x", "bx", True), ("[^a-c]x", "bx", False), ("[^a-c]x", "dx", True), (r"\*", "*", True),
    ("*", "", True), ("report*", "report 2024 (final).pdf", True), ("*%*", "100%", True),
])
def test_glob_follows_go_path_match(pattern, name, expected):
    assert bool(re.match(glob_to_regex(pattern), name, re.DOTALL)) is expected


@pytest.mark.parametrize("pattern", ["[", "[a-", "\\", "[]", "[z-a]"])
def test_bad_patterns_are_rejected_like_go(pattern):
    with pytest.raises(BadPattern):
        glob_to_regex(pattern)


@PROPERTIES
@given(names)
def test_star_matches_every_name_and_a_literal_matches_itself(name):
    assert passes(f"d/{name}", include_pattern="*")
    literal = "".join("\\" + c if c in "*?[\\" else c for c in name)
    assert passes(f"dir/{name}", include_pattern=literal)


@PROPERTIES
@given(paths, st.lists(names, max_size=3))
def test_include_pattern_is_the_or_of_its_parts_and_looks_at_the_name_only(path, patterns):
    joined = ";".join(patterns)
    name = path.rsplit("/", 1)[-1]
    expected = not patterns or any(re.match(glob_to_regex(p), name, re.DOTALL) for p in patterns if _valid(p))
    assert passes(path, include_pattern=joined) is bool(expected)


def _valid(pattern: str) -> bool:
    try:
        glob_to_regex(pattern)
        return True
    except BadPattern:
        return False


@PROPERTIES
@given(paths, names)
def test_exclude_pattern_rejects_exactly_what_include_pattern_accepts(path, pattern):
    if not _valid(pattern):
        return
    assert passes(path, exclude_pattern=pattern) is not passes(path, include_pattern=pattern)


def test_invalid_patterns_are_ignored_for_include_and_pass_for_exclude():
    assert passes("a/b.txt", exclude_pattern="[")
    assert not passes("a/b.txt", include_pattern="[")
    assert passes("a/b.txt", include_pattern="[;*.txt")


@PROPERTIES
@given(paths, paths)
def test_include_path_keeps_the_path_and_what_is_below_it(path, other):
    assert passes(path, include_path=path)
    assert passes(f"{path}/{other}", include_path=path)
    assert passes(f"{path}/{other}", include_path=path + "/")
    if not (other == path or other.startswith(path + "/")):
        assert not passes(other, include_path=path)


@PROPERTIES
@given(paths, st.text(name_chars, max_size=6))
def test_exclude_path_is_a_plain_prefix_as_in_azcopy(path, tail):
    assert not passes(path + tail, exclude_path=path)


def test_exclude_path_prefix_quirk_and_backslashes():
    assert not passes("dir2/x", exclude_path="dir")
    assert not passes("dir/sub/x", exclude_path="dir\\sub")
    assert passes("other/x", exclude_path="dir")


def test_regexes_search_the_relative_path():
    assert passes("a/b/report.csv", include_regex=r"b/.*\.csv$")
    assert not passes("a/b/report.txt", include_regex=r"\.csv$;^zzz")
    assert not passes("a/tmp/x", exclude_regex="tmp")
    with pytest.raises(UsageError, match="--include-regex"):
        FilterSet.build(FilterOptions(include_regex="(unclosed"))


@PROPERTIES
@given(st.floats(0, 2e9), st.floats(0, 2e9))
def test_dates_are_inclusive(mtime, threshold):
    from datetime import datetime, timezone

    stamp = datetime.fromtimestamp(threshold, timezone.utc).isoformat()
    threshold = parse_time(stamp, "x").timestamp()
    assert passes("f", mtime, include_after=stamp) is (mtime >= threshold)
    assert passes("f", mtime, include_before=stamp) is (mtime <= threshold)
    assert passes("f", threshold, include_after=stamp, include_before=stamp)


def test_time_formats():
    assert parse_time("2020-08-19T15:04:00Z", "f").timestamp() == 1597849440
    assert parse_time("2020-08-19T15:04:00", "f").timestamp() == 1597849440
    with pytest.raises(UsageError, match="ISO 8601"):
        parse_time("yesterday", "--include-after")


@PROPERTIES
@given(st.lists(paths, max_size=50), st.lists(names, max_size=2))
def test_apply_filters_is_lazy_and_agrees_with_passes(items, patterns):
    filters = FilterSet.build(FilterOptions(include_pattern=";".join(patterns)))
    kept = list(apply_filters((Item(p) for p in items), filters))
    assert kept == [Item(p) for p in items if filters.passes(p, 0.0)]


def test_apply_filters_streams():
    def endless():
        i = 0
        while True:
            yield Item(f"d/{i}.txt" if i % 2 else f"d/{i}.bin")
            i += 1

    out = apply_filters(endless(), FilterSet.build(FilterOptions(include_pattern="*.txt")))
    assert [next(out).relative_path for _ in range(3)] == ["d/1.txt", "d/3.txt", "d/5.txt"]


def test_split_list_drops_empty_items():
    assert split_list("a;;b;") == ("a", "b")
    assert split_list(None) == ()
