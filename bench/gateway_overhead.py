"""Throughput through localazure's RBAC gateway against Azurite direct, with the same bearer token and client.

    .venv/bin/python bench/gateway_overhead.py [--size-mib 256] [--repetitions 5] [--clients raw,sdk]

Starts a private localazure stack, then for each repetition uploads and downloads one blob of --size-mib through
the gateway and straight to Azurite (the order alternates between repetitions, to spread drift). Two clients:
"raw" is one streamed Put Blob and one streamed Get Blob over `requests`; "sdk" is azure-storage-blob with four
parallel 4 MiB blocks / ranges. It prints the medians, the gateway/direct ratio, the CPU seconds per GiB that the
gateway, Azurite and the client spent, and how much CPU other processes used meanwhile (a busy machine makes the
wall-clock figures unreliable: re-run then). Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from localazure.fixtures import LocalAzure, RepeatedBody, trust_stack_ca, unique_container_name  # noqa: E402

AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"
API_VERSION = "2025-11-05"
MIB = 1 << 20


class Sink:
    """A seekable writer that keeps nothing (azure-storage-blob's parallel download wants seek and tell)."""

    def __init__(self) -> None:
        self.position = self.written = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.position + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def write(self, data) -> int:
        self.position += len(data)
        self.written += len(data)
        return len(data)


class StaticToken:
    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3000)


@dataclass
class Cpu:
    """CPU seconds (user + system) of the gateway process, Azurite, this client, and everything else."""

    processes: dict[str, psutil.Process]

    def now(self) -> dict[str, float]:
        values = {}
        for name, process in self.processes.items():
            times = process.cpu_times()
            values[name] = times.user + times.system
        total = psutil.cpu_times()
        values["machine"] = total.user + total.system + total.nice + getattr(total, "irq", 0) + getattr(total, "softirq", 0)
        return values

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        spent = {name: after[name] - before[name] for name in before}
        spent["others"] = max(0.0, spent.pop("machine") - sum(spent.values()))
        return spent


@dataclass
class Results:
    rows: list[dict] = field(default_factory=list)

    def add(self, **row) -> None:
        self.rows.append(row)
        print(f"  {row['client']:3} {row['target']:7} {row['direction']:8} {row['mb_per_s']:6.1f} MB/s  "
              f"cpu s/GiB: gateway {row['cpu_gateway']:.2f} azurite {row['cpu_azurite']:.2f} client {row['cpu_client']:.2f} others {row['cpu_others']:.2f}", flush=True)


def transfer(client: str, base: str, token: str, size: int, pattern: bytes, cpu: Cpu, results: Results, target: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "x-ms-version": API_VERSION}
    container = unique_container_name("bench")
    requests.put(f"{base}/{container}?restype=container", headers=headers, timeout=60).raise_for_status()
    gib = size / (1 << 30)
    try:
        for direction in ("upload", "download"):
            before, started = cpu.now(), time.monotonic()
            if client == "raw" and direction == "upload":
                response = requests.put(f"{base}/{container}/blob", data=RepeatedBody(pattern, size), timeout=1800,
                                        headers={**headers, "x-ms-blob-type": "BlockBlob", "Content-Length": str(size)})
                response.raise_for_status()
            elif client == "raw":
                with requests.get(f"{base}/{container}/blob", headers=headers, stream=True, timeout=1800) as response:
                    response.raise_for_status()
                    received = sum(len(chunk) for chunk in response.iter_content(MIB))
                assert received == size, received
            else:
                from azure.storage.blob import BlobClient

                blob = BlobClient(base, container, "blob", credential=StaticToken(token), api_version=API_VERSION, max_single_put_size=4 * MIB, max_block_size=4 * MIB)
                if direction == "upload":
                    blob.upload_blob(RepeatedBody(pattern, size), length=size, max_concurrency=4, overwrite=True)
                else:
                    sink = Sink()
                    blob.download_blob(max_concurrency=4).readinto(sink)
                    assert sink.written == size, sink.written
            seconds = time.monotonic() - started
            spent = Cpu.spent(before, cpu.now())
            results.add(client=client, target=target, direction=direction, seconds=seconds, mb_per_s=size / seconds / 1e6,
                        cpu_gateway=spent["gateway"] / gib, cpu_azurite=spent["azurite"] / gib, cpu_client=spent["client"] / gib, cpu_others=spent["others"] / gib)
    finally:
        requests.delete(f"{base}/{container}?restype=container", headers=headers, timeout=120)


def summarize(results: Results) -> dict:
    summary = {}
    for client in sorted({r["client"] for r in results.rows}):
        for direction in ("upload", "download"):
            medians = {}
            for target in ("gateway", "direct"):
                rows = [r for r in results.rows if (r["client"], r["direction"], r["target"]) == (client, direction, target)]
                medians[target] = {key: statistics.median(r[key] for r in rows) for key in ("mb_per_s", "cpu_gateway", "cpu_azurite", "cpu_client", "cpu_others")}
            summary[f"{client} {direction}"] = {**medians, "ratio": medians["gateway"]["mb_per_s"] / medians["direct"]["mb_per_s"]}
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--clients", default="raw,sdk", help="comma-separated: raw, sdk")
    parser.add_argument("--json", type=Path, default=None, help="also write every measurement and the summary here")
    args = parser.parse_args()
    size, pattern = args.size_mib * MIB, os.urandom(4 * MIB)
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as state:
        stack = LocalAzure.start(Path(state))
        try:
            trust_stack_ca(stack.env)
            gateway_process = psutil.Process(stack.process.pid)
            azurite = next(p for p in gateway_process.children(recursive=True) if "node" in p.name())
            cpu = Cpu({"gateway": gateway_process, "azurite": azurite, "client": psutil.Process()})
            token = requests.post(
                f"{stack.authority}/{stack.tenant_id}/oauth2/v2.0/token",
                data={"grant_type": "password", "client_id": AZCOPY_CLIENT_ID, "username": "alice@contoso.test", "password": "password-alice",
                      "scope": "https://storage.azure.com/.default"},
                timeout=30,
            ).json()["access_token"]
            targets = {"gateway": stack.blob_url, "direct": stack.env["LOCALAZURE_BLOB_DIRECT_URL"]}
            results = Results()
            load_before = os.getloadavg()
            print(f"{args.size_mib} MiB per transfer, {args.repetitions} repetitions, {psutil.cpu_count()} CPUs, load {load_before[0]:.1f}")
            for repetition in range(args.repetitions):
                order = ("gateway", "direct") if repetition % 2 == 0 else ("direct", "gateway")
                for client in args.clients.split(","):
                    for target in order:
                        transfer(client, targets[target], token, size, pattern, cpu, results, target)
            summary = summarize(results)
        finally:
            stack.stop()
    print(f"\nmedians over {args.repetitions} repetitions of {args.size_mib} MiB (load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}):")
    for name, row in summary.items():
        gateway, direct = row["gateway"], row["direct"]
        print(f"  {name:13} gateway {gateway['mb_per_s']:6.1f} MB/s  direct {direct['mb_per_s']:6.1f} MB/s  ratio {row['ratio']:.2f}  "
              f"gateway cpu {gateway['cpu_gateway']:.2f} s/GiB  azurite cpu {gateway['cpu_azurite']:.2f} / {direct['cpu_azurite']:.2f} s/GiB  "
              f"others {gateway['cpu_others']:.2f} / {direct['cpu_others']:.2f} s/GiB")
    if args.json:
        args.json.write_text(json.dumps({"size_mib": args.size_mib, "repetitions": args.repetitions, "rows": results.rows, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
