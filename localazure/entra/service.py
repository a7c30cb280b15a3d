"""The Entra ID emulator's state: directory, signing key, token minter, pending flows, client certificates, counters."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from localazure.config import App, Config
from localazure.entra.directory import Directory
from localazure.entra.flows import FlowStore
from localazure.entra.keys import SigningKey
from localazure.entra.tokens import TokenMinter


def thumbprints(certificate: x509.Certificate) -> tuple[str, str]:
    """The certificate's x5t (SHA-1) and x5t#S256 (SHA-256), base64url, as client assertions carry them."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    encode = lambda digest: base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")  # noqa: E731
    return encode(hashlib.sha1(der).digest()), encode(hashlib.sha256(der).digest())


@dataclass
class EntraService:
    config: Config
    base_url: str  # https://127.0.0.1:PORT, no tenant
    client_certificates: dict[str, list[x509.Certificate]] = field(default_factory=dict)
    key: SigningKey = field(default_factory=SigningKey.generate)
    workload_issuer_key: SigningKey = field(default_factory=SigningKey.generate)  # the Kubernetes-like issuer (workload.py)
    requests: Counter = field(default_factory=Counter)  # (grant_type, principal) -> count
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.directory = Directory(self.config)
        self.minter = TokenMinter(self.key, self.config.settings, self.base_url)
        self.flows = FlowStore(self.config.settings.device_code_lifetime_seconds)

    def count(self, grant_type: str, principal: str) -> None:
        with self._lock:
            self.requests[(grant_type, principal)] += 1

    def stats(self) -> dict:
        with self._lock:
            by_grant: Counter = Counter()
            rows = []
            for (grant_type, principal), count in sorted(self.requests.items()):
                by_grant[grant_type] += count
                rows.append({"grant_type": grant_type, "principal": principal, "count": count})
        return {"token_requests": dict(by_grant), "by_principal": rows}

    def certificate_for(self, app: App, x5t: str | None, x5t_s256: str | None) -> x509.Certificate | None:
        # Clients differ on base64url padding (MSAL keeps the "="); Entra accepts either.
        x5t, x5t_s256 = (x5t or "").rstrip("="), (x5t_s256 or "").rstrip("=")
        for certificate in self.client_certificates.get(app.client_id, []):
            sha1, sha256 = thumbprints(certificate)
            if (x5t and x5t == sha1) or (x5t_s256 and x5t_s256 == sha256):
                return certificate
        return None
