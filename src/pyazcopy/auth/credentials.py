"""Login types -> azure-identity credentials, one constructor each. Only values come in (no environment reading)."""

from __future__ import annotations

from typing import Any, Callable, Protocol
from urllib.parse import urlsplit

from azure.identity import (
    AuthenticationRecord,
    AzureCliCredential,
    AzurePowerShellCredential,
    CertificateCredential,
    ClientSecretCredential,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)

from pyazcopy.errors import UsageError
from pyazcopy.model import AZCOPY_CLIENT_ID, DEFAULT_TENANT_ID, LoginRequest, LoginType

# Authorities MSAL knows; for any other (sovereign private clouds, Azure Stack, localazure) instance discovery is off,
# or MSAL would ask login.microsoftonline.com to vouch for it.
KNOWN_AUTHORITY_HOSTS = {
    "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn", "login.microsoftonline.de",
    "login.windows.net", "login.microsoft.com", "sts.windows.net", "login.partner.microsoftonline.cn",
}
DEVICE_CODE_TIMEOUT_SECONDS = 900


class DevicePrompt(Protocol):
    def __call__(self, verification_uri: str, user_code: str, expires_on: Any) -> None: ...


def normalize_authority(authority: str) -> str:
    authority = authority.strip().rstrip("/")
    if "://" not in authority:
        authority = "https://" + authority
    return authority


def _entra_kwargs(request: LoginRequest, cache: Any = None) -> dict:
    authority = normalize_authority(request.authority)
    host = (urlsplit(authority).hostname or "").lower()
    kwargs: dict = {"authority": authority, "disable_instance_discovery": host not in KNOWN_AUTHORITY_HOSTS}
    if cache is not None:
        # azure-identity has no public hook for a caller-owned MSAL cache; these keywords hand it ours so the
        # refresh token can be serialized into a secret store of our choosing (see docs/ARCHITECTURE.md).
        kwargs["_cache"] = cache
        kwargs["_cae_cache"] = cache
    return kwargs


def _tenant_or_none(tenant_id: str) -> str | None:
    return None if not tenant_id or tenant_id.lower() == DEFAULT_TENANT_ID else tenant_id


def user_credential(
    request: LoginRequest,
    prompt: DevicePrompt | None = None,
    cache: Any = None,
    record: AuthenticationRecord | None = None,
    browser_opener: Callable[[str], Any] | None = None,
):
    """DEVICE or BROWSER. With ``record`` it only refreshes silently; it never prompts."""
    entra = _entra_kwargs(request, cache)
    if record is not None:
        # azure-identity keeps the record's authority as the id token's issuer host, without a scheme, and uses it
        # as the authority; MSAL then fails. The saved login's authority (with https://) is the one to use.
        record = AuthenticationRecord(record.tenant_id, record.client_id, entra.pop("authority"), record.home_account_id, record.username)
    common = dict(
        client_id=request.application_id or AZCOPY_CLIENT_ID,
        tenant_id=(record.tenant_id if record else None) or request.tenant_id or DEFAULT_TENANT_ID,
        authentication_record=record,
        disable_automatic_authentication=record is not None,
        **entra,
    )
    if request.login_type is LoginType.BROWSER:
        return InteractiveBrowserCredential(**common)
    return DeviceCodeCredential(prompt_callback=prompt, timeout=DEVICE_CODE_TIMEOUT_SECONDS, **common)


def service_principal_credential(request: LoginRequest):
    if not request.application_id:
        raise UsageError("SPN login needs the application ID: pass --application-id (or AZCOPY_SPA_APPLICATION_ID for auto-login)")
    tenant = _tenant_or_none(request.tenant_id)
    if tenant is None:
        raise UsageError("SPN login needs the tenant ID of the application: pass --tenant-id (or AZCOPY_TENANT_ID for auto-login)")
    if request.certificate_path:
        return CertificateCredential(tenant, request.application_id, request.certificate_path, password=request.certificate_password or None, **_entra_kwargs(request))
    if not request.client_secret:
        raise UsageError("SPN login needs a client secret in AZCOPY_SPA_CLIENT_SECRET, or a certificate: --certificate-path (password in AZCOPY_SPA_CERT_PASSWORD)")
    return ClientSecretCredential(tenant, request.application_id, request.client_secret, **_entra_kwargs(request))


def managed_identity_credential(request: LoginRequest):
    chosen = [value for value in (request.identity_client_id, request.identity_object_id, request.identity_resource_id) if value]
    if len(chosen) > 1:
        raise UsageError("client ID, object ID and MSI resource ID are mutually exclusive")
    if request.identity_client_id:
        return ManagedIdentityCredential(client_id=request.identity_client_id)
    if request.identity_resource_id:
        return ManagedIdentityCredential(identity_config={"resource_id": request.identity_resource_id})
    if request.identity_object_id:
        return ManagedIdentityCredential(identity_config={"object_id": request.identity_object_id})
    return ManagedIdentityCredential()


def workload_identity_credential(request: LoginRequest):
    kwargs: dict = {}
    if request.workload_authority:
        authority = normalize_authority(request.workload_authority)
        kwargs["authority"] = authority
        kwargs["disable_instance_discovery"] = (urlsplit(authority).hostname or "").lower() not in KNOWN_AUTHORITY_HOSTS
    return WorkloadIdentityCredential(
        tenant_id=request.workload_tenant_id or None,
        client_id=request.workload_client_id or None,
        token_file_path=request.workload_token_file or None,
        **kwargs,
    )


def build_credential(request: LoginRequest, prompt: DevicePrompt | None = None, cache: Any = None, record: AuthenticationRecord | None = None):
    """The azure-identity credential for ``request.login_type``."""
    kind = request.login_type
    if kind.is_user_sign_in:
        return user_credential(request, prompt, cache, record)
    if kind is LoginType.SPN:
        return service_principal_credential(request)
    if kind is LoginType.MSI:
        return managed_identity_credential(request)
    if kind is LoginType.AZCLI:
        return AzureCliCredential(tenant_id=_tenant_or_none(request.tenant_id))
    if kind is LoginType.PSCRED:
        return AzurePowerShellCredential(tenant_id=_tenant_or_none(request.tenant_id))
    if kind is LoginType.WORKLOAD:
        return workload_identity_credential(request)
    raise UsageError(f"unsupported login type {kind}")  # pragma: no cover
