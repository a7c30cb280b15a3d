"""The Entra ID emulator's grants and errors, through the real client libraries (MSAL, azure-identity)."""

from __future__ import annotations

import jwt
import msal
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CertificateCredential, ClientSecretCredential, DeviceCodeCredential, UsernamePasswordCredential

AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"
STORAGE_SCOPE = "https://storage.azure.com/.default"


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def app_named(localazure, display_name: str):
    return next(a for a in localazure.config.apps if a.display_name == display_name)


def msal_app(localazure, tenant: str, client_id: str = AZCOPY_CLIENT_ID) -> msal.PublicClientApplication:
    # A fresh application object per call: MSAL caches identical error responses for 60 seconds.
    return msal.PublicClientApplication(client_id, authority=f"{localazure.authority}/{tenant}", instance_discovery=False)


def test_tokens_are_signed_by_the_published_key_and_shaped_like_entra_v1(localazure):
    result = msal_app(localazure, "contoso.test").acquire_token_by_username_password("alice@contoso.test", "password-alice", scopes=[STORAGE_SCOPE])
    token = result["access_token"]
    jwks = requests.get(f"{localazure.authority}/{localazure.tenant_id}/discovery/v2.0/keys", timeout=10).json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    verified = jwt.decode(token, key.key, algorithms=["RS256"], audience="https://storage.azure.com")
    alice = localazure.user("alice")
    assert verified["iss"] == f"https://sts.windows.net/{localazure.tenant_id}/"
    assert verified["tid"] == localazure.tenant_id and verified["oid"] == alice.object_id
    assert verified["scp"] == "user_impersonation" and verified["upn"] == "alice@contoso.test"
    assert verified["appid"] == AZCOPY_CLIENT_ID and verified["ver"] == "1.0"
    assert verified["exp"] - verified["iat"] == localazure.config.settings.access_token_lifetime_seconds
    id_claims = claims(result["id_token"])
    assert id_claims["aud"] == AZCOPY_CLIENT_ID and id_claims["preferred_username"] == "alice@contoso.test"


def test_refresh_token_gets_a_second_token_silently_and_rotates(localazure):
    app = msal_app(localazure, localazure.tenant_id)
    first = app.acquire_token_by_username_password("bob@contoso.test", "password-bob", scopes=[STORAGE_SCOPE])
    before = localazure.token_stats()["token_requests"].get("refresh_token", 0)
    account = app.get_accounts(username="bob@contoso.test")[0]
    second = app.acquire_token_silent_with_error([STORAGE_SCOPE], account, force_refresh=True)
    assert "access_token" in second, second
    assert second["access_token"] != first["access_token"]
    assert localazure.token_stats()["token_requests"]["refresh_token"] == before + 1
    refresh_tokens = [rt["secret"] for rt in app.token_cache.search(msal.TokenCache.CredentialType.REFRESH_TOKEN)]
    assert refresh_tokens and first["refresh_token"] not in refresh_tokens  # MSAL stored the rotated one


def test_refresh_token_for_another_resource_keeps_the_tenant(localazure):
    app = msal_app(localazure, localazure.tenant_id)
    app.acquire_token_by_username_password("alice@contoso.test", "password-alice", scopes=[STORAGE_SCOPE])
    account = app.get_accounts()[0]
    arm = app.acquire_token_silent(["https://management.core.windows.net//.default"], account)
    assert claims(arm["access_token"])["aud"] == "https://management.core.windows.net/"
    assert claims(arm["access_token"])["tid"] == localazure.tenant_id


def test_revoked_refresh_token_is_refused_with_invalid_grant(localazure):
    app = msal_app(localazure, localazure.tenant_id)
    first = app.acquire_token_by_username_password("carol@contoso.test", "password-carol", scopes=[STORAGE_SCOPE])
    assert localazure.admin("POST", "/users/carol@contoso.test/revoke").status_code == 200
    result = app.acquire_token_by_refresh_token(first["refresh_token"], scopes=[STORAGE_SCOPE])
    assert result["error"] == "invalid_grant" and 50173 in result["error_codes"]


def test_client_secret_credential_gets_an_app_token(localazure):
    app = app_named(localazure, "pipeline-secret-app")
    credential = ClientSecretCredential(localazure.tenant_id, app.client_id, app.secrets[0], authority=localazure.authority, disable_instance_discovery=True)
    token = claims(credential.get_token(STORAGE_SCOPE).token)
    assert token["idtyp"] == "app" and token["oid"] == app.object_id and token["appid"] == app.client_id
    assert "scp" not in token and token["tid"] == localazure.tenant_id


def test_certificate_credential_gets_an_app_token(localazure):
    credential = CertificateCredential(
        localazure.tenant_id,
        localazure.env["LOCALAZURE_SPN_CERT_CLIENT_ID"],
        certificate_path=localazure.env["LOCALAZURE_SPN_CERT_PATH"],
        authority=localazure.authority,
        disable_instance_discovery=True,
    )
    token = claims(credential.get_token(STORAGE_SCOPE).token)
    assert token["appid"] == localazure.env["LOCALAZURE_SPN_CERT_CLIENT_ID"] and token["idtyp"] == "app"


