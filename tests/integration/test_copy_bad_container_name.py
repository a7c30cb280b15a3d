"""A container name the service refuses (too short, capitals, underscores) gets one clear message and exit 1."""

from __future__ import annotations

import pytest
from copy_support import sas_url
from test_copy_cli import env_for, run


@pytest.mark.parametrize("name, code", [("ab", "OutOfRangeInput"), ("Bad_Name", "InvalidResourceName")])
def test_an_invalid_container_name_says_what_a_valid_one_is(localazure, tmp_path, name, code):
    source = tmp_path / "a.txt"
    source.write_text("a")
    result = run(["copy", str(source), sas_url(localazure.blob_url, name)], env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert code in result.out and "3-63 characters" in result.out, result.out
    assert result.out.count(f"400 {code}") == 1, result.out  # said once, not repeated by the error mapping
    assert "sig=" not in result.out
