"""Rows of the flag table: jobs (alias job) list/ls, show, resume, remove/rm, clean and their flags; bench and its
flags (kept test data read back from the container)."""

from __future__ import annotations

import hashlib

from cli_table_support import Ctx, job_id_of, row

from pyazcopy.cli.parser import build_parser

KiB, MiB = 1024, 1024 * 1024


# --- jobs ----------------------------------------------------------------------------------------------------------
@row("jobs")
def _jobs(ctx: Ctx) -> None:
    bare = ctx.fails(["jobs"])
    assert "jobs needs a sub-command: list, show, resume, remove or clean" in bare.out


@row("job", "jobs list", "jobs ls")
def _jobs_list(ctx: Ctx) -> None:
    job_id = ctx.failed_upload()
    words = {"job": ["job", "list"], "jobs ls": ["jobs", "ls"]}.get(ctx.key, ["jobs", "list"])
    out = ctx.ok(words).out
    assert f"JobId: {job_id}" in out and "Status: Failed" in out and "Command: copy " in out and "sig=" not in out


@row("jobs list --with-status")
def _jobs_list_with_status(ctx: Ctx) -> None:
    failed = ctx.failed_upload()
    src = ctx.tree({"ok.txt": b"ok"}, "good")
    completed = job_id_of(ctx.ok(["copy", str(src / "ok.txt"), ctx.sas()]).out)
    only_failed = ctx.ok(["jobs", "list", "--with-status=Failed"]).out
    only_completed = ctx.ok(["jobs", "list", "--with-status=completed"]).out
    assert failed in only_failed and completed not in only_failed
    assert completed in only_completed and failed not in only_completed
    bad = ctx.fails(["jobs", "list", "--with-status=Sleeping"])
    assert "'Sleeping' is not a job status" in bad.out


@row("jobs show")
def _jobs_show(ctx: Ctx) -> None:
    job_id = ctx.failed_upload(files=3)
    out = ctx.ok(["jobs", "show", job_id]).out
    assert f"Job {job_id} summary" in out and "Number of File Transfers: 3" in out and "Final Job Status: Failed" in out
    assert "invalid jobId given not-a-job" in ctx.fails(["jobs", "show", "not-a-job"]).out


@row("jobs show --with-status")
def _jobs_show_with_status(ctx: Ctx) -> None:
    job_id = ctx.failed_upload(files=3)
    failed = ctx.ok(["jobs", "show", job_id, "--with-status=Failed"]).out
    assert f"Transfers for JobId {job_id}" in failed and failed.count(" status Failed") == 3
    assert " status " not in ctx.ok(["jobs", "show", job_id, "--with-status=Success"]).out.replace(f"JobId {job_id}", "")


@row("jobs resume")
def _jobs_resume(ctx: Ctx) -> None:
    # the plan never keeps the SAS: without one and without a sign-in, resuming says how to authorize and sends
    # nothing; with a sign-in in the environment (auto-login), the same bare command finishes the job
    job_id = ctx.failed_upload()
    refused = ctx.fails(["jobs", "resume", job_id])
    assert "no SAS token or OAuth token is present" in refused.out and ctx.blobs() == {}
    out = ctx.ok(["jobs", "resume", job_id], ctx.spn_env()).out
    assert f"Job {job_id} has resumed" in out and "Final Job Status: Completed" in out
    assert set(ctx.blobs()) == {"failing/f0.txt", "failing/f1.txt", "failing/f2.txt"}


@row("jobs resume --destination-sas")
def _jobs_resume_destination_sas(ctx: Ctx) -> None:
    job_id = ctx.failed_upload(files=3)
    sas = ctx.sas().split("?", 1)[1]
    out = ctx.ok(["jobs", "resume", job_id, f"--destination-sas={sas}"]).out
    assert f"Job {job_id} has resumed" in out and "Final Job Status: Completed" in out and "sig=" not in out
    assert set(ctx.blobs()) == {"failing/f0.txt", "failing/f1.txt", "failing/f2.txt"}


@row("jobs resume --source-sas")
def _jobs_resume_source_sas(ctx: Ctx) -> None:
    ctx.put("in/a.txt", b"alpha")
    ctx.put("in/b.txt", b"beta")
    list_only = ctx.sas(permission="l")  # enumerates, but may not read: the downloads fail
    failed = ctx.fails(["copy", list_only, str(ctx.tmp / "out"), "--recursive", "--as-subdir=false"])
    job_id = job_id_of(failed.out)
    assert not (ctx.tmp / "out" / "in" / "a.txt").exists()
    out = ctx.ok(["jobs", "resume", job_id, f"--source-sas={ctx.sas().split('?', 1)[1]}"]).out
    assert "Final Job Status: Completed" in out and "sig=" not in out
    assert (ctx.tmp / "out" / "in" / "a.txt").read_bytes() == b"alpha" and (ctx.tmp / "out" / "in" / "b.txt").read_bytes() == b"beta"


@row("jobs resume --output-level")
def _jobs_resume_output_level(ctx: Ctx) -> None:
    job_id = ctx.failed_upload()
    out = ctx.ok(["jobs", "resume", job_id, f"--destination-sas={ctx.sas().split('?', 1)[1]}", "--output-level=quiet"]).out
    assert out.strip() == "" and len(ctx.blobs()) == 3