def test_certificate_the_app_does_not_have_is_refused(localazure, tmp_path):
    from localazure.client_certs import generate_certificate

    other = tmp_path / "other.pem"
    generate_certificate("someone else", other)
    credential = CertificateCredential(localazure.tenant_id, localazure.env["LOCALAZURE_SPN_CERT_CLIENT_ID"], certificate_path=str(other), authority=localazure.authority, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
        credential.get_token(STORAGE_SCOPE)


def test_guest_gets_a_token_in_the_resource_tenant_with_the_guest_object_id(localazure):
    result = msal_app(localazure, "contoso.test").acquire_token_by_username_password("dave@fabrikam.test", "password-dave", scopes=[STORAGE_SCOPE])
    token = claims(result["access_token"])
    dave = localazure.user("dave")
    assert token["tid"] == localazure.tenant_id
    assert token["oid"] == dave.guest_of[0].object_id != dave.object_id
    assert token["idp"] == f"https://sts.windows.net/{localazure.tenant('fabrikam').id}/"


def test_common_signs_a_user_in_to_the_home_tenant(localazure):
    result = msal_app(localazure, "common").acquire_token_by_username_password("dave@fabrikam.test", "password-dave", scopes=[STORAGE_SCOPE])
    assert claims(result["access_token"])["tid"] == localazure.tenant("fabrikam").id


@pytest.mark.parametrize(
    ("tenant", "client_id", "username", "password", "error", "code"),
    [
        ("contoso.test", AZCOPY_CLIENT_ID, "nobody@contoso.test", "x", "invalid_grant", 50034),
        ("contoso.test", AZCOPY_CLIENT_ID, "alice@contoso.test", "wrong", "invalid_grant", 50126),
        ("fabrikam.test", AZCOPY_CLIENT_ID, "carol@contoso.test", "password-carol", "invalid_grant", 50020),
        ("contoso.test", "00000000-1111-2222-3333-444444444444", "alice@contoso.test", "password-alice", "unauthorized_client", 700016),
    ],
)
def test_user_errors_come_back_in_entra_shape_through_msal(localazure, tenant, client_id, username, password, error, code):
    result = msal_app(localazure, tenant, client_id).acquire_token_by_username_password(username, password, scopes=[STORAGE_SCOPE])
    assert result["error"] == error
    assert result["error_codes"] == [code]
    assert result["error_description"].startswith(f"AADSTS{code}: ")
    assert "Trace ID" in result["error_description"] and "correlation_id" in result


def test_azure_identity_surfaces_a_wrong_password(localazure):
    credential = UsernamePasswordCredential(AZCOPY_CLIENT_ID, "alice@contoso.test", "wrong", tenant_id=localazure.tenant_id, authority=localazure.authority, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError, match="AADSTS50126"):
        credential.get_token(STORAGE_SCOPE)


def test_unknown_tenant_is_refused(localazure):
    response = requests.get(f"{localazure.authority}/nosuch.test/v2.0/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 400 and response.json()["error_codes"] == [90002]
    credential = ClientSecretCredential("nosuch.test", "5e1f0000-0000-4000-8000-00000000a001", "x", authority=localazure.authority, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError):
        credential.get_token(STORAGE_SCOPE)


def test_invalid_client_secret_is_refused(localazure):
    app = app_named(localazure, "pipeline-secret-app")
    credential = ClientSecretCredential(localazure.tenant_id, app.client_id, "not-the-secret", authority=localazure.authority, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(STORAGE_SCOPE)


def test_device_code_polling_states(localazure):
    token_url = f"{localazure.authority}/{localazure.tenant_id}/oauth2/v2.0/token"
    start = requests.post(f"{localazure.authority}/{localazure.tenant_id}/oauth2/v2.0/devicecode", data={"client_id": AZCOPY_CLIENT_ID, "scope": STORAGE_SCOPE + " offline_access openid"}, timeout=10).json()
    assert set(start) >= {"user_code", "device_code", "verification_uri", "expires_in", "interval", "message"}
    poll = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "client_id": AZCOPY_CLIENT_ID, "device_code": start["device_code"]}
    pending = requests.post(token_url, data=poll, timeout=10)
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    localazure.approve(start["user_code"], "alice@contoso.test")
    granted = requests.post(token_url, data=poll, timeout=10).json()
    assert {"access_token", "refresh_token", "id_token", "client_info"} <= set(granted)
    assert requests.post(token_url, data=poll, timeout=10).json()["error"] == "invalid_grant"  # a code is redeemed once
    bad = requests.post(token_url, data=dict(poll, device_code="not-a-code"), timeout=10).json()
    assert bad["error"] == "bad_verification_code"


def test_device_code_expiry_surfaces_through_azure_identity(start_localazure, tmp_path):
    from localazure.config import DEFAULT_CONFIG_PATH

    config = tmp_path / "short-codes.toml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text().replace("device_code_lifetime_seconds = 900", "device_code_lifetime_seconds = 2"))
    stack = start_localazure(config)
    credential = DeviceCodeCredential(
        client_id=AZCOPY_CLIENT_ID,
        tenant_id=stack.tenant_id,
        authority=stack.authority,
        disable_instance_discovery=True,
        prompt_callback=lambda *args: None,
        connection_verify=stack.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError, match="expired"):
        credential.get_token(STORAGE_SCOPE)
