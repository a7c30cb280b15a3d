"""The File service's errors in Azure's shape: status, reason, x-ms-error-code and the XML body with its details."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from aiohttp import web

from localazure.gateway.errors import StorageError

SERVER = "Windows-Azure-File/1.0 Microsoft-HTTPAPI/2.0"


@dataclass(frozen=True)
class FileError(Exception):
    """An error answered instead of the operation; ``details`` become extra XML elements (e.g. HeaderName)."""

    status: int
    code: str
    message: str
    details: tuple[tuple[str, str], ...] = field(default=())
    challenge: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


def from_storage_error(error: StorageError) -> FileError:
    details = (("AuthenticationErrorDetail", error.detail),) if error.detail else ()
    return FileError(error.status, error.code, error.message, details, error.challenge)


def _error(status: int, code: str, message: str):
    return lambda *details: FileError(status, code, message, tuple(details))


# Azure Files' codes and messages ("File service error codes", "Common REST API error codes").
share_not_found = _error(404, "ShareNotFound", "The specified share does not exist.")
share_snapshot_not_found = _error(404, "ShareSnapshotNotFound", "The specified share snapshot does not exist.")
share_already_exists = _error(409, "ShareAlreadyExists", "The specified share already exists.")
share_has_snapshots = _error(409, "ShareHasSnapshots", "The share has snapshots and the operation requires no snapshots.")
snapshot_not_supported = _error(400, "ShareSnapshotOperationNotSupported", "The operation is not supported on a share snapshot.")
resource_not_found = _error(404, "ResourceNotFound", "The specified resource does not exist.")
parent_not_found = _error(404, "ParentNotFound", "The specified parent path does not exist.")
resource_already_exists = _error(409, "ResourceAlreadyExists", "The specified resource already exists.")
resource_type_mismatch = _error(409, "ResourceTypeMismatch", "The specified resource type does not match the type of the existing resource.")
directory_not_empty = _error(409, "DirectoryNotEmpty", "The specified directory is not empty.")


def invalid_range(size: int) -> FileError:
    """416 with the resource's size in Content-Range (``bytes */SIZE``), which the SDKs read."""
    return FileError(416, "InvalidRange", "The range specified is invalid for the current size of the resource.", headers=(("Content-Range", f"bytes */{size}"),))


md5_mismatch = _error(400, "Md5Mismatch", "The MD5 value specified in the request did not match with the MD5 value calculated by the server.")
invalid_header_value = _error(400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.")
missing_required_header = _error(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified.")
invalid_query_parameter = _error(400, "InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid.")
out_of_range_input = _error(400, "OutOfRangeInput", "One of the request inputs is out of range.")
invalid_resource_name = _error(400, "InvalidResourceName", "The specifed resource name contains invalid characters.")
unsupported_verb = _error(400, "UnsupportedHttpVerb", "The resource doesn't support specified Http Verb.")


def not_implemented(operation: str) -> FileError:
    """An Azure operation localazure does not serve (as Azurite answers its own gaps): says which, and where the
    list of what is served lives."""
    return FileError(501, "APINotImplemented", f"localazure's File service does not implement {operation}; docs/LOCALAZURE.md lists what it serves.")
cannot_verify_copy_source = _error(400, "CannotVerifyCopySource", "Could not verify the copy source within the specified time.")
no_pending_copy = _error(409, "NoPendingCopyOperation", "There is currently no pending copy operation.")
oauth_management_restricted = _error(
    409, "FileOAuthManagementApiRestrictedToSrp",
    "This API does not support bearer tokens. For OAuth, use the Storage Resource Provider APIs instead. Learn more: https://aka.ms/azurefiles/restapi.",
)
permission_mismatch = _error(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.")
resource_type_not_allowed = _error(403, "AuthorizationResourceTypeMismatch", "This request is not authorized to perform this operation using this resource type.")
service_not_allowed = _error(403, "AuthorizationServiceMismatch", "This request is not authorized to perform this operation using this service.")
protocol_not_allowed = _error(403, "AuthorizationProtocolMismatch", "This request is not authorized to perform this operation using this protocol.")
source_ip_not_allowed = _error(403, "AuthorizationSourceIPMismatch", "This request is not authorized to perform this operation using this source IP {SourceIP}.")
authentication_failed = _error(
    403, "AuthenticationFailed",
    "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
)


def azure_time(now: datetime.datetime) -> str:
    """Azure's seven-digit ISO time: 2024-05-15T01:04:27.1855230Z."""
    return now.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def http_date(now: datetime.datetime) -> str:
    return now.strftime("%a, %d %b %Y %H:%M:%S GMT")


def error_response(error: FileError, request: web.Request) -> web.Response:
    request_id = str(uuid.uuid4())
    now = datetime.datetime.now(datetime.timezone.utc)
    headers = {
        "Content-Type": "application/xml",
        "Server": SERVER,
        "x-ms-request-id": request_id,
        "x-ms-error-code": error.code,
        "Date": http_date(now),
    }
    for name in ("x-ms-client-request-id", "x-ms-version"):
        if request.headers.get(name):
            headers[name] = request.headers[name]
    if error.challenge:
        headers["WWW-Authenticate"] = error.challenge
    headers.update(error.headers)
    message = f"{error.message}\nRequestId:{request_id}\nTime:{azure_time(now)}"
    details = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in error.details)
    body = f'\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>{escape(error.code)}</Code><Message>{escape(message)}</Message>{details}</Error>'
    return web.Response(status=error.status, reason=error.message, body=b"" if request.method == "HEAD" else body.encode("utf-8"), headers=headers)
