"""The two Azure Resource Manager calls a sign-in needs: `GET /tenants` and `GET /subscriptions`.

The Azure CLI lists the caller's tenants and then, tenant by tenant, their subscriptions, right after `az login`
(and refuses the login when there are none, unless `--allow-no-subscriptions`). localazure answers both on the
emulator's own HTTPS server, which is therefore also the cloud's resource manager endpoint in `az cloud register`.
Each tenant has exactly one subscription. Tokens are checked as ARM checks them: RS256 signature by the emulator's
key, audience `https://management.core.windows.net/` (or `https://management.azure.com/`), lifetime; failures answer
ARM's `401` JSON errors with its `WWW-Authenticate` challenge.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization

from localazure.config import Tenant
from localazure.entra.service import EntraService

ARM_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)
SUPPORTED_API_VERSIONS = ("2016-06-01", "2019-11-01", "2020-01-01", "2021-01-01", "2022-01-01", "2022-09-01", "2022-12-01")


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str, challenge: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.challenge = status, code, message, challenge

    def response(self) -> web.Response:
        headers = {"x-ms-request-id": str(uuid.uuid4()), "x-ms-failure-cause": "gateway"}
        if self.challenge:
            headers["WWW-Authenticate"] = self.challenge
        return web.json_response({"error": {"code": self.code, "message": self.message}}, status=self.status, headers=headers)


def subscription_id(service: EntraService, tenant: Tenant) -> str:
    """The tenant's one subscription: the one its managed identities' resource ids name, else a stable GUID."""
    for identity in service.config.managed_identities:
        parts = identity.resource_id.strip("/").split("/")
        if identity.tenant == tenant.name and len(parts) > 1 and parts[0].lower() == "subscriptions":
            return parts[1].lower()
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"localazure-subscription#{tenant.id}"))


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%m/%d/%Y %H:%M:%S")


def verify_arm_token(service: EntraService, authorization: str | None) -> dict:
    """The claims of a valid ARM bearer token, or ArmError with what ARM answers."""
    challenge = f'Bearer authorization_uri="{service.base_url}/", error="invalid_token", error_description="The access token is invalid."'
    if not authorization:
        raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", f'Bearer authorization_uri="{service.base_url}/", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."')
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.", challenge)
    public_key = serialization.load_pem_private_key(service.key.private_pem, password=None).public_key()
    try:
        claims = jwt.decode(token.strip(), public_key, algorithms=["RS256"], options={"verify_aud": False, "verify_exp": False, "require": ["exp", "aud", "iss", "tid"]})
    except jwt.PyJWTError:
        raise ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.", challenge) from None
    now = datetime.now(timezone.utc).timestamp()
    if claims["exp"] <= now:
        raise ArmError(401, "ExpiredAuthenticationToken", f"The access token expiry UTC time '{_utc(claims['exp'])}' is earlier than current UTC time '{_utc(now)}'.", challenge)
    if claims["aud"] not in ARM_AUDIENCES:
        allowed = ",".join(f"'{audience}'" for audience in ARM_AUDIENCES)
        raise ArmError(401, "InvalidAuthenticationTokenAudience", f"The access token has been obtained for wrong audience or resource '{claims['aud']}'. It should exactly match with one of the allowed audiences {allowed}.", challenge)
    if claims["iss"] != f"https://sts.windows.net/{claims['tid']}/":
        raise ArmError(401, "InvalidAuthenticationTokenTenant", f"The access token is from the wrong issuer '{claims['iss']}'.", challenge)
    return claims


def caller_tenants(service: EntraService, claims: dict) -> list[Tenant]:
    """The tenants the token's principal belongs to: a user's home and guest tenants, else the token's tenant."""
    directory = service.directory
    upn = claims.get("upn") or claims.get("unique_name")
    if upn and claims.get("idtyp", "user") == "user":
        return directory.tenants_of(directory.user(upn))
    return [directory.tenant(claims["tid"])]


def tenant_body(tenant: Tenant, home: bool) -> dict:
    default_domain = tenant.domains[0] if tenant.domains else f"{tenant.name}.onmicrosoft.com"
    return {
        "id": f"/tenants/{tenant.id}",
        "tenantId": tenant.id,
        "countryCode": "US",
        "displayName": tenant.display_name,
        "domains": list(tenant.domains) or [default_domain],
        "tenantCategory": "Home" if home else "ProjectedBy",
        "defaultDomain": default_domain,
        "tenantType": "AAD",
        "tenantBrandingLogoUrl": None,
    }


def subscription_body(service: EntraService, tenant: Tenant) -> dict:
    sid = subscription_id(service, tenant)
    return {
        "id": f"/subscriptions/{sid}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sid,
        "tenantId": tenant.id,
        "displayName": f"{tenant.display_name} local subscription",
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
    }


def _check_api_version(request: web.Request) -> None:
    version = request.query.get("api-version")
    if not version:
        raise ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
    if version not in SUPPORTED_API_VERSIONS:
        raise ArmError(400, "InvalidApiVersionParameter", f"The api-version '{version}' is invalid. The supported versions are '{','.join(reversed(SUPPORTED_API_VERSIONS))}'.")


def routes(service: EntraService) -> list[web.RouteDef]:
    async def list_tenants(request: web.Request) -> web.Response:
        try:
            _check_api_version(request)
            claims = verify_arm_token(service, request.headers.get("Authorization"))
            tenants = caller_tenants(service, claims)
        except ArmError as error:
            return error.response()
        home_id = tenants[0].id if claims.get("upn") else None
        return web.json_response({"value": [tenant_body(t, home_id in (None, t.id)) for t in tenants]})

    async def list_subscriptions(request: web.Request) -> web.Response:
        """Only the token's tenant's subscription, as ARM lists subscriptions per tenant."""
        try:
            _check_api_version(request)
            claims = verify_arm_token(service, request.headers.get("Authorization"))
            tenant = service.directory.tenant(claims["tid"])
        except ArmError as error:
            return error.response()
        value = [subscription_body(service, tenant)]
        return web.json_response({"value": value, "count": {"type": "Total", "value": len(value)}})

    async def get_subscription(request: web.Request) -> web.Response:
        try:
            _check_api_version(request)
            claims = verify_arm_token(service, request.headers.get("Authorization"))
            tenant = service.directory.tenant(claims["tid"])
        except ArmError as error:
            return error.response()
        wanted = request.match_info["subscription"].lower()
        if wanted != subscription_id(service, tenant):
            return ArmError(404, "SubscriptionNotFound", f"The subscription '{wanted}' could not be found.").response()
        return web.json_response(subscription_body(service, tenant))

    return [
        web.get("/tenants", list_tenants),
        web.get("/subscriptions", list_subscriptions),
        web.get("/subscriptions/{subscription}", get_subscription),
    ]
