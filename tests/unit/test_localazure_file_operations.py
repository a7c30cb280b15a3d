"""The File service's operation table and the File Data Privileged roles (Microsoft's "Permissions for File
service operations" and the built-in role definitions)."""

from __future__ import annotations

import pytest

from localazure.files.operations import classify
from localazure.gateway.roles import BUILT_IN_ROLES, RoleAssignments

CASES = [
    ("GET", "/acct/share", {"restype": "directory", "comp": "list"}, {}, "List Directories and Files", "read"),
    ("GET", "/acct/share/a/b.txt", {}, {}, "Get File", "read"),
    ("HEAD", "/acct/share/a", {"restype": "directory"}, {}, "Get Directory Properties", "read"),
    ("GET", "/acct/share/b.txt", {"comp": "rangelist"}, {}, "List Ranges", "read"),
    ("PUT", "/acct/share/a", {"restype": "directory"}, {}, "Create Directory", "write"),
    ("PUT", "/acct/share/b.txt", {}, {"x-ms-type": "file"}, "Create File", "write"),
    ("PUT", "/acct/share/b.txt", {"comp": "range"}, {}, "Put Range", "write"),
    ("PUT", "/acct/share/b.txt", {"comp": "range"}, {"x-ms-copy-source": "https://x/y"}, "Put Range from URL", "write"),
    ("PUT", "/acct/share/b.txt", {}, {"x-ms-copy-source": "https://x/y"}, "Copy File", "write"),
    ("DELETE", "/acct/share/b.txt", {}, {}, "Delete File", "write"),
    ("DELETE", "/acct/share/a", {"restype": "directory"}, {}, "Delete Directory", "write"),
    ("PUT", "/acct/share/b.txt", {"comp": "properties"}, {"x-ms-file-permission": "O:BAG:SY"}, "Set File Properties", "permissions"),
    ("PUT", "/acct/share", {"restype": "share"}, {}, "Create Share", "management"),
    ("DELETE", "/acct/share", {"restype": "share"}, {}, "Delete Share", "management"),
    ("GET", "/acct", {"comp": "list"}, {}, "List Shares", "management"),
]


def principal_with(role: str) -> RoleAssignments:
    store = RoleAssignments()
    store.add("p", "label", role)
    return store


@pytest.mark.parametrize(("method", "path", "query", "headers", "name", "needs"), CASES)
def test_each_operation_needs_what_microsoft_lists(method, path, query, headers, name, needs):
    operation = classify(method, path, query, headers)
    assert operation.name == name
    assert operation.management == (needs == "management")
    reader = principal_with("Storage File Data Privileged Reader").authorize("p", operation.rbac) is None
    contributor = principal_with("Storage File Data Privileged Contributor").authorize("p", operation.rbac) is None
    assert (reader, contributor) == {"read": (True, True), "write": (False, True), "permissions": (False, True), "management": (False, False)}[needs]
    for blob_role in ("Storage Blob Data Owner", "Storage Blob Data Contributor"):
        assert principal_with(blob_role).authorize("p", operation.rbac) is not None  # blob roles reach no file data


def test_a_share_scoped_assignment_reaches_only_that_share():
    store = RoleAssignments()
    store.add("p", "label", "Storage File Data Privileged Reader", "/photos")
    assert store.authorize("p", classify("GET", "/acct/photos/a.jpg", {}, {}).rbac) is None
    assert store.authorize("p", classify("GET", "/acct/music/a.mp3", {}, {}).rbac) is not None


def test_the_file_roles_are_azures_definitions():
    reader, contributor = BUILT_IN_ROLES["Storage File Data Privileged Reader"], BUILT_IN_ROLES["Storage File Data Privileged Contributor"]
    assert (reader.id, contributor.id) == ("b8eda974-7b85-4f76-af95-65846b26df6d", "69566ab7-960f-475b-8e7c-b3118f30c6bd")
    assert not reader.actions and not contributor.actions
    files = "Microsoft.Storage/storageAccounts/fileServices"
    assert set(reader.data_actions) == {f"{files}/fileshares/files/read", f"{files}/readFileBackupSemantics/action"}
    assert set(contributor.data_actions) == {f"{files}/fileshares/files/{action}" for action in ("read", "write", "delete", "modifypermissions/action")} | {
        f"{files}/readFileBackupSemantics/action", f"{files}/writeFileBackupSemantics/action"}
    assert len(reader.data_actions) == 2 and len(contributor.data_actions) == 6
