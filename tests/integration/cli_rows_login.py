"""Rows of the flag table: login (every login flag), login status and its flags, logout. Each login is then used:
what `login status` reports, what the saved record holds, and a `list` through the RBAC gateway with the saved login."""

from __future__ import annotations

import json

from cli_table_support import MSI_CLIENT_ID, MSI_OBJECT_ID, Approver, Ctx, row
from test_copy_cli import SPN_APP, SPN_SECRET


def _record(ctx: Ctx) -> dict:
    return json.loads((ctx.home / ".pyazcopy" / "login.json").read_text())


def _lists_with_saved_login(ctx: Ctx, env: dict) -> None:
    ctx.put("seen.txt", b"seen")
    saved = {k: v for k, v in env.items() if not k.startswith(("AZCOPY_SPA_", "AZCOPY_AUTO_LOGIN"))}
    assert "seen.txt; Content Length: 4.00 B" in ctx.ok(["list", ctx.url], saved).out


# A login whose type flag were ignored would fall back to AZCOPY_AUTO_LOGIN_TYPE, then to DEVICE, and wait for a
# device code nobody approves: rows that choose the type by a flag set PSCRED there (no pwsh here), to fail fast.
FALLBACK = {"AZCOPY_AUTO_LOGIN_TYPE": "PSCRED"}


def _spn_login(ctx: Ctx, *flags: str, env: dict | None = None) -> dict:
    env = env or ctx.login_env(AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET)
    out = ctx.ok(["login", *flags], dict(env, **FALLBACK)).out
    assert "SPN Auth via secret succeeded." in out and SPN_SECRET not in out
    return env


@row("login")
def _login_device(ctx: Ctx) -> None:
    env = ctx.login_env()
    with Approver(ctx.stack, "alice@contoso.test") as approver:
        out = ctx.ok(["login"], env).out  # no --login-type: DEVICE
    assert approver.approved and f"enter the code {approver.approved[0]}" in out
    assert 'Logging in under the "Common" tenant' in out and "eyJ" not in out
    record = _record(ctx)
    assert record["login_type"] == "DEVICE" and record["username"] == "alice@contoso.test" and record["store"] == "kernel"
    _lists_with_saved_login(ctx, env)


