"""Entra ID's error responses: the OAuth error, the AADSTS code and the HTTP status, as Entra sends them."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone


class EntraError(Exception):
    """An error the token or device-code endpoint answers with Entra's JSON body."""

    def __init__(self, error: str, code: int, description: str, status: int = 400) -> None:
        super().__init__(f"AADSTS{code}: {description}")
        self.error = error
        self.code = code
        self.description = description
        self.status = status

    def body(self) -> dict:
        trace_id = str(uuid.uuid4())
        correlation_id = str(uuid.uuid4())
        timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.code}: {self.description} Trace ID: {trace_id} "
                f"Correlation ID: {correlation_id} Timestamp: {timestamp}"
            ),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": "https://login.microsoftonline.com/error?code=" + str(self.code),
        }


def unknown_tenant(tenant: str) -> EntraError:
    return EntraError(
        "invalid_request",
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
    )


def unknown_client(client_id: str, tenant: str) -> EntraError:
    return EntraError(
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the "
        "application has not been installed by the administrator of the tenant or consented to by any user in the "
        "tenant. You may have sent your authentication request to the wrong tenant.",
    )


def unknown_user(upn: str) -> EntraError:
    return EntraError(
        "invalid_grant",
        50034,
        f"The user account {upn} does not exist in the directory. To sign into this application, the account must be added to the directory.",
    )


def wrong_password() -> EntraError:
    return EntraError("invalid_grant", 50126, "Error validating credentials due to invalid username or password.")


def not_member(upn: str, tenant: str) -> EntraError:
    return EntraError(
        "invalid_grant",
        50020,
        f"User account '{upn}' from identity provider 'https://sts.windows.net/' does not exist in tenant '{tenant}' "
        "and cannot access the application in that tenant. The account needs to be added as an external user in the "
        "tenant first. Sign out and sign in again with a different Microsoft Entra user account.",
    )


def invalid_client_secret(client_id: str) -> EntraError:
    return EntraError(
        "invalid_client",
        7000215,
        f"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not "
        f"the client secret ID, for a secret added to app '{client_id}'.",
        status=401,
    )


def invalid_client_assertion(reason: str) -> EntraError:
    return EntraError("invalid_client", 700027, f"Client assertion failed signature validation. {reason}", status=401)


def client_credentials_required() -> EntraError:
    return EntraError(
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        status=401,
    )


def public_client_has_no_credentials(client_id: str) -> EntraError:
    return EntraError(
        "unauthorized_client",
        700025,
        f"Client is public so neither 'client_assertion' nor 'client_secret' should be presented. App '{client_id}'.",
    )


def authorization_pending() -> EntraError:
    return EntraError("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")


def device_code_expired() -> EntraError:
    return EntraError("expired_token", 70020, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")


def authorization_declined() -> EntraError:
    return EntraError("authorization_declined", 70000, "The user declined the request to sign in.")


def bad_device_code() -> EntraError:
    return EntraError("bad_verification_code", 70000, "The provided value for the input parameter 'device_code' is not valid.")


def invalid_refresh_token() -> EntraError:
    return EntraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid: the refresh token is not valid.")


def refresh_token_expired() -> EntraError:
    return EntraError("invalid_grant", 700082, "The refresh token has expired due to inactivity.")


def refresh_token_revoked() -> EntraError:
    return EntraError("invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")


def invalid_authorization_code() -> EntraError:
    return EntraError("invalid_grant", 70000, "The provided value for the 'code' parameter is not valid. The code has expired, was already redeemed or was issued to another client.")


def pkce_mismatch() -> EntraError:
    return EntraError("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.")


def missing_parameter(name: str) -> EntraError:
    return EntraError("invalid_request", 900144, f"The request body must contain the following parameter: '{name}'.")


def unsupported_grant(grant_type: str) -> EntraError:
    return EntraError("unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant_type}'.")


def invalid_scope(scope: str) -> EntraError:
    return EntraError("invalid_scope", 70011, f"The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.")


def invalid_redirect_uri(uri: str, client_id: str) -> EntraError:
    return EntraError("invalid_request", 50011, f"The redirect URI '{uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'.")
