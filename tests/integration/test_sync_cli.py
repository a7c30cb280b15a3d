"""`pyazcopy sync` as users type it, against localazure: dry runs both ways with names whose orders differ, the scan
counters, deletions (true and prompt), "already in sync", and the refusals that keep data safe (a failed or
out-of-order listing, a missing or empty source, copies the command cannot make yet)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from copy_support import CountingProxy, container_sas, sas_url, write_tree
from test_copy_cli import SPN_APP, SPN_SECRET, env_for, run
from test_copy_permissions import run_without_dac

OLD = 946684800.0  # 2000-01-01: older than any blob
# names where code-point order ('-' < '/' < '0') and a per-directory order differ, plus %, spaces and non-ASCII
AWKWARD = ["a-b", "a/b", "a0", "100% done.txt", "sp ace/x y.txt", "é/ü.txt", "中文.txt"]


def blobs(localazure, container) -> dict[str, int]:
    return {b.name: b.size for b in localazure.shared_key_service().get_container_client(container).list_blobs()}


def put(localazure, container, files: dict[str, bytes]) -> None:
    client = localazure.shared_key_service().get_container_client(container)
    for name, data in files.items():
        client.upload_blob(name, data, overwrite=True)


def tree(root: Path, files: dict[str, bytes], mtime: float = OLD) -> Path:
    write_tree(root, files)
    for name in files:
        os.utime(root / name, (mtime, mtime))
    return root


def lines(out: str, prefix: str) -> list[str]:
    return sorted(line for line in out.splitlines() if line.startswith(prefix))


def test_dry_run_up_with_awkward_names(localazure, container, tmp_path):
    src = tree(tmp_path / "src", {name: b"new" for name in AWKWARD} | {"same.txt": b"s", "changed.txt": b"longer"})
    os.utime(src / "a0", (time.time() + 3600,) * 2)  # newer than its blob
    put(localazure, container, {"a0": b"old", "same.txt": b"s", "changed.txt": b"short", "extra/gone.txt": b"x", "a-": b"x"})
    before = blobs(localazure, container)
    url = sas_url(localazure.blob_url, container)
    result = run(["sync", str(src), url, "--dry-run", "--delete-destination=true"], env_for(localazure, tmp_path / "home"))
    assert result.code == 0, result.out
    base = f"{localazure.blob_url}/{container}"
    copied = [n for n in AWKWARD if n != "a0"] + ["a0", "changed.txt"]  # new, newer, and a size difference (older time)
    assert lines(result.out, "DRYRUN: copy") == sorted(f"DRYRUN: copy {src}/{n} to {base}/{n}" for n in copied)
    assert lines(result.out, "DRYRUN: remove") == sorted(f"DRYRUN: remove {base}/{n}" for n in ("extra/gone.txt", "a-"))
    assert "sig=" not in result.out and "Scanned" not in result.out  # AzCopy shows no scan progress in a dry run
    assert blobs(localazure, container) == before


def test_dry_run_down_with_awkward_names_and_json(localazure, container, tmp_path):
    put(localazure, container, {name: b"blob" for name in AWKWARD})
    dst = tree(tmp_path / "dst", {"a-b": b"blob", "a/c": b"extra"})  # a-b older than its blob: copied again
    result = run(["sync", sas_url(localazure.blob_url, container), str(dst), "--dry-run", "--delete-destination=true",
                  "--output-type=json"], env_for(localazure, tmp_path / "home"))
    assert result.code == 0, result.out
    messages = [json.loads(line) for line in result.out.splitlines() if line.strip()]
    dry = [json.loads(m["MessageContent"]) for m in messages if m["MessageType"] == "Dryrun"]
    copies = sorted(d["Source"].rsplit(f"/{container}/", 1)[1] for d in dry if d["Destination"])
    assert copies == sorted(AWKWARD) and all(d["FromTo"] == "BlobLocal" for d in dry if d["Destination"])
    assert [d["Source"] for d in dry if not d["Destination"]] == [f"{dst}/a/c"]
    assert (dst / "a/c").read_bytes() == b"extra"  # a dry run removes nothing


def test_deletions_then_already_in_sync(localazure, container, tmp_path):
    src = tree(tmp_path / "src", {"keep.txt": b"k", "sub/keep2.txt": b"kk"})
    put(localazure, container, {"keep.txt": b"k", "sub/keep2.txt": b"kk", "gone.txt": b"g", "sub-x/gone2.txt": b"g2"})
    env = env_for(localazure, tmp_path / "home")
    url = sas_url(localazure.blob_url, container)
    kept = run(["sync", str(src), url], env)  # --delete-destination defaults to false: the extras stay
    assert kept.code == 0 and "The source and destination are already in sync." in kept.out, kept.out
    assert "2 Files Scanned at Source, 4 Files Scanned at Destination" in kept.out
    assert len(blobs(localazure, container)) == 4
    result = run(["sync", str(src), url, "--delete-destination=true"], env)
    assert result.code == 0, result.out
    assert lines(result.out, "INFO: Deleting extra object:") == ["INFO: Deleting extra object: gone.txt",
                                                                  "INFO: Deleting extra object: sub-x/gone2.txt"]
    assert "Number of Deletions at Destination: 2" in result.out and "The source and destination are now in sync." in result.out
    assert blobs(localazure, container) == {"keep.txt": 1, "sub/keep2.txt": 2}
    logs = sorted((tmp_path / "home" / "logs").glob("*-scanning.log"))
    assert len(logs) == 2  # one scanning log per run, as AzCopy keeps them, with the reason for each decision
    text = logs[0].read_text() + logs[1].read_text()
    assert "File keep.txt was skipped because the source has an older LMT than the destination" in text
    assert "File gone.txt was deleted because the destination object does not exist at the source" in text and "sig=" not in text
    again = run(["sync", str(src), url, "--delete-destination=true", "--output-type=json"], env)
    assert again.code == 0, again.out
    end = json.loads([json.loads(line) for line in again.out.splitlines()][-1]["MessageContent"])
    assert (end["DeleteTotalTransfers"], end["DeleteTransfersCompleted"], end["FilesScannedAtSource"]) == (0, 0, 2)


def test_delete_prompt_yes_no_yes_for_all(localazure, container, tmp_path):
    src = tree(tmp_path / "src", {"keep.txt": b"k"})
    put(localazure, container, {"keep.txt": b"k", "x1": b"1", "x2": b"2", "x3": b"3", "x4": b"4"})
    env = env_for(localazure, tmp_path / "home")
    result = run(["sync", str(src), sas_url(localazure.blob_url, container), "--delete-destination=prompt"], env, stdin="y\nn\na\n")
    assert result.code == 0, result.out
    assert result.out.count("does not exist at the source. Do you wish to delete it from the destination(") == 3
    assert "The Blob 'x1' does not exist at the source." in result.out and "Keeping extra Blob: x2" in result.out
    assert "Confirmed. All the extra Blobs will be deleted." in result.out
    assert blobs(localazure, container) == {"keep.txt": 1, "x2": 1}


def test_delete_prompt_no_for_all_keeps_everything(localazure, container, tmp_path):
    put(localazure, container, {"x1": b"1", "x2": b"2"})
    dst = tree(tmp_path / "dst", {"x1": b"1", "x2": b"2", "local-extra": b"e"}, mtime=time.time() + 3600)
    result = run(["sync", sas_url(localazure.blob_url, container), str(dst), "--delete-destination=prompt"],
                 env_for(localazure, tmp_path / "home"), stdin="l\n")
    assert result.code == 0, result.out
    assert "The local file 'local-extra' does not exist at the source." in result.out
    assert "No deletions will happen from now onwards." in result.out and (dst / "local-extra").exists()


def test_a_failed_source_listing_deletes_nothing(localazure, container, tmp_path):
    put(localazure, container, {"a.txt": b"a"})
    dst = tree(tmp_path / "dst", {"a.txt": b"a", "only-here.txt": b"mine"}, mtime=time.time() + 3600)
    no_list = sas_url(localazure.blob_url, container, permission="r")  # the listing is refused (403)
    result = run(["sync", no_list, str(dst), "--delete-destination=true"], env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert "listing the source" in result.out and "nothing was deleted" in result.out and "sig=" not in result.out
    assert (dst / "only-here.txt").read_bytes() == b"mine"


def test_an_unreadable_source_directory_deletes_nothing(localazure, container, tmp_path):
    src = tree(tmp_path / "src", {"ok.txt": b"o", "locked/inside.txt": b"i"})
    put(localazure, container, {"ok.txt": b"o", "locked/inside.txt": b"i", "zzz-extra.txt": b"z"})
    (src / "locked").chmod(0)
    try:
        result = run_without_dac(localazure, tmp_path / "home", "sync", str(src), sas_url(localazure.blob_url, container),
                                 "--delete-destination=true")
    finally:
        (src / "locked").chmod(0o755)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "listing the source" in out and "nothing was deleted" in out and "locked" in out
    assert set(blobs(localazure, container)) == {"ok.txt", "locked/inside.txt", "zzz-extra.txt"}


def test_a_missing_or_empty_source_deletes_nothing(localazure, container, tmp_path):
    put(localazure, container, {"a.txt": b"a"})
    env = env_for(localazure, tmp_path / "home")
    missing = run(["sync", str(tmp_path / "no-such-dir"), sas_url(localazure.blob_url, container), "--delete-destination=true"], env)
    assert missing.code == 1 and "does not exist; nothing was copied or deleted" in missing.out, missing.out
    assert blobs(localazure, container) == {"a.txt": 1}
    dst = tree(tmp_path / "dst", {"mine.txt": b"m"})
    empty_prefix = sas_url(localazure.blob_url, container, "no-such-prefix")
    result = run(["sync", empty_prefix, str(dst), "--delete-destination=true"], env)
    assert result.code == 1 and "lists no files" in result.out and "nothing was deleted" in result.out, result.out
    assert (dst / "mine.txt").exists()


def test_an_out_of_order_listing_deletes_nothing(localazure, container, tmp_path):
    put(localazure, container, {"a0": b"1", "a1": b"2"})
    dst = tree(tmp_path / "dst", {"a-b": b"mine", "a0": b"1"}, mtime=time.time() + 3600)
    # the proxy renames a1 to a-b in the listing: 'a-b' then comes after 'a0', out of code-point order
    proxy = CountingProxy(localazure.blob_url.rsplit("/", 1)[0], localazure.ca_bundle,
                          listing_rewrites={"<Name>a1</Name>": "<Name>a-b</Name>"}).start()
    try:
        url = sas_url(f"{proxy.url}/devstoreaccount1", container)
        env = env_for(localazure, tmp_path / "home")
        dry = run(["sync", url, str(dst), "--delete-destination=true", "--dry-run"], env)
        result = run(["sync", url, str(dst), "--delete-destination=true"], env)
    finally:
        proxy.stop()
    for outcome in (dry, result):  # a merge that trusted this order would remove the local a-b (the source has it)
        assert outcome.code == 1, outcome.out
        assert "gave 'a-b' after 'a0', out of name order" in outcome.out and "nothing was deleted" in outcome.out
        assert "DRYRUN: remove" not in outcome.out
    assert (dst / "a-b").read_bytes() == b"mine"


def test_copies_are_not_made_yet_and_nothing_is_deleted(localazure, container, tmp_path):
    src = tree(tmp_path / "src", {"new.txt": b"n"})
    put(localazure, container, {"extra.txt": b"e"})
    result = run(["sync", str(src), sas_url(localazure.blob_url, container), "--delete-destination=true"],
                 env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert "1 files need copying (1 new, 0 changed)" in result.out and "nothing was copied or deleted" in result.out
    assert blobs(localazure, container) == {"extra.txt": 1}


@pytest.mark.parametrize("flags,message", [
    (["--include=*.txt"], "the include and exclude parameters have been replaced by include-pattern and exclude-pattern"),
    (["--exclude=*.txt"], "They work on filenames only (not paths)"),
    (["--delete-destination=maybe"], "invalid --delete-destination value 'maybe'; valid values are true, false, prompt"),
    (["--compare-hash=SHA1"], "invalid --compare-hash value 'SHA1'; valid values are None, MD5"),
    (["--local-hash-storage-mode=Sidecar"], "invalid --local-hash-storage-mode value 'Sidecar'; valid values are XAttr, HiddenFiles"),
    (["--check-md5=Maybe"], "invalid --check-md5 value 'Maybe'"),
    (["--block-size-mb=5000"], "exceeds maximum allowed"),
    (["--mirror-mode=perhaps"], "invalid value 'perhaps' for --mirror-mode: use true or false"),
])
def test_bad_flags_are_refused_before_anything_is_listed(localazure, container, tmp_path, flags, message):
    put(localazure, container, {"extra.txt": b"e"})
    src = tree(tmp_path / "src", {})
    result = run(["sync", str(src), sas_url(localazure.blob_url, container), "--delete-destination=true", *flags],
                 env_for(localazure, tmp_path / "home"))
    assert result.code == 1 and message in result.out, result.out
    assert "Scanned" not in result.out and blobs(localazure, container) == {"extra.txt": 1}


def test_a_missing_destination_container_reads_as_empty(localazure, tmp_path):
    src = tree(tmp_path / "src", {"a.txt": b"a"})
    missing = f"{localazure.blob_url}/sync-missing-{os.getpid()}"
    env = env_for(localazure, tmp_path / "home")
    url = f"{missing}?{container_sas(missing.rsplit('/', 1)[1])}"
    result = run(["sync", str(src), url, "--dry-run", "--delete-destination=true"], env)
    assert result.code == 0, result.out
    assert lines(result.out, "DRYRUN:") == [f"DRYRUN: copy {src}/a.txt to {missing}/a.txt"]
    gone = run(["sync", sas_url(localazure.blob_url, missing.rsplit("/", 1)[1]), str(tmp_path / "dst"), "--delete-destination=true"], env)
    assert gone.code == 1 and "listing the source" in gone.out and "nothing was deleted" in gone.out, gone.out


def test_sync_with_an_entra_sign_in(localazure, container, tmp_path):
    """No SAS: the Blob side authorizes with the signed-in identity (auto-login as the service principal)."""
    put(localazure, container, {"keep.txt": b"k", "extra.txt": b"e"})
    src = tree(tmp_path / "src", {"keep.txt": b"k"})
    env = env_for(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                  AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id)
    result = run(["sync", str(src), f"{localazure.blob_url}/{container}", "--delete-destination=true"], env)
    assert result.code == 0, result.out
    assert "Deleting extra object: extra.txt" in result.out and blobs(localazure, container) == {"keep.txt": 1}
