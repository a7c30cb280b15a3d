"""azure-identity's DeviceCodeCredential signs in to localazure and its token reaches Azurite."""

from __future__ import annotations

from azure.identity import DeviceCodeCredential
from azure.storage.blob import BlobServiceClient

AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"


def test_device_code_token_creates_uploads_lists_and_downloads(localazure, container):
    prompts = []

    def approve_as_alice(verification_uri, user_code, expires_on):
        prompts.append((verification_uri, user_code))
        localazure.approve(user_code, "alice@contoso.test")

    credential = DeviceCodeCredential(
        client_id=AZCOPY_CLIENT_ID,
        tenant_id=localazure.tenant_id,
        authority=localazure.authority,
        disable_instance_discovery=True,
        prompt_callback=approve_as_alice,
    )
    record = credential.authenticate(scopes=["https://storage.azure.com/.default"])
    assert record.username == "alice@contoso.test"
    assert prompts and prompts[0][0] == f"{localazure.authority}/devicelogin"

    service = BlobServiceClient(localazure.blob_url, credential=credential, api_version="2025-11-05")
    created = service.get_container_client(container + "-oauth")
    created.create_container()
    try:
        created.upload_blob("hello.txt", b"hello from alice")
        assert [b.name for b in created.list_blobs()] == ["hello.txt"]
        assert created.download_blob("hello.txt").readall() == b"hello from alice"
    finally:
        created.delete_container()
