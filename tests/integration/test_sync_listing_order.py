"""What `sync`'s merge relies on: LocalEndpoint.list and BlobContainer.list yield code-point order of full names
('-' < '.' < '/' < '0', non-ASCII by code point), checked the way sync checks it (``sync_compare.in_order``)."""

from __future__ import annotations

import pytest
from copy_support import sas_url, write_tree

from pyazcopy.endpoints import resolve
from pyazcopy.engine.sync_compare import ListingOrderError, in_order

NAMES = ["a-b", "a.txt", "a/b", "a/b-c", "a/c/d", "a0", "b", "Z", "%41", "sp ace", "é", "éx/y", "ﬀ", "中", "ｚ"]
ASTRAL = ["\U0001f600", "\U0001f601/x", "ｚ"]  # U+1F600 sorts after U+FF5A by code point, before it in UTF-16 code units


def listed(endpoint) -> list[str]:
    return [entry.name for entry in in_order(endpoint.list(), "test", endpoint.display)]


@pytest.mark.parametrize("names", [NAMES, ASTRAL], ids=["bmp", "astral"])
def test_local_listing_is_in_code_point_order(tmp_path, names):
    root = write_tree(tmp_path / "src", {name: b"x" for name in names})
    assert listed(resolve(str(root))) == sorted(names)


def _blob_listing(localazure, container, names):
    client = localazure.shared_key_service().get_container_client(container)
    for name in names:
        client.upload_blob(name, b"x")
    endpoint = resolve(sas_url(localazure.blob_url, container), connection_verify=localazure.ca_bundle)
    try:
        return listed(endpoint)
    finally:
        endpoint.close()


def test_blob_listing_is_in_code_point_order(localazure, container):
    assert _blob_listing(localazure, container, NAMES) == sorted(NAMES)


def test_blob_listing_with_characters_beyond_the_bmp_stops_sync(localazure, container):
    """Azurite (JavaScript) lists in UTF-16 code-unit order, so a name with a character beyond U+FFFF comes before
    U+E000-U+FFFF. The order check catches it: the listing stops with a ListingOrderError that names both names, so
    sync deletes nothing (what real Azure returns for such names is not checked here)."""
    with pytest.raises(ListingOrderError) as raised:
        _blob_listing(localazure, container, ASTRAL)
    assert "out of name order" in str(raised.value) and "ｚ" in str(raised.value), raised.value
