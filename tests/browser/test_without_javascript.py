"""The sign-in pages are plain HTML forms: a whole sign-in works in a browser with JavaScript turned off."""

from __future__ import annotations

import msal
import pytest
from azure.identity import DeviceCodeCredential

from signin_steps import AZCOPY_CLIENT_ID, STORAGE_SCOPE, Prompts, device_sign_in, in_thread, jwt_claims, sign_in


@pytest.fixture
def no_js_page(new_page):
    page = new_page(java_script_enabled=False)
    # Prove scripts really do not run in this context before trusting the rest of the test.
    page.goto("data:text/html,<p id=probe>off</p><script>document.getElementById('probe').textContent='on'</script>")
    assert page.inner_text("#probe") == "off"
    return page


def test_device_sign_in_without_javascript(localazure, no_js_page):
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
    device_sign_in(no_js_page, verification_uri, user_code, "alice@contoso.test", "password-alice")
    assert signing_in.result(timeout=30).username == "alice@contoso.test"


def test_form_post_redirect_without_javascript(localazure, no_js_page, loopback):
    """response_mode=form_post normally submits itself with a script; without one the person presses Submit."""
    app = msal.PublicClientApplication(AZCOPY_CLIENT_ID, authority=f"{localazure.authority}/{localazure.tenant_id}", instance_discovery=False)
    flow = app.initiate_auth_code_flow(scopes=[STORAGE_SCOPE], redirect_uri=loopback.redirect_uri, response_mode="form_post")
    no_js_page.goto(flow["auth_uri"])
    sign_in(no_js_page, "alice@contoso.test", "password-alice")
    no_js_page.click("#continue")
    assert no_js_page.title() == "Working..." and "Script is disabled" in no_js_page.inner_text("main")
    no_js_page.click("#submit")
    answer = loopback.response()
    assert answer["state"] == flow["state"]
    result = app.acquire_token_by_auth_code_flow(flow, answer)
    assert "access_token" in result, result
    assert jwt_claims(result["access_token"])["upn"] == "alice@contoso.test"
