"""The second Blob account's configuration, role assignment stores and shared-key signing (issue 18's localazure)."""

from __future__ import annotations

import tomllib

import pytest

from localazure.config import DEFAULT_CONFIG_PATH, ConfigError, parse_config
from localazure.gateway import shared_key
from localazure.gateway.from_url import from_url_operation
from localazure.gateway.operations import BLOB_READ, BLOB_WRITE
from localazure.gateway.roles import Check, RoleAssignments

ALICE, BOB = "a11ce000-0000-4000-8000-000000000001", "b0b00000-0000-4000-8000-000000000002"


def default_document() -> dict:
    return tomllib.loads(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))


def test_default_config_gives_alice_both_accounts_and_bob_the_first_only():
    config = parse_config(default_document())
    assert (config.settings.storage_account, config.settings.second_storage_account) == ("devstoreaccount1", "devstoreaccount2")
    stores = RoleAssignments.for_accounts(config.role_assignments, ("devstoreaccount1", "devstoreaccount2"))
    first, second = stores["devstoreaccount1"], stores["devstoreaccount2"]
    assert first.allows(ALICE, Check((BLOB_WRITE,), "c")) and second.allows(ALICE, Check((BLOB_WRITE,), "c"))
    assert first.allows(BOB, Check((BLOB_READ,), "c"))
    assert not second.allows(BOB, Check((BLOB_READ,), "c"))
    ids = [a.id for store in stores.values() for a in store.list()]
    assert len(ids) == len(set(ids))  # one numbering across the accounts: an id names one assignment


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["role_assignments"][0].update(account="elsewhere"), "role_assignments[0].account: must name one of the Blob accounts (devstoreaccount1 or devstoreaccount2)"),
        (lambda d: d["settings"].update(second_storage_account="Not_An_Account"), "settings.second_storage_account: must be 3-24 lowercase letters and digits"),
        (lambda d: d["datalake"].update(account="devstoreaccount2"), "datalake.account: must be 3-24 lowercase letters and digits, other than the Blob account's name"),
    ],
)
def test_mistakes_name_the_field(mutate, message):
    document = default_document()
    mutate(document)
    with pytest.raises(ConfigError) as raised:
        parse_config(document, source="my.toml")
    assert message in str(raised.value)


def test_which_requests_are_from_url_operations():
    source = {"x-ms-copy-source": "https://127.0.0.1:1/a/c/b"}
    assert from_url_operation("PUT", {}, {**source, "x-ms-blob-type": "BlockBlob"}) == "Put Blob From URL"
    assert from_url_operation("PUT", {}, {**source, "x-ms-requires-sync": "true"}) == "Copy Blob From URL"
    assert from_url_operation("PUT", {}, source) is None  # the asynchronous Copy Blob: Azurite serves it
    assert from_url_operation("PUT", {"comp": "block"}, source) == "Put Block From URL"
    assert from_url_operation("PUT", {"comp": "appendblock"}, source) == "Append Block From URL"
    assert from_url_operation("PUT", {"comp": "page"}, source) == "Put Page From URL"
    assert from_url_operation("PUT", {"comp": "block"}, {}) is None
    assert from_url_operation("GET", {}, source) is None


def test_shared_key_signature_round_trip():
    key = b"k" * 64
    headers = {"x-ms-version": "2025-11-05", "x-ms-date": "Fri, 04 Dec 2026 20:00:00 GMT", "Content-Length": "0"}
    value = shared_key.authorization("acct", key, "PUT", "/acct/c/a%20b", "comp=block&blockid=QUFB", headers)
    assert value.startswith("SharedKey acct:")
    assert shared_key.verify(value.split(" ", 1)[1], "acct", key, "PUT", "/acct/c/a%20b", "comp=block&blockid=QUFB", headers)
    assert not shared_key.verify(value.split(" ", 1)[1], "acct", key, "PUT", "/acct/c/a%20b", "comp=block&blockid=QUFC", headers)
    assert not shared_key.verify(value.split(" ", 1)[1], "acct", b"x" * 64, "PUT", "/acct/c/a%20b", "comp=block&blockid=QUFB", headers)
