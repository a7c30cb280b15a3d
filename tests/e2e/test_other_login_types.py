"""MSI, WORKLOAD, PSCRED (localazure's stand-in pwsh) and AZCLI (the real Azure CLI) as `login` types and as
auto-login types, each then used by a fresh process to list or make through the gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO, run_process

from localazure import pwsh

MSI_CLIENT_ID = "3a5a6ed0-0000-4000-8000-00000000a003"
WORKLOAD_CLIENT_ID = "f3de0000-0000-4000-8000-00000000a004"
WORKLOAD_SUBJECT = "system:serviceaccount:data:data-mover"
AZ = Path(os.environ.get("AZURE_CLI_VENV", REPO / ".cache" / "azure-cli-venv")) / "bin" / "az"


def _msi_env(localazure, cli_env) -> dict:
    return dict(cli_env, IDENTITY_ENDPOINT=localazure.env["LOCALAZURE_IDENTITY_ENDPOINT"], IDENTITY_HEADER=localazure.env["LOCALAZURE_IDENTITY_HEADER"])


def test_msi_login_then_list(localazure, cli_env, user_home, container):
    env = _msi_env(localazure, cli_env)
    login = run_process(["login", "--login-type", "msi", "--identity-client-id", MSI_CLIENT_ID], env)
    assert login.code == 0, login.out + login.err
    assert "Login with identity succeeded." in login.out
    record = json.loads((user_home / ".pyazcopy" / "login.json").read_text())
    assert record["login_type"] == "MSI" and record["store"] == ""  # nothing secret to keep
    listed = run_process(["list", f"{localazure.blob_url}/{container}", "--running-tally"], env)
    assert listed.code == 0 and "File count: 0" in listed.out, listed.out + listed.err
    assert run_process(["logout"], env).code == 0


def test_msi_auto_login_by_resource_id(localazure, cli_env, container):
    resource_id = localazure.config.managed_identities[0].resource_id
    env = dict(_msi_env(localazure, cli_env), AZCOPY_AUTO_LOGIN_TYPE="MSI", AZCOPY_MSI_RESOURCE_STRING=resource_id)
    listed = run_process(["list", f"{localazure.blob_url}/{container}", "--running-tally"], env)
    assert listed.code == 0 and "File count: 0" in listed.out, listed.out + listed.err


def test_workload_identity_login_and_auto_login(localazure, cli_env, user_home, container, tmp_path):
    token_file = localazure.write_workload_token(tmp_path / "azure-identity-token", WORKLOAD_SUBJECT)
    env = dict(cli_env, AZURE_TENANT_ID=localazure.tenant_id, AZURE_CLIENT_ID=WORKLOAD_CLIENT_ID,
               AZURE_FEDERATED_TOKEN_FILE=str(token_file), AZURE_AUTHORITY_HOST=localazure.authority)
    auto = run_process(["make", f"{localazure.blob_url}/{container}-wl"], dict(env, AZCOPY_AUTO_LOGIN_TYPE="WORKLOAD"))
    assert auto.code == 0, auto.out + auto.err
    login = run_process(["login", "--login-type", "WORKLOAD"], env)
    assert login.code == 0 and "Login with Workload Identity succeeded" in login.out, login.out + login.err
    listed = run_process(["list", f"{localazure.blob_url}/{container}-wl", "--running-tally"], env)
    assert listed.code == 0 and "File count: 0" in listed.out, listed.out + listed.err
    assert run_process(["logout"], env).code == 0
    localazure.shared_key_service().delete_container(f"{container}-wl")


def test_pscred_with_the_pwsh_stand_in(localazure, cli_env, container, tmp_path):
    bin_dir = tmp_path / "pwsh-bin"
    pwsh.install(bin_dir)
    pwsh.connect(bin_dir / pwsh.CONTEXT_FILE, localazure.authority, "alice@contoso.test", "password-alice", tenant=localazure.tenant_id, ca_bundle=localazure.ca_bundle)
    env = dict(cli_env, PATH=f"{bin_dir}:{cli_env['PATH']}", PYTHONPATH=f"{REPO}:{REPO / 'src'}")
    auto = run_process(["list", f"{localazure.blob_url}/{container}", "--running-tally"], dict(env, AZCOPY_AUTO_LOGIN_TYPE="PSCRED", AZCOPY_TENANT_ID=localazure.tenant_id))
    assert auto.code == 0 and "File count: 0" in auto.out, auto.out + auto.err
    login = run_process(["login", "--login-type", "pscred", "--tenant-id", localazure.tenant_id], env)
    assert login.code == 0 and "Login with Powershell context succeeded" in login.out, login.out + login.err
    status = run_process(["login", "status", "--method"], env)
    assert status.code == 0 and "Authorized using PSCRED" in status.out
    pwsh.disconnect(bin_dir / pwsh.CONTEXT_FILE)
    expired = run_process(["login", "status"], env)
    assert expired.code == 1 and "Connect-AzAccount" in expired.out, expired.out
    assert run_process(["logout"], env).code == 0


def test_azcli_with_the_real_azure_cli(localazure, cli_env, container, tmp_path):
    if not AZ.exists():
        pytest.fail(f"the Azure CLI is not installed at {AZ}: run scripts/install-azure-cli.sh (scripts/setup.sh does)")
    config_dir = tmp_path / "azure-cli"
    az_env = dict(cli_env, AZURE_CONFIG_DIR=str(config_dir), AZURE_CORE_COLLECT_TELEMETRY="false", AZURE_CORE_NO_COLOR="true")
    az_env.pop("PYTHONPATH", None)

    def az(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(AZ), *args], env=az_env, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL, check=True)

    authority = localazure.authority
    az("cloud", "register", "-n", "LocalCloud", "--skip-endpoint-discovery", "--endpoint-active-directory", authority,
       "--endpoint-active-directory-resource-id", "https://management.core.windows.net/", "--endpoint-resource-manager", authority + "/",
       "--endpoint-management", "https://management.core.windows.net/", "--suffix-storage-endpoint", "core.windows.net")
    az("cloud", "set", "-n", "LocalCloud")
    az("config", "set", "core.instance_discovery=false")
    approve = threading.Thread(target=lambda: subprocess.run(
        [sys.executable, "-m", "localazure", "approve", "--state-dir", localazure.env["LOCALAZURE_STATE_DIR"], "--user", "alice@contoso.test", "--wait", "120"],
        env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, timeout=150), daemon=True)
    approve.start()
    az("login", "--use-device-code", "--tenant", localazure.tenant_id)
    approve.join(30)

    env = dict(cli_env, PATH=f"{AZ.parent}:{cli_env['PATH']}", AZURE_CONFIG_DIR=str(config_dir))
    auto = run_process(["make", f"{localazure.blob_url}/{container}-cli"], dict(env, AZCOPY_AUTO_LOGIN_TYPE="AZCLI", AZCOPY_TENANT_ID=localazure.tenant_id))
    assert auto.code == 0, auto.out + auto.err
    login = run_process(["login", "--login-type", "AzCli", "--tenant-id", localazure.tenant_id], env)
    assert login.code == 0 and "Login with AzCliCreds succeeded" in login.out, login.out + login.err
    listed = run_process(["list", f"{localazure.blob_url}/{container}-cli", "--running-tally"], env)
    assert listed.code == 0 and "File count: 0" in listed.out, listed.out + listed.err
    assert run_process(["logout"], env).code == 0
    localazure.shared_key_service().delete_container(f"{container}-cli")
