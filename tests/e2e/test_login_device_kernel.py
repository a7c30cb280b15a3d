"""DEVICE login saved in the Linux kernel keyring, used by a fresh process, then removed by logout."""

from __future__ import annotations

import json

from conftest import Approver, kernel_key_exists, run_cli, run_process

from pyazcopy.auth.persisted_login import store_key
from pyazcopy.settings import Settings


def test_device_login_kernel_keyring_make_list_logout(localazure, cli_env, user_home):
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    with Approver(localazure, "alice@contoso.test") as approver:
        result = run_cli(["login", "--tenant-id", localazure.tenant_id], env)
    assert result.code == 0, result.out
    assert approver.approved and f"enter the code {approver.approved[0]} to authenticate" in result.out
    assert "INFO: Login succeeded." in result.out
    key = "pyazcopy:" + store_key(Settings.from_environment(env))
    assert kernel_key_exists(key)
    record = json.loads((user_home / ".pyazcopy" / "login.json").read_text())
    assert record["username"] == "alice@contoso.test" and record["store"] == "kernel"

    status = run_process(["login", "status", "--tenant", "--method", "--endpoint"], env)
    assert status.code == 0, status.out + status.err
    assert "Your login session is still active" in status.out
    assert f"Tenant ID: {localazure.tenant_id}" in status.out and "Authorized using DEVICE" in status.out

    container = f"{localazure.blob_url}/e2e-device-{approver.approved[0].lower().replace('-', '')}"
    made = run_process(["make", container], env)
    assert made.code == 0, made.out + made.err
    assert "Successfully created the resource." in made.out
    listed = run_process(["list", container, "--running-tally"], env)
    assert listed.code == 0, listed.out + listed.err
    assert "File count: 0" in listed.out

    out = run_process(["logout"], env)
    assert out.code == 0 and "Logout succeeded." in out.out
    assert not kernel_key_exists(key)
    assert not (user_home / ".pyazcopy" / "login.json").exists()
    again = run_process(["logout"], env)
    assert again.code == 1 and "not logged in" in again.out
    localazure.shared_key_service().delete_container(container.rsplit("/", 1)[1])
