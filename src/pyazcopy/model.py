"""Frozen dataclasses and enums that cross layers. Persisted formats carry a schema version."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

STORAGE_SCOPE = "https://storage.azure.com/.default"
AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"  # AzCopy's first-party public client
DEFAULT_TENANT_ID = "common"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"


class InvalidLoginType(ValueError):
    """An unknown login type; the message names the valid ones (cli/ and api turn it into a UsageError)."""


class LoginType(str, enum.Enum):
    """``--login-type`` and ``AZCOPY_AUTO_LOGIN_TYPE`` values; parsed case-insensitively like AzCopy."""

    DEVICE = "DEVICE"
    BROWSER = "BROWSER"
    SPN = "SPN"
    MSI = "MSI"
    AZCLI = "AZCLI"
    PSCRED = "PSCRED"
    WORKLOAD = "WORKLOAD"

    @classmethod
    def parse(cls, value: str, source: str = "--login-type") -> "LoginType":
        try:
            return cls(value.strip().upper())
        except ValueError:
            valid = ", ".join(member.value for member in cls)
            raise InvalidLoginType(f"invalid {source} value {value!r}; valid values are {valid} (case-insensitive)") from None

    @property
    def is_user_sign_in(self) -> bool:
        """Interactive user sign-in whose refresh token must be kept in a secret store."""
        return self in (LoginType.DEVICE, LoginType.BROWSER)

    @property
    def needs_secret_store(self) -> bool:
        """Persisting this login keeps a secret (refresh token, client secret or certificate password)."""
        return self in (LoginType.DEVICE, LoginType.BROWSER, LoginType.SPN)


class OutputFormat(str, enum.Enum):
    TEXT = "text"
    JSON = "json"


@dataclass(frozen=True)
class LoginRequest:
    """Everything a login needs. Secrets are kept out of ``repr`` so they cannot reach a log by accident."""

    login_type: LoginType = LoginType.DEVICE
    tenant_id: str = DEFAULT_TENANT_ID
    authority: str = DEFAULT_AUTHORITY
    application_id: str = ""
    certificate_path: str = ""
    client_secret: str = field(default="", repr=False)
    certificate_password: str = field(default="", repr=False)
    identity_client_id: str = ""
    identity_object_id: str = ""
    identity_resource_id: str = ""
    # Workload identity (the standard AZURE_* variables, read by cli/ and passed down)
    workload_tenant_id: str = ""
    workload_client_id: str = ""
    workload_token_file: str = ""
    workload_authority: str = ""


LOGIN_RECORD_SCHEMA = 1


@dataclass(frozen=True)
class LoginRecord:
    """The non-secret half of a saved login (the secret half lives in a secret store under ``store_key``)."""

    login_type: LoginType
    tenant_id: str
    authority: str
    client_id: str = ""
    username: str = ""
    authentication_record: str = ""  # azure-identity AuthenticationRecord.serialize(): ids only, no token
    store: str = ""  # secret store kind holding the secret half, "" when the login type keeps no secret
    store_key: str = ""
    certificate_path: str = ""
    identity_client_id: str = ""
    identity_object_id: str = ""
    identity_resource_id: str = ""
    token_file: str = ""  # WORKLOAD: the federated token file (a path, not the token)
    created_at: str = ""
    schema_version: int = LOGIN_RECORD_SCHEMA


@dataclass(frozen=True)
class LoginStatus:
    valid: bool
    tenant_id: str = ""
    authority: str = ""
    login_type: LoginType | None = None
    username: str = ""
    reason: str = ""


@dataclass(frozen=True)
class StorageLocation:
    """A parsed storage URL in either shape: ``https://acct.blob.core.windows.net/c/p`` or the path style
    ``https://127.0.0.1:PORT/acct/c/p`` that emulators and Azure Stack use. ``sas`` is kept out of ``repr``."""

    scheme: str
    host: str  # host[:port] as written
    account: str
    container: str = ""
    path: str = ""
    path_style: bool = False
    service: str = "blob"  # blob | dfs | file
    sas: str = field(default="", repr=False)

    @property
    def account_url(self) -> str:
        base = f"{self.scheme}://{self.host}"
        return f"{base}/{self.account}" if self.path_style else base

    @property
    def redacted(self) -> str:
        """The URL for messages: the SAS signature is never shown."""
        url = self.account_url + (f"/{self.container}" if self.container else "") + (f"/{self.path}" if self.path else "")
        return url + ("?<SAS redacted>" if self.sas else "")


@dataclass(frozen=True)
class ListedObject:
    """One entry of ``list``: AzCopy's ListObject, sizes in bytes."""

    path: str
    size: int
    last_modified: datetime | None = None
    version_id: str = ""
    blob_type: str = ""
    access_tier: str = ""
    content_type: str = ""
    content_encoding: str = ""
    content_md5: bytes = b""
    lease_state: str = ""
    lease_status: str = ""
    lease_duration: str = ""
    archive_status: str = ""


@dataclass(frozen=True)
class ListSummary:
    file_count: int
    total_size: int
