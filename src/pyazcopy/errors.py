"""The error tree shared by every layer. Each error carries the process exit code that cli/ uses.

Messages are written for the person at the terminal: they say what went wrong and what to do next, and they never
contain a token, a SAS signature or a secret (callers pass redacted URLs only).
"""

from __future__ import annotations


class PyAzCopyError(Exception):
    """Base of every error pyazcopy reports to a user; ``exit_code`` is what the process exits with."""

    exit_code = 1


class UsageError(PyAzCopyError):
    """The command line was wrong: an unknown command, flag or flag value."""


# --- signing in -----------------------------------------------------------------------------------------------
class AuthError(PyAzCopyError):
    """Anything about credentials: missing, unusable, expired or refused before a request was sent."""


class NoCredentialError(AuthError):
    """No SAS in the URL, no auto-login and no saved login: AzCopy's LoginCredMissing."""


class NotLoggedInError(AuthError):
    """A command needs the saved login and there is none."""


class SignInExpiredError(AuthError):
    """The saved sign-in can no longer be refreshed (expired, revoked, or the password changed)."""


class LoginFailedError(AuthError):
    """The identity provider or credential source refused to sign in."""


class SecretStoreUnavailableError(AuthError):
    """No secret store can hold the login; raised before any prompt so the user is not asked to sign in for nothing."""


class UntrustedEndpointError(AuthError):
    """The target host is not one that OAuth tokens may be sent to."""


# --- the storage service said no --------------------------------------------------------------------------------
class StorageServiceError(PyAzCopyError):
    """A storage request failed; ``status`` and ``error_code`` are the HTTP status and ``x-ms-error-code``.
    ``job_advice``, when set, is the explanation a job states once (who is signed in, the role, what to do) while each
    failed transfer keeps only ``transfer_line``, naming the request; the message itself has both (outside a job)."""

    job_advice = ""
    transfer_line = ""

    def __init__(self, message: str, status: int | None = None, error_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class PermissionMismatchError(StorageServiceError):
    """403 AuthorizationPermissionMismatch: signed in, but no role assignment grants the operation."""


class AuthenticationFailedError(StorageServiceError):
    """403 AuthenticationFailed / 401 InvalidAuthenticationInfo: the service did not accept the credential."""


class SasExpiredError(AuthenticationFailedError):
    """The SAS in the URL is past its expiry time (``se``) or not yet valid (``st``): a new SAS and a resume fix it."""


class TenantMismatchError(AuthenticationFailedError):
    """The token was issued by a tenant other than the storage account's."""


class ResourceExistsError(StorageServiceError):
    """The container (or other resource) to create is already there."""


class ResourceNotFoundError(StorageServiceError):
    """The container, prefix or account does not exist."""
