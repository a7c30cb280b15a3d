"""Access control on localazure's Data Lake account, in Azure's order, through the real SDKs with users' tokens:
roles first (an ACL cannot take away what a role grants), then ACLs (owner, named entries and the mask, groups,
other), the sticky bit, ownership rules, the Blob endpoint enforcing the same ACLs, and the seed's case."""

from __future__ import annotations

import time
import uuid
from typing import Iterator

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.filedatalake import FileSystemClient

from datalake_support import blob_service, dfs_service, new_filesystem, object_id, user_token

ANALYSTS = "a4a1c000-0000-4000-8000-0000000a1a01"


def denied(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as raised:
        call()
    error = raised.value
    code = getattr(error, "error_code", None) or error.response.headers.get("x-ms-error-code")
    assert (error.status_code, code) == (403, "AuthorizationPermissionMismatch"), error
    return error


def as_user(localazure, user: str, filesystem: str) -> FileSystemClient:
    return dfs_service(localazure, user).get_file_system_client(filesystem)


@pytest.fixture
def fs(localazure) -> Iterator[FileSystemClient]:
    client = new_filesystem(localazure)
    yield client
    client.delete_file_system()


def seed_like(fs: FileSystemClient, carol: str, root: str = "--x", a: str = "--x", b: str = "--x", c: str = "rwx") -> None:
    """The seed's tree a/b/c/ in a private filesystem, with carol's entries as given (super-user sets it up)."""
    fs.create_directory("a/b/c")
    for path, bits in (("/", root), ("a", a), ("a/b", b), ("a/b/c", c)):
        fs.get_directory_client(path).set_access_control(acl=f"user::rwx,user:{carol}:{bits},group::r-x,mask::rwx,other::---")


def log_text(localazure) -> str:
    return (localazure.state_dir / "localazure.log").read_text(errors="replace")


def test_the_seeds_case_as_carol_through_the_dfs_endpoint(localazure) -> None:
    """carol holds no role: --x on the root, a/ and a/b/, rwx on a/b/c/ (the default config). She can upload,
    list and read in a/b/c/, and nothing above it."""
    seed = as_user(localazure, "carol", "seed")
    name = f"a/b/c/upload-{uuid.uuid4().hex[:8]}.txt"
    file = seed.get_file_client(name)
    file.upload_data(b"carol's data", overwrite=True)
    try:
        assert file.download_file().readall() == b"carol's data"
        assert name in [p.name for p in seed.get_paths(path="a/b/c")]
        assert file.get_access_control()["owner"] == object_id(localazure, "carol")
        denied(lambda: seed.get_file_client("a/b/not-here.txt").create_file())
        denied(lambda: list(seed.get_paths(path="a/b")))
        denied(lambda: list(seed.get_paths()))
        assert not dfs_service(localazure).get_file_system_client("seed").get_file_client("a/b/not-here.txt").exists()
        log = log_text(localazure)
        assert "datalake: denied Create Path to carol@contoso.test" in log
        assert "needs -wx on /a/b (parent), has --x as named user" in log
        assert user_token(localazure, "carol")[:20] not in log
    finally:
        file.delete_file()


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        ({"a": "---"}, "needs --x on /a (ancestor), has --- as named user"),  # no X on a/
        ({"c": "r-x"}, "needs -wx on /a/b/c (parent), has r-x as named user"),  # no W on a/b/c/
        ({"c": "r--"}, "needs -wx on /a/b/c (parent), has r-- as named user"),  # R only
    ],
    ids=["no-x-on-a", "no-w-on-c", "r-only"],
)
def test_the_seeds_failures(localazure, fs, bits: dict, expected: str) -> None:
    carol = object_id(localazure, "carol")
    seed_like(fs, carol, **bits)
    mine = as_user(localazure, "carol", fs.file_system_name)
    denied(lambda: mine.get_file_client("a/b/c/new.txt").upload_data(b"x", overwrite=True))
    assert expected in log_text(localazure)
    assert [p.name for p in fs.get_paths(recursive=True)] == ["a", "a/b", "a/b/c"]  # nothing left behind
    if bits.get("c") == "r--":
        denied(lambda: list(mine.get_paths(path="a/b/c")))  # listing needs R and X


