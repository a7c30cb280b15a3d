"""AzCopy's output: text lines, or JSON lines (``--output-type json``) in AzCopy's envelope
``{"TimeStamp","MessageType","MessageContent","PromptDetails"}``. Everything goes to stdout, as AzCopy does."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

from pyazcopy.cli.environment import Environment
from pyazcopy.model import ListedObject, ListSummary, OutputFormat

LIST_PROPERTIES = (
    "LastModifiedTime", "VersionId", "BlobType", "BlobAccessTier", "ContentType", "ContentEncoding", "ContentMD5",
    "LeaseState", "LeaseDuration", "LeaseStatus", "ArchiveStatus",
)


def byte_size(size: int, mega_units: bool = False) -> str:
    """AzCopy's ByteSizeToString: 2 decimals, 1024-based KiB..EiB, or 1000-based KB..EB with --mega-units."""
    units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"] if mega_units else ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    base = 1000 if mega_units else 1024
    value, unit = float(size), 0
    while value / base >= 1 and unit < len(units) - 1:
        value /= base
        unit += 1
    return f"{value:.2f} {units[unit]}"


def parse_properties(raw: str) -> list[str]:
    """AzCopy's --properties: ';'-separated, case-insensitive, unknown names ignored, order kept."""
    wanted = []
    for part in (raw or "").split(";"):
        for name in LIST_PROPERTIES:
            if part and part.strip().lower() == name.lower():
                wanted.append(name)
                break
    return wanted


def _go_time_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000 GMT")


def _go_time_json(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class Output:
    def __init__(self, environment: Environment, output_format: OutputFormat = OutputFormat.TEXT) -> None:
        self.environment = environment
        self.format = output_format

    @property
    def json(self) -> bool:
        return self.format is OutputFormat.JSON

    def _write(self, text: str) -> None:
        self.environment.stdout.write(text + "\n")
        self.environment.stdout.flush()

    def message(self, message_type: str, content: str) -> None:
        if self.json:
            stamp = datetime.fromtimestamp(self.environment.clock()).astimezone().isoformat()
            envelope = {
                "TimeStamp": stamp,
                "MessageType": message_type,
                "MessageContent": content,
                "PromptDetails": {"PromptType": "", "ResponseOptions": None, "PromptTarget": ""},
            }
            self._write(json.dumps(envelope, separators=(",", ":")))
        else:
            self._write(content)

    def info(self, text: str) -> None:
        self.message("Info", f"INFO: {text}")

    def warn(self, text: str) -> None:
        self.message("Info", f"WARN: {text}")

    def error(self, text: str) -> None:
        self.message("Error", text if self.json else "\n" + text)

    def end_of_job(self, text: str = "") -> None:
        if self.json:
            self.message("EndOfJob", text)
        elif text:
            self._write("\n" + text)

    # list -----------------------------------------------------------------------------------------------------
    def list_object(self, item: ListedObject, properties: list[str], machine_readable: bool, mega_units: bool) -> None:
        length = str(item.size) if machine_readable else byte_size(item.size, mega_units)
        data: dict = {"Path": item.path}
        text = [item.path + "; "]
        values = {
            "LastModifiedTime": item.last_modified,
            "VersionId": item.version_id,
            "BlobType": item.blob_type,
            "BlobAccessTier": item.access_tier,
            "ContentType": item.content_type,
            "ContentEncoding": item.content_encoding,
            "ContentMD5": base64.b64encode(item.content_md5).decode("ascii") if item.content_md5 else "",
            "LeaseState": item.lease_state,
            "LeaseDuration": item.lease_duration,
            "LeaseStatus": item.lease_status,
            "ArchiveStatus": item.archive_status,
        }
        for name in properties:
            value = values[name]
            if name == "LastModifiedTime":
                text.append(f"{name}: {_go_time_text(value) if value else ''}; ")
                if value:
                    data[name] = _go_time_json(value)
            else:
                text.append(f"{name}: {value}; ")
                if value:
                    data[name] = value
        text.append(f"Content Length: {length}")
        data["ContentLength"] = length
        self.message("ListObject", json.dumps(data, separators=(",", ":")) if self.json else "".join(text))

    def list_summary(self, summary: ListSummary, machine_readable: bool, mega_units: bool) -> None:
        size = str(summary.total_size) if machine_readable else byte_size(summary.total_size, mega_units)
        if self.json:
            self.message("ListSummary", json.dumps({"FileCount": str(summary.file_count), "TotalFileSize": size}, separators=(",", ":")))
        else:
            self.message("ListSummary", f"\nFile count: {summary.file_count}\nTotal file size: {size}")
