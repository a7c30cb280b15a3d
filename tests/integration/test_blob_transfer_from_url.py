"""pyazcopy's client side of service-to-service copies (endpoints/blob_transfer.py): Put Blob From URL and Put Block
From URL against the gateway, with the user's token sent for the source only to trusted hosts."""

from __future__ import annotations

import base64
import datetime

import pytest
from azure.storage.blob import BlobSasPermissions, generate_blob_sas

from localazure.fixtures import DEV_ACCOUNT_KEY, unique_container_name
from pyazcopy.endpoints.blob_transfer import BlobHeaders, BlobTransferClient, parse_blob_url
from pyazcopy.endpoints.copy_source import CopySourceError, copy_source_headers
from pyazcopy.errors import StorageServiceError
from tests.integration.test_rbac_gateway import StaticToken, token_for


@pytest.fixture
def pair(localazure):
    """A source container on the first account and a destination container on the second."""
    first, second = localazure.shared_key_service(), localazure.shared_key_service(second=True)
    names = (unique_container_name("s2ssrc"), unique_container_name("s2sdst"))
    first.create_container(names[0])
    second.create_container(names[1])
    yield names
    first.delete_container(names[0])
    second.delete_container(names[1])


def destination(localazure, container: str, user: str = "alice") -> BlobTransferClient:
    return BlobTransferClient(parse_blob_url(f"{localazure.blob_url_2}/{container}"), credential=StaticToken(token_for(localazure, user)),
                              connection_verify=localazure.ca_bundle)


def gateway_is_trusted(localazure):
    origin = localazure.blob_url.rsplit("/", 1)[0]
    return lambda url: url.startswith(origin + "/")


def test_put_blob_from_url_across_accounts_with_the_users_token(localazure, pair):
    source_container, target_container = pair
    data = b"server side\n" * 10000
    localazure.shared_key_service().get_blob_client(source_container, "dir/a.txt").upload_blob(data)
    client = destination(localazure, target_container)
    try:
        client.put_blob_from_url("dir/a.txt", f"{localazure.blob_url}/{source_container}/dir/a.txt", BlobHeaders(metadata=(("origin", "s2s"),)),
                                 trusted=gateway_is_trusted(localazure))
    finally:
        client.close()
    blob = localazure.shared_key_service(second=True).get_blob_client(target_container, "dir/a.txt")
    assert blob.download_blob().readall() == data
    assert blob.get_blob_properties().metadata == {"origin": "s2s"}


def test_stage_block_from_url_with_ranges_then_commit(localazure, pair):
    source_container, target_container = pair
    data = bytes(range(256)) * 2048  # 512 KiB
    localazure.shared_key_service().get_blob_client(source_container, "big.bin").upload_blob(data)
    source = f"{localazure.blob_url}/{source_container}/big.bin"
    client = destination(localazure, target_container)
    try:
        ids = []
        for index, offset in enumerate(range(0, len(data), 200_000)):
            block_id = base64.b64encode(f"{index:08d}".encode()).decode()
            client.stage_block_from_url("big.bin", block_id, source, offset, min(200_000, len(data) - offset), trusted=gateway_is_trusted(localazure))
            ids.append(block_id)
        assert client.uncommitted_blocks("big.bin") == {ids[0]: 200_000, ids[1]: 200_000, ids[2]: len(data) - 400_000}
        client.commit_block_list("big.bin", ids, BlobHeaders())
    finally:
        client.close()
    assert localazure.shared_key_service(second=True).get_blob_client(target_container, "big.bin").download_blob().readall() == data


def test_no_token_goes_to_an_untrusted_source_host(localazure, pair):
    source_container, target_container = pair
    localazure.shared_key_service().get_blob_client(source_container, "p.txt").upload_blob(b"private")
    source = f"{localazure.blob_url}/{source_container}/p.txt"
    client = destination(localazure, target_container)
    try:
        assert "x-ms-copy-source-authorization" not in list(copy_source_headers(source, client._credential, "https://elsewhere.example", None))
        with pytest.raises(CopySourceError) as raised:
            client.put_blob_from_url("p.txt", source, BlobHeaders(), trusted=lambda url: False)
    finally:
        client.close()
    assert "refused the read (401)" in str(raised.value) and "PYAZCOPY_TRUSTED_ENDPOINTS" in str(raised.value)
    assert "Nothing was written" in str(raised.value)


def test_a_source_the_user_may_not_read_names_the_source_side(localazure, pair):
    """bob is Reader on the first account only: from the second account the source refuses him."""
    source_container, target_container = pair
    localazure.shared_key_service(second=True).get_blob_client(target_container, "secret.txt").upload_blob(b"not for bob")
    bob = token_for(localazure, "bob")
    client = BlobTransferClient(parse_blob_url(f"{localazure.blob_url}/{source_container}"), credential=StaticToken(bob),
                                connection_verify=localazure.ca_bundle)
    source = f"{localazure.blob_url_2}/{target_container}/secret.txt"
    try:
        with pytest.raises(StorageServiceError) as raised:
            client.put_blob_from_url("copied.txt", source, BlobHeaders(), trusted=gateway_is_trusted(localazure))
    finally:
        client.close()
    # bob cannot write on the first account either: Azure checks the destination first, and so does the message
    assert raised.value.status == 403 and raised.value.error_code == "AuthorizationPermissionMismatch"
    alice_dest = BlobTransferClient(parse_blob_url(f"{localazure.blob_url}/{source_container}"), credential=StaticToken(token_for(localazure, "alice")),
                                    connection_verify=localazure.ca_bundle)
    headers = copy_source_headers(source, StaticToken(bob), localazure.blob_url, None)
    assert headers["x-ms-copy-source-authorization"] == f"Bearer {bob}"
    try:
        with pytest.raises(CopySourceError) as raised:
            alice_dest._write_from_url(alice_dest.blob_url("copied.txt"), "copy to", "copied.txt",
                                       {**headers, "x-ms-blob-type": "BlockBlob", "Content-Length": "0"}, source)
    finally:
        alice_dest.close()
    message = str(raised.value)
    assert "refused the read (403)" in message and "Storage Blob Data Reader" in message
    assert bob not in message and bob.rsplit(".", 1)[1] not in message


def test_a_sas_source_gets_no_token_and_a_changed_source_is_refused(localazure, pair):
    source_container, target_container = pair
    blob = localazure.shared_key_service().get_blob_client(source_container, "v.txt")
    blob.upload_blob(b"one")
    etag = blob.get_blob_properties().etag
    blob.upload_blob(b"two", overwrite=True)
    sas = generate_blob_sas(localazure.env["LOCALAZURE_STORAGE_ACCOUNT"], source_container, "v.txt", account_key=DEV_ACCOUNT_KEY,
                            permission=BlobSasPermissions(read=True), expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    source = f"{localazure.blob_url}/{source_container}/v.txt?{sas}"
    client = destination(localazure, target_container)
    try:
        assert "x-ms-copy-source-authorization" not in list(copy_source_headers(source, client._credential, localazure.blob_url, lambda url: True))
        with pytest.raises(StorageServiceError) as raised:
            client.put_blob_from_url("v.txt", source, BlobHeaders(), source_etag=etag)
        assert raised.value.status == 412 and "sig=" not in str(raised.value)
        client.put_blob_from_url("v.txt", source, BlobHeaders())
    finally:
        client.close()
    assert localazure.shared_key_service(second=True).get_blob_client(target_container, "v.txt").download_blob().readall() == b"two"
