"""Where OAuth tokens may be sent: AzCopy's trusted storage suffixes, ``--trusted-microsoft-suffixes`` additions, and
exact https origins listed in ``PYAZCOPY_TRUSTED_ENDPOINTS`` (how an emulator on 127.0.0.1 becomes trusted, one
origin at a time; nothing else is loosened)."""

from __future__ import annotations

from pyazcopy.errors import UntrustedEndpointError
from pyazcopy.model import StorageLocation
from pyazcopy.settings import Settings

TRUSTED_SUFFIXES = ("*.core.windows.net", "*.core.chinacloudapi.cn", "*.core.cloudapi.de", "*.core.usgovcloudapi.net", "*.storage.azure.net")
TRUSTED_SUFFIXES_FLAG = "trusted-microsoft-suffixes"


def _origin(scheme: str, host: str) -> str:
    scheme = scheme.lower()
    host = host.lower()
    if scheme == "https" and host.endswith(":443"):
        host = host[: -len(":443")]
    return f"{scheme}://{host}"


def _hostname(host: str) -> str:
    if host.startswith("["):  # [::1]:port
        return host[1:].split("]", 1)[0].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


def suffix_matches(hostname: str, suffixes) -> bool:
    for suffix in suffixes:
        suffix = suffix.strip().strip("*").lower()
        if suffix and hostname.endswith(suffix if suffix.startswith(".") else "." + suffix) or hostname == suffix.lstrip("."):
            return True
    return False


def is_trusted(location: StorageLocation, settings: Settings) -> bool:
    if location.scheme.lower() != "https":
        return False
    if _origin(location.scheme, location.host) in {_origin(*entry.split("://", 1)) for entry in settings.trusted_endpoints if "://" in entry}:
        return True
    return suffix_matches(_hostname(location.host), TRUSTED_SUFFIXES + tuple(settings.trusted_suffixes))


def check_token_destination(location: StorageLocation, settings: Settings) -> None:
    """Raise before any token is acquired when ``location`` is not a place Entra tokens may go."""
    if is_trusted(location, settings):
        return
    if location.scheme.lower() != "https":
        raise UntrustedEndpointError(
            f"the URL {location.redacted} uses {location.scheme}; OAuth tokens are only sent over https. Use an https URL or a SAS token."
        )
    host = _hostname(location.host)
    raise UntrustedEndpointError(
        f"the URL requires authentication. If this URL is in fact an Azure service, you can enable Azure authentication to {host}. "
        f"To enable, view the documentation for the parameter --{TRUSTED_SUFFIXES_FLAG}, by running 'pyazcopy copy --help'. "
        "BUT if this URL is not an Azure service, do NOT enable Azure authentication to it. Instead, see if the URL host supports "
        "authentication by way of a token that can be included in the URL's query string. "
        f"For a storage emulator or Azure Stack endpoint you control, list its exact origin in PYAZCOPY_TRUSTED_ENDPOINTS "
        f"(e.g. PYAZCOPY_TRUSTED_ENDPOINTS={_origin(location.scheme, location.host)})."
    )
