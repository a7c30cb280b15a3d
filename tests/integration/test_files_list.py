"""`pyazcopy list` on Azure Files, in-process against localazure's File service: signed in as the stack's service
principal (Storage File Data Privileged Contributor) by auto-login, and with a share SAS. localazure's URL is path
style, so `--location=File` says it is a share (as AzCopy's --location does). Directories are listed with a trailing
"/", as AzCopy lists them; the order is code-point order of full names."""

from __future__ import annotations

import base64
import datetime
import hashlib
from urllib.parse import urlsplit

from azure.storage.fileshare import ContentSettings, ShareSasPermissions, generate_share_sas

from localazure.fixtures import DEV_ACCOUNT_KEY
from test_copy_cli import SPN_APP, SPN_SECRET, env_for, run

FILES = {"a.txt": b"alpha", "dir-1/x": b"x" * 1500, "dir/sub/deep ü%.bin": b"d" * 3, "empty": b""}


def seed(localazure, share: str) -> None:
    client = localazure.shared_key_file_service().get_share_client(share)
    for name, data in FILES.items():
        parts = name.split("/")
        for depth in range(1, len(parts)):
            try:
                client.create_directory("/".join(parts[:depth]))
            except Exception:  # noqa: BLE001 - made by an earlier name
                pass
        client.get_file_client(name).upload_file(data)


def files_env(localazure, home, **extra: str) -> dict[str, str]:
    origins = {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in (localazure.blob_url, localazure.file_url)}
    return env_for(localazure, home, PYAZCOPY_TRUSTED_ENDPOINTS=";".join(sorted(origins)), **extra)


def test_list_a_share_signed_in(localazure, file_share, tmp_path):
    seed(localazure, file_share)
    env = files_env(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                    AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id)
    result = run(["list", f"{localazure.file_url}/{file_share}", "--location=File", "--running-tally", "--machine-readable"], env)
    assert result.code == 0, result.out
    lines = [line for line in result.out.splitlines() if "Content Length" in line]
    assert lines == ["a.txt; Content Length: 5", "dir-1/; Content Length: 0", "dir-1/x; Content Length: 1500",
                     "dir/; Content Length: 0", "dir/sub/; Content Length: 0", "dir/sub/deep ü%.bin; Content Length: 3",
                     "empty; Content Length: 0"], result.out
    assert "File count: 7" in result.out and "Total file size: 1508" in result.out
    one_directory = run(["list", f"{localazure.file_url}/{file_share}/dir", "--location=File", "--properties=LastModifiedTime"], env)
    assert one_directory.code == 0, one_directory.out
    assert "sub/; LastModifiedTime: " in one_directory.out and "sub/deep ü%.bin; LastModifiedTime: " in one_directory.out
    assert "a.txt" not in one_directory.out
    md5 = hashlib.md5(b"d" * 3).digest()
    localazure.shared_key_file_service().get_share_client(file_share).get_file_client("dir/sub/deep ü%.bin").set_http_headers(
        ContentSettings(content_type="text/plain", content_md5=bytearray(md5)))
    headers = run(["list", f"{localazure.file_url}/{file_share}/dir/sub", "--location=File", "--properties=ContentType;ContentMD5"], env)
    assert headers.code == 0, headers.out
    shown = base64.b64encode(md5).decode("ascii")
    assert f"deep ü%.bin; ContentType: text/plain; ContentMD5: {shown}; Content Length: 3.00 B" in headers.out, headers.out


def test_list_a_share_with_a_sas_and_refuse_a_bad_share_name(localazure, file_share, tmp_path):
    seed(localazure, file_share)
    sas = generate_share_sas("devstoreaccount1", file_share, DEV_ACCOUNT_KEY, permission=ShareSasPermissions(read=True, list=True),
                             expiry=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    env = files_env(localazure, tmp_path / "home")
    result = run(["list", f"{localazure.file_url}/{file_share}?{sas}", "--location=File"], env)
    assert result.code == 0, result.out
    assert "dir-1/x; Content Length: 1.46 KiB" in result.out and "sig=" not in result.out
    bad = run(["list", f"{localazure.file_url}/Bad--Share?{sas}", "--location=File"], env)
    assert bad.code != 0 and "the share name 'Bad--Share' is not valid; a share name has 3-63 characters" in bad.out, bad.out
