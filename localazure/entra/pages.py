"""The sign-in pages a person sees: plain server-rendered HTML forms that work without JavaScript."""

from __future__ import annotations

from html import escape

from localazure.config import Tenant

STYLE = """
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:6px;font-size:15px}
button{margin-top:20px;margin-right:8px;padding:6px 20px;font-size:15px}
.error{color:#e81123;margin:8px 0}
.banner{font-size:13px;color:#666;margin-top:24px}
"""

BANNER = "localazure: a local stand-in for Microsoft Entra ID, for development and tests only."


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}<p class=\"banner\">{escape(BANNER)}</p></main></body></html>"
    )


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert" id="error">{escape(message)}</p>' if message else ""


def enter_code(error: str | None = None, code: str = "") -> str:
    return page(
        "Enter code",
        "<h1>Enter code</h1>"
        "<p>Enter the code displayed on your app or device.</p>"
        f"{_error(error)}"
        '<form method="post" action="/devicelogin">'
        '<label for="otc">Code</label>'
        f'<input type="text" id="otc" name="otc" value="{escape(code)}" autocomplete="off" autofocus>'
        '<button type="submit" id="next">Next</button></form>',
    )


def sign_in_form(sign_in_id: str, app_display_name: str, error: str | None = None, upn: str = "") -> str:
    return page(
        "Sign in to your account",
        "<h1>Sign in</h1>"
        f"<p>to continue to <strong>{escape(app_display_name)}</strong></p>"
        f"{_error(error)}"
        '<form method="post" action="/signin">'
        f'<input type="hidden" name="sign_in" value="{escape(sign_in_id)}">'
        '<label for="loginfmt">Email, phone, or Skype</label>'
        f'<input type="email" id="loginfmt" name="loginfmt" value="{escape(upn)}" autocomplete="username" autofocus>'
        '<label for="passwd">Password</label>'
        '<input type="password" id="passwd" name="passwd" autocomplete="current-password">'
        '<button type="submit" id="idSIButton9">Sign in</button></form>',
    )


def pick_tenant(sign_in_id: str, upn: str, tenants: list[Tenant]) -> str:
    choices = "".join(
        f'<button type="submit" name="tenant" value="{escape(t.id)}" id="tenant-{escape(t.name)}">'
        f"{escape(t.display_name)} ({escape(t.domains[0] if t.domains else t.id)})</button><br>"
        for t in tenants
    )
    return page(
        "Choose an organization",
        "<h1>Choose an organization</h1>"
        f"<p>{escape(upn)} belongs to more than one organization. Which one do you want to sign in to?</p>"
        f'<form method="post" action="/signin/tenant"><input type="hidden" name="sign_in" value="{escape(sign_in_id)}">'
        f"{choices}</form>",
    )


def confirm(sign_in_id: str, upn: str, app_display_name: str, tenant: Tenant) -> str:
    return page(
        "Are you trying to sign in?",
        f"<h1>Are you trying to sign in to {escape(app_display_name)}?</h1>"
        f"<p>Signed in as <strong>{escape(upn)}</strong> in <strong>{escape(tenant.display_name)}</strong>.</p>"
        "<p>Only continue if you downloaded the app from a store or website that you trust.</p>"
        '<form method="post" action="/signin/consent">'
        f'<input type="hidden" name="sign_in" value="{escape(sign_in_id)}">'
        '<button type="submit" name="decision" value="decline" id="cancel">Cancel</button>'
        '<button type="submit" name="decision" value="accept" id="continue">Continue</button></form>',
    )


def signed_in(app_display_name: str) -> str:
    return page(
        "Signed in",
        f"<h1>{escape(app_display_name)}</h1>"
        f'<p id="done">You have signed in to the {escape(app_display_name)} application on your device. '
        "You may now close this window.</p>",
    )


def declined(app_display_name: str) -> str:
    return page(
        "Sign-in cancelled",
        "<h1>Sign-in cancelled</h1>"
        f'<p id="declined">You declined to sign in to {escape(app_display_name)}. The application was not given access. '
        "To try again, start the sign-in on your device once more and enter the new code.</p>"
        '<p><a href="/devicelogin" id="start-over">Enter a new code</a></p>',
    )


def problem(title: str, message: str, retry_href: str | None = None) -> str:
    retry = f'<p><a href="{escape(retry_href)}" id="start-over">Try again</a></p>' if retry_href else ""
    return page(title, f"<h1>{escape(title)}</h1>{_error(message)}{retry}")


def form_post(redirect_uri: str, params: dict[str, str]) -> str:
    """response_mode=form_post: a form that posts the result to the app; scripts submit it, people can too."""
    fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
    return page(
        "Working...",
        f'<form method="post" name="hiddenform" action="{escape(redirect_uri)}">{fields}'
        "<noscript><p>Script is disabled. Click Submit to continue.</p>"
        '<button type="submit" id="submit">Submit</button></noscript></form>'
        "<script>window.setTimeout(function(){document.forms[0].submit();},0);</script>",
    )