def test_the_mask_limits_named_entries_but_never_the_owner(localazure, fs) -> None:
    carol = object_id(localazure, "carol")
    seed_like(fs, carol)
    fs.get_directory_client("a/b/c").set_access_control(acl=f"user::rwx,user:{carol}:rwx,group::r-x,mask::r-x,other::---")
    mine = as_user(localazure, "carol", fs.file_system_name)
    denied(lambda: mine.create_file("a/b/c/masked.txt"))
    fs.get_directory_client("a/b/c").set_access_control(owner=carol, acl="user::rwx,group::r-x,mask::---,other::---")
    mine.create_file("a/b/c/as-owner.txt")  # the owner's bits ignore the mask


def test_a_group_entry_grants_its_members(localazure) -> None:
    """dave (a guest) is in "analysts": --x down to a/b/c/ and r-x there, so he lists and reads but cannot write."""
    seed = dfs_service(localazure).get_file_system_client("seed")
    name = f"a/b/c/for-dave-{uuid.uuid4().hex[:8]}.txt"
    seed.get_file_client(name).upload_data(b"report", overwrite=True)
    seed.get_file_client(name).set_access_control(acl=f"user::rw-,group::---,group:{ANALYSTS}:r--,mask::r--,other::---")
    try:
        dave = as_user(localazure, "dave", "seed")
        assert dave.get_file_client(name).download_file().readall() == b"report"
        assert name in [p.name for p in dave.get_paths(path="a/b/c")]
        denied(lambda: dave.get_file_client(name).upload_data(b"overwrite", overwrite=True))
        denied(lambda: dave.create_file("a/b/c/by-dave.txt"))
    finally:
        seed.get_file_client(name).delete_file()


def test_a_role_grants_what_acls_refuse(localazure, fs) -> None:
    """alice holds Storage Blob Data Contributor: ACLs that give everyone else nothing do not stop her."""
    fs.get_directory_client("/").set_access_control(acl="user::rwx,group::---,other::---")
    alice = as_user(localazure, "alice", fs.file_system_name)
    alice.create_file("closed/by-alice.txt").upload_data(b"a", overwrite=True)
    assert [p.name for p in alice.get_paths(recursive=True)] == ["closed", "closed/by-alice.txt"]
    bob = as_user(localazure, "bob", fs.file_system_name)  # Reader: reads through the role, writes through nothing
    assert bob.get_file_client("closed/by-alice.txt").download_file().readall() == b"a"
    denied(lambda: bob.create_file("closed/by-bob.txt"))


def test_contributor_changes_acls_only_on_what_it_owns_and_never_the_owner(localazure, fs) -> None:
    alice = as_user(localazure, "alice", fs.file_system_name)
    fs.create_directory("theirs")
    own = alice.create_file("mine.txt")
    own.set_access_control(permissions="rw-------")
    assert own.get_access_control()["permissions"] == "rw-------"
    denied(lambda: alice.get_directory_client("theirs").set_access_control(permissions="rwxrwxrwx"))
    denied(lambda: own.set_access_control(owner=object_id(localazure, "bob")))


def test_owner_role_sets_any_acl_and_the_owner(localazure, fs) -> None:
    fs.create_directory("theirs")
    assignment = localazure.assign_role("Storage Blob Data Owner", f"/{fs.file_system_name}", upn="bob@contoso.test")
    try:
        bob = as_user(localazure, "bob", fs.file_system_name)
        bob.get_directory_client("theirs").set_access_control(owner=object_id(localazure, "carol"), permissions="rwxr-x---")
        assert bob.get_directory_client("theirs").get_access_control()["owner"] == object_id(localazure, "carol")
    finally:
        localazure.remove_role(assignment["id"])


