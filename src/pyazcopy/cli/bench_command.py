"""`bench URL`: AzCopy's benchmark command (flags and defaults as AzCopy's), rendered with `copy`'s output plus the
benchmark's result: throughput and the concurrency used."""

from __future__ import annotations

import argparse
import json
import os

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.flags import BOOL_FLAGS, CobraParser, engine_settings, output_level
from pyazcopy.cli.output import Output
from pyazcopy.cli.prompts import device_prompt
from pyazcopy.cli.rendering import CopyRenderer

BOOL_DEFAULTS = {"delete-test-data": True, "put-md5": False, "check-length": True}


def add_bench_command(commands, global_flags) -> None:
    BOOL_FLAGS.update({k: v for k, v in BOOL_DEFAULTS.items() if k not in BOOL_FLAGS})
    bench = commands.add_parser(
        "bench", help="Performs a performance benchmark by uploading or downloading test data to or from a specified destination.",
        description="Performs a performance benchmark by uploading or downloading test data to or from a container. The test data is "
                    "generated automatically (sparse local files: no disk space is used for uploads). Set AZCOPY_CONCURRENCY_VALUE to "
                    "choose the number of connections.")
    bench.__class__ = CobraParser
    global_flags(bench, True)
    bench.add_argument("url", help="the container URL (with a SAS, or signed in)")
    bench.add_argument("--mode", default="Upload", help="Defines if Azcopy should test uploads or downloads from this target. Valid values are 'Upload' and 'Download'. Defaulted option is 'Upload'.")
    bench.add_argument("--file-count", type=int, default=100, help="Number of auto-generated data files to use (default 100)")
    bench.add_argument("--size-per-file", default="250M", help="Size of each auto-generated data file. Must be a number immediately followed by K, M or G. E.g. 12k or 200G (default \"250M\")")
    bench.add_argument("--number-of-folders", type=int, default=0, help="If larger than 0, create folders to divide up the data.")
    for name, text in (("delete-test-data", "If true, the benchmark data will be deleted at the end of the benchmark run. Set it to false if you want to keep the data at the destination - e.g. to use it for manual tests outside benchmark mode (default true)"),
                       ("put-md5", "Create an MD5 hash of each file, and save the hash as the Content-MD5 property of the destination blob/file. (By default the hash is NOT created.) Identical to the same-named parameter in the copy command"),
                       ("check-length", "Check the length of a file on the destination after the transfer. If there is a mismatch between source and destination, the transfer is marked as failed. (default true)")):
        dest = name.replace("-", "_")
        bench.add_argument(f"--{name}", dest=dest, action="store_true", default=BOOL_DEFAULTS[name], help=text)
        bench.add_argument(f"--no-{name}", dest=dest, action="store_false", help=argparse.SUPPRESS)
    bench.add_argument("--blob-type", default="Detect", help="Defines the type of blob at the destination. Used to allow benchmarking different blob types. Identical to the same-named parameter in the copy command (default \"Detect\")")
    bench.add_argument("--block-size-mb", type=float, default=0.0, help="Use this block size (specified in MiB). Default is automatically calculated based on file size. Decimal fractions are allowed - e.g. 0.25. Identical to the same-named parameter in the copy command")
    bench.add_argument("--put-blob-size-mb", type=float, default=0.0, help="Use this size (specified in MiB) as a threshold to determine whether to upload a blob as a single PUT request. Identical to the same-named parameter in the copy command")
    bench.add_argument("--output-level", default="default", help="Define the output verbosity. Available levels: essential, quiet.")


def concurrency_note(env, concurrency: int, tuning: str = "") -> str:
    value = (env.get("AZCOPY_CONCURRENCY_VALUE") or "").strip()
    if value.upper() == "AUTO":
        return f"{concurrency} connections (AZCOPY_CONCURRENCY_VALUE=AUTO: auto-tuned, {tuning or 'at optimum'})"
    if value:
        return f"{concurrency} connections (AZCOPY_CONCURRENCY_VALUE={value})"
    return (f"{concurrency} connections (AZCOPY_CONCURRENCY_VALUE not set: chosen for a machine with {os.cpu_count()} cores; "
            "set AZCOPY_CONCURRENCY_VALUE to choose, or AUTO to tune it)")


def bench_command(args, settings, output: Output, environment: Environment) -> int:
    from pyazcopy import api
    from pyazcopy.engine.bench import BenchSpec, parse_size

    spec = BenchSpec(mode=args.mode, file_count=args.file_count, size_per_file=parse_size(args.size_per_file),
                     number_of_folders=args.number_of_folders, delete_test_data=args.delete_test_data, put_md5=args.put_md5,
                     check_length=args.check_length, blob_type=args.blob_type, block_size_mb=args.block_size_mb,
                     put_blob_size_mb=args.put_blob_size_mb).validated()
    engine = engine_settings(environment, args.log_level)
    renderer = CopyRenderer(output, environment, output_level(args.output_level))
    if spec.mode == "Download" and not output.json:
        output.info(f"Uploading the test data ({spec.file_count} files of {spec.size_per_file} bytes) before the download benchmark...")
    result = api.bench(args.url, spec, settings, engine, subscribers=[renderer], device_prompt=device_prompt(output))
    concurrency = concurrency_note(environment.env, result.concurrency, result.summary.concurrency_reason)
    if output.json:
        output.message("BenchmarkResult", json.dumps({
            "Mode": result.mode, "FileCount": result.file_count, "TotalBytes": result.total_bytes,
            "ElapsedSeconds": round(result.elapsed_seconds, 3), "ThroughputMbps": round(result.megabits_per_second, 4),
            "ThroughputMBps": round(result.megabytes_per_second, 3), "FilesPerSecond": round(result.files_per_second, 3),
            "Concurrency": result.concurrency, "ConcurrencyTuning": result.summary.concurrency_reason, "TestDataDeleted": result.deleted, "JobStatus": result.summary.status,
        }, separators=(",", ":")))
    else:
        output.info("\n".join([
            "",
            "Performance benchmark results:",
            "Note: The measured speeds are not necessarily representative of speeds on other machines, to other storage accounts, "
            "or at other times of day.",
            f"Mode: {result.mode}",
            f"Files: {result.file_count} of {result.total_bytes // max(result.file_count, 1)} bytes ({result.total_bytes} bytes)",
            f"Elapsed Time (Seconds): {result.elapsed_seconds:.2f}",
            f"Throughput (Mb/s): {result.megabits_per_second:.4f}",
            f"Throughput (MB/s): {result.megabytes_per_second:.2f}",
            f"Files per second: {result.files_per_second:.1f}",
            f"Concurrency: {concurrency}",
            "Test data: " + ("deleted" if result.deleted else f"kept under {result.test_data_prefix}/ in the container"
                             if not spec.delete_test_data else f"could not be deleted: remove {result.test_data_prefix}/ by hand"),
        ]))
    return 0 if result.summary.succeeded else 1
