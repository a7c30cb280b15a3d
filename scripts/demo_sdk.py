"""Demo: sign in to localazure through the device flow and use the token with Azure's own SDK.

Run by scripts/demo.sh with the stack's environment loaded. The device code is approved as alice through the
admin API, standing in for the person who would type it into the sign-in page.
"""

import os
import subprocess
import sys
import uuid

from azure.identity import DeviceCodeCredential
from azure.storage.blob import BlobServiceClient

AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"


def approve_as_alice(verification_uri: str, user_code: str, expires_on) -> None:
    print(f"To sign in, open {verification_uri} and enter the code {user_code}.")
    print("(demo: approving the code as alice@contoso.test through localazure's admin API)")
    subprocess.run([sys.executable, "-m", "localazure", "approve", "--user", "alice@contoso.test", user_code], check=True)


def main() -> None:
    credential = DeviceCodeCredential(
        client_id=AZCOPY_CLIENT_ID,
        tenant_id=os.environ["LOCALAZURE_TENANT_ID"],
        authority=os.environ["LOCALAZURE_AUTHORITY"],
        disable_instance_discovery=True,
        prompt_callback=approve_as_alice,
    )
    record = credential.authenticate(scopes=["https://storage.azure.com/.default"])
    print(f"signed in as {record.username} (tenant {record.tenant_id})")
    service = BlobServiceClient(os.environ["LOCALAZURE_BLOB_URL"], credential=credential, api_version="2025-11-05")
    name = f"demo-{uuid.uuid4().hex[:8]}"
    service.create_container(name)
    service.get_blob_client(name, "hello.txt").upload_blob(b"hello from the demo")
    print(f"created container {name}; containers now: {', '.join(c.name for c in service.list_containers())}")
    print(f"blobs in {name}: {', '.join(b.name for b in service.get_container_client(name).list_blobs())}")


if __name__ == "__main__":
    main()
