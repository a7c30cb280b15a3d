"""The Azure Files endpoint signed in as localazure's users: bob (Storage File Data Privileged Reader) reads what
alice (Privileged Contributor) wrote but cannot write or delete, told which role would let him; carol (no role) cannot
list or read, told the Reader role. Signed in, requests carry the backup intent the service demands; with a SAS they
carry none and work as well. A write over Put Range's 4 MiB limit goes in pieces."""

from __future__ import annotations

import datetime

import pytest
from azure.storage.fileshare import ShareSasPermissions, generate_share_sas

from localazure.fixtures import DEV_ACCOUNT_KEY
from pyazcopy import endpoints
from pyazcopy.errors import PermissionMismatchError
from tests.integration.test_rbac_gateway import StaticToken, token_for


def signed_in(localazure, user: str, share: str, path: str = "area"):
    return endpoints.resolve(f"{localazure.file_url}/{share}/{path}", StaticToken(token_for(localazure, user)), connection_verify=localazure.ca_bundle,
                             identity=f"{user}@contoso.test", tenant_id=localazure.tenant_id, kind="File")


def put(endpoint, name: str, data: bytes) -> None:
    writer = endpoint.open_writer(name, len(data))
    writer.write_at(0, data)
    writer.commit()


def test_alice_writes_bob_reads_but_cannot_write_told_the_contributor_role(localazure, file_share):
    alice = signed_in(localazure, "alice", file_share)
    assert alice.client.sends_intent
    put(alice, "docs/from alice ü.txt", b"written by alice")  # the service refuses a token without the backup intent
    bob = signed_in(localazure, "bob", file_share)
    try:
        assert [entry.name for entry in bob.list()] == ["docs/from alice ü.txt"]
        buffer = bytearray(16)
        assert bob.read_into("docs/from alice ü.txt", 0, memoryview(buffer)) == 16 and bytes(buffer) == b"written by alice"
        for attempt, wanted in ((lambda: put(bob, "docs/by bob.txt", b"no"), "write (upload) files"),
                                (lambda: bob.delete("docs/from alice ü.txt"), "delete files")):
            with pytest.raises(PermissionMismatchError) as raised:
                attempt()
            message = str(raised.value)
            assert "403 AuthorizationPermissionMismatch" in message and "bob@contoso.test is signed in" in message
            assert "Storage File Data Privileged Contributor" in message and "Privileged Reader" not in message
            assert f"the share {file_share}" in message and wanted in message
            assert ".pyazcopy-" not in message  # the final name, not the writer's temp file
            assert "Blob" not in message and "eyJ" not in message  # no Blob role, no token
        assert [entry.name for entry in alice.list()] == ["docs/from alice ü.txt"]
    finally:
        alice.close()
        bob.close()


def test_carol_cannot_list_or_read_told_the_reader_role(localazure, file_share):
    alice = signed_in(localazure, "alice", file_share)
    put(alice, "secret.txt", b"s")
    alice.close()
    carol = signed_in(localazure, "carol", file_share)
    try:
        for attempt in (lambda: list(carol.list()), lambda: carol.read_into("secret.txt", 0, memoryview(bytearray(1)))):
            with pytest.raises(PermissionMismatchError) as raised:
                attempt()
            message = str(raised.value)
            assert "carol@contoso.test is signed in" in message
            assert "Storage File Data Privileged Reader (or Storage File Data Privileged Contributor)" in message
            assert "Blob" not in message
    finally:
        carol.close()


def test_a_share_sas_works_without_the_backup_intent(localazure, file_share):
    sas = generate_share_sas("devstoreaccount1", file_share, DEV_ACCOUNT_KEY, permission=ShareSasPermissions(read=True, create=True, write=True,
                             delete=True, list=True), expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    endpoint = endpoints.resolve(f"{localazure.file_url}/{file_share}/by-sas?{sas}", StaticToken("never used"),
                                 connection_verify=localazure.ca_bundle, kind="File")
    try:
        assert not endpoint.client.sends_intent and "sig=" not in endpoint.display
        put(endpoint, "deep/er/file.bin", b"via SAS")
        assert [(entry.name, entry.size) for entry in endpoint.list()] == [("deep/er/file.bin", 7)]
        assert endpoint.delete("deep/er/file.bin") is True
    finally:
        endpoint.close()


def test_a_write_larger_than_put_range_s_limit_is_sent_in_pieces(localazure, file_share):
    """One write_at of 3 x 4 MiB + 1 (Put Range takes at most 4 MiB) and an empty file, round trips signed in."""
    import os

    data = os.urandom(3 * 4 * 1024 * 1024 + 1)
    alice = signed_in(localazure, "alice", file_share)
    try:
        put(alice, "big/three ranges plus one.bin", data)
        writer = alice.open_writer("big/empty", 0)
        writer.commit()
        assert [(entry.name, entry.size) for entry in alice.list("big/")] == [("big/empty", 0), ("big/three ranges plus one.bin", len(data))]
        buffer = bytearray(len(data))
        assert alice.read_into("big/three ranges plus one.bin", 0, memoryview(buffer)) == len(data) and bytes(buffer) == data
    finally:
        alice.close()
