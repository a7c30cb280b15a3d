"""The flag table's machinery: every command and flag the CLI declares (read from its own parser), the registry of
rows, and the context each row runs in (one shared localazure stack, one container per row, the CLI in-process)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from copy_support import sas_url, write_tree
from test_copy_cli import SPN_APP, SPN_SECRET, Result, env_for, run

from pyazcopy.cli.parser import build_parser

REPO = Path(__file__).resolve().parents[2]
MSI_CLIENT_ID = "3a5a6ed0-0000-4000-8000-00000000a003"
MSI_OBJECT_ID = "3a5a6ed0-0000-4000-8000-00000000b003"


# --- what the CLI declares ---------------------------------------------------------------------------------------
def _subcommands(parser: argparse.ArgumentParser):
    """(name, parser, canonical name) for each sub-command of ``parser``; an alias maps to its canonical's parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            canonical: dict[int, str] = {}
            for name, sub in action.choices.items():  # argparse inserts a command's name before its aliases
                canonical.setdefault(id(sub), name)
                yield name, sub, canonical[id(sub)]


def declared_keys(parser: argparse.ArgumentParser | None = None) -> set[str]:
    """Every command (aliases included) and every flag of every command, as the table keys them:

    - a command: its words, e.g. ``"copy"``, ``"cp"``, ``"jobs rm"``, ``"login status"``;
    - a flag: the canonical command's words and the flag, e.g. ``"copy --block-blob-tier"``; the root's flags
      (``--version``, ``--help`` and the global flags) alone, e.g. ``"--log-level"``;
    - every command's ``--help``;
    - not the global flags again under each command (argparse repeats them there), nor the hidden ``--no-FLAG``
      spelling that implements Cobra's ``--FLAG=false`` (its ``--FLAG`` row covers it).
    """
    root = parser or build_parser()
    global_flags = {opt for action in root._actions for opt in action.option_strings if opt.startswith("--")} - {"--help", "--version"}
    keys: set[str] = set()

    def walk(p: argparse.ArgumentParser, words: tuple[str, ...]) -> None:
        longs = {opt for action in p._actions for opt in action.option_strings if opt.startswith("--")}
        for opt in longs:
            if words and opt in global_flags:
                continue
            if opt.startswith("--no-") and "--" + opt[len("--no-"):] in longs:
                continue
            keys.add(" ".join(words + (opt,)))
        for name, sub, canonical in _subcommands(p):
            keys.add(" ".join(words + (name,)))
            if name == canonical:
                walk(sub, words + (name,))

    walk(root, ())
    return keys


# --- the rows ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    key: str
    check: Callable[["Ctx"], None]
    xfail: str = ""  # a known gap: the row runs and must fail (strict), with this reason


ROWS: dict[str, Row] = {}


def row(*keys: str, xfail: str = ""):
    """Register ``check`` as the row of each key (one function may prove several keys, e.g. a command and its alias)."""

    def register(check: Callable[["Ctx"], None]):
        for key in keys:
            assert key not in ROWS, f"two rows for {key!r}"
            ROWS[key] = Row(key, check, xfail)
        return check

    return register


