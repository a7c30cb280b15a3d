"""Which enumerated objects a copy keeps: AzCopy's --include/--exclude filters as pure functions.

Semantics follow AzCopy v10 (cmd/zc_filter.go and the copy command's help):
- ``--include-pattern`` / ``--exclude-pattern``: ``;``-separated wildcards matched against the *file name* only, with
  Go's ``path.Match`` rules (``*`` any run of characters, ``?`` one character, ``[a-z]`` / ``[^a-z]`` classes, ``\\``
  escapes). Include patterns are OR'ed; any matching exclude pattern rejects. An invalid pattern is ignored
  (include) or lets everything pass (exclude), as in AzCopy.
- ``--include-path``: ``;``-separated paths relative to the source root; a file passes when its relative path is
  one of them or lies below one of them. ``--exclude-path``: rejects relative paths *starting with* the given text
  (AzCopy compares plain prefixes, so ``--exclude-path=dir`` also excludes ``dir2/x``).
- ``--include-regex`` / ``--exclude-regex``: ``;``-separated regular expressions searched (not anchored) in the
  relative path. Include regexes are OR'ed.
- ``--include-after`` / ``--include-before``: last-modified time ``>=`` / ``<=`` the given instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator, Protocol, TypeVar

from pyazcopy.errors import UsageError


class Filterable(Protocol):
    @property
    def relative_path(self) -> str: ...

    @property
    def last_modified(self) -> float: ...  # seconds since the epoch, UTC


T = TypeVar("T", bound=Filterable)


def split_list(value: str | None) -> tuple[str, ...]:
    """AzCopy's ``;``-separated flag values, empty items dropped."""
    return tuple(item for item in (value or "").split(";") if item)


class BadPattern(ValueError):
    pass


def glob_to_regex(pattern: str) -> str:
    """Translate a Go ``path.Match`` pattern into an anchored Python regex; BadPattern when Go would say so."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            while i < n and pattern[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "\\":
            i += 1
            if i >= n:
                raise BadPattern(pattern)
            out.append(re.escape(pattern[i]))
        elif c == "[":
            i += 1
            negate = i < n and pattern[i] == "^"
            if negate:
                i += 1
            ranges: list[str] = []
            first = True
            while True:
                if i >= n:
                    raise BadPattern(pattern)
                if pattern[i] == "]" and not first:
                    break
                first = False
                lo, i = _class_char(pattern, i)
                if i < n and pattern[i] == "-":
                    hi, i = _class_char(pattern, i + 1)
                    if hi < lo:
                        raise BadPattern(pattern)
                    ranges.append(f"{re.escape(lo)}-{re.escape(hi)}")
                else:
                    ranges.append(re.escape(lo))
            out.append(("[^/" if negate else "[") + "".join(ranges) + "]")
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out) + r"\Z"


def _class_char(pattern: str, i: int) -> tuple[str, int]:
    n = len(pattern)
    if i >= n or pattern[i] in "-]":
        raise BadPattern(pattern)
    if pattern[i] == "\\":
        i += 1
        if i >= n:
            raise BadPattern(pattern)
    return pattern[i], i + 1


def _compile_globs(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(glob_to_regex(pattern), re.DOTALL))
        except (BadPattern, re.error):
            continue  # AzCopy ignores patterns that path.Match rejects
    return tuple(compiled)


def _compile_regexes(patterns: Iterable[str], flag: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            raise UsageError(f"{flag}: {pattern!r} is not a valid regular expression ({error}); fix the expression") from None
    return tuple(compiled)


def parse_time(value: str, flag: str) -> datetime:
    """ISO 8601 as AzCopy accepts it (``2020-08-19T15:04:00Z``); a time without zone is taken as UTC."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise UsageError(f"{flag}: {value!r} is not an ISO 8601 date-time; write it like 2020-08-19T15:04:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class FilterOptions:
    """The raw flag values, ``;``-separated as typed."""

    include_pattern: str = ""
    exclude_pattern: str = ""
    include_path: str = ""
    exclude_path: str = ""
    include_regex: str = ""
    exclude_regex: str = ""
    include_before: str = ""
    include_after: str = ""


@dataclass(frozen=True)
class FilterSet:
    include_names: tuple[re.Pattern[str], ...] = ()
    has_include_names: bool = False
    exclude_names: tuple[re.Pattern[str], ...] = ()
    include_paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    include_regexes: tuple[re.Pattern[str], ...] = ()
    exclude_regexes: tuple[re.Pattern[str], ...] = ()
    after: float | None = None
    before: float | None = None

    @classmethod
    def build(cls, options: FilterOptions) -> "FilterSet":
        include_names = split_list(options.include_pattern)
        after = parse_time(options.include_after, "--include-after").timestamp() if options.include_after else None
        before = parse_time(options.include_before, "--include-before").timestamp() if options.include_before else None
        return cls(
            include_names=_compile_globs(include_names),
            has_include_names=bool(include_names),
            exclude_names=_compile_globs(split_list(options.exclude_pattern)),
            include_paths=tuple(p.replace("\\", "/").strip("/") for p in split_list(options.include_path)),
            exclude_paths=tuple(p.replace("\\", "/") for p in split_list(options.exclude_path)),
            include_regexes=_compile_regexes(split_list(options.include_regex), "--include-regex"),
            exclude_regexes=_compile_regexes(split_list(options.exclude_regex), "--exclude-regex"),
            after=after,
            before=before,
        )

    @property
    def empty(self) -> bool:
        return not (self.has_include_names or self.exclude_names or self.include_paths or self.exclude_paths
                    or self.include_regexes or self.exclude_regexes or self.after is not None or self.before is not None)

    def passes(self, relative_path: str, last_modified: float | None) -> bool:
        name = relative_path.rsplit("/", 1)[-1]
        if self.has_include_names and not any(p.match(name) for p in self.include_names):
            return False
        if any(p.match(name) for p in self.exclude_names):
            return False
        if self.include_paths and not any(relative_path == p or relative_path.startswith(p + "/") for p in self.include_paths):
            return False
        if any(relative_path.startswith(p) for p in self.exclude_paths):
            return False
        if self.include_regexes and not any(r.search(relative_path) for r in self.include_regexes):
            return False
        if any(r.search(relative_path) for r in self.exclude_regexes):
            return False
        if self.after is not None and (last_modified is None or last_modified < self.after):
            return False
        if self.before is not None and (last_modified is None or last_modified > self.before):
            return False
        return True


def apply_filters(items: Iterable[T], filters: FilterSet) -> Iterator[T]:
    """Lazily keep the items that pass; memory does not depend on how many there are."""
    if filters.empty:
        yield from items
        return
    for item in items:
        if filters.passes(item.relative_path, item.last_modified):
            yield item
