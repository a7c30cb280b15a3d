"""The gateway's From-URL operations (issue 18's localazure section), driven by the real azure-storage-blob SDK:
Put Blob From URL, Put Block From URL (+ Put Block List), Append Block From URL, Put Page From URL and the
synchronous Copy Blob, within a container, across containers and across the stack's two accounts, with OAuth on both
sides (x-ms-copy-source-authorization) and with a SAS source; a source the token may not read is refused with
CannotVerifyCopySource and the source's status, as Azure answers.

Azurite 3.35 answers the first four with 501 APINotImplemented and copies synchronously without looking at
x-ms-copy-source-authorization; test_azurite_alone_lacks_what_the_gateway_provides records that.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import uuid

import pytest
import requests
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobBlock, BlobSasPermissions, BlobServiceClient, ContentSettings, generate_blob_sas

from localazure.fixtures import DEV_ACCOUNT_KEY, unique_container_name
from tests.integration.test_rbac_gateway import API_VERSION, StaticToken, token_for

PERMISSION_MISMATCH = "This request is not authorized to perform this operation using this permission."


@pytest.fixture(scope="module")
def tokens(localazure):
    return {user: token_for(localazure, user) for user in ("alice", "bob", "carol")}


def client(url: str, token: str) -> BlobServiceClient:
    return BlobServiceClient(url, credential=StaticToken(token), api_version=API_VERSION)


@pytest.fixture
def containers(localazure):
    """Two containers on the first account and one on the second, made and removed with the account keys."""
    first, second = localazure.shared_key_service(), localazure.shared_key_service(second=True)
    names = {"src": unique_container_name("src"), "dst": unique_container_name("dst"), "dst2": unique_container_name("dst2")}
    first.create_container(names["src"])
    first.create_container(names["dst"])
    second.create_container(names["dst2"])
    yield names
    first.delete_container(names["src"])
    first.delete_container(names["dst"])
    second.delete_container(names["dst2"])


def put_source(localazure, container: str, name: str, data: bytes, second: bool = False, **kwargs) -> str:
    """Upload with the account key; returns the blob's URL through the gateway."""
    localazure.shared_key_service(second=second).get_blob_client(container, name).upload_blob(data, overwrite=True, **kwargs)
    return f"{localazure.blob_url_2 if second else localazure.blob_url}/{container}/{name}"


def read_back(localazure, container: str, name: str, second: bool = False) -> bytes:
    return localazure.shared_key_service(second=second).get_blob_client(container, name).download_blob().readall()


def refused(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as raised:
        call()
    return raised.value


def assert_cannot_verify(error: HttpResponseError, status: int, source_code: str) -> None:
    assert error.status_code == status, error
    assert error.error_code == "CannotVerifyCopySource", error
    body = error.response.text()
    assert f"<CopySourceStatusCode>{status}</CopySourceStatusCode>" in body, body
    assert f"<CopySourceErrorCode>{source_code}</CopySourceErrorCode>" in body, body


def test_put_blob_from_url_within_a_container_with_oauth_on_both_sides(localazure, containers, tokens):
    alice = tokens["alice"]
    data = b"within a container\n" * 1000
    source = put_source(localazure, containers["src"], "a.txt", data, content_settings=ContentSettings(content_type="text/plain", content_language="en"))
    target = client(localazure.blob_url, alice).get_blob_client(containers["src"], "copy-of-a.txt")
    target.upload_blob_from_url(source, source_authorization=f"Bearer {alice}")
    assert read_back(localazure, containers["src"], "copy-of-a.txt") == data
    properties = target.get_blob_properties()
    assert (properties.content_settings.content_type, properties.content_settings.content_language) == ("text/plain", "en")  # copied from the source
    assert properties.content_settings.content_md5 == hashlib.md5(data).digest()
    assert properties.blob_type == "BlockBlob"


def test_put_blob_from_url_across_containers_and_accounts(localazure, containers, tokens):
    alice = tokens["alice"]
    data = b"across\n" * 5000
    source = put_source(localazure, containers["src"], "dir/b.bin", data)
    client(localazure.blob_url, alice).get_blob_client(containers["dst"], "dir/b.bin").upload_blob_from_url(source, source_authorization=f"Bearer {alice}")
    client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "dir/b.bin").upload_blob_from_url(source, source_authorization=f"Bearer {alice}")
    assert read_back(localazure, containers["dst"], "dir/b.bin") == data
    assert read_back(localazure, containers["dst2"], "dir/b.bin", second=True) == data
    # and back again, from the second account into the first
    back = f"{localazure.blob_url_2}/{containers['dst2']}/dir/b.bin"
    client(localazure.blob_url, alice).get_blob_client(containers["dst"], "back.bin").upload_blob_from_url(back, source_authorization=f"Bearer {alice}")
    assert read_back(localazure, containers["dst"], "back.bin") == data


