"""`/{tenant}/oauth2/v2.0/devicecode` and `/{tenant}/oauth2/v2.0/token`: every grant Entra's clients use here."""

from __future__ import annotations

from urllib.parse import urlparse

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization

from localazure.config import App, Tenant
from localazure.entra import errors
from localazure.entra.directory import Principal
from localazure.entra.discovery import error_response
from localazure.entra.errors import EntraError
from localazure.entra.service import EntraService
from localazure.entra.tokens import resource_of, wants
from localazure.entra.workload import is_federated_assertion, verify_federated_assertion

DEVICE_CODE_GRANTS = ("urn:ietf:params:oauth:grant-type:device_code", "device_code")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenEndpoint:
    def __init__(self, service: EntraService) -> None:
        self.service = service

    # client authentication ---------------------------------------------------------------------------------
    def _authenticate_client(self, app: App, form: dict, request_url: str) -> None:
        secret = form.get("client_secret")
        assertion = form.get("client_assertion")
        if app.public_client:
            if secret or assertion:
                raise errors.public_client_has_no_credentials(app.client_id)
            return
        if secret is not None:
            if secret not in app.secrets:
                raise errors.invalid_client_secret(app.client_id)
            return
        if assertion is not None:
            if form.get("client_assertion_type") != ASSERTION_TYPE:
                raise errors.EntraError("invalid_request", 50027, f"client_assertion_type must be {ASSERTION_TYPE}.")
            self._verify_assertion(app, assertion, request_url)
            return
        raise errors.client_credentials_required()

    def _verify_assertion(self, app: App, assertion: str, request_url: str) -> None:
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as error:
            raise errors.invalid_client_assertion(f"The assertion is not a JWT: {error}.") from None
        if is_federated_assertion(app, assertion):  # workload identity: a token of a trusted external issuer
            verify_federated_assertion(self.service, app, assertion)
            return
        certificate = self.service.certificate_for(app, header.get("x5t"), header.get("x5t#S256"))
        if certificate is None:
            raise errors.invalid_client_assertion(f"Key was not found. No certificate with that thumbprint is registered for app '{app.client_id}'.")
        public_key = certificate.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        endpoint = urlparse(request_url)
        try:
            claims = jwt.decode(assertion, public_key, algorithms=["RS256", "PS256"], options={"verify_aud": False, "require": ["exp", "aud", "iss", "sub"]})
        except jwt.ExpiredSignatureError:
            raise errors.EntraError("invalid_client", 700024, "Client assertion is not within its valid time range.", status=401) from None
        except jwt.PyJWTError as error:
            raise errors.invalid_client_assertion(str(error)) from None
        audience = urlparse(str(claims["aud"]))
        if audience.netloc != endpoint.netloc or not audience.path.endswith(("/oauth2/v2.0/token", "/oauth2/token")):
            raise errors.EntraError("invalid_client", 700021, f"Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .", status=401)
        if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
            raise errors.EntraError("invalid_client", 700023, "Client assertion issuer and subject must both be the client id.", status=401)

    # responses ---------------------------------------------------------------------------------------------
    def _user_tokens(self, principal: Principal, app: App, scope: str, nonce: str | None = None) -> dict:
        """Entra's answer for a user: refresh token when offline_access was asked for, id_token for openid."""
        access_token, lifetime = self.service.minter.access_token(principal, resource_of(scope), app.client_id, app.display_name)
        body = {
            "token_type": "Bearer",
            "scope": " ".join(s for s in scope.split() if s.lower() != "offline_access") or scope,
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
            "client_info": self.service.minter.client_info(principal),
        }
        if wants(scope, "offline_access"):
            body["refresh_token"] = self.service.minter.issue_refresh_token(principal.user.upn, principal.tenant.id, app.client_id)
            body["refresh_token_expires_in"] = self.service.config.settings.refresh_token_lifetime_seconds
        if wants(scope, "openid"):
            body["id_token"] = self.service.minter.id_token(principal, app.client_id, nonce)
        return body

    def _app_tokens(self, principal: Principal, scope: str) -> dict:
        if not scope.rstrip().endswith("/.default"):
            raise errors.EntraError("invalid_scope", 1002012, f"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        access_token, lifetime = self.service.minter.access_token(principal, resource_of(scope), principal.app.client_id if principal.app else "", principal.display_name)
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access_token}

    # grants ------------------------------------------------------------------------------------------------
    def token(self, tenant: Tenant | None, tenant_label: str, form: dict, request_url: str) -> dict:
        grant_type = form.get("grant_type") or ""
        if not grant_type:
            raise errors.missing_parameter("grant_type")
        app = self.service.directory.app(form.get("client_id", ""), tenant, tenant_label)
        self._authenticate_client(app, form, request_url)
        scope = form.get("scope", "")
        directory = self.service.directory
        if grant_type in DEVICE_CODE_GRANTS:
            code = self.service.flows.poll(form.get("device_code") or form.get("code") or "", app.client_id)
            principal = directory.user_principal(directory.user(code.upn), directory.tenant(code.tenant_id))
            self.service.count("device_code", principal.user.upn)
            return self._user_tokens(principal, app, scope or code.scope)
        if grant_type == "refresh_token":
            grant = self.service.minter.redeem_refresh_token(form.get("refresh_token", ""), app.client_id)
            target = tenant or directory.tenant(grant.tenant_id)
            principal = directory.user_principal(directory.user(grant.upn), target)
            self.service.count("refresh_token", grant.upn)
            return self._user_tokens(principal, app, scope)
        if grant_type == "authorization_code":
            code = self.service.flows.redeem_authorization_code(form.get("code", ""), app.client_id, form.get("redirect_uri", ""), form.get("code_verifier"))
            principal = directory.user_principal(directory.user(code.upn), directory.tenant(code.tenant_id))
            self.service.count("authorization_code", principal.user.upn)
            return self._user_tokens(principal, app, scope or code.scope, nonce=code.nonce)
        if grant_type == "password":
            user = directory.authenticate(form.get("username", ""), form.get("password", ""))
            principal = directory.user_principal(user, tenant)
            self.service.count("password", user.upn)
            return self._user_tokens(principal, app, scope)
        if grant_type == "client_credentials":
            if app.public_client:
                raise errors.client_credentials_required()
            principal = directory.app_principal(app, directory.app_tenant(app, tenant))
            self.service.count("client_credentials", app.client_id)
            return self._app_tokens(principal, scope)
        raise errors.unsupported_grant(grant_type)

    def device_code(self, tenant: Tenant | None, tenant_label: str, form: dict) -> dict:
        app = self.service.directory.app(form.get("client_id", ""), tenant, tenant_label)
        scope = form.get("scope") or ""
        if not scope:
            raise errors.missing_parameter("scope")
        resource_of(scope)  # refuse scopes naming two resources now, not after the person signed in
        settings = self.service.config.settings
        code = self.service.flows.new_device_code(app.client_id, app.display_name, tenant, scope)
        uri = f"{self.service.base_url}/devicelogin"
        return {
            "user_code": code.user_code,
            "device_code": code.device_code,
            "verification_uri": uri,
            "expires_in": settings.device_code_lifetime_seconds,
            "interval": settings.device_code_interval_seconds,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code {code.user_code} to authenticate.",
        }

    # aiohttp -----------------------------------------------------------------------------------------------
    def routes(self) -> list[web.RouteDef]:
        async def handle(request: web.Request, action: str) -> web.Response:
            label = request.match_info["tenant"]
            form = dict(await request.post())
            try:
                tenant = self.service.directory.tenant(label)
                if action == "token":
                    body = self.token(tenant, label, form, str(request.url))
                else:
                    body = self.device_code(tenant, label, form)
            except EntraError as error:
                return error_response(error)
            return web.json_response(body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})

        async def token(request: web.Request) -> web.Response:
            return await handle(request, "token")

        async def device_code(request: web.Request) -> web.Response:
            return await handle(request, "devicecode")

        return [
            web.post("/{tenant}/oauth2/v2.0/token", token),
            web.post("/{tenant}/oauth2/token", token),
            web.post("/{tenant}/oauth2/v2.0/devicecode", device_code),
            web.post("/{tenant}/oauth2/devicecode", device_code),
        ]
