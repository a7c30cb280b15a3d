"""Pending sign-ins: device codes waiting for a person, browser sign-in transactions and authorization codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from localazure.config import Tenant
from localazure.entra import errors

USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
AUTH_CODE_LIFETIME = 600


@dataclass
class DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    app_display_name: str
    tenant: Tenant | None  # None for common / organizations: the person's choice decides
    scope: str
    expires_at: float
    state: str = "pending"  # pending | approved | declined | redeemed
    upn: str | None = None
    tenant_id: str | None = None


@dataclass
class AuthorizationCode:
    upn: str
    tenant_id: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str
    nonce: str | None
    expires_at: float


@dataclass
class SignIn:
    """One person going through the sign-in pages, for a device code or for an authorization request."""

    id: str
    client_id: str
    app_display_name: str
    tenant: Tenant | None
    device_code: DeviceCode | None = None
    authorize: dict | None = None  # redirect_uri, state, scope, code_challenge, method, nonce
    upn: str | None = None  # set only once the password was checked
    tenant_id: str | None = None  # set once the tenant is known


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method.upper() == "PLAIN":
        computed = verifier
    else:
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


@dataclass
class FlowStore:
    device_code_lifetime: int
    clock: Callable[[], float] = time.time
    _device_by_device_code: dict[str, DeviceCode] = field(default_factory=dict)
    _device_by_user_code: dict[str, DeviceCode] = field(default_factory=dict)
    _sign_ins: dict[str, SignIn] = field(default_factory=dict)
    _auth_codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # device codes ------------------------------------------------------------------------------------------
    def new_device_code(self, client_id: str, app_display_name: str, tenant: Tenant | None, scope: str) -> DeviceCode:
        user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))
        code = DeviceCode(
            device_code="DAQABAAEAAAD" + secrets.token_urlsafe(48),
            user_code=user_code,
            client_id=client_id,
            app_display_name=app_display_name,
            tenant=tenant,
            scope=scope,
            expires_at=self.clock() + self.device_code_lifetime,
        )
        with self._lock:
            self._device_by_device_code[code.device_code] = code
            self._device_by_user_code[user_code] = code
        return code

    def find_user_code(self, user_code: str) -> DeviceCode | None:
        """The pending device code a person typed (case and spaces ignored), or None if it is unknown."""
        normalized = "".join((user_code or "").split()).upper().replace("-", "")
        return self._device_by_user_code.get(normalized)

    def pending_user_codes(self) -> list[dict]:
        """Codes still waiting for a person, newest first (for scripted approval)."""
        with self._lock:
            codes = [c for c in self._device_by_user_code.values() if c.state == "pending" and not self.is_expired(c)]
        return [{"user_code": c.user_code, "client_id": c.client_id, "expires_at": c.expires_at} for c in reversed(codes)]

    def is_expired(self, code: DeviceCode) -> bool:
        return self.clock() >= code.expires_at

    def approve(self, code: DeviceCode, upn: str, tenant_id: str) -> None:
        with self._lock:
            code.state, code.upn, code.tenant_id = "approved", upn, tenant_id

    def decline(self, code: DeviceCode) -> None:
        with self._lock:
            code.state = "declined"

    def poll(self, device_code: str, client_id: str) -> DeviceCode:
        """What the token endpoint answers for a device_code grant; approved codes are redeemed once."""
        with self._lock:
            code = self._device_by_device_code.get(device_code)
            if code is None or code.client_id != client_id.lower():
                raise errors.bad_device_code()
            if code.state == "declined":
                raise errors.authorization_declined()
            if code.state == "redeemed":
                raise errors.invalid_authorization_code()
            if self.clock() >= code.expires_at:
                raise errors.device_code_expired()
            if code.state == "pending":
                raise errors.authorization_pending()
            code.state = "redeemed"
            return code

    # browser sign-ins --------------------------------------------------------------------------------------
    def new_sign_in(self, client_id: str, app_display_name: str, tenant: Tenant | None, device_code: DeviceCode | None = None, authorize: dict | None = None) -> SignIn:
        sign_in = SignIn(secrets.token_urlsafe(24), client_id, app_display_name, tenant, device_code, authorize)
        with self._lock:
            self._sign_ins[sign_in.id] = sign_in
        return sign_in

    def sign_in(self, sign_in_id: str) -> SignIn | None:
        return self._sign_ins.get(sign_in_id or "")

    def finish_sign_in(self, sign_in: SignIn) -> None:
        with self._lock:
            self._sign_ins.pop(sign_in.id, None)

    # authorization codes -----------------------------------------------------------------------------------
    def new_authorization_code(self, sign_in: SignIn) -> str:
        assert sign_in.authorize is not None and sign_in.upn and sign_in.tenant_id
        request = sign_in.authorize
        code = "0.local." + secrets.token_urlsafe(48)
        with self._lock:
            self._auth_codes[code] = AuthorizationCode(
                upn=sign_in.upn,
                tenant_id=sign_in.tenant_id,
                client_id=sign_in.client_id,
                redirect_uri=request["redirect_uri"],
                scope=request["scope"],
                code_challenge=request.get("code_challenge"),
                code_challenge_method=request.get("code_challenge_method") or "plain",
                nonce=request.get("nonce"),
                expires_at=self.clock() + AUTH_CODE_LIFETIME,
            )
        return code

    def redeem_authorization_code(self, code: str, client_id: str, redirect_uri: str, verifier: str | None) -> AuthorizationCode:
        with self._lock:
            grant = self._auth_codes.pop(code or "", None)
        if grant is None or grant.client_id != client_id.lower() or self.clock() >= grant.expires_at:
            raise errors.invalid_authorization_code()
        if grant.redirect_uri != redirect_uri:
            raise errors.invalid_redirect_uri(redirect_uri, client_id)
        if grant.code_challenge and not (verifier and pkce_matches(verifier, grant.code_challenge, grant.code_challenge_method)):
            raise errors.pkce_mismatch()
        return grant
