"""`sync`: AzCopy's flags, defaults, messages and exit codes, on the endpoint protocol.

Registered into the shared command table (parser.py) by :func:`add_sync_command`. The handler checks the flags
(``engine.sync_options``), resolves the two endpoints through the api layer, scans and compares them
(``engine.sync_scan``), prints the scan counters, then:

- ``--dry-run``: ``DRYRUN: copy SRC to DST`` per copy and ``DRYRUN: remove DST`` per deletion, exit 0;
- nothing to copy: the deletions (``--delete-destination true``, or ``prompt`` per object), then AzCopy's
  "The source and destination are already/now in sync." and exit 0;
- something to copy: the copies plug into the transfer engine once it runs on the protocol (``SyncScan.copies`` is
  the stream its planner takes); until then the command says so and stops, exit 1, with nothing copied or deleted
  (deletions only ever follow copies that all succeeded).
"""

from __future__ import annotations

import argparse
import json
import uuid

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.flags import CobraParser, bool_flag, engine_settings
from pyazcopy.cli.output import Output
from pyazcopy.cli.prompts import delete_prompt, device_prompt
from pyazcopy.engine.filters import FilterOptions
from pyazcopy.engine.sync_options import SyncOptions

FILTER_FLAGS = (
    ("include-pattern", "Include only files where the name matches the pattern list. For example: *.jpg;*.pdf;exactName"),
    ("exclude-pattern", "Exclude files where the name matches the pattern list. For example: *.jpg;*.pdf;exactName"),
    ("exclude-path", "Exclude these paths when comparing the source against the destination. This option does not support "
                     "wildcard characters (*). Checks relative path prefix(For example: myFolder;myFolder/subDirName/file.pdf)."),
    ("include-regex", "Include the relative path of the files that match with the regular expressions. Separate regular "
                      "expressions with ';'."),
    ("exclude-regex", "Exclude the relative path of the files that match with the regular expressions. Separate regular "
                      "expressions with ';'."),
)


def add_sync_command(commands, global_flags) -> None:
    """Add `sync` to the shared sub-command table."""
    sync = commands.add_parser("sync", aliases=["sc", "s"], help="Replicate source to the destination location.",
                               description="Replicate source to the destination location (a local directory <-> a Blob "
                                           "container or directory). The last modified times are used for comparison.")
    sync.__class__ = CobraParser
    global_flags(sync, True)
    sync.add_argument("source")
    sync.add_argument("destination")
    bool_flag(sync, "recursive", "True by default, look into sub-directories recursively when syncing between directories. (default true).")
    sync.set_defaults(recursive=True)
    sync.add_argument("--delete-destination", default="false", help="Defines whether to delete extra files from the destination "
                      "that are not present at the source. Could be set to true, false, or prompt. If set to prompt, the user will be "
                      "asked a question before scheduling files and blobs for deletion. (default 'false').")
    sync.add_argument("--compare-hash", default="None", help="Inform sync to rely on hashes as an alternative to LMT. Missing "
                      "hashes at a remote source will throw an error. (None, MD5) Default: None")
    bool_flag(sync, "mirror-mode", "Disable last-modified-time based comparison and overwrites the conflicting files and blobs at "
                                   "the destination if this flag is set to true. Default is false.")
    for flag, text in FILTER_FLAGS:
        sync.add_argument(f"--{flag}", default="", help=text)
    bool_flag(sync, "dry-run", "False by default. Prints the path of files that would be copied or removed by the sync command. "
                               "This flag does not copy or remove the actual files.")
    bool_flag(sync, "put-md5", "Create an MD5 hash of each file, and save the hash as the Content-MD5 property of the destination "
                               "blob or file. (By default the hash is NOT created.) Only available when uploading.")
    sync.add_argument("--check-md5", default="FailIfDifferent", help="Specifies how strictly MD5 hashes should be validated when "
                      "downloading. This option is only available when downloading. Available values include: NoCheck, LogOnly, "
                      "FailIfDifferent, FailIfDifferentOrMissing. (default 'FailIfDifferent').")
    sync.add_argument("--local-hash-storage-mode", default="XAttr", help="Specify an alternative way to cache file hashes; valid "
                      "options are: HiddenFiles (OS Agnostic), XAttr (Linux/MacOS only; requires user_xattr on all filesystems "
                      "traversed @ source)")
    sync.add_argument("--cap-mbps", type=float, default=0.0, help="Caps the transfer rate, in megabits per second.")
    sync.add_argument("--block-size-mb", type=float, default=0.0, help="Use this block size (specified in MiB) when uploading to "
                      "Azure Storage or downloading from Azure Storage. Default is automatically calculated based on file size. "
                      "Decimal fractions are allowed (For example: 0.25).")
    sync.add_argument("--include", dest="legacy_include", default="", help=argparse.SUPPRESS)  # Legacy include param. DO NOT USE
    sync.add_argument("--exclude", dest="legacy_exclude", default="", help=argparse.SUPPRESS)  # Legacy exclude param. DO NOT USE


def sync_options(args) -> SyncOptions:
    filters = FilterOptions(include_pattern=args.include_pattern, exclude_pattern=args.exclude_pattern,
                            exclude_path=args.exclude_path, include_regex=args.include_regex, exclude_regex=args.exclude_regex)
    return SyncOptions(
        source=args.source, destination=args.destination, recursive=args.recursive, delete_destination=args.delete_destination,
        compare_hash=args.compare_hash, mirror_mode=args.mirror_mode, filters=filters, dry_run=args.dry_run, put_md5=args.put_md5,
        check_md5=args.check_md5, local_hash_storage_mode=args.local_hash_storage_mode, cap_mbps=args.cap_mbps,
        block_size_mb=args.block_size_mb, legacy_include=args.legacy_include, legacy_exclude=args.legacy_exclude,
    )


