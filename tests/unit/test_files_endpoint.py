"""The Azure Files endpoint without a service: which locations resolve to it, share-name rules, --from-to kinds,
the backup intent only with a token, temp names, and the listing order (hypothesis: any tree, listed by a directory
stand-in in shuffled order, comes out in code-point order of full names)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyazcopy import endpoints
from pyazcopy.endpoints.azure_files import FileShareEndpoint, temp_name
from pyazcopy.endpoints.file_share_client import FileShareUrl, ListedItem
from pyazcopy.endpoints.locations import from_to_kinds, share_name_problem
from pyazcopy.endpoints.protocol import Endpoint
from pyazcopy.errors import UsageError


class Token:
    def get_token(self, *scopes, **kwargs):  # never called: no request is sent here
        raise AssertionError("no token is needed to build an endpoint")


def test_a_file_core_windows_net_url_is_a_share_and_shows_no_signature():
    endpoint = endpoints.resolve("https://acct.file.core.windows.net/myshare/dir/sub?sv=2025-11-05&sp=r&sig=SECRETSIGNATURE")
    try:
        assert endpoint.kind == "File" and isinstance(endpoint, Endpoint)
        assert endpoint.features.ranged_writes and endpoint.features.real_directories and not endpoint.features.staged_blocks
        assert "SECRETSIGNATURE" not in endpoint.display and "SECRETSIGNATURE" not in repr(endpoint.url)
        assert endpoint.display == "https://acct.file.core.windows.net/myshare/dir/sub?<SAS redacted>"
        assert (endpoint.url.share, endpoint.base) == ("myshare", "dir/sub/")
        assert not endpoint.client.sends_intent  # a SAS request never carries the backup intent
    finally:
        endpoint.close()


def test_a_path_style_url_is_a_share_only_when_told():
    url = "https://127.0.0.1:10000/devstoreaccount1/myshare"
    assert endpoints.resolve(url).kind == "Blob"  # the default: a path-style URL cannot say its service
    endpoint = endpoints.resolve(url, Token(), kind="File")
    try:
        assert endpoint.kind == "File" and endpoint.url.account_url == "https://127.0.0.1:10000/devstoreaccount1" and endpoint.base == ""
        assert endpoint.client.sends_intent  # signed in: every request carries x-ms-file-request-intent: backup
        assert endpoint.client.path_of("a b/ü%.txt", "comp=range") == "/devstoreaccount1/myshare/a%20b/%C3%BC%25.txt?comp=range"
    finally:
        endpoint.close()


@pytest.mark.parametrize("share, said", [("ab", "has 2 characters"), ("My-Share", "is not valid"), ("a--b", "is not valid"),
                                         ("share-", "is not valid"), ("-share", "is not valid"), ("s" * 64, "has 64 characters")])
def test_a_bad_share_name_says_azure_s_rule(share, said):
    with pytest.raises(UsageError, match=f"the share name .*{said}; a share name has 3-63 characters.*fix the URL"):
        endpoints.resolve(f"https://acct.file.core.windows.net/{share}/x")
    assert share_name_problem("my-share-01") == ""


def test_a_url_without_a_share_or_a_local_path_told_file_is_refused(tmp_path):
    with pytest.raises(UsageError, match="names no file share"):
        endpoints.resolve("https://acct.file.core.windows.net/")
    with pytest.raises(UsageError, match="is not an Azure Files URL.*--from-to"):
        endpoints.resolve(str(tmp_path), kind="File")


def test_tokens_go_over_https_only():
    with pytest.raises(UsageError, match="only sent over https"):
        endpoints.resolve("http://127.0.0.1:10000/devstoreaccount1/myshare", Token(), kind="File")


@pytest.mark.parametrize("value, kinds", [("LocalFile", ("Local", "File")), ("FileLocal", ("File", "Local")), ("BlobFile", ("Blob", "File")),
                                          ("FileBlob", ("File", "Blob")), ("FileFile", ("File", "File")), ("BlobFSLocal", ("BlobFS", "Local")),
                                          ("localblob", ("Local", "Blob"))])
def test_from_to_values_name_both_kinds(value, kinds):
    assert from_to_kinds(value) == kinds


def test_a_bad_from_to_value_says_what_to_write():
    with pytest.raises(UsageError, match="invalid --from-to value 'LocalNowhere'.*LocalFile"):
        from_to_kinds("LocalNowhere")


def test_a_temp_name_sits_beside_the_final_name_within_255_characters():
    assert temp_name("a/b/c.txt", "0123abcd") == "a/b/.pyazcopy-0123abcd-c.txt"
    assert temp_name("top.txt", "0123abcd") == ".pyazcopy-0123abcd-top.txt"
    assert len(temp_name("d/" + "x" * 255, "0123abcd").split("/")[1]) == 255


class ShuffledDirectories:
    """A stand-in for FileShareClient.list_directory: a tree's children in a random order, as Azure Files may give them."""

    def __init__(self, files: set[str], seed: int) -> None:
        self.files, self.random = files, random.Random(seed)
        self.calls: list[str] = []

    def list_directory(self, path: str, prefix: str = ""):
        self.calls.append(path)
        inside = path + "/" if path else ""
        children: dict[str, bool] = {}
        for name in self.files:
            if name.startswith(inside):
                head, slash, _ = name[len(inside):].partition("/")
                children[head] = children.get(head, False) or bool(slash)
        items = [ListedItem(name, is_dir, 1, 0.0, "") for name, is_dir in children.items() if name.startswith(prefix)]
        self.random.shuffle(items)
        return iter(items)


SEGMENT = st.text(alphabet="ab-0~ é日%", min_size=1, max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(SEGMENT, min_size=1, max_size=4).map("/".join), min_size=0, max_size=25), st.integers(0, 2**32),
       st.sampled_from(["", "a", "a-", "a/", "b/a", "é"]))
def test_the_listing_is_in_code_point_order_of_full_names_whatever_the_service_order(paths, seed, prefix):
    files: set[str] = set()
    for path in sorted(paths, key=len):  # a name cannot be both a file and a directory: keep the first role it gets
        parts = path.split("/")
        if any("/".join(parts[:i]) in files for i in range(1, len(parts))) or any(f.startswith(path + "/") for f in files):
            continue
        files.add(path)
    endpoint = FileShareEndpoint(FileShareUrl("https://acct.file.core.windows.net", "share", ""), ShuffledDirectories(files, seed))  # type: ignore[arg-type]
    assert [entry.name for entry in endpoint.list(prefix)] == sorted(f for f in files if f.startswith(prefix))


def test_the_python_api_lists_a_files_url_through_the_files_room_and_refuses_make(tmp_path):
    from pyazcopy import api
    from pyazcopy.settings import Settings

    settings = Settings.from_environment({"HOME": str(tmp_path), "PYAZCOPY_CONFIG_DIR": str(tmp_path / "config")})
    with pytest.raises(UsageError, match="the share name 'Bad--Share' is not valid"):  # refused by the Files room, before any request
        api.list("https://acct.file.core.windows.net/Bad--Share?sv=2025-11-05&sig=x", settings=settings)
    with pytest.raises(UsageError, match="making Azure Files shares is not supported"):
        api.make("https://acct.file.core.windows.net/share?sv=2025-11-05&sig=x", settings=settings)
