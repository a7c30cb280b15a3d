"""HTTP status + ``x-ms-error-code`` -> pyazcopy errors, in one place. Messages name the operation, the built-in
roles that grant it, and what to do; they never include a token or a SAS."""

from __future__ import annotations

import dataclasses
import enum
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import parse_qs
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from pyazcopy.errors import (
    AuthenticationFailedError,
    PermissionMismatchError,
    PyAzCopyError,
    ResourceExistsError,
    ResourceNotFoundError,
    SasExpiredError,
    SignInExpiredError,
    StorageServiceError,
    TenantMismatchError,
    UsageError,
)
from pyazcopy.endpoints.locations import parse_location
from pyazcopy.model import StorageLocation

if TYPE_CHECKING:
    from azure.core.exceptions import HttpResponseError

RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})
PROPAGATION_NOTE = "Role assignments can take up to five minutes to propagate: if one was just made, wait a few minutes and try again."


class TransientStorageError(StorageServiceError):
    """A failure worth retrying: a throttling or server status, a timeout, or a dropped connection."""


class Operation(enum.Enum):
    LIST = ("list", "list the blobs", False)
    READ = ("read", "read (download) the blobs", False)
    CREATE_CONTAINER = ("make", "create a container", True)
    WRITE = ("write", "write (upload) blobs", True)
    DELETE = ("delete", "delete blobs", True)

    def __init__(self, verb: str, description: str, writes: bool) -> None:
        self.verb = verb
        self.description = description
        self.writes = writes


def roles_for(operation: Operation, service: str) -> str:
    if service == "file":
        return "Storage File Data Privileged Contributor" if operation.writes else "Storage File Data Privileged Reader (or Storage File Data Privileged Contributor)"
    blob = "Storage Blob Data Contributor or Storage Blob Data Owner" if operation.writes else "Storage Blob Data Reader (or Storage Blob Data Contributor or Owner)"
    if service == "dfs":
        acl = (
            "write permission on the target directory and execute permission on the container and each parent directory"
            if operation.writes
            else "read and execute permission on the directory and execute permission on the container and each parent directory"
        )
        return f"{blob}, or, on an account with a hierarchical namespace, an ACL entry giving you {acl}"
    return blob


def _scope(location: StorageLocation) -> str:
    where = f"the storage account {location.account}"
    holder = "share" if location.service == "file" else "container"
    return where + (f" or the {holder} {location.container}" if location.container else "")


def _description(operation: Operation, service: str) -> str:
    """What the request wanted to do, in the service's words (files and shares on Azure Files)."""
    return operation.description.replace("blobs", "files").replace("a container", "a share") if service == "file" else operation.description


def _detail(error: HttpResponseError) -> str:
    text = str(getattr(error, "message", "") or error)
    match = re.search(r"AuthenticationErrorDetail[>:]\s*([^<\n]+)", text)
    return match.group(1).strip() if match else ""


def _challenge_tenant(error: HttpResponseError) -> str:
    response = getattr(error, "response", None)
    challenge = response.headers.get("WWW-Authenticate", "") if response is not None else ""
    match = re.search(r"authorization_uri=\"?https://[^/\s\"]+/([^/\s\"]+)", challenge)
    return match.group(1) if match else ""


def error_code_text(code: object) -> str:
    """``x-ms-error-code`` as Azure writes it: azure-storage-blob hands over a ``StorageErrorCode`` enum member, whose
    ``str`` would be ``StorageErrorCode.OUT_OF_RANGE_INPUT``; its value is ``OutOfRangeInput``."""
    if code is None:
        return ""
    return str(getattr(code, "value", code) or "")


def status_text(status: object, code: str) -> str:
    """``403 AuthorizationPermissionMismatch``, or just ``404`` when the service sent no code."""
    return f"{status} {code}" if code else f"{status}"


def signature_mismatch(code: str, text: str, sas_used: bool, has_body: bool = True) -> bool:
    """A SAS whose signature the service could not verify (Azure: 403 AuthenticationFailed "Signature did not match";
    Azurite: 403 AuthorizationFailure "... including the signature"). An answer without a body (HEAD) has only the
    code: with a SAS, a refused signature is then the likely cause (a SAS signed for another container, or changed)."""
    if not sas_used or code not in ("AuthenticationFailed", "AuthorizationFailure"):
        return False
    return "signature" in text.lower() or not has_body


