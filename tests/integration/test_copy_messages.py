"""What `copy` (and `make`, `list`) say when something is wrong (issue 12 §3, §2): the service's codes as Azure writes
them, bad input refused before any job or log exists, and the right diagnosis for a file in the way of a directory, a
SAS with a bad signature or past its expiry, a port that is not a number and an unknown flag. `jobs resume` is
suggested only where resuming can help."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from copy_support import container_sas, sas_url, write_tree
from test_copy_cli import SPN_APP, SPN_SECRET, env_for, run


def _nothing_created(home) -> None:
    for kind in ("plans", "logs"):
        folder = home / kind
        assert not folder.exists() or not any(folder.iterdir()), f"{kind}: {list(folder.iterdir())}"


def test_make_shows_the_service_error_code_as_azure_writes_it(localazure, container, tmp_path):
    result = run(["make", f"{localazure.blob_url}/ab?{container_sas(container)}"], env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert "400 OutOfRangeInput" in result.out, result.out
    assert "StorageErrorCode" not in result.out and "OUT_OF_RANGE" not in result.out, result.out


def test_a_404_without_an_error_code_shows_only_the_status(localazure, tmp_path):
    # the identity provider's origin is not a storage service: it answers 404 with no x-ms-error-code
    url = f"{localazure.authority}/devstoreaccount1/nothing?sv=2025-11-05&sig=abc"
    result = run(["list", url], env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert "(404)" in result.out and "(404 )" not in result.out and "404 ." not in result.out, result.out


@pytest.mark.parametrize("name", ["ab", "Bad_Name", "double--hyphen", "-leading", "trailing-", "x" * 64])
def test_a_container_name_against_the_rules_is_refused_before_any_job(localazure, tmp_path, name):
    source = write_tree(tmp_path / "src", {"a.txt": b"a"})
    home = tmp_path / "home"
    result = run(["copy", str(source / "a.txt"), sas_url(localazure.blob_url, name)], env_for(localazure, home))
    assert result.code == 1, result.out
    assert "3-63 characters" in result.out and "no two hyphens in a row" in result.out and repr(name) in result.out, result.out
    assert "has started" not in result.out and "sig=" not in result.out
    _nothing_created(home)


def test_a_block_size_above_azcopys_maximum_is_refused_before_any_job(localazure, container, tmp_path):
    source = write_tree(tmp_path / "src", {"a.txt": b"a"})
    home = tmp_path / "home"
    env = env_for(localazure, home)
    for args in (["copy", str(source / "a.txt"), sas_url(localazure.blob_url, container, "a.txt"), "--block-size-mb=4001"],
                 ["copy", sas_url(localazure.blob_url, container, "a.txt"), str(tmp_path / "back.txt"), "--block-size-mb", "5000"]):
        result = run(args, env)
        assert result.code == 1, result.out
        assert "exceeds maximum allowed 4000.00MiB block size for a BlockBlob" in result.out, result.out  # AzCopy's wording
        assert "--block-size-mb=4000 or less" in result.out and "has started" not in result.out
    _nothing_created(home)


def test_a_download_below_a_file_names_the_component_that_is_not_a_directory(localazure, container, tmp_path):
    localazure.shared_key_service().get_container_client(container).upload_blob("inner.txt", b"inner")
    (tmp_path / "afile.txt").write_text("I am a file")
    result = run(["copy", sas_url(localazure.blob_url, container, "inner.txt"), str(tmp_path / "afile.txt" / "inner.txt")],
                 env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    error = next(line for line in result.out.splitlines() if line.startswith("ERROR"))
    assert "a path component is not a directory" in error and f"{tmp_path / 'afile.txt'} is a file" in error, error
    assert "File exists" not in result.out
    assert (tmp_path / "afile.txt").read_text() == "I am a file"


def test_a_sas_with_a_bad_signature_says_so_and_not_to_resume(localazure, container, tmp_path):
    source = write_tree(tmp_path / "src", {"a.txt": b"a", "b.txt": b"b"})
    good = sas_url(localazure.blob_url, container)
    bad = good[: good.index("sig=") + 4] + "AAAA" + good[good.index("sig=") + 4:]
    result = run(["copy", str(source), bad, "--recursive"], env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert "The SAS signature does not match" in result.out and "Generate a new SAS" in result.out, result.out
    assert "block this network" not in result.out
    assert result.out.count("The SAS signature does not match") == 1, result.out  # once for the job, one line per file
    assert "jobs resume" not in result.out and "fix it first, then run the copy again" in result.out


def test_an_expired_sas_says_when_it_expired_and_suggests_resume(localazure, container, tmp_path):
    source = write_tree(tmp_path / "src", {"a.txt": b"a"})
    expired = sas_url(localazure.blob_url, container, expiry=datetime.now(timezone.utc) - timedelta(minutes=5))
    result = run(["copy", str(source), expired, "--recursive"], env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert "the SAS expired at" in result.out and "signature does not match" not in result.out, result.out
    assert "jobs resume" in result.out  # a new SAS and a resume finish the job


def test_a_port_that_is_not_a_number_is_a_bad_port(localazure, container, tmp_path):
    source = write_tree(tmp_path / "src", {"a.txt": b"a"})
    host = urlsplit(localazure.blob_url).hostname
    env = env_for(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                  AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id)
    for url in (f"https://{host}:notaport/devstoreaccount1/{container}/a.txt",  # signed in: no advice about trusted endpoints
                f"https://{host}:notaport/devstoreaccount1/{container}/a.txt?{container_sas(container)}"):
        result = run(["copy", str(source / "a.txt"), url], env)
        assert result.code == 1, result.out
        assert "bad port 'notaport'" in result.out, result.out
        assert "PYAZCOPY_TRUSTED_ENDPOINTS" not in result.out and "unexpected error" not in result.out and "sig=" not in result.out


def test_an_unknown_flag_points_to_the_commands_own_help(localazure, container, tmp_path):
    env = env_for(localazure, tmp_path / "home")
    result = run(["copy", str(tmp_path), sas_url(localazure.blob_url, container), "--no-such-flag"], env)
    assert result.code == 1 and "unknown flag: --no-such-flag" in result.out and "`pyazcopy copy --help`" in result.out, result.out
    result = run(["jobs", "show", "--bogus", "x"], env)
    assert result.code == 1 and "`pyazcopy jobs show --help`" in result.out, result.out


def test_an_abbreviated_flag_is_unknown_as_in_cobra(localazure, container, tmp_path):
    """argparse would take ``--recur`` for ``--recursive``; AzCopy's Cobra does not, and a script written against
    pyazcopy must run unchanged under AzCopy."""
    env = env_for(localazure, tmp_path / "home")
    result = run(["copy", str(tmp_path), sas_url(localazure.blob_url, container), "--recur"], env)
    assert result.code == 1 and "unknown flag: --recur" in result.out, result.out
    result = run(["list", sas_url(localazure.blob_url, container), "--machine"], env)
    assert result.code == 1 and "unknown flag: --machine" in result.out, result.out
