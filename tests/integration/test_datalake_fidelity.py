"""Fidelity of localazure's Data Lake account: the real azure-storage-file-datalake SDK (and azure-storage-blob on
the account's Blob endpoint) drives every operation issue 19 lists, with the account key (super-user)."""

from __future__ import annotations

import datetime
from typing import Iterator

import pytest
import requests
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContentSettings
from azure.storage.filedatalake import AccountSasPermissions, DataLakeServiceClient, FileSystemClient, ResourceTypes, generate_account_sas

from datalake_support import API_VERSION, account_key, blob_service, dfs_service, new_filesystem

CAROL = "ca401000-0000-4000-8000-000000000003"


@pytest.fixture
def fs(localazure) -> Iterator[FileSystemClient]:
    client = new_filesystem(localazure)
    yield client
    client.delete_file_system()


def error_code(call) -> str:
    with pytest.raises(HttpResponseError) as raised:
        call()
    return getattr(raised.value, "error_code", None) or raised.value.response.headers["x-ms-error-code"]


def test_filesystems_create_list_properties_delete(localazure) -> None:
    service = dfs_service(localazure)
    client = new_filesystem(localazure)
    client.set_file_system_metadata({"team": "data"})
    assert client.get_file_system_properties().metadata == {"team": "data"}
    assert client.file_system_name in [f.name for f in service.list_file_systems(name_starts_with="dl-")]
    assert "seed" in [f.name for f in service.list_file_systems()]
    with pytest.raises(ResourceExistsError):
        service.create_file_system(client.file_system_name)
    client.delete_file_system()
    assert not client.exists()
    with pytest.raises(ResourceNotFoundError):
        client.get_file_system_properties()


def test_create_with_permissions_umask_acl_owner_and_group(fs) -> None:
    directory = fs.create_directory("d", permissions="rwxrwxrwx", umask="0022")
    assert directory.get_access_control()["permissions"] == "rwxr-xr-x"
    plain = fs.create_file("d/plain.txt")  # default umask 0027 on 0666
    assert plain.get_access_control()["permissions"] == "rw-r-----"
    acl = f"user::rwx,user:{CAROL}:r-x,group::r--,mask::r-x,other::---"
    custom = fs.create_directory("d/custom", acl=acl, owner=CAROL, group="a4a1c000-0000-4000-8000-0000000a1a01")
    control = custom.get_access_control()
    assert (control["owner"], control["group"]) == (CAROL, "a4a1c000-0000-4000-8000-0000000a1a01")
    assert control["acl"] == acl and control["permissions"] == "rwxr-x---+"
    assert fs.get_directory_client("d").get_access_control()["owner"] == "$superuser"
    upn = custom.get_access_control(upn=True)
    assert upn["owner"] == "carol@contoso.test"


def test_acl_inheritance_from_default_entries_with_the_umask(fs) -> None:
    parent = fs.create_directory("inherit")
    parent.set_access_control(acl=f"user::rwx,group::r-x,other::---,default:user::rwx,default:user:{CAROL}:rwx,default:group::r-x,default:mask::rwx,default:other::r-x")
    child_dir = parent.create_sub_directory("sub")
    child_file = parent.create_file("file.txt")
    dir_acl = child_dir.get_access_control()["acl"].split(",")
    access = [entry for entry in dir_acl if not entry.startswith("default:")]
    assert access == ["user::rwx", f"user:{CAROL}:rwx", "group::r-x", "mask::rwx", "other::---"]  # umask 0027 on user, group, other
    assert f"default:user:{CAROL}:rwx" in dir_acl and "default:other::r-x" in dir_acl  # a directory inherits the default ACL too
    file_acl = child_file.get_access_control()["acl"]
    assert file_acl == f"user::rw-,user:{CAROL}:rwx,group::r--,mask::rwx,other::---"  # and a file's mode 0666
    umask_free = parent.create_file("open.txt", umask="0000")
    assert umask_free.get_access_control()["acl"] == f"user::rw-,user:{CAROL}:rwx,group::r--,mask::rwx,other::r--"
    assert child_file.get_access_control()["group"] == parent.get_access_control()["group"]


def test_rename_files_and_directories(fs) -> None:
    fs.create_file("from/one.txt").upload_data(b"1", overwrite=True)
    moved = fs.get_directory_client("from").rename_directory(f"{fs.file_system_name}/to/nested")
    assert moved.exists() and not fs.get_directory_client("from").exists()
    assert fs.get_file_client("to/nested/one.txt").download_file().readall() == b"1"
    renamed = fs.get_file_client("to/nested/one.txt").rename_file(f"{fs.file_system_name}/top.txt")
    assert renamed.download_file().readall() == b"1"
    assert error_code(lambda: fs.get_file_client("missing.txt").rename_file(f"{fs.file_system_name}/x.txt")) == "SourcePathNotFound"


