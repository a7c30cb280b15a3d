"""`pyazcopy login` as a person does it: the code it prints is typed into the sign-in page by headless Chromium."""

from __future__ import annotations

import subprocess

import pytest
from chromium_sign_in import approve_in_chromium
from conftest import PYAZCOPY, run_process

pytestmark = pytest.mark.browser


def test_device_login_typed_in_chromium(localazure, cli_env):
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    login = subprocess.Popen(PYAZCOPY + ["login", "--tenant-id", localazure.tenant_id], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    try:
        before, page = approve_in_chromium(login, localazure)
        assert "You have signed in" in page
        rest = login.stdout.read()
        assert login.wait(timeout=60) == 0, before + rest
        assert "INFO: Login succeeded." in rest
    finally:
        if login.poll() is None:
            login.kill()
    status = run_process(["login", "status"], env)
    assert status.code == 0, status.out
    assert run_process(["logout"], env).code == 0
