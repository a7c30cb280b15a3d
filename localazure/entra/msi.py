"""A managed identity endpoint in App Service's form (the `2019-08-01` API), for the configured managed identities.

On App Service (and Functions, Container Apps) the platform sets `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`; a client
asks `GET $IDENTITY_ENDPOINT?resource=R&api-version=2019-08-01[&client_id=|&mi_res_id=|&object_id=|&principal_id=]`
with the header `X-IDENTITY-HEADER: $IDENTITY_HEADER` and gets
`{"access_token", "expires_on", "resource", "token_type", "client_id"}`. azure-identity's ManagedIdentityCredential
(through MSAL) uses exactly that when both variables are set, which works anywhere, so tests get managed identity
tokens off Azure. localazure serves it at `{authority}/msi/token` and exports the two values as
LOCALAZURE_IDENTITY_ENDPOINT / LOCALAZURE_IDENTITY_HEADER, never as IDENTITY_ENDPOINT itself (that would make every
process of the shell believe it runs on App Service).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

import jwt
from aiohttp import web

from localazure.entra.service import EntraService

PATH = "/msi/token"
API_VERSION = "2019-08-01"


def identity_header(service: EntraService) -> str:
    """The stack's IDENTITY_HEADER secret: derived from its signing key, so it is new for every stack."""
    return hmac.new(service.key.private_pem, b"localazure App Service IDENTITY_HEADER", hashlib.sha256).hexdigest()


def _problem(status: int, message: str) -> web.Response:
    """App Service's error shape (MSAL reports statusCode and message)."""
    return web.json_response({"statusCode": status, "message": message, "correlationId": str(uuid.uuid4())}, status=status)


def routes(service: EntraService) -> list[web.RouteDef]:
    secret = identity_header(service)

    async def token(request: web.Request) -> web.Response:
        presented = request.headers.get("X-IDENTITY-HEADER")
        if presented is None:
            return _problem(400, "Required header X-IDENTITY-HEADER is missing.")
        if not hmac.compare_digest(presented.encode(), secret.encode()):
            return _problem(401, "The X-IDENTITY-HEADER value is not valid.")
        query = request.query
        if query.get("api-version") != API_VERSION:
            return _problem(400, f"Unsupported api-version '{query.get('api-version', '')}'. Use api-version={API_VERSION}.")
        resource = query.get("resource", "").strip()
        if not resource:
            return _problem(400, "Required query parameter 'resource' is missing.")
        selectors = {name: query[name] for name in ("client_id", "mi_res_id", "object_id", "principal_id") if query.get(name)}
        if len(selectors) > 1:
            return _problem(400, f"Only one of client_id, mi_res_id, object_id or principal_id may be given, not {', '.join(sorted(selectors))}.")
        identity = service.directory.managed_identity(
            client_id=selectors.get("client_id"),
            resource_id=selectors.get("mi_res_id"),
            object_id=selectors.get("object_id") or selectors.get("principal_id"),
        )
        if identity is None:
            return _problem(400, "Unable to load the proper Managed Identity.")
        principal = service.directory.managed_identity_principal(identity)
        access_token, _ = service.minter.access_token(principal, resource, identity.client_id, identity.name)
        service.count("managed_identity", identity.name)
        expires_on = jwt.decode(access_token, options={"verify_signature": False})["exp"]  # exactly the token's
        return web.json_response(
            {
                "access_token": access_token,
                "expires_on": str(expires_on),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": identity.client_id,
            }
        )

    return [web.get(PATH, token)]