def test_append_and_flush_check_positions(fs) -> None:
    file = fs.create_file("data.bin")
    file.append_data(b"hello ", offset=0, length=6)
    file.append_data(b"world", offset=6, length=5)
    assert file.get_file_properties().size == 0  # nothing is visible before the flush
    assert error_code(lambda: file.flush_data(5)) == "InvalidFlushPosition"
    assert error_code(lambda: file.flush_data(12)) == "InvalidFlushPosition"
    file.append_data(b"!", offset=20, length=1)  # leaves a gap: a flush past it fails
    assert error_code(lambda: file.flush_data(21)) == "InvalidFlushPosition"
    file.flush_data(11, content_settings=ContentSettings(content_type="text/plain"))
    properties = file.get_file_properties()
    assert properties.size == 11 and properties.content_settings.content_type == "text/plain"
    assert error_code(lambda: file.append_data(b"x", offset=3, length=1)) == "InvalidFlushPosition"
    file.append_data(b"!!", offset=11, length=2)
    file.flush_data(13)
    assert file.download_file().readall() == b"hello world!!"


def test_read_with_ranges(fs) -> None:
    file = fs.get_file_client("range.bin")
    payload = bytes(range(256)) * 40
    file.upload_data(payload, overwrite=True)
    assert file.download_file(offset=100, length=50).readall() == payload[100:150]
    assert file.download_file(offset=10000).readall() == payload[10000:]
    assert file.download_file(max_concurrency=2).readall() == payload


def test_properties_status_and_access_control(fs) -> None:
    file = fs.create_file("p/props.txt", metadata={"k": "v"})
    properties = file.get_file_properties()
    assert properties.metadata == {"k": "v"} and properties.size == 0
    assert fs.get_directory_client("p").get_directory_properties().metadata == {"hdi_isfolder": "true"}
    status = file._client.path.get_properties(action="getStatus", cls=lambda response, body, headers: headers)
    assert status["x-ms-resource-type"] == "file" and status["x-ms-owner"] == "$superuser"
    file.set_access_control(permissions="rwx------")
    assert file.get_access_control()["permissions"] == "rwx------"
    file.set_access_control(acl=f"user::rw-,user:{CAROL}:r--,group::---,other::---")
    control = file.get_access_control()
    assert control["acl"] == f"user::rw-,user:{CAROL}:r--,group::---,mask::r--,other::---"
    file.set_access_control(owner=CAROL)
    assert file.get_access_control()["owner"] == CAROL
    file.set_metadata({"a": "b"})
    file.set_http_headers(ContentSettings(content_type="application/json"))
    assert file.get_file_properties().content_settings.content_type == "application/json"
    assert error_code(lambda: file.set_access_control(acl="user::rwx,group::r-x,other::---,default:user::rwx")) == "InvalidAccessControlList"
    too_many = ",".join(f"user:{i:08x}-0000-4000-8000-000000000000:r--" for i in range(30))
    assert error_code(lambda: fs.get_directory_client("p").set_access_control(acl=f"user::rwx,group::r-x,mask::rwx,other::---,{too_many}")) == "InvalidAccessControlList"


def test_set_access_control_recursive_with_continuation(fs) -> None:
    for name in ("r/a/1.txt", "r/a/2.txt", "r/b/3.txt"):
        fs.create_file(name)
    root = fs.get_directory_client("r")
    acl = f"user::rwx,user:{CAROL}:r-x,group::r-x,other::---"
    first = root.set_access_control_recursive(acl=acl, batch_size=2, max_batches=1)
    assert first.counters.directories_successful + first.counters.files_successful == 2 and first.continuation
    rest = root.set_access_control_recursive(acl=acl, batch_size=2, continuation_token=first.continuation)
    assert rest.continuation is None
    total = first.counters.directories_successful + rest.counters.directories_successful, first.counters.files_successful + rest.counters.files_successful
    assert total == (3, 3)
    assert f"user:{CAROL}:r-x" in fs.get_file_client("r/b/3.txt").get_access_control()["acl"]
    batches = []
    root.update_access_control_recursive(acl=f"user:{CAROL}:rwx", batch_size=1, progress_hook=batches.append)
    assert len(batches) == 6 and f"user:{CAROL}:rwx" in fs.get_file_client("r/a/2.txt").get_access_control()["acl"]
    removed = root.remove_access_control_recursive(acl=f"user:{CAROL}")
    assert removed.counters.failure_count == 0
    assert CAROL not in fs.get_file_client("r/a/1.txt").get_access_control()["acl"]


