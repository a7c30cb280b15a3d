"""One access token shared by every request of a command, refreshed once, shortly before it expires.

azure-core's bearer policy asks its credential for a new token whenever the one it holds has under five minutes left,
and MSAL refreshes any token with under five minutes left, so with short-lived tokens every request would redeem the
refresh token (a refresh storm). This wrapper keeps the token until it is within ``margin`` of expiry, where
``margin`` is 10 % of the token's lifetime capped at five minutes, and lets exactly one caller refresh while the
others wait for its result.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from azure.core.credentials import AccessToken

MAX_MARGIN_SECONDS = 300.0


class SharedTokenCredential:
    def __init__(
        self,
        inner: Any,
        on_refresh: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
        error_mapper: Callable[[BaseException], BaseException | None] | None = None,
    ) -> None:
        self.inner = inner
        self._on_refresh = on_refresh
        self._clock = clock
        self._error_mapper = error_mapper
        self._lock = threading.Lock()
        self._tokens: dict[tuple, tuple[AccessToken, float]] = {}
        self.refresh_count = 0

    def _due(self, token: AccessToken, fetched_at: float) -> bool:
        lifetime = max(0.0, token.expires_on - fetched_at)
        margin = min(MAX_MARGIN_SECONDS, max(1.0, lifetime * 0.1))
        return self._clock() >= token.expires_on - margin

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None, **kwargs: Any) -> AccessToken:
        key = (scopes, tenant_id)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and claims is None and not self._due(*cached):
                return cached[0]
            fetched_at = self._clock()
            try:
                extra = {k: v for k, v in (("claims", claims), ("tenant_id", tenant_id)) if v}
                token = self.inner.get_token(*scopes, **extra, **kwargs)
            except Exception as error:
                mapped = self._error_mapper(error) if self._error_mapper else None
                if mapped is not None:
                    raise mapped from None
                raise
            self._tokens[key] = (token, fetched_at)
            self.refresh_count += 1
            if self._on_refresh is not None:
                self._on_refresh()
            return token

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close:
            close()