def sas_time_problem(sas: str, now: datetime | None = None) -> str:
    """Why a SAS is not valid now, from its own ``se``/``st`` fields ("" when its times are fine or unreadable)."""
    fields = parse_qs(sas.lstrip("?"))
    now = now or datetime.now(timezone.utc)

    def when(name: str) -> datetime | None:
        try:
            value = datetime.fromisoformat(fields[name][0].replace("Z", "+00:00"))
        except (KeyError, IndexError, ValueError):
            return None
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    expiry, start = when("se"), when("st")
    if expiry is not None and expiry <= now:
        return f"the SAS expired at {fields['se'][0]}"
    if start is not None and start > now:
        return f"the SAS is not valid before {fields['st'][0]}"
    return ""


SIGNATURE_ADVICE = ("The SAS signature does not match: the SAS was changed or cut short, is for another account or container, or was signed with a key that is no longer "
                    "the account's. Generate a new SAS (for example in the portal or with `az storage container generate-sas`) and "
                    "pass the whole URL again, quoted.")


def map_storage_error(error: HttpResponseError, operation: Operation, location: StorageLocation, identity: str = "", tenant_id: str = "") -> PyAzCopyError:
    status = getattr(error, "status_code", None)
    code = error_code_text(getattr(error, "error_code", None))
    who = identity or "the signed-in identity"
    said = status_text(status, code)
    if location.sas and status in (401, 403) and sas_time_problem(location.sas):
        return SasExpiredError(f"The storage service refused the SAS ({said}): {sas_time_problem(location.sas)}. Generate a new SAS; "
                               "a stopped copy then continues with `pyazcopy jobs resume` and --source-sas/--destination-sas.", status, code)
    if signature_mismatch(code, str(getattr(error, "message", "") or error), bool(location.sas), getattr(error, "has_body", True)):
        return AuthenticationFailedError(f"The storage service could not verify the SAS ({said}). {SIGNATURE_ADVICE}", status, code)
    if code == "AuthorizationPermissionMismatch":
        return PermissionMismatchError(
            f"This request is not authorized to perform this operation using this permission ({said}). "
            f"{who} is signed in, but no role assignment on {_scope(location)} lets it {_description(operation, location.service)}. "
            f"Ask an owner of the account to assign {roles_for(operation, location.service)} at the account or "
            f"{'share' if location.service == 'file' else 'container'} scope. "
            f"{PROPAGATION_NOTE}",
            status, code,
        )
    if code in ("AuthenticationFailed", "InvalidAuthenticationInfo") or status == 401:
        detail = _detail(error)
        account_tenant = _challenge_tenant(error)
        lowered = detail.lower()
        if (account_tenant and tenant_id and account_tenant.lower() != tenant_id.lower()) or "issuer" in lowered or "tenant" in lowered:
            target = account_tenant or "<tenant of the storage account>"
            return TenantMismatchError(
                f"The storage service did not accept the token ({said}{': ' + detail if detail else ''}). "
                f"{who} is signed in to tenant {tenant_id or 'unknown'}, but the storage account belongs to another tenant. "
                f"Log in to the account's tenant: pyazcopy login --tenant-id {target} (for auto-login: AZCOPY_TENANT_ID={target}).",
                status, code,
            )
        if "expire" in lowered or "lifetime" in lowered:
            return SignInExpiredError(f"The storage service says the token has expired ({detail}). Run `pyazcopy login` again.")
        return AuthenticationFailedError(
            f"The storage service did not accept the credential ({said}{': ' + detail if detail else ''}). "
            "Check that the URL is right, that the SAS (if any) is valid and unexpired, or log in again with `pyazcopy login`.",
            status, code,
        )
    if code == "AuthorizationFailure":
        return AuthenticationFailedError(
            f"This request is not authorized to perform this operation ({said}). The account may block this network or "
            "this kind of authorization (for example shared key or SAS disabled); check its networking and authorization settings.",
            status, code,
        )
    if code == "ContainerAlreadyExists":
        return ResourceExistsError("the container already exists", status, code)
    if code in ("ContainerNotFound", "ResourceNotFound", "BlobNotFound") or status == 404:
        holder = "share" if location.service == "file" else "container"
        return ResourceNotFoundError(f"{location.redacted} was not found ({said}); check the account, {holder} and path", status, code)
    first = " ".join(str(getattr(error, "message", "") or error).split())[:500]
    hint = next_step_for(code)
    return StorageServiceError(f"the storage service answered {said}: {first}" + (f". {hint}" if hint else ""), status, code)


