"""A person signs in through the device-code pages in Chromium; azure-identity's token then reaches storage."""

from __future__ import annotations

from azure.identity import DeviceCodeCredential
from azure.storage.blob import BlobServiceClient

from signin_steps import AZCOPY_CLIENT_ID, STORAGE_API_VERSION, STORAGE_SCOPE, Prompts, device_sign_in, in_thread, jwt_claims


def grant_count(localazure, grant_type: str, upn: str) -> int:
    rows = localazure.token_stats()["by_principal"]
    return sum(r["count"] for r in rows if r["grant_type"] == grant_type and r["principal"] == upn)


def test_alice_signs_in_in_chromium_and_uses_storage_then_refreshes_silently(localazure, page, container):
    prompts = Prompts()
    credential = DeviceCodeCredential(
        client_id=AZCOPY_CLIENT_ID,
        tenant_id=localazure.tenant_id,
        authority=localazure.authority,
        disable_instance_discovery=True,
        prompt_callback=prompts,
        disable_automatic_authentication=True,  # a second prompt would be an error, not a silent re-prompt
    )
    device_grants_before = grant_count(localazure, "device_code", "alice@contoso.test")
    signing_in = in_thread(credential.authenticate, scopes=[STORAGE_SCOPE])

    verification_uri, user_code = prompts.next()
    assert verification_uri == f"{localazure.authority}/devicelogin"
    device_sign_in(page, verification_uri, user_code, "alice@contoso.test", "password-alice")
    assert "You may now close this window" in page.inner_text("#done")

    record = signing_in.result(timeout=30)
    assert record.username == "alice@contoso.test"
    assert record.tenant_id == localazure.tenant_id
    assert grant_count(localazure, "device_code", "alice@contoso.test") == device_grants_before + 1

    service = BlobServiceClient(localazure.blob_url, credential=credential, api_version=STORAGE_API_VERSION)
    created = service.get_container_client(container + "-browser")
    created.create_container()
    try:
        created.upload_blob("greeting.txt", b"hello from alice's browser sign-in")
        assert [b.name for b in created.list_blobs()] == ["greeting.txt"]
        assert created.download_blob("greeting.txt").readall() == b"hello from alice's browser sign-in"

        # A scope not in MSAL's cache: the refresh token must get it without a second device prompt.
        refresh_grants_before = grant_count(localazure, "refresh_token", "alice@contoso.test")
        second = credential.get_token("https://storage.azure.com/user_impersonation")
        assert grant_count(localazure, "refresh_token", "alice@contoso.test") == refresh_grants_before + 1
        assert grant_count(localazure, "device_code", "alice@contoso.test") == device_grants_before + 1
        assert prompts.count == 1
        claims = jwt_claims(second.token)
        assert claims["upn"] == "alice@contoso.test" and claims["aud"] == "https://storage.azure.com"

        class Second:
            def get_token(self, *scopes, **kwargs):
                return second

        via_refresh = BlobServiceClient(localazure.blob_url, credential=Second(), api_version=STORAGE_API_VERSION)
        assert [b.name for b in via_refresh.get_container_client(created.container_name).list_blobs()] == ["greeting.txt"]
    finally:
        created.delete_container()
