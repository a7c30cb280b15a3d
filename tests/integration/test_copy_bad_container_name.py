"""A container name the service would refuse (too short, capitals, underscores) gets one clear message and exit 1,
before any request, job or log (test_copy_messages.py has the full set of rules)."""

from __future__ import annotations

import pytest
from copy_support import sas_url
from test_copy_cli import env_for, run


@pytest.mark.parametrize("name", ["ab", "Bad_Name"])
def test_an_invalid_container_name_says_what_a_valid_one_is(localazure, tmp_path, name):
    source = tmp_path / "a.txt"
    source.write_text("a")
    result = run(["copy", str(source), sas_url(localazure.blob_url, name)], env_for(localazure, tmp_path / "home"))
    assert result.code == 1, result.out
    assert "3-63 characters" in result.out and f"the container name {name!r}" in result.out, result.out
    assert result.out.count("3-63 characters") == 1, result.out  # said once
    assert "sig=" not in result.out
