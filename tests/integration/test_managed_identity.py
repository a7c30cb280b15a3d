"""azure-identity's ManagedIdentityCredential, App Service style (IDENTITY_ENDPOINT + IDENTITY_HEADER), against
localazure's managed identity endpoint, and its token against storage."""

from __future__ import annotations

import uuid

import jwt
import pytest
import requests
from azure.identity import CredentialUnavailableError, ManagedIdentityCredential
from azure.storage.blob import BlobServiceClient

MI_CLIENT_ID = "3a5a6ed0-0000-4000-8000-00000000a003"
MI_OBJECT_ID = "3a5a6ed0-0000-4000-8000-00000000b003"
MI_RESOURCE_ID = "/subscriptions/00000000-0000-4000-8000-0000000c0de0/resourceGroups/data/providers/Microsoft.ManagedIdentity/userAssignedIdentities/data-mover-identity"
STORAGE_SCOPE = "https://storage.azure.com/.default"


@pytest.fixture
def on_app_service(localazure, monkeypatch):
    """This process as an App Service app sees it: the two variables the platform sets."""
    monkeypatch.setenv("IDENTITY_ENDPOINT", localazure.env["LOCALAZURE_IDENTITY_ENDPOINT"])
    monkeypatch.setenv("IDENTITY_HEADER", localazure.env["LOCALAZURE_IDENTITY_HEADER"])


def test_the_env_file_does_not_claim_app_service(localazure):
    assert "IDENTITY_ENDPOINT" not in localazure.env and "IDENTITY_HEADER" not in localazure.env


@pytest.mark.parametrize(
    "selector",
    [{}, {"client_id": MI_CLIENT_ID}, {"identity_config": {"resource_id": MI_RESOURCE_ID}}, {"identity_config": {"object_id": MI_OBJECT_ID}}],
    ids=["system-assigned", "client-id", "resource-id", "object-id"],
)
def test_credential_gets_a_token_for_the_identity(localazure, on_app_service, selector):
    token = ManagedIdentityCredential(**selector).get_token(STORAGE_SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["oid"] == MI_OBJECT_ID and claims["appid"] == MI_CLIENT_ID
    assert claims["aud"] == "https://storage.azure.com" and claims["idtyp"] == "app"
    assert claims["xms_mirid"] == MI_RESOURCE_ID
    assert claims["iss"] == f"https://sts.windows.net/{localazure.tenant_id}/"
    assert abs(token.expires_on - claims["exp"]) <= 5  # MSAL turns expires_on into expires_in and back


def test_managed_identity_uploads_a_blob(localazure, on_app_service, container):
    service = BlobServiceClient(localazure.blob_url, credential=ManagedIdentityCredential(client_id=MI_CLIENT_ID), api_version="2025-11-05")
    name = f"from-managed-identity-{uuid.uuid4().hex[:8]}.txt"
    service.get_container_client(container).upload_blob(name, b"written by data-mover-identity")
    assert localazure.shared_key_service().get_container_client(container).download_blob(name).readall() == b"written by data-mover-identity"


def test_an_unknown_identity_is_unavailable(localazure, on_app_service):
    with pytest.raises(CredentialUnavailableError, match="Unable to load the proper Managed Identity"):
        ManagedIdentityCredential(client_id=str(uuid.uuid4())).get_token(STORAGE_SCOPE)


def test_the_endpoint_answers_app_services_shape_and_checks_the_header(localazure):
    endpoint, secret = localazure.env["LOCALAZURE_IDENTITY_ENDPOINT"], localazure.env["LOCALAZURE_IDENTITY_HEADER"]
    params = {"resource": "https://storage.azure.com", "api-version": "2019-08-01", "mi_res_id": MI_RESOURCE_ID}
    answer = requests.get(endpoint, params=params, headers={"X-IDENTITY-HEADER": secret}, verify=localazure.ca_bundle, timeout=30)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "expires_on", "resource", "token_type", "client_id"}
    assert body["resource"] == "https://storage.azure.com" and body["token_type"] == "Bearer" and body["client_id"] == MI_CLIENT_ID
    assert body["expires_on"] == str(jwt.decode(body["access_token"], options={"verify_signature": False})["exp"])  # a string, as App Service sends it

    wrong = requests.get(endpoint, params=params, headers={"X-IDENTITY-HEADER": "not-the-secret"}, verify=localazure.ca_bundle, timeout=30)
    assert wrong.status_code == 401 and "access_token" not in wrong.json()
    missing = requests.get(endpoint, params=params, verify=localazure.ca_bundle, timeout=30)
    assert missing.status_code == 400 and "access_token" not in missing.json()
    old_api = requests.get(endpoint, params=params | {"api-version": "2017-09-01"}, headers={"X-IDENTITY-HEADER": secret}, verify=localazure.ca_bundle, timeout=30)
    assert old_api.status_code == 400
