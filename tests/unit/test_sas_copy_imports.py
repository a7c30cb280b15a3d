"""A SAS copy's start-up does not load the sign-in and pipeline libraries (about 0.3-0.5 s of CPU): they are imported
only when a token or a proxy needs them."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("requests", "azure.core", "azure.identity", "msal", "azure.storage.blob")


def test_the_copy_command_path_imports_none_of_the_heavy_libraries():
    code = ("import sys\n"
            "import pyazcopy.cli.main, pyazcopy.cli.copy_command, pyazcopy.api, pyazcopy.engine.job, pyazcopy.engine.transfer\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"imported at start-up: {result.stdout.strip()}"


def test_the_version_written_in_logs_is_the_packages_version():
    import tomllib
    from pathlib import Path

    import pyazcopy
    from pyazcopy.engine.joblog import _version

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert _version() == pyazcopy.__version__ == project["project"]["version"]
