"""localazure's File service against the real azure-storage-file-share SDK, with the account key and with SAS:
shares, directories with pages and prefixes, files and ranges, Content-MD5, share snapshots, Copy File and Put Range
From URL (from a blob), and Azure's error codes and XML."""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import uuid

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobSasPermissions, generate_blob_sas
from azure.storage.fileshare import (
    AccountSasPermissions,
    ContentSettings,
    FileSasPermissions,
    ResourceTypes,
    ShareClient,
    ShareSasPermissions,
    ShareServiceClient,
    generate_account_sas,
    generate_file_sas,
    generate_share_sas,
)

from localazure.fixtures import DEV_ACCOUNT_KEY, unique_container_name

ACCOUNT = "devstoreaccount1"
RANGE = 4 * 1024 * 1024  # the SDK's upload range size and Put Range's limit


def share_client(localazure, name: str) -> ShareClient:
    return localazure.shared_key_file_service().get_share_client(name)


def error_of(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as raised:
        call()
    return raised.value


def assert_file_error(response: requests.Response, status: int, code: str) -> str:
    """Azure's error shape: status, x-ms-error-code, request id, and the XML body with Code and Message."""
    assert response.status_code == status, response.text
    assert response.headers["x-ms-error-code"] == code
    uuid.UUID(response.headers["x-ms-request-id"])
    body = response.content.decode("utf-8-sig")
    assert body.startswith(f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>'), body
    assert "\nRequestId:" in body and "\nTime:" in body
    return body


def sas_expiry(hours: float = 1) -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)


def test_shares_create_list_quota_metadata_delete(localazure):
    service = localazure.shared_key_file_service()
    prefix = unique_container_name("q")
    names = [f"{prefix}-{i}" for i in range(3)]
    for index, name in enumerate(names):
        service.create_share(name, quota=index + 1, metadata={"index": str(index)})
    try:
        with pytest.raises(ResourceExistsError) as raised:
            service.create_share(names[0])
        assert raised.value.error_code == "ShareAlreadyExists"
        listed = list(service.list_shares(name_starts_with=prefix, include_metadata=True))
        assert [(s.name, s.quota, s.metadata) for s in listed] == [(n, i + 1, {"index": str(i)}) for i, n in enumerate(names)]
        pages = list(service.list_shares(name_starts_with=prefix, results_per_page=2).by_page())
        assert [[s.name for s in page] for page in pages] == [names[:2], names[2:]]

        share = service.get_share_client(names[0])
        share.set_share_quota(7)
        share.set_share_metadata({"colour": "blue"})
        properties = share.get_share_properties()
        assert (properties.quota, properties.metadata) == (7, {"colour": "blue"})
        assert share.get_share_stats() == 0
        assert error_of(lambda: service.create_share("Bad_Name")).error_code == "InvalidResourceName"
    finally:
        for name in names:
            service.delete_share(name)
    with pytest.raises(ResourceNotFoundError) as raised:
        service.get_share_client(names[0]).get_share_properties()
    assert raised.value.error_code == "ShareNotFound"


def test_directories_list_with_pages_and_prefixes(localazure, file_share):
    share = share_client(localazure, file_share)
    top = share.create_directory("top", metadata={"kind": "tree"})
    top.create_subdirectory("sub dir")
    for name in ["b.txt", "a.txt", "ä ü.bin", "100%.dat", "c.log"]:
        top.upload_file(name, name.encode("utf-8"))
    assert top.get_directory_properties().metadata == {"kind": "tree"}
    top.set_directory_metadata({"kind": "changed"})
    assert top.get_directory_properties().metadata == {"kind": "changed"}
    assert top.get_directory_properties().is_directory

    everything = [(item["name"], item["is_directory"]) for item in top.list_directories_and_files()]
    assert sorted(everything) == sorted([("sub dir", True), ("b.txt", False), ("a.txt", False), ("ä ü.bin", False), ("100%.dat", False), ("c.log", False)])
    sizes = {item["name"]: item["size"] for item in top.list_directories_and_files() if not item["is_directory"]}
    assert sizes["ä ü.bin"] == len("ä ü.bin".encode("utf-8"))
    pages = [[item["name"] for item in page] for page in top.list_directories_and_files(results_per_page=2).by_page()]
    assert [len(page) for page in pages] == [2, 2, 2]
    assert sorted(sum(pages, [])) == sorted(name for name, _ in everything)
    assert [item["name"] for item in top.list_directories_and_files(name_starts_with="b")] == ["b.txt"]
    assert [item["name"] for item in share.list_directories_and_files()] == ["top"]

    with pytest.raises(ResourceExistsError) as raised:
        share.create_directory("TOP")  # names are case-insensitive, as on Azure Files
    assert raised.value.error_code == "ResourceExistsError" or raised.value.error_code == "ResourceAlreadyExists"
    assert error_of(lambda: share.create_directory("missing/child")).error_code == "ParentNotFound"
    assert error_of(top.delete_directory).error_code == "DirectoryNotEmpty"
    assert error_of(lambda: share.get_directory_client("nowhere").get_directory_properties()).error_code == "ResourceNotFound"


def test_files_ranges_md5_headers_and_round_trips(localazure, file_share):
    share = share_client(localazure, file_share)
    file = share.get_file_client("sparse.bin")
    file.create_file(3 * RANGE)
    file.upload_range(b"x" * 1024, offset=RANGE, length=1024)
    file.upload_range(b"y" * 512, offset=2 * RANGE, length=512)
    file.clear_range(offset=2 * RANGE, length=512)
    ranges = [(r["start"], r["end"]) for r in file.list_ranges()]
    assert ranges == [(RANGE, RANGE + 1023)]
    assert file.download_file(offset=RANGE - 2, length=4).readall() == b"\0\0xx"
    assert file.download_file(offset=2 * RANGE, length=4).readall() == b"\0" * 4
    assert file.download_file(offset=RANGE, length=1024, validate_content=True).readall() == b"x" * 1024

    # Round trips: an empty file, names with spaces, % and non-ASCII, and 3 x the range size + 1 bytes.
    for name, data in [("empty", b""), ("a b/100% ü.txt", b"spaces and percent"), ("big.bin", os.urandom(3 * RANGE + 1))]:
        if "/" in name:
            share.create_directory(name.split("/")[0])
        client = share.get_file_client(name)
        client.upload_file(data)
        assert client.get_file_properties().size == len(data)
        assert client.download_file(max_concurrency=2).readall() == data

    md5 = hashlib.md5(b"with md5").digest()
    file = share.get_file_client("md5.txt")
    file.upload_file(b"with md5", content_settings=ContentSettings(content_type="text/plain", content_md5=bytearray(md5)))
    properties = file.get_file_properties()
    assert properties.content_settings.content_type == "text/plain"
    assert bytes(properties.content_settings.content_md5) == md5
    downloaded = file.download_file()
    assert downloaded.readall() == b"with md5"
    assert bytes(downloaded.properties.content_settings.content_md5) == md5

    file.set_http_headers(ContentSettings(content_type="application/json", content_disposition="attachment", cache_control="no-cache"))
    file.set_file_metadata({"owner": "alice"})
    properties = file.get_file_properties()
    assert (properties.content_settings.content_type, properties.content_settings.content_disposition) == ("application/json", "attachment")
    assert properties.content_settings.cache_control == "no-cache" and properties.metadata == {"owner": "alice"}
    file.resize_file(3)
    assert file.download_file().readall() == b"wit"
    file.delete_file()
    assert error_of(file.get_file_properties).error_code == "ResourceNotFound"


def test_error_codes_and_xml(localazure, file_share):
    """Azure's answers to bad requests, seen as raw HTTP with a SAS: status, x-ms-error-code and the XML body."""
    share = share_client(localazure, file_share)
    share.get_file_client("small.txt").upload_file(b"0123456789")
    sas = generate_share_sas(ACCOUNT, file_share, DEV_ACCOUNT_KEY, permission=ShareSasPermissions(read=True, write=True, create=True), expiry=sas_expiry())
    url = f"{localazure.file_url}/{file_share}/small.txt?{sas}"
    version = {"x-ms-version": "2025-11-05"}

    assert_file_error(requests.get(url, headers={**version, "x-ms-range": "bytes=10-20"}, timeout=30), 416, "InvalidRange")
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    response = requests.put(url + "&comp=range", data=b"abc", headers={**version, "x-ms-range": "bytes=0-2", "x-ms-write": "update", "Content-MD5": wrong_md5}, timeout=30)
    assert_file_error(response, 400, "Md5Mismatch")
    response = requests.put(url + "&comp=range", data=b"abc", headers={**version, "x-ms-range": "bytes=8-10", "x-ms-write": "update"}, timeout=30)
    assert_file_error(response, 416, "InvalidRange")
    assert requests.get(url, headers=version, timeout=30).content == b"0123456789"  # nothing written by the refusals
    response = requests.get(f"{localazure.file_url}/{file_share}/nothing.txt?{sas}", headers=version, timeout=30)
    assert_file_error(response, 404, "ResourceNotFound")
    assert response.headers["Server"].startswith("Windows-Azure-File/1.0")
    body = assert_file_error(requests.get(f"{localazure.file_url}/{file_share}/small.txt", headers=version, timeout=30), 401, "NoAuthenticationInformation")
    assert "www-authenticate" in body
    assert requests.get(f"{localazure.file_url}/{file_share}/small.txt", headers=version, timeout=30).headers["WWW-Authenticate"].startswith(
        f"Bearer authorization_uri={localazure.authority}/{localazure.tenant_id}/oauth2/authorize")
    response = requests.get(f"{localazure.file_url}/no-such-share/x?{sas}", headers=version, timeout=30)
    assert response.status_code == 403  # the share SAS does not cover another share: its signature does not match


def test_share_snapshots(localazure, file_share):
    share = share_client(localazure, file_share)
    file = share.get_file_client("report.txt")
    file.upload_file(b"version 1")
    snapshot = share.create_snapshot()["snapshot"]
    file.upload_file(b"version 2 is longer")
    share.create_directory("after")

    old = localazure.shared_key_file_service().get_share_client(file_share, snapshot=snapshot)
    assert old.get_file_client("report.txt").download_file().readall() == b"version 1"
    assert [item["name"] for item in old.list_directories_and_files()] == ["report.txt"]
    assert file.download_file().readall() == b"version 2 is longer"
    listed = [(s.name, s.snapshot) for s in localazure.shared_key_file_service().list_shares(name_starts_with=file_share, include_snapshots=True)]
    assert listed == [(file_share, None), (file_share, snapshot)]

    assert error_of(lambda: old.get_file_client("report.txt").upload_file(b"no")).error_code == "ShareSnapshotOperationNotSupported"
    assert error_of(lambda: old.create_directory("x")).error_code == "ShareSnapshotOperationNotSupported"
    gone = localazure.shared_key_file_service().get_share_client(file_share, snapshot="2001-01-01T00:00:00.0000000Z")
    assert error_of(gone.get_share_properties).error_code == "ShareSnapshotNotFound"
    assert error_of(share.delete_share).error_code == "ShareHasSnapshots"
    old.delete_share()
    assert error_of(old.get_share_properties).error_code == "ShareSnapshotNotFound"


def test_copy_file_and_put_range_from_url(localazure, file_share, container):
    share = share_client(localazure, file_share)
    source = share.get_file_client("source.bin")
    data = os.urandom(RANGE + 100)
    source.upload_file(data, metadata={"from": "source"}, content_settings=ContentSettings(content_type="image/png"))

    target = share.get_file_client("copied.bin")
    copy = target.start_copy_from_url(source.url)
    assert copy["copy_status"] == "success"
    properties = target.get_file_properties()
    assert (properties.copy.status, properties.copy.id, properties.metadata) == ("success", copy["copy_id"], {"from": "source"})
    assert properties.content_settings.content_type == "image/png"
    assert target.download_file().readall() == data

    # Blob -> Files: Copy File and Put Range From URL fetch the blob through the RBAC gateway with its SAS.
    blob = localazure.shared_key_service().get_blob_client(container, "photo.jpg")
    blob.upload_blob(data)
    blob_sas = generate_blob_sas(ACCOUNT, container, "photo.jpg", account_key=DEV_ACCOUNT_KEY, permission=BlobSasPermissions(read=True), expiry=sas_expiry())
    blob_url = f"{localazure.blob_url}/{container}/photo.jpg?{blob_sas}"
    from_blob = share.get_file_client("from-blob.jpg")
    assert from_blob.start_copy_from_url(blob_url)["copy_status"] == "success"
    assert from_blob.download_file().readall() == data
    assert "sig=" not in str(from_blob.get_file_properties().copy.source)  # the SAS is not kept

    ranged = share.get_file_client("ranged.bin")
    ranged.create_file(len(data))
    ranged.upload_range_from_url(blob_url, offset=0, length=RANGE, source_offset=0)
    ranged.upload_range_from_url(blob_url, offset=RANGE, length=100, source_offset=RANGE)
    assert ranged.download_file().readall() == data

    unsigned = f"{localazure.blob_url}/{container}/photo.jpg"  # a private container and no SAS: the source refuses
    raised = error_of(lambda: ranged.upload_range_from_url(unsigned, offset=0, length=10, source_offset=0))
    assert raised.error_code == "CannotVerifyCopySource"
    raised = error_of(lambda: share.get_file_client("elsewhere").start_copy_from_url("https://example.invalid/x/y"))
    assert raised.error_code == "CannotVerifyCopySource" and "only from its own endpoints" in str(raised)
    assert error_of(lambda: share.get_file_client("nope").start_copy_from_url(share.get_file_client("absent").url)).error_code == "CannotVerifyCopySource"


def test_sas_kinds_permissions_and_expiry(localazure, file_share):
    share = share_client(localazure, file_share)
    share.get_file_client("a.txt").upload_file(b"a")
    share.get_file_client("b.txt").upload_file(b"b")

    read_only = generate_share_sas(ACCOUNT, file_share, DEV_ACCOUNT_KEY, permission=ShareSasPermissions(read=True, list=True), expiry=sas_expiry())
    reader = ShareClient(localazure.file_url, file_share, credential=read_only)
    assert sorted(item["name"] for item in reader.list_directories_and_files()) == ["a.txt", "b.txt"]
    assert reader.get_file_client("a.txt").download_file().readall() == b"a"
    assert error_of(lambda: reader.get_file_client("c.txt").upload_file(b"c")).error_code == "AuthorizationPermissionMismatch"

    one_file = generate_file_sas(ACCOUNT, file_share, ["a.txt"], DEV_ACCOUNT_KEY, permission=FileSasPermissions(read=True, write=True), expiry=sas_expiry())
    with_file_sas = ShareClient(localazure.file_url, file_share, credential=one_file)
    with_file_sas.get_file_client("a.txt").upload_range(b"A", offset=0, length=1)
    assert with_file_sas.get_file_client("a.txt").download_file().readall() == b"A"
    assert error_of(lambda: with_file_sas.get_file_client("b.txt").download_file().readall()).error_code == "AuthenticationFailed"
    assert error_of(lambda: list(with_file_sas.list_directories_and_files())).error_code in ("AuthenticationFailed", "AuthorizationResourceTypeMismatch")

    expired = generate_share_sas(ACCOUNT, file_share, DEV_ACCOUNT_KEY, permission=ShareSasPermissions(read=True), expiry=sas_expiry(-1))
    raised = error_of(lambda: ShareClient(localazure.file_url, file_share, credential=expired).get_file_client("a.txt").download_file())
    assert raised.error_code == "AuthenticationFailed" and "Signature not valid in the specified time frame" in str(raised)
    tampered = read_only.replace("sig=", "sig=AAAA")
    assert error_of(lambda: list(ShareClient(localazure.file_url, file_share, credential=tampered).list_directories_and_files())).error_code == "AuthenticationFailed"

    account_sas = generate_account_sas(ACCOUNT, DEV_ACCOUNT_KEY, ResourceTypes(service=True, container=True, object=True),
                                       AccountSasPermissions(read=True, write=True, list=True, create=True, delete=True), expiry=sas_expiry())
    service = ShareServiceClient(localazure.file_url, credential=account_sas)
    name = unique_container_name("sas")
    service.create_share(name)
    try:
        assert name in [s.name for s in service.list_shares(name_starts_with="sas-")]
        service.get_share_client(name).get_file_client("x").upload_file(b"x")
        objects_only = generate_account_sas(ACCOUNT, DEV_ACCOUNT_KEY, ResourceTypes(object=True), AccountSasPermissions(read=True, list=True), expiry=sas_expiry())
        raised = error_of(lambda: list(ShareServiceClient(localazure.file_url, credential=objects_only).list_shares()))
        assert raised.error_code == "AuthorizationResourceTypeMismatch"
    finally:
        service.delete_share(name)


def test_exported_url_trust_and_sparse_data_under_the_state_dir(localazure):
    """LOCALAZURE_FILE_URL is path style like the Blob URL, its origin is trusted by pyazcopy, and file contents
    are sparse files under the state directory that go with their share."""
    url = localazure.file_url
    assert url.startswith("https://127.0.0.1:") and url.endswith(f"/{ACCOUNT}") and url != localazure.blob_url
    assert url.rsplit("/", 1)[0] in localazure.env["PYAZCOPY_TRUSTED_ENDPOINTS"].split(";")

    service = localazure.shared_key_file_service()
    name = unique_container_name("sparse")
    share = service.create_share(name)
    size = 1024**3 + 12345  # 1 GiB, written in one 4 MiB range only
    file = share.get_file_client("huge.bin")
    file.create_file(size)
    file.upload_range(b"z" * RANGE, offset=size - RANGE, length=RANGE)
    data = [path for path in (localazure.state_dir / "files").iterdir() if path.stat().st_size == size]
    assert len(data) == 1
    assert data[0].stat().st_blocks * 512 < 2 * RANGE  # only the written range takes disk space
    assert file.download_file(offset=size - 3, length=3).readall() == b"zzz"
    service.delete_share(name)
    assert not data[0].exists()


def test_a_wrong_account_key_is_refused(localazure, file_share):
    wrong = base64.b64encode(b"not the key" * 6).decode()
    client = ShareClient(localazure.file_url, file_share, credential={"account_name": ACCOUNT, "account_key": wrong})
    raised = error_of(lambda: list(client.list_directories_and_files()))
    assert (raised.status_code, raised.error_code) == (403, "AuthenticationFailed")
    assert "Server used following string to sign" in str(raised) and wrong not in str(raised)


def test_stopping_the_stack_removes_the_file_data(start_localazure):
    stack = start_localazure()
    share = stack.shared_key_file_service().create_share("gone-with-the-stack")
    share.get_file_client("f.bin").upload_file(b"data")
    data_dir = stack.state_dir / "files"
    assert any(data_dir.iterdir())
    assert stack.stop() == 0
    assert not data_dir.exists()


def test_an_operation_not_served_says_so(localazure, file_share):
    share = share_client(localazure, file_share)
    file = share.get_file_client("a.txt")
    file.upload_file(b"a")
    assert list(file.list_handles()) == [] and list(share.get_directory_client("").list_handles()) == []  # no SMB clients here
    assert file.close_all_handles() == {"closed_handles_count": 0, "failed_handles_count": 0}
    share.create_directory("d")
    raised = error_of(lambda: share.get_directory_client("d").rename_directory("e"))
    assert (raised.status_code, raised.error_code) == (501, "APINotImplemented")
    assert "does not implement Directory rename" in str(raised) and "docs/LOCALAZURE.md" in str(raised)
    assert sorted(item["name"] for item in share.list_directories_and_files()) == ["a.txt", "d"]
