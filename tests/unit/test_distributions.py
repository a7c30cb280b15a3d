"""pyazcopy's wheel holds only pyazcopy (not localazure, its default passwords or its test CA code), and localazure's
own wheel holds every file of localazure (issue 22). Each wheel is built from a copy of its sources, with the locked
setuptools, so the checkout is not written to."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")


def build_wheel(project: Path, out: Path) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(out), str(project)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    [wheel] = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_pyazcopy_wheel_contains_only_pyazcopy(tmp_path):
    project = tmp_path / "pyazcopy"  # what a clean clone has: the files git tracks, localazure/ included
    tracked = subprocess.run(["git", "-C", str(REPO), "ls-files", "-z"], capture_output=True, check=True, timeout=60).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, project / name)
    files = build_wheel(project, tmp_path / "wheels")
    assert "pyazcopy/__init__.py" in files and "pyazcopy/cli/main.py" in files
    outside = [name for name in files if name.split("/")[0] not in ("pyazcopy", "pyazcopy-0.1.0.dist-info")]
    assert not outside, f"pyazcopy's wheel ships files that are not pyazcopy: {outside}"
    assert not [name for name in files if "localazure" in name]


def test_localazure_wheel_contains_all_of_localazure_and_nothing_else(tmp_path):
    project = tmp_path / "localazure"
    shutil.copytree(REPO / "localazure", project, ignore=IGNORED)
    files = build_wheel(project, tmp_path / "wheels")
    sources = {"localazure/" + path.relative_to(REPO / "localazure").as_posix()
               for path in (REPO / "localazure").rglob("*") if path.suffix == ".py" and "__pycache__" not in path.parts}
    missing = sources - set(files)
    assert not missing, f"localazure's wheel leaves out {sorted(missing)} (a new subpackage? list it in localazure/pyproject.toml)"
    assert "localazure/default_config.toml" in files
    assert all(name.split("/")[0] in ("localazure", "localazure-0.1.0.dist-info") for name in files), files
    assert "localazure/pyproject.toml" not in files