def test_the_sticky_bit_lets_only_the_owner_delete_or_rename(localazure, fs) -> None:
    fs.get_directory_client("/").set_access_control(acl="user::rwx,group::r-x,other::--x")
    fs.create_directory("tmp").set_access_control(permissions="rwxrwxrwt")
    carol = as_user(localazure, "carol", fs.file_system_name)
    dave = as_user(localazure, "dave", fs.file_system_name)
    carol.create_file("tmp/carols.txt")
    denied(lambda: dave.get_file_client("tmp/carols.txt").delete_file())
    denied(lambda: dave.get_file_client("tmp/carols.txt").rename_file(f"{fs.file_system_name}/tmp/daves.txt"))
    dave.create_file("tmp/daves.txt").delete_file()  # his own, fine
    carol.get_file_client("tmp/carols.txt").delete_file()
    assert "the sticky bit on /tmp lets only the owner delete or rename inside it" in log_text(localazure)


def test_recursive_delete_needs_rwx_on_every_directory_inside(localazure, fs) -> None:
    carol = object_id(localazure, "carol")
    seed_like(fs, carol)
    fs.create_file("a/b/c/keep/inner/file.txt")
    fs.get_directory_client("a/b/c/keep").set_access_control(acl=f"user::rwx,user:{carol}:rwx,group::r-x,mask::rwx,other::---")
    fs.get_directory_client("a/b/c/keep/inner").set_access_control(acl=f"user::rwx,user:{carol}:r-x,group::r-x,mask::rwx,other::---")
    mine = as_user(localazure, "carol", fs.file_system_name)
    denied(lambda: mine.get_directory_client("a/b/c/keep").delete_directory())
    assert fs.get_file_client("a/b/c/keep/inner/file.txt").exists()
    fs.get_directory_client("a/b/c/keep/inner").set_access_control(acl=f"user::rwx,user:{carol}:rwx,group::r-x,mask::rwx,other::---")
    mine.get_directory_client("a/b/c/keep").delete_directory()
    assert not fs.get_directory_client("a/b/c/keep").exists()


def test_the_blob_endpoint_enforces_the_same_acls(localazure) -> None:
    container = blob_service(localazure, "carol").get_container_client("seed")
    name = f"a/b/c/blob-{uuid.uuid4().hex[:8]}.bin"
    container.upload_blob(name, b"through blob")
    try:
        assert container.download_blob(name).readall() == b"through blob"
        assert dfs_service(localazure).get_file_system_client("seed").get_file_client(name).get_access_control()["owner"] == object_id(localazure, "carol")
        denied(lambda: container.upload_blob("a/b/blob-not-here.bin", b"x"))
        denied(lambda: list(container.list_blobs()))
    finally:
        container.delete_blob(name)


def test_filesystems_need_a_role(localazure) -> None:
    carol = dfs_service(localazure, "carol")
    denied(lambda: carol.create_file_system(f"dl-{uuid.uuid4().hex[:20]}"))
    denied(lambda: list(carol.list_file_systems()))


def test_role_changes_count_after_the_propagation_delay(localazure, fs) -> None:
    fs.get_directory_client("/").set_access_control(acl="user::rwx,group::---,other::---")
    localazure.admin("PUT", "/settings/role-propagation", {"seconds": 3}).raise_for_status()
    try:
        assignment = localazure.assign_role("Storage Blob Data Contributor", f"/{fs.file_system_name}", upn="carol@contoso.test")
        carol = as_user(localazure, "carol", fs.file_system_name)
        denied(lambda: carol.create_file("soon.txt"))
        deadline = time.monotonic() + 60
        while True:
            try:
                carol.create_file("soon.txt")
                break
            except HttpResponseError:
                assert time.monotonic() < deadline, "the role never took effect"
                time.sleep(0.5)
        localazure.remove_role(assignment["id"])
    finally:
        localazure.admin("PUT", "/settings/role-propagation", {"seconds": 0}).raise_for_status()


