"""localazure on its own (issue 22): `pip install ./localazure` into a fresh venv without pyazcopy, `python -m
localazure up`, then azure-identity's DeviceCodeCredential signs in (the code approved with localazure's own
`approve`, as scripts/demo.sh does) and creates a container through the RBAC gateway.

The venv gets localazure and, as test-only packages, azure-identity and azure-storage-blob, at the lock's versions
(requirements-dev.txt as constraints; from the package index or pip's cache). Azurite comes from the checkout's
node_modules, found on PATH as it would be after `npm install azurite`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from localazure.fixtures import DEV_ACCOUNT_KEY
from localazure.stack import ENV_FILE, read_env

REPO = Path(__file__).resolve().parents[2]

CLIENT = """
import os, subprocess, sys
from azure.identity import DeviceCodeCredential
from azure.storage.blob import BlobServiceClient

state_dir, container = sys.argv[1], sys.argv[2]

def approve(verification_uri, user_code, expires_on):
    subprocess.run([sys.executable, "-m", "localazure", "approve", "--state-dir", state_dir, "--user", "alice@contoso.test", user_code],
                   check=True, timeout=120)

credential = DeviceCodeCredential(tenant_id=os.environ["LOCALAZURE_TENANT_ID"], authority=os.environ["LOCALAZURE_AUTHORITY"],
                                  disable_instance_discovery=True, prompt_callback=approve)
service = BlobServiceClient(os.environ["LOCALAZURE_BLOB_URL"], credential=credential, api_version="2025-11-05")
service.create_container(container)
print("created", container, "as", credential.authenticate(scopes=["https://storage.azure.com/.default"]).username)
"""


def lock_as_constraints(path: Path) -> Path:
    """requirements-dev.txt without its hashes: pins for whatever subset the fresh venv needs."""
    pins = [re.sub(r"\s*\\$", "", line) for line in (REPO / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
            if re.match(r"^[A-Za-z0-9._-]+==", line)]
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


def fresh_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(REPO / "node_modules" / ".bin"), env.get("PATH", "/usr/bin:/bin")])
    env["HOME"] = str(tmp_path / "home")
    env.update(extra)
    return env


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_localazure_alone_in_a_fresh_venv_serves_a_device_code_sign_in_that_creates_a_container(tmp_path):
    work = tmp_path / "elsewhere"  # not the checkout: nothing of pyazcopy's on sys.path
    work.mkdir()
    (tmp_path / "home").mkdir()
    source = tmp_path / "localazure-source"
    shutil.copytree(REPO / "localazure", source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"))
    venv = tmp_path / "venv"
    env = fresh_env(tmp_path)
    made = run([sys.executable, "-m", "venv", str(venv)], env, work)
    assert made.returncode == 0, made.stderr
    python = str(venv / "bin" / "python")

    installed = run([python, "-m", "pip", "install", "-q", "-c", str(lock_as_constraints(tmp_path / "constraints.txt")),
                     str(source), "azure-identity", "azure-storage-blob"], env, work)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    alone = run([python, "-c", "import localazure, importlib.util; print(importlib.util.find_spec('pyazcopy'))"], env, work)
    assert alone.returncode == 0 and alone.stdout.strip() == "None", alone.stdout + alone.stderr
    assert str(venv) in run([python, "-c", "import localazure; print(localazure.__file__)"], env, work).stdout

    state = tmp_path / "state"
    log = open(tmp_path / "up.log", "wb")
    up = subprocess.Popen([python, "-m", "localazure", "up", "--state-dir", str(state)], env=env, cwd=work, stdout=log,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    container = f"alone-{uuid.uuid4().hex[:8]}"
    try:
        deadline = time.monotonic() + 240
        while not (state / ENV_FILE).exists():
            assert up.poll() is None and time.monotonic() < deadline, (tmp_path / "up.log").read_text(errors="replace")
            time.sleep(0.2)
        stack_env = read_env(state)
        signed_in = run([python, "-c", CLIENT, str(state), container], fresh_env(tmp_path, **stack_env), work, timeout=300)
        assert signed_in.returncode == 0, signed_in.stdout + signed_in.stderr
        assert f"created {container} as alice@contoso.test" in signed_in.stdout

        direct = BlobServiceClient(stack_env["LOCALAZURE_BLOB_DIRECT_URL"], api_version="2025-11-05", connection_verify=stack_env["REQUESTS_CA_BUNDLE"],
                                   credential={"account_name": stack_env["LOCALAZURE_STORAGE_ACCOUNT"], "account_key": DEV_ACCOUNT_KEY})
        assert direct.get_container_client(container).exists()
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(60)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()
    assert up.returncode == 0, (tmp_path / "up.log").read_text(errors="replace")
