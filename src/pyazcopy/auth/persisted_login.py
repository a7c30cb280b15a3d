"""The saved login: a non-secret record (``login.json`` in the config directory) plus, for login types that need
one, a secret in a secret store (the serialized MSAL token cache with the refresh token, or an SPN's client secret or
certificate password). Also the in-memory auto-login, which writes nothing.

msal and azure-identity (about 0.4 s of start-up) are imported only where a token is requested: a saved user login
whose cache still holds a valid access token is used without them (``saved_token``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyazcopy.auth.credential_errors import map_credential_error
from pyazcopy.auth.saved_token import CachedFirstCredential, valid_cached_token
from pyazcopy.auth.secret_stores import StoreUnavailable, every_store, select_store, store_by_kind
from pyazcopy.errors import NotLoggedInError, PyAzCopyError, SignInExpiredError
from pyazcopy.model import LOGIN_RECORD_SCHEMA, STORAGE_SCOPE, LoginRecord, LoginRequest, LoginStatus, LoginType
from pyazcopy.settings import Settings

if TYPE_CHECKING:
    import msal
    from azure.identity import AuthenticationRecord

    from pyazcopy.auth.credentials import DevicePrompt
    from pyazcopy.auth.shared_token import SharedTokenCredential

RECORD_FILE = "login.json"
SECRET_SCHEMA = 1


@dataclass
class ActiveLogin:
    """The credential a command uses, and who it is for (never the secret itself)."""

    credential: SharedTokenCredential | CachedFirstCredential
    login_type: LoginType
    principal: str
    tenant_id: str
    authority: str
    source: str  # "auto-login" | "saved login" | "login"
    record: LoginRecord | None = None


def store_key(settings: Settings) -> str:
    """The secret's name in every store: unique per config directory, so profiles (and test runs) never collide."""
    digest = hashlib.sha256(str(settings.config_dir.expanduser().resolve()).encode()).hexdigest()[:16]
    return f"{digest}:login"


def record_path(settings: Settings) -> Path:
    return settings.config_dir / RECORD_FILE


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def read_record(settings: Settings) -> LoginRecord | None:
    path = record_path(settings)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise NotLoggedInError(f"the saved login record {path} cannot be read ({error}); run `pyazcopy logout` then `pyazcopy login`") from None
    if data.get("schema_version") != LOGIN_RECORD_SCHEMA:
        raise NotLoggedInError(f"the saved login record {path} has schema {data.get('schema_version')}, this pyazcopy reads {LOGIN_RECORD_SCHEMA}; log in again")
    fields = {f.name for f in dataclasses.fields(LoginRecord)}
    values = {key: value for key, value in data.items() if key in fields}
    values["login_type"] = LoginType(values["login_type"])
    return LoginRecord(**values)


def _secret_blob(cache: msal.SerializableTokenCache | None, request: LoginRequest) -> bytes:
    blob = {"schema": SECRET_SCHEMA, "msal_token_cache": cache.serialize() if cache is not None else ""}
    if request.login_type is LoginType.SPN:
        blob["client_secret"] = request.client_secret
        blob["certificate_password"] = request.certificate_password
    return json.dumps(blob).encode("utf-8")


def _principal_of(request: LoginRequest, auth_record: AuthenticationRecord | None) -> str:
    if auth_record is not None:
        return auth_record.username
    if request.login_type is LoginType.SPN:
        return f"application {request.application_id}"
    if request.login_type is LoginType.MSI:
        return f"managed identity {request.identity_client_id or request.identity_resource_id or request.identity_object_id or '(system-assigned)'}"
    if request.login_type is LoginType.WORKLOAD:
        return f"workload identity {request.workload_client_id}"
    return f"your {request.login_type.value} sign-in"


