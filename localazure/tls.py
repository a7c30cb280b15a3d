"""The test certificate authority and the combined CA bundle every process of a run trusts."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, Alpine
)


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path  # the test CA alone
    bundle: Path  # system CAs followed by the test CA
    server_cert: Path  # leaf certificate chain for 127.0.0.1 / localhost
    server_key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert, self.server_key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.bundle))


def _system_bundle() -> str:
    for candidate in SYSTEM_BUNDLES:
        path = Path(candidate)
        if path.is_file():
            return path.read_text(encoding="utf-8")
    default = ssl.get_default_verify_paths().cafile
    return Path(default).read_text(encoding="utf-8") if default else ""


def create_tls_files(directory: Path) -> TlsFiles:
    """Make a fresh test CA and a server certificate for 127.0.0.1, ::1 and localhost under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="localazure test CA")
    server = authority.issue_cert("127.0.0.1", "::1", "localhost")
    files = TlsFiles(
        ca_cert=directory / "ca.pem",
        bundle=directory / "ca-bundle.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server-key.pem",
    )
    authority.cert_pem.write_to_path(str(files.ca_cert))
    server.private_key_pem.write_to_path(str(files.server_key))
    files.server_key.chmod(0o600)
    files.server_cert.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems))
    system = _system_bundle()
    files.bundle.write_text(system.rstrip("\n") + "\n" + authority.cert_pem.bytes().decode("ascii"), encoding="utf-8")
    return files
