"""Where files land, as AzCopy names them."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, strategies as st
from property_settings import PROPERTIES

from pyazcopy.engine.planner import Layout, blob_type_for, download_layout, guess_content_type, join_prefix, plan_rows, upload_layout

segment = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=8)
rel = st.lists(segment, min_size=1, max_size=4).map("/".join)


@dataclass(frozen=True)
class F:
    relative_path: str
    size: int = 1
    last_modified: float = 0.0


def names(layout: Layout, *items: str) -> list[str]:
    return [row[1] for row in plan_rows([F(i) for i in items], layout)]


def test_upload_single_file():
    assert names(upload_layout("", False, "a.txt", True, False), "a.txt") == ["a.txt"]
    assert names(upload_layout("dir/", False, "a.txt", True, False), "a.txt") == ["dir/a.txt"]
    assert names(upload_layout("dir/b.txt", False, "a.txt", True, False), "a.txt") == ["dir/b.txt"]


def test_upload_directory_as_subdir_and_not():
    assert names(upload_layout("", True, "src", True, False), "x/y") == ["src/x/y"]
    assert names(upload_layout("pre", True, "src", True, False), "x/y") == ["pre/src/x/y"]
    assert names(upload_layout("pre", True, "src", False, False), "x/y") == ["pre/x/y"]
    assert names(upload_layout("pre/", False, "*", True, True), "x/y") == ["pre/x/y"]


def test_download_layouts():
    assert names(download_layout(True, "d/a.txt", True, "", "c", True, False), "a.txt") == ["a.txt"]
    assert names(download_layout(True, "d/a.txt", False, "b.txt", "c", True, False), "a.txt") == ["b.txt"]
    assert names(download_layout(False, "d/sub", True, "", "c", True, False), "x") == ["sub/x"]
    assert names(download_layout(False, "", True, "", "c", True, False), "x") == ["c/x"]
    assert names(download_layout(False, "d/", True, "", "c", True, True), "x") == ["x"]


@PROPERTIES
@given(st.lists(rel, max_size=30), st.sampled_from(["", "p", "p/"]))
def test_directory_upload_keeps_relative_structure(items, prefix):
    got = names(upload_layout(prefix, True, "src", True, False), *items)
    assert got == [join_prefix(join_prefix(prefix, "src/"), i) for i in items]
    assert all(name.endswith(i) for name, i in zip(got, items))


def test_blob_type_detect_and_mime():
    assert blob_type_for("disk.VHD", "Detect") == "PageBlob"
    assert blob_type_for("a.txt", "Detect") == "BlockBlob"
    assert blob_type_for("a.txt", "AppendBlob") == "AppendBlob"
    assert guess_content_type("a.html", "", False) == "text/html"
    assert guess_content_type("a.html", "", True) == "application/octet-stream"
    assert guess_content_type("a.html", "x/y", False) == "x/y"
    assert guess_content_type("noext", "", False) == "application/octet-stream"
