"""`copy` (alias `cp`): AzCopy's flags, output and exit codes (the `jobs` commands are in jobs_command.py).

Registered into the shared command table (parser.py) by :func:`add_copy_commands`; the handler turns flags into engine
options, resolves the credential through the api layer, renders engine events (rendering.py) and returns the exit code.
"""

from __future__ import annotations

import re

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.flags import CobraParser, bool_flag, engine_settings, output_level
from pyazcopy.cli.output import Output
from pyazcopy.cli.prompts import device_prompt, overwrite_prompt
from pyazcopy.cli.rendering import CopyRenderer
from pyazcopy.engine.filters import FilterOptions
from pyazcopy.engine.joblog import redact
from pyazcopy.engine.options import CopyOptions


def add_copy_commands(commands, global_flags) -> None:
    """Add `copy`/`cp` to the shared sub-command table."""
    copy = commands.add_parser("copy", aliases=["cp"], help="Copies source data to a destination location.",
                               description="Copies source data to a destination location (local <-> Blob).")
    copy.__class__ = CobraParser
    global_flags(copy, True)
    copy.add_argument("source")
    copy.add_argument("destination")
    bool_flag(copy, "recursive", "Look into sub-directories recursively when uploading from local file system.")
    bool_flag(copy, "as-subdir", "True by default. Places folder sources as subdirectories under the destination.")
    copy.add_argument("--from-to", default="", help="Optionally specifies the source destination combination. For Example: LocalBlob, BlobLocal.")
    for flag, text in (
        ("include-pattern", "Include only these files when copying. Supports wildcard characters (*). Separate files by using a ';'."),
        ("exclude-pattern", "Exclude these files when copying. Supports wildcard characters (*)."),
        ("include-path", "Include only these paths when copying. Does not support wildcards. Checks relative path prefix."),
        ("exclude-path", "Exclude these paths when copying. Does not support wildcards. Checks relative path prefix."),
        ("include-regex", "Include only the relative path of the files that align with regular expressions. Separate with ';'."),
        ("exclude-regex", "Exclude all the relative path of the files that align with regular expressions. Separate with ';'."),
        ("include-before", "Include only those files modified before or on the given date/time, ISO8601 e.g. '2020-08-19T15:04:00Z'."),
        ("include-after", "Include only those files modified on or after the given date/time, ISO8601 e.g. '2020-08-19T15:04:00Z'."),
    ):
        copy.add_argument(f"--{flag}", default="", help=text)
    copy.add_argument("--overwrite", default="true", help="Overwrite the conflicting files and blobs at the destination if this flag is set to true. Possible values include 'true', 'false', 'prompt', and 'ifSourceNewer'.")
    copy.add_argument("--block-size-mb", type=float, default=0.0, help="Use this block size (specified in MiB) when uploading to Azure Storage and downloading from Azure Storage. The default value is automatically calculated based on file size. Decimal fractions are allowed (For example: 0.25).")
    copy.add_argument("--put-blob-size-mb", type=float, default=0.0, help="Use this size (specified in MiB) as a threshold to determine whether to upload a blob as a single PUT request when uploading to Azure Storage. The default value is automatically calculated based on file size.")
    copy.add_argument("--blob-type", default="Detect", help="Defines the type of blob at the destination: BlockBlob, PageBlob, AppendBlob or Detect (default).")
    copy.add_argument("--block-blob-tier", default="None", help="Upload block blob to Azure Storage using this blob tier: Hot, Cool, Cold, Archive (default 'None').")
    copy.add_argument("--metadata", default="", help="Upload to Azure Storage with these key-value pairs as metadata, e.g. 'key1=value1;key2=value2'.")
    for flag in ("content-type", "content-encoding", "content-language", "content-disposition", "cache-control"):
        copy.add_argument(f"--{flag}", default="", help=f"Set the {flag.replace('-', ' ')} header of the uploaded blobs.")
    bool_flag(copy, "no-guess-mime-type", "Prevents AzCopy from detecting the content-type based on the extension or content of the file.")
    bool_flag(copy, "put-md5", "Create an MD5 hash of each file, and save the hash as the Content-MD5 property of the destination blob.")
    copy.add_argument("--check-md5", default="FailIfDifferent", help="Specifies how strictly MD5 hashes should be validated when downloading: NoCheck, LogOnly, FailIfDifferent (default), FailIfDifferentOrMissing.")
    bool_flag(copy, "check-length", "Check the length of a file on the destination after the transfer (default true).")
    bool_flag(copy, "preserve-last-modified-time", "Only available when destination is file system. Preserve the last modified time of the blobs.")
    bool_flag(copy, "follow-symlinks", "Follow symbolic links when uploading from local file system.")
    bool_flag(copy, "dry-run", "Prints the file paths that would be copied by this command. This flag does not copy the actual files.")
    copy.add_argument("--cap-mbps", type=float, default=0.0, help="Caps the transfer rate, in megabits per second.")
    copy.add_argument("--output-level", default="default", help="Define the output verbosity. Available levels: essential, quiet.")


# --- handlers --------------------------------------------------------------------------------------------------
def copy_options(args) -> CopyOptions:
    filters = FilterOptions(
        include_pattern=args.include_pattern, exclude_pattern=args.exclude_pattern, include_path=args.include_path,
        exclude_path=args.exclude_path, include_regex=args.include_regex, exclude_regex=args.exclude_regex,
        include_before=args.include_before, include_after=args.include_after,
    )
    return CopyOptions(
        source=args.source, destination=args.destination, recursive=args.recursive, as_subdir=args.as_subdir, from_to=args.from_to,
        filters=filters, overwrite=args.overwrite, block_size_mb=args.block_size_mb, put_blob_size_mb=args.put_blob_size_mb,
        blob_type=args.blob_type, block_blob_tier="" if args.block_blob_tier.lower() == "none" else args.block_blob_tier,
        metadata=args.metadata, content_type=args.content_type, content_encoding=args.content_encoding,
        content_language=args.content_language, content_disposition=args.content_disposition, cache_control=args.cache_control,
        no_guess_mime_type=args.no_guess_mime_type, put_md5=args.put_md5, check_md5=args.check_md5, check_length=args.check_length,
        preserve_last_modified_time=args.preserve_last_modified_time, follow_symlinks=args.follow_symlinks, dry_run=args.dry_run,
        cap_mbps=args.cap_mbps,
    )


def command_line(argv: list[str]) -> str:
    """The command as kept in the plan and shown by `jobs list`: URLs without their query (SAS) part."""
    return redact(" ".join(re.sub(r"^(https?://[^?\s]+)\?.*$", r"\1?<SAS redacted>", arg) for arg in argv))


def copy_command(args, settings, output: Output, environment: Environment) -> int:
    from pyazcopy import api

    options = copy_options(args)
    renderer = CopyRenderer(output, environment, output_level(args.output_level, args.dry_run, args.overwrite))
    summary = api.copy_with(options, settings, engine_settings(environment, args.log_level), subscribers=[renderer],
                            prompt=overwrite_prompt(output, environment), device_prompt=device_prompt(output),
                            command=command_line(["copy", args.source, args.destination]))
    return 0 if summary.succeeded else 1
