"""pyazcopy side by side with rclone and the Azure CLI against the same fresh in-memory Azurite, all with one account SAS.

    bash bench/run.sh [--workloads W1,W2,W3,W4] [--reps 3] [--tools pyazcopy,rclone,az] [--json out.json]

Workloads: W1 5,000 x 16 KiB files in 50 folders, W2 200 x 4 MiB, W3 one 1 GiB file, each uploaded (folder ->
container/src) and downloaded back (container/src -> folder, verified byte for byte); W4 `copy --dry-run` planning of
1,000,000 local files and `list` of a container of --list-blobs blobs (Azurite started on a database written by
bench/azurite_seed.py, not filled with Put Blob); AUTH (with --auth-compare) pyazcopy's SAS path
against its OAuth path (bearer token from localazure's Entra emulator) on the same HTTPS Azurite.

Per repetition the tools run in a rotated order; each (tool, repetition) gets a fresh Azurite, so every upload starts
on an empty service and every download reads what that tool uploaded. A cell is measured with wait4 (user+sys CPU
and peak RSS of the tool's process tree); meanwhile the CPU of Azurite and of every other process on the machine is
recorded; a cell during which other processes used more than --disturbed-cores is run again (up to --retries times),
keeping the quietest attempt. Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import (  # noqa: E402
    Azurite, Measurement, account_sas, container_client, listed, remove_tree, run_measured, same_tree,
)
from bench.azurite_seed import default_names, seed  # noqa: E402
from bench.tools import PYAZCOPY, TOOLS, PyAzCopy, Target, base_env  # noqa: E402

KiB, MiB, GiB = 1024, 1024 ** 2, 1024 ** 3
WORKLOADS = {  # name -> (folders, files per folder, bytes per file)
    "W1": (50, 100, 16 * KiB),
    "W2": (1, 200, 4 * MiB),
    "W3": (1, 1, 1 * GiB),
    "W0": (5, 40, 16 * KiB),  # a smoke test of the harness itself
    "W1s": (10, 100, 16 * KiB),  # 1,000 of W1's files: the OAuth/SAS comparison of small files over HTTPS
}


def make_data(root: Path, workload: str) -> Path:
    """The source tree of a workload (random bytes), made once and reused."""
    folders, per_folder, size = WORKLOADS[workload]
    src = root / workload / "src"
    done = root / workload / ".complete"
    if done.exists():
        return src
    remove_tree(src)
    pattern = os.urandom(8 * MiB)
    for d in range(folders):
        directory = src / (f"folder{d:02d}" if folders > 1 else "")
        directory.mkdir(parents=True, exist_ok=True)
        for f in range(per_folder):
            with open(directory / f"file{f:05d}.bin", "wb") as handle:
                left = size
                salt = os.urandom(16)
                while left:
                    piece = pattern[: min(left, len(pattern))]
                    handle.write(salt + piece[16:] if left == size and len(piece) > 16 else piece)
                    left -= len(piece)
    done.touch()
    return src


def count_tree(src: Path) -> tuple[int, int]:
    files = [p for p in src.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


class Runner:
    def __init__(self, args) -> None:
        self.args = args
        self.work = Path(args.work_dir)
        self.work.mkdir(parents=True, exist_ok=True)
        self.sas = account_sas()
        self.results: list[Measurement] = []
        self.log = self.work / "tools.log"
        # Downloaded trees are kept until the end of the run: ext4 skips inodes freed in the last 60-300 s when it
        # allocates new ones (ialloc.c, recently_deleted), and scanning past them cost a download that started
        # soon after another tool's 5,000 files were deleted a quarter of its CPU (perf). Every tool gets a
        # file system in the same state this way.
        self.kept_downloads: list[Path] = []
        self._download_serial = 0

    # --- one cell, re-run when disturbed ----------------------------------------------------------------------
    def cell(self, tool, workload: str, direction: str, rep: int, make_command, verify, azurite: Azurite, files: int, nbytes: int,
             before=None) -> Measurement:
        best: Measurement | None = None
        for attempt in range(1, self.args.retries + 2):
            if before is not None:
                before()
            target_env = tool.env(self.target(azurite, tool))
            raw = run_measured(make_command(), target_env, azurite, self.log, timeout=self.args.timeout)
            ok, note = verify() if raw["exit_code"] == 0 else (False, f"exit code {raw['exit_code']} (see {self.log})")
            m = Measurement(tool.name, workload, direction, rep, files=files, bytes=nbytes, verified=ok, note=note, attempt=attempt, **raw)
            m.disturbed = m.others_cpu_s / m.wall_s > self.args.disturbed_cores
            print(f"  {workload} {direction:8} {tool.name:9} rep {rep} try {attempt}: {m.wall_s:7.2f} s  {m.mb_per_s:7.1f} MB/s "
                  f"{m.files_per_s:7.1f} files/s  cpu {m.cpu_s:6.2f} s  rss {m.peak_rss_mb:5.0f} MB  azurite {m.azurite_cpu_s:5.1f} s  "
                  f"others {m.others_cpu_s / m.wall_s:4.2f} cores{'  DISTURBED' if m.disturbed else ''}  {note}", flush=True)
            if best is None or (m.verified, -m.others_cpu_s / m.wall_s) > (best.verified, -best.others_cpu_s / best.wall_s):
                best = m
            if not m.disturbed or not m.verified:
                break
        self.results.append(best)
        self.save()
        return best

    def target(self, azurite: Azurite, tool) -> Target:
        return Target(azurite.account_url, "bench", self.sas, self.work / "scratch" / tool.name)

    # --- W1-W3 ------------------------------------------------------------------------------------------------
    def transfer_workload(self, workload: str, tools: list) -> None:
        src = make_data(self.work / "data", workload)
        files, nbytes = count_tree(src)
        print(f"{workload}: {files} files, {nbytes / MiB:.0f} MiB", flush=True)
        for rep in range(1, self.args.reps + 1):
            order = tools[(rep - 1) % len(tools):] + tools[: (rep - 1) % len(tools)]
            for tool in order:
                self.up_and_down(tool, workload, rep, src, files, nbytes)

    def up_and_down(self, tool, workload: str, rep: int, src: Path, files: int, nbytes: int, azurite_factory=None, label: str = "") -> None:
        out = self.work / "out" / "pending"
        expected = {f"src/{p.relative_to(src).as_posix()}": p.stat().st_size for p in src.rglob("*") if p.is_file()}
        azurite = (azurite_factory or (lambda: Azurite(self.work / "azurite")))()
        azurite.start()
        try:
            target = self.target(azurite, tool)

            def fresh_container() -> None:
                client = container_client(azurite, "bench")
                if client.exists():
                    client.delete_container()
                    while client.exists():
                        time.sleep(0.2)
                client.create_container()

            def verify_upload():
                got = listed(azurite, "bench", "src/")
                return (got == expected, f"{len(got)} blobs listed" + ("" if got == expected else " (differs from the source)"))

            self.cell(tool, workload, label + "upload", rep, lambda: tool.upload(src, target), verify_upload, azurite, files, nbytes,
                      before=fresh_container)

            def clear_out() -> None:  # a new empty directory for every attempt; the last one is set aside below
                nonlocal out
                self._download_serial += 1
                out = self.work / "out" / f"{workload}-{label}{tool.name}-{rep}-{self._download_serial}"
                self.kept_downloads.append(out)
                remove_tree(out)
                out.mkdir(parents=True)

            self.cell(tool, workload, label + "download", rep, lambda: tool.download(target, out), lambda: same_tree(src, out / "src"),
                      azurite, files, nbytes, before=clear_out)
        finally:
            azurite.stop()
            remove_tree(self.work / "scratch" / tool.name / "plans")

    def remove_kept_downloads(self) -> None:
        for path in self.kept_downloads:
            remove_tree(path)
        self.kept_downloads.clear()

    # --- W4 ---------------------------------------------------------------------------------------------------
    def dry_run_workload(self, tools: list) -> None:
        count = self.args.dry_run_files
        src = self.work / "data" / f"W4-{count}" / "src"
        marker = src.parent / ".complete"
        if not marker.exists():
            started = time.monotonic()
            remove_tree(src)
            per = 1000
            for d in range(-(-count // per)):
                directory = src / f"folder{d:04d}"
                directory.mkdir(parents=True)
                for f in range(min(per, count - d * per)):
                    open(directory / f"f{f:04d}", "wb").close()
            marker.touch()
            print(f"W4: made {count} empty files in {time.monotonic() - started:.0f} s", flush=True)
        for rep in range(1, self.args.reps + 1):
            with Azurite(self.work / "azurite") as azurite:
                container_client(azurite, "bench").create_container()
                for tool in tools[(rep - 1) % len(tools):] + tools[: (rep - 1) % len(tools)]:
                    if tool.name == "az" and count > self.args.az_dry_run_max:
                        continue
                    target = self.target(azurite, tool)
                    self.cell(tool, "W4", "dry-run", rep, lambda: tool.dry_run(src, target), lambda: (True, ""), azurite, count, 0)

    def list_workload(self, tools: list) -> None:
        """List one container of --list-blobs empty blobs with each tool in turn. The blobs are not sent with Put Blob
        (Azurite scans its blob list on every request, so that fill is quadratic: hours for 100,000): bench/azurite_seed.py
        writes Azurite's database and Azurite starts on it (--location). Each cell is verified: every name listed, once."""
        count = self.args.list_blobs
        names = default_names(count)
        expected = sorted(names)
        location = self.work / "azurite-seeded"
        remove_tree(location)
        started = time.monotonic()
        seed(location, names=names, container="bench")
        seeded = time.monotonic() - started
        with Azurite(self.work / "azurite", location=location) as azurite:
            loaded = time.monotonic() - started - seeded
            print(f"W4: seeded Azurite's database with {count} blobs in {seeded:.1f} s; Azurite loaded it in {loaded:.1f} s", flush=True)
            for rep in range(1, self.args.reps + 1):
                for tool in tools[(rep - 1) % len(tools):] + tools[: (rep - 1) % len(tools)]:
                    target = self.target(azurite, tool)
                    offset = [0]

                    def before() -> None:
                        offset[0] = self.log.stat().st_size if self.log.exists() else 0

                    def verify(tool=tool) -> tuple[bool, str]:
                        with open(self.log, "rb") as log:
                            log.seek(offset[0])
                            text = log.read().decode("utf-8", "replace")
                        got = sorted(tool.listed_names(text))
                        if got == expected:
                            return True, f"{len(got)} names listed"
                        missing, extra = len(set(expected) - set(got)), len(set(got) - set(expected))
                        return False, f"{len(got)} names listed ({missing} missing, {extra} unexpected, {len(got) - len(set(got))} repeated)"

                    m = self.cell(tool, "W4", "list", rep, lambda: tool.list(target), verify, azurite, count, 0, before=before)
                    m.extra["seed_seconds"] = seeded
                    m.extra["azurite_load_seconds"] = loaded

    # --- OAuth against SAS ------------------------------------------------------------------------------------
    def auth_compare(self, workloads: list[str]) -> None:
        """pyazcopy with a SAS, with SPN auto-login (a token requested per command) and with a saved device-code
        login of a user (the login `pyazcopy login` keeps in the kernel keyring), on the same HTTPS Azurite."""
        from localazure.fixtures import LocalAzure

        stack = LocalAzure.start(self.work / "localazure")
        login_env: dict[str, str] = {}
        try:
            direct = stack.env["LOCALAZURE_BLOB_DIRECT_URL"].rstrip("/")
            origin = direct.rsplit("/", 1)[0]
            common = {"REQUESTS_CA_BUNDLE": stack.ca_bundle, "SSL_CERT_FILE": stack.ca_bundle, "PYAZCOPY_TRUSTED_ENDPOINTS": origin,
                      "AZCOPY_ACTIVE_DIRECTORY_ENDPOINT": stack.authority}
            oauth = {**common, "AZCOPY_AUTO_LOGIN_TYPE": "SPN", "AZCOPY_SPA_APPLICATION_ID": "5e1f0000-0000-4000-8000-00000000a001",
                     "AZCOPY_SPA_CLIENT_SECRET": "local-test-secret-not-for-production", "AZCOPY_TENANT_ID": stack.tenant_id,
                     "PYAZCOPY_CONFIG_DIR": str(self.work / "scratch" / "oauth" / ".pyazcopy")}
            login_env = {**common, "PYAZCOPY_TOKEN_STORE": "kernel", "PYAZCOPY_CONFIG_DIR": str(self.work / "scratch" / "login" / ".pyazcopy")}
            _device_login(stack, base_env(None, login_env))
            port = int(origin.rsplit(":", 1)[1])
            for workload in workloads:
                src = make_data(self.work / "data", workload)
                files, nbytes = count_tree(src)
                for rep in range(1, self.args.reps + 1):
                    order = [PyAzCopy(common, "pyazcopy-sas"), _OAuthPyAzCopy(oauth, "pyazcopy-oauth"), _OAuthPyAzCopy(login_env, "pyazcopy-login")]
                    k = (rep - 1) % len(order)
                    for tool in order[k:] + order[:k]:
                        factory = lambda: _ExistingAzurite(port, stack.ca_bundle, self.work)  # noqa: E731
                        self.up_and_down(tool, workload, rep, src, files, nbytes, azurite_factory=factory, label="")
        finally:
            if login_env:
                subprocess.run([str(PYAZCOPY), "logout"], env=base_env(None, login_env), capture_output=True, timeout=60)
            stack.stop()

    # --- output -----------------------------------------------------------------------------------------------
    def save(self) -> None:
        if self.args.json:
            Path(self.args.json).write_text(json.dumps([m.as_dict() for m in self.results], indent=1))


