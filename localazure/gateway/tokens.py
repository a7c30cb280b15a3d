"""Checking a bearer token the way Azure Storage does: signature, issuer tenant, audience, lifetime."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers

from localazure.gateway.errors import StorageError, authentication_failed, invalid_authentication_info

STORAGE_RESOURCE = "https://storage.azure.com"
STORAGE_APP_ID = "e406a681-f3d4-42a8-90b6-c2b029497af1"  # Azure Storage's first-party application id
OLDEST_BEARER_VERSION = "2017-11-09"  # the first x-ms-version that accepts Bearer tokens

ISSUER_MISMATCH = "Issuer validation failed. Issuer did not match."
AUDIENCE_MISMATCH = "Audience validation failed. Audience did not match."
SIGNATURE_INVALID = "Signature validation failed. Signature verification failed."
MALFORMED = "Signature validation failed. The token is not a well-formed JWT."
EXPIRED = "Lifetime validation failed. The token is expired."
NOT_YET_VALID = "Lifetime validation failed. The token is not yet valid."
NO_LIFETIME = "Lifetime validation failed. The token is missing an Expiration Time."
OLD_VERSION = "Authentication scheme Bearer is not supported in this version."


def public_key(n: int, e: int) -> RSAPublicKey:
    return RSAPublicNumbers(e, n).public_key()


def audiences_for(account: str) -> frozenset[str]:
    """The audiences a storage account accepts (the same list Azurite's --oauth basic checks)."""
    account_url = f"https://{account}.blob.core.windows.net"
    return frozenset({STORAGE_RESOURCE, STORAGE_RESOURCE + "/", STORAGE_APP_ID, account_url, account_url + "/"})


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for: the object id that role assignments name, in the account's tenant."""

    object_id: str
    tenant_id: str
    claims: Mapping[str, Any] = field(compare=False, repr=False, default_factory=dict)

    @property
    def label(self) -> str:
        return str(self.claims.get("upn") or self.claims.get("appid") or self.object_id)


@dataclass
class TokenValidator:
    keys: Callable[[], Mapping[str, RSAPublicKey]]  # kid -> public key, the emulator's JWKS
    account: str
    account_tenant: str  # the tenant that owns the storage account
    known_tenants: frozenset[str]  # every tenant the identity provider knows
    authority: str  # https://127.0.0.1:PORT of the identity provider
    clock: Callable[[], float] = time.time

    @property
    def challenge(self) -> str:
        """Azure's WWW-Authenticate challenge: where to get a token for this account, and for which resource."""
        return f"Bearer authorization_uri={self.authority}/{self.account_tenant}/oauth2/authorize resource_id={STORAGE_RESOURCE}"

    def validate(self, token: str, version: str | None = None) -> Caller:
        """The caller of a valid token; otherwise raises StorageError shaped like Azure's answer."""
        if version and version < OLDEST_BEARER_VERSION:
            raise authentication_failed(OLD_VERSION)
        claims = self._verified_claims(token)
        self._check_issuer(claims)
        audience = claims.get("aud")
        if not isinstance(audience, str) or audience not in audiences_for(self.account):
            raise authentication_failed(AUDIENCE_MISMATCH)
        self._check_lifetime(claims)
        object_id = claims.get("oid") or claims.get("sub")
        if not isinstance(object_id, str) or not object_id:
            raise authentication_failed(MALFORMED)
        return Caller(object_id=object_id.lower(), tenant_id=str(claims["tid"]).lower(), claims=claims)

    def _verified_claims(self, token: str) -> dict:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise authentication_failed(MALFORMED) from None
        key = self.keys().get(str(header.get("kid")))
        if header.get("alg") != "RS256" or key is None:
            raise authentication_failed(SIGNATURE_INVALID)
        try:
            return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False, "verify_iss": False, "verify_exp": False, "verify_nbf": False, "verify_iat": False})
        except jwt.InvalidSignatureError:
            raise authentication_failed(SIGNATURE_INVALID) from None
        except jwt.PyJWTError:
            raise authentication_failed(MALFORMED) from None

    def _check_issuer(self, claims: dict) -> None:
        tenant = str(claims.get("tid", "")).lower()
        try:
            uuid.UUID(tenant)
        except ValueError:
            raise authentication_failed(ISSUER_MISMATCH) from None
        if claims.get("iss") != f"https://sts.windows.net/{tenant}/" or tenant not in self.known_tenants:
            raise authentication_failed(ISSUER_MISMATCH)
        if tenant != self.account_tenant:
            # A real tenant, but not the one that owns the account: Azure answers 401 with the challenge that
            # names the right tenant, which is how the SDKs discover it.
            raise invalid_authentication_info(ISSUER_MISMATCH, self.challenge)

    def _check_lifetime(self, claims: dict) -> None:
        expires, not_before = claims.get("exp"), claims.get("nbf", claims.get("iat"))
        if not isinstance(expires, (int, float)) or not isinstance(not_before, (int, float)):
            raise authentication_failed(NO_LIFETIME)
        now = self.clock()
        if now < not_before:
            raise authentication_failed(NOT_YET_VALID)
        if now >= expires:
            raise authentication_failed(EXPIRED)


__all__ = ["Caller", "StorageError", "TokenValidator", "audiences_for", "public_key"]
