"""A saved user login's still-valid access token, read straight from its MSAL token cache.

Every command with a saved DEVICE or BROWSER login used to import msal and azure-identity (about 0.4 s of CPU) only to
have MSAL find, in the cache the secret store hands back, the access token an earlier command had stored there. This
module finds that token the way MSAL's silent acquisition does (same client, authority host, tenant, account and
scope; a bearer token with at least five minutes left and no ``refresh_on`` passed) without those imports, and
:class:`CachedFirstCredential` builds the full credential only when a token has to be requested. AzCopy, too, keeps
the access token with the refresh token and uses it until it is about to expire.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, NamedTuple
from urllib.parse import urlsplit

from pyazcopy.model import STORAGE_SCOPE, LoginRecord

EXPIRY_MARGIN_SECONDS = 300  # MSAL treats an access token with under five minutes left as expired


class CachedAccessToken(NamedTuple):
    """The two fields of azure-core's ``AccessToken`` that its bearer policy and the lean transport read."""

    token: str
    expires_on: int


def _authority_hosts(authority: str) -> set[str]:
    parts = urlsplit(authority if "://" in authority else f"https://{authority}")
    return {host for host in (parts.netloc, parts.hostname or "") if host}


def valid_cached_token(cache_text: str, record: LoginRecord, scope: str = STORAGE_SCOPE, now: float | None = None) -> CachedAccessToken | None:
    """The access token for ``scope`` that MSAL would return silently for ``record``'s account, or None."""
    try:
        cache = json.loads(cache_text or "{}")
        account = json.loads(record.authentication_record or "{}")
    except ValueError:
        return None
    home_account_id = account.get("homeAccountId")
    hosts = _authority_hosts(record.authority) | _authority_hosts(account.get("authority", ""))
    now = time.time() if now is None else now
    best: CachedAccessToken | None = None
    for entry in (cache.get("AccessToken") or {}).values():
        try:
            matches = (
                entry.get("credential_type") == "AccessToken"
                and entry.get("client_id") == record.client_id
                and entry.get("realm") == record.tenant_id
                and entry.get("home_account_id") == home_account_id
                and entry.get("environment") in hosts
                and scope in str(entry.get("target", "")).split()
                and str(entry.get("token_type", "Bearer")).lower() == "bearer"
                and "key_id" not in entry and "ext_cache_key" not in entry  # bound to a key or an FMI path
                and not ("refresh_on" in entry and int(entry["refresh_on"]) <= now)
            )
            expires_on = int(entry["expires_on"])
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if matches and home_account_id and expires_on - now >= EXPIRY_MARGIN_SECONDS and entry.get("secret"):
            if best is None or expires_on > best.expires_on:
                best = CachedAccessToken(str(entry["secret"]), expires_on)
    return best


class CachedFirstCredential:
    """Serves ``token`` for ``scope`` while it has more than five minutes left; after that, or for anything else
    (another scope, a claims challenge, another tenant), builds the full credential once and hands over to it."""

    def __init__(self, token: CachedAccessToken, build_full: Callable[[], Any], scope: str = STORAGE_SCOPE,
                 clock: Callable[[], float] = time.time) -> None:
        self._token, self._build_full, self._scope, self._clock = token, build_full, scope, clock
        self._full: Any = None
        self._lock = threading.Lock()

    @property
    def uses_cached_token(self) -> bool:
        return self._full is None

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None, **kwargs: Any) -> Any:
        with self._lock:
            if (self._full is None and scopes == (self._scope,) and claims is None and tenant_id is None and not kwargs
                    and self._token.expires_on - self._clock() >= EXPIRY_MARGIN_SECONDS):
                return self._token
            if self._full is None:
                self._full = self._build_full()
            full = self._full
        extra = {k: v for k, v in (("claims", claims), ("tenant_id", tenant_id)) if v}
        return full.get_token(*scopes, **extra, **kwargs)

    def close(self) -> None:
        close = getattr(self._full, "close", None)
        if close:
            close()
