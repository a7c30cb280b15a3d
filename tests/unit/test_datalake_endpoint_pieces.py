"""The dfs endpoint's pieces that need no service: which URLs resolve to it (AzCopy's BlobFS), and the ACL advice a
refused request carries, naming the actual directories of the path."""

from __future__ import annotations

import pytest

from pyazcopy import endpoints
from pyazcopy.endpoints.datalake_errors import Need, acl_entries, dfs_error
from pyazcopy.endpoints.blob_transfer import parse_blob_url
from pyazcopy.errors import PermissionMismatchError, UsageError


def test_a_dfs_host_resolves_to_the_data_lake_endpoint_and_shows_no_signature():
    endpoint = endpoints.resolve("https://acct.dfs.core.windows.net/fs/a/b/?sv=2025-11-05&sp=r&sig=SECRETSIGNATURE")
    try:
        assert endpoint.kind == "BlobFS" and endpoint.features.real_directories and endpoint.features.posix_acls
        assert endpoint.base == "a/b/" and "SECRETSIGNATURE" not in endpoint.display
        assert endpoint.blob is not None and endpoint.blob.url.account_url == "https://acct.blob.core.windows.net"
    finally:
        endpoint.close()


def test_kind_says_the_service_of_a_path_style_url_and_blob_stays_the_default():
    assert endpoints.resolve("https://127.0.0.1:10000/acct/fs/dir").kind == "Blob"
    endpoint = endpoints.resolve("https://127.0.0.1:10000/acct/fs/dir", kind="BlobFS")
    assert endpoint.kind == "BlobFS" and endpoint.url.account_url == "https://127.0.0.1:10000/acct" and endpoint.blob is None
    assert endpoints.resolve("https://acct.blob.core.windows.net/fs", kind="BlobFS").url.account_url == "https://acct.dfs.core.windows.net"
    assert endpoints.resolve("https://acct.dfs.core.windows.net/fs", kind="Blob").url.account_url == "https://acct.blob.core.windows.net"
    with pytest.raises(UsageError, match="use Blob, BlobFS or File"):  # File: the Azure Files room (tests/unit/test_files_endpoint.py)
        endpoints.resolve("https://acct.dfs.core.windows.net/fs", kind="S3")


@pytest.mark.parametrize(("need", "path", "expected"), [
    (Need.CREATE, "a/b/c/new.txt", "write and execute (-wx) on the target directory /a/b/c, and execute (--x) on the filesystem's root / "
                                   "and on each parent directory /a, /a/b"),
    (Need.READ, "a/b/c/f.txt", "read (r--) on the file /a/b/c/f.txt, and execute (--x) on the filesystem's root / and on each parent "
                               "directory /a, /a/b, /a/b/c"),
    (Need.LIST, "a/b", "read and execute (r-x) on the directory /a/b, and execute (--x) on the filesystem's root / and on each parent directory /a"),
    (Need.CREATE, "top.txt", "write and execute (-wx) on the target directory /, and execute (--x) on the filesystem's root /"),
    (Need.STAT, "a/b/f.txt", "execute (--x) on the filesystem's root / and on each parent directory /a, /a/b"),
])
def test_the_acl_entries_name_the_directories_of_the_path(need, path, expected):
    assert acl_entries(need, path) == expected


def test_a_refused_write_names_the_role_and_the_acl_and_no_token():
    url = parse_blob_url("https://acct.dfs.core.windows.net/seed")
    body = b'{"error": {"code": "AuthorizationPermissionMismatch", "message": "This request is not authorized.\\nRequestId:1"}}'
    error = dfs_error("create", "https://acct.dfs.core.windows.net/seed/a/b/c/x.txt", 403, "AuthorizationPermissionMismatch", body, {}, url,
                      "a/b/c/x.txt", Need.CREATE, identity="carol@contoso.test")
    assert isinstance(error, PermissionMismatchError) and error.status == 403
    text = str(error)
    assert "Storage Blob Data Contributor" in text and "carol@contoso.test" in text
    assert "write and execute (-wx) on the target directory /a/b/c" in text and "/a, /a/b" in text
    assert text.count("This request is not authorized") == 1


def test_a_proxy_is_refused_with_what_to_do_and_no_proxy_lets_it_through():
    with pytest.raises(UsageError, match="through a proxy yet; add acct.dfs.core.windows.net to NO_PROXY"):
        endpoints.resolve("https://acct.dfs.core.windows.net/fs", proxies=(("https", "http://proxy:3128"),))
    endpoints.resolve("https://acct.dfs.core.windows.net/fs", proxies=(("https", "http://proxy:3128"), ("no", ".core.windows.net"))).close()
