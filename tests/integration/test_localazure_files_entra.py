"""localazure's File service with Entra ID tokens, through azure-storage-file-share with token_intent="backup" and
through raw HTTP: the File Data Privileged roles of alice (Contributor), bob (Reader) and carol (none), the backup
intent and API version rules, share operations refused to bearer tokens, role propagation, and copy sources
authorized by a token."""

from __future__ import annotations

import time

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.storage.fileshare import ShareClient, ShareServiceClient

from tests.integration.test_rbac_gateway import StaticToken, token_for

FILE_ROLES = ("Storage File Data Privileged Contributor", "Storage File Data Privileged Reader")


def share_as(localazure, user: str, share: str, **kwargs) -> ShareClient:
    return ShareClient(localazure.file_url, share, credential=StaticToken(token_for(localazure, user)), token_intent="backup", **kwargs)


def error_of(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as raised:
        call()
    return raised.value


def raw(localazure, method: str, path: str, token: str, version: str = "2025-11-05", **headers: str) -> requests.Response:
    return requests.request(method, f"{localazure.file_url}/{path}", headers={"Authorization": f"Bearer {token}", "x-ms-version": version, **headers}, timeout=30)


def test_the_default_roles(localazure, file_share):
    alice = share_as(localazure, "alice", file_share)
    alice.create_directory("docs")
    alice.get_file_client("docs/a b ü.txt").upload_file(b"from alice")
    alice.get_directory_client("docs").set_directory_metadata({"by": "alice"})
    assert [item["name"] for item in alice.list_directories_and_files("docs")] == ["a b ü.txt"]

    bob = share_as(localazure, "bob", file_share)
    assert bob.get_file_client("docs/a b ü.txt").download_file().readall() == b"from alice"
    assert bob.get_directory_client("docs").get_directory_properties().metadata == {"by": "alice"}
    for call in (lambda: bob.get_file_client("docs/b.txt").upload_file(b"no"), lambda: bob.create_directory("mine"),
                 lambda: bob.get_file_client("docs/a b ü.txt").delete_file()):
        raised = error_of(call)
        assert (raised.status_code, raised.error_code) == (403, "AuthorizationPermissionMismatch")
        assert "This request is not authorized to perform this operation using this permission." in str(raised)

    carol = share_as(localazure, "carol", file_share)
    assert error_of(lambda: list(carol.list_directories_and_files())).error_code == "AuthorizationPermissionMismatch"
    assert error_of(lambda: carol.get_file_client("docs/a b ü.txt").download_file()).error_code == "AuthorizationPermissionMismatch"

    alice.get_file_client("docs/a b ü.txt").delete_file()
    alice.get_directory_client("docs").delete_directory()
    assert list(alice.list_directories_and_files()) == []


def test_bearer_needs_the_backup_intent_and_version(localazure, file_share):
    token = token_for(localazure, "alice")
    response = raw(localazure, "GET", f"{file_share}?restype=directory&comp=list", token)
    assert (response.status_code, response.headers["x-ms-error-code"]) == (400, "MissingRequiredHeader")
    assert "<HeaderName>x-ms-file-request-intent</HeaderName>" in response.text
    response = raw(localazure, "GET", f"{file_share}?restype=directory&comp=list", token, **{"x-ms-file-request-intent": "restore"})
    assert (response.status_code, response.headers["x-ms-error-code"]) == (400, "InvalidHeaderValue")
    response = raw(localazure, "GET", f"{file_share}?restype=directory&comp=list", token, version="2022-11-02", **{"x-ms-file-request-intent": "backup"})
    assert response.status_code == 200, response.text
    old = share_as(localazure, "alice", file_share, api_version="2021-12-02")
    raised = error_of(lambda: list(old.list_directories_and_files()))
    assert raised.error_code == "AuthenticationFailed" and "Authentication scheme Bearer is not supported in this version." in str(raised)


def test_share_operations_refuse_bearer_tokens(localazure, file_share):
    """Share management over REST with a token: FileOAuthManagementApiRestrictedToSrp before 2024-11-04; from then,
    it needs fileServices/shares actions, which no data role holds (they belong to control-plane roles)."""
    old = ShareServiceClient(localazure.file_url, credential=StaticToken(token_for(localazure, "alice")), token_intent="backup", api_version="2024-08-04")
    raised = error_of(lambda: old.create_share("made-by-alice"))
    assert (raised.status_code, raised.error_code) == (409, "FileOAuthManagementApiRestrictedToSrp")
    assert "This API does not support bearer tokens. For OAuth, use the Storage Resource Provider APIs instead." in str(raised)
    new = share_as(localazure, "alice", file_share)
    raised = error_of(new.get_share_properties)
    assert (raised.status_code, raised.error_code) == (403, "AuthorizationPermissionMismatch")


def test_role_changes_count_after_the_propagation_delay(localazure, file_share):
    """carol gets Privileged Reader on this share only: refused until the delay has passed, then allowed, and only
    there; as in the gateway, removal also takes the delay."""
    localazure.admin("PUT", "/settings/role-propagation", {"seconds": 8}).raise_for_status()  # room for a slow machine
    other = localazure.shared_key_file_service().create_share(f"{file_share}-x")
    try:
        localazure.shared_key_file_service().get_share_client(file_share).get_file_client("seen.txt").upload_file(b"seen")
        assignment = localazure.assign_role(FILE_ROLES[1], f"/{file_share}", upn="carol@contoso.test")
        carol = share_as(localazure, "carol", file_share)
        assert error_of(lambda: carol.get_file_client("seen.txt").download_file()).error_code == "AuthorizationPermissionMismatch"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert carol.get_file_client("seen.txt").download_file().readall() == b"seen"
                break
            except HttpResponseError:
                assert time.monotonic() < deadline, "the role never took effect"
                time.sleep(0.5)
        assert error_of(lambda: list(ShareClient(localazure.file_url, other.share_name, credential=carol.credential, token_intent="backup").list_directories_and_files())).error_code == "AuthorizationPermissionMismatch"
        localazure.remove_role(assignment["id"])
        assert carol.get_file_client("seen.txt").download_file().readall() == b"seen"  # still counts during the delay
    finally:
        localazure.admin("PUT", "/settings/role-propagation", {"seconds": 0}).raise_for_status()
        other.delete_share()


def test_copies_with_tokens(localazure, file_share, container):
    """Copy File inside the service checks the caller's read on the source share; Put Range From URL from a blob
    sends x-ms-copy-source-authorization on to the Blob gateway, which checks that token's roles."""
    data = b"0123456789" * 1000
    alice = share_as(localazure, "alice", file_share)
    alice.get_file_client("source.txt").upload_file(data)
    copied = alice.get_file_client("copy.txt")
    assert copied.start_copy_from_url(alice.get_file_client("source.txt").url)["copy_status"] == "success"
    assert copied.download_file().readall() == data

    localazure.shared_key_service().get_blob_client(container, "b.bin").upload_blob(data)
    blob_url = f"{localazure.blob_url}/{container}/b.bin"
    target = alice.get_file_client("from-blob.bin")
    target.create_file(len(data))
    target.upload_range_from_url(blob_url, offset=0, length=len(data), source_offset=0, source_authorization=f"Bearer {token_for(localazure, 'alice')}")
    assert target.download_file().readall() == data
    raised = error_of(lambda: target.upload_range_from_url(blob_url, offset=0, length=10, source_offset=0,
                                                           source_authorization=f"Bearer {token_for(localazure, 'carol')}"))
    assert (raised.status_code, raised.error_code) == (403, "CannotVerifyCopySource")
    assert "<CopySourceErrorCode>AuthorizationPermissionMismatch</CopySourceErrorCode>" in str(raised.response.text())


def test_file_permissions_need_modify_permissions(localazure, file_share):
    """Create Permission and a file created with an SDDL: alice (Privileged Contributor, modifypermissions) may,
    bob (Privileged Reader) may read the descriptor back but not set one."""
    sddl = "O:BAG:SYD:(A;;FA;;;BA)(A;;0x1200a9;;;WD)"
    alice = share_as(localazure, "alice", file_share)
    key = alice.create_permission_for_share(sddl)
    assert alice.get_permission_for_share(key) == sddl
    file = alice.get_file_client("secured.txt")
    file.create_file(3, file_permission=sddl)
    assert file.get_file_properties().permission_key == key
    bob = share_as(localazure, "bob", file_share)
    assert bob.get_permission_for_share(file.get_file_properties().permission_key) == sddl
    assert error_of(lambda: bob.create_permission_for_share("O:BAG:SY")).error_code == "AuthorizationPermissionMismatch"
    assert error_of(lambda: alice.get_permission_for_share("1*2")).error_code == "InvalidHeaderValue"
