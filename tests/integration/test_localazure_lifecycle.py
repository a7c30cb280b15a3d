"""`python -m localazure up | env | approve` as scripts use them: start, listen only on loopback, stop cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import psutil
import pytest

from localazure.fixtures import LocalAzure
from localazure.stack import read_env


def localazure_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "localazure", *args], capture_output=True, text=True, timeout=timeout)


def test_env_prints_the_running_stacks_variables_again(localazure):
    result = localazure_cli("env", "--state-dir", str(localazure.state_dir))
    assert result.returncode == 0
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "LOCALAZURE_AUTHORITY", "LOCALAZURE_TENANT_ID",
                 "LOCALAZURE_BLOB_URL", "LOCALAZURE_BLOB_DIRECT_URL", "LOCALAZURE_ADMIN_URL", "AZCOPY_ACTIVE_DIRECTORY_ENDPOINT"):
        assert f"export {name}=" in result.stdout
    assert localazure.authority.startswith("https://127.0.0.1:") and localazure.authority.count("/") == 2


def test_env_without_a_running_stack_says_how_to_start_one(tmp_path):
    result = localazure_cli("env", "--state-dir", str(tmp_path))
    assert result.returncode == 1 and "localazure up" in result.stderr


def test_approve_command_approves_the_newest_pending_code(localazure):
    import msal

    app = msal.PublicClientApplication("579a7132-0e58-4d80-b1e1-7a1e2d337859", authority=f"{localazure.authority}/contoso.test", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=["https://storage.azure.com/.default"])
    result = localazure_cli("approve", "--state-dir", str(localazure.state_dir), "--user", "bob@contoso.test", flow["user_code"])
    assert result.returncode == 0, result.stderr
    assert f"approved {flow['user_code']} as bob@contoso.test" in result.stdout
    token = app.acquire_token_by_device_flow(flow)
    assert token["id_token_claims"]["preferred_username"] == "bob@contoso.test"
    again = localazure_cli("approve", "--state-dir", str(localazure.state_dir), "--user", "bob@contoso.test", flow["user_code"])
    assert again.returncode == 1 and "redeemed" in again.stderr


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (("home_tenant = \"contoso\"", "home_tenant = \"nowhere\"", 1), "users[0].home_tenant", "unknown tenant 'nowhere'"),
        (("object_id = \"a11ce000-0000-4000-8000-000000000001\"", "object_id = \"not-a-guid\"", 1), "users[0].object_id", "must be a GUID"),
        (("access_token_lifetime_seconds = 3600", "access_token_lifetime_seconds = \"soon\"", 1), "settings.access_token_lifetime_seconds", "must be an integer"),
        (("password = \"password-bob\"", "pasword = \"password-bob\"", 1), "users[1].pasword", "unknown field"),
        (("[[tenants]]", "[[tenants]]\nbogus = [", 1), "not valid TOML", ""),
    ],
)
def test_a_bad_config_file_stops_up_naming_the_field(tmp_path, change, field, problem):
    from localazure.config import DEFAULT_CONFIG_PATH

    old, new, count = change
    config = tmp_path / "bad.toml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text().replace(old, new, count))
    result = localazure_cli("up", "--config", str(config), "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 2
    assert field in result.stderr and problem in result.stderr and str(config) in result.stderr
    assert not (tmp_path / "state" / "env").exists()


def _listening_addresses(process: psutil.Process) -> set[str]:
    addresses = set()
    for member in [process] + process.children(recursive=True):
        for connection in member.net_connections(kind="inet"):
            if connection.status == psutil.CONN_LISTEN:
                addresses.add(connection.laddr.ip)
    return addresses


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_listens_only_on_loopback_and_leaves_no_process_behind(tmp_path, stop_signal):
    stack = LocalAzure.start(tmp_path / "state")
    process = psutil.Process(stack.process.pid)
    children = process.children(recursive=True)
    assert children, "Azurite should run as a child of localazure"
    assert _listening_addresses(process) == {"127.0.0.1"}
    assert read_env(tmp_path / "state")["LOCALAZURE_BLOB_URL"].startswith("https://127.0.0.1:")
    stack.process.send_signal(stop_signal)  # what Ctrl-C in a terminal sends, or a service manager
    assert stack.process.wait(30) == 0
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"left behind: {alive}"
    assert not (tmp_path / "state" / "env").exists()


def test_azurite_stops_even_when_localazure_is_killed(tmp_path):
    stack = LocalAzure.start(tmp_path / "state")
    children = psutil.Process(stack.process.pid).children(recursive=True)
    stack.process.kill()
    stack.process.wait(10)
    gone, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, f"left behind after SIGKILL: {alive}"


def test_up_fails_clearly_when_azurite_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAZURE_AZURITE_BLOB", str(tmp_path / "no-azurite"))
    started = time.monotonic()
    result = localazure_cli("up", "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 1 and "npm ci" in result.stderr
    assert time.monotonic() - started < 30
