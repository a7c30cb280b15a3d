"""`copy` behind an HTTPS proxy (HTTPS_PROXY): the lean http.client path does not speak to proxies, so the data path
falls back to azure-core's pipeline on `requests`. A real CONNECT proxy (asyncio, 127.0.0.1) counts the tunnels it
opened, so the test fails if the transfers went around it. The 5 MiB file also takes the download's direct-I/O
writer down its fallback: the pipeline yields `bytes` pieces that are not page-aligned."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

from copy_support import sas_url, tree_digest, write_tree
from test_copy_cli import env_for


class ConnectProxy:
    """A minimal HTTP CONNECT proxy on 127.0.0.1 that pipes bytes both ways and counts the tunnels."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.port = 0
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        started.wait(10)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        method, target = request.split(b" ", 2)[:2]
        if method != b"CONNECT":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        host, port = target.decode().rsplit(":", 1)
        self.tunnels.append(target.decode())
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while chunk := await src.read(1 << 16):
                    dst.write(chunk)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


def test_copy_up_and_down_through_an_https_proxy(localazure, container, tmp_path: Path):
    files = {"small.txt": b"through the proxy", "sub/five-mib.bin": os.urandom(5 * 1024 * 1024 + 123)}
    src = write_tree(tmp_path / "src", files)
    proxy = ConnectProxy()
    try:
        env = {**env_for(localazure, tmp_path / "home"), "HTTPS_PROXY": f"http://127.0.0.1:{proxy.port}", "NO_PROXY": "", "no_proxy": ""}
        command = [sys.executable, "-m", "pyazcopy", "copy"]
        up = subprocess.run([*command, str(src), sas_url(localazure.blob_url, container), "--recursive"], env=env,
                            capture_output=True, text=True, timeout=300)
        assert up.returncode == 0, up.stdout + up.stderr
        tunnels_after_upload = len(proxy.tunnels)
        assert tunnels_after_upload >= 1
        back = tmp_path / "back"
        down = subprocess.run([*command, sas_url(localazure.blob_url, container, "src"), str(back), "--recursive"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert down.returncode == 0, down.stdout + down.stderr
        assert len(proxy.tunnels) > tunnels_after_upload
        assert tree_digest(back / "src") == tree_digest(src)
        assert not [p for p in back.rglob("*") if p.name.startswith(".azDownload-")]
    finally:
        proxy.stop()
