"""Authorizing File REST requests as Azure does: Shared Key, SAS (account and service), or a bearer token.

A bearer token is checked by the RBAC gateway's own validator (signature, issuer, tenant, audience, lifetime); then,
as "Authorize access to Azure file shares using Microsoft Entra ID over REST" says, file and directory operations
need ``x-ms-file-request-intent: backup`` and x-ms-version 2022-11-02 or later, and the caller's role assignments
must hold the operation's actions (the same store, and so the same propagation delay, as the gateway). Share and
service operations answer FileOAuthManagementApiRestrictedToSrp before 2024-11-04; from then on they need
``fileServices/shares/...`` actions, which no data role holds. The refusals are the service's own answers as
clients have recorded them: ``400 MissingRequiredHeader`` naming ``x-ms-file-request-intent`` (Azure's
azure-sdk-for-net issue 36365) and ``409 FileOAuthManagementApiRestrictedToSrp`` (azure-sdk-for-js recordings).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import logging
from dataclasses import dataclass

from aiohttp import web

from localazure.files import errors
from localazure.files.operations import Operation
from localazure.gateway.errors import StorageError
from localazure.gateway.roles import RoleAssignments
from localazure.gateway.tokens import OLD_VERSION, TokenValidator

log = logging.getLogger(__name__)

OAUTH_FILES_VERSION = "2022-11-02"  # the first version that accepts bearer tokens for file data
OAUTH_MANAGEMENT_VERSION = "2024-11-04"  # the first version that accepts them for share and service operations
INTENT = "x-ms-file-request-intent"
# Azurite's well-known development account key (published in its documentation; it works only on emulators): the
# File service shares it, so one account name and key sign for both services, as on a real storage account.
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
SIGNED_HEADERS = ("content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
                  "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range")


@dataclass
class Authorizer:
    validator: TokenValidator
    assignments: RoleAssignments
    account: str
    account_key: str  # base64, the account's key for Shared Key and SAS

    def authorize(self, request: web.Request, operation: Operation) -> str:
        """How the request is authorized ("SharedKey", "SAS" or "Bearer"), or raise the FileError Azure answers."""
        scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer":
            self._bearer(request, operation, credentials.strip())
            return "Bearer"
        if scheme == "SharedKey":
            self._shared_key(request, credentials.strip())
            return "SharedKey"
        if scheme:
            raise errors.FileError(403, "AuthenticationFailed", errors.authentication_failed().message,
                                   (("AuthenticationErrorDetail", f"The authentication scheme {scheme} is not supported."),))
        if "sig" in request.query:
            self._sas(request, operation)
            return "SAS"
        raise errors.FileError(401, "NoAuthenticationInformation",
                               "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
                               challenge=self.validator.challenge)

    # bearer ------------------------------------------------------------------------------------------------------
    def _bearer(self, request: web.Request, operation: Operation, token: str) -> None:
        try:
            caller = self.validator.validate(token)
        except StorageError as error:
            raise errors.from_storage_error(error) from None
        version = request.headers.get("x-ms-version", "")
        if version < OAUTH_FILES_VERSION:
            raise errors.authentication_failed(("AuthenticationErrorDetail", OLD_VERSION))
        if operation.management:
            if version < OAUTH_MANAGEMENT_VERSION:
                raise errors.oauth_management_restricted()
        else:
            intent = request.headers.get(INTENT)
            if intent is None:
                raise errors.missing_required_header(("HeaderName", INTENT))
            if intent.lower() != "backup":
                raise errors.invalid_header_value(("HeaderName", INTENT), ("HeaderValue", intent))
        denied = self.assignments.authorize(caller.object_id, operation.rbac)
        if denied is not None:
            log.warning("files: denied %s to %s (%s): needs %s on %s", operation.name, caller.label, caller.object_id,
                        " or ".join(denied.permissions), denied.container or "the account")
            raise errors.permission_mismatch()

    # shared key --------------------------------------------------------------------------------------------------
    def _shared_key(self, request: web.Request, credentials: str) -> None:
        account, _, signature = credentials.partition(":")
        if account != self.account:
            raise errors.authentication_failed(("AuthenticationErrorDetail", f"The account {account} in the Authorization header is not this account."))
        candidates = [self.shared_key_string(request, prefix) for prefix in (True, False)]
        if not any(hmac.compare_digest(self.sign(text), signature) for text in candidates):
            detail = f"The MAC signature found in the HTTP request is not the same as any computed signature. Server used following string to sign: '{candidates[0]}'."
            raise errors.authentication_failed(("AuthenticationErrorDetail", detail))

    def shared_key_string(self, request: web.Request, path_style: bool = True) -> str:
        headers = request.headers
        values = []
        for name in SIGNED_HEADERS:
            value = headers.get(name, "")
            values.append("" if name == "content-length" and value == "0" else value)
        x_ms = sorted(((name.lower(), value.strip()) for name, value in headers.items() if name.lower().startswith("x-ms-")),
                      key=lambda item: (item[0].replace("-", ""), item[0]))
        canonical_headers = "".join(f"{name}:{value}\n" for name, value in x_ms)
        path = request.raw_path.split("?", 1)[0]
        if not path_style:  # /account/share/... signed as the account's own host would see it: /share/...
            path = path[len(self.account) + 1:] or "/"
        resource = f"/{self.account}{path}"
        for name in sorted({name.lower() for name in request.query}):
            resource += f"\n{name}:{','.join(sorted(v for k, v in request.query.items() if k.lower() == name))}"
        return f"{request.method}\n" + "\n".join(values) + "\n" + canonical_headers + resource

    def sign(self, text: str) -> str:
        digest = hmac.new(base64.b64decode(self.account_key), text.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")

    # SAS ---------------------------------------------------------------------------------------------------------
    def _sas(self, request: web.Request, operation: Operation) -> None:
        q = {name.lower(): value for name, value in request.query.items()}
        get = lambda name: q.get(name, "")  # noqa: E731
        if "ss" in q:
            text = "\n".join([self.account, get("sp"), get("ss"), get("srt"), get("st"), get("se"), get("sip"), get("spr"), get("sv")]) + "\n"
            if get("sv") >= "2020-12-06":
                text += get("ses") + "\n"
        else:
            resource = f"/file/{self.account}/{operation.share or ''}"
            if get("sr") == "f":
                resource += f"/{operation.path}"
            text = "\n".join([get("sp"), get("st"), get("se"), resource, get("si"), get("sip"), get("spr"), get("sv"),
                              get("rscc"), get("rscd"), get("rsce"), get("rscl"), get("rsct")])
        if not hmac.compare_digest(self.sign(text), get("sig")):
            raise errors.authentication_failed(("AuthenticationErrorDetail", f"Signature did not match. String to sign used was {text}"))
        self._sas_lifetime(get("st"), get("se"))
        if get("sip") and not _address_in(request.remote or "", get("sip")):
            raise errors.FileError(403, "AuthorizationSourceIPMismatch", f"This request is not authorized to perform this operation using this source IP {request.remote}.")
        if get("spr") and "https" not in get("spr").split(","):
            raise errors.protocol_not_allowed()
        if "ss" in q:
            if "f" not in get("ss"):
                raise errors.service_not_allowed()
            if operation.sas_resource_type not in get("srt"):
                raise errors.resource_type_not_allowed()
        elif get("sr") == "f":
            if operation.level != "file":
                raise errors.resource_type_not_allowed()
        elif get("sr") != "s" or operation.share is None:
            raise errors.resource_type_not_allowed()
        if not set(operation.sas_permissions) & set(get("sp")):
            raise errors.permission_mismatch()

    @staticmethod
    def _sas_lifetime(start: str, expiry: str) -> None:
        now = datetime.datetime.now(datetime.timezone.utc)
        begins, ends = _sas_time(start), _sas_time(expiry)
        if ends is None or now >= ends or (begins is not None and now < begins):
            detail = f"Signed expiry time [{expiry}] must be after signed start time [{start}] and current time" if ends is None else \
                f"Signature not valid in the specified time frame: Start [{start}] - Expiry [{expiry}] - Current [{now.strftime('%a, %d %b %Y %H:%M:%S GMT')}]"
            raise errors.authentication_failed(("AuthenticationErrorDetail", detail))


def _sas_time(value: str) -> datetime.datetime | None:
    if not value:
        return None
    for layout in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, layout).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            continue
    raise errors.invalid_query_parameter(("QueryParameterName", "se"), ("QueryParameterValue", value))


def _address_in(remote: str, allowed: str) -> bool:
    try:
        address = ipaddress.ip_address(remote)
        low, _, high = allowed.partition("-")
        return ipaddress.ip_address(low) <= address <= ipaddress.ip_address(high or low)
    except ValueError:
        return False
