"""Pure pieces of the Entra ID emulator: scopes to audiences, PKCE, user codes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from localazure.entra.errors import EntraError
from localazure.entra.flows import FlowStore, pkce_matches
from localazure.entra.tokens import resource_of


@pytest.mark.parametrize(
    ("scope", "resource"),
    [
        ("https://storage.azure.com/.default", "https://storage.azure.com"),
        ("https://storage.azure.com/user_impersonation offline_access openid profile", "https://storage.azure.com"),
        ("https://management.core.windows.net//.default", "https://management.core.windows.net/"),
        ("openid profile offline_access", "https://graph.microsoft.com"),
    ],
)
def test_resource_of(scope, resource):
    assert resource_of(scope) == resource


def test_two_resources_in_one_scope_are_refused():
    with pytest.raises(EntraError) as raised:
        resource_of("https://storage.azure.com/.default https://management.core.windows.net//.default")
    assert raised.value.code == 28000


def test_pkce_s256():
    verifier = "a" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce_matches(verifier, challenge, "S256")
    assert not pkce_matches("b" * 50, challenge, "S256")


def test_user_codes_are_found_regardless_of_case_and_spacing():
    store = FlowStore(device_code_lifetime=60, clock=lambda: 1000.0)
    code = store.new_device_code("client", "App", None, "scope")
    assert len(code.user_code) == 9
    typed = " " + code.user_code[:4].lower() + " " + code.user_code[4:] + " "
    assert store.find_user_code(typed) is code
    assert store.find_user_code("NOPE") is None


def test_device_code_expires_by_the_injected_clock():
    now = [1000.0]
    store = FlowStore(device_code_lifetime=60, clock=lambda: now[0])
    code = store.new_device_code("client", "App", None, "scope")
    with pytest.raises(EntraError) as pending:
        store.poll(code.device_code, "client")
    assert pending.value.error == "authorization_pending"
    now[0] += 61
    with pytest.raises(EntraError) as expired:
        store.poll(code.device_code, "client")
    assert expired.value.error == "expired_token"