def test_put_blob_from_url_keeps_the_requests_properties_and_metadata(localazure, containers, tokens):
    alice = tokens["alice"]
    source = put_source(localazure, containers["src"], "c.txt", b"c", metadata={"from": "source"}, content_settings=ContentSettings(content_type="text/plain"))
    target = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "c.txt")
    target.upload_blob_from_url(source, source_authorization=f"Bearer {alice}", metadata={"given": "here"},
                                content_settings=ContentSettings(content_type="application/x-given"), include_source_blob_properties=True)
    properties = target.get_blob_properties()
    assert properties.metadata == {"given": "here"}  # Put Blob From URL does not copy the source's metadata
    assert properties.content_settings.content_type == "application/x-given"


def test_put_blob_from_url_with_a_sas_source_and_no_source_token(localazure, containers, tokens):
    data = b"sas source" * 100
    put_source(localazure, containers["src"], "s.bin", data)
    sas = generate_blob_sas(localazure.env["LOCALAZURE_STORAGE_ACCOUNT"], containers["src"], "s.bin", account_key=DEV_ACCOUNT_KEY,
                            permission=BlobSasPermissions(read=True), expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    source = f"{localazure.blob_url}/{containers['src']}/s.bin?{sas}"
    client(localazure.blob_url_2, tokens["alice"]).get_blob_client(containers["dst2"], "s.bin").upload_blob_from_url(source)
    assert read_back(localazure, containers["dst2"], "s.bin", second=True) == data


def test_a_sas_source_without_read_permission_is_refused_with_the_sources_status(localazure, containers, tokens):
    put_source(localazure, containers["src"], "w.bin", b"w")
    sas = generate_blob_sas(localazure.env["LOCALAZURE_STORAGE_ACCOUNT"], containers["src"], "w.bin", account_key=DEV_ACCOUNT_KEY,
                            permission=BlobSasPermissions(write=True), expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    target = client(localazure.blob_url_2, tokens["alice"]).get_blob_client(containers["dst2"], "w.bin")
    error = refused(lambda: target.upload_blob_from_url(f"{localazure.blob_url}/{containers['src']}/w.bin?{sas}"))
    assert_cannot_verify(error, 403, "AuthorizationPermissionMismatch")


def test_put_block_from_url_with_ranges_then_put_block_list_across_accounts(localazure, containers, tokens):
    alice = tokens["alice"]
    data = bytes(range(256)) * 4096  # 1 MiB
    source = put_source(localazure, containers["src"], "big.bin", data)
    target = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "big.bin")
    piece = 300_000
    ids = []
    for index, offset in enumerate(range(0, len(data), piece)):
        block_id = base64.b64encode(f"block-{index:05d}".encode()).decode()
        target.stage_block_from_url(block_id, source, source_offset=offset, source_length=min(piece, len(data) - offset), source_authorization=f"Bearer {alice}")
        ids.append(block_id)
    committed, uncommitted = target.get_block_list("all")
    assert not committed and [b.id for b in uncommitted] == ids
    assert [b.size for b in uncommitted] == [piece, piece, piece, len(data) - 3 * piece]
    target.commit_block_list([BlobBlock(block_id=i) for i in ids])
    assert read_back(localazure, containers["dst2"], "big.bin", second=True) == data


def test_synchronous_copy_blob_across_accounts_keeps_metadata(localazure, containers, tokens):
    alice = tokens["alice"]
    source = put_source(localazure, containers["src"], "m.txt", b"metadata too", metadata={"origin": "first"}, content_settings=ContentSettings(content_type="text/csv"))
    target = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "m.txt")
    result = target.start_copy_from_url(source, requires_sync=True, source_authorization=f"Bearer {alice}")
    assert result["copy_status"] == "success"
    uuid.UUID(result["copy_id"])
    properties = target.get_blob_properties()
    assert properties.metadata == {"origin": "first"}
    assert properties.content_settings.content_type == "text/csv"
    assert read_back(localazure, containers["dst2"], "m.txt", second=True) == b"metadata too"


