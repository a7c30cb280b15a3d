"""AzCopy's output formats and the settings table."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import example, given, strategies as st

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output, byte_size, parse_properties
from pyazcopy.model import DEFAULT_AUTHORITY, ListedObject, ListSummary, LoginType, OutputFormat
from pyazcopy.settings import DEFAULT_AUTHORITY as SETTINGS_DEFAULT_AUTHORITY, ENVIRONMENT_VARIABLES, Settings


def test_byte_size_like_azcopy():
    assert byte_size(0) == "0.00 B"
    assert byte_size(1023) == "1023.00 B"
    assert byte_size(1024) == "1.00 KiB"
    assert byte_size(1536 * 1024) == "1.50 MiB"
    assert byte_size(1000, mega_units=True) == "1.00 KB"


@given(st.integers(min_value=0, max_value=2**62))
@example(1048571)
def test_byte_size_mantissa_below_base(size):
    number, unit = byte_size(size).split()
    scale = 1024 ** ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"].index(unit)
    # the mantissa is below the base before it is rounded to 2 decimals, so 1048571 bytes shows as "1024.00 KiB", as
    # AzCopy's ByteSizeToString (FormatFloat 'f', 2) shows it too
    assert float(number) <= 1024 or unit == "EiB"
    assert abs(float(number) * scale - size) <= 0.005 * scale + 1e-9 * size


def test_properties_are_case_insensitive_and_ordered():
    assert parse_properties("blobtype;LastModifiedTime;nonsense;") == ["BlobType", "LastModifiedTime"]


def _output(fmt):
    stream = io.StringIO()
    return Output(Environment(stdout=stream, env={}), fmt), stream


def test_list_object_text_and_json():
    item = ListedObject("dir/a.txt", 2048, last_modified=datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc), blob_type="BlockBlob")
    text, stream = _output(OutputFormat.TEXT)
    text.list_object(item, ["LastModifiedTime", "BlobType"], machine_readable=False, mega_units=False)
    assert stream.getvalue() == "dir/a.txt; LastModifiedTime: 2024-05-01 10:00:00 +0000 GMT; BlobType: BlockBlob; Content Length: 2.00 KiB\n"
    js, stream = _output(OutputFormat.JSON)
    js.list_object(item, ["BlobType"], machine_readable=True, mega_units=False)
    envelope = json.loads(stream.getvalue())
    assert envelope["MessageType"] == "ListObject" and set(envelope) == {"TimeStamp", "MessageType", "MessageContent", "PromptDetails"}
    assert json.loads(envelope["MessageContent"]) == {"Path": "dir/a.txt", "BlobType": "BlockBlob", "ContentLength": "2048"}
    js.list_summary(ListSummary(3, 10), machine_readable=True, mega_units=False)
    assert json.loads(json.loads(stream.getvalue().splitlines()[-1])["MessageContent"]) == {"FileCount": "3", "TotalFileSize": "10"}


def test_login_type_is_case_insensitive_and_names_valid_values():
    assert LoginType.parse("azcli") is LoginType.AZCLI
    with pytest.raises(ValueError, match="DEVICE, BROWSER, SPN, MSI, AZCLI, PSCRED, WORKLOAD"):
        LoginType.parse("bogus")


def test_settings_from_environment():
    settings = Settings.from_environment({"HOME": "/h", "AZCOPY_AUTO_LOGIN_TYPE": "device", "PYAZCOPY_TRUSTED_ENDPOINTS": "https://127.0.0.1:1/; https://x:2", "PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE": "1"})
    assert settings.config_dir == Path("/h/.pyazcopy")
    assert settings.trusted_endpoints == ("https://127.0.0.1:1", "https://x:2")
    assert settings.allow_plaintext_store and settings.auto_login_type == "device"
    assert "secret" not in repr(Settings(config_dir=Path("/"), spa_client_secret="secret"))
    assert SETTINGS_DEFAULT_AUTHORITY == DEFAULT_AUTHORITY
    hidden = {variable.name for variable in ENVIRONMENT_VARIABLES if variable.hidden}
    assert {"AZCOPY_SPA_CLIENT_SECRET", "AZCOPY_SPA_CERT_PASSWORD"} <= hidden
