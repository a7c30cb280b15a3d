"""requirements-dev.txt, the hash-checked lock scripts/setup.sh installs (issue 22), matches what pyproject.toml and
localazure/pyproject.toml declare, and .venv holds exactly its versions. `bash scripts/lock.sh` updates it."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements-dev.txt"
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def locked() -> dict[str, tuple[Version, str | None, int]]:
    """name -> (version, environment marker, number of hashes)."""
    pins: dict[str, tuple[Version, str | None, int]] = {}
    name = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match.group(1))
            pins[name] = (Version(match.group(2)), match.group(3), 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            found, marker, hashes = pins[name]
            pins[name] = (found, marker, hashes + 1)
    return pins


def declared() -> list[tuple[str, Requirement]]:
    """Every requirement the development environment installs: pyazcopy's own and its [dev] extra, localazure's own and
    its [pytest] extra."""
    requirements = []
    for path, extras in ((REPO / "pyproject.toml", ("dev",)), (REPO / "localazure" / "pyproject.toml", ("pytest",))):
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        lines = list(project["dependencies"]) + [line for extra in extras for line in project["optional-dependencies"][extra]]
        requirements += [(f"{path.relative_to(REPO)}: {line}", Requirement(line)) for line in lines]
    return requirements


def test_every_declared_requirement_is_locked_at_a_version_it_allows():
    pins = locked()
    problems = []
    for where, requirement in declared():
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{where}: not in the lock")
        elif not requirement.specifier.contains(pinned[0], prereleases=True):
            problems.append(f"{where}: the lock has {pinned[0]}")
    assert not problems, "requirements-dev.txt is out of date; run `bash scripts/lock.sh`:\n" + "\n".join(problems)


def test_every_pin_is_exact_and_carries_hashes():
    pins = locked()
    assert len(pins) > 30  # the parser still reads the file
    assert not [name for name, (_, _, hashes) in pins.items() if hashes == 0]
    text = LOCK.read_text(encoding="utf-8")
    assert "--index-url" not in text and "--find-links" not in text and "--extra-index-url" not in text  # machine-specific
    for tool in ("pip-tools", "setuptools", "pip"):  # the lock tool and what builds the editable installs are locked too
        assert tool in pins


def test_the_venv_holds_the_locked_versions():
    """What setup installed is what the lock says (a stale .venv, or an install that skipped the lock, shows here)."""
    differing = {}
    for name, (pinned, marker, _) in locked().items():
        if marker and not Requirement(f"{name}; {marker}").marker.evaluate():
            continue
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            differing[name] = (str(pinned), str(installed))
    assert not differing, f"locked vs installed: {differing}; run `bash scripts/setup.sh`"


def test_the_azure_cli_the_tests_install_is_pinned():
    """scripts/install-azure-cli.sh pins one release, and the venv the tests run `az` from holds that release."""
    script = (REPO / "scripts" / "install-azure-cli.sh").read_text(encoding="utf-8")
    match = re.search(r'^AZURE_CLI_VERSION="\$\{AZURE_CLI_VERSION:-(\d+\.\d+\.\d+)\}"$', script, re.MULTILINE)
    assert match, "install-azure-cli.sh must pin AZURE_CLI_VERSION to one release"
    venv = Path(os.environ.get("AZURE_CLI_VENV", REPO / ".cache" / "azure-cli-venv"))
    if (venv / "bin" / "python").exists():
        installed = subprocess.run([str(venv / "bin" / "python"), "-c", "from importlib.metadata import version; print(version('azure-cli'))"],
                                   capture_output=True, text=True, timeout=120)
        assert installed.stdout.strip() == match.group(1), installed.stdout + installed.stderr
