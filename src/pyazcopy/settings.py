"""Settings read once by cli/ from the environment and passed down as values.

``ENVIRONMENT_VARIABLES`` is the one table of every variable pyazcopy honours: AzCopy's own ``AZCOPY_*`` names (same
meaning as in AzCopy), the standard ``AZURE_*`` workload identity variables, and pyazcopy's additions (``PYAZCOPY_*``).
``pyazcopy env`` prints it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping



@dataclass(frozen=True)
class Variable:
    name: str
    description: str
    hidden: bool = False  # a secret: `env` shows REDACTED unless --show-sensitive


ENVIRONMENT_VARIABLES: tuple[Variable, ...] = (
    Variable("AZCOPY_AUTO_LOGIN_TYPE", "Specify the credential type to access Azure Resource without invoking the login command and using the OS secret store, available values DEVICE, BROWSER, SPN, MSI, AZCLI, PSCRED and WORKLOAD. pyazcopy's login command also honours it when --login-type is not given."),
    Variable("AZCOPY_TENANT_ID", "The Microsoft Entra tenant ID to use for OAuth device interactive login. This variable is only used for auto login, please use the command line flag instead when invoking the login command."),
    Variable("AZCOPY_ACTIVE_DIRECTORY_ENDPOINT", "The Microsoft Entra endpoint to use. Used by auto login and as the default of login's --aad-endpoint."),
    Variable("AZCOPY_SPA_APPLICATION_ID", "The Microsoft Entra application ID used for Service Principal authentication. This variable is only used for auto login, please use the command line flag instead when invoking the login command."),
    Variable("AZCOPY_SPA_CLIENT_SECRET", "The Microsoft Entra client secret used for Service Principal authentication", hidden=True),
    Variable("AZCOPY_SPA_CERT_PATH", "The path of the certificate used for Service Principal authentication. This variable is only used for auto login, please use the command line flag instead when invoking the login command."),
    Variable("AZCOPY_SPA_CERT_PASSWORD", "The password used to decrypt the certificate used for Service Principal authentication.", hidden=True),
    Variable("AZCOPY_MSI_CLIENT_ID", "Client ID for User-assigned identity. This variable is only used for auto login, please use the command line flag instead when invoking the login command."),
    Variable("AZCOPY_MSI_OBJECT_ID", "Object ID for user-assigned identity. This variable is only used for auto login, please use the command line flag instead when invoking the login command."),
    Variable("AZCOPY_MSI_RESOURCE_STRING", "Resource String for user-assigned identity. This variable is only used for auto login, please use the command line flag instead when invoking the login command."),
    Variable("AZURE_TENANT_ID", "Workload identity (WORKLOAD login type): the tenant of the federated application."),
    Variable("AZURE_CLIENT_ID", "Workload identity (WORKLOAD login type): the client ID of the federated application."),
    Variable("AZURE_FEDERATED_TOKEN_FILE", "Workload identity (WORKLOAD login type): the file holding the federated token, as Kubernetes mounts it."),
    Variable("AZURE_AUTHORITY_HOST", "Workload identity (WORKLOAD login type): the Microsoft Entra authority host."),
    Variable("PYAZCOPY_CONFIG_DIR", "Where pyazcopy keeps its non-secret login record (login.json) and, only with the plaintext opt-in, the token file. Default: ~/.pyazcopy."),
    Variable("PYAZCOPY_TOKEN_STORE", "Where login keeps its secrets: auto (default), kernel (Linux kernel keyring, user keyring @u), secret-service (GNOME keyring and other Secret Service providers), keyring (the platform store of the Python keyring library: macOS Keychain, Windows Credential Locker) or file (an owner-only file; needs PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE=1)."),
    Variable("PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE", "Set to 1 to allow login to keep its secrets in an owner-only (0600) file in PYAZCOPY_CONFIG_DIR when no secret store works. The file is not encrypted. Off by default."),
    Variable("PYAZCOPY_TRUSTED_ENDPOINTS", "Semicolon-separated https origins (https://host:port) outside Azure's storage domains, e.g. an emulator on 127.0.0.1, to which OAuth tokens may be sent. Exact origins only; nothing else is loosened."),
    Variable("AZCOPY_LOG_LOCATION", "Overrides where the log files are stored, to avoid filling up a disk."),
    Variable("AZCOPY_JOB_PLAN_LOCATION", "Overrides where the job plan files (used for progress tracking and resuming) are stored, to avoid filling up a disk."),
    Variable("AZCOPY_CONCURRENCY_VALUE", "Overrides how many HTTP connections work on transfers. By default, this number is determined based on the number of logical cores on the machine. AUTO tunes it while the job runs (from 4 connections upward, as long as throughput improves)."),
    Variable("PYAZCOPY_TUNING_INTERVAL_SECONDS", "With AZCOPY_CONCURRENCY_VALUE=AUTO: how long each tried number of connections settles and is then measured. Default: 4."),
    Variable("AZCOPY_BUFFER_GB", "Max number of GB that AzCopy should use for buffering data between network and disk. May include decimal point, e.g. 0.5. The default is based on machine size."),
    Variable("AWS_ACCESS_KEY_ID", "The AWS access key ID for S3 source used in service to service copy."),
    Variable("AWS_SECRET_ACCESS_KEY", "The AWS secret access key for S3 source used in service to service copy.", hidden=True),
    Variable("CPK_ENCRYPTION_KEY", "Customer-provided encryption key.", hidden=True),
)

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"  # same as model.DEFAULT_AUTHORITY (leaves import nothing)
TOKEN_STORE_CHOICES = ("auto", "kernel", "secret-service", "keyring", "file")


def ca_bundle_from(env: Mapping[str, str]) -> str:
    """The CA bundle the environment names for HTTPS (what requests and OpenSSL honour), or "" for the system's."""
    return next((env[name].strip() for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE") if (env.get(name) or "").strip()), "")


def proxies_from(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``*_proxy`` variables as ``urllib.request.getproxies_environment`` reads them (lower case wins), as pairs like
    ("https", "http://proxy:3128") and ("no", "localhost,.internal")."""
    found: dict[str, str] = {}
    for name, value in env.items():
        if value and name.lower().endswith("_proxy") and name.lower() != "request_method_proxy":
            key = name.lower()[: -len("_proxy")]
            if name.islower() or key not in found:
                found[key] = value
    return tuple(sorted(found.items()))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """What the environment says, as plain values. Built once by cli/ (or by the Python API's caller)."""

    config_dir: Path
    auto_login_type: str = ""
    tenant_id: str = ""
    aad_endpoint: str = ""
    spa_application_id: str = ""
    spa_client_secret: str = field(default="", repr=False)
    spa_cert_path: str = ""
    spa_cert_password: str = field(default="", repr=False)
    msi_client_id: str = ""
    msi_object_id: str = ""
    msi_resource_string: str = ""
    azure_tenant_id: str = ""
    azure_client_id: str = ""
    azure_federated_token_file: str = ""
    azure_authority_host: str = ""
    token_store: str = "auto"
    allow_plaintext_store: bool = False
    trusted_endpoints: tuple[str, ...] = ()
    trusted_suffixes: tuple[str, ...] = ()  # from --trusted-microsoft-suffixes
    ca_bundle: str = ""  # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE / SSL_CERT_FILE; "" = the system's trust store
    proxies: tuple[tuple[str, str], ...] = ()  # HTTPS_PROXY, HTTP_PROXY, NO_PROXY (see proxies_from)

    @property
    def authority(self) -> str:
        return (self.aad_endpoint or DEFAULT_AUTHORITY).rstrip("/")

    @classmethod
    def from_environment(cls, env: Mapping[str, str], home: Path | None = None) -> "Settings":
        get = lambda name: (env.get(name) or "").strip()  # noqa: E731
        home = home or Path(env.get("HOME") or os.path.expanduser("~"))
        config_dir = Path(get("PYAZCOPY_CONFIG_DIR") or home / ".pyazcopy").expanduser()
        return cls(
            config_dir=config_dir,
            auto_login_type=get("AZCOPY_AUTO_LOGIN_TYPE"),
            tenant_id=get("AZCOPY_TENANT_ID"),
            aad_endpoint=get("AZCOPY_ACTIVE_DIRECTORY_ENDPOINT"),
            spa_application_id=get("AZCOPY_SPA_APPLICATION_ID"),
            spa_client_secret=env.get("AZCOPY_SPA_CLIENT_SECRET") or "",
            spa_cert_path=get("AZCOPY_SPA_CERT_PATH"),
            spa_cert_password=env.get("AZCOPY_SPA_CERT_PASSWORD") or "",
            msi_client_id=get("AZCOPY_MSI_CLIENT_ID"),
            msi_object_id=get("AZCOPY_MSI_OBJECT_ID"),
            msi_resource_string=get("AZCOPY_MSI_RESOURCE_STRING"),
            azure_tenant_id=get("AZURE_TENANT_ID"),
            azure_client_id=get("AZURE_CLIENT_ID"),
            azure_federated_token_file=get("AZURE_FEDERATED_TOKEN_FILE"),
            azure_authority_host=get("AZURE_AUTHORITY_HOST"),
            token_store=(get("PYAZCOPY_TOKEN_STORE") or "auto").lower(),
            allow_plaintext_store=_truthy(env.get("PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE")),
            trusted_endpoints=tuple(part.strip().rstrip("/") for part in get("PYAZCOPY_TRUSTED_ENDPOINTS").split(";") if part.strip()),
            ca_bundle=ca_bundle_from(env),
            proxies=proxies_from(env),
        )