def test_append_block_and_put_page_from_url(localazure, containers, tokens):
    alice = tokens["alice"]
    data = b"p" * 512 + b"q" * 512
    source = put_source(localazure, containers["src"], "pages.bin", data)
    service = client(localazure.blob_url_2, alice)
    append = service.get_blob_client(containers["dst2"], "log.txt")
    append.create_append_blob()
    append.append_block_from_url(source, source_offset=512, source_length=512, source_authorization=f"Bearer {alice}")
    append.append_block_from_url(source, source_offset=0, source_length=512, source_authorization=f"Bearer {alice}")
    assert read_back(localazure, containers["dst2"], "log.txt", second=True) == b"q" * 512 + b"p" * 512
    page = service.get_blob_client(containers["dst2"], "disk.vhd")
    page.create_page_blob(2048)
    page.upload_pages_from_url(source, offset=1024, length=1024, source_offset=0, source_authorization=f"Bearer {alice}")
    assert read_back(localazure, containers["dst2"], "disk.vhd", second=True) == b"\0" * 1024 + data


def test_bob_reads_the_first_account_but_not_the_second(localazure, containers, tokens):
    """bob is Reader on the first account only: his token authorizes a source there, not one on the second; and
    he cannot write to the second account at all (the destination's own 403)."""
    alice, bob = tokens["alice"], tokens["bob"]
    first_source = put_source(localazure, containers["src"], "r.txt", b"readable by bob")
    second_source = put_source(localazure, containers["dst2"], "r.txt", b"not for bob", second=True)
    into_second = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "from-bob.txt")
    into_second.upload_blob_from_url(first_source, source_authorization=f"Bearer {bob}")
    assert read_back(localazure, containers["dst2"], "from-bob.txt", second=True) == b"readable by bob"
    into_first = client(localazure.blob_url, alice).get_blob_client(containers["dst"], "from-bob.txt")
    for call in (lambda: into_first.upload_blob_from_url(second_source, source_authorization=f"Bearer {bob}"),
                 lambda: into_first.stage_block_from_url("QUFB", second_source, source_authorization=f"Bearer {bob}"),
                 lambda: into_first.start_copy_from_url(second_source, requires_sync=True, source_authorization=f"Bearer {bob}")):
        error = refused(call)
        assert_cannot_verify(error, 403, "AuthorizationPermissionMismatch")
        assert PERMISSION_MISMATCH in str(error)
    as_bob = client(localazure.blob_url_2, bob).get_blob_client(containers["dst2"], "bob-writes.txt")
    error = refused(lambda: as_bob.upload_blob_from_url(first_source, source_authorization=f"Bearer {bob}"))
    assert (error.status_code, error.error_code) == (403, "AuthorizationPermissionMismatch")
    assert not localazure.shared_key_service(second=True).get_blob_client(containers["dst2"], "bob-writes.txt").exists()


