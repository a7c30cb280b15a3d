"""Through localazure's RBAC gateway: a missing role names the role and the five-minute propagation; a token from the
wrong tenant gives the --tenant-id hint. JSON output carries the same message."""

from __future__ import annotations

import json

import pytest
from conftest import Approver, gateway_present, run_cli


@pytest.fixture(autouse=True)
def _needs_gateway(localazure):
    # A missing gateway is a broken stack, not a reason to skip: these are the only end-to-end checks of role messages.
    if not gateway_present(localazure):
        pytest.fail("localazure's RBAC gateway is not running: LOCALAZURE_BLOB_URL points at Azurite directly")


def _auto_device(cli_env, tenant: str) -> dict:
    return dict(cli_env, AZCOPY_AUTO_LOGIN_TYPE="DEVICE", AZCOPY_TENANT_ID=tenant)


def test_bob_reader_cannot_make_a_container(localazure, cli_env, container):
    with Approver(localazure, "bob@contoso.test"):
        result = run_cli(["make", f"{localazure.blob_url}/{container}-bob"], _auto_device(cli_env, localazure.tenant_id))
    assert result.code == 1, result.out
    assert "AuthorizationPermissionMismatch" in result.out
    assert "bob@contoso.test" in result.out and "create a container" in result.out
    assert "Storage Blob Data Contributor or Storage Blob Data Owner" in result.out
    assert "up to five minutes to propagate" in result.out


def test_carol_without_roles_cannot_list(localazure, cli_env, container):
    with Approver(localazure, "carol@contoso.test"):
        result = run_cli(["list", f"{localazure.blob_url}/{container}", "--output-type", "json"], _auto_device(cli_env, localazure.tenant_id))
    assert result.code == 1, result.out
    messages = [json.loads(line) for line in result.out.splitlines()]
    error = next(message for message in messages if message["MessageType"] == "Error")
    assert "AuthorizationPermissionMismatch" in error["MessageContent"]
    assert "Storage Blob Data Reader" in error["MessageContent"] and "list the blobs" in error["MessageContent"]
    assert "up to five minutes to propagate" in error["MessageContent"]


def test_wrong_tenant_token_gives_the_tenant_hint(localazure, cli_env, container):
    fabrikam = localazure.tenant("fabrikam").id
    with Approver(localazure, "dave@fabrikam.test"):
        result = run_cli(["list", f"{localazure.blob_url}/{container}"], _auto_device(cli_env, fabrikam))
    assert result.code == 1, result.out
    assert "--tenant-id" in result.out and "tenant" in result.out


def test_bob_reader_uploading_is_told_once_per_job_and_once_per_file(localazure, cli_env, container, tmp_path):
    """Issue 12: the copy names the user, the role and the propagation note once for the job; the server's text
    appears once; each failed file gets one line naming it; `jobs resume` is not suggested (it cannot help)."""
    names = [f"f{i}.txt" for i in range(6)]
    src = tmp_path / "src"
    src.mkdir()
    for name in names:
        (src / name).write_text(name)
    env = dict(_auto_device(cli_env, localazure.tenant_id), AZCOPY_JOB_PLAN_LOCATION=str(tmp_path / "plans"),
               AZCOPY_LOG_LOCATION=str(tmp_path / "logs"), AZCOPY_CONCURRENCY_VALUE="2")
    with Approver(localazure, "bob@contoso.test"):
        result = run_cli(["copy", str(src), f"{localazure.blob_url}/{container}", "--recursive"], env)
    out = result.out + result.err
    assert result.code == 1, out
    assert out.count("bob@contoso.test is signed in") == 1, out
    assert out.count("Storage Blob Data Contributor or Storage Blob Data Owner") == 1, out
    assert out.count("up to five minutes to propagate") == 1, out
    assert out.count("This request is not authorized to perform this operation using this permission") == 1, out  # the server's text
    assert "the signed-in identity" not in out
    errors = [line for line in out.splitlines() if line.startswith("ERROR:")]
    assert errors, out
    for line in errors:  # one short line per failed file, naming it
        assert sum(name in line for name in names) == 1 and "403 AuthorizationPermissionMismatch" in line, line
        assert "propagate" not in line and "bob@contoso.test" not in line, line
    assert "jobs resume" not in out, out

    with Approver(localazure, "bob@contoso.test"):
        as_json = run_cli(["copy", str(src), f"{localazure.blob_url}/{container}", "--recursive", "--output-type=json"], env)
    end = json.loads(next(json.loads(line)["MessageContent"] for line in as_json.out.splitlines()
                          if json.loads(line)["MessageType"] == "EndOfJob"))
    assert "bob@contoso.test is signed in" in end["ErrorMsg"] and "up to five minutes to propagate" in end["ErrorMsg"], end
    assert all("propagate" not in failed["ErrorMessage"] for failed in end["FailedTransfers"]), end