def test_a_token_of_another_tenant_gets_the_challenge(localazure) -> None:
    import requests

    upn = localazure.user("dave").upn
    token = requests.post(
        f"{localazure.authority}/fabrikam.test/oauth2/v2.0/token",
        data={"grant_type": "password", "client_id": "579a7132-0e58-4d80-b1e1-7a1e2d337859", "username": upn, "password": "password-dave", "scope": "https://storage.azure.com/.default"},
        timeout=30,
    ).json()["access_token"]
    response = requests.head(f"{localazure.env['LOCALAZURE_DFS_URL']}/seed/a?action=getAccessControl", headers={"Authorization": f"Bearer {token}", "x-ms-version": "2025-11-05"}, timeout=30)
    assert response.status_code == 401 and response.headers["x-ms-error-code"] == "InvalidAuthenticationInfo"
    assert f"/{localazure.tenant_id}/oauth2/authorize" in response.headers["WWW-Authenticate"]


def test_the_owner_changes_the_group_only_to_one_of_their_own(localazure, fs) -> None:
    """dave (in "analysts") owns a file: he may give it to analysts, not to a group he is not in."""
    fs.get_directory_client("/").set_access_control(acl="user::rwx,group::r-x,other::-wx")
    dave = as_user(localazure, "dave", fs.file_system_name)
    file = dave.create_file("daves.txt")
    denied(lambda: file.set_access_control(group="0bad0000-0000-4000-8000-000000000000"))
    file.set_access_control(group=ANALYSTS)
    assert fs.get_file_client("daves.txt").get_access_control()["group"] == ANALYSTS


def test_carol_signs_in_with_a_device_code_and_uploads_into_a_b_c(localazure) -> None:
    """The seed's flow at localazure's level: carol signs in (device code, azure-identity) with no role at all, and
    uploads, lists and downloads in seed/a/b/c/ through both endpoints on the strength of the ACLs alone."""
    from azure.identity import DeviceCodeCredential
    from azure.storage.blob import BlobServiceClient
    from azure.storage.filedatalake import DataLakeServiceClient

    credential = DeviceCodeCredential(
        client_id="579a7132-0e58-4d80-b1e1-7a1e2d337859",
        tenant_id=localazure.tenant_id,
        authority=localazure.authority,
        disable_instance_discovery=True,
        prompt_callback=lambda uri, code, expires: localazure.approve(code, "carol@contoso.test"),
    )
    assert credential.authenticate(scopes=["https://storage.azure.com/.default"]).username == "carol@contoso.test"
    assignments = localazure.admin("GET", "/role-assignments").json()["role_assignments"]
    assert not [a for a in assignments if a["principal_id"] == object_id(localazure, "carol") and a["scope"] in ("/", "/seed")]  # ACLs only
    name = f"a/b/c/device-{uuid.uuid4().hex[:8]}.txt"
    seed = DataLakeServiceClient(localazure.env["LOCALAZURE_DFS_URL"], credential=credential).get_file_system_client("seed")
    seed.get_file_client(name).upload_data(b"signed in", overwrite=True)
    try:
        container = BlobServiceClient(localazure.env["LOCALAZURE_HNS_BLOB_URL"], credential=credential, api_version="2025-11-05").get_container_client("seed")
        assert name in [b.name for b in container.list_blobs(name_starts_with="a/b/c/")]
        assert container.download_blob(name).readall() == b"signed in"
    finally:
        seed.get_file_client(name).delete_file()


def test_recursive_acl_changes_count_the_items_a_contributor_does_not_own(localazure, fs) -> None:
    alice = as_user(localazure, "alice", fs.file_system_name)
    alice.create_directory("tree")
    alice.create_file("tree/1.txt")
    fs.create_file("tree/not-alices.txt")  # owned by $superuser
    alice.create_file("tree/z.txt")
    acl = "user::rwx,group::r-x,other::---"
    result = alice.get_directory_client("tree").set_access_control_recursive(acl=acl, continue_on_failure=True)
    assert (result.counters.directories_successful, result.counters.files_successful, result.counters.failure_count) == (1, 2, 1)
    stopped = alice.get_directory_client("tree").set_access_control_recursive(acl=acl)
    assert stopped.counters.failure_count == 1 and stopped.counters.files_successful == 1  # stops at the first failure
