"""What `login` and `logout` say (issue 12 §3): an unknown tenant is said as such (no MSAL text about
login.microsoftonline.com, no "created in the last 5 minutes" note), and logout names each thing it removed."""

from __future__ import annotations

from conftest import Approver, run_cli

UNKNOWN_TENANT = "00000000-0000-0000-0000-000000000000"


def test_an_unknown_tenant_is_not_found_at_the_authority(localazure, cli_env):
    result = run_cli(["login", "--tenant-id", UNKNOWN_TENANT], cli_env)
    out = result.out + result.err
    assert result.code == 1, out
    assert f"the tenant {UNKNOWN_TENANT} was not found at the authority {localazure.authority}" in out, out
    assert "--tenant-id" in out
    assert "login.microsoftonline.com" not in out and "Unable to get authority configuration" not in out, out
    assert "last 5 minutes" not in out, out


def test_logout_says_what_each_removed_thing_was(localazure, cli_env, user_home):
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    with Approver(localazure, "alice@contoso.test"):
        assert run_cli(["login", "--tenant-id", localazure.tenant_id], env).code == 0
    result = run_cli(["logout"], env)
    assert result.code == 0, result.out
    lines = [line for line in result.out.splitlines() if line.startswith("INFO: Removed")]
    assert len(lines) == 2, result.out
    assert lines[0].startswith("INFO: Removed the secret (the sign-in's refresh and access tokens) from the Linux kernel keyring"), lines
    assert lines[1].startswith("INFO: Removed the login record (not secret") and str(user_home / ".pyazcopy" / "login.json") in lines[1], lines
    assert "Removed the saved login" not in result.out
