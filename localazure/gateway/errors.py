"""Azure Storage's error responses: the XML body, the reason phrase, x-ms-error-code and x-ms-request-id."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from aiohttp import web

AUTHENTICATION_FAILED = "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature."
SEE_CHALLENGE = "Server failed to authenticate the request. Please refer to the information in the www-authenticate header."
PERMISSION_MISMATCH = "This request is not authorized to perform this operation using this permission."


@dataclass(frozen=True)
class StorageError(Exception):
    """An error the gateway answers in Azure's shape instead of forwarding the request."""

    status: int
    code: str
    message: str
    detail: str | None = None  # AuthenticationErrorDetail
    challenge: str | None = None  # WWW-Authenticate
    extra: tuple[tuple[str, str], ...] = ()  # further elements of <Error>, e.g. CopySourceStatusCode

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.detail or self.message}"


def authentication_failed(detail: str) -> StorageError:
    return StorageError(403, "AuthenticationFailed", AUTHENTICATION_FAILED, detail)


def no_authentication_information(challenge: str) -> StorageError:
    return StorageError(401, "NoAuthenticationInformation", SEE_CHALLENGE, None, challenge)


def invalid_authentication_info(detail: str, challenge: str) -> StorageError:
    return StorageError(401, "InvalidAuthenticationInfo", SEE_CHALLENGE, detail, challenge)


def permission_mismatch() -> StorageError:
    return StorageError(403, "AuthorizationPermissionMismatch", PERMISSION_MISMATCH)


def _azure_time(now: datetime.datetime) -> str:
    # Azure prints seven fractional digits: 2024-05-15T01:04:27.1855230Z
    return now.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def error_body(error: StorageError, request_id: str, now: datetime.datetime) -> bytes:
    message = f"{error.message}\nRequestId:{request_id}\nTime:{_azure_time(now)}"
    detail = f"<AuthenticationErrorDetail>{escape(error.detail)}</AuthenticationErrorDetail>" if error.detail else ""
    detail += "".join(f"<{name}>{escape(value)}</{name}>" for name, value in error.extra)
    return f'\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>{escape(error.code)}</Code><Message>{escape(message)}</Message>{detail}</Error>'.encode("utf-8")


def error_response(error: StorageError, request: web.Request | None = None) -> web.Response:
    request_id = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.timezone.utc)
    headers = {
        "Content-Type": "application/xml",
        "Server": "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0",
        "x-ms-request-id": request_id,
        "x-ms-error-code": error.code,
        "Date": now.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }
    if request is not None:
        if request.headers.get("x-ms-client-request-id"):
            headers["x-ms-client-request-id"] = request.headers["x-ms-client-request-id"]
        if request.headers.get("x-ms-version"):
            headers["x-ms-version"] = request.headers["x-ms-version"]
    if error.challenge:
        headers["WWW-Authenticate"] = error.challenge
    body = b"" if request is not None and request.method == "HEAD" else error_body(error, request_id, now)
    return web.Response(status=error.status, reason=error.message, body=body, headers=headers)
