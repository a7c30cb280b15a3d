"""The RBAC gateway in front of Azurite, through azure-storage-blob and raw HTTP: roles, scopes, propagation,
token checks, the 401 challenge and pass-through of shared key and SAS."""

from __future__ import annotations

import datetime
import gzip
import time
import uuid

import jwt
import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.storage.blob import BlobServiceClient, ContainerClient, ContainerSasPermissions, generate_container_sas
from azure.storage.blob._shared.authentication import StorageHttpChallenge
from cryptography.hazmat.primitives.asymmetric import rsa

from localazure.fixtures import DEV_ACCOUNT_KEY, RepeatedBody, unique_container_name

AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"
STORAGE_SCOPE = "https://storage.azure.com/.default"
API_VERSION = "2025-11-05"


def token_for(localazure, user: str, tenant: str | None = None, scope: str = STORAGE_SCOPE) -> str:
    """An access token for a configured user by the password grant (ROPC), in ``tenant`` (default: their home)."""
    upn = localazure.user(user).upn
    response = requests.post(
        f"{localazure.authority}/{tenant or upn.split('@')[1]}/oauth2/v2.0/token",
        data={"grant_type": "password", "client_id": AZCOPY_CLIENT_ID, "username": upn, "password": f"password-{user}", "scope": scope},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


class StaticToken:
    """A TokenCredential that hands out one fixed token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3000)


def service_as(localazure, user: str) -> BlobServiceClient:
    return BlobServiceClient(localazure.blob_url, credential=StaticToken(token_for(localazure, user)), api_version=API_VERSION)


def raw(localazure, method: str, path: str = "", token: str | None = None, **kwargs) -> requests.Response:
    headers = {"x-ms-version": API_VERSION, **kwargs.pop("headers", {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, localazure.blob_url + path, headers=headers, timeout=60, **kwargs)


def assert_storage_error(response: requests.Response, status: int, code: str, detail: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["x-ms-error-code"] == code
    uuid.UUID(response.headers["x-ms-request-id"])
    body = response.content.decode("utf-8-sig")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?><Error><Code>' + code + "</Code><Message>")
    assert "\nRequestId:" in body and "\nTime:" in body
    if detail is not None:
        assert f"<AuthenticationErrorDetail>{detail}" in body


def assert_permission_mismatch(call) -> None:
    with pytest.raises(HttpResponseError) as raised:
        call()
    assert raised.value.status_code == 403
    assert raised.value.error_code == "AuthorizationPermissionMismatch"
    assert "This request is not authorized to perform this operation using this permission." in str(raised.value)


@pytest.fixture
def admin(localazure):
    """The admin API, removing at the end every role assignment the test added and restoring a zero delay."""
    added: list[str] = []

    def call(method: str, path: str, json: dict | None = None) -> dict:
        response = localazure.admin(method, path, json)
        assert response.ok, response.text
        if method == "POST" and path == "/role-assignments":
            added.append(response.json()["id"])
        return response.json()

    yield call
    localazure.admin("PUT", "/settings/role-propagation", {"seconds": 0})
    for assignment_id in added:
        localazure.admin("DELETE", f"/role-assignments/{assignment_id}")


@pytest.fixture
def filled_container(localazure, container):
    localazure.shared_key_service().get_container_client(container).upload_blob("data/report.csv", b"a,b\n1,2\n")
    return container


# roles -------------------------------------------------------------------------------------------------------
def test_contributor_creates_uploads_lists_downloads_and_deletes(localazure):
    service = service_as(localazure, "alice")
    created = service.create_container(unique_container_name("alice"))
    try:
        created.upload_blob("dir/hello.txt", b"hello from alice")
        assert [b.name for b in created.list_blobs()] == ["dir/hello.txt"]
        assert created.download_blob("dir/hello.txt").readall() == b"hello from alice"
        created.delete_blob("dir/hello.txt")
        assert list(created.list_blobs()) == []
        assert created.container_name in [c.name for c in service.list_containers()]
    finally:
        created.delete_container()


def test_reader_lists_and_downloads_but_may_not_upload_or_delete(localazure, filled_container):
    bob = service_as(localazure, "bob").get_container_client(filled_container)
    assert [b.name for b in bob.list_blobs()] == ["data/report.csv"]
    assert bob.download_blob("data/report.csv").readall() == b"a,b\n1,2\n"
    assert_permission_mismatch(lambda: bob.upload_blob("new.txt", b"no"))
    assert_permission_mismatch(lambda: bob.delete_blob("data/report.csv"))
    assert_permission_mismatch(lambda: bob.set_container_metadata({"a": "b"}))
    assert [b.name for b in bob.list_blobs()] == ["data/report.csv"]


def test_user_without_a_role_may_not_even_list(localazure, filled_container):
    carol = service_as(localazure, "carol")
    assert_permission_mismatch(lambda: list(carol.get_container_client(filled_container).list_blobs()))
    assert_permission_mismatch(lambda: list(carol.list_containers()))
    assert_permission_mismatch(lambda: carol.get_blob_client(filled_container, "data/report.csv").download_blob().readall())
    response = raw(localazure, "GET", f"/{filled_container}?restype=container&comp=list", token=token_for(localazure, "carol"))
    assert_storage_error(response, 403, "AuthorizationPermissionMismatch")
    assert response.reason == "This request is not authorized to perform this operation using this permission."


def test_reader_at_container_scope_reaches_only_that_container(localazure, filled_container):
    other = unique_container_name("other")
    localazure.shared_key_service().create_container(other)
    assignment = localazure.assign_role("Storage Blob Data Reader", f"/{filled_container}", upn="carol@contoso.test")
    try:
        assert assignment["state"] == "active" and assignment["principal_id"] == localazure.user("carol").object_id
        carol = service_as(localazure, "carol")
        assert [b.name for b in carol.get_container_client(filled_container).list_blobs()] == ["data/report.csv"]
        assert carol.get_blob_client(filled_container, "data/report.csv").download_blob().readall() == b"a,b\n1,2\n"
        assert_permission_mismatch(lambda: list(carol.get_container_client(other).list_blobs()))
        assert_permission_mismatch(lambda: list(carol.list_containers()))  # listing containers needs the account scope
        assert_permission_mismatch(lambda: carol.get_container_client(filled_container).upload_blob("x", b"x"))
        localazure.remove_role(assignment["id"])
        assert_permission_mismatch(lambda: list(carol.get_container_client(filled_container).list_blobs()))
    finally:
        localazure.admin("DELETE", f"/role-assignments/{assignment['id']}")  # 404 once removed above
        localazure.shared_key_service().delete_container(other)


def _moment(iso: str) -> float:
    return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _carol_may_list(carol) -> bool:
    try:
        list(carol.list_blobs())
        return True
    except HttpResponseError as error:
        assert error.error_code == "AuthorizationPermissionMismatch"
        return False


def _answers_switch_at(moment: float, carol, before: bool) -> int:
    """Ask until the gateway's own ``moment`` has passed. Each answer is bracketed by the wall clock the gateway also
    reads: one given wholly before ``moment`` must be ``before``, the first given wholly after it the opposite. No
    timing margin is assumed, so a slow machine only means fewer answers. Returns how many came before."""
    answered_before = 0
    while True:
        asked = time.time()
        allowed = _carol_may_list(carol)
        answered = time.time()
        if asked >= moment + 0.002:  # the admin API gives milliseconds
            assert allowed is not before
            return answered_before
        if answered < moment:
            assert allowed is before
            answered_before += 1
        time.sleep(0.2)


def test_runtime_assignment_counts_only_after_the_propagation_delay(localazure, filled_container, admin):
    assert admin("PUT", "/settings/role-propagation", {"seconds": 5}) == {"seconds": 5}
    carol = service_as(localazure, "carol").get_container_client(filled_container)
    asked = time.time()
    added = admin("POST", "/role-assignments", {"upn": "carol@contoso.test", "role": "Storage Blob Data Reader", "scope": "/"})
    answered = time.time()
    assert added["state"] == "pending"
    effective = _moment(added["effective_at"])
    assert asked + 5 - 0.002 <= effective <= answered + 5  # five seconds after the gateway took the request
    # refused until then (one list request fits in the five seconds even on a loaded machine)
    assert _answers_switch_at(effective, carol, before=False) >= 1
    assert [b.name for b in carol.list_blobs()] == ["data/report.csv"]
    listed = {a["id"]: a for a in admin("GET", "/role-assignments")["role_assignments"]}
    assert listed[added["id"]]["state"] == "active"

    asked = time.time()
    removed = admin("DELETE", f"/role-assignments/{added['id']}")
    answered = time.time()
    assert removed["state"] == "removing"
    gone = _moment(removed["removed_at"])
    assert asked + 5 - 0.002 <= gone <= answered + 5
    _answers_switch_at(gone, carol, before=True)  # still counts during the delay, then AuthorizationPermissionMismatch


def test_admin_refuses_bad_assignments_with_the_field_named(localazure):
    response = localazure.admin("POST", "/role-assignments", {"upn": "carol@contoso.test", "role": "Storage Blob Data Janitor"})
    assert response.status_code == 400 and "request.role: unknown role" in response.json()["error"]
    assert localazure.admin("DELETE", "/role-assignments/ra-nonexistent").status_code == 404
    assert localazure.admin("PUT", "/settings/role-propagation", {"seconds": -1}).status_code == 400


# authentication ----------------------------------------------------------------------------------------------
def test_tokens_signed_by_another_key_for_another_tenant_or_audience_or_expired_are_refused(localazure, container):
    good = token_for(localazure, "alice")
    claims = jwt.decode(good, options={"verify_signature": False})
    path = f"/{container}?restype=container&comp=list"
    assert raw(localazure, "GET", path, token=good).status_code == 200

    stranger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, stranger_key, algorithm="RS256", headers=jwt.get_unverified_header(good))
    assert_storage_error(raw(localazure, "GET", path, token=forged), 403, "AuthenticationFailed", "Signature validation failed")

    unknown_tenant = str(uuid.uuid4())
    other_tenant = localazure.admin("POST", "/tokens/sign", {"claims": {**claims, "tid": unknown_tenant, "iss": f"https://sts.windows.net/{unknown_tenant}/"}}).json()["token"]
    assert_storage_error(raw(localazure, "GET", path, token=other_tenant), 403, "AuthenticationFailed", "Issuer validation failed. Issuer did not match.")

    management = token_for(localazure, "alice", scope="https://management.azure.com/.default")
    assert_storage_error(raw(localazure, "GET", path, token=management), 403, "AuthenticationFailed", "Audience validation failed. Audience did not match.")

    assert localazure.admin("PUT", "/settings/token-lifetime", {"access_token_lifetime_seconds": 1}).ok
    try:
        short_lived = token_for(localazure, "alice")
    finally:
        localazure.admin("PUT", "/settings/token-lifetime", {"access_token_lifetime_seconds": None})
    time.sleep(1.5)
    expired = raw(localazure, "GET", path, token=short_lived)
    assert_storage_error(expired, 403, "AuthenticationFailed", "Lifetime validation failed. The token is expired.")
    assert expired.reason.startswith("Server failed to authenticate the request.")

    with pytest.raises(ClientAuthenticationError) as raised:  # what azure-storage-blob makes of it
        list(ContainerClient(localazure.blob_url, container, credential=StaticToken(forged), api_version=API_VERSION).list_blobs())
    assert raised.value.error_code == "AuthenticationFailed"


def test_no_credentials_get_the_bearer_challenge_naming_the_accounts_tenant(localazure, container):
    response = raw(localazure, "GET", f"/{container}?restype=container&comp=list")
    assert_storage_error(response, 401, "NoAuthenticationInformation")
    assert response.reason == "Server failed to authenticate the request. Please refer to the information in the www-authenticate header."
    header = response.headers["WWW-Authenticate"]
    assert header == f"Bearer authorization_uri={localazure.authority}/{localazure.tenant_id}/oauth2/authorize resource_id=https://storage.azure.com"
    challenge = StorageHttpChallenge(header)
    assert challenge.tenant_id == localazure.tenant_id and challenge.resource_id == "https://storage.azure.com"
    assert raw(localazure, "PUT", f"/{container}/x.txt", data=b"x", headers={"x-ms-blob-type": "BlockBlob"}).status_code == 401


def test_azure_storage_blob_follows_the_challenge_to_the_accounts_tenant(localazure, filled_container, admin):
    """dave's home is fabrikam; the account is contoso's, where dave is a guest. A credential asked for no tenant
    gives a fabrikam token, the gateway answers 401 with the challenge, and the SDK asks again for contoso."""
    admin("POST", "/role-assignments", {"upn": "dave@fabrikam.test", "role": "Storage Blob Data Reader", "scope": f"/{filled_container}"})
    fabrikam = localazure.tenant("fabrikam").id

    class RecordingCredential:
        def __init__(self) -> None:
            self.tenants: list[str | None] = []

        def get_token(self, *scopes, tenant_id: str | None = None, **kwargs) -> AccessToken:
            self.tenants.append(tenant_id)
            return AccessToken(token_for(localazure, "dave", tenant=tenant_id or fabrikam, scope=scopes[0]), int(time.time()) + 3000)

    home_token = token_for(localazure, "dave", tenant=fabrikam)
    wrong_tenant = raw(localazure, "GET", f"/{filled_container}?restype=container&comp=list", token=home_token)
    assert_storage_error(wrong_tenant, 401, "InvalidAuthenticationInfo", "Issuer validation failed. Issuer did not match.")
    assert StorageHttpChallenge(wrong_tenant.headers["WWW-Authenticate"]).tenant_id == localazure.tenant_id

    credential = RecordingCredential()
    client = ContainerClient(localazure.blob_url, filled_container, credential=credential, api_version=API_VERSION)
    assert [b.name for b in client.list_blobs()] == ["data/report.csv"]
    assert credential.tenants == [None, localazure.tenant_id]


# pass-through ------------------------------------------------------------------------------------------------
def test_shared_key_sas_and_anonymous_public_reads_pass_through(localazure, container):
    account = localazure.env["LOCALAZURE_STORAGE_ACCOUNT"]
    keyed = BlobServiceClient(localazure.blob_url, credential={"account_name": account, "account_key": DEV_ACCOUNT_KEY}, api_version=API_VERSION).get_container_client(container)
    keyed.upload_blob("k.txt", b"shared key", metadata={"via": "gateway"})
    assert keyed.download_blob("k.txt").readall() == b"shared key"
    assert keyed.get_blob_client("k.txt").get_blob_properties().metadata == {"via": "gateway"}

    sas = generate_container_sas(account, container, account_key=DEV_ACCOUNT_KEY, permission=ContainerSasPermissions(read=True, list=True, write=True),
                                 expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    by_sas = ContainerClient(localazure.blob_url, container, credential=sas, api_version=API_VERSION)
    by_sas.upload_blob("s.txt", b"sas")
    assert sorted(b.name for b in by_sas.list_blobs()) == ["k.txt", "s.txt"]
    wrong_sas = ContainerClient(localazure.blob_url, container, credential=sas.replace("sig=", "sig=AAAA"), api_version=API_VERSION)
    with pytest.raises(HttpResponseError) as raised:  # Azurite's own verdict, passed through unchanged
        wrong_sas.download_blob("s.txt").readall()
    assert raised.value.status_code == 403

    # Bytes pass as they are: a gzip body with Content-Encoding is neither unpacked on the way in nor on the way out.
    packed = gzip.compress(b"packed " * 1000)
    put = requests.put(f"{localazure.blob_url}/{container}/p.gz?{sas}", data=packed, timeout=60,
                       headers={"x-ms-version": API_VERSION, "x-ms-blob-type": "BlockBlob", "Content-Encoding": "gzip",
                                "x-ms-blob-content-encoding": "gzip"})
    assert put.status_code == 201, put.text
    with requests.get(f"{localazure.blob_url}/{container}/p.gz?{sas}", headers={"x-ms-version": API_VERSION}, stream=True, timeout=60) as got:
        assert got.headers["Content-Encoding"] == "gzip" and got.raw.read(decode_content=False) == packed

    assert raw(localazure, "GET", f"/{container}/k.txt").status_code == 401  # private container
    keyed.set_container_access_policy({}, public_access="blob")
    public = raw(localazure, "GET", f"/{container}/k.txt")
    assert public.status_code == 200 and public.content == b"shared key"


# streaming ---------------------------------------------------------------------------------------------------
GIB = 1 << 30


class PeakRss:
    """Samples a process's resident set size in a thread: its baseline and its peak while the block runs."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.baseline = self.peak = self.process.memory_info().rss
        self._stop = __import__("threading").Event()
        self._thread = __import__("threading").Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.gigabyte
@pytest.mark.timeout(1800)  # about a minute on an idle machine; much longer when the machine is shared
def test_two_gib_pass_through_the_gateway_with_flat_memory(start_localazure, capsys):
    """One 2 GiB Put Blob and one 2 GiB Get Blob, each a single streamed request through the gateway. A private
    stack measures a fresh gateway process, and its Azurite (in-memory) gives the 2 GiB back when it stops."""
    import os

    stack = start_localazure()
    verify = stack.ca_bundle
    token = requests.post(
        f"{stack.authority}/{stack.tenant_id}/oauth2/v2.0/token",
        data={"grant_type": "password", "client_id": AZCOPY_CLIENT_ID, "username": "alice@contoso.test", "password": "password-alice", "scope": STORAGE_SCOPE},
        verify=verify, timeout=30,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "x-ms-version": API_VERSION}
    container_url = f"{stack.blob_url}/{unique_container_name('big')}"
    assert requests.put(f"{container_url}?restype=container", headers=headers, verify=verify, timeout=60).status_code == 201
    pattern = os.urandom(4 << 20)
    size = 2 * GIB
    try:
        with PeakRss(stack.process.pid) as rss:
            started = time.monotonic()
            put = requests.put(f"{container_url}/two-gib.bin", data=RepeatedBody(pattern, size), verify=verify, timeout=900,
                               headers={**headers, "x-ms-blob-type": "BlockBlob", "Content-Length": str(size)})
            assert put.status_code == 201, put.text
            uploaded = time.monotonic()
            doubled, offset = memoryview(pattern + pattern), 0
            with requests.get(f"{container_url}/two-gib.bin", headers=headers, verify=verify, stream=True, timeout=900) as got:
                assert got.status_code == 200 and int(got.headers["Content-Length"]) == size
                for chunk in got.iter_content(1 << 20):
                    start = offset % len(pattern)
                    assert doubled[start:start + len(chunk)] == chunk, f"content differs near offset {offset}"
                    offset += len(chunk)
            assert offset == size
            downloaded = time.monotonic()
    finally:
        requests.delete(f"{container_url}?restype=container", headers=headers, verify=verify, timeout=120)
    growth = rss.peak - rss.baseline
    with capsys.disabled():
        print(f"\n[gateway 2 GiB] RSS of the localazure process: baseline {rss.baseline / 2**20:.0f} MiB, peak {rss.peak / 2**20:.0f} MiB "
              f"(+{growth / 2**20:.0f} MiB); upload {size / (uploaded - started) / 1e6:.0f} MB/s, download {size / (downloaded - uploaded) / 1e6:.0f} MB/s")
    assert growth < 128 * 2**20, f"the gateway grew by {growth / 2**20:.0f} MiB while 2 GiB passed through"