@row("login --login-type")
def _login_type(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--login-type=spn", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    assert _record(ctx)["login_type"] == "SPN"
    bad = ctx.fails(["login", "--login-type=kerberos"], env)
    assert "DEVICE, BROWSER, SPN, MSI, AZCLI, PSCRED, WORKLOAD" in bad.out


@row("login --tenant-id")
def _tenant_id(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    assert _record(ctx)["tenant_id"] == ctx.stack.tenant_id
    assert f"Tenant ID: {ctx.stack.tenant_id}" in ctx.ok(["login", "status", "--tenant"], env).out
    _lists_with_saved_login(ctx, env)


@row("login --aad-endpoint")
def _aad_endpoint(ctx: Ctx) -> None:
    # the flag wins over AZCOPY_ACTIVE_DIRECTORY_ENDPOINT both ways (a closed local port stands for a wrong endpoint,
    # so even a product that ignored the flag would reach nothing beyond 127.0.0.1)
    nowhere = "https://127.0.0.1:9"
    flags = ["login", "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id]
    wrong = ctx.fails([*flags, f"--aad-endpoint={nowhere}"], ctx.login_env(AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET))
    assert "Failed to perform login command" in wrong.out and not (ctx.home / ".pyazcopy" / "login.json").exists()
    env = ctx.login_env(AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_ACTIVE_DIRECTORY_ENDPOINT=nowhere)
    _spn_login(ctx, *flags[1:], f"--aad-endpoint={ctx.stack.authority}", env=env)
    assert _record(ctx)["authority"].rstrip("/") == ctx.stack.authority.rstrip("/")
    assert f"Active directory endpoint: {ctx.stack.authority}" in ctx.ok(["login", "status", "--endpoint"], env).out
    _lists_with_saved_login(ctx, env)


@row("login --application-id")
def _application_id(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    assert _record(ctx)["client_id"] == SPN_APP
    wrong = ctx.fails(["login", "--login-type=SPN", "--application-id", "00000000-0000-4000-8000-0000000bad00",
                       "--tenant-id", ctx.stack.tenant_id], env)
    assert "Failed to perform login command" in wrong.out and SPN_SECRET not in wrong.out


@row("login --certificate-path")
def _certificate_path(ctx: Ctx) -> None:
    env = ctx.login_env()
    cert_app, cert_path = ctx.stack.env["LOCALAZURE_SPN_CERT_CLIENT_ID"], ctx.stack.env["LOCALAZURE_SPN_CERT_PATH"]
    out = ctx.ok(["login", "--login-type=SPN", "--application-id", cert_app, "--certificate-path", cert_path,
                  "--tenant-id", ctx.stack.tenant_id], env).out
    assert "SPN Auth via cert succeeded." in out and "PRIVATE KEY" not in out
    assert _record(ctx)["certificate_path"] == cert_path
    _lists_with_saved_login(ctx, env)


def _msi_login(ctx: Ctx, *flags: str) -> dict:
    ctx.msi()
    env = ctx.login_env()
    out = ctx.ok(["login", *flags], dict(env, **FALLBACK)).out
    assert "Login with identity succeeded." in out
    record = _record(ctx)
    assert record["login_type"] == "MSI" and record["store"] == ""
    assert "Authorized using MSI" in ctx.ok(["login", "status", "--method"], env).out
    _lists_with_saved_login(ctx, env)
    return record


@row("login --identity")
def _identity(ctx: Ctx) -> None:
    _msi_login(ctx, "--identity")  # no --login-type: --identity means MSI (AzCopy's older spelling)


@row("login --identity-client-id")
def _identity_client_id(ctx: Ctx) -> None:
    assert _msi_login(ctx, "--login-type=MSI", "--identity-client-id", MSI_CLIENT_ID)["identity_client_id"] == MSI_CLIENT_ID
    unknown = ctx.fails(["login", "--login-type=MSI", "--identity-client-id", "00000000-0000-4000-8000-0000000bad01"], ctx.login_env())
    assert "Failed to perform login command" in unknown.out


@row("login --identity-object-id")
def _identity_object_id(ctx: Ctx) -> None:
    assert _msi_login(ctx, "--login-type=MSI", "--identity-object-id", MSI_OBJECT_ID)["identity_object_id"] == MSI_OBJECT_ID


@row("login --identity-resource-id")
def _identity_resource_id(ctx: Ctx) -> None:
    resource_id = ctx.stack.config.managed_identities[0].resource_id
    assert _msi_login(ctx, "--login-type=MSI", "--identity-resource-id", resource_id)["identity_resource_id"] == resource_id


@row("login --service-principal")
def _service_principal(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--service-principal", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    assert _record(ctx)["login_type"] == "SPN"
    assert "Authorized using SPN" in ctx.ok(["login", "status", "--method"], env).out


@row("login status")
def _status(ctx: Ctx) -> None:
    env = ctx.login_env(AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET)
    before = ctx.fails(["login", "status"], env)
    assert "You are currently not logged in. Please login using 'pyazcopy login'" in before.out
    _spn_login(ctx, "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id, env=env)
    after = ctx.ok(["login", "status"], env).out
    assert "Your login session is still active" in after and "Tenant ID" not in after and "Authorized using" not in after


@row("login status --tenant")
def _status_tenant(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    out = ctx.ok(["login", "status", "--tenant", "--output-type=json"], env).out
    info = next(json.loads(m["MessageContent"]) for m in map(json.loads, out.splitlines()) if m["MessageType"] == "LoginStatusInfo")
    assert info == {"valid": True, "tenantID": ctx.stack.tenant_id}


@row("login status --endpoint")
def _status_endpoint(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    out = ctx.ok(["login", "status", "--endpoint"], env).out
    assert f"Active directory endpoint: {ctx.stack.authority}" in out and "Tenant ID" not in out


@row("login status --method")
def _status_method(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    out = ctx.ok(["login", "status", "--method"], env).out
    assert "Authorized using SPN" in out and "Active directory endpoint" not in out


@row("logout")
def _logout(ctx: Ctx) -> None:
    env = _spn_login(ctx, "--login-type=SPN", "--application-id", SPN_APP, "--tenant-id", ctx.stack.tenant_id)
    assert (ctx.home / ".pyazcopy" / "login.json").exists()
    out = ctx.ok(["logout"], env).out
    assert "Logout succeeded." in out and "INFO: Removed " in out  # each removed thing is named (its wording is issue 12's)
    assert not (ctx.home / ".pyazcopy" / "login.json").exists()
    assert ctx.fails(["login", "status"], env).code == 1
    saved = {k: v for k, v in env.items() if not k.startswith("AZCOPY_SPA_")}
    assert "no SAS token or OAuth token is present" in ctx.fails(["list", ctx.url], saved).out
