"""How each peer is asked to upload a folder to ``container/src`` and to download ``container/src`` back to a folder,
all with the same account SAS against the same Azurite. Every tool runs with its own defaults (what a user gets).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench.harness import ACCOUNT, PROJECT_ROOT

AZ = Path(os.environ.get("AZURE_CLI_VENV", PROJECT_ROOT / ".cache" / "azure-cli-venv")) / "bin" / "az"
PYAZCOPY = PROJECT_ROOT / ".venv" / "bin" / "pyazcopy"


DISCARD_OUTPUT = ["sh", "-c", 'exec "$@" >/dev/null 2>&1', "sh"]  # the tool replaces the shell (same pid): its own CPU and RSS


@dataclass(frozen=True)
class Target:
    account_url: str  # http://127.0.0.1:P/devstoreaccount1
    container: str
    sas: str
    scratch: Path  # a directory the tool may keep its state in (plans, config)

    def url(self, path: str = "") -> str:
        return f"{self.account_url}/{self.container}" + (f"/{quote(path)}" if path else "") + "?" + self.sas


def base_env(target: Target, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZCOPY_", "RCLONE_", "AZURE_"))}
    env.update(extra or {})
    return env


class PyAzCopy:
    name = "pyazcopy"

    def __init__(self, env: dict[str, str] | None = None, name: str = "pyazcopy") -> None:
        self.extra_env = env or {}
        self.name = name

    def env(self, target: Target) -> dict[str, str]:
        return base_env(target, {"AZCOPY_JOB_PLAN_LOCATION": str(target.scratch / "plans"), "AZCOPY_LOG_LOCATION": str(target.scratch / "logs"),
                                 "HOME": str(target.scratch), **self.extra_env})

    def upload(self, source: Path, target: Target) -> list[str]:
        return [str(PYAZCOPY), "copy", str(source), target.url(), "--recursive", "--output-level", "quiet"]

    def download(self, target: Target, destination: Path) -> list[str]:
        return [str(PYAZCOPY), "copy", target.url("src"), str(destination), "--recursive", "--output-level", "quiet"]

    def dry_run(self, source: Path, target: Target) -> list[str]:
        # one DRYRUN line per file, as AzCopy (which refuses --output-level quiet with --dry-run), into /dev/null
        return [*DISCARD_OUTPUT, str(PYAZCOPY), "copy", str(source), target.url(), "--recursive", "--dry-run"]

    def list(self, target: Target) -> list[str]:
        return [str(PYAZCOPY), "list", target.url()]

    @staticmethod
    def listed_names(output: str) -> list[str]:
        """The blob names in `list`'s text output (``name; Content Length: 0.00 B``)."""
        return [line.rsplit("; Content Length: ", 1)[0] for line in output.splitlines() if "; Content Length: " in line]


class Rclone:
    name = "rclone"

    def env(self, target: Target) -> dict[str, str]:
        config = target.scratch / "rclone.conf"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.touch()
        return base_env(target, {"RCLONE_CONFIG": str(config), "HOME": str(target.scratch)})

    def _sas(self, target: Target) -> list[str]:
        return ["--azureblob-sas-url", f"{target.account_url}?{target.sas}"]

    def upload(self, source: Path, target: Target) -> list[str]:
        return ["rclone", "copy", "-q", *self._sas(target), str(source), f":azureblob:{target.container}/src"]

    def download(self, target: Target, destination: Path) -> list[str]:
        return ["rclone", "copy", "-q", *self._sas(target), f":azureblob:{target.container}/src", str(destination / "src")]

    def dry_run(self, source: Path, target: Target) -> list[str]:
        # one NOTICE line per file (no -q), like pyazcopy's DRYRUN lines, into /dev/null
        return [*DISCARD_OUTPUT, "rclone", "copy", "--dry-run", *self._sas(target), str(source), f":azureblob:{target.container}/src"]

    def list(self, target: Target) -> list[str]:
        return ["rclone", "lsl", *self._sas(target), f":azureblob:{target.container}"]

    @staticmethod
    def listed_names(output: str) -> list[str]:
        """The names in `rclone lsl`'s output (``     size date time name``)."""
        return [parts[3] for parts in (line.split(None, 3) for line in output.splitlines() if not line.startswith("$ "))
                if len(parts) == 4 and parts[0].isdigit()]


class AzureCli:
    name = "az"

    def env(self, target: Target) -> dict[str, str]:
        config = target.scratch / "azure"
        config.mkdir(parents=True, exist_ok=True)
        return base_env(target, {"AZURE_CONFIG_DIR": str(config), "AZURE_CORE_COLLECT_TELEMETRY": "false", "HOME": str(target.scratch),
                                 "AZURE_CORE_NO_COLOR": "true"})

    def _auth(self, target: Target) -> list[str]:
        return ["--account-name", ACCOUNT, "--blob-endpoint", target.account_url, "--sas-token", target.sas, "--output", "none",
                "--only-show-errors"]

    def upload(self, source: Path, target: Target) -> list[str]:
        return [str(AZ), "storage", "blob", "upload-batch", "--destination", target.container, "--destination-path", "src",
                "--source", str(source), *self._auth(target)]

    def download(self, target: Target, destination: Path) -> list[str]:
        destination.mkdir(parents=True, exist_ok=True)
        return [str(AZ), "storage", "blob", "download-batch", "--source", target.container, "--destination", str(destination),
                "--pattern", "src/*", *self._auth(target)]

    def dry_run(self, source: Path, target: Target) -> list[str]:
        return [str(AZ), "storage", "blob", "upload-batch", "--dryrun", "--destination", target.container, "--destination-path", "src",
                "--source", str(source), *self._auth(target)]

    def list(self, target: Target) -> list[str]:
        return [str(AZ), "storage", "blob", "list", "--container-name", target.container, "--num-results", "*",
                *self._auth(target)[:-3], "--output", "tsv", "--query", "[].[name, properties.contentLength]", "--only-show-errors"]

    @staticmethod
    def listed_names(output: str) -> list[str]:
        """The names in the tsv output (``name<TAB>size``)."""
        return [line.split("\t", 1)[0] for line in output.splitlines() if "\t" in line and not line.startswith("$ ")]


TOOLS = {"pyazcopy": PyAzCopy, "rclone": Rclone, "az": AzureCli}