def test_a_role_assigned_on_the_second_account_counts_there_only(localazure, containers, tokens):
    carol = tokens["carol"]
    source = put_source(localazure, containers["dst2"], "for-carol.txt", b"carol may read this", second=True)
    target = client(localazure.blob_url, tokens["alice"]).get_blob_client(containers["dst"], "carol.txt")
    assert_cannot_verify(refused(lambda: target.upload_blob_from_url(source, source_authorization=f"Bearer {carol}")), 403, "AuthorizationPermissionMismatch")
    assignment = localazure.assign_role("Storage Blob Data Reader", f"/{containers['dst2']}", account=localazure.env["LOCALAZURE_STORAGE_ACCOUNT_2"], upn="carol@contoso.test")
    try:
        assert assignment["account"] == localazure.env["LOCALAZURE_STORAGE_ACCOUNT_2"]
        target.upload_blob_from_url(source, source_authorization=f"Bearer {carol}")
        assert read_back(localazure, containers["dst"], "carol.txt") == b"carol may read this"
        on_first = put_source(localazure, containers["src"], "not-carols.txt", b"x")
        assert_cannot_verify(refused(lambda: target.upload_blob_from_url(on_first, source_authorization=f"Bearer {carol}")), 403, "AuthorizationPermissionMismatch")
    finally:
        localazure.remove_role(assignment["id"])


def test_a_private_source_without_authorization_and_a_missing_source(localazure, containers, tokens):
    alice = tokens["alice"]
    source = put_source(localazure, containers["src"], "private.txt", b"private")
    target = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "t.txt")
    assert_cannot_verify(refused(lambda: target.upload_blob_from_url(source)), 401, "NoAuthenticationInformation")
    missing = f"{localazure.blob_url}/{containers['src']}/no-such-blob"
    assert_cannot_verify(refused(lambda: target.upload_blob_from_url(missing, source_authorization=f"Bearer {alice}")), 404, "BlobNotFound")
    assert not localazure.shared_key_service(second=True).get_blob_client(containers["dst2"], "t.txt").exists()


def test_a_source_that_changed_fails_its_condition(localazure, containers, tokens):
    alice = tokens["alice"]
    source = put_source(localazure, containers["src"], "v.txt", b"version one")
    etag = localazure.shared_key_service().get_blob_client(containers["src"], "v.txt").get_blob_properties().etag
    put_source(localazure, containers["src"], "v.txt", b"version two")
    target = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "v.txt")
    error = refused(lambda: target.upload_blob_from_url(source, source_authorization=f"Bearer {alice}", source_etag=etag,
                                                        source_match_condition=MatchConditions.IfNotModified))
    assert (error.status_code, error.error_code) == (412, "SourceConditionNotMet")
    target.upload_blob_from_url(source, source_authorization=f"Bearer {alice}")  # without the condition it copies the current version
    assert read_back(localazure, containers["dst2"], "v.txt", second=True) == b"version two"


def test_a_source_outside_the_stack_is_never_fetched(localazure, containers, tokens):
    alice = tokens["alice"]
    target = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "far.txt")
    error = refused(lambda: target.upload_blob_from_url("https://example.invalid/acct/c/b", source_authorization=f"Bearer {alice}"))
    assert (error.status_code, error.error_code) == (400, "CannotVerifyCopySource")
    assert "only from its own endpoints" in str(error)


def test_same_account_sync_copy_checks_the_source_token_which_azurite_alone_ignores(localazure, containers, tokens):
    alice = tokens["alice"]
    source = put_source(localazure, containers["src"], "same.txt", b"same account")
    target = client(localazure.blob_url, alice).get_blob_client(containers["dst"], "same.txt")
    error = refused(lambda: target.start_copy_from_url(source, requires_sync=True, source_authorization="Bearer not-a-token"))
    assert_cannot_verify(error, 403, "AuthenticationFailed")
    assert target.start_copy_from_url(source, requires_sync=True, source_authorization=f"Bearer {alice}")["copy_status"] == "success"


