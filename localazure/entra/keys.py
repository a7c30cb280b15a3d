"""The emulator's token-signing key and the JWKS document that publishes it."""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes
    certificate_der: bytes
    n: int
    e: int

    @classmethod
    def generate(cls) -> "SigningKey":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.localazure.test")])
        now = datetime.datetime.now(datetime.timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        der = certificate.public_bytes(serialization.Encoding.DER)
        numbers = key.public_key().public_numbers()
        return cls(
            kid=secrets.token_urlsafe(20),
            private_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
            certificate_der=der,
            n=numbers.n,
            e=numbers.e,
        )

    def jwk(self) -> dict:
        thumbprint = base64.urlsafe_b64encode(hashlib.sha1(self.certificate_der).digest()).rstrip(b"=").decode("ascii")
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": thumbprint,
            "n": _b64url_uint(self.n),
            "e": _b64url_uint(self.e),
            "x5c": [base64.b64encode(self.certificate_der).decode("ascii")],
        }


def jwks(*keys: SigningKey) -> dict:
    return {"keys": [key.jwk() for key in keys]}
