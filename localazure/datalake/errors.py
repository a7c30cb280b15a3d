"""Data Lake and Blob errors of the hierarchical-namespace account, in Azure's two shapes: JSON for dfs
operations (``{"error": {"code", "message"}}``) and XML for Blob operations, both with ``x-ms-error-code``."""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from aiohttp import web


@dataclass(frozen=True)
class DataLakeError(Exception):
    status: int
    code: str
    message: str
    challenge: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def path_not_found() -> DataLakeError:
    return DataLakeError(404, "PathNotFound", "The specified path does not exist.")


def filesystem_not_found(blob: bool = False) -> DataLakeError:
    return DataLakeError(404, "ContainerNotFound" if blob else "FilesystemNotFound", "The specified container does not exist." if blob else "The specified filesystem does not exist.")


def path_exists() -> DataLakeError:
    return DataLakeError(409, "PathAlreadyExists", "The specified path already exists.")


def permission_mismatch() -> DataLakeError:
    return DataLakeError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.")


def invalid(code: str, message: str) -> DataLakeError:
    return DataLakeError(400, code, message)


def error_response(error: DataLakeError, request: web.Request, as_json: bool) -> web.Response:
    request_id = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.timezone.utc)
    message = f"{error.message}\nRequestId:{request_id}\nTime:{now.strftime('%Y-%m-%dT%H:%M:%S.%f')}0Z"
    headers = {"x-ms-request-id": request_id, "x-ms-error-code": error.code, "x-ms-version": request.headers.get("x-ms-version", "2025-11-05")}
    if request.headers.get("x-ms-client-request-id"):
        headers["x-ms-client-request-id"] = request.headers["x-ms-client-request-id"]
    if error.challenge:
        headers["WWW-Authenticate"] = error.challenge
    if request.method == "HEAD":
        body, content_type = b"", None
    elif as_json:
        body, content_type = json.dumps({"error": {"code": error.code, "message": message}}).encode(), "application/json;charset=utf-8"
    else:
        body = f'\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>{escape(error.code)}</Code><Message>{escape(message)}</Message></Error>'.encode()
        content_type = "application/xml"
    if content_type:
        headers["Content-Type"] = content_type
    return web.Response(status=error.status, reason=error.message.split(".")[0], body=body, headers=headers)
