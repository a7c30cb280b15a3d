"""Copies as a signed-in user (every other OAuth copy in the suite is a service principal's): up and back down through
the RBAC gateway after a device-code `pyazcopy login` kept in the kernel keyring, the code typed into the sign-in page
by headless Chromium; and with AZCOPY_AUTO_LOGIN_TYPE=DEVICE, which stores nothing."""

from __future__ import annotations

import os
import subprocess

import pytest
from chromium_sign_in import approve_in_chromium
from conftest import PYAZCOPY, Approver, run_process
from user_copy_support import copy_env, saved_login_secrets, tree_digest, write_tree

FILES = {"a.txt": b"alpha", "sub dir/b.bin": os.urandom(300_000), "sub dir/deeper/c.csv": b"1,2,3\n" * 1000}


def _blob_names(localazure, container: str) -> list[str]:
    return sorted(b.name for b in localazure.shared_key_service().get_container_client(container).list_blobs())


def _up_and_down(localazure, container: str, env: dict[str, str], tmp_path, approver_for=None) -> None:
    src = write_tree(tmp_path / "src", FILES)
    with approver_for() if approver_for else _nothing() as approver:
        up = run_process(["copy", str(src), f"{localazure.blob_url}/{container}", "--recursive"], env)
    assert up.code == 0, up.out + up.err
    assert "Number of File Transfers Completed: 3" in up.out and "Final Job Status: Completed" in up.out
    if approver_for:
        assert approver.approved and f"enter the code {approver.approved[0]} to authenticate" in up.out
    assert _blob_names(localazure, container) == sorted(f"src/{name}" for name in FILES)
    with approver_for() if approver_for else _nothing():
        down = run_process(["copy", f"{localazure.blob_url}/{container}/src", str(tmp_path / "out"), "--recursive"], env)
    assert down.code == 0, down.out + down.err
    assert "Number of File Transfers Completed: 3" in down.out
    assert tree_digest(tmp_path / "out" / "src") == tree_digest(src)


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


@pytest.mark.browser
def test_copy_up_and_down_after_a_device_login_typed_in_chromium(localazure, cli_env, container, tmp_path, user_home):
    env = copy_env(cli_env, user_home, PYAZCOPY_TOKEN_STORE="kernel")
    login = subprocess.Popen(PYAZCOPY + ["login", "--tenant-id", localazure.tenant_id], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    try:
        before, page = approve_in_chromium(login, localazure)
        rest = login.stdout.read()
        assert login.wait(timeout=60) == 0, before + rest
    finally:
        if login.poll() is None:
            login.kill()
    assert "You have signed in" in page and "INFO: Login succeeded." in rest
    assert saved_login_secrets(env)  # the sign-in is in the kernel keyring: the copies below use nothing else

    _up_and_down(localazure, container, env, tmp_path)

    assert run_process(["logout"], env).code == 0
    after = run_process(["copy", str(tmp_path / "src"), f"{localazure.blob_url}/{container}/again", "--recursive"], env)
    assert after.code != 0, after.out  # without the sign-in the same copy is refused: it was the user's
    assert "again/" not in " ".join(_blob_names(localazure, container))


def test_copy_up_and_down_with_auto_login_device(localazure, cli_env, container, tmp_path, user_home):
    env = copy_env(cli_env, user_home, AZCOPY_AUTO_LOGIN_TYPE="DEVICE", AZCOPY_TENANT_ID=localazure.tenant_id)
    _up_and_down(localazure, container, env, tmp_path, approver_for=lambda: Approver(localazure, "alice@contoso.test"))
    assert not (user_home / ".pyazcopy" / "login.json").exists()  # auto-login keeps nothing


def test_auto_login_device_as_a_reader_cannot_copy_up(localazure, cli_env, container, tmp_path, user_home):
    """The same copy as bob (Storage Blob Data Reader): refused, naming the role, so the copies above were the user's."""
    env = copy_env(cli_env, user_home, AZCOPY_AUTO_LOGIN_TYPE="DEVICE", AZCOPY_TENANT_ID=localazure.tenant_id)
    src = write_tree(tmp_path / "src", {"a.txt": b"alpha"})
    with Approver(localazure, "bob@contoso.test") as approver:
        up = run_process(["copy", str(src), f"{localazure.blob_url}/{container}", "--recursive"], env)
    assert approver.approved
    assert up.code == 1, up.out
    assert "AuthorizationPermissionMismatch" in up.out and "Storage Blob Data Contributor" in up.out
    assert "Final Job Status: Failed" in up.out
    assert _blob_names(localazure, container) == []
