"""Workload identity: a service-account token of localazure's Kubernetes-like issuer, mounted as a file the way AKS
does it, exchanged by azure-identity's WorkloadIdentityCredential for a storage token of an app with a matching
federated credential; and Entra's refusals when issuer, subject, audience or lifetime do not match."""

from __future__ import annotations

import subprocess
import sys
import uuid

import jwt
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import WorkloadIdentityCredential
from azure.storage.blob import BlobServiceClient
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

WORKLOAD_APP = "f3de0000-0000-4000-8000-00000000a004"
WORKLOAD_APP_OBJECT_ID = "f3de0000-0000-4000-8000-00000000b004"
SUBJECT = "system:serviceaccount:data:data-mover"
STORAGE_SCOPE = "https://storage.azure.com/.default"


@pytest.fixture
def on_aks(localazure, tmp_path, monkeypatch):
    """This process as a pod with the workload identity webhook sees it: the token file and the four variables."""
    token_file = localazure.write_workload_token(tmp_path / "azure-identity-token", SUBJECT)
    monkeypatch.setenv("AZURE_FEDERATED_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("AZURE_CLIENT_ID", WORKLOAD_APP)
    monkeypatch.setenv("AZURE_TENANT_ID", localazure.tenant_id)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", localazure.authority)
    return token_file


def credential() -> WorkloadIdentityCredential:
    return WorkloadIdentityCredential(disable_instance_discovery=True)


def test_the_mounted_token_looks_like_aks(localazure, on_aks):
    claims = jwt.decode(on_aks.read_text(), options={"verify_signature": False})
    assert claims["iss"] == localazure.env["LOCALAZURE_WORKLOAD_ISSUER"]
    assert claims["sub"] == SUBJECT and claims["aud"] == ["api://AzureADTokenExchange"]
    assert claims["kubernetes.io"]["namespace"] == "data" and claims["kubernetes.io"]["serviceaccount"]["name"] == "data-mover"


def test_the_issuer_publishes_discovery_and_keys_that_verify_the_token(localazure, on_aks):
    issuer = localazure.env["LOCALAZURE_WORKLOAD_ISSUER"]
    discovery = requests.get(issuer + "/.well-known/openid-configuration", verify=localazure.ca_bundle, timeout=30).json()
    assert discovery["issuer"] == issuer
    keys = jwt.PyJWKSet.from_dict(requests.get(discovery["jwks_uri"], verify=localazure.ca_bundle, timeout=30).json())
    token = on_aks.read_text()
    key = next(k for k in keys.keys if k.key_id == jwt.get_unverified_header(token)["kid"])
    assert jwt.decode(token, key.key, algorithms=["RS256"], audience="api://AzureADTokenExchange", issuer=issuer)["sub"] == SUBJECT
    # and it is not Entra's signing key
    entra_keys = requests.get(f"{localazure.authority}/common/discovery/v2.0/keys", verify=localazure.ca_bundle, timeout=30).json()["keys"]
    assert key.key_id not in {k["kid"] for k in entra_keys}


def test_workload_identity_credential_gets_a_storage_token_and_uploads(localazure, on_aks, container):
    token = credential().get_token(STORAGE_SCOPE)
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["appid"] == WORKLOAD_APP and claims["oid"] == WORKLOAD_APP_OBJECT_ID and claims["idtyp"] == "app"
    assert claims["aud"] == "https://storage.azure.com" and claims["tid"] == localazure.tenant_id

    service = BlobServiceClient(localazure.blob_url, credential=credential(), api_version="2025-11-05")
    name = f"from-workload-identity-{uuid.uuid4().hex[:8]}.txt"
    service.get_container_client(container).upload_blob(name, b"written by a pod")
    assert localazure.shared_key_service().get_container_client(container).download_blob(name).readall() == b"written by a pod"


def test_the_cli_writes_the_token_file(localazure, tmp_path, monkeypatch):
    output = tmp_path / "mounted" / "token"
    result = subprocess.run(
        [sys.executable, "-m", "localazure", "workload-token", "--state-dir", localazure.env["LOCALAZURE_STATE_DIR"], "--output", str(output)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert jwt.decode(output.read_text(), options={"verify_signature": False})["sub"] == SUBJECT
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", localazure.authority)
    cli_credential = WorkloadIdentityCredential(tenant_id=localazure.tenant_id, client_id=WORKLOAD_APP, token_file_path=str(output), disable_instance_discovery=True)
    assert cli_credential.get_token(STORAGE_SCOPE).token


@pytest.mark.parametrize(
    ("subject", "audiences", "lifetime", "code"),
    [
        ("system:serviceaccount:data:someone-else", None, 3600, "AADSTS700213"),
        (SUBJECT, ["api://SomethingElse"], 3600, "AADSTS700212"),
        (SUBJECT, None, -60, "AADSTS700024"),
    ],
    ids=["other-subject", "other-audience", "expired"],
)
def test_entra_refuses_a_token_that_does_not_match(localazure, on_aks, subject, audiences, lifetime, code):
    localazure.write_workload_token(on_aks, subject, audiences, lifetime)
    with pytest.raises(ClientAuthenticationError, match=code):
        credential().get_token(STORAGE_SCOPE)


def test_entra_refuses_a_token_of_another_issuer_or_key(localazure, on_aks):
    genuine = jwt.decode(on_aks.read_text(), options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    on_aks.write_text(jwt.encode(genuine | {"iss": "https://oidc.example.test/cluster"}, other_key, algorithm="RS256"))
    with pytest.raises(ClientAuthenticationError, match="AADSTS700211"):
        credential().get_token(STORAGE_SCOPE)

    on_aks.write_text(jwt.encode(genuine, other_key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(on_aks.read_text()).get("kid", "x")}))
    with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
        credential().get_token(STORAGE_SCOPE)


def test_an_app_without_a_federated_credential_refuses_the_token(localazure, on_aks, monkeypatch):
    monkeypatch.setenv("AZURE_CLIENT_ID", "5e1f0000-0000-4000-8000-00000000a001")  # pipeline-secret-app
    with pytest.raises(ClientAuthenticationError, match="AADSTS70021:"):
        credential().get_token(STORAGE_SCOPE)