def test_delete_recursive_and_not(fs) -> None:
    fs.create_file("del/x/1.txt")
    directory = fs.get_directory_client("del")
    code = error_code(lambda: directory._client.path.delete(recursive=False))
    assert code == "DirectoryNotEmpty"
    directory.delete_directory()
    assert not directory.exists() and not fs.get_file_client("del/x/1.txt").exists()
    assert error_code(lambda: fs.get_file_client("del/x/1.txt").delete_file()) == "PathNotFound"


def test_list_paths_recursive_or_not_with_pages(fs) -> None:
    for name in ("l/a.txt", "l/b/c.txt", "l/b/d/e.txt", "top.txt"):
        fs.create_file(name)
    assert [p.name for p in fs.get_paths(path="l", recursive=False)] == ["l/a.txt", "l/b"]
    every = [(p.name, p.is_directory) for p in fs.get_paths(recursive=True, max_results=2)]
    assert every == [("l", True), ("l/a.txt", False), ("l/b", True), ("l/b/c.txt", False), ("l/b/d", True), ("l/b/d/e.txt", False), ("top.txt", False)]
    pages = fs.get_paths(recursive=True, max_results=3).by_page()
    assert len(list(next(pages))) == 3 and pages.continuation_token
    assert error_code(lambda: list(fs.get_paths(path="nowhere"))) == "PathNotFound"


def test_errors_are_azures_codes(localazure, fs) -> None:
    fs.create_file("exists.txt")
    assert error_code(lambda: fs.create_file("exists.txt", match_condition=MatchConditions.IfMissing)) == "PathAlreadyExists"
    response = requests.head(f"{localazure.env['LOCALAZURE_DFS_URL']}/{fs.file_system_name}/nothing", timeout=30)
    assert response.status_code == 401 and response.headers["x-ms-error-code"] == "NoAuthenticationInformation"
    assert "authorization_uri=" in response.headers["WWW-Authenticate"]
    response = requests.get(f"{localazure.env['LOCALAZURE_DFS_URL']}/{fs.file_system_name}?resource=filesystem&recursive=true", timeout=30)
    assert response.json()["error"]["code"] == "NoAuthenticationInformation"
    wrong = DataLakeServiceClient(localazure.env["LOCALAZURE_DFS_URL"], credential={"account_name": localazure.env["LOCALAZURE_HNS_ACCOUNT_NAME"], "account_key": "AAAA" + localazure.env["LOCALAZURE_HNS_ACCOUNT_KEY"][4:]})
    assert error_code(lambda: wrong.get_file_system_client(fs.file_system_name).get_file_client("exists.txt").get_access_control()) == "AuthenticationFailed"


