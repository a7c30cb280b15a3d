"""Minting Entra-shaped tokens: v1 access tokens, v2 id tokens, client_info and server-side refresh tokens."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

import jwt

from localazure.config import Settings
from localazure.entra import errors
from localazure.entra.directory import Principal
from localazure.entra.keys import SigningKey

OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
GRAPH_RESOURCE = "https://graph.microsoft.com"


def resource_of(scope: str) -> str:
    """The audience a space-separated scope asks for: `https://storage.azure.com/.default` -> `https://storage.azure.com`."""
    resources = set()
    for item in scope.split():
        if item.lower() in OIDC_SCOPES:
            continue
        resources.add(item.rsplit("/", 1)[0] if "/" in item else item)
    if len(resources) > 1:
        raise errors.EntraError("invalid_scope", 28000, f"Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid.")
    return resources.pop() if resources else GRAPH_RESOURCE


def wants(scope: str, oidc_scope: str) -> bool:
    return oidc_scope in scope.split()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class RefreshGrant:
    """What a refresh token stands for; the token itself is an opaque random string, as in Entra."""

    upn: str
    tenant_id: str
    client_id: str
    issued_at: float
    expires_at: float


@dataclass
class TokenMinter:
    key: SigningKey
    settings: Settings
    issuer_base: str  # https://127.0.0.1:PORT
    clock: Callable[[], float] = time.time
    access_token_lifetime: int | None = None  # runtime override (admin API)
    _refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    _revoked_before: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def lifetime(self) -> int:
        return self.access_token_lifetime or self.settings.access_token_lifetime_seconds

    def _sign(self, claims: dict) -> str:
        return jwt.encode(claims, self.key.private_pem, algorithm="RS256", headers={"kid": self.key.kid, "x5t": self.key.jwk()["x5t"], "typ": "JWT"})

    def access_token(self, principal: Principal, resource: str, client_id: str, app_display_name: str) -> tuple[str, int]:
        now = int(self.clock())
        lifetime = self.lifetime
        claims = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{principal.tenant.id}/",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "aio": _b64url(secrets.token_bytes(24)),
            "appid": client_id,
            "appidacr": "0",
            "oid": principal.object_id,
            "rh": "0.local." + _b64url(secrets.token_bytes(9)),
            "sub": principal.object_id,
            "tid": principal.tenant.id,
            "uti": _b64url(secrets.token_bytes(16)),
            "ver": "1.0",
            "xms_ftd": "localazure",
        }
        if principal.user is not None:
            given, _, family = principal.display_name.partition(" ")
            claims.update(
                {
                    "acr": "1",
                    "amr": ["pwd"],
                    "app_displayname": app_display_name,
                    "family_name": family,
                    "given_name": given,
                    "name": principal.display_name,
                    "scp": "user_impersonation",
                    "unique_name": principal.user.upn,
                    "upn": principal.user.upn,
                    "idtyp": "user",
                }
            )
            if principal.is_guest:
                claims["idp"] = f"https://sts.windows.net/{principal.home_tenant.id}/"
                claims["acct"] = 1
        else:
            claims.update({"idtyp": "app", "roles": [], "appidacr": "2"})
            if principal.managed_identity is not None:
                claims["xms_mirid"] = principal.managed_identity.resource_id
        return self._sign(claims), lifetime

    def id_token(self, principal: Principal, client_id: str, nonce: str | None) -> str:
        now = int(self.clock())
        assert principal.user is not None
        claims = {
            "aud": client_id,
            "iss": f"{self.issuer_base}/{principal.tenant.id}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": principal.display_name,
            "oid": principal.object_id,
            "preferred_username": principal.user.upn,
            "rh": "0.local." + _b64url(secrets.token_bytes(9)),
            "sub": _b64url(f"{principal.object_id}:{client_id}".encode()),
            "tid": principal.tenant.id,
            "uti": _b64url(secrets.token_bytes(16)),
            "ver": "2.0",
        }
        if nonce:
            claims["nonce"] = nonce
        return self._sign(claims)

    @staticmethod
    def client_info(principal: Principal) -> str:
        """Base64url {"uid","utid"}: the user's home account, as Entra sends it (MSAL's home_account_id)."""
        home = principal.home_tenant or principal.tenant
        home_object_id = principal.user.object_id if principal.user else principal.object_id
        return _b64url(json.dumps({"uid": home_object_id, "utid": home.id}).encode())

    # refresh tokens ----------------------------------------------------------------------------------------
    def issue_refresh_token(self, upn: str, tenant_id: str, client_id: str) -> str:
        token = "1.local." + secrets.token_urlsafe(48)
        now = self.clock()
        with self._lock:
            self._refresh[token] = RefreshGrant(upn, tenant_id, client_id, now, now + self.settings.refresh_token_lifetime_seconds)
        return token

    def redeem_refresh_token(self, token: str, client_id: str) -> RefreshGrant:
        with self._lock:
            grant = self._refresh.get(token)
            if grant is None or grant.client_id != client_id.lower():
                raise errors.invalid_refresh_token()
            if grant.issued_at < self._revoked_before.get(grant.upn, float("-inf")):
                raise errors.refresh_token_revoked()
            if self.clock() >= grant.expires_at:
                raise errors.refresh_token_expired()
            return grant

    def revoke_user(self, upn: str) -> None:
        """Sign the user out everywhere: every refresh token issued before now stops working."""
        with self._lock:
            self._revoked_before[upn.lower()] = self.clock() + 1e-6


def new_request_id() -> str:
    return str(uuid.uuid4())
