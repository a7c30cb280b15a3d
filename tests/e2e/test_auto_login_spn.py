"""Auto-login (AZCOPY_AUTO_LOGIN_TYPE) keeps nothing; service principals sign in with a secret or a certificate;
`login` honours AZCOPY_AUTO_LOGIN_TYPE; credential precedence SAS > auto-login > saved login; secrets never shown."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from azure.storage.blob import ContainerSasPermissions, generate_container_sas
from conftest import Approver, kernel_key_exists, run_cli, run_process

from localazure.fixtures import DEV_ACCOUNT_KEY
from pyazcopy.auth.persisted_login import store_key
from pyazcopy.settings import Settings

SPN_SECRET_APP = "5e1f0000-0000-4000-8000-00000000a001"
SPN_SECRET = "local-test-secret-not-for-production"


def _no_secrets(*texts: str) -> None:
    for text in texts:
        assert SPN_SECRET not in text
        assert "eyJ" not in text  # no JWT (access or id token)
        assert "1.local." not in text  # localazure's refresh tokens
        assert "sig=" not in text


def test_auto_login_device_persists_nothing(localazure, cli_env, user_home, container):
    localazure.shared_key_service().get_container_client(container).upload_blob("a/b.txt", b"hello")
    env = dict(cli_env, AZCOPY_AUTO_LOGIN_TYPE="device", AZCOPY_TENANT_ID=localazure.tenant_id, PYAZCOPY_TOKEN_STORE="kernel")
    with Approver(localazure, "alice@contoso.test") as approver:
        result = run_cli(["list", f"{localazure.blob_url}/{container}", "--machine-readable"], env)
    assert result.code == 0, result.out
    assert approver.approved and f"enter the code {approver.approved[0]}" in result.out
    assert "a/b.txt; Content Length: 5" in result.out
    assert not (user_home / ".pyazcopy").exists()
    assert not kernel_key_exists("pyazcopy:" + store_key(Settings.from_environment(env)))
    status = run_cli(["login", "status"], dict(cli_env))
    assert status.code == 1 and "not logged in" in status.out
    _no_secrets(result.out)


def test_unknown_auto_login_type_names_valid_ones(localazure, cli_env):
    result = run_cli(["list", f"{localazure.blob_url}/whatever"], dict(cli_env, AZCOPY_AUTO_LOGIN_TYPE="KERBEROS"))
    assert result.code == 1
    assert "AZCOPY_AUTO_LOGIN_TYPE" in result.out and "DEVICE, BROWSER, SPN, MSI, AZCLI, PSCRED, WORKLOAD" in result.out


def test_no_credential_message(localazure, cli_env):
    result = run_cli(["list", f"{localazure.blob_url}/whatever"], cli_env)
    assert result.code == 1
    assert "no SAS token or OAuth token is present and the resource is not public" in result.out
    assert "pyazcopy login" in result.out and "AZCOPY_AUTO_LOGIN_TYPE" in result.out


def test_login_honours_auto_login_type_spn_secret(localazure, cli_env, user_home, container):
    env = dict(
        cli_env,
        AZCOPY_AUTO_LOGIN_TYPE="SPN",
        AZCOPY_SPA_APPLICATION_ID=SPN_SECRET_APP,
        AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET,
        AZCOPY_TENANT_ID=localazure.tenant_id,
        PYAZCOPY_TOKEN_STORE="kernel",
    )
    login = run_cli(["login"], env)  # no --login-type: AZCOPY_AUTO_LOGIN_TYPE decides (AzCopy issue #3489)
    assert login.code == 0, login.out
    assert "SPN Auth via secret succeeded." in login.out
    record_text = (user_home / ".pyazcopy" / "login.json").read_text()
    assert json.loads(record_text)["login_type"] == "SPN"
    assert SPN_SECRET not in record_text
    key = "pyazcopy:" + store_key(Settings.from_environment(env))
    assert kernel_key_exists(key)
    # a fresh process, without the secret in its environment, uses the saved login
    saved = {name: value for name, value in env.items() if not name.startswith("AZCOPY_SPA") and name != "AZCOPY_AUTO_LOGIN_TYPE"}
    listed = run_process(["list", f"{localazure.blob_url}/{container}"], saved)
    assert listed.code == 0, listed.out + listed.err
    status = run_process(["login", "status", "--method", "--output-type", "json"], saved)
    lines = [json.loads(line) for line in status.out.splitlines()]
    info = next(json.loads(line["MessageContent"]) for line in lines if line["MessageType"] == "LoginStatusInfo")
    assert info == {"valid": True, "authMethod": "SPN"}
    out = run_process(["logout"], saved)
    assert out.code == 0 and not kernel_key_exists(key)
    _no_secrets(login.out, listed.out, status.out, out.out, record_text)


def test_spn_certificate_login(localazure, cli_env, user_home, container):
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    login = run_cli(
        ["login", "--login-type", "spn", "--tenant-id", localazure.tenant_id,
         "--application-id", localazure.env["LOCALAZURE_SPN_CERT_CLIENT_ID"], "--certificate-path", localazure.env["LOCALAZURE_SPN_CERT_PATH"]],
        env,
    )
    assert login.code == 0, login.out
    assert "SPN Auth via cert succeeded." in login.out
    made = run_process(["make", f"{localazure.blob_url}/{container}-cert"], env)
    assert made.code == 0, made.out + made.err
    again = run_process(["make", f"{localazure.blob_url}/{container}-cert"], env)
    assert again.code == 1 and "the container already exists" in again.out
    localazure.shared_key_service().delete_container(f"{container}-cert")
    assert run_process(["logout"], env).code == 0
    _no_secrets(login.out, made.out, again.out)


def test_auto_login_spn_secret_and_sas_first(localazure, cli_env, user_home, container):
    env = dict(cli_env, AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_SECRET_APP, AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id)
    listed = run_cli(["list", f"{localazure.blob_url}/{container}", "--running-tally"], env)
    assert listed.code == 0 and "File count: 0" in listed.out, listed.out
    # a SAS in the URL wins: no token is requested, even with a broken auto-login configured
    sas = generate_container_sas(localazure.env["LOCALAZURE_STORAGE_ACCOUNT"], container, account_key=DEV_ACCOUNT_KEY,
                                 permission=ContainerSasPermissions(read=True, list=True), expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    before = localazure.token_stats()["token_requests"].get("client_credentials", 0)
    broken = dict(env, AZCOPY_SPA_CLIENT_SECRET="wrong")
    direct = localazure.env["LOCALAZURE_BLOB_DIRECT_URL"]
    with_sas = run_cli(["list", f"{direct}/{container}?{sas}", "--running-tally"], broken)
    assert with_sas.code == 0, with_sas.out
    assert localazure.token_stats()["token_requests"].get("client_credentials", 0) == before
    assert not (user_home / ".pyazcopy").exists()
    _no_secrets(listed.out, with_sas.out)
