"""The admin API: what scripts and tests do behind the user's back (approve a code, count requests, revoke).

It listens on its own port, apart from the user-facing pages, so nothing a person's browser reaches can use it.
"""

from __future__ import annotations

import datetime

import jwt
from aiohttp import web

from localazure.config import ConfigError, read_role_assignment
from localazure.entra.errors import EntraError
from localazure.entra.service import EntraService
from localazure.gateway.roles import BUILT_IN_ROLES, Assignment, RoleAssignments


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


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _assignment(assignment: Assignment, now: float) -> dict:
    return {
        "id": assignment.id,
        "principal_id": assignment.principal_id,
        "principal": assignment.principal,
        "role": assignment.role,
        "role_definition_id": BUILT_IN_ROLES[assignment.role].id,
        "scope": assignment.scope,
        "state": assignment.state(now),  # pending -> active -> removing -> (gone)
        "effective_at": _iso(assignment.effective_at),
        "removed_at": _iso(assignment.removed_at),
    }


def gateway_routes(service: EntraService, stores: "RoleAssignments | dict[str, RoleAssignments]") -> list[web.RouteDef]:
    """Role assignments of the storage accounts (changes count after the propagation delay; ``account`` picks one,
    default the first), and token signing for tests that need a token no real flow issues (another tenant, odd
    claims) signed by the emulator's key."""
    if isinstance(stores, RoleAssignments):
        stores = {service.config.settings.storage_account: stores}
    first = next(iter(stores.values()))

    async def list_assignments(request: web.Request) -> web.Response:
        now = first.clock()
        listed = [{**_assignment(a, now), "account": name} for name, store in stores.items() for a in store.list()]
        return web.json_response({"role_assignments": listed, "propagation_seconds": first.propagation_seconds})

    async def add_assignment(request: web.Request) -> web.Response:
        try:
            spec = read_role_assignment(await request.json(), service.config, "request")
        except ConfigError as error:
            return _problem(400, str(error))
        except ValueError:
            return _problem(400, "send a JSON object like {\"upn\": \"carol@contoso.test\", \"role\": \"Storage Blob Data Reader\", \"scope\": \"/\"}")
        store = stores.get(spec.account, first)
        added = store.add(spec.principal_id, spec.principal, spec.role, spec.scope)
        return web.json_response({**_assignment(added, store.clock()), "account": spec.account}, status=201)

    async def remove_assignment(request: web.Request) -> web.Response:
        for name, store in stores.items():
            removed = store.remove(request.match_info["id"])
            if removed is not None:
                return web.json_response({**_assignment(removed, store.clock()), "account": name})
        return _problem(404, f"no role assignment {request.match_info['id']!r} is in place")

    async def propagation(request: web.Request) -> web.Response:
        if request.method == "PUT":
            seconds = (await request.json()).get("seconds")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                return _problem(400, "seconds must be zero or a positive number")
            for store in stores.values():
                store.propagation_seconds = seconds
        return web.json_response({"seconds": first.propagation_seconds})

    async def sign_token(request: web.Request) -> web.Response:
        claims = (await request.json()).get("claims")
        if not isinstance(claims, dict):
            return _problem(400, "send {\"claims\": {...}}")
        key = service.key
        token = jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid, "x5t": key.jwk()["x5t"], "typ": "JWT"})
        return web.json_response({"token": token})

    return [
        web.get("/role-assignments", list_assignments),
        web.post("/role-assignments", add_assignment),
        web.delete("/role-assignments/{id}", remove_assignment),
        web.get("/settings/role-propagation", propagation),
        web.put("/settings/role-propagation", propagation),
        web.post("/tokens/sign", sign_token),
    ]
