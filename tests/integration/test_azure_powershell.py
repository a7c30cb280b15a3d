"""azure-identity's AzurePowerShellCredential against localazure's `pwsh` STAND-IN (PowerShell cannot be installed
here): the real credential runs the stand-in through /bin/sh exactly as it would run PowerShell, and parses its
output; the stand-in answers in real pwsh + Az.Accounts' formats, signed in, signed out and without the module."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import uuid

import jwt
import pytest
from azure.identity import AzurePowerShellCredential, CredentialUnavailableError
from azure.identity._credentials.azure_powershell import get_command_line
from azure.storage.blob import BlobServiceClient

from localazure import pwsh

STORAGE_SCOPE = "https://storage.azure.com/.default"


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    """A stand-in pwsh first on PATH (nobody signed in yet); returns its directory."""
    directory = tmp_path / "pwsh-bin"
    pwsh.install(directory)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    return directory


def run_credential_script(scope: str, tenant: str = "") -> subprocess.CompletedProcess:
    """What AzurePowerShellCredential runs, run the same way, to look at the raw output."""
    return subprocess.run(get_command_line((scope,), tenant), capture_output=True, text=True, timeout=60, cwd="/")


def test_not_signed_in_prints_pwshs_error_and_the_credential_says_connect(stand_in):
    raw = run_credential_script(STORAGE_SCOPE)
    assert raw.returncode == 1 and raw.stdout == ""
    lines = raw.stderr.splitlines()
    assert lines[0] == "Get-AzAccessToken: "
    assert lines[1] == "Line |"
    assert lines[2].endswith(" |  $token = Get-AzAccessToken @params")
    assert lines[3] == "     |           " + "~" * len("Get-AzAccessToken @params")
    assert lines[4] == "     | Run Connect-AzAccount to login."
    with pytest.raises(CredentialUnavailableError, match='Please run "Connect-AzAccount" to set up account'):
        AzurePowerShellCredential().get_token(STORAGE_SCOPE)


def test_without_the_az_module_the_credential_says_so(tmp_path, monkeypatch):
    directory = tmp_path / "pwsh-without-az"
    pwsh.install(directory, az_accounts_version=None)
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")
    raw = run_credential_script(STORAGE_SCOPE)
    assert (raw.returncode, raw.stdout, raw.stderr) == (0, "NO_AZ_ACCOUNT_MODULE\n", "")
    with pytest.raises(CredentialUnavailableError, match="Az.Account module >= 2.2.0 is not installed"):
        AzurePowerShellCredential().get_token(STORAGE_SCOPE)


def test_without_pwsh_on_path_the_credential_says_powershell_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no pwsh anywhere
    with pytest.raises(CredentialUnavailableError, match="PowerShell is not installed"):
        AzurePowerShellCredential().get_token(STORAGE_SCOPE)


def test_signed_in_user_gets_tokens_and_uploads(localazure, stand_in, container):
    pwsh.connect(stand_in / pwsh.CONTEXT_FILE, localazure.authority, "alice@contoso.test", "password-alice")
    raw = run_credential_script(STORAGE_SCOPE)
    assert raw.returncode == 0 and raw.stderr == ""
    assert raw.stdout.startswith("\nazsdk%") and raw.stdout.endswith("\n\n")
    _, token_text, expires_on = raw.stdout.strip().split("%")
    assert int(expires_on) == jwt.decode(token_text, options={"verify_signature": False})["exp"]

    for credential in (AzurePowerShellCredential(), AzurePowerShellCredential(tenant_id=localazure.tenant_id)):
        claims = jwt.decode(credential.get_token(STORAGE_SCOPE).token, options={"verify_signature": False})
        assert claims["upn"] == "alice@contoso.test" and claims["aud"] == "https://storage.azure.com"
        assert claims["appid"] == pwsh.AZURE_POWERSHELL_CLIENT_ID and claims["tid"] == localazure.tenant_id

    service = BlobServiceClient(localazure.blob_url, credential=AzurePowerShellCredential(), api_version="2025-11-05")
    name = f"from-azure-powershell-{uuid.uuid4().hex[:8]}.txt"
    service.get_container_client(container).upload_blob(name, b"written through Get-AzAccessToken")
    assert localazure.shared_key_service().get_container_client(container).download_blob(name).readall() == b"written through Get-AzAccessToken"


def test_a_tenant_the_user_is_not_in_fails(localazure, stand_in):
    pwsh.connect(stand_in / pwsh.CONTEXT_FILE, localazure.authority, "alice@contoso.test", "password-alice")
    raw = run_credential_script(STORAGE_SCOPE, localazure.tenant("fabrikam").id)
    assert raw.returncode == 1 and "AADSTS50020" in raw.stderr
    with pytest.raises(CredentialUnavailableError, match="Failed to invoke PowerShell"):
        AzurePowerShellCredential(tenant_id=localazure.tenant("fabrikam").id).get_token(STORAGE_SCOPE)


def test_the_cli_connects_and_disconnects(localazure, stand_in):
    base = [sys.executable, "-m", "localazure.pwsh"]
    connected = subprocess.run(base + ["connect", "--dir", str(stand_in), "--user", "bob@contoso.test", "--password", "password-bob", "--authority", localazure.authority], capture_output=True, text=True, timeout=60)
    assert connected.returncode == 0, connected.stderr
    claims = jwt.decode(AzurePowerShellCredential().get_token(STORAGE_SCOPE).token, options={"verify_signature": False})
    assert claims["upn"] == "bob@contoso.test"
    assert subprocess.run(base + ["disconnect", "--dir", str(stand_in)], timeout=60).returncode == 0
    with pytest.raises(CredentialUnavailableError, match="Connect-AzAccount"):
        AzurePowerShellCredential().get_token(STORAGE_SCOPE)


def test_the_stand_in_refuses_scripts_it_cannot_run(stand_in):
    script = base64.b64encode("Get-ChildItem".encode("utf-16-le")).decode()
    result = subprocess.run(["pwsh", "-NoProfile", "-EncodedCommand", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "stand-in, not PowerShell" in result.stderr
