"""OpenID Connect discovery and JWKS, with Entra's paths and document shape."""

from __future__ import annotations

from aiohttp import web

from localazure.entra.errors import EntraError
from localazure.entra.service import EntraService


def openid_configuration(service: EntraService, tenant_segment: str) -> dict:
    tenant = service.directory.tenant(tenant_segment)
    base = service.base_url
    issuer_tenant = tenant.id if tenant else "{tenantid}"
    prefix = f"{base}/{tenant_segment}"
    return {
        "token_endpoint": f"{prefix}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{prefix}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{issuer_tenant}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{prefix}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{prefix}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{prefix}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": f"{prefix}/kerberos",
        "tenant_region_scope": "NA",
        "cloud_instance_name": "localazure.test",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def error_response(error: EntraError) -> web.Response:
    return web.json_response(error.body(), status=error.status, headers={"Cache-Control": "no-store, no-cache"})


def routes(service: EntraService) -> list[web.RouteDef]:
    async def v2_configuration(request: web.Request) -> web.Response:
        try:
            return web.json_response(openid_configuration(service, request.match_info["tenant"]))
        except EntraError as error:
            return error_response(error)

    async def keys(request: web.Request) -> web.Response:
        return web.json_response({"keys": [service.key.jwk()]})

    async def instance_discovery(request: web.Request) -> web.Response:
        host = request.host
        return web.json_response(
            {
                "tenant_discovery_endpoint": f"{service.base_url}/common/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
            }
        )

    return [
        web.get("/{tenant}/v2.0/.well-known/openid-configuration", v2_configuration),
        web.get("/{tenant}/.well-known/openid-configuration", v2_configuration),
        web.get("/{tenant}/discovery/v2.0/keys", keys),
        web.get("/{tenant}/discovery/keys", keys),
        web.get("/common/discovery/instance", instance_discovery),
    ]