@row("jobs remove", "jobs rm")
def _jobs_remove(ctx: Ctx) -> None:
    job_id = ctx.failed_upload()
    plans = ctx.home / "plans"
    assert any(job_id in p.name for p in plans.iterdir()) and (ctx.home / "logs" / f"{job_id}.log").exists()
    out = ctx.ok(["jobs", ctx.key.split()[1], job_id]).out
    assert f"Successfully removed log and job plan files for job {job_id}." in out
    assert not any(job_id in p.name for p in plans.iterdir()) and not (ctx.home / "logs" / f"{job_id}.log").exists()
    assert job_id not in ctx.ok(["jobs", "list"]).out


@row("jobs clean")
def _jobs_clean(ctx: Ctx) -> None:
    first, second = ctx.failed_upload(), ctx.failed_upload()
    assert first != second
    assert "Successfully removed 2 jobs." in ctx.ok(["jobs", "clean"]).out
    listed = ctx.ok(["jobs", "list"]).out
    assert first not in listed and second not in listed and not list((ctx.home / "logs").glob("*.log"))


# --- bench ---------------------------------------------------------------------------------------------------------
def _bench(ctx: Ctx, *flags: str, keep: bool = True) -> str:
    args = ["bench", ctx.sas(), "--file-count=2", "--size-per-file=4k", *flags]
    return ctx.ok(args + (["--delete-test-data=false"] if keep and not any(f.startswith("--delete-test-data") for f in flags) else [])).out


@row("bench")
def _bench_defaults(ctx: Ctx) -> None:
    args = build_parser().parse_args(["bench", ctx.url])  # AzCopy's defaults: 100 files of 250M, upload, deleted after
    assert (args.mode, args.file_count, args.size_per_file, args.number_of_folders, args.delete_test_data) == ("Upload", 100, "250M", 0, True)
    out = ctx.ok(["bench", ctx.sas(), "--file-count=2", "--size-per-file=1k"]).out
    assert "Performance benchmark results:" in out and "Mode: Upload" in out and "Test data: deleted" in out
    assert ctx.blobs() == {}


@row("bench --mode")
def _bench_mode(ctx: Ctx) -> None:
    out = ctx.ok(["bench", ctx.sas(), "--mode=Download", "--file-count=2", "--size-per-file=4k"]).out
    assert "Mode: Download" in out and "Uploading the test data (2 files of 4096 bytes)" in out
    bad = ctx.fails(["bench", ctx.sas(), "--mode=Sideways", "--file-count=1", "--size-per-file=1k"])
    assert "Sideways" in bad.out


@row("bench --file-count")
def _bench_file_count(ctx: Ctx) -> None:
    out = _bench(ctx, "--file-count=5")
    assert "Number of File Transfers: 5" in out and len(ctx.blobs()) == 5


@row("bench --size-per-file")
def _bench_size_per_file(ctx: Ctx) -> None:
    _bench(ctx, "--size-per-file=10k")
    assert set(ctx.blobs().values()) == {10 * KiB}


@row("bench --number-of-folders")
def _bench_folders(ctx: Ctx) -> None:
    _bench(ctx, "--file-count=4", "--number-of-folders=2")
    assert {name.split("/")[1] for name in ctx.blobs()} == {"folder00000", "folder00001"}


@row("bench --delete-test-data")
def _bench_delete(ctx: Ctx) -> None:
    assert "Test data: deleted" in _bench(ctx, "--delete-test-data=true")
    assert ctx.blobs() == {}
    assert "Test data: kept under pyazcopy-bench-" in _bench(ctx, "--delete-test-data=false")
    assert len(ctx.blobs()) == 2


@row("bench --put-md5")
def _bench_put_md5(ctx: Ctx) -> None:
    _bench(ctx, "--size-per-file=3M", "--block-size-mb=1", "--put-md5")  # in blocks: the MD5 is the client's
    assert len(ctx.blobs()) == 2
    for name in ctx.blobs():
        assert bytes(ctx.props(name).content_settings.content_md5) == hashlib.md5(ctx.data(name)).digest()


@row("bench --check-length")
def _bench_check_length(ctx: Ctx) -> None:
    # as for copy, the check is a last safety net no outside fault reaches; both spellings run, a bad one is refused
    out = ctx.ok(["bench", ctx.sas(), "--mode=Download", "--file-count=2", "--size-per-file=4k", "--check-length=false"]).out
    assert "Mode: Download" in out and "Final Job Status: Completed" in out
    assert "invalid value 'maybe' for --check-length" in ctx.fails(["bench", ctx.sas(), "--file-count=1", "--size-per-file=1k", "--check-length=maybe"]).out


@row("bench --blob-type")
def _bench_blob_type(ctx: Ctx) -> None:
    _bench(ctx, "--blob-type=AppendBlob")
    assert {ctx.props(name).blob_type for name in ctx.blobs()} == {"AppendBlob"}


@row("bench --block-size-mb")
def _bench_block_size(ctx: Ctx) -> None:
    _bench(ctx, "--size-per-file=3M", "--block-size-mb=1")
    assert {ctx.committed_blocks(name) for name in ctx.blobs()} == {3}


@row("bench --put-blob-size-mb")
def _bench_put_blob_size(ctx: Ctx) -> None:
    _bench(ctx, "--size-per-file=3M", "--block-size-mb=1", "--put-blob-size-mb=4")
    assert {ctx.committed_blocks(name) for name in ctx.blobs()} == {0}  # one Put Blob each


@row("bench --output-level")
def _bench_output_level(ctx: Ctx) -> None:
    quiet = _bench(ctx, "--output-level=quiet", keep=False)
    assert "Final Job Status" not in quiet and "INFO: Scanning..." not in quiet
    essential = _bench(ctx, "--output-level=essential", keep=False)
    assert "Final Job Status: Completed" in essential and "INFO: Scanning..." not in essential
