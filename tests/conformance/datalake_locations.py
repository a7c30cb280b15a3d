"""The conformance suite's endpoints on localazure's account with a hierarchical namespace (issue 19):

- ``datalake``: the dfs endpoint (AzCopy's BlobFS), as alice, who holds Storage Blob Data Contributor (a role);
- ``datalake-acl``: the dfs endpoint as carol, who holds no role: the ACLs alone let her in, as the seed describes
  (execute on the filesystem's root, read, write and execute on the directory under test);
- ``blob-hns``: the Blob endpoint of the same account, as alice.

Each test gets a fresh filesystem, made and removed with the account key (the super-user), through the real
azure-storage-file-datalake SDK (tests/integration/datalake_support.py)."""

from __future__ import annotations

import sys
from pathlib import Path

# blob-hns is not run yet: BlobContainer lists without include=metadata, so it cannot tell the account's directories
# (zero-length blobs with hdi_isfolder=true) from files and lists them (3 of its 15 tests fail: listing order, stat,
# delete). With include=metadata in BlobTransferClient.list_blobs all 15 pass; add "blob-hns" here with that change.
DATALAKE_KINDS = ("datalake", "datalake-acl")
USERS = {"datalake": "alice", "datalake-acl": "carol", "blob-hns": "alice"}
sys.path.insert(0, str(Path(__file__).parent.parent / "integration"))  # datalake_support, shared with the integration tests

import datalake_support  # noqa: E402


def datalake_location(request, kind: str) -> dict[str, str]:
    """A directory ``area`` of a fresh filesystem, reachable by the kind's user; removed after the test."""
    localazure = request.getfixturevalue("localazure")
    filesystem = datalake_support.new_filesystem(localazure)
    request.addfinalizer(filesystem.delete_file_system)
    user = USERS[kind]
    if kind == "datalake-acl":  # only ACLs: --x on the root, rwx on area/ (and what carol creates there is hers)
        carol = datalake_support.object_id(localazure, "carol")
        filesystem.create_directory("area")
        filesystem.get_directory_client("/").set_access_control(acl=f"user::rwx,user:{carol}:--x,group::r-x,mask::r-x,other::---")
        filesystem.get_directory_client("area").set_access_control(acl=f"user::rwx,user:{carol}:rwx,group::r-x,mask::rwx,other::---")
    base = localazure.env["LOCALAZURE_HNS_BLOB_URL" if kind == "blob-hns" else "LOCALAZURE_DFS_URL"]
    return {"kind": kind, "text": f"{base}/{filesystem.file_system_name}/area", "endpoint_kind": "Blob" if kind == "blob-hns" else "BlobFS",
            "token": datalake_support.user_token(localazure, user)}


def datalake_endpoint(request, location: dict[str, str]):
    from pyazcopy import endpoints

    from pyazcopy.endpoints.blob_transfer import BlobTransferClient, parse_blob_url

    localazure = request.getfixturevalue("localazure")
    credential = datalake_support.StaticToken(location["token"])
    found = endpoints.resolve(location["text"], credential, connection_verify=localazure.ca_bundle, kind=location["endpoint_kind"])
    if location["endpoint_kind"] == "BlobFS":  # a path-style URL cannot name the account's Blob endpoint: localazure's says it
        blob_text = location["text"].replace(localazure.env["LOCALAZURE_DFS_URL"], localazure.env["LOCALAZURE_HNS_BLOB_URL"], 1)
        found.blob = BlobTransferClient(parse_blob_url(blob_text), credential, connection_verify=localazure.ca_bundle)
    return found


def datalake_child_env(request, location: dict[str, str]) -> dict[str, str]:
    localazure = request.getfixturevalue("localazure")
    return {"CONFORMANCE_TOKEN": location["token"], "CONFORMANCE_KIND": location["endpoint_kind"], "CONFORMANCE_CA_BUNDLE": localazure.ca_bundle}
