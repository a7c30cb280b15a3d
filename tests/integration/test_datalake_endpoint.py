"""pyazcopy's dfs endpoint (endpoints/datalake.py) against localazure's account with a hierarchical namespace, as
the seed's carol (no role, ACLs only): a refused request names what is missing (the role, or the ACL entries on
the actual directories of the path) and leaves nothing behind; listings follow continuations and show folders."""

from __future__ import annotations

import uuid
from typing import Iterator

import pytest
from azure.storage.filedatalake import FileSystemClient

from datalake_support import StaticToken, new_filesystem, object_id, user_token
from pyazcopy import endpoints
from pyazcopy.endpoints import datalake_client
from pyazcopy.endpoints.protocol import EntityType
from pyazcopy.errors import PermissionMismatchError


@pytest.fixture
def fs(localazure) -> Iterator[FileSystemClient]:
    client = new_filesystem(localazure)
    yield client
    client.delete_file_system()


def seed_like(fs: FileSystemClient, carol: str, a: str = "--x", c: str = "rwx") -> None:
    """The seed's tree: carol has --x on the root, a/ and a/b/, and ``c`` on a/b/c/ (set by the super-user)."""
    fs.create_directory("a/b/c")
    for path, bits in (("/", "--x"), ("a", a), ("a/b", "--x"), ("a/b/c", c)):
        fs.get_directory_client(path).set_access_control(acl=f"user::rwx,user:{carol}:{bits},group::r-x,mask::rwx,other::---")


def as_carol(localazure, fs: FileSystemClient, path: str = ""):
    url = f"{localazure.env['LOCALAZURE_DFS_URL']}/{fs.file_system_name}" + (f"/{path}" if path else "")
    return endpoints.resolve(url, StaticToken(user_token(localazure, "carol")), connection_verify=localazure.ca_bundle,
                             identity="carol@contoso.test", kind="BlobFS")


def upload(endpoint, name: str, data: bytes) -> None:
    writer = endpoint.open_writer(name, len(data))
    try:
        writer.write_at(0, data)
        writer.commit()
    except BaseException:
        writer.abort()
        raise


def test_carol_uploads_lists_and_reads_in_a_b_c_with_acls_only(localazure, fs) -> None:
    seed_like(fs, object_id(localazure, "carol"))
    endpoint = as_carol(localazure, fs, "a/b/c")
    try:
        upload(endpoint, "new.txt", b"carol's data")
        assert [(e.name, e.size) for e in endpoint.list()] == [("new.txt", 12)]
        buffer = bytearray(5)
        assert endpoint.read_into("new.txt", 7, memoryview(buffer)) == 5 and bytes(buffer) == b" data"
        assert fs.get_file_client("a/b/c/new.txt").get_access_control()["owner"] == object_id(localazure, "carol")
    finally:
        endpoint.close()


def test_a_missing_execute_on_a_parent_directory_names_it_and_both_fixes(localazure, fs) -> None:
    """The seed's first failure: no X on a/. The message names the target directory, the root and each parent
    (a/ among them), and the role that would allow it instead; nothing is left behind."""
    seed_like(fs, object_id(localazure, "carol"), a="---")
    endpoint = as_carol(localazure, fs, "a/b/c")
    try:
        with pytest.raises(PermissionMismatchError) as raised:
            upload(endpoint, "new.txt", b"x")
    finally:
        endpoint.close()
    text = str(raised.value)
    assert "403 AuthorizationPermissionMismatch" in text and "carol@contoso.test" in text
    assert f"create {localazure.env['LOCALAZURE_DFS_URL']}/{fs.file_system_name}/a/b/c/new.txt failed" in text  # the final name
    assert "Storage Blob Data Contributor" in text
    assert "write and execute (-wx) on the target directory /a/b/c" in text
    assert "execute (--x) on the filesystem's root / and on each parent directory /a, /a/b" in text
    assert user_token(localazure, "carol")[:20] not in text
    assert [p.name for p in fs.get_paths(recursive=True)] == ["a", "a/b", "a/b/c"]  # nothing left behind


def test_a_refused_read_names_the_reader_role_and_the_read_acl(localazure, fs) -> None:
    """carol may traverse down to a/b/c/, but the file gives her nothing and she holds no role: both ways out."""
    seed_like(fs, object_id(localazure, "carol"))
    fs.get_file_client("a/b/c/report.txt").upload_data(b"secret", overwrite=True)
    fs.get_file_client("a/b/c/report.txt").set_access_control(acl="user::rw-,group::---,other::---")
    endpoint = as_carol(localazure, fs, "a/b/c")
    try:
        with pytest.raises(PermissionMismatchError) as raised:
            endpoint.read_into("report.txt", 0, memoryview(bytearray(6)))
    finally:
        endpoint.close()
    text = str(raised.value)
    assert "Storage Blob Data Reader" in text
    assert "read (r--) on the file /a/b/c/report.txt, and execute (--x) on the filesystem's root / and on each parent directory /a, /a/b, /a/b/c" in text


