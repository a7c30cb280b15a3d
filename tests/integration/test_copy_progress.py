"""Progress without a terminal (issue 12 §4): the 2-second lines (stdout not a TTY) and the JSON ``Progress`` messages
count bytes as they move, so a single large upload and a chunked download show a true percentage and throughput
while data flows, not 0.0 % / 0.0000 Mb/s until the end. --cap-mbps stretches each transfer to a few seconds and a
short progress interval gives many lines within it."""

from __future__ import annotations

import io
import json
import re

from copy_support import engine_settings, sas_url, write_tree

from pyazcopy import api
from pyazcopy.cli.copy_command import CopyRenderer
from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output
from pyazcopy.engine.options import CopyOptions
from pyazcopy.model import OutputFormat
from pyazcopy.settings import Settings

SIZE = 6 * 1024 * 1024  # one Put Blob (under the 8 MiB block size) going up; six 1 MiB ranges coming down
CAP_MBPS = 16  # 2 MB/s: about 3 s for each transfer
LINE = re.compile(r"^([\d.]+) %, \d+ Done, \d+ Failed, \d+ Pending, \d+ Skipped, \d+ Total, 2-sec Throughput \(Mb/s\): ([\d.]+)$")


def _copy_with_renderers(tmp_path, source: str, destination: str, **options) -> tuple[str, str]:
    """Run one copy with AzCopy's text renderer on a plain stream (not a terminal) and the JSON renderer beside it."""
    text, lines = io.StringIO(), io.StringIO()
    text_env, json_env = Environment(stdout=text, stderr=text, env={}), Environment(stdout=lines, stderr=lines, env={})
    renderers = [CopyRenderer(Output(text_env, OutputFormat.TEXT), text_env), CopyRenderer(Output(json_env, OutputFormat.JSON), json_env)]
    summary = api.copy_with(CopyOptions(source=source, destination=destination, cap_mbps=CAP_MBPS, **options),
                            Settings(config_dir=tmp_path / "config"),
                            engine_settings(tmp_path, concurrency=8, progress_interval=0.25), subscribers=renderers)
    assert summary.succeeded, text.getvalue()
    return text.getvalue(), lines.getvalue()


def _assert_progress_moves(text: str, json_lines: str) -> None:
    progress = [(float(m.group(1)), float(m.group(2))) for m in map(LINE.match, text.splitlines()) if m]
    assert progress, text
    moving = [(percent, mbps) for percent, mbps in progress if 0 < percent < 100 and mbps > 0]
    assert moving, f"no progress line shows the data moving (0 < percent < 100 and throughput > 0):\n{text}"
    messages = [json.loads(line) for line in json_lines.splitlines() if line.strip()]
    contents = [json.loads(m["MessageContent"]) for m in messages if m["MessageType"] == "Progress"]
    assert contents, json_lines
    partial = [c for c in contents if 0 < float(c["PercentComplete"]) < 100
               and 0 < int(c["TotalBytesTransferred"]) < int(c["TotalBytesExpected"]) and int(c["BytesOverWire"]) > 0]
    assert partial, f"no JSON Progress message shows the bytes moving:\n{json_lines}"


def test_a_single_large_upload_shows_its_bytes_moving(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"one.bin": b"\x17" * SIZE})
    text, json_lines = _copy_with_renderers(tmp_path, str(src / "one.bin"), sas_url(localazure.blob_url, container, "one.bin"))
    _assert_progress_moves(text, json_lines)


def test_a_chunked_download_shows_its_bytes_moving(localazure, container, tmp_path):
    localazure.shared_key_service().get_container_client(container).upload_blob("down.bin", b"\x2a" * SIZE)
    text, json_lines = _copy_with_renderers(tmp_path, sas_url(localazure.blob_url, container, "down.bin"), str(tmp_path / "down.bin"),
                                            block_size_mb=1)
    _assert_progress_moves(text, json_lines)
    assert (tmp_path / "down.bin").stat().st_size == SIZE
