"""Workload identity federation: a Kubernetes-like token issuer, and Entra's check of the tokens it signs.

On AKS, the kubelet mounts a service-account token (a JWT signed by the cluster's OIDC issuer, audience
`api://AzureADTokenExchange`, subject `system:serviceaccount:<namespace>:<name>`) and the pod sends it to Entra as
the client assertion of a client-credentials request. Entra accepts it for an app that has a federated identity
credential with that issuer, subject and audience, verifying the signature with the issuer's published keys.

localazure plays both sides. It is the issuer at `{authority}/oidc/kubernetes` (OIDC discovery and JWKS published
there, signed with its own key, apart from Entra's), it mints such tokens on request through the admin API
(`python -m localazure workload-token` writes one to a file), and its token endpoint verifies them against the apps'
`federated_credentials`. Only the emulator's own issuer can be verified: localazure fetches no external keys.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization

from localazure.config import App, FederatedCredential
from localazure.entra import errors
from localazure.entra.errors import EntraError
from localazure.entra.service import EntraService

ISSUER_PATH = "/oidc/kubernetes"
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
DEFAULT_LIFETIME = 3600  # AKS projects tokens for one hour by default
LEARN_MORE = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"


def issuer_url(service: EntraService) -> str:
    return service.base_url + ISSUER_PATH


def expand_issuer(credential: FederatedCredential, service: EntraService) -> str:
    return credential.issuer.replace("{authority}", service.base_url, 1)


def service_account_token(service: EntraService, subject: str, audiences: list[str] | None = None, lifetime: int = DEFAULT_LIFETIME) -> str:
    """A projected service-account token as the kubelet writes it, signed by localazure's issuer key."""
    now = int(time.time())
    claims: dict = {
        "aud": audiences or [TOKEN_EXCHANGE_AUDIENCE],
        "exp": now + lifetime,
        "iat": now,
        "nbf": now,
        "iss": issuer_url(service),
        "sub": subject,
    }
    parts = subject.split(":")
    if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
        claims["kubernetes.io"] = {
            "namespace": parts[2],
            "pod": {"name": f"{parts[3]}-localazure", "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, "pod#" + subject))},
            "serviceaccount": {"name": parts[3], "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, "sa#" + subject))},
        }
    key = service.workload_issuer_key
    return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})


def _no_match(code: int, what: str, value: object) -> EntraError:
    return EntraError(
        "invalid_client",
        code,
        f"No matching federated identity record found for presented assertion {what} '{value}'. Please check your "
        f"federated identity credential Subject, Audience and Issuer against the presented assertion. {LEARN_MORE}",
        status=401,
    )


def is_federated_assertion(app: App, assertion: str) -> bool:
    """A certificate assertion is issued by the app itself (iss = client id); one issued by a URL is federated."""
    try:
        issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError:
        return False
    return isinstance(issuer, str) and issuer != app.client_id and issuer.startswith("https://")


def verify_federated_assertion(service: EntraService, app: App, assertion: str) -> FederatedCredential:
    """The app's federated credential the assertion matches, or Entra's error for the first check that fails."""
    unverified = jwt.decode(assertion, options={"verify_signature": False})
    issuer = unverified.get("iss")
    if not app.federated_credentials:
        raise EntraError(
            "invalid_client",
            70021,
            f"No matching federated identity record found for presented assertion. Assertion Issuer: '{issuer}'. "
            f"Assertion Subject: '{unverified.get('sub')}'. Assertion Audience: '{unverified.get('aud')}'. {LEARN_MORE}",
            status=401,
        )
    candidates = [c for c in app.federated_credentials if expand_issuer(c, service) == issuer]
    if not candidates:
        raise _no_match(700211, "issuer", issuer)
    if issuer != issuer_url(service):
        raise EntraError("invalid_client", 50166, f"Request to External OIDC endpoint failed. localazure verifies only its own issuer {issuer_url(service)}.", status=401)
    public_key = serialization.load_pem_private_key(service.workload_issuer_key.private_pem, password=None).public_key()
    try:
        claims = jwt.decode(assertion, public_key, algorithms=["RS256"], options={"verify_aud": False, "require": ["exp", "iss", "sub", "aud"]})
    except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
        now = datetime.now(timezone.utc).strftime("%m/%d/%Y %H:%M:%S")
        raise EntraError("invalid_client", 700024, f"Client assertion is not within its valid time range. Current time: {now}.", status=401) from None
    except jwt.PyJWTError as error:
        raise errors.invalid_client_assertion(f"The federated token's signature does not verify with issuer {issuer}'s keys: {error}.") from None
    subject_matches = [c for c in candidates if c.subject == claims["sub"]]
    if not subject_matches:
        raise _no_match(700213, "subject", claims["sub"])
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    for credential in subject_matches:
        if any(audience in credential.audiences for audience in audiences):
            return credential
    raise _no_match(700212, "audience", ",".join(audiences))


def routes(service: EntraService) -> list[web.RouteDef]:
    """The issuer's public documents, in the shape a Kubernetes API server (and AKS's OIDC issuer) publishes."""

    async def discovery(request: web.Request) -> web.Response:
        issuer = issuer_url(service)
        return web.json_response(
            {
                "issuer": issuer,
                "jwks_uri": f"{issuer}/openid/v1/jwks",
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def jwks(request: web.Request) -> web.Response:
        jwk = service.workload_issuer_key.jwk()
        return web.json_response({"keys": [{"use": "sig", "kty": "RSA", "kid": jwk["kid"], "alg": "RS256", "n": jwk["n"], "e": jwk["e"]}]})

    return [
        web.get(ISSUER_PATH + "/.well-known/openid-configuration", discovery),
        web.get(ISSUER_PATH + "/openid/v1/jwks", jwks),
    ]


def admin_routes(service: EntraService) -> list[web.RouteDef]:
    """`POST /workload/token {"subject", "audiences"?, "lifetime_seconds"?}`: mint a service-account token."""

    async def mint(request: web.Request) -> web.Response:
        body = await request.json()
        subject = body.get("subject")
        audiences = body.get("audiences") or [TOKEN_EXCHANGE_AUDIENCE]
        lifetime = body.get("lifetime_seconds", DEFAULT_LIFETIME)
        if not isinstance(subject, str) or not subject:
            return web.json_response({"error": "subject is required, e.g. system:serviceaccount:data:data-mover"}, status=400)
        if not isinstance(audiences, list) or not all(isinstance(a, str) and a for a in audiences):
            return web.json_response({"error": "audiences must be a list of strings"}, status=400)
        if not isinstance(lifetime, int) or isinstance(lifetime, bool):
            return web.json_response({"error": "lifetime_seconds must be an integer (negative makes an expired token)"}, status=400)
        token = service_account_token(service, subject, audiences, lifetime)
        return web.json_response({"token": token, "issuer": issuer_url(service), "subject": subject, "audiences": audiences})

    return [web.post("/workload/token", mint)]
