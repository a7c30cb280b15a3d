"""A STAND-IN for PowerShell (`pwsh`) with Az.Accounts, because PowerShell cannot be installed on these machines.

It is not PowerShell and runs no PowerShell. It answers exactly one thing: the script azure-identity's
AzurePowerShellCredential runs (`pwsh -NoProfile -NonInteractive -EncodedCommand <base64 UTF-16LE script>`, which
imports Az.Accounts, calls `Get-AzAccessToken -ResourceUrl R [-TenantId T]` and prints
"`nazsdk%<token>%<expires on, unix seconds>`n"), and it answers it the way real PowerShell 7 with Az.Accounts does:

- signed in: the token line on stdout, exit code 0;
- no `Connect-AzAccount` yet: exit code 1 and PowerShell's ConciseView error on stderr, ending in Az.Accounts' own
  message "Run Connect-AzAccount to login.";
- Az.Accounts missing (or older than the script's minimum): the script's own sentinel on stdout, exit code 0;
- any other script: exit code 1 and a message that this is a stand-in.

"Signed in" means a context file (like Az's AzureRmContext.json) written by `connect()`, which signs the user in to
localazure with the Azure PowerShell client id (resource owner password grant) and keeps the refresh token; tokens
are then redeemed from it, per resource and tenant, as Az.Accounts does from its MSAL cache.

    python -m localazure.pwsh install --dir DIR                  # writes DIR/pwsh; put DIR first on PATH
    python -m localazure.pwsh connect --dir DIR --user alice@contoso.test --password ...   # "Connect-AzAccount"
    python -m localazure.pwsh disconnect --dir DIR                                          # "Disconnect-AzAccount"
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shlex
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

AZURE_POWERSHELL_CLIENT_ID = "1950a258-227b-4e31-a9cf-717495945fc2"
ARM_SCOPE = "https://management.core.windows.net//.default"
CONTEXT_FILE = "AzureRmContext.json"
DEFAULT_AZ_ACCOUNTS_VERSION = "5.3.0"
POWERSHELL_VERSION = "7.4.6"

_MINIMUM_VERSION = re.compile(r"\[version\]\$minimumVersion\s*=\s*'([0-9.]+)'")
_SENTINEL = re.compile(r"if \(! \$m\) \{\s*Write-Output (\S+)\s*exit\s*\}")
_RESOURCE = re.compile(r"'ResourceUrl'\s*=\s*'([^']*)'")
_TENANT = re.compile(r"\$tenantId\s*=\s*'([^']*)'")
_OUTPUT = "Write-Output \"`nazsdk%$($tokenValue)%$($token.ExpiresOn.ToUnixTimeSeconds())`n\""


class StandInError(Exception):
    """What real pwsh would print to stderr (and exit 1) for a terminating error."""


# installing -----------------------------------------------------------------------------------------------------
def install(directory: Path, context_file: Path | None = None, az_accounts_version: str | None = DEFAULT_AZ_ACCOUNTS_VERSION, python: str = sys.executable) -> Path:
    """Write an executable `pwsh` stand-in into ``directory`` (put it first on PATH) and return its path.

    ``az_accounts_version=None`` makes a pwsh without the Az.Accounts module, to exercise that failure.
    """
    directory.mkdir(parents=True, exist_ok=True)
    context_file = (context_file or directory / CONTEXT_FILE).resolve()
    settings = {"LOCALAZURE_PWSH_CONTEXT": str(context_file), "LOCALAZURE_PWSH_AZ_ACCOUNTS": az_accounts_version or ""}
    exports = " ".join(f"{name}={shlex.quote(value)}" for name, value in settings.items())
    script = (
        "#!/bin/sh\n"
        "# localazure's STAND-IN for PowerShell 7 + Az.Accounts (see localazure/pwsh.py). It is not PowerShell: it only\n"
        "# answers the Get-AzAccessToken script azure-identity's AzurePowerShellCredential runs, exactly as pwsh would.\n"
        f"{exports} exec {shlex.quote(python)} -c 'import sys; from localazure.pwsh import main_stand_in; sys.exit(main_stand_in(sys.argv[1:]))' \"$@\"\n"
    )
    path = directory / "pwsh"
    path.write_text(script, encoding="utf-8")
    path.chmod(0o755)
    return path


# signing in -----------------------------------------------------------------------------------------------------
def _post_token(authority: str, tenant: str, form: dict, ca_bundle: str | None) -> dict:
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    request = urllib.request.Request(f"{authority.rstrip('/')}/{tenant}/oauth2/v2.0/token", data=urllib.parse.urlencode(form).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = json.loads(error.read() or b"{}")
        raise StandInError(body.get("error_description") or f"HTTP {error.code} from the token endpoint") from None
    except urllib.error.URLError as error:
        raise StandInError(f"No such host is known or the service is unreachable: {error.reason}") from None


def _claims(jwt_text: str) -> dict:
    payload = jwt_text.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def connect(context_file: Path, authority: str, upn: str, password: str, tenant: str = "organizations", ca_bundle: str | None = None) -> dict:
    """Sign ``upn`` in (as `Connect-AzAccount` does, but with a password) and save the context; returns it."""
    ca_bundle = ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE")
    form = {"grant_type": "password", "client_id": AZURE_POWERSHELL_CLIENT_ID, "username": upn, "password": password, "scope": f"{ARM_SCOPE} offline_access openid profile"}
    body = _post_token(authority, tenant, form, ca_bundle)
    claims = _claims(body["access_token"])
    context = {
        "schema": 1,
        "standIn": "localazure pwsh stand-in; not Azure PowerShell",
        "authority": authority.rstrip("/"),
        "clientId": AZURE_POWERSHELL_CLIENT_ID,
        "account": claims.get("upn", upn),
        "tenantId": claims["tid"],
        "caBundle": ca_bundle,
        "refreshToken": body["refresh_token"],
    }
    _save(context_file, context)
    return context


def disconnect(context_file: Path) -> None:
    context_file.unlink(missing_ok=True)


def _save(context_file: Path, context: dict) -> None:
    context_file.parent.mkdir(parents=True, exist_ok=True)
    temporary = context_file.with_suffix(".tmp")
    temporary.touch(mode=0o600)
    temporary.write_text(json.dumps(context, indent=2), encoding="utf-8")
    temporary.replace(context_file)


def access_token(context_file: Path, resource: str, tenant: str) -> tuple[str, int]:
    """Get-AzAccessToken: a token for ``resource`` in ``tenant`` (the context's when empty) from the refresh token."""
    try:
        context = json.loads(context_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise StandInError("Run Connect-AzAccount to login.") from None
    scope = resource + "/.default"  # Az's way: https://management.core.windows.net/ -> ...net//.default
    form = {"grant_type": "refresh_token", "client_id": context["clientId"], "refresh_token": context["refreshToken"], "scope": f"{scope} offline_access"}
    body = _post_token(context["authority"], tenant or context["tenantId"], form, context.get("caBundle"))
    if body.get("refresh_token"):
        context["refreshToken"] = body["refresh_token"]
        _save(context_file, context)
    expires_on = _claims(body["access_token"]).get("exp") or int(time.time()) + int(body.get("expires_in", 3600))
    return body["access_token"], int(expires_on)


# being pwsh -----------------------------------------------------------------------------------------------------
def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def concise_error(script: str, needle: str, command: str, message: str) -> str:
    """PowerShell 7's ConciseView of a terminating error at the line of ``needle`` in a multi-line -Command script."""
    lines = script.replace("\r\n", "\n").split("\n")
    number = next((index + 1 for index, line in enumerate(lines) if needle in line), 1)
    line = lines[number - 1]
    column = line.find(command) if command in line else 0
    extent = line[column:].rstrip()
    width = max(4, len(str(number)))
    header = " " * (width - 4)
    return (
        f"{command.split()[0]}: \n"
        f"{header}Line |\n"
        f"{str(number).rjust(width)} |  {line}\n"
        f"{header}     |  {' ' * column}{'~' * len(extent)}\n"
        f"{header}     | {message}\n"
    )


def run_script(script: str, context_file: Path, az_accounts_version: str | None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of pwsh running ``script``; only azure-identity's token script is understood."""
    if "Get-AzAccessToken" not in script or "Import-Module Az.Accounts" not in script or _OUTPUT not in script:
        return 1, "", (
            "localazure's pwsh is a stand-in, not PowerShell: it runs only the Get-AzAccessToken script that "
            "azure-identity's AzurePowerShellCredential sends (see localazure/pwsh.py).\n"
        )
    minimum = _MINIMUM_VERSION.search(script)
    sentinel = _SENTINEL.search(script)
    if not az_accounts_version or (minimum and _version_tuple(az_accounts_version) < _version_tuple(minimum.group(1))):
        return 0, (sentinel.group(1) + "\n") if sentinel else "", ""
    resource = _RESOURCE.search(script)
    tenant = _TENANT.search(script)
    try:
        token, expires_on = access_token(context_file, resource.group(1) if resource else "", tenant.group(1) if tenant else "")
    except StandInError as error:
        return 1, "", concise_error(script, "Get-AzAccessToken @params", "Get-AzAccessToken @params", str(error))
    return 0, f"\nazsdk%{token}%{expires_on}\n\n", ""


def _script_from(argv: list[str]) -> str | None:
    """The script of `pwsh [-NoProfile] [-NonInteractive] (-EncodedCommand B64 | -Command TEXT)`, as pwsh parses it."""
    index = 0
    while index < len(argv):
        name = argv[index].lower()
        if name in ("-encodedcommand", "-e", "-ec", "-enc") and index + 1 < len(argv):
            return base64.b64decode(argv[index + 1]).decode("utf-16-le")
        if name in ("-command", "-c") and index + 1 < len(argv):
            return " ".join(argv[index + 1:])
        index += 1
    return None


def main_stand_in(argv: list[str]) -> int:
    """The `pwsh` executable's entry point (see install())."""
    if any(arg.lower() in ("-version", "-v", "--version") for arg in argv):
        print(f"PowerShell {POWERSHELL_VERSION}")
        return 0
    script = _script_from(argv)
    if script is None:
        print("localazure's pwsh stand-in needs -EncodedCommand or -Command; it has no interactive shell.", file=sys.stderr)
        return 64
    code, stdout, stderr = run_script(script, Path(os.environ["LOCALAZURE_PWSH_CONTEXT"]), os.environ.get("LOCALAZURE_PWSH_AZ_ACCOUNTS") or None)
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localazure.pwsh", description="A stand-in `pwsh` (PowerShell + Az.Accounts) for azure-identity's AzurePowerShellCredential.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("install", "write DIR/pwsh; put DIR first on PATH"), ("connect", "sign a user in (like Connect-AzAccount)"), ("disconnect", "forget the signed-in user")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--dir", type=Path, required=True, help="the stand-in's directory (holds pwsh and AzureRmContext.json)")
    commands.choices["install"].add_argument("--without-az-accounts", action="store_true", help="behave as a pwsh without the Az.Accounts module")
    connect_parser = commands.choices["connect"]
    connect_parser.add_argument("--user", required=True)
    connect_parser.add_argument("--password", required=True)
    connect_parser.add_argument("--tenant", default="organizations")
    connect_parser.add_argument("--authority", default=os.environ.get("LOCALAZURE_AUTHORITY"), help="default: $LOCALAZURE_AUTHORITY")
    args = parser.parse_args(argv)
    context_file = args.dir / CONTEXT_FILE
    if args.command == "install":
        path = install(args.dir, context_file, None if args.without_az_accounts else DEFAULT_AZ_ACCOUNTS_VERSION)
        print(f"wrote {path} (a stand-in, not PowerShell); prepend {args.dir.resolve()} to PATH")
    elif args.command == "connect":
        if not args.authority:
            parser.error("--authority is required when LOCALAZURE_AUTHORITY is not set (source the stack's env file)")
        try:
            context = connect(context_file, args.authority, args.user, args.password, args.tenant)
        except StandInError as error:
            print(f"Connect-AzAccount: {error}", file=sys.stderr)
            return 1
        print(f"Account: {context['account']}  Tenant: {context['tenantId']}  (localazure pwsh stand-in)")
    else:
        disconnect(context_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
