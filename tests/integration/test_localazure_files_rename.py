"""localazure's Rename File (``PUT <file>?comp=rename``) against azure-storage-file-share's ``rename_file``: with the
account key, with a share SAS and with Entra tokens (alice, Privileged Contributor, may; bob, Privileged Reader, may
not), replacing or refusing an existing destination, keeping the file's id, contents, headers and metadata."""

from __future__ import annotations

import datetime

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.fileshare import ContentSettings, ShareClient, ShareSasPermissions, generate_share_sas

from localazure.fixtures import DEV_ACCOUNT_KEY
from tests.integration.test_localazure_files_entra import share_as


def _share(localazure, name: str) -> ShareClient:
    return localazure.shared_key_file_service().get_share_client(name)


def _error(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as raised:
        call()
    return raised.value


def test_rename_moves_a_file_with_its_properties(localazure, file_share):
    share = _share(localazure, file_share)
    share.create_directory("from")
    share.create_directory("to")
    source = share.get_file_client("from/a ü%.txt")
    source.upload_file(b"the bytes", content_settings=ContentSettings(content_type="text/plain", content_md5=bytearray(b"\x02" * 16)),
                       metadata={"colour": "blue"})
    file_id = source.get_file_properties().file_id
    renamed = source.rename_file("to/b ü%.txt")
    assert renamed.download_file().readall() == b"the bytes"
    properties = renamed.get_file_properties()
    assert (properties.file_id, properties.content_settings.content_type, bytes(properties.content_settings.content_md5),
            properties.metadata) == (file_id, "text/plain", b"\x02" * 16, {"colour": "blue"})
    assert [item["name"] for item in share.list_directories_and_files("from")] == []
    assert [item["name"] for item in share.list_directories_and_files("to")] == ["b ü%.txt"]
    # metadata and content type sent with the rename replace the file's
    again = renamed.rename_file("to/c.txt", metadata={"owner": "ada"}, content_type="application/json")
    properties = again.get_file_properties()
    assert (properties.metadata, properties.content_settings.content_type) == ({"owner": "ada"}, "application/json")


def test_rename_onto_an_existing_file_needs_replace(localazure, file_share):
    share = _share(localazure, file_share)
    share.get_file_client("new.bin").upload_file(b"new")
    share.get_file_client("old.bin").upload_file(b"old, longer")
    share.create_directory("a-directory")
    raised = _error(lambda: share.get_file_client("new.bin").rename_file("old.bin"))
    assert (raised.status_code, raised.error_code) == (409, "ResourceAlreadyExists")
    raised = _error(lambda: share.get_file_client("new.bin").rename_file("a-directory", overwrite=True))
    assert (raised.status_code, raised.error_code) == (409, "ResourceAlreadyExists")
    assert share.get_file_client("old.bin").download_file().readall() == b"old, longer"  # refused: nothing changed
    share.get_file_client("new.bin").rename_file("old.bin", overwrite=True)
    assert share.get_file_client("old.bin").download_file().readall() == b"new"
    assert sorted(item["name"] for item in share.list_directories_and_files()) == ["a-directory", "old.bin"]


def test_rename_refuses_a_missing_source_or_parent(localazure, file_share):
    share = _share(localazure, file_share)
    raised = _error(lambda: share.get_file_client("nothing.txt").rename_file("else.txt"))
    assert (raised.status_code, raised.error_code) == (404, "ResourceNotFound")
    share.get_file_client("here.txt").upload_file(b"x")
    raised = _error(lambda: share.get_file_client("here.txt").rename_file("no/such/dir/here.txt"))
    assert (raised.status_code, raised.error_code) == (404, "ParentNotFound")


def test_rename_with_a_share_sas(localazure, file_share):
    sas = generate_share_sas("devstoreaccount1", file_share, DEV_ACCOUNT_KEY, permission=ShareSasPermissions(read=True, write=True),
                             expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    share = ShareClient(localazure.file_url, file_share, credential=sas)
    share.get_file_client("sas.txt").upload_file(b"by sas")
    share.get_file_client("sas.txt").rename_file("sas-renamed.txt")
    assert share.get_file_client("sas-renamed.txt").download_file().readall() == b"by sas"
    read_only = generate_share_sas("devstoreaccount1", file_share, DEV_ACCOUNT_KEY, permission=ShareSasPermissions(read=True),
                                   expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    reader = ShareClient(localazure.file_url, file_share, credential=read_only)
    raised = _error(lambda: reader.get_file_client("sas-renamed.txt").rename_file("no.txt"))
    assert (raised.status_code, raised.error_code) == (403, "AuthorizationPermissionMismatch")


def test_rename_with_tokens_needs_the_privileged_contributor(localazure, file_share):
    alice = share_as(localazure, "alice", file_share)
    alice.get_file_client("by-alice.txt").upload_file(b"a")
    alice.get_file_client("by-alice.txt").rename_file("renamed-by-alice.txt")
    bob = share_as(localazure, "bob", file_share)
    raised = _error(lambda: bob.get_file_client("renamed-by-alice.txt").rename_file("by-bob.txt"))
    assert (raised.status_code, raised.error_code) == (403, "AuthorizationPermissionMismatch")
    assert [item["name"] for item in alice.list_directories_and_files()] == ["renamed-by-alice.txt"]
