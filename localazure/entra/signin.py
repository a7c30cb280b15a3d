"""The pages a person signs in through: device code entry, credentials, tenant choice and confirmation,
and the `/authorize` endpoint of the authorization-code flow (PKCE, loopback redirect)."""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

from aiohttp import web

from localazure.config import Tenant
from localazure.entra import errors, pages
from localazure.entra.errors import EntraError
from localazure.entra.flows import SignIn
from localazure.entra.service import EntraService
from localazure.entra.tokens import resource_of

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
RESPONSE_MODES = ("query", "fragment", "form_post")

# What the credentials page says for each directory error, in the words Entra's own page uses.
PAGE_MESSAGES = {
    50034: "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.",
    50126: "Your account or password is incorrect. If you don't remember your password, reset it now.",
}


def html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", headers={"Cache-Control": "no-store"})


class SignInPages:
    def __init__(self, service: EntraService) -> None:
        self.service = service

    # device code entry -------------------------------------------------------------------------------------
    async def show_enter_code(self, request: web.Request) -> web.Response:
        return html(pages.enter_code(code=request.query.get("otc", "")))

    async def enter_code(self, request: web.Request) -> web.Response:
        form = await request.post()
        typed = str(form.get("otc", ""))
        flows = self.service.flows
        code = flows.find_user_code(typed)
        if code is None or code.state != "pending":
            return html(pages.enter_code("That code didn't work. Check the code and try again.", typed), 400)
        if flows.is_expired(code):
            return html(pages.enter_code("That code has expired. Go back to your device and start the sign-in again to get a new code.", typed), 400)
        sign_in = flows.new_sign_in(code.client_id, code.app_display_name, code.tenant, device_code=code)
        return html(pages.sign_in_form(sign_in.id, sign_in.app_display_name))

    # authorization code flow -------------------------------------------------------------------------------
    async def authorize(self, request: web.Request) -> web.Response:
        query = request.query
        label = request.match_info["tenant"]
        try:
            tenant = self.service.directory.tenant(label)
            app = self.service.directory.app(query.get("client_id", ""), tenant, label)
            redirect_uri = query.get("redirect_uri", "")
            if not self._redirect_allowed(app.public_client, app.redirect_uris, redirect_uri):
                raise errors.invalid_redirect_uri(redirect_uri, app.client_id)
            if query.get("response_type") != "code":
                raise EntraError("unsupported_response_type", 70005, "The response_type must be 'code' for this application.")
            response_mode = query.get("response_mode", "query")
            if response_mode not in RESPONSE_MODES:
                raise EntraError("invalid_request", 900144, f"The response_mode '{response_mode}' is not supported; use one of {', '.join(RESPONSE_MODES)}.")
            scope = query.get("scope", "")
            resource_of(scope)
        except EntraError as error:
            return html(pages.problem("Sign-in error", f"AADSTS{error.code}: {error.description}"), 400)
        sign_in = self.service.flows.new_sign_in(
            app.client_id,
            app.display_name,
            tenant,
            authorize={
                "redirect_uri": redirect_uri,
                "state": query.get("state"),
                "scope": scope,
                "code_challenge": query.get("code_challenge"),
                "code_challenge_method": query.get("code_challenge_method", "plain"),
                "nonce": query.get("nonce"),
                "response_mode": response_mode,
            },
        )
        return html(pages.sign_in_form(sign_in.id, app.display_name, upn=query.get("login_hint", "")))

    @staticmethod
    def _redirect_allowed(public_client: bool, registered: tuple[str, ...], redirect_uri: str) -> bool:
        if redirect_uri in registered:
            return True
        parsed = urlparse(redirect_uri)
        # Entra lets public clients use any port on the loopback address over plain http (RFC 8252).
        return public_client and parsed.scheme == "http" and (parsed.hostname or "") in LOOPBACK_HOSTS

    # credentials, tenant, confirmation ---------------------------------------------------------------------
    def _sign_in_or_problem(self, form) -> SignIn | web.Response:
        sign_in = self.service.flows.sign_in(str(form.get("sign_in", "")))
        if sign_in is None:
            return html(pages.problem("Sign-in expired", "This sign-in session is no longer valid. Start again from your device.", "/devicelogin"), 400)
        if sign_in.device_code is not None and self.service.flows.is_expired(sign_in.device_code):
            return html(pages.problem("Code expired", "That code has expired. Go back to your device and start the sign-in again to get a new code.", "/devicelogin"), 400)
        return sign_in

    async def credentials(self, request: web.Request) -> web.Response:
        form = await request.post()
        sign_in = self._sign_in_or_problem(form)
        if isinstance(sign_in, web.Response):
            return sign_in
        upn = str(form.get("loginfmt", ""))
        directory = self.service.directory
        try:
            user = directory.authenticate(upn, str(form.get("passwd", "")))
            if sign_in.tenant is not None:
                directory.user_principal(user, sign_in.tenant)  # refuses a user outside the tenant
        except EntraError as error:
            message = PAGE_MESSAGES.get(error.code, f"AADSTS{error.code}: {error.description}")
            if error.code == 50020 and sign_in.tenant is not None:
                name = sign_in.tenant.display_name
                message = (
                    f"AADSTS50020: The account {upn} is not in the {name} organization, so it cannot sign in to "
                    f"{sign_in.app_display_name} there. Sign in with an account from {name}, or ask an administrator "
                    f"of {name} to add {upn} as a guest."
                )
            return html(pages.sign_in_form(sign_in.id, sign_in.app_display_name, message, upn), 400)
        sign_in.upn = user.upn
        if sign_in.tenant is not None:
            return self._confirm(sign_in, sign_in.tenant)
        tenants = directory.tenants_of(user)
        if len(tenants) > 1:
            return html(pages.pick_tenant(sign_in.id, user.upn, tenants))
        return self._confirm(sign_in, tenants[0])

    async def choose_tenant(self, request: web.Request) -> web.Response:
        form = await request.post()
        sign_in = self._sign_in_or_problem(form)
        if isinstance(sign_in, web.Response):
            return sign_in
        if sign_in.upn is None:
            return html(pages.problem("Sign in first", "Sign in with your account before choosing an organization.", "/devicelogin"), 400)
        user = self.service.directory.user(sign_in.upn)
        chosen = next((t for t in self.service.directory.tenants_of(user) if t.id == form.get("tenant")), None)
        if chosen is None:
            return html(pages.pick_tenant(sign_in.id, user.upn, self.service.directory.tenants_of(user)), 400)
        return self._confirm(sign_in, chosen)

    def _confirm(self, sign_in: SignIn, tenant: Tenant) -> web.Response:
        sign_in.tenant_id = tenant.id
        return html(pages.confirm(sign_in.id, sign_in.upn or "", sign_in.app_display_name, tenant))

    async def consent(self, request: web.Request) -> web.Response:
        form = await request.post()
        sign_in = self._sign_in_or_problem(form)
        if isinstance(sign_in, web.Response):
            return sign_in
        if sign_in.upn is None or sign_in.tenant_id is None:
            return html(pages.problem("Sign in first", "Sign in with your account before confirming.", "/devicelogin"), 400)
        accepted = form.get("decision") == "accept"
        flows = self.service.flows
        flows.finish_sign_in(sign_in)
        if sign_in.device_code is not None:
            if accepted:
                flows.approve(sign_in.device_code, sign_in.upn, sign_in.tenant_id)
                return html(pages.signed_in(sign_in.app_display_name))
            flows.decline(sign_in.device_code)
            return html(pages.declined(sign_in.app_display_name))
        request_ = sign_in.authorize or {}
        if accepted:
            params = {"code": flows.new_authorization_code(sign_in)}
        else:
            params = {"error": "access_denied", "error_description": "AADSTS65004: User declined to consent to access the app."}
        if request_.get("state"):
            params["state"] = request_["state"]
        redirect_uri = request_["redirect_uri"]
        mode = request_.get("response_mode", "query")
        if mode == "form_post":  # what azure-identity's InteractiveBrowserCredential asks for
            return html(pages.form_post(redirect_uri, params))
        if mode == "fragment":
            raise web.HTTPFound(redirect_uri + "#" + urlencode(params))
        separator = "&" if "?" in redirect_uri else "?"
        raise web.HTTPFound(redirect_uri + separator + urlencode(params))

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/devicelogin", self.show_enter_code),
            web.post("/devicelogin", self.enter_code),
            web.get("/{tenant}/oauth2/v2.0/authorize", self.authorize),
            web.get("/{tenant}/oauth2/authorize", self.authorize),
            web.post("/signin", self.credentials),
            web.post("/signin/tenant", self.choose_tenant),
            web.post("/signin/consent", self.consent),
        ]

