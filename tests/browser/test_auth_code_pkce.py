"""The authorization-code flow with PKCE and a loopback redirect, as MSAL and azure-identity's
InteractiveBrowserCredential run it, with Chromium as the person's browser."""

from __future__ import annotations

import queue
import webbrowser

import msal
import pytest
from azure.identity import InteractiveBrowserCredential
from azure.storage.blob import BlobServiceClient

from signin_steps import (
    AZCOPY_CLIENT_ID,
    STORAGE_API_VERSION,
    STORAGE_SCOPE,
    StaticTokenCredential,
    free_port,
    heading,
    in_thread,
    jwt_claims,
    sign_in,
)

# MSAL's default response_mode is query, which it now warns about; the InteractiveBrowserCredential test covers form_post.
pytestmark = pytest.mark.filterwarnings("ignore:response_mode='form_post' is recommended")


def start_flow(localazure, loopback) -> tuple[msal.PublicClientApplication, dict]:
    app = msal.PublicClientApplication(AZCOPY_CLIENT_ID, authority=f"{localazure.authority}/{localazure.tenant_id}", instance_discovery=False)
    flow = app.initiate_auth_code_flow(scopes=[STORAGE_SCOPE], redirect_uri=loopback.redirect_uri)
    assert flow["code_verifier"] and "code_challenge=" in flow["auth_uri"] and "code_challenge_method=S256" in flow["auth_uri"]
    return app, flow


def sign_in_and_answer(page, flow: dict, upn: str, password: str, decision: str) -> None:
    page.goto(flow["auth_uri"])
    assert heading(page) == "Sign in"
    sign_in(page, upn, password)
    assert "Are you trying to sign in" in heading(page)
    page.click(f"#{decision}")


def test_auth_code_with_pkce_gives_a_storage_token(localazure, page, loopback, container):
    app, flow = start_flow(localazure, loopback)
    sign_in_and_answer(page, flow, "alice@contoso.test", "password-alice", "continue")
    answer = loopback.response()
    assert page.inner_text("#received").startswith("Authentication complete")
    assert page.url.startswith(loopback.redirect_uri + "/?") or page.url.startswith(loopback.redirect_uri + "?")
    assert answer["state"] == flow["state"] and answer["code"]

    result = app.acquire_token_by_auth_code_flow(flow, answer)
    assert "access_token" in result, result
    claims = jwt_claims(result["access_token"])
    assert (claims["upn"], claims["tid"], claims["aud"]) == ("alice@contoso.test", localazure.tenant_id, "https://storage.azure.com")
    assert result["id_token_claims"]["preferred_username"] == "alice@contoso.test"
    assert result["id_token_claims"]["nonce"]  # MSAL checked it against the one it sent

    service = BlobServiceClient(localazure.blob_url, credential=StaticTokenCredential(result), api_version=STORAGE_API_VERSION)
    blobs = service.get_container_client(container)
    blobs.upload_blob("pkce.txt", b"signed in with a browser")
    assert [b.name for b in blobs.list_blobs()] == ["pkce.txt"]
    assert blobs.download_blob("pkce.txt").readall() == b"signed in with a browser"

    again = app.acquire_token_by_auth_code_flow(dict(flow), answer)  # a code is redeemed once only
    assert again.get("error") == "invalid_grant", again


def test_wrong_pkce_verifier_is_refused(localazure, page, loopback):
    app, flow = start_flow(localazure, loopback)
    sign_in_and_answer(page, flow, "alice@contoso.test", "password-alice", "continue")
    answer = loopback.response()
    flow["code_verifier"] = "x" * len(flow["code_verifier"])
    result = app.acquire_token_by_auth_code_flow(flow, answer)
    assert "access_token" not in result
    assert result["error"] == "invalid_grant" and "AADSTS501481" in result["error_description"], result


def test_cancel_redirects_with_access_denied(localazure, page, loopback):
    app, flow = start_flow(localazure, loopback)
    sign_in_and_answer(page, flow, "alice@contoso.test", "password-alice", "cancel")
    answer = loopback.response()
    assert answer["error"] == "access_denied" and answer["state"] == flow["state"] and "code" not in answer
    result = app.acquire_token_by_auth_code_flow(flow, answer)
    assert result.get("error") == "access_denied" and "AADSTS65004" in result["error_description"], result


def test_interactive_browser_credential(localazure, page, monkeypatch, container):
    opened: queue.Queue = queue.Queue()

    def open_in_chromium(url, *args, **kwargs) -> bool:  # what the `webbrowser` module would hand to a browser
        opened.put(url)
        return True

    monkeypatch.setattr(webbrowser, "open", open_in_chromium)
    port = free_port()
    credential = InteractiveBrowserCredential(
        client_id=AZCOPY_CLIENT_ID,
        tenant_id=localazure.tenant_id,
        authority=localazure.authority,
        disable_instance_discovery=True,
        redirect_uri=f"http://localhost:{port}",
        timeout=60,
    )
    signing_in = in_thread(credential.authenticate, scopes=[STORAGE_SCOPE])
    auth_uri = opened.get(timeout=30)
    assert "response_mode=form_post" in auth_uri
    page.goto(auth_uri)
    sign_in(page, "alice@contoso.test", "password-alice")
    page.click("#continue")  # the form_post page then posts the code to the credential's loopback server
    page.wait_for_url(f"http://localhost:{port}/**")
    assert "Authentication complete" in page.inner_text("body")

    record = signing_in.result(timeout=30)
    assert record.username == "alice@contoso.test" and record.tenant_id == localazure.tenant_id
    blobs = BlobServiceClient(localazure.blob_url, credential=credential, api_version=STORAGE_API_VERSION).get_container_client(container)
    blobs.upload_blob("interactive.txt", b"alice was here")
    assert [b.name for b in blobs.list_blobs()] == ["interactive.txt"]
