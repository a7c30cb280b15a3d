"""The conformance suite's endpoints: every test here runs once per endpoint kind, against the real thing.

- ``local``: a directory under the test's tmp_path;
- ``blob``: a virtual directory of a fresh container, through localazure's RBAC gateway, signed in as the stack's
  service principal (Storage Blob Data Contributor) with a client secret;
- ``files``: a directory of a fresh share on localazure's File service, signed in as the same service principal
  (Storage File Data Privileged Contributor), so every request carries the backup intent;
- ``datalake``, ``datalake-acl`` and ``blob-hns``: the account with a hierarchical namespace (datalake_locations.py).

A new endpoint kind joins by adding its parameter to ``ENDPOINT_KINDS`` and a branch to ``make_endpoint`` (and, for
the killed-writer test, to ``writer_child.py``); docs/ARCHITECTURE.md, "Adding an endpoint"."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from pyazcopy import endpoints

from datalake_locations import DATALAKE_KINDS, datalake_child_env, datalake_endpoint, datalake_location

ENDPOINT_KINDS = ["local", "blob", "files", *DATALAKE_KINDS]
SPN_APP = "5e1f0000-0000-4000-8000-00000000a001"  # pipeline-secret-app of localazure's default config
SPN_SECRET = "local-test-secret-not-for-production"  # a local test fixture, valid nowhere else


@pytest.fixture(scope="session")
def spn_credential(localazure):
    from azure.identity import ClientSecretCredential

    return ClientSecretCredential(localazure.tenant_id, SPN_APP, SPN_SECRET, authority=localazure.authority, disable_instance_discovery=True)


@pytest.fixture(params=ENDPOINT_KINDS)
def location(request, tmp_path: Path) -> dict[str, str]:
    """What names the endpoint under test: ``{"kind", "text"}`` (a path, or a URL without a SAS)."""
    if request.param == "local":
        return {"kind": "local", "text": str(tmp_path / "endpoint root")}
    if request.param in DATALAKE_KINDS:
        return datalake_location(request, request.param)
    localazure = request.getfixturevalue("localazure")
    if request.param == "files":
        return {"kind": "files", "text": f"{localazure.file_url}/{request.getfixturevalue('file_share')}/area"}
    container = request.getfixturevalue("container")
    return {"kind": "blob", "text": f"{localazure.blob_url}/{container}/area"}


@pytest.fixture
def endpoint(request, location) -> Iterator:
    if location["kind"] == "local":
        yield endpoints.resolve(location["text"])
        return
    if location["kind"] in DATALAKE_KINDS:
        found = datalake_endpoint(request, location)
        yield found
        found.close()
        return
    localazure = request.getfixturevalue("localazure")
    found = endpoints.resolve(location["text"], request.getfixturevalue("spn_credential"), connection_verify=localazure.ca_bundle,
                              kind="File" if location["kind"] == "files" else "")
    yield found
    found.close()


@pytest.fixture
def child_env(request, location) -> dict[str, str]:
    """The environment of a child process that opens the same endpoint (writer_child.py)."""
    env = dict(os.environ)
    if location["kind"] in DATALAKE_KINDS:
        env.update(datalake_child_env(request, location))
    if location["kind"] in ("blob", "files"):
        localazure = request.getfixturevalue("localazure")
        env.update(CONFORMANCE_TENANT=localazure.tenant_id, CONFORMANCE_AUTHORITY=localazure.authority,
                   CONFORMANCE_CA_BUNDLE=localazure.ca_bundle, CONFORMANCE_APP=SPN_APP, CONFORMANCE_SECRET=SPN_SECRET,
                   CONFORMANCE_KIND="File" if location["kind"] == "files" else "")
    return env