def _request_from_record(record: LoginRecord, secret: dict) -> LoginRequest:
    return LoginRequest(
        login_type=record.login_type,
        tenant_id=record.tenant_id,
        authority=record.authority,
        application_id=record.client_id if record.login_type in (LoginType.SPN, LoginType.DEVICE, LoginType.BROWSER) else "",
        certificate_path=record.certificate_path,
        client_secret=secret.get("client_secret", ""),
        certificate_password=secret.get("certificate_password", ""),
        identity_client_id=record.identity_client_id,
        identity_object_id=record.identity_object_id,
        identity_resource_id=record.identity_resource_id,
        workload_tenant_id=record.tenant_id if record.login_type is LoginType.WORKLOAD else "",
        workload_client_id=record.client_id if record.login_type is LoginType.WORKLOAD else "",
        workload_token_file=record.token_file,
        workload_authority=record.authority if record.login_type is LoginType.WORKLOAD else "",
    )


def sign_in(request: LoginRequest, settings: Settings, prompt: DevicePrompt | None = None, persist: bool = True) -> ActiveLogin:
    """Sign in once (prompting for DEVICE/BROWSER) and, when ``persist``, save the login.

    With ``persist`` and a login type that keeps a secret, the secret store is chosen and probed *before* anything
    else, so a machine without one fails before the user is asked to sign in.
    """
    import msal  # noqa: PLC0415 - see the module docstring

    from pyazcopy.auth.credentials import build_credential, normalize_authority  # noqa: PLC0415
    from pyazcopy.auth.shared_token import SharedTokenCredential  # noqa: PLC0415

    kind = request.login_type
    store = select_store(settings) if persist and kind.needs_secret_store else None
    cache = msal.SerializableTokenCache() if kind.is_user_sign_in else None
    principal = _principal_of(request, None)
    try:
        inner = build_credential(request, prompt, cache=cache)
        auth_record = None
        if kind.is_user_sign_in:
            auth_record = inner.authenticate(scopes=[STORAGE_SCOPE])
            principal = auth_record.username
        else:
            inner.get_token(STORAGE_SCOPE)
    except PyAzCopyError:
        raise
    except Exception as error:
        raise (map_credential_error(error, principal, kind, during_login=True) or error) from None
    tenant = auth_record.tenant_id if auth_record else request.tenant_id
    authority = normalize_authority(request.authority) if kind in (LoginType.DEVICE, LoginType.BROWSER, LoginType.SPN) else (request.workload_authority or request.authority)
    record = None
    if persist:
        previous = read_record(settings)
        key = store_key(settings)
        if store is not None:
            store.write(key, _secret_blob(cache, request))
        record = LoginRecord(
            login_type=kind,
            tenant_id=tenant if kind is not LoginType.WORKLOAD else (request.workload_tenant_id or tenant),
            authority=authority,
            client_id=(request.workload_client_id if kind is LoginType.WORKLOAD else request.application_id or (auth_record.client_id if auth_record else "")),
            username=auth_record.username if auth_record else "",
            authentication_record=auth_record.serialize() if auth_record else "",
            store=store.kind if store else "",
            store_key=key if store else "",
            certificate_path=str(Path(request.certificate_path).resolve()) if request.certificate_path else "",
            identity_client_id=request.identity_client_id,
            identity_object_id=request.identity_object_id,
            identity_resource_id=request.identity_resource_id,
            token_file=request.workload_token_file,
            created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        _write_private(record_path(settings), json.dumps(dataclasses.asdict(record), indent=2) + "\n")
        if previous is not None and previous.store and (store is None or previous.store != store.kind):
            _delete_quietly(store_by_kind(previous.store, settings), previous.store_key)
    shared = SharedTokenCredential(inner, error_mapper=lambda error: map_credential_error(error, principal, kind))
    return ActiveLogin(shared, kind, principal, tenant, authority, "login" if persist else "auto-login", record)


def load_saved_login(settings: Settings, prefer_cached_token: bool = True) -> ActiveLogin:
    """The saved login as a credential that refreshes silently and writes rotated refresh tokens back to the store.

    With ``prefer_cached_token``, a user login whose saved cache holds a valid access token serves it without msal;
    the full credential is built when that token nears expiry."""
    record = read_record(settings)
    if record is None:
        raise NotLoggedInError("you are not logged in; run `pyazcopy login` (or set AZCOPY_AUTO_LOGIN_TYPE)")
    secret: dict = {}
    store = None
    if record.store:
        store = store_by_kind(record.store, settings)
        try:
            raw = store.read(record.store_key)
        except (StoreUnavailable, OSError, Exception) as error:  # a store can fail in many ways; say which
            raise SignInExpiredError(
                f"the saved login's secret could not be read from the {store.description}: {error}. "
                "Run `pyazcopy login` again (in an SSH or cron session, the same user's kernel keyring is used; "
                "a Secret Service needs an unlocked keyring on the D-Bus session bus)."
            ) from None
        if raw is None:
            raise SignInExpiredError(
                f"the saved login's secret is missing from the {store.description} (a reboot clears the kernel keyring); run `pyazcopy login` again"
            )
        secret = json.loads(raw.decode("utf-8"))
    principal = record.username or _principal_of(_request_from_record(record, {}), None)
    cached = None
    if prefer_cached_token and record.login_type.is_user_sign_in:
        cached = valid_cached_token(secret.get("msal_token_cache") or "", record)
    credential: Any
    if cached is not None:
        credential = CachedFirstCredential(cached, lambda: _full_saved_credential(record, secret, store, principal))
    else:
        credential = _full_saved_credential(record, secret, store, principal)
    return ActiveLogin(credential, record.login_type, principal, record.tenant_id, record.authority, "saved login", record)


def _full_saved_credential(record: LoginRecord, secret: dict, store: Any, principal: str) -> SharedTokenCredential:
    import msal  # noqa: PLC0415 - see the module docstring
    from azure.identity import AuthenticationRecord  # noqa: PLC0415

    from pyazcopy.auth.credentials import build_credential  # noqa: PLC0415
    from pyazcopy.auth.shared_token import SharedTokenCredential  # noqa: PLC0415

    request = _request_from_record(record, secret)
    cache = None
    auth_record = None
    if record.login_type.is_user_sign_in:
        cache = msal.SerializableTokenCache()
        cache.deserialize(secret.get("msal_token_cache") or "{}")
        auth_record = AuthenticationRecord.deserialize(record.authentication_record)
    inner = build_credential(request, cache=cache, record=auth_record)

    def persist_rotated_tokens() -> None:
        if cache is not None and store is not None and cache.has_state_changed:
            secret["msal_token_cache"] = cache.serialize()
            store.write(record.store_key, json.dumps(secret).encode("utf-8"))
            cache.has_state_changed = False

    return SharedTokenCredential(inner, on_refresh=persist_rotated_tokens, error_mapper=lambda error: map_credential_error(error, principal, record.login_type))


def _delete_quietly(store, key: str) -> str | None:
    try:
        if store.delete(key):
            return store.description
    except Exception:  # an unreachable store holds nothing we can remove now
        return None
    return None


def log_out(settings: Settings) -> list[str]:
    """Remove the record and our secret from every store; the list says what each removed thing was and where it was
    (the secret: the sign-in's tokens, from a secret store; the record: who signed in and how, not secret).
    NotLoggedInError if nothing."""
    removed = []
    key = store_key(settings)
    record = read_record(settings) if record_path(settings).exists() else None
    for store in every_store(dataclasses.replace(settings, allow_plaintext_store=True)):
        where = _delete_quietly(store, record.store_key if record and record.store == store.kind else key)
        if where:
            removed.append(f"the secret (the sign-in's refresh and access tokens) from the {where}")
    path = record_path(settings)
    if path.exists():
        path.unlink()
        removed.append(f"the login record (not secret: who signed in, the tenant and where the secret was kept) {path}")
    if not removed:
        raise NotLoggedInError("you are not logged in: no saved login was found, so there is nothing to remove")
    return removed


def login_status(settings: Settings) -> LoginStatus:
    """Refresh the saved login's token; valid when that works."""
    try:
        active = load_saved_login(settings, prefer_cached_token=False)  # status proves the refresh token still works
        active.credential.get_token(STORAGE_SCOPE)
    except PyAzCopyError as error:
        record = None
        try:
            record = read_record(settings)
        except PyAzCopyError:
            pass
        return LoginStatus(False, record.tenant_id if record else "", record.authority if record else "", record.login_type if record else None, reason=str(error))
    return LoginStatus(True, active.tenant_id, active.authority, active.login_type, active.principal)