def test_shared_key_and_sas_destinations(localazure, containers, tokens):
    """The destination may be authorized by the account key or a SAS, the source by a token: the gateway checks the
    client's signature, then signs its own write to Azurite with the key."""
    alice = tokens["alice"]
    data = b"signed with the key" * 10
    source = put_source(localazure, containers["src"], "k.txt", data)
    second = localazure.env["LOCALAZURE_STORAGE_ACCOUNT_2"]
    key = localazure.env["LOCALAZURE_STORAGE_ACCOUNT_KEY_2"]
    by_key = BlobServiceClient(localazure.blob_url_2, credential={"account_name": second, "account_key": key}, api_version=API_VERSION)
    by_key.get_blob_client(containers["dst2"], "dir/k 1.txt").upload_blob_from_url(source, source_authorization=f"Bearer {alice}")
    assert read_back(localazure, containers["dst2"], "dir/k 1.txt", second=True) == data
    wrong = BlobServiceClient(localazure.blob_url_2, credential={"account_name": second, "account_key": DEV_ACCOUNT_KEY}, api_version=API_VERSION)
    error = refused(lambda: wrong.get_blob_client(containers["dst2"], "k2.txt").upload_blob_from_url(source, source_authorization=f"Bearer {alice}"))
    assert (error.status_code, error.error_code) == (403, "AuthenticationFailed")
    sas = generate_blob_sas(second, containers["dst2"], "k3.txt", account_key=key, permission=BlobSasPermissions(write=True, create=True),
                            expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    response = requests.put(f"{localazure.blob_url_2}/{containers['dst2']}/k3.txt?{sas}", timeout=60, headers={
        "x-ms-version": API_VERSION, "x-ms-blob-type": "BlockBlob", "x-ms-copy-source": source, "x-ms-copy-source-authorization": f"Bearer {alice}", "Content-Length": "0"})
    assert response.status_code == 201, response.text
    assert read_back(localazure, containers["dst2"], "k3.txt", second=True) == data


def test_the_source_token_never_reaches_the_logs(localazure, containers, tokens):
    alice = tokens["alice"]
    source = put_source(localazure, containers["src"], "secret.txt", b"s")
    target = client(localazure.blob_url_2, alice).get_blob_client(containers["dst2"], "secret.txt")
    target.upload_blob_from_url(source, source_authorization=f"Bearer {alice}")
    refused(lambda: target.upload_blob_from_url(f"{localazure.blob_url_2}/{containers['dst2']}/x", source_authorization=f"Bearer {tokens['bob']}"))
    signature = alice.rsplit(".", 1)[1]
    for log in localazure.state_dir.rglob("*.log"):
        text = log.read_text(errors="replace")
        assert signature not in text and tokens["bob"].rsplit(".", 1)[1] not in text, log


def test_azurite_alone_lacks_what_the_gateway_provides(localazure, containers, tokens):
    """Directly on Azurite 3.35 (no gateway): the four From-URL operations are not implemented, and a synchronous
    copy within an account ignores the source token altogether. If a later Azurite serves them, this fails, and the
    gateway's own implementation (localazure/gateway/from_url.py) should be revisited."""
    alice = tokens["alice"]
    direct = localazure.shared_key_service()
    put_source(localazure, containers["src"], "d.bin", b"d" * 512)
    source = f"{localazure.env['LOCALAZURE_BLOB_DIRECT_URL']}/{containers['src']}/d.bin"
    blob = lambda name: direct.get_blob_client(containers["dst"], name)  # noqa: E731
    blob("ap").create_append_blob()
    blob("pg").create_page_blob(512)
    for call in (lambda: blob("x").upload_blob_from_url(source, source_authorization=f"Bearer {alice}"),
                 lambda: blob("y").stage_block_from_url("QUFB", source, source_authorization=f"Bearer {alice}"),
                 lambda: blob("ap").append_block_from_url(source, source_authorization=f"Bearer {alice}"),
                 lambda: blob("pg").upload_pages_from_url(source, 0, 512, 0, source_authorization=f"Bearer {alice}")):
        error = refused(call)
        assert (error.status_code, error.error_code) == (501, "APINotImplemented")
    assert blob("z").start_copy_from_url(source, requires_sync=True, source_authorization="Bearer not-a-token")["copy_status"] == "success"

