"""`python -m localazure up | env | approve`: run the local stand-in for Azure and script it."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from localazure.azurite import AzuriteError
from localazure.config import ConfigError, load_config
from localazure.stack import ENV_FILE, Stack, read_env

DEFAULT_STATE_DIR = Path(".localazure")


async def _run_until_signalled(stack: Stack) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    try:
        env = await stack.start()
    except BaseException:
        await stack.stop()
        raise
    print((stack.state_dir / ENV_FILE).read_text(encoding="utf-8"), end="", flush=True)
    print(f"# localazure is up (authority {env['LOCALAZURE_AUTHORITY']}); Ctrl-C stops it.", file=sys.stderr, flush=True)
    await stop.wait()
    print("# localazure is stopping", file=sys.stderr, flush=True)
    await stack.stop()


def command_up(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"localazure: bad configuration: {error}", file=sys.stderr)
        return 2
    config_dir = args.config.parent if args.config else Path(".")
    try:
        asyncio.run(_run_until_signalled(Stack(config, args.state_dir, config_dir)))
    except (AzuriteError, ConfigError) as error:
        print(f"localazure: {error}", file=sys.stderr)
        return 1
    return 0


def command_env(args: argparse.Namespace) -> int:
    path = args.state_dir / ENV_FILE
    if not path.exists():
        print(f"localazure: no running stack writes {path}; start one with `python -m localazure up --state-dir {args.state_dir}`", file=sys.stderr)
        return 1
    print(path.read_text(encoding="utf-8"), end="")
    return 0


def _admin_call(env: dict[str, str], method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    context = ssl.create_default_context(cafile=env["LOCALAZURE_CA_CERT"])
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(env["LOCALAZURE_ADMIN_URL"] + path, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def command_approve(args: argparse.Namespace) -> int:
    if not (args.state_dir / ENV_FILE).exists():
        return command_env(args)
    env = read_env(args.state_dir)
    code = args.code
    deadline = time.monotonic() + args.wait
    while code is None:
        _, body = _admin_call(env, "GET", "/device/pending")
        if body.get("pending"):
            code = body["pending"][0]["user_code"]
        elif time.monotonic() > deadline:
            print(f"localazure: no device code was pending within {args.wait:.0f} s; start the sign-in first", file=sys.stderr)
            return 1
        else:
            time.sleep(0.2)
    status, body = _admin_call(env, "POST", "/device/approve", {"user_code": code, "upn": args.user, "tenant": args.tenant})
    if status != 200:
        print(f"localazure: could not approve {code}: {body.get('error')}", file=sys.stderr)
        return 1
    print(f"approved {body['approved']} as {body['upn']} in tenant {body['tenant_id']}")
    return 0


def command_workload_token(args: argparse.Namespace) -> int:
    """Write a service-account token of the stack's Kubernetes-like issuer to a file, as AKS mounts it."""
    if not (args.state_dir / ENV_FILE).exists():
        return command_env(args)
    env = read_env(args.state_dir)
    status, body = _admin_call(env, "POST", "/workload/token", {"subject": args.subject, "audiences": args.audience or None, "lifetime_seconds": args.lifetime})
    if status != 200:
        print(f"localazure: could not mint a workload token: {body.get('error')}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(body["token"], encoding="utf-8")
    args.output.chmod(0o600)
    print(f"wrote a token for {body['subject']} (issuer {body['issuer']}) to {args.output}; set AZURE_FEDERATED_TOKEN_FILE={args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localazure", description="A local stand-in for Microsoft Entra ID and Azure Storage, for development and tests.")
    commands = parser.add_subparsers(dest="command", required=True)
    state = argparse.ArgumentParser(add_help=False)
    state.add_argument("--state-dir", type=Path, default=Path(os.environ.get("LOCALAZURE_STATE_DIR", DEFAULT_STATE_DIR)), help="where certificates, logs and the env file go (default: .localazure)")

    up = commands.add_parser("up", parents=[state], help="start everything and run in the foreground until Ctrl-C or SIGTERM")
    up.add_argument("--config", type=Path, default=None, help="configuration file (TOML); default: the built-in one")
    up.set_defaults(handler=command_up)

    env = commands.add_parser("env", parents=[state], help="print the export lines of the running stack again")
    env.set_defaults(handler=command_env)

    approve = commands.add_parser("approve", parents=[state], help="approve a pending device code as a user, for scripted demos")
    approve.add_argument("--user", required=True, help="the user principal name to sign in as, e.g. alice@contoso.test")
    approve.add_argument("--tenant", default=None, help="tenant to sign in to when the code was requested for common")
    approve.add_argument("--wait", type=float, default=60.0, help="without CODE: seconds to wait for a pending code")
    approve.add_argument("code", nargs="?", default=None, help="the user code the client printed (default: the newest pending code)")
    approve.set_defaults(handler=command_approve)

    workload = commands.add_parser("workload-token", parents=[state], help="write a service-account token file for workload identity (AZURE_FEDERATED_TOKEN_FILE)")
    workload.add_argument("--subject", default="system:serviceaccount:data:data-mover", help="the token's sub (default: the built-in config's federated credential)")
    workload.add_argument("--audience", action="append", help="the token's aud, repeatable (default: api://AzureADTokenExchange)")
    workload.add_argument("--lifetime", type=int, default=3600, help="seconds until the token expires (default: 3600)")
    workload.add_argument("--output", type=Path, required=True, help="the file to write, e.g. /tmp/azure-identity-token")
    workload.set_defaults(handler=command_workload_token)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