def test_account_sas_is_a_super_user(localazure, fs) -> None:
    sas = generate_account_sas(localazure.env["LOCALAZURE_HNS_ACCOUNT_NAME"], localazure.env["LOCALAZURE_HNS_ACCOUNT_KEY"], ResourceTypes(service=True, file_system=True, object=True), AccountSasPermissions(read=True, write=True, list=True, create=True, delete=True), datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    client = DataLakeServiceClient(localazure.env["LOCALAZURE_DFS_URL"], credential=sas).get_file_system_client(fs.file_system_name)
    client.create_file("sas/by-sas.txt").upload_data(b"sas", overwrite=True)
    assert client.get_file_client("sas/by-sas.txt").get_access_control()["owner"] == "$superuser"
    expired = generate_account_sas(localazure.env["LOCALAZURE_HNS_ACCOUNT_NAME"], localazure.env["LOCALAZURE_HNS_ACCOUNT_KEY"], ResourceTypes(object=True), AccountSasPermissions(read=True), datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5))
    stale = DataLakeServiceClient(localazure.env["LOCALAZURE_DFS_URL"], credential=expired).get_file_system_client(fs.file_system_name)
    assert error_code(lambda: stale.get_file_client("sas/by-sas.txt").get_access_control()) == "AuthenticationFailed"
    read_only = generate_account_sas(localazure.env["LOCALAZURE_HNS_ACCOUNT_NAME"], localazure.env["LOCALAZURE_HNS_ACCOUNT_KEY"], ResourceTypes(object=True), AccountSasPermissions(read=True), datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    reader = DataLakeServiceClient(localazure.env["LOCALAZURE_DFS_URL"], credential=read_only)
    assert reader.get_file_system_client(fs.file_system_name).get_file_client("sas/by-sas.txt").download_file().readall() == b"sas"
    assert error_code(lambda: reader.get_file_system_client(fs.file_system_name).create_file("sas/not-by-reader.txt")) == "AuthorizationPermissionMismatch"
    assert error_code(lambda: reader.get_file_system_client(fs.file_system_name).get_file_client("sas/by-sas.txt").delete_file()) == "AuthorizationPermissionMismatch"
    assert error_code(lambda: list(reader.list_file_systems())) == "AuthorizationResourceTypeMismatch"
    assert not fs.get_file_client("sas/not-by-reader.txt").exists()


def test_blob_endpoint_sees_the_same_tree(localazure, fs) -> None:
    """Through the Blob endpoint: directories are zero-length hdi_isfolder blobs, a blob creates its parents, block
    uploads commit, listings honour prefix and delimiter, and the dfs side sees everything."""
    fs.create_file("shared/from-dfs.txt").upload_data(b"dfs", overwrite=True)
    blobs: BlobServiceClient = blob_service(localazure, max_single_put_size=4 * 1024, max_block_size=4 * 1024)
    container = blobs.get_container_client(fs.file_system_name)
    assert fs.file_system_name in [c.name for c in blobs.list_containers(name_starts_with="dl-")]
    payload = bytes(range(256)) * 64  # 16 KiB in four Put Block calls and one Put Block List
    container.upload_blob("made/by/blob.bin", payload)
    assert fs.get_directory_client("made/by").get_directory_properties().metadata == {"hdi_isfolder": "true"}
    assert fs.get_file_client("made/by/blob.bin").download_file().readall() == payload
    assert container.download_blob("shared/from-dfs.txt").readall() == b"dfs"
    assert container.get_blob_client("made").get_blob_properties().metadata == {"hdi_isfolder": "true"}
    flat = {b.name: b.metadata for b in container.list_blobs(include=["metadata"])}
    assert flat["made"] == {"hdi_isfolder": "true"} and "made/by/blob.bin" in flat and "shared/from-dfs.txt" in flat
    walked = [b.name for b in container.walk_blobs(name_starts_with="made/", delimiter="/")]
    assert sorted(walked) == ["made/by", "made/by/"]  # the directory blob and its prefix
    container.get_blob_client("made/by/blob.bin").set_blob_metadata({"x": "y"})
    assert fs.get_file_client("made/by/blob.bin").get_file_properties().metadata == {"x": "y"}
    container.upload_blob("folder-by-blob", b"", metadata={"hdi_isfolder": "true"})
    assert [p.is_directory for p in fs.get_paths(path="folder-by-blob")] == [] and fs.get_directory_client("folder-by-blob").exists()
    container.delete_blob("made/by/blob.bin")
    assert not fs.get_file_client("made/by/blob.bin").exists()
    with pytest.raises(HttpResponseError) as raised:
        container.delete_blob("made")
    assert raised.value.error_code == "DirectoryIsNotEmpty"
    with pytest.raises(HttpResponseError) as raised:
        container.upload_blob("made/append.log", b"x", blob_type="AppendBlob")
    assert raised.value.error_code == "FeatureNotYetSupportedForHierarchicalNamespaceAccounts"
    with pytest.raises(ResourceExistsError):
        container.upload_blob("shared/from-dfs.txt", b"again")  # overwrite=False sends If-None-Match: *
    info = blobs.get_account_information()
    assert info["is_hns_enabled"] is True
    assert requests.get(f"{localazure.env['LOCALAZURE_HNS_BLOB_URL']}/{fs.file_system_name}?restype=container&comp=list", timeout=30).headers["x-ms-error-code"] == "NoAuthenticationInformation"


def test_account_key_client_works_with_the_default_sdk_version(localazure) -> None:
    """No api_version pin is needed: the account accepts what the SDK sends."""
    client = DataLakeServiceClient(localazure.env["LOCALAZURE_DFS_URL"], credential=account_key(localazure))
    assert client.get_file_system_client("seed").get_directory_client("a/b/c").exists()
    assert API_VERSION  # the Blob client pins Azurite's version only for symmetry with the other suites


def test_recursive_delete_answers_continuations_the_sdk_follows(start_localazure, tmp_path, monkeypatch) -> None:
    """A private stack that removes two paths per call: a large delete takes several calls, as in Azure."""
    from localazure.config import DEFAULT_CONFIG_PATH

    config = tmp_path / "small-deletes.toml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8").replace('account = "hnsaccount1"', 'account = "hnsaccount1"\ndelete_page_size = 2'), encoding="utf-8")
    stack = start_localazure(config)
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):
        monkeypatch.setenv(name, stack.env[name])
    fs = new_filesystem(stack)
    for name in ("big/1.txt", "big/2.txt", "big/sub/3.txt", "big/sub/4.txt"):
        fs.create_file(name)
    directory = fs.get_directory_client("big")
    headers = directory._client.path.delete(recursive=True, cls=lambda response, body, headers: headers)
    assert headers["x-ms-continuation"] and directory.exists()
    assert len(list(fs.get_paths(path="big", recursive=True))) == 3
    directory.delete_directory()  # the SDK follows the continuation until the directory is gone
    assert not directory.exists()
    fs.create_file("left/behind.bin").upload_data(b"x" * 1000, overwrite=True)
    data = stack.state_dir / "datalake"
    assert [p.stat().st_size for p in data.iterdir()] == [1000]
    assert stack.stop() == 0
    assert not data.exists()  # stopping the stack removes the account's file contents


