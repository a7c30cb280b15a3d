"""Every command and flag, declared in one place (AzCopy's names and defaults)."""

from __future__ import annotations

import argparse

from pyazcopy import __version__
from pyazcopy.cli.flags import Parser  # noqa: F401 - the commands' parser class, declared with the flags

DESCRIPTION = (
    "pyazcopy is an AzCopy v10-compatible command-line tool that moves data to and from Azure Storage, "
    "authorizing with your Microsoft Entra ID identity."
)
LOGIN_TYPES = "DEVICE, BROWSER, SPN, MSI, AZCLI, PSCRED, WORKLOAD"


def _uint32(text: str) -> int:
    """A Cobra uint32 flag's value (``make --quota-gb``): a whole number from 0 to 4294967295."""
    value = int(text) if text.strip().isdigit() else -1
    if not 0 <= value <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: use a whole number from 0 to 4294967295")
    return value


def _global_flags(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    parser.add_argument("--output-type", default=default("text"), choices=["text", "json"], type=str.lower, help="Format of the command's output. The choices include: text, json. The default value is 'text'.")
    parser.add_argument("--trusted-microsoft-suffixes", default=default(""), help="Specifies additional domain suffixes where Microsoft Entra login tokens may be sent. The default is '*.core.windows.net;*.core.chinacloudapi.cn;*.core.cloudapi.de;*.core.usgovcloudapi.net;*.storage.azure.net'. Any listed here are added to the default. Separate multiple entries with semi-colons.")
    parser.add_argument("--log-level", default=default("INFO"), help="Define the log verbosity for the log file, available levels: DEBUG(detailed trace), INFO(all requests/responses), WARNING(slow responses), ERROR(only failed requests), and NONE(no output logs). (default 'INFO').")


def build_parser() -> Parser:
    parser = Parser(prog="pyazcopy", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"pyazcopy version {__version__}")
    _global_flags(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", parser_class=Parser)

    def command(name: str, help_text: str, aliases: tuple = ()) -> Parser:
        sub = commands.add_parser(name, help=help_text, description=help_text, aliases=list(aliases))
        _global_flags(sub, suppress=True)
        return sub

    login = command("login", "Log in to Microsoft Entra ID to access Azure Storage resources.")
    login.add_argument("--login-type", default="", help=f"Default value is DEVICE (or AZCOPY_AUTO_LOGIN_TYPE when set). Specify the credential type to access Azure Resource, available values are {LOGIN_TYPES}.")
    login.add_argument("--tenant-id", default="", help="The Microsoft Entra tenant ID to use for OAuth device interactive login (default: common; guest users must pass the tenant of the storage account).")
    login.add_argument("--aad-endpoint", default="", help="The Microsoft Entra endpoint to use. The default (https://login.microsoftonline.com) is correct for the public Azure cloud. Set this parameter when authenticating in a national cloud (also AZCOPY_ACTIVE_DIRECTORY_ENDPOINT).")
    login.add_argument("--application-id", default="", help="Application ID of user-assigned identity. Required for service principal auth.")
    login.add_argument("--certificate-path", default="", help="Path to certificate for SPN authentication. Required for certificate-based service principal auth.")
    login.add_argument("--identity-client-id", default="", help="Client ID of user-assigned identity.")
    login.add_argument("--identity-resource-id", default="", help="Resource ID of user-assigned identity.")
    login.add_argument("--identity-object-id", default="", help=argparse.SUPPRESS)
    login.add_argument("--identity", action="store_true", help=argparse.SUPPRESS)
    login.add_argument("--service-principal", action="store_true", help=argparse.SUPPRESS)
    login_sub = login.add_subparsers(dest="login_command", parser_class=Parser)
    status = login_sub.add_parser("status", help="Prints if you are currently logged in to your Azure Storage account.")
    _global_flags(status, suppress=True)
    status.add_argument("--tenant", action="store_true", help="Prints the Microsoft Entra tenant ID that is currently being used in session.")
    status.add_argument("--endpoint", action="store_true", help="Prints the Microsoft Entra endpoint that is being used in the current session.")
    status.add_argument("--method", action="store_true", help="Prints the authorization method used in the current session.")

    command("logout", "Log out to remove access to Azure Storage resources. Removes every secret and record that login saved.")

    listing = command("list", "List the entities in a given resource.", aliases=("ls",))
    listing.add_argument("url", help="account, container or container/prefix URL")
    listing.add_argument("--properties", default="", help="Properties to be displayed in list output. Possible properties include: LastModifiedTime, VersionId, BlobType, BlobAccessTier, ContentType, ContentEncoding, ContentMD5, LeaseState, LeaseDuration, LeaseStatus, ArchiveStatus. Delimiter (;) should be used to separate multiple values of properties (i.e. 'LastModifiedTime;VersionId;BlobType').")
    listing.add_argument("--machine-readable", action="store_true", help="False by default. Lists file sizes in bytes.")
    listing.add_argument("--running-tally", action="store_true", help="False by default. Counts the total number of files and their sizes.")
    listing.add_argument("--mega-units", action="store_true", help="False by default. Displays units in orders of 1000, not 1024.")
    listing.add_argument("--location", default="", help="Optionally specifies the location. For Example: Blob, File, BlobFS")
    listing.add_argument("--trailing-dot", default="", help=argparse.SUPPRESS)

    make = command("make", "Create a container or file share.", aliases=("mk", "mkdir"))
    make.add_argument("url", help="the container URL to create")
    make.add_argument("--quota-gb", type=_uint32, default=0, help="Specifies the maximum size of the share in gigabytes (GiB), 0 means you accept the file service's default quota.")

    env = command("env", "Shows the environment variables that can configure pyazcopy's behavior.")
    env.add_argument("--show-sensitive", action="store_true", help="Shows sensitive/secret environment variables.")

    from pyazcopy.cli.bench_command import add_bench_command  # noqa: PLC0415
    from pyazcopy.cli.copy_command import add_copy_commands  # noqa: PLC0415
    from pyazcopy.cli.jobs_command import add_jobs_commands  # noqa: PLC0415
    from pyazcopy.cli.sync_command import add_sync_command  # noqa: PLC0415

    for add in (add_copy_commands, add_jobs_commands, add_bench_command):  # copy, cp; jobs, job; bench
        add(commands, _global_flags)
    add_sync_command(commands, _global_flags)  # sync
    return parser
