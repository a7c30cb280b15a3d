"""Certificates of app registrations: loaded from the configured PEM files, or generated at start-up."""

from __future__ import annotations

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from localazure.config import App, ConfigError


def generate_certificate(common_name: str, destination: Path) -> x509.Certificate:
    """A self-signed certificate with its private key, in one PEM file as CertificateCredential reads it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    destination.chmod(0o600)
    return certificate


def load_app_certificates(apps: tuple[App, ...], directory: Path, config_dir: Path) -> tuple[dict[str, list[x509.Certificate]], dict[str, Path]]:
    """Every app's certificates by client id, and the PEM path of each generated one (for clients to use)."""
    certificates: dict[str, list[x509.Certificate]] = {}
    generated: dict[str, Path] = {}
    for app in apps:
        for index, spec in enumerate(app.certificates):
            if spec.generate:
                path = directory / f"{app.client_id}.pem" if index == 0 else directory / f"{app.client_id}-{index}.pem"
                certificate = generate_certificate(app.display_name, path)
                generated.setdefault(app.client_id, path)
            else:
                path = (config_dir / spec.path).resolve()
                try:
                    certificate = x509.load_pem_x509_certificate(path.read_bytes())
                except (OSError, ValueError) as error:
                    raise ConfigError(f"apps[{app.client_id}].certificates[{index}].path: cannot read a PEM certificate from {path}: {error}") from None
            certificates.setdefault(app.client_id, []).append(certificate)
    return certificates, generated