def _full(base: str, name: str) -> str:
    """AzCopy's GenerateFullPath: the location (a URL without its SAS) and the relative name."""
    return base.rstrip("/") + "/" + name


def sync_command(args, settings, output: Output, environment: Environment) -> int:
    from pyazcopy import api
    from pyazcopy.engine.joblog import JobLog
    from pyazcopy.engine.sync_deletions import delete_extras, object_type
    from pyazcopy.engine.sync_scan import SyncScan

    options = sync_options(args).validated()
    source, destination = api.sync_endpoints(options.source, options.destination, settings, device_prompt(output))
    engine = engine_settings(environment, args.log_level)
    job_id = str(uuid.uuid4())
    log = JobLog(engine.log_dir, f"{job_id}-scanning", engine.log_level)
    source_base, destination_base = (e.display.split("?", 1)[0] for e in (source, destination))

    def scanned(progress) -> None:
        if output.json:
            output.message("Progress", json.dumps({"FilesScannedAtSource": progress.source_scanned,
                                                   "FilesScannedAtDestination": progress.destination_scanned}, separators=(",", ":")))
        else:
            output.message("Progress", f"{progress.source_scanned} Files Scanned at Source, "
                                       f"{progress.destination_scanned} Files Scanned at Destination")
        log.write("INFO", f"{progress.source_scanned} Files Scanned at Source, {progress.destination_scanned} Files Scanned at Destination")

    def decided(action) -> None:  # AzCopy's scanning log: why each file was copied, skipped or deleted
        if log.enabled("INFO") and action.destination is not None:
            status = "deleted" if action.source is None else "skipped" if action.kind.value == "skip" else "overwritten"
            log.write("INFO", f"File {action.name} was {status} because {action.reason}")

    scan = SyncScan(source, destination, options.compare_options(), engine.plan_dir,
                    progress=None if options.dry_run else scanned, interval=2.0, on_action=decided)
    try:
        if options.dry_run:
            return _dry_run(scan, options, output, source_base, destination_base)
        copies = sum(1 for _ in scan.copies())  # the engine's planner takes this stream once sync copies (see the docstring)
        tally = scan.tally
        _missing_hash_warning(tally.missing_hash, output)
        if copies:
            output.error(f"cannot sync yet: {copies} files need copying ({tally.new} new, {tally.overwrite} changed), and this "
                         "pyazcopy's sync does not copy files yet; nothing was copied or deleted. Run `pyazcopy sync ... --dry-run` "
                         "to see them, or `pyazcopy copy` to copy them.")
            return 1
        result = None
        if options.delete_destination != "false" and tally.deletions:
            extras = scan.deletions()
            confirm = delete_prompt(output, environment, object_type(destination), destination_base)
            result = delete_extras(destination, extras, options.delete_destination, output.info,
                                   lambda extra: confirm(extra.name), engine.retry)
            for line in result.failures:
                log.write("ERR", f"delete failed: {line}")
        return _finish(tally, result, output, job_id)
    finally:
        scan.close()
        log.close()


def _dry_run(scan, options: SyncOptions, output: Output, source_base: str, destination_base: str) -> int:
    kind = f"{scan.source.kind}{scan.destination.kind}"
    for action in scan.copies():
        source, target = _full(source_base, action.name), _full(destination_base, action.name)
        if output.json:
            output.message("Dryrun", json.dumps({"EntityType": "File", "BlobType": action.source.blob_type or "BlockBlob",
                                                 "FromTo": kind, "Source": source, "Destination": target,
                                                 "SourceSize": action.source.size}, separators=(",", ":")))
        else:
            output.message("Dryrun", f"DRYRUN: copy {source} to {target}")
    _missing_hash_warning(scan.tally.missing_hash, output)
    if options.delete_destination != "false":
        for extra in scan.deletions():
            target = _full(destination_base, extra.name)
            if output.json:
                output.message("Dryrun", json.dumps({"EntityType": "File", "BlobType": "", "FromTo": f"{scan.destination.kind}Unknown",
                                                     "Source": target, "Destination": ""}, separators=(",", ":")))
            else:
                output.message("Dryrun", f"DRYRUN: remove {target}")
    output.end_of_job()
    return 0


def _missing_hash_warning(count: int, output: Output) -> None:
    if count:
        output.warn(f"{count} source files lack an associated hash (please upload with --put-md5 for hash comparison); they "
                    "were compared by last-modified time and size")


def _finish(tally, result, output: Output, job_id: str) -> int:
    deleted, kept, failed = (result.deleted, result.kept, result.failed) if result else (0, 0, 0)
    if output.json:
        output.message("EndOfJob", json.dumps({
            "JobID": job_id, "FilesScannedAtSource": tally.source_scanned, "FilesScannedAtDestination": tally.destination_scanned,
            "TotalTransfers": 0, "TransfersCompleted": 0, "TransfersFailed": 0, "DeleteTotalTransfers": tally.deletions,
            "DeleteTransfersCompleted": deleted, "JobStatus": "Completed" if not failed else "CompletedWithErrors",
        }, separators=(",", ":")))
    else:
        if failed:
            output.message("Info", f"\nNumber of Deletions at Destination: {deleted}\n{failed} extra objects could not be deleted "
                                   "(the lines above say why); run the sync again once that is fixed")
        elif kept:
            output.message("Info", f"\nNumber of Deletions at Destination: {deleted}\n{kept} extra objects were kept at the destination, "
                                   "as answered")
        elif deleted:
            output.message("Info", f"\nNumber of Deletions at Destination: {deleted}\nThe source and destination are now in sync.")
        else:
            output.message("Info", "The source and destination are already in sync.")
    return 1 if failed else 0

