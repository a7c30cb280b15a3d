"""`pyazcopy list` against an Azurite whose database bench/azurite_seed.py wrote (no Put Blob fill), and the lean
listing's properties against what azure-storage-blob reads for the same blobs."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.azurite_seed import seed  # noqa: E402
from bench.harness import Azurite, account_sas, container_client  # noqa: E402
from pyazcopy.cli.environment import Environment  # noqa: E402
from pyazcopy.cli.main import main  # noqa: E402

COUNT = 300
NAMES = [f"folder{i % 7}/blob-{i:04d}.dat" for i in range(COUNT - 3)] + ["top.txt", "with space/ünïcødé 文件", "a%2Fb"]
PROPERTIES = "LastModifiedTime;BlobType;BlobAccessTier;ContentType;ContentEncoding;ContentMD5;LeaseState;LeaseDuration;LeaseStatus"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    work = tmp_path_factory.mktemp("seeded-azurite")
    seed(work / "db", names=NAMES, container="seeded")
    azurite = Azurite(work, location=work / "db").start()
    try:
        yield azurite, account_sas(hours=1)
    finally:
        azurite.stop()


def run(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(args, Environment(stdout=out, stderr=io.StringIO(), env={"HOME": "/nonexistent"}, stdin=io.StringIO()))
    return code, out.getvalue()


def json_lines(text: str, kind: str) -> list[dict]:
    return [json.loads(m["MessageContent"]) for m in map(json.loads, text.splitlines()) if m["MessageType"] == kind]


def test_seeded_blobs_are_all_listed(seeded):
    azurite, sas = seeded
    code, out = run(["list", f"{azurite.account_url}/seeded?{sas}", "--output-type", "json", "--running-tally", "--machine-readable"])
    assert code == 0, out[-2000:]
    objects = json_lines(out, "ListObject")
    assert sorted(o["Path"] for o in objects) == sorted(NAMES)
    assert all(o["ContentLength"] == "0" for o in objects)
    assert json_lines(out, "ListSummary") == [{"FileCount": str(COUNT), "TotalFileSize": "0"}]


def test_seeded_prefix_and_text_output(seeded):
    azurite, sas = seeded
    code, out = run(["list", f"{azurite.account_url}/seeded/folder3?{sas}", "--running-tally"])
    assert code == 0, out
    expected = sorted(n[len("folder3/"):] for n in NAMES if n.startswith("folder3/"))
    assert [line.split("; ")[0] for line in out.splitlines() if line.endswith("Content Length: 0.00 B")] == expected
    assert f"File count: {len(expected)}" in out


def test_lean_listing_reads_what_the_sdk_reads(seeded):
    """Blobs with set properties (type, encoding, MD5, tier, a lease): `list --properties` shows what the SDK reads."""
    azurite, sas = seeded
    from azure.storage.blob import ContentSettings

    client = container_client(azurite, "props")
    client.create_container()
    body = b"hello lean listing"
    client.upload_blob("p/typed.txt", body, content_settings=ContentSettings(content_type="text/plain", content_encoding="gzip",
                                                                              content_md5=hashlib.md5(body).digest()))
    client.upload_blob("p/cool.bin", b"x" * 3000)
    client.get_blob_client("p/cool.bin").set_standard_blob_tier("Cool")
    client.upload_blob("p/leased", b"")
    client.get_blob_client("p/leased").acquire_lease(-1)
    try:
        code, out = run(["list", f"{azurite.account_url}/props?{sas}", "--output-type", "json", "--properties", PROPERTIES,
                         "--machine-readable"])
        assert code == 0, out
        got = {o["Path"]: o for o in json_lines(out, "ListObject")}
        for blob in client.list_blobs():
            item = got[blob.name]
            settings = blob.content_settings
            assert item["ContentLength"] == str(blob.size)
            assert item["LastModifiedTime"] == blob.last_modified.isoformat().replace("+00:00", "Z")
            assert item["BlobType"] == blob.blob_type.value
            assert item["BlobAccessTier"] == str(blob.blob_tier.value if hasattr(blob.blob_tier, "value") else blob.blob_tier)
            assert item.get("ContentType", "") == (settings.content_type or "")
            assert item.get("ContentEncoding", "") == (settings.content_encoding or "")
            assert item.get("ContentMD5", "") == base64.b64encode(bytes(settings.content_md5)).decode()
            assert item["LeaseState"] == blob.lease.state and item["LeaseStatus"] == blob.lease.status
            assert item.get("LeaseDuration", "") == (blob.lease.duration or "")
        assert got["p/cool.bin"]["BlobAccessTier"] == "Cool" and got["p/leased"]["LeaseDuration"] == "infinite"
        # one blob by its name: its base name, as AzCopy shows it
        code, out = run(["list", f"{azurite.account_url}/props/p/typed.txt?{sas}", "--properties", "ContentType"])
        assert code == 0 and out.splitlines()[0] == "typed.txt; ContentType: text/plain; Content Length: 18.00 B", out
        # the account: every container, names prefixed with the container's
        code, out = run(["list", f"{azurite.account_url}?{sas}", "--output-type", "json"])
        paths = {o["Path"] for o in json_lines(out, "ListObject")}
        assert code == 0 and {"props/p/leased", "seeded/top.txt"} <= paths and len(paths) == COUNT + 3
    finally:
        client.delete_container()


def test_pages_come_in_order_and_an_early_stop_ends_the_page_thread(seeded, monkeypatch):
    """Many small pages (the next one is fetched while this one is shown): every name once, in the service's order."""
    import threading
    import time

    from pyazcopy.endpoints import blob_listing
    from pyazcopy.endpoints.locations import parse_location
    from pyazcopy.errors import ResourceNotFoundError

    azurite, sas = seeded
    monkeypatch.setattr(blob_listing, "LIST_PAGE_SIZE", 7)
    expected = [b.name for b in container_client(azurite, "seeded").list_blobs()]
    location = parse_location(f"{azurite.account_url}/seeded?{sas}")
    assert [item.path for item in blob_listing.list_location(location)] == expected

    items = blob_listing.list_location(location)
    assert [next(items).path for _ in range(10)] == expected[:10]
    items.close()
    deadline = time.monotonic() + 10
    while any(t.name == "pyazcopy-list-pages" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.name == "pyazcopy-list-pages" for t in threading.enumerate())

    with pytest.raises(ResourceNotFoundError):
        list(blob_listing.list_location(parse_location(f"{azurite.account_url}/no-such-container?{sas}")))
