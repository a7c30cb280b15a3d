"""A saved user login's access token, found in its MSAL cache as MSAL's silent acquisition finds it, and the
credential that serves it until a token has to be requested."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pyazcopy.auth.saved_token import CachedAccessToken, CachedFirstCredential, valid_cached_token
from pyazcopy.model import STORAGE_SCOPE, LoginRecord, LoginType

NOW = 1_800_000_000
TENANT = "72f988bf-0000-4000-8000-00000000c0de"
CLIENT = "579a7132-0e58-4d80-b1e1-7a1e2d337859"
ACCOUNT = f"a11ce000-0000-4000-8000-000000000001.{TENANT}"


def record(**changes) -> LoginRecord:
    auth = {"authority": "login.microsoftonline.com", "clientId": CLIENT, "homeAccountId": ACCOUNT, "tenantId": TENANT,
            "username": "alice@contoso.test", "version": "1.0"}
    values = dict(login_type=LoginType.DEVICE, tenant_id=TENANT, authority="https://login.microsoftonline.com", client_id=CLIENT,
                  username="alice@contoso.test", authentication_record=json.dumps(auth), store="kernel", store_key="k:login")
    values.update(changes)
    return LoginRecord(**values)


def entry(secret="at-1", expires_in=3600, **changes) -> dict:
    value = {"credential_type": "AccessToken", "secret": secret, "home_account_id": ACCOUNT, "environment": "login.microsoftonline.com",
             "client_id": CLIENT, "target": f"{STORAGE_SCOPE} openid profile", "realm": TENANT, "token_type": "Bearer",
             "cached_at": str(NOW), "expires_on": str(NOW + expires_in), "extended_expires_on": str(NOW + expires_in)}
    value.update(changes)
    return {k: v for k, v in value.items() if v is not None}


def cache(*entries: dict) -> str:
    return json.dumps({"AccessToken": {f"key-{i}": e for i, e in enumerate(entries)}, "RefreshToken": {"r": {"secret": "rt"}}})


def test_the_matching_token_is_found():
    assert valid_cached_token(cache(entry()), record(), now=NOW) == CachedAccessToken("at-1", NOW + 3600)


@pytest.mark.parametrize("changes", [
    {"client_id": "another-client"},
    {"realm": "another-tenant"},
    {"home_account_id": "someone-else"},
    {"environment": "login.microsoftonline.us"},
    {"target": "https://management.azure.com/.default"},
    {"token_type": "pop"},
    {"key_id": "k1"},
    {"ext_cache_key": "fmi"},
    {"credential_type": "RefreshToken"},
    {"refresh_on": str(NOW - 1)},  # MSAL refreshes an aging token
    {"expires_on": str(NOW + 299)},  # under five minutes left: MSAL treats it as expired
    {"expires_on": "not-a-number"},
    {"secret": ""},
])
def test_a_token_msal_would_not_use_silently_is_not_used(changes):
    assert valid_cached_token(cache(entry(**changes)), record(), now=NOW) is None


def test_the_longest_lived_of_several_matching_tokens_wins_and_refresh_on_ahead_is_fine():
    found = valid_cached_token(cache(entry("short", 600), entry("long", 3000, refresh_on=str(NOW + 100)), entry("other", 9000, realm="x")),
                               record(), now=NOW)
    assert found == CachedAccessToken("long", NOW + 3000)


@pytest.mark.parametrize("text", ["", "{}", "not json", json.dumps({"AccessToken": None}), json.dumps({"AccessToken": {"k": "text"}})])
def test_an_empty_or_damaged_cache_has_no_token(text):
    assert valid_cached_token(text, record(), now=NOW) is None


def test_a_record_without_an_account_has_no_token():
    assert valid_cached_token(cache(entry()), record(authentication_record=""), now=NOW) is None


def test_a_local_authority_with_a_port_matches_msals_host_only_environment():
    local = record(authority="https://127.0.0.1:45281")
    assert valid_cached_token(cache(entry(environment="127.0.0.1")), local, now=NOW) is not None


class FullCredential:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def get_token(self, *scopes, **kwargs):
        self.calls.append((scopes, kwargs))
        return CachedAccessToken("fresh", NOW + 7200)


def test_the_cached_token_is_served_until_five_minutes_before_expiry_then_the_full_credential_takes_over():
    clock = [NOW]
    built: list[FullCredential] = []

    def build():
        built.append(FullCredential())
        return built[-1]

    credential = CachedFirstCredential(CachedAccessToken("cached", NOW + 1000), build, clock=lambda: clock[0])
    assert credential.get_token(STORAGE_SCOPE).token == "cached"
    clock[0] = NOW + 699
    assert credential.get_token(STORAGE_SCOPE).token == "cached" and not built and credential.uses_cached_token
    clock[0] = NOW + 701
    assert credential.get_token(STORAGE_SCOPE).token == "fresh"
    assert credential.get_token(STORAGE_SCOPE).token == "fresh"
    assert len(built) == 1 and len(built[0].calls) == 2 and not credential.uses_cached_token


@pytest.mark.parametrize("scopes, kwargs", [
    (("https://management.azure.com/.default",), {}),
    ((STORAGE_SCOPE,), {"claims": '{"access_token": {"nbf": {"essential": true}}}'}),
    ((STORAGE_SCOPE,), {"tenant_id": "another-tenant"}),
])
def test_another_scope_a_claims_challenge_or_another_tenant_goes_to_the_full_credential(scopes, kwargs):
    full = FullCredential()
    credential = CachedFirstCredential(CachedAccessToken("cached", NOW + 3600), lambda: full, clock=lambda: NOW)
    assert credential.get_token(*scopes, **kwargs).token == "fresh"
    assert full.calls == [(scopes, kwargs)]


def test_reading_a_saved_token_imports_neither_msal_nor_azure_identity():
    code = ("import sys\n"
            "import pyazcopy.auth.persisted_login, pyazcopy.auth.saved_token\n"
            "print(','.join(m for m in ('msal', 'azure.identity', 'azure.core', 'requests') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
