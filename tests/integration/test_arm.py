"""localazure's two Azure Resource Manager calls, `GET /tenants` and `GET /subscriptions`, and ARM's token checks."""

from __future__ import annotations

import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
ARM_SCOPE = "https://management.core.windows.net//.default"
API = {"api-version": "2022-12-01"}


def user_token(localazure, upn: str, password: str, tenant: str = "organizations", scope: str = ARM_SCOPE) -> str:
    response = requests.post(
        f"{localazure.authority}/{tenant}/oauth2/v2.0/token",
        data={"grant_type": "password", "client_id": AZURE_CLI_CLIENT_ID, "username": upn, "password": password, "scope": scope},
        verify=localazure.ca_bundle,
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def arm_get(localazure, path: str, token: str | None, params: dict | None = API) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(localazure.authority + path, params=params, headers=headers, verify=localazure.ca_bundle, timeout=30)


def test_tenants_lists_home_then_guest_tenants(localazure):
    dave = user_token(localazure, "dave@fabrikam.test", "password-dave")
    response = arm_get(localazure, "/tenants", dave)
    assert response.status_code == 200
    tenants = response.json()["value"]
    assert [t["tenantId"] for t in tenants] == [localazure.tenant("fabrikam").id, localazure.tenant("contoso").id]
    assert [t["tenantCategory"] for t in tenants] == ["Home", "ProjectedBy"]
    assert tenants[0] == {
        "id": f"/tenants/{localazure.tenant('fabrikam').id}", "tenantId": localazure.tenant("fabrikam").id, "countryCode": "US",
        "displayName": "Fabrikam", "domains": ["fabrikam.test"], "tenantCategory": "Home", "defaultDomain": "fabrikam.test",
        "tenantType": "AAD", "tenantBrandingLogoUrl": None,
    }


def test_subscriptions_lists_the_token_tenants_one_subscription(localazure):
    contoso = localazure.tenant("contoso").id
    alice = user_token(localazure, "alice@contoso.test", "password-alice", tenant=contoso)
    body = arm_get(localazure, "/subscriptions", alice).json()
    [subscription] = body["value"]
    assert subscription["tenantId"] == contoso and subscription["state"] == "Enabled"
    # the subscription the managed identity's resource id lives in
    assert subscription["subscriptionId"] == "00000000-0000-4000-8000-0000000c0de0"
    assert body["count"] == {"type": "Total", "value": 1}
    single = arm_get(localazure, f"/subscriptions/{subscription['subscriptionId']}", alice)
    assert single.status_code == 200 and single.json() == subscription
    assert arm_get(localazure, "/subscriptions/5e1f0000-0000-4000-8000-000000000000", alice).json()["error"]["code"] == "SubscriptionNotFound"

    dave_in_contoso = user_token(localazure, "dave@fabrikam.test", "password-dave", tenant=contoso)
    assert arm_get(localazure, "/subscriptions", dave_in_contoso).json()["value"] == [subscription]


def test_a_request_without_a_token_gets_arms_401(localazure):
    response = arm_get(localazure, "/tenants", None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AuthenticationFailed"
    assert response.headers["WWW-Authenticate"].startswith('Bearer authorization_uri="')


def test_api_version_is_required(localazure):
    alice = user_token(localazure, "alice@contoso.test", "password-alice")
    response = arm_get(localazure, "/subscriptions", alice, params=None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MissingApiVersionParameter"


def test_a_storage_token_is_refused_for_its_audience(localazure):
    storage_token = user_token(localazure, "alice@contoso.test", "password-alice", scope="https://storage.azure.com/.default")
    response = arm_get(localazure, "/subscriptions", storage_token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"
    assert "'https://storage.azure.com'" in response.json()["error"]["message"]


def test_a_token_signed_by_another_key_is_refused(localazure):
    genuine = jwt.decode(user_token(localazure, "alice@contoso.test", "password-alice"), options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(genuine, other_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), algorithm="RS256")
    response = arm_get(localazure, "/tenants", forged)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_an_expired_token_is_refused(localazure):
    assert localazure.admin("PUT", "/settings/token-lifetime", {"access_token_lifetime_seconds": 1}).status_code == 200
    try:
        short_lived = user_token(localazure, "alice@contoso.test", "password-alice")
    finally:
        localazure.admin("PUT", "/settings/token-lifetime", {"access_token_lifetime_seconds": None})
    time.sleep(2)
    response = arm_get(localazure, "/subscriptions", short_lived)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "ExpiredAuthenticationToken"


@pytest.mark.parametrize("path", ["/tenants", "/subscriptions"])
def test_an_app_sees_its_own_tenant(localazure, path):
    response = requests.post(
        f"{localazure.authority}/{localazure.tenant_id}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": "5e1f0000-0000-4000-8000-00000000a001", "client_secret": "local-test-secret-not-for-production", "scope": ARM_SCOPE},
        verify=localazure.ca_bundle,
        timeout=30,
    )
    body = arm_get(localazure, path, response.json()["access_token"]).json()
    assert [item["tenantId"] for item in body["value"]] == [localazure.tenant_id]
