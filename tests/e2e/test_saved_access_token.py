"""After `login`, a later command uses the access token saved with the login (no msal, no token request) until it
is within five minutes of expiry; then it redeems the refresh token and saves the new tokens back."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from conftest import Approver, Result, run_cli

from pyazcopy.auth.persisted_login import read_record, store_key
from pyazcopy.auth.secret_stores import KernelKeyringStore
from pyazcopy.settings import Settings

# the command, in a fresh process, then one line on stderr saying whether msal was imported
REPORTING_MSAL = ("import atexit, runpy, sys\n"
                  "atexit.register(lambda: print('msal imported:', 'msal' in sys.modules, file=sys.stderr))\n"
                  "sys.argv = ['pyazcopy', *sys.argv[1:]]\n"
                  "runpy.run_module('pyazcopy', run_name='__main__')\n")


def run_reporting_msal(args: list[str], env: dict[str, str]) -> Result:
    completed = subprocess.run([sys.executable, "-c", REPORTING_MSAL, *args], env=env, capture_output=True, text=True,
                               timeout=300, stdin=subprocess.DEVNULL)
    return Result(completed.returncode, completed.stdout, completed.stderr)


def saved_access_tokens(env: dict[str, str]) -> tuple[KernelKeyringStore, str, dict, dict]:
    store, key = KernelKeyringStore(), store_key(Settings.from_environment(env))
    secret = json.loads(store.read(key).decode())
    cache = json.loads(secret["msal_token_cache"])
    return store, key, secret, cache


def refresh_grants(localazure) -> int:
    return localazure.token_stats()["token_requests"].get("refresh_token", 0)


def test_commands_use_the_saved_access_token_without_msal_until_it_nears_expiry(localazure, cli_env):
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    with Approver(localazure, "alice@contoso.test") as approver:
        assert run_cli(["login", "--tenant-id", localazure.tenant_id], env).code == 0
    container = f"{localazure.blob_url}/e2e-saved-at-{approver.approved[0].lower().replace('-', '')}"
    assert read_record(Settings.from_environment(env)).username == "alice@contoso.test"

    grants = refresh_grants(localazure)
    made = run_reporting_msal(["make", container], env)
    assert made.code == 0, made.out + made.err
    assert "Successfully created the resource." in made.out
    assert "msal imported: False" in made.err
    listed = run_reporting_msal(["list", container, "--running-tally"], env)
    assert listed.code == 0 and "File count: 0" in listed.out, listed.out + listed.err
    assert "msal imported: False" in listed.err
    assert refresh_grants(localazure) == grants  # no token request at all

    # four minutes left: MSAL would refresh, so the command builds the full credential and redeems the refresh token
    store, key, secret, cache = saved_access_tokens(env)
    (entry,) = cache["AccessToken"].values()
    old_token = entry["secret"]
    entry["expires_on"] = str(int(time.time()) + 240)
    secret["msal_token_cache"] = json.dumps(cache)
    store.write(key, json.dumps(secret).encode())
    listed = run_reporting_msal(["list", container, "--running-tally"], env)
    assert listed.code == 0 and "File count: 0" in listed.out, listed.out + listed.err
    assert "msal imported: True" in listed.err
    assert refresh_grants(localazure) == grants + 1
    _, _, _, cache = saved_access_tokens(env)
    fresh = [e for e in cache["AccessToken"].values() if int(e["expires_on"]) > time.time() + 600]
    assert fresh and all(e["secret"] != old_token for e in fresh)  # the new token was saved for the next command

    again = run_reporting_msal(["list", container], env)
    assert again.code == 0 and "msal imported: False" in again.err, again.out + again.err
    assert refresh_grants(localazure) == grants + 1
    localazure.shared_key_service().delete_container(container.rsplit("/", 1)[1])
    assert run_cli(["logout"], env).code == 0