def test_a_refused_listing_names_read_and_execute_on_the_directory(localazure, fs) -> None:
    seed_like(fs, object_id(localazure, "carol"))
    endpoint = as_carol(localazure, fs, "a/b")
    try:
        with pytest.raises(PermissionMismatchError, match=r"read and execute \(r-x\) on the directory /a/b, and execute \(--x\) on the "
                                                          r"filesystem's root / and on each parent directory /a\."):
            list(endpoint.list())
    finally:
        endpoint.close()


def test_listing_follows_continuations_in_code_point_order_with_folders(localazure, fs, monkeypatch) -> None:
    names = ["d-1/x", "d/a", "d/sub/deep", "d/sub/z", "d0", "e/empty-dir-sibling"]
    for name in names:
        fs.get_file_client(name).upload_data(name.encode(), overwrite=True)
    fs.create_directory("empty")
    monkeypatch.setattr(datalake_client, "LIST_PAGE_SIZE", 2)
    url = f"{localazure.env['LOCALAZURE_DFS_URL']}/{fs.file_system_name}"
    endpoint = endpoints.resolve(url, StaticToken(user_token(localazure, "alice")), connection_verify=localazure.ca_bundle, kind="BlobFS")
    try:
        assert [e.name for e in endpoint.list()] == sorted(names)
        listed = [(e.name, e.entity_type) for e in endpoint.list(folders=True)]
        folders = ["d", "d-1", "d/sub", "e", "empty"]
        assert [name for name, _ in listed] == sorted(names + folders)
        assert {name for name, kind in listed if kind is EntityType.FOLDER} == set(folders)
        assert [e.name for e in endpoint.list("d/")] == ["d/a", "d/sub/deep", "d/sub/z"]
        assert endpoint.stat("d/sub").entity_type is EntityType.FOLDER
    finally:
        endpoint.close()


def test_a_failed_commit_leaves_no_temporary_file(localazure, fs) -> None:
    url = f"{localazure.env['LOCALAZURE_DFS_URL']}/{fs.file_system_name}/dir"
    endpoint = endpoints.resolve(url, StaticToken(user_token(localazure, "alice")), connection_verify=localazure.ca_bundle, kind="BlobFS")
    try:
        writer = endpoint.open_writer(f"f-{uuid.uuid4().hex[:6]}.bin", 10)
        writer.write_at(0, b"01234")
        assert [e.name for e in endpoint.list()] == [writer.temporary[len("dir/"):]]  # the temporary file, beside the final one
        with pytest.raises(Exception, match="5 of 10 bytes"):
            writer.commit()
        writer.abort()
        assert list(endpoint.list()) == []
    finally:
        endpoint.close()


def test_pyazcopy_list_on_a_dfs_location_goes_through_the_endpoint(localazure, fs, tmp_path) -> None:
    """`list <filesystem/dir> --location BlobFS` (a path-style URL cannot say its service): files in code-point
    order, relative to the URL, without the directories; signed in as the pipeline's service principal (a role)."""
    from test_copy_cli import SPN_APP, SPN_SECRET, env_for, run

    for name, data in (("dir/d-1/x", b"1"), ("dir/d/a b.txt", b"22"), ("dir/d/sub/z", b"333"), ("dir/d0", b"4444"), ("other.txt", b"5")):
        fs.get_file_client(name).upload_data(data, overwrite=True)
    env = env_for(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                  AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id,
                  PYAZCOPY_TRUSTED_ENDPOINTS=localazure.env["PYAZCOPY_TRUSTED_ENDPOINTS"])
    url = f"{localazure.env['LOCALAZURE_DFS_URL']}/{fs.file_system_name}/dir"
    listed = run(["list", url, "--location", "BlobFS", "--running-tally"], env)
    assert listed.code == 0, listed.out
    lines = [line for line in listed.out.splitlines() if "; Content Length: " in line]
    assert lines == ["d-1/x; Content Length: 1.00 B", "d/a b.txt; Content Length: 2.00 B", "d/sub/z; Content Length: 3.00 B",
                     "d0; Content Length: 4.00 B"], listed.out
    assert "File count: 4" in listed.out, listed.out
    refused = run(["list", url, "--location", "BlobFS"], {**env, "AZCOPY_SPA_CLIENT_SECRET": "wrong"})
    assert refused.code != 0 and "wrong" not in refused.out
