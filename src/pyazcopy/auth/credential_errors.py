"""azure-identity / MSAL exceptions -> pyazcopy errors that say what to do. Messages carry no token or secret."""

from __future__ import annotations

import re

from pyazcopy.errors import LoginFailedError, PyAzCopyError, SignInExpiredError, TenantMismatchError
from pyazcopy.model import LoginType

EXPIRED_CODES = ("AADSTS700082", "AADSTS700084", "AADSTS50173", "AADSTS50133", "AADSTS70008", "AADSTS50132", "AADSTS700222", "invalid_grant")
DECLINED_CODES = ("AADSTS65004", "access_denied")  # the person pressed Cancel on the consent page (or an admin blocks consent)
TENANT_CODES = ("AADSTS90002", "AADSTS50020", "AADSTS700016", "AADSTS90072", "AADSTS50034")
_SENSITIVE = re.compile(r"""(?i)(eyJ[\w-]+\.[\w-]+\.[\w-]*|(refresh_token|access_token|client_secret|client_assertion|assertion|sig)=[^&\s"']+)""")


def scrub(text: str) -> str:
    """Remove anything that looks like a token from an upstream message before it reaches the user."""
    return _SENSITIVE.sub("<redacted>", text)


def _first_line(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error)
    return scrub(" ".join(text.split()))[:1500]


class TenantNotFoundError(LoginFailedError):
    """The authority does not know the tenant (MSAL could not read its OpenID configuration; Entra's AADSTS90002)."""


def unknown_tenant(text: str) -> TenantNotFoundError | None:
    """MSAL's "Unable to get authority configuration for https://host/<tenant>" (its advice names login.microsoftonline.com,
    whatever the authority) and Entra's AADSTS90002, said as what they mean."""
    match = re.search(r"authority configuration for (https?://[^\s/]+)/([^\s/]+?)\.?(?:\s|$)", text)
    if match:
        authority, tenant = match.group(1), match.group(2)
    else:
        match = re.search(r"AADSTS90002: Tenant '([^']+)' not found", text)
        if not match:
            return None
        authority, tenant = "", match.group(1)
    where = f"at the authority {authority}" if authority else "at the authority"
    return TenantNotFoundError(
        f"the tenant {tenant} was not found {where}. Check the tenant ID or domain given with --tenant-id (AZCOPY_TENANT_ID "
        "for auto-login); the tenant is shown in the Azure portal under Microsoft Entra ID. If the tenant is right, check the "
        "authority (--aad-endpoint or AZCOPY_ACTIVE_DIRECTORY_ENDPOINT)."
    )


def map_credential_error(error: BaseException, principal: str, login_type: LoginType, during_login: bool = False) -> PyAzCopyError | None:
    if isinstance(error, PyAzCopyError):
        return error
    # imported here: `scrub` is used by every command, and a SAS copy never needs azure-identity (0.3 s of start-up)
    from azure.core.exceptions import ClientAuthenticationError  # noqa: PLC0415
    from azure.identity import AuthenticationRequiredError, CredentialUnavailableError  # noqa: PLC0415

    again = "Run `pyazcopy login` again" if not during_login else "Try again"
    if isinstance(error, AuthenticationRequiredError):
        return SignInExpiredError(
            f"the saved sign-in for {principal} can no longer be refreshed silently (it expired, was revoked, or needs a new sign-in). {again}."
        )
    text = _first_line(error)
    unknown = unknown_tenant(text)
    if unknown is not None:
        return unknown
    wrong_tenant = re.search(r"not configured to acquire tokens for tenant ([\w.-]+)", text)
    if wrong_tenant:
        target = wrong_tenant.group(1)
        return TenantMismatchError(
            f"The storage account belongs to tenant {target}, but {principal} is signed in to another tenant. "
            f"Log in to the account's tenant: pyazcopy login --tenant-id {target} (for auto-login: AZCOPY_TENANT_ID={target}). "
            "Guest (B2B) users must always name the tenant of the storage account."
        )
    if isinstance(error, CredentialUnavailableError):
        hint = {
            LoginType.AZCLI: "Sign in with `az login` first (and pass the tenant with AZCOPY_TENANT_ID or --tenant-id).",
            LoginType.PSCRED: "Sign in with `Connect-AzAccount` in PowerShell first (and pass the tenant with AZCOPY_TENANT_ID or --tenant-id).",
            LoginType.MSI: "Managed identity is only available on Azure hosts (or where IDENTITY_ENDPOINT/IDENTITY_HEADER are set); use another login type elsewhere.",
            LoginType.WORKLOAD: "Set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE (as AKS workload identity does).",
        }.get(login_type, "")
        return LoginFailedError(f"the {login_type.value} credential is not available: {text} {hint}".strip())
    if isinstance(error, ClientAuthenticationError):
        if any(code in text for code in DECLINED_CODES) or ("AADSTS70000" in text and "declined" in text):  # Cancel on the sign-in page
            return LoginFailedError(
                f"the sign-in was cancelled or consent was declined in the browser ({text}). "
                f"{again}: run `pyazcopy login` and accept on the consent page, or ask an administrator to grant consent for the application."
            )
        if any(code in text for code in EXPIRED_CODES) and not during_login:
            return SignInExpiredError(f"the sign-in for {principal} has expired or was revoked ({text}). {again}.")
        if any(code in text for code in TENANT_CODES):
            return LoginFailedError(f"{text}\nThe account may belong to another tenant: pass the tenant of the storage account with --tenant-id (AZCOPY_TENANT_ID for auto-login).")
        return LoginFailedError(text)
    return None
