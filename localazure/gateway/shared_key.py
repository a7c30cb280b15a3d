"""Shared Key for the Blob service ("Authorize with Shared Key", version 2009-09-19 and later): checking a request's
signature and signing the requests the gateway itself sends to Azurite with the account's key."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Mapping
from urllib.parse import parse_qsl, unquote

SIGNED_HEADERS = ("content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
                  "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range")


def string_to_sign(account: str, method: str, path: str, query: str, headers: Mapping[str, str]) -> str:
    """The string Azure signs: ``path`` is the URL path as sent, ``query`` the raw query string without ``?``.

    On a path-style URL (``/account/container/blob``, as on emulators) the SDKs sign ``/account`` + the whole path,
    so the account appears twice; Azurite accepts that and the form without the repetition, and so does this."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("content-length") == "0":
        lowered.pop("content-length")
    canonical_headers = "".join(f"{name}:{lowered[name].strip()}\n" for name in sorted(n for n in lowered if n.startswith("x-ms-")))
    parameters: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parameters.setdefault(name.lower(), []).append(value)
    canonical_query = "".join(f"\n{name}:{','.join(sorted(values))}" for name, values in sorted(parameters.items()))
    return method.upper() + "\n" + "\n".join(lowered.get(name, "") for name in SIGNED_HEADERS) + "\n" + canonical_headers + f"/{account}{path or '/'}" + canonical_query


def signature(key: bytes, text: str) -> str:
    return base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode()


def authorization(account: str, key: bytes, method: str, path: str, query: str, headers: Mapping[str, str]) -> str:
    """The Authorization header value for a request the gateway sends."""
    return f"SharedKey {account}:{signature(key, string_to_sign(account, method, path, query, headers))}"


def verify(value: str, account: str, key: bytes, method: str, raw_path: str, query: str, headers: Mapping[str, str]) -> bool:
    """Whether ``value`` (after "SharedKey ") signs this request with ``key``; the path encoded or decoded, as SDKs differ."""
    name, _, given = value.partition(":")
    if name != account:
        return False
    unprefixed = raw_path[len(f"/{account}"):] if raw_path.startswith(f"/{account}/") else raw_path
    return any(hmac.compare_digest(signature(key, string_to_sign(account, method, path, query, headers)), given)
               for path in {raw_path, unquote(raw_path), unprefixed, unquote(unprefixed)})
