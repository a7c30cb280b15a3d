"""The typed options of `sync` (AzCopy's flags and defaults), checked before any listing, log or sign-in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pyazcopy.engine.filters import FilterOptions
from pyazcopy.engine.options import CHECK_MD5_MODES, _choice, check_block_size, check_container
from pyazcopy.engine.sync_compare import CompareOptions, parse_compare_hash
from pyazcopy.engine.sync_deletions import parse_delete_destination
from pyazcopy.errors import UsageError

HASH_STORAGE_MODES = ("XAttr", "HiddenFiles")  # AzCopy's on Linux (AlternateDataStreams is Windows only); XAttr the default
LEGACY_FILTERS = ("the include and exclude parameters have been replaced by include-pattern and exclude-pattern. They work on "
                  "filenames only (not paths)")


@dataclass(frozen=True)
class SyncOptions:
    """Everything `sync` was asked to do. ``source``/``destination`` may hold a SAS: kept out of ``repr``."""

    source: str = field(repr=False)
    destination: str = field(repr=False)
    recursive: bool = True
    delete_destination: str = "false"  # true | false | prompt
    compare_hash: str = "None"  # None | MD5
    mirror_mode: bool = False
    filters: FilterOptions = FilterOptions()  # include/exclude pattern, exclude path, include/exclude regex
    dry_run: bool = False
    put_md5: bool = False
    check_md5: str = "FailIfDifferent"
    local_hash_storage_mode: str = "XAttr"
    cap_mbps: float = 0.0
    block_size_mb: float = 0.0
    legacy_include: str = ""
    legacy_exclude: str = ""

    def validated(self) -> "SyncOptions":
        if self.legacy_include or self.legacy_exclude:
            raise UsageError(LEGACY_FILTERS)
        if self.filters.include_path or self.filters.include_before or self.filters.include_after:
            raise UsageError("sync filters with --include-pattern, --exclude-pattern, --exclude-path, --include-regex and "
                             "--exclude-regex only")
        checked = replace(
            self,
            delete_destination=parse_delete_destination(self.delete_destination),
            compare_hash=parse_compare_hash(self.compare_hash),
            check_md5=_choice(self.check_md5, CHECK_MD5_MODES, "--check-md5"),
            local_hash_storage_mode=_choice(self.local_hash_storage_mode, HASH_STORAGE_MODES, "--local-hash-storage-mode"),
        )
        if self.block_size_mb < 0 or self.cap_mbps < 0:
            raise UsageError("--block-size-mb and --cap-mbps must not be negative")
        check_block_size(self.block_size_mb)
        check_container(self.source, self.destination)
        return checked

    def compare_options(self) -> CompareOptions:
        return CompareOptions.build(self.compare_hash, self.mirror_mode, self.delete_destination != "false", self.filters,
                                    self.recursive)