class _OAuthPyAzCopy(PyAzCopy):
    """pyazcopy with the same URLs minus the SAS: its auto-login (SPN) or saved login brings the bearer token."""

    def upload(self, source, target):
        return super().upload(source, _no_sas(target))

    def download(self, target, destination):
        return super().download(_no_sas(target), destination)


def _device_login(stack, env: dict[str, str]) -> None:
    """`pyazcopy login` (device code) as alice, approved through localazure's admin API as a person would in a browser."""
    login = subprocess.Popen([str(PYAZCOPY), "login", "--tenant-id", stack.tenant_id], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 60
    while login.poll() is None and time.monotonic() < deadline:
        pending = stack.admin("GET", "/device/pending").json().get("pending", [])
        if pending:
            stack.approve(pending[0]["user_code"], "alice@contoso.test")
            break
        time.sleep(0.2)
    output, _ = login.communicate(timeout=60)
    if login.returncode != 0:
        raise RuntimeError(f"bench: pyazcopy login failed ({login.returncode}): {output[-500:]}")


def _no_sas(target: Target) -> Target:
    class NoSas(Target):
        def url(self, path: str = "") -> str:
            return super().url(path).split("?", 1)[0]
    return NoSas(target.account_url, target.container, target.sas, target.scratch)


class _ExistingAzurite(Azurite):
    """localazure's own Azurite (HTTPS, --oauth basic): not started or stopped here; its container is emptied per cell."""

    def __init__(self, port: int, ca_bundle: str, work: Path) -> None:
        super().__init__(work / "azurite", ca_bundle=ca_bundle)
        self.port, self.cert = port, Path("tls")
        import psutil

        self._pid = next((c.info["pid"] for c in psutil.process_iter(["pid", "cmdline"])
                          if "azurite-blob" in " ".join(c.info["cmdline"] or []) and f"{port}" in (c.info["cmdline"] or [])), None)
        self.process = type("P", (), {"pid": self._pid})() if self._pid else None

    def start(self, timeout: float = 60.0) -> "Azurite":
        return self

    def stop(self) -> None:
        client = container_client(self, "bench")
        if client.exists():
            client.delete_container()


def summarize(results: list[Measurement]) -> str:
    """Markdown: medians per (workload, direction, tool) and pyazcopy's ratios against each peer."""
    groups: dict[tuple[str, str], dict[str, list[Measurement]]] = {}
    for m in results:
        groups.setdefault((m.workload, m.direction), {}).setdefault(m.tool, []).append(m)
    lines = ["| workload | direction | tool | n | wall s | MB/s | files/s | client CPU s | CPU ms/file | CPU s/GiB | peak RSS MB | "
             "Azurite CPU s | others (cores) | verified |", "|" + "---|" * 14]
    ratio_lines = ["| workload | direction | peer | pyazcopy speed / peer | pyazcopy CPU / peer | pyazcopy RSS / peer |", "|---|---|---|---|---|---|"]
    for (workload, direction), by_tool in groups.items():
        medians = {}
        for tool, ms in by_tool.items():
            med = lambda f: statistics.median(f(m) for m in ms)  # noqa: E731
            wall, cpu = med(lambda m: m.wall_s), med(lambda m: m.cpu_s)
            files, nbytes = ms[0].files, ms[0].bytes
            medians[tool] = dict(wall=wall, mbps=med(lambda m: m.mb_per_s), fps=med(lambda m: m.files_per_s), cpu=cpu,
                                 rss=med(lambda m: m.peak_rss_mb))
            lines.append(f"| {workload} | {direction} | {tool} | {len(ms)} | {wall:.2f} | {medians[tool]['mbps']:.1f} | {medians[tool]['fps']:.0f} | "
                         f"{cpu:.2f} | {1000 * cpu / files if files else 0:.2f} | {cpu / (nbytes / GiB) if nbytes else 0:.2f} | "
                         f"{medians[tool]['rss']:.0f} | {med(lambda m: m.azurite_cpu_s):.1f} | {med(lambda m: m.others_cpu_s / m.wall_s):.2f} | "
                         f"{sum(m.verified for m in ms)}/{len(ms)} |")
        mine = next((t for t in medians if t.startswith("pyazcopy")), None)
        for peer in medians:
            if mine is None or peer == mine:
                continue
            a, b = medians[mine], medians[peer]
            ratio_lines.append(f"| {workload} | {direction} | {peer} | {b['wall'] / a['wall']:.2f}x | {a['cpu'] / b['cpu']:.2f} | {a['rss'] / b['rss']:.2f} |")
    return "\n".join(lines) + "\n\n" + "\n".join(ratio_lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="W1,W2,W3,W4")
    parser.add_argument("--tools", default="pyazcopy,rclone,az")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--retries", type=int, default=1, help="extra attempts for a cell during which other processes were busy")
    parser.add_argument("--disturbed-cores", type=float, default=0.5, help="others' CPU (in cores) above which a cell is disturbed")
    parser.add_argument("--dry-run-files", type=int, default=1_000_000)
    parser.add_argument("--az-dry-run-max", type=int, default=100_000, help="skip az's --dryrun above this many files (too slow)")
    parser.add_argument("--list-blobs", type=int, default=100_000)
    parser.add_argument("--auth-compare", default="", help="workloads for pyazcopy SAS vs OAuth on HTTPS Azurite, e.g. W1,W2")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--work-dir", default="/tmp/pyazcopy-bench")
    parser.add_argument("--json", default="")
    parser.add_argument("--markdown", default="")
    args = parser.parse_args(argv)
    tools = [TOOLS[name]() for name in args.tools.split(",") if name]
    # SIGTERM (pkill) unwinds like Ctrl-C, so the running tool and Azurite, each in a session of its own, are stopped
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    runner = Runner(args)
    started = time.monotonic()
    print(f"bench: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; work dir {runner.work}", flush=True)
    try:
        for workload in [w for w in args.workloads.split(",") if w]:
            if workload in WORKLOADS:
                runner.transfer_workload(workload, tools)
            elif workload == "W4":
                runner.dry_run_workload(tools)
                runner.list_workload(tools)
            elif workload == "W4dry":
                runner.dry_run_workload(tools)
            elif workload == "W4list":
                runner.list_workload(tools)
            else:
                parser.error(f"unknown workload {workload}")
        if args.auth_compare:
            runner.auth_compare(args.auth_compare.split(","))
    finally:
        runner.remove_kept_downloads()
    table = summarize(runner.results)
    print(f"\nMedians ({time.monotonic() - started:.0f} s in all):\n\n{table}")
    if args.markdown:
        Path(args.markdown).write_text(table)
    return 0 if all(m.verified for m in runner.results) else 1


if __name__ == "__main__":
    sys.exit(main())