def next_step_for(code: str) -> str:
    """What to do about a request the service refused for its shape (names, values), by ``x-ms-error-code``."""
    if code in ("OutOfRangeInput", "InvalidResourceName"):
        return ("A container or blob name is not valid: a container name has 3-63 characters, lower-case letters, digits and "
                "single hyphens, starting with a letter or digit; a blob name has at most 1,024 characters. Fix the URL")
    if code in ("InvalidUri", "InvalidQueryParameterValue", "InvalidHeaderValue", "UnsupportedHeader"):
        return "Check the URL and the flags; if they are right, this pyazcopy version may not support the account's API version"
    return ""


def storage_error(operation: str, target: str, status: int, code: str | None, body: bytes,
                  headers: Any = None, account_url: str = "", container: str = "", identity: str = "", tenant_id: str = "",
                  sas: str = "", service: str = "") -> StorageServiceError:
    """HTTP status + ``x-ms-error-code`` -> the error tree: retryable statuses here, the rest through the shared mapping
    of :mod:`pyazcopy.endpoints.storage_errors` (the same role-naming messages as `list` and `make`).

    A refused credential or a missing role (which stop the job) also carries a one-line ``transfer_line`` naming the
    request and the explanation (server text, identity, role, what to do) in ``job_advice``: a job says that once.
    ``service`` ("file", "dfs") names the service where the URL cannot (a path-style URL of an emulator)."""
    code = error_code_text(code)
    text = body.decode("utf-8", "replace") if body else ""
    message = ""
    if body:
        try:
            message = (ET.fromstring(body).findtext("Message") or "").splitlines()[0]
        except (ET.ParseError, IndexError):
            message = ""
    said = status_text(status, code)
    summary = f"{operation} {target} failed: {said}" + (f" ({message})" if message else "")
    if status in RETRYABLE_STATUS:
        return TransientStorageError(summary, status, code)
    if status == 409 and code in ("ContainerAlreadyExists", "BlobAlreadyExists"):
        return ResourceExistsError(summary, status, code)
    kind = (Operation.LIST if operation.startswith("list") else Operation.CREATE_CONTAINER if "container" in operation
            else Operation.READ if operation in ("download", "get properties of", "get block list of")
            else Operation.DELETE if operation == "delete" else Operation.WRITE)
    shim = SimpleNamespace(status_code=status, error_code=code, message=text or summary, has_body=bool(body),
                           response=SimpleNamespace(headers=headers or {}))
    try:
        location = parse_location(f"{account_url}/{container}" + (f"?{sas}" if sas else "")) if account_url else None
    except UsageError:
        location = None
    if location is not None and service:
        location = dataclasses.replace(location, service=service)
    if location is None:
        return StorageServiceError(summary, status, code)
    mapped = map_storage_error(shim, kind, location, identity, tenant_id)  # type: ignore[arg-type]
    if type(mapped) is StorageServiceError:  # nothing more specific than the summary: add only what to do
        hint = next_step_for(code)
        return StorageServiceError(summary + (f". {hint}" if hint else ". Run the command again later; if it keeps failing, check the URL"),
                                   status, code)
    if isinstance(mapped, (PermissionMismatchError, AuthenticationFailedError)):
        mapped.job_advice, mapped.transfer_line = str(mapped), f"{operation} {target} failed: {said}"
        mapped.args = (f"{mapped.transfer_line}. {mapped.job_advice}",)  # the server's text is in the advice, said once
        return mapped
    if isinstance(mapped, StorageServiceError):
        mapped.args = (f"{summary}. {mapped}",)
        return mapped
    error = StorageServiceError(f"{summary}. {mapped}", status, code)
    error.__cause__ = mapped
    return error