# --- the context a row runs in -----------------------------------------------------------------------------------
@dataclass
class Ctx:
    stack: object
    container: str
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    key: str = ""
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.stack.blob_url}/{self.container}"

    @property
    def home(self) -> Path:
        return self.tmp / "home"

    def sas(self, path: str = "", **kwargs) -> str:
        return sas_url(self.stack.blob_url, self.container, path, **kwargs)

    def env(self, **extra: str) -> dict[str, str]:
        return env_for(self.stack, self.home, **extra)

    def spn_env(self, **extra: str) -> dict[str, str]:
        """Auto-login as the service principal with a secret (nothing saved)."""
        return self.env(AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP, AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET,
                        AZCOPY_TENANT_ID=self.stack.tenant_id, **extra)

    def login_env(self, **extra: str) -> dict[str, str]:
        """For `login`: the kernel keyring as the secret store; `logout` runs after the row."""
        env = self.env(PYAZCOPY_TOKEN_STORE="kernel", **extra)
        self.cleanup.append(lambda: run(["logout"], env))
        return env

    def msi(self) -> None:
        """This process as App Service shows it to a managed identity (azure-identity reads os.environ)."""
        self.monkeypatch.setenv("IDENTITY_ENDPOINT", self.stack.env["LOCALAZURE_IDENTITY_ENDPOINT"])
        self.monkeypatch.setenv("IDENTITY_HEADER", self.stack.env["LOCALAZURE_IDENTITY_HEADER"])

    def run(self, args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> Result:
        return run(args, env if env is not None else self.env(), stdin)

    def ok(self, args: list[str], env: dict[str, str] | None = None) -> Result:
        result = self.run(args, env)
        assert result.code == 0, f"pyazcopy {_shown(args)} exited {result.code}:\n{result.out}"
        return result

    def fails(self, args: list[str], env: dict[str, str] | None = None) -> Result:
        result = self.run(args, env)
        assert result.code == 1, f"pyazcopy {_shown(args)} exited {result.code} (1 expected):\n{result.out}"
        return result

    def process(self, args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        env = dict(env if env is not None else self.env(), PYTHONPATH=str(REPO / "src"))
        return subprocess.run([sys.executable, "-m", "pyazcopy", *args], env=env, capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)

    def help_text(self, words: list[str]) -> str:
        """``pyazcopy WORDS --help`` in-process: argparse prints to sys.stdout and exits 0."""
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as ended:
            self.run([*words, "--help"])
        assert ended.value.code == 0
        return out.getvalue()

    # storage, read back through Azurite's own URL with the account key (as every test checks results)
    def client(self):
        return self.stack.shared_key_service().get_container_client(self.container)

    def blobs(self) -> dict[str, int]:
        return {b.name: b.size for b in self.client().list_blobs()}

    def props(self, name: str):
        return self.client().get_blob_client(name).get_blob_properties()

    def data(self, name: str) -> bytes:
        return self.client().download_blob(name).readall()

    def committed_blocks(self, name: str) -> int:
        committed, _ = self.client().get_blob_client(name).get_block_list("committed")
        return len(committed)

    def put(self, name: str, data: bytes, **kwargs) -> None:
        self.client().upload_blob(name, data, overwrite=True, **kwargs)

    def tree(self, files: dict[str, bytes], name: str = "src") -> Path:
        return write_tree(self.tmp / name, files)

    def failed_upload(self, files: int = 3) -> str:
        """A job that failed (its SAS expired before it started); returns its id."""
        from datetime import datetime, timedelta, timezone

        src = self.tree({f"f{i}.txt": f"file {i}".encode() for i in range(files)}, "failing")
        expired = self.sas(expiry=datetime.now(timezone.utc) - timedelta(minutes=5))
        result = self.fails(["copy", str(src), expired, "--recursive"])
        assert "Final Job Status: Failed" in result.out
        return job_id_of(result.out)


def _shown(args: list[str]) -> str:
    """The command line for a failure message, SAS signatures redacted (secrets stay out of test reports too)."""
    return re.sub(r"sig=[^&\s]+", "sig=REDACTED", " ".join(args))


def job_id_of(out: str) -> str:
    return out.split("Job ", 1)[1].split(" ", 1)[0]


def json_messages(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


class Approver:
    """Approves the next device code as ``upn`` (what the person does on the sign-in page), via the admin API."""

    def __init__(self, stack, upn: str) -> None:
        self.stack, self.upn, self.approved = stack, upn, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._approve, daemon=True)

    def _approve(self) -> None:
        deadline = time.monotonic() + 180
        while not self._stop.is_set() and time.monotonic() < deadline:
            pending = self.stack.admin("GET", "/device/pending").json().get("pending", [])
            if pending:
                self.stack.approve(pending[0]["user_code"], self.upn)
                self.approved.append(pending[0]["user_code"])
                return
            self._stop.wait(0.2)

    def __enter__(self) -> "Approver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(10)
