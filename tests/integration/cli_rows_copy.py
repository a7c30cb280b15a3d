"""Rows of the flag table: `copy` (alias `cp`) and each of its flags, checked on the blobs or files it produced."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime, timezone

from cli_table_support import Ctx, row

MiB = 1024 * 1024


@row("copy", "cp")
def _copy(ctx: Ctx) -> None:
    src = ctx.tree({"a.txt": b"alpha"})
    out = ctx.ok([ctx.key, str(src / "a.txt"), ctx.sas()]).out
    assert "Final Job Status: Completed" in out and ctx.data("a.txt") == b"alpha"
    down = ctx.ok([ctx.key, ctx.sas("a.txt"), str(ctx.tmp / "back.txt")])
    assert "Number of File Transfers Completed: 1" in down.out and (ctx.tmp / "back.txt").read_bytes() == b"alpha"


@row("copy --recursive")
def _recursive(ctx: Ctx) -> None:
    src = ctx.tree({"top.txt": b"t", "sub/deep.txt": b"d"})
    ctx.run(["copy", str(src), ctx.sas()])  # a folder without --recursive: nothing of it is uploaded
    assert ctx.blobs() == {}
    ctx.ok(["copy", str(src), ctx.sas(), "--recursive"])
    assert ctx.blobs() == {"src/top.txt": 1, "src/sub/deep.txt": 1}


@row("copy --as-subdir")
def _as_subdir(ctx: Ctx) -> None:
    src = ctx.tree({"top.txt": b"t"})
    ctx.ok(["copy", str(src), ctx.sas(), "--recursive", "--as-subdir=false"])
    assert ctx.blobs() == {"top.txt": 1}
    ctx.ok(["copy", str(src), ctx.sas(), "--recursive", "--as-subdir=true"])
    assert ctx.blobs() == {"top.txt": 1, "src/top.txt": 1}


@row("copy --from-to")
def _from_to(ctx: Ctx) -> None:
    src = ctx.tree({"a.txt": b"alpha"})
    ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), "--from-to=LocalBlob"])
    assert ctx.data("a.txt") == b"alpha"
    ctx.ok(["copy", ctx.sas("a.txt"), str(ctx.tmp / "b.txt"), "--from-to=BlobLocal"])
    assert (ctx.tmp / "b.txt").read_bytes() == b"alpha"
    wrong = ctx.fails(["copy", str(src / "a.txt"), ctx.sas("c.txt"), "--from-to=BlobLocal"])
    assert "--from-to=BlobLocal does not match" in wrong.out and "c.txt" not in ctx.blobs()


FILTER_TREE = {"keep.csv": b"1", "drop.txt": b"2", "sub/deep.csv": b"3", "sub/deep.txt": b"4"}


def _filtered(ctx: Ctx, *flags: str) -> set[str]:
    src = ctx.tree(FILTER_TREE)
    ctx.ok(["copy", str(src), ctx.sas(), "--recursive", "--as-subdir=false", *flags])
    return set(ctx.blobs())


@row("copy --include-pattern")
def _include_pattern(ctx: Ctx) -> None:
    assert _filtered(ctx, "--include-pattern=*.csv") == {"keep.csv", "sub/deep.csv"}


@row("copy --exclude-pattern")
def _exclude_pattern(ctx: Ctx) -> None:
    assert _filtered(ctx, "--exclude-pattern=*.csv") == {"drop.txt", "sub/deep.txt"}


@row("copy --include-path")
def _include_path(ctx: Ctx) -> None:
    assert _filtered(ctx, "--include-path=sub;drop.txt") == {"drop.txt", "sub/deep.csv", "sub/deep.txt"}


@row("copy --exclude-path")
def _exclude_path(ctx: Ctx) -> None:
    assert _filtered(ctx, "--exclude-path=sub") == {"keep.csv", "drop.txt"}


@row("copy --include-regex")
def _include_regex(ctx: Ctx) -> None:
    assert _filtered(ctx, "--include-regex=^sub/.*\\.txt$") == {"sub/deep.txt"}


@row("copy --exclude-regex")
def _exclude_regex(ctx: Ctx) -> None:
    assert _filtered(ctx, "--exclude-regex=deep") == {"keep.csv", "drop.txt"}


def _aged_tree(ctx: Ctx):
    src = ctx.tree({"old.txt": b"o", "new.txt": b"n"})
    old = datetime(2019, 6, 1, tzinfo=timezone.utc).timestamp()
    os.utime(src / "old.txt", (old, old))
    return src


@row("copy --include-before")
def _include_before(ctx: Ctx) -> None:
    ctx.ok(["copy", str(_aged_tree(ctx)), ctx.sas(), "--recursive", "--include-before=2020-01-01T00:00:00Z"])
    assert set(ctx.blobs()) == {"src/old.txt"}


@row("copy --include-after")
def _include_after(ctx: Ctx) -> None:
    ctx.ok(["copy", str(_aged_tree(ctx)), ctx.sas(), "--recursive", "--include-after=2020-01-01T00:00:00Z"])
    assert set(ctx.blobs()) == {"src/new.txt"}


@row("copy --overwrite")
def _overwrite(ctx: Ctx) -> None:
    ctx.put("a.txt", b"old")
    src = ctx.tree({"a.txt": b"new content"})
    kept = ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), "--overwrite=false"])
    assert "Number of File Transfers Skipped: 1" in kept.out and ctx.data("a.txt") == b"old"
    ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), "--overwrite=true"])
    assert ctx.data("a.txt") == b"new content"


@row("copy --block-size-mb")
def _block_size(ctx: Ctx) -> None:
    src = ctx.tree({"big.bin": os.urandom(3 * MiB)})
    ctx.ok(["copy", str(src / "big.bin"), ctx.sas(), "--block-size-mb=1"])
    assert ctx.committed_blocks("big.bin") == 3
    ctx.ok(["copy", str(src / "big.bin"), ctx.sas(), "--block-size-mb=0.5"])
    assert ctx.committed_blocks("big.bin") == 6 and ctx.data("big.bin") == (src / "big.bin").read_bytes()


@row("copy --put-blob-size-mb")
def _put_blob_size(ctx: Ctx) -> None:
    src = ctx.tree({"big.bin": os.urandom(3 * MiB)})
    ctx.ok(["copy", str(src / "big.bin"), ctx.sas()])
    assert ctx.committed_blocks("big.bin") == 0  # by default a 3 MiB file is one Put Blob (8 MiB blocks)
    ctx.ok(["copy", str(src / "big.bin"), ctx.sas(), "--put-blob-size-mb=1"])
    assert ctx.committed_blocks("big.bin") == 1  # over the threshold: Put Block + Put Block List
    ctx.ok(["copy", str(src / "big.bin"), ctx.sas(), "--block-size-mb=1", "--put-blob-size-mb=4"])
    assert ctx.committed_blocks("big.bin") == 0 and ctx.data("big.bin") == (src / "big.bin").read_bytes()


@row("copy --blob-type")
def _blob_type(ctx: Ctx) -> None:
    src = ctx.tree({"page.bin": os.urandom(4096), "append.log": b"line\n" * 100})
    ctx.ok(["copy", str(src / "page.bin"), ctx.sas(), "--blob-type=PageBlob"])
    ctx.ok(["copy", str(src / "append.log"), ctx.sas(), "--blob-type=AppendBlob"])
    assert ctx.props("page.bin").blob_type == "PageBlob" and ctx.props("append.log").blob_type == "AppendBlob"
    assert ctx.data("page.bin") == (src / "page.bin").read_bytes() and ctx.data("append.log") == b"line\n" * 100


@row("copy --block-blob-tier")
def _tier(ctx: Ctx) -> None:
    src = ctx.tree({"a.txt": b"alpha", "b.txt": b"beta"})
    ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), "--block-blob-tier=Cool"])
    ctx.ok(["copy", str(src / "b.txt"), ctx.sas(), "--block-blob-tier=Cold"])
    assert ctx.props("a.txt").blob_tier == "Cool" and ctx.props("b.txt").blob_tier == "Cold"


@row("copy --metadata")
def _metadata(ctx: Ctx) -> None:
    src = ctx.tree({"a.txt": b"alpha"})
    ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), "--metadata=project=apollo;stage=raw"])
    assert ctx.props("a.txt").metadata == {"project": "apollo", "stage": "raw"}


def _header_row(flag: str, value: str, attribute: str):
    def check(ctx: Ctx) -> None:
        src = ctx.tree({"a.txt": b"alpha"})
        ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), f"--{flag}={value}"])
        assert getattr(ctx.props("a.txt").content_settings, attribute) == value

    return check


for _flag, _value, _attribute in (
    ("content-type", "application/x-flag-table", "content_type"),
    ("content-encoding", "gzip", "content_encoding"),
    ("content-language", "de-CH", "content_language"),
    ("content-disposition", 'attachment; filename="report.txt"', "content_disposition"),
    ("cache-control", "max-age=3600", "cache_control"),
):
    row(f"copy --{_flag}")(_header_row(_flag, _value, _attribute))


@row("copy --no-guess-mime-type")
def _no_guess_mime_type(ctx: Ctx) -> None:
    src = ctx.tree({"page.html": b"<p>hi</p>"})
    ctx.ok(["copy", str(src / "page.html"), ctx.sas("guessed.html")])
    ctx.ok(["copy", str(src / "page.html"), ctx.sas("plain.html"), "--no-guess-mime-type"])
    assert ctx.props("guessed.html").content_settings.content_type == "text/html"
    assert ctx.props("plain.html").content_settings.content_type == "application/octet-stream"


@row("copy --put-md5")
def _put_md5(ctx: Ctx) -> None:
    # in blocks (a single Put Blob gets an MD5 from the service itself, on Azure as on Azurite)
    data = os.urandom(3 * MiB)
    src = ctx.tree({"a.bin": data})
    ctx.ok(["copy", str(src / "a.bin"), ctx.sas("without.bin"), "--block-size-mb=1"])
    ctx.ok(["copy", str(src / "a.bin"), ctx.sas("with.bin"), "--block-size-mb=1", "--put-md5"])
    assert not ctx.props("without.bin").content_settings.content_md5
    assert bytes(ctx.props("with.bin").content_settings.content_md5) == hashlib.md5(data).digest()


@row("copy --check-md5")
def _check_md5(ctx: Ctx) -> None:
    from azure.storage.blob import ContentSettings

    ctx.put("a.txt", b"alpha")
    ctx.client().get_blob_client("a.txt").set_http_headers(ContentSettings(content_md5=hashlib.md5(b"other").digest()))
    failed = ctx.fails(["copy", ctx.sas("a.txt"), str(ctx.tmp / "strict.txt")])  # default FailIfDifferent
    assert "Number of File Transfers Failed: 1" in failed.out and not (ctx.tmp / "strict.txt").exists()
    ctx.ok(["copy", ctx.sas("a.txt"), str(ctx.tmp / "loose.txt"), "--check-md5=NoCheck"])
    assert (ctx.tmp / "loose.txt").read_bytes() == b"alpha"
    ctx.put("plain.txt", b"no hash")
    ctx.client().get_blob_client("plain.txt").set_http_headers(ContentSettings())  # Put Blob's own MD5 removed
    missing = ctx.fails(["copy", ctx.sas("plain.txt"), str(ctx.tmp / "p.txt"), "--check-md5=FailIfDifferentOrMissing"])
    assert "Number of File Transfers Failed: 1" in missing.out


@row("copy --check-length")
def _check_length(ctx: Ctx) -> None:
    # The check itself cannot be reached from outside: every range's length is verified (and retried) whatever the
    # flag, and a blob listed as empty is never fetched (AzCopy's check is the same last safety net). What is
    # observable: both spellings are taken, the data arrives intact, and a bad value is refused before anything runs.
    ctx.put("a.txt", b"alpha")
    ctx.ok(["copy", ctx.sas("a.txt"), str(ctx.tmp / "checked.txt")])
    ctx.ok(["copy", ctx.sas("a.txt"), str(ctx.tmp / "unchecked.txt"), "--check-length=false"])
    assert (ctx.tmp / "checked.txt").read_bytes() == (ctx.tmp / "unchecked.txt").read_bytes() == b"alpha"
    bad = ctx.fails(["copy", ctx.sas("a.txt"), str(ctx.tmp / "bad.txt"), "--check-length=maybe"])
    assert "invalid value 'maybe' for --check-length: use true or false" in bad.out and not (ctx.tmp / "bad.txt").exists()


@row("copy --preserve-last-modified-time")
def _preserve_mtime(ctx: Ctx) -> None:
    ctx.put("a.txt", b"alpha")
    modified = ctx.props("a.txt").last_modified.timestamp()
    time.sleep(1.5)  # so "now" and the blob's time differ by more than the 1 s resolution of Last-Modified
    ctx.ok(["copy", ctx.sas("a.txt"), str(ctx.tmp / "kept.txt"), "--preserve-last-modified-time"])
    ctx.ok(["copy", ctx.sas("a.txt"), str(ctx.tmp / "now.txt")])
    assert abs((ctx.tmp / "kept.txt").stat().st_mtime - modified) < 0.01
    assert (ctx.tmp / "now.txt").stat().st_mtime - modified >= 1


@row("copy --follow-symlinks")
def _follow_symlinks(ctx: Ctx) -> None:
    (ctx.tmp / "target.txt").write_bytes(b"the target's content")
    src = ctx.tree({"plain.txt": b"plain"})
    (src / "link.txt").symlink_to(ctx.tmp / "target.txt")
    ctx.ok(["copy", str(src), ctx.sas(), "--recursive"])
    assert set(ctx.blobs()) == {"src/plain.txt"}  # links are skipped by default
    ctx.ok(["copy", str(src), ctx.sas(), "--recursive", "--follow-symlinks"])
    assert ctx.data("src/link.txt") == b"the target's content"


@row("copy --dry-run")
def _dry_run(ctx: Ctx) -> None:
    src = ctx.tree({"a.txt": b"alpha", "b.txt": b"beta"})
    out = ctx.ok(["copy", str(src), ctx.sas(), "--recursive", "--dry-run"]).out
    assert sum(line.startswith("DRYRUN: copy ") for line in out.splitlines()) == 2 and "sig=" not in out
    assert ctx.blobs() == {}


@row("copy --cap-mbps")
def _cap_mbps(ctx: Ctx) -> None:
    # 4 chunks of 0.5 MiB at 8 Mb/s (1 MB/s): the last one may start only ~1.57 s after the first
    src = ctx.tree({"a.bin": os.urandom(2 * MiB)})
    started = time.monotonic()
    ctx.ok(["copy", str(src / "a.bin"), ctx.sas(), "--block-size-mb=0.5", "--cap-mbps=8"])
    assert time.monotonic() - started >= 1.4
    assert ctx.committed_blocks("a.bin") == 4


@row("copy --output-level")
def _output_level(ctx: Ctx) -> None:
    src = ctx.tree({"a.txt": b"alpha"})
    default = ctx.ok(["copy", str(src / "a.txt"), ctx.sas("d.txt")]).out
    essential = ctx.ok(["copy", str(src / "a.txt"), ctx.sas("e.txt"), "--output-level=essential"]).out
    quiet = ctx.ok(["copy", str(src / "a.txt"), ctx.sas("q.txt"), "--output-level=quiet"]).out
    assert "INFO: Scanning..." in default and "Final Job Status: Completed" in default
    assert "INFO: Scanning..." not in essential and "Final Job Status: Completed" in essential
    assert quiet.strip() == ""
    assert set(ctx.blobs()) == {"d.txt", "e.txt", "q.txt"}
