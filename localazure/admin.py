"""The admin API: what scripts and tests do behind the user's back (approve a code, count requests, revoke).

It listens on its own port, apart from the user-facing pages, so nothing a person's browser reaches can use it.
"""

from __future__ import annotations

from aiohttp import web

from localazure.entra.errors import EntraError
from localazure.entra.service import EntraService


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def routes(service: EntraService) -> list[web.RouteDef]:
    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def pending(request: web.Request) -> web.Response:
        return web.json_response({"pending": service.flows.pending_user_codes()})

    async def approve(request: web.Request) -> web.Response:
        body = await request.json()
        code = service.flows.find_user_code(str(body.get("user_code", "")))
        if code is None:
            return _problem(404, f"no device code {body.get('user_code')!r} is pending")
        if code.state != "pending" or service.flows.is_expired(code):
            return _problem(409, f"device code {code.user_code} is {'expired' if code.state == 'pending' else code.state}")
        directory = service.directory
        try:
            user = directory.user(str(body.get("upn", "")))
            tenant = code.tenant or (directory.tenant(body["tenant"]) if body.get("tenant") else None)
            principal = directory.user_principal(user, tenant)
        except EntraError as error:
            return _problem(400, f"AADSTS{error.code}: {error.description}")
        service.flows.approve(code, user.upn, principal.tenant.id)
        return web.json_response({"approved": code.user_code, "upn": user.upn, "tenant_id": principal.tenant.id})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(service.stats())

    async def reset_stats(request: web.Request) -> web.Response:
        service.requests.clear()
        return web.json_response(service.stats())

    async def revoke(request: web.Request) -> web.Response:
        try:
            user = service.directory.user(request.match_info["upn"])
        except EntraError as error:
            return _problem(404, error.description)
        service.minter.revoke_user(user.upn)
        return web.json_response({"revoked": user.upn})

    async def token_lifetime(request: web.Request) -> web.Response:
        body = await request.json()
        seconds = body.get("access_token_lifetime_seconds")
        if seconds is not None and (not isinstance(seconds, int) or seconds <= 0):
            return _problem(400, "access_token_lifetime_seconds must be a positive integer or null (the configured value)")
        service.minter.access_token_lifetime = seconds
        return web.json_response({"access_token_lifetime_seconds": service.minter.lifetime})

    return [
        web.get("/health", health),
        web.get("/device/pending", pending),
        web.post("/device/approve", approve),
        web.get("/stats", stats),
        web.post("/stats/reset", reset_stats),
        web.post("/users/{upn}/revoke", revoke),
        web.put("/settings/token-lifetime", token_lifetime),
    ]
