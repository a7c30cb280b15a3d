"""The measuring parts of the peer benchmark: a fresh in-memory Azurite, SAS tokens, one measured child process, the
load other processes put on the machine meanwhile, and byte-for-byte verification. Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "devstoreaccount1"
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Azurite:
    """A fresh in-memory Azurite blob service: plain HTTP, or HTTPS with ``--oauth basic`` when a cert is given. With
    ``location``, Azurite persists to (and starts from) that directory instead, e.g. one bench/azurite_seed.py wrote."""

    def __init__(self, workdir: Path, cert: Path | None = None, key: Path | None = None, ca_bundle: str | None = None,
                 location: Path | None = None) -> None:
        self.workdir, self.cert, self.key, self.ca_bundle = workdir, cert, key, ca_bundle
        self.location = location
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.cert else "http"

    @property
    def account_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{ACCOUNT}"

    def start(self, timeout: float = 60.0) -> "Azurite":
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [str(PROJECT_ROOT / "node_modules" / ".bin" / "azurite-blob"), "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
                   *(["--location", str(self.location)] if self.location else ["--inMemoryPersistence"]), "--disableTelemetry",
                   "--skipApiVersionCheck"]
        if self.cert:
            command += ["--oauth", "basic", "--cert", str(self.cert), "--key", str(self.key)]
        log = open(self.workdir / "azurite.log", "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                        cwd=self.workdir)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"Azurite exited ({self.process.returncode}); see {self.workdir / 'azurite.log'}")
            try:
                requests.get(f"{self.account_url}?comp=list", timeout=2, verify=self.ca_bundle or True)
                return self
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Azurite did not answer on port {self.port}") from None
                time.sleep(0.2)

    def cpu_seconds(self) -> float:
        try:
            t = psutil.Process(self.process.pid).cpu_times()
            return t.user + t.system
        except (psutil.Error, AttributeError):
            return 0.0

    def rss_mb(self) -> float:
        try:
            return psutil.Process(self.process.pid).memory_info().rss / 1e6
        except (psutil.Error, AttributeError):
            return 0.0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> "Azurite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def account_sas(hours: float = 6) -> str:
    """One account SAS (service b, containers and objects, every data permission) that every tool uses."""
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    return generate_account_sas(ACCOUNT, DEV_ACCOUNT_KEY, ResourceTypes(service=True, container=True, object=True),
                                AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True, create=True),
                                expiry=datetime.now(timezone.utc) + timedelta(hours=hours))


def container_client(azurite: Azurite, container: str):
    from azure.storage.blob import ContainerClient

    return ContainerClient(azurite.account_url, container, credential={"account_name": ACCOUNT, "account_key": DEV_ACCOUNT_KEY},
                           api_version="2025-11-05", connection_verify=azurite.ca_bundle or True)


def listed(azurite: Azurite, container: str, prefix: str = "") -> dict[str, int]:
    """name -> size of every blob under ``prefix``."""
    return {b.name: b.size for b in container_client(azurite, container).list_blobs(name_starts_with=prefix or None)}


# --- the load on the machine ---------------------------------------------------------------------------------
def busy_cpu_seconds() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine since boot, steal seconds) from /proc/stat."""
    fields = open("/proc/stat").readline().split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK


@dataclass
class Measurement:
    tool: str
    workload: str
    direction: str
    rep: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    peak_rss_mb: float
    files: int
    bytes: int
    exit_code: int
    azurite_cpu_s: float = 0.0
    others_cpu_s: float = 0.0  # CPU seconds used by every other process on the machine during the cell
    steal_s: float = 0.0
    load_before: float = 0.0
    verified: bool = False
    disturbed: bool = False
    attempt: int = 1
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_sys_s

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.wall_s if self.wall_s else 0.0

    @property
    def files_per_s(self) -> float:
        return self.files / self.wall_s if self.wall_s else 0.0

    def as_dict(self) -> dict:
        out = asdict(self)
        out.update(cpu_s=self.cpu_s, mb_per_s=self.mb_per_s, files_per_s=self.files_per_s)
        return out


def run_measured(command: list[str], env: dict[str, str], azurite: Azurite | None, log_path: Path, cwd: Path | None = None,
                 timeout: float = 3600.0) -> dict:
    """Run ``command`` to its end; wall time, the CPU and peak RSS of its whole process tree (wait4), Azurite's CPU and
    everybody else's CPU meanwhile."""
    load_before = os.getloadavg()[0]
    az_before = azurite.cpu_seconds() if azurite else 0.0
    busy_before, steal_before = busy_cpu_seconds()
    me_before = _own_cpu()
    with open(log_path, "ab") as log:
        log.write(("\n$ " + " ".join(_redact(c) for c in command) + "\n").encode())
        log.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd,
                                   start_new_session=True)
        deadline = started + timeout
        hwm = 0
        polls = 0
        try:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    os.killpg(process.pid, signal.SIGKILL)
                if polls % 10 == 0:
                    hwm = max(hwm, _vm_hwm(process.pid))
                polls += 1
                time.sleep(0.005)
        except BaseException:  # the bench itself stopped (Ctrl-C, SIGTERM): the tool must not live on in its own session
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    busy_after, steal_after = busy_cpu_seconds()
    az_cpu = (azurite.cpu_seconds() - az_before) if azurite else 0.0
    client = usage.ru_utime + usage.ru_stime
    others = max(0.0, (busy_after - busy_before) - client - az_cpu - (_own_cpu() - me_before))
    # wait4's ru_maxrss also counts the bench's own pages the child held between fork and exec: use VmHWM (reset
    # at exec), sampled every ~50 ms; ru_maxrss only when the child was too short-lived to be sampled
    return dict(wall_s=wall, cpu_user_s=usage.ru_utime, cpu_sys_s=usage.ru_stime, peak_rss_mb=(hwm or usage.ru_maxrss * 1024) / 1e6,
                exit_code=process.returncode, azurite_cpu_s=az_cpu, others_cpu_s=others, steal_s=steal_after - steal_before,
                load_before=load_before)


def _vm_hwm(pid: int) -> int:
    """Peak resident set (bytes) of the process since its exec, from /proc; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _redact(text: str) -> str:
    return text.split("?", 1)[0] + "?<SAS>" if "sig=" in text and "?" in text else ("<SAS>" if "sig=" in text else text)


def same_tree(expected: Path, actual: Path) -> tuple[bool, str]:
    """Every file of ``expected`` exists under ``actual`` with the same bytes, and nothing else is there."""
    want = {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
    got = {p.relative_to(actual).as_posix() for p in actual.rglob("*") if p.is_file()} if actual.exists() else set()
    if not want:
        return False, f"no source files under {expected}"
    if want != got:
        missing, extra = sorted(want - got)[:3], sorted(got - want)[:3]
        return False, f"{len(want - got)} missing (e.g. {missing}), {len(got - want)} unexpected (e.g. {extra})"
    filecmp.clear_cache()
    for rel in sorted(want):
        if not filecmp.cmp(expected / rel, actual / rel, shallow=False):
            return False, f"{rel} differs"
    return True, f"{len(want)} files identical"


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