def test_the_dfs_filesystem_operations_themselves(localazure) -> None:
    """Filesystem - Create/Get Properties/Set Properties/List/Delete as the dfs endpoint's own REST operations
    (the SDK's generated client; its public methods go through the Blob API instead)."""
    import uuid

    headers_of = lambda response, body, headers: headers  # noqa: E731
    service = dfs_service(localazure)
    client = service.get_file_system_client(f"dl-{uuid.uuid4().hex[:20]}")
    created = client._client.file_system.create(properties="team=ZGF0YQ==", cls=headers_of)
    assert created["x-ms-namespace-enabled"] == "true"
    client._client.file_system.set_properties(properties="team=bGFrZQ==")
    assert client._client.file_system.get_properties(cls=headers_of)["x-ms-properties"] == "team=bGFrZQ=="
    listed = service._client.service.list_file_systems(prefix="dl-")
    assert client.file_system_name in [item.name for page in listed.by_page() for item in page]
    with pytest.raises(HttpResponseError) as raised:
        client._client.file_system.create()
    assert raised.value.response.headers["x-ms-error-code"] == "FilesystemAlreadyExists"
    assert raised.value.response.json()["error"]["code"] == "FilesystemAlreadyExists"
    client._client.file_system.delete()
    with pytest.raises(HttpResponseError) as raised:
        client._client.file_system.get_properties()
    assert raised.value.response.headers["x-ms-error-code"] == "FilesystemNotFound"


def test_rclone_copies_through_the_blob_endpoint(localazure, fs, tmp_path) -> None:
    """rclone (the benchmarks' peer) uploads in blocks, lists and downloads through the account's Blob endpoint with
    an account SAS, and the dfs endpoint sees real directories."""
    import os
    import subprocess

    name, key = localazure.env["LOCALAZURE_HNS_ACCOUNT_NAME"], localazure.env["LOCALAZURE_HNS_ACCOUNT_KEY"]
    sas = generate_account_sas(name, key, ResourceTypes(service=True, file_system=True, object=True), AccountSasPermissions(read=True, write=True, list=True, create=True, delete=True), datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_bytes(b"a" * 1000)
    payload = os.urandom(9 * 1024 * 1024)  # three 4 MiB blocks
    (source / "sub" / "b.bin").write_bytes(payload)
    rclone = ["rclone", "--config", str(tmp_path / "rclone.conf"), "--ca-cert", localazure.env["REQUESTS_CA_BUNDLE"], "--azureblob-sas-url", f"{localazure.env['LOCALAZURE_HNS_BLOB_URL']}?{sas}", "--azureblob-chunk-size", "4M"]
    remote = f":azureblob:{fs.file_system_name}"
    for command in (["copy", str(source), remote], ["copy", remote, str(tmp_path / "back")]):
        done = subprocess.run(rclone + command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert [(p.name, p.is_directory) for p in fs.get_paths(recursive=True)] == [("a.txt", False), ("sub", True), ("sub/b.bin", False)]
    assert (tmp_path / "back" / "sub" / "b.bin").read_bytes() == payload


def test_names_with_spaces_and_unicode(localazure, fs) -> None:
    name = "dir with space/ñandú + 100%.txt"
    fs.get_file_client(name).upload_data(b"odd", overwrite=True)
    assert [p.name for p in fs.get_paths(recursive=True)] == ["dir with space", name]
    assert fs.get_file_client(name).download_file().readall() == b"odd"
    renamed = fs.get_file_client(name).rename_file(f"{fs.file_system_name}/dir with space/ü.txt")
    assert renamed.get_file_properties().size == 3
    container = blob_service(localazure).get_container_client(fs.file_system_name)
    assert container.download_blob("dir with space/ü.txt").readall() == b"odd"
