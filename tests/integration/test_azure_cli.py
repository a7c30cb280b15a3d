"""The real Azure CLI signs in to localazure by device code, the code typed into the sign-in page in Chromium, and
azure-identity's AzureCliCredential then uploads a blob as that user.

`az` comes from .cache/azure-cli-venv (scripts/install-azure-cli.sh, run by scripts/setup.sh); the test fails, not
skips, without it. Each test module gets its own AZURE_CONFIG_DIR, so ~/.azure is never read or written.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
from azure.identity import AzureCliCredential
from azure.storage.blob import BlobServiceClient
from localazure.fixtures import sign_in_at_device_code_page

pytestmark = pytest.mark.browser  # the sign-in is typed into headless Chromium

REPO = Path(__file__).resolve().parents[2]
AZ = Path(os.environ.get("AZURE_CLI_VENV", REPO / ".cache" / "azure-cli-venv")) / "bin" / "az"
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"


def az_environment(localazure, config_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AZURE_", "IDENTITY_", "MSI_"))}
    env.update(
        AZURE_CONFIG_DIR=str(config_dir),
        AZURE_CORE_COLLECT_TELEMETRY="false",  # no upload process trying to reach the internet
        AZURE_CORE_NO_COLOR="true",
        REQUESTS_CA_BUNDLE=localazure.ca_bundle,
        SSL_CERT_FILE=localazure.ca_bundle,
        CURL_CA_BUNDLE=localazure.ca_bundle,
    )
    return env


def az(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(AZ), *args], env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        pytest.fail(f"az {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def az_signed_in(localazure, tmp_path_factory):
    """An Azure CLI configuration directory where alice signed in to localazure's cloud by device code."""
    if not AZ.exists():
        pytest.fail(f"the Azure CLI is not installed at {AZ}: run scripts/install-azure-cli.sh (scripts/setup.sh does)")
    config_dir = tmp_path_factory.mktemp("azure-cli-config")
    env = az_environment(localazure, config_dir)
    authority = localazure.authority
    az(env, "cloud", "register", "-n", "LocalCloud", "--skip-endpoint-discovery",
       "--endpoint-active-directory", authority,
       "--endpoint-active-directory-resource-id", "https://management.core.windows.net/",
       "--endpoint-resource-manager", authority + "/",
       "--endpoint-management", "https://management.core.windows.net/",
       "--suffix-storage-endpoint", "core.windows.net")
    az(env, "cloud", "set", "-n", "LocalCloud")
    az(env, "config", "set", "core.instance_discovery=false")

    login = subprocess.Popen([str(AZ), "login", "--use-device-code", "--tenant", localazure.tenant_id], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    stderr_lines: list[str] = []
    try:
        prompt = ""
        for line in login.stderr:  # az prints Entra's device code message to stderr
            stderr_lines.append(line)
            if "enter the code" in line:
                prompt = line
                break
        assert prompt, f"az login printed no device code; stderr:\n{''.join(stderr_lines)}"
        words = prompt.split()
        verification_uri = words[words.index("page") + 1]
        user_code = words[words.index("code") + 1]
        assert verification_uri == f"{authority}/devicelogin"
        # keep reading stderr meanwhile, so az never blocks on a full pipe
        drain = threading.Thread(target=lambda: stderr_lines.extend(login.stderr), daemon=True)
        drain.start()
        with ThreadPoolExecutor(1) as browser_thread:
            page_text = browser_thread.submit(sign_in_at_device_code_page, verification_uri, user_code, Path(localazure.env["LOCALAZURE_STATE_DIR"]), "alice@contoso.test", "password-alice").result(timeout=120)
        stdout = login.stdout.read()
        exit_code = login.wait(timeout=60)
        drain.join(timeout=10)
        assert exit_code == 0, f"az login exited {exit_code}:\n{''.join(stderr_lines)}"
    finally:
        if login.poll() is None:
            login.kill()
            login.wait()
    return {"env": env, "config_dir": config_dir, "login_output": json.loads(stdout), "page_text": page_text}


def test_az_login_by_device_code_in_chromium_lists_the_tenant_subscription(az_signed_in, localazure):
    assert "Microsoft Azure CLI" in az_signed_in["page_text"]
    [subscription] = az_signed_in["login_output"]
    assert subscription["cloudName"] == "LocalCloud"
    assert subscription["tenantId"] == localazure.tenant_id
    assert subscription["user"] == {"name": "alice@contoso.test", "type": "user"}
    assert subscription["state"] == "Enabled"
    shown = json.loads(az(az_signed_in["env"], "account", "show", "--output", "json").stdout)
    assert shown["id"] == subscription["id"] and shown["environmentName"] == "LocalCloud"


def test_az_get_access_token_for_storage(az_signed_in, localazure):
    result = json.loads(az(az_signed_in["env"], "account", "get-access-token", "--resource", "https://storage.azure.com", "--output", "json").stdout)
    claims = jwt.decode(result["accessToken"], options={"verify_signature": False})
    assert claims["aud"] == "https://storage.azure.com"
    assert claims["upn"] == "alice@contoso.test"
    assert claims["appid"] == AZURE_CLI_CLIENT_ID
    assert claims["tid"] == localazure.tenant_id == result["tenant"]
    assert abs(result["expires_on"] - claims["exp"]) <= 5  # az computes it from expires_in and its own clock


def test_az_refuses_a_tenant_alice_is_not_in(az_signed_in, localazure):
    fabrikam = localazure.tenant("fabrikam").id
    result = az(az_signed_in["env"], "account", "get-access-token", "--resource", "https://storage.azure.com", "--tenant", fabrikam, check=False)
    assert result.returncode != 0
    assert "AADSTS50020" in result.stderr


@pytest.mark.parametrize("with_tenant", [False, True], ids=["tenant-less", "with-tenant"])
def test_azure_cli_credential_uploads_as_alice(az_signed_in, localazure, container, monkeypatch, with_tenant):
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(az_signed_in["config_dir"]))
    monkeypatch.setenv("PATH", f"{AZ.parent}{os.pathsep}{os.environ['PATH']}")
    credential = AzureCliCredential(tenant_id=localazure.tenant_id) if with_tenant else AzureCliCredential()
    token = credential.get_token("https://storage.azure.com/.default")
    assert jwt.decode(token.token, options={"verify_signature": False})["upn"] == "alice@contoso.test"

    name = f"from-az-cli-{uuid.uuid4().hex[:8]}.txt"
    service = BlobServiceClient(localazure.blob_url, credential=credential, api_version="2025-11-05")
    service.get_container_client(container).upload_blob(name, b"uploaded through the Azure CLI's token")
    check = localazure.shared_key_service().get_container_client(container)
    assert check.download_blob(name).readall() == b"uploaded through the Azure CLI's token"
