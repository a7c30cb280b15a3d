"""Who a request to the hierarchical-namespace account speaks for: Shared Key and account SAS (super-user), or a
bearer token checked by the RBAC gateway's own validator.

Shared Key follows "Authorize with Shared Key" (the string to sign of version 2009-09-19 and later); the account
SAS follows "Create an account SAS". Both are checked against this account's key only.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote

from localazure.datalake.errors import DataLakeError
from localazure.gateway.errors import StorageError
from localazure.gateway.tokens import Caller, TokenValidator

SIGNED_HEADERS = ("content-encoding", "content-language", "content-length", "content-md5", "content-type", "date", "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range")
AUTH_FAILED = "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature."


@dataclass(frozen=True)
class Identity:
    """A super-user (the account key, directly or through an account SAS) or a token's caller."""

    super_user: bool
    caller: Caller | None = None
    sas_permissions: str | None = None  # an account SAS's sp
    sas_resource_types: str | None = None  # an account SAS's srt: s(ervice), c(ontainer), o(bject)

    @property
    def object_id(self) -> str:
        return self.caller.object_id if self.caller else "$superuser"


def _sign(key: bytes, text: str) -> str:
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode()


def _failed(detail: str | None = None) -> DataLakeError:
    return DataLakeError(403, "AuthenticationFailed", AUTH_FAILED if detail is None else f"{AUTH_FAILED} {detail}")


@dataclass
class Credentials:
    account: str
    key: bytes  # the decoded account key
    validator: TokenValidator

    def identify(self, method: str, raw_path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Identity:
        """The request's identity, or DataLakeError shaped like Azure's answer (401 with the challenge when no
        credentials came at all)."""
        scheme, _, value = headers.get("Authorization", "").strip().partition(" ")
        if scheme == "SharedKey":
            self._check_shared_key(value.strip(), method, raw_path, query, headers)
            return Identity(super_user=True)
        if scheme.lower() == "bearer":
            try:
                caller = self.validator.validate(value.strip(), headers.get("x-ms-version"))
            except StorageError as error:
                raise DataLakeError(error.status, error.code, error.detail or error.message, error.challenge) from None
            return Identity(super_user=False, caller=caller)
        if "sig" in query:
            return Identity(super_user=True, sas_permissions=self._check_account_sas(query), sas_resource_types=query.get("srt", ""))
        raise DataLakeError(401, "NoAuthenticationInformation", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.", self.validator.challenge)

    def _check_shared_key(self, value: str, method: str, raw_path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> None:
        account, _, signature = value.partition(":")
        if account != self.account:
            raise _failed()
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("content-length") == "0":
            lowered.pop("content-length")
        canonical_headers = "".join(f"{name}:{lowered[name].strip()}\n" for name in sorted(n for n in lowered if n.startswith("x-ms-")))
        canonical_query = "".join(f"\n{name.lower()}:{unquote(query[name])}" for name in sorted(query))
        path = raw_path.split("?", 1)[0]
        for resource_path in (path, unquote(path)):
            for signed in (SIGNED_HEADERS, SIGNED_HEADERS[:-1] + ("byte_range",)):
                text = method + "\n" + "\n".join(lowered.get(name, "") for name in signed) + "\n" + canonical_headers + f"/{self.account}{resource_path}" + canonical_query
                if hmac.compare_digest(_sign(self.key, text), signature):
                    return
        raise _failed("The MAC signature found in the HTTP request is not the same as any computed signature.")

    def _check_account_sas(self, query: Mapping[str, str]) -> str:
        if "ss" not in query or "srt" not in query:
            raise _failed("Only an account SAS is accepted by this account.")
        fields = [query.get(name, "") for name in ("sp", "ss", "srt", "st", "se", "sip", "spr", "sv")]
        candidates = ["\n".join([self.account, *fields, query.get("ses", "")]) + "\n", "\n".join([self.account, *fields]) + "\n"]
        if not any(hmac.compare_digest(_sign(self.key, text), query["sig"]) for text in candidates):
            raise _failed("Signature did not match.")
        if "b" not in query["ss"]:
            raise DataLakeError(403, "AuthorizationServiceMismatch", "This request is not authorized to perform this operation using this service.")
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            expiry = datetime.datetime.fromisoformat(query["se"].replace("Z", "+00:00"))
            start = datetime.datetime.fromisoformat(query["st"].replace("Z", "+00:00")) if query.get("st") else None
        except ValueError:
            raise _failed("Signed expiry time is not a valid date.") from None
        if now >= expiry or (start is not None and now < start):
            raise _failed("Signed expiry time [{}] must be after signed start time [{}]".format(query["se"], query.get("st", "")) if start else "Signature not valid in the specified time frame")
        return query.get("sp", "")
