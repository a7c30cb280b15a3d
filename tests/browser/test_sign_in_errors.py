"""Each thing a person can get wrong on the device sign-in pages shows a clear message and lets them try again
in the same page; a declined request reaches the polling client as an error."""

from __future__ import annotations

import re
import time

import msal
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import DeviceCodeCredential

from localazure.config import DEFAULT_CONFIG_PATH
from signin_steps import (
    AZCOPY_CLIENT_ID,
    STORAGE_SCOPE,
    Prompts,
    confirm,
    enter_code,
    error_text,
    heading,
    in_thread,
    jwt_claims,
    sign_in,
)


def device_flow(localazure, tenant: str) -> tuple[msal.PublicClientApplication, dict]:
    """A fresh public client (MSAL caches identical error answers per app) and a pending device code."""
    app = msal.PublicClientApplication(AZCOPY_CLIENT_ID, authority=f"{localazure.authority}/{tenant}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[STORAGE_SCOPE])
    assert "user_code" in flow, flow
    return app, flow


def redeem(app: msal.PublicClientApplication, flow: dict) -> dict:
    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)  # one poll: approved already
    assert "access_token" in result, result
    return jwt_claims(result["access_token"])


def test_wrong_code_then_right_code(localazure, page):
    app, flow = device_flow(localazure, localazure.tenant_id)
    page.goto(flow["verification_uri"])
    enter_code(page, "BCDFGHJKL" if flow["user_code"] != "BCDFGHJKL" else "LKJHGFDCB")
    assert "That code didn't work" in error_text(page)
    assert heading(page) == "Enter code"

    enter_code(page, flow["user_code"].lower())  # the same page's form; case does not matter
    assert heading(page) == "Sign in"
    sign_in(page, "alice@contoso.test", "password-alice")
    confirm(page)
    assert redeem(app, flow)["upn"] == "alice@contoso.test"


def test_wrong_password_then_right_password(localazure, page):
    app, flow = device_flow(localazure, localazure.tenant_id)
    page.goto(flow["verification_uri"])
    enter_code(page, flow["user_code"])
    sign_in(page, "alice@contoso.test", "password-bob")
    assert "Your account or password is incorrect" in error_text(page)
    assert page.input_value("#loginfmt") == "alice@contoso.test"
    assert page.input_value("#passwd") == ""

    page.fill("#passwd", "password-alice")
    page.click("#idSIButton9")
    confirm(page)
    assert redeem(app, flow)["upn"] == "alice@contoso.test"


def test_unknown_user_then_known_user(localazure, page):
    app, flow = device_flow(localazure, localazure.tenant_id)
    page.goto(flow["verification_uri"])
    enter_code(page, flow["user_code"])
    sign_in(page, "mallory@contoso.test", "password-mallory")
    assert "This username may be incorrect" in error_text(page)

    sign_in(page, "bob@contoso.test", "password-bob")
    confirm(page)
    assert redeem(app, flow)["upn"] == "bob@contoso.test"


def test_user_outside_the_tenant_then_a_member(localazure, page):
    fabrikam = localazure.tenant("fabrikam")
    app, flow = device_flow(localazure, fabrikam.id)
    page.goto(flow["verification_uri"])
    enter_code(page, flow["user_code"])
    sign_in(page, "carol@contoso.test", "password-carol")
    message = error_text(page)
    assert "carol@contoso.test" in message and "Fabrikam" in message and "AADSTS50020" in message
    assert heading(page) == "Sign in"

    sign_in(page, "dave@fabrikam.test", "password-dave")
    assert "Fabrikam" in page.inner_text("main")
    confirm(page)
    claims = redeem(app, flow)
    assert claims["upn"] == "dave@fabrikam.test"
    assert claims["tid"] == fabrikam.id
    assert claims["oid"] == localazure.user("dave").object_id


def test_declined_request_reaches_the_polling_client(localazure, page):
    prompts = Prompts()
    credential = DeviceCodeCredential(
        client_id=AZCOPY_CLIENT_ID,
        tenant_id=localazure.tenant_id,
        authority=localazure.authority,
        disable_instance_discovery=True,
        prompt_callback=prompts,
    )
    signing_in = in_thread(credential.authenticate, scopes=[STORAGE_SCOPE])
    verification_uri, user_code = prompts.next()
    page.goto(verification_uri)
    enter_code(page, user_code)
    sign_in(page, "alice@contoso.test", "password-alice")
    page.click("#cancel")
    assert heading(page) == "Sign-in cancelled"
    assert "You declined to sign in to AzCopy" in page.inner_text("#declined")

    with pytest.raises(ClientAuthenticationError) as raised:
        signing_in.result(timeout=30)
    assert "AADSTS70000" in str(raised.value) and "declined" in str(raised.value)
    assert prompts.count == 1

    # The declined code is spent; the page offers to start over with a new one.
    page.click("#start-over")
    enter_code(page, user_code)
    assert "That code didn't work" in error_text(page)
    app, flow = device_flow(localazure, localazure.tenant_id)
    enter_code(page, flow["user_code"])
    sign_in(page, "alice@contoso.test", "password-alice")
    confirm(page)
    assert redeem(app, flow)["upn"] == "alice@contoso.test"


@pytest.fixture
def short_code_stack(start_localazure, tmp_path, monkeypatch):
    """A private stack whose device codes live 2 seconds, trusted by this process for the test."""
    text, count = re.subn(r"(?m)^device_code_lifetime_seconds\s*=\s*\d+", "device_code_lifetime_seconds = 2", DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    assert count == 1
    config = tmp_path / "short-codes.toml"
    config.write_text(text, encoding="utf-8")
    stack = start_localazure(config)
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):
        monkeypatch.setenv(name, stack.env[name])
    return stack


def wait_until_expired(flow: dict) -> None:
    time.sleep(max(0.0, flow["expires_at"] - time.time()) + 0.2)  # MSAL counts from after the answer: later than the server


def test_expired_code_on_entry_and_during_sign_in(short_code_stack, launch_browser, new_page):
    page = new_page(launch_browser(short_code_stack))
    app, flow = device_flow(short_code_stack, short_code_stack.tenant_id)
    assert flow["expires_in"] == 2
    wait_until_expired(flow)
    page.goto(flow["verification_uri"])
    enter_code(page, flow["user_code"])
    assert "That code has expired" in error_text(page)
    assert heading(page) == "Enter code"
    expired = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    assert expired.get("error") == "expired_token" and "AADSTS70020" in expired["error_description"]

    # Try again in the same page with a new code: it is accepted; then it runs out while the person types.
    # A new code lives 2 s, so on a very busy machine it may already be gone when typed: then the person gets the
    # same "expired" message and simply tries another code (at most three).
    for _ in range(3):
        app, flow = device_flow(short_code_stack, short_code_stack.tenant_id)
        enter_code(page, flow["user_code"])
        if heading(page) != "Enter code":
            break
        assert "That code has expired" in error_text(page)
    assert heading(page) == "Sign in"
    wait_until_expired(flow)
    sign_in(page, "alice@contoso.test", "password-alice")
    assert heading(page) == "Code expired"
    assert "start the sign-in again" in error_text(page)
    page.click("#start-over")
    assert heading(page) == "Enter code"
