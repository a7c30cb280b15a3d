"""Where the saved login goes: gnome-keyring under a private D-Bus session, no store at all (the clear failure before
any prompt), and the owner-only file store behind its opt-in. Each time, logout leaves nothing of ours behind."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from conftest import PYAZCOPY, Approver, kernel_key_exists, run_process

from pyazcopy.auth.persisted_login import store_key
from pyazcopy.settings import Settings

NO_KEYRING = [sys.executable, str(Path(__file__).with_name("no_keyring.py"))]


def test_gnome_keyring_under_dbus_run_session(localazure, cli_env, user_home, tmp_path):
    runtime = tmp_path / "xdg-runtime"
    runtime.mkdir(mode=0o700)
    env = dict(cli_env, XDG_RUNTIME_DIR=str(runtime))
    key = store_key(Settings.from_environment(env))
    pyazcopy = " ".join(PYAZCOPY)
    script = f"""
set -u
echo -n keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
{pyazcopy} login --tenant-id {localazure.tenant_id}; echo "LOGIN_RC=$?"
secret-tool lookup service pyazcopy username '{key}' >/dev/null; echo "LOOKUP_AFTER_LOGIN=$?"
{pyazcopy} login status --method; echo "STATUS_RC=$?"
{pyazcopy} logout; echo "LOGOUT_RC=$?"
secret-tool lookup service pyazcopy username '{key}' >/dev/null; echo "LOOKUP_AFTER_LOGOUT=$?"
"""
    with Approver(localazure, "alice@contoso.test") as approver:
        completed = subprocess.run(["dbus-run-session", "--", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    out = completed.stdout
    assert approver.approved, out + completed.stderr
    assert "LOGIN_RC=0" in out and "LOOKUP_AFTER_LOGIN=0" in out, out + completed.stderr
    assert "Secret Service" in out  # auto-selected: a desktop keyring was available
    assert "STATUS_RC=0" in out and "Authorized using DEVICE" in out
    assert "LOGOUT_RC=0" in out and "LOOKUP_AFTER_LOGOUT=1" in out
    assert not kernel_key_exists("pyazcopy:" + key)
    assert not (user_home / ".pyazcopy" / "login.json").exists()


def test_no_store_fails_before_any_prompt(localazure, cli_env, user_home):
    before = localazure.token_stats()["token_requests"].get("device_code", 0)
    result = run_process(["login", "--tenant-id", localazure.tenant_id], cli_env, prefix=NO_KEYRING, timeout=60)
    assert result.code == 1, result.out + result.err
    assert "none can be used here" in result.out
    assert "Linux kernel keyring" in result.out and "Secret Service" in result.out and "PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE=1" in result.out
    assert "You have not been asked to sign in" in result.out and "AZCOPY_AUTO_LOGIN_TYPE" in result.out
    assert "enter the code" not in result.out
    assert localazure.admin("GET", "/device/pending").json()["pending"] == []
    assert localazure.token_stats()["token_requests"].get("device_code", 0) == before
    assert not (user_home / ".pyazcopy").exists()


def test_plaintext_file_store_only_with_opt_in(localazure, cli_env, user_home):
    env = dict(cli_env, PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE="1")
    with Approver(localazure, "alice@contoso.test") as approver:
        result = run_process(["login", "--tenant-id", localazure.tenant_id], env, prefix=NO_KEYRING)
    assert result.code == 0 and approver.approved, result.out + result.err
    config = user_home / ".pyazcopy"
    record = json.loads((config / "login.json").read_text())
    assert record["store"] == "file"
    secrets = list(config.glob("secret-*.json"))
    assert len(secrets) == 1 and stat.S_IMODE(secrets[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    status = run_process(["login", "status"], env, prefix=NO_KEYRING)
    assert status.code == 0, status.out
    out = run_process(["logout"], env, prefix=NO_KEYRING)
    assert out.code == 0, out.out
    assert sorted(path.name for path in config.iterdir()) == []
