"""The public Python API: a thin facade over the engine and auth layers.

    import pyazcopy
    pyazcopy.login(tenant_id="...", prompt=lambda uri, code, expires: print(uri, code))
    for item in pyazcopy.list("https://acct.blob.core.windows.net/container"):
        print(item.path, item.size)

Nothing here reads environment variables: pass a ``Settings`` (``Settings.from_environment(os.environ)`` gives what
the command line would use). Without one, the defaults are AzCopy's and the saved login lives in ``~/.pyazcopy``.
"""

from __future__ import annotations

import builtins
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from pyazcopy.auth.trust import check_token_destination
from pyazcopy.endpoints.locations import parse_location
from pyazcopy.engine.listing import Tally, tallied
from pyazcopy.errors import NoCredentialError, UsageError
from pyazcopy.model import DEFAULT_TENANT_ID, InvalidLoginType, ListedObject, LoginRecord, LoginRequest, LoginStatus, LoginType, StorageLocation
from pyazcopy.settings import Settings

if TYPE_CHECKING:
    from pyazcopy.auth.credentials import DevicePrompt
    from pyazcopy.auth.persisted_login import ActiveLogin
    from pyazcopy.endpoints.blob import BlobEndpoint

NO_CREDENTIAL_MESSAGE = (
    "no SAS token or OAuth token is present and the resource is not public. "
    "Log in with `pyazcopy login` (add --tenant-id for another organisation's account), "
    "or set AZCOPY_AUTO_LOGIN_TYPE (DEVICE, BROWSER, AZCLI, PSCRED, SPN, MSI or WORKLOAD) to sign in for each command without saving anything, "
    "or append a SAS token to the URL."
)


def parse_login_type(value: str, source: str = "--login-type") -> LoginType:
    try:
        return LoginType.parse(value, source)
    except InvalidLoginType as error:
        raise UsageError(str(error)) from None


def default_settings() -> Settings:
    return Settings(config_dir=Path.home() / ".pyazcopy")


def auto_login_request(settings: Settings) -> LoginRequest | None:
    """What ``AZCOPY_AUTO_LOGIN_TYPE`` and its companion variables ask for, or None when it is not set."""
    if not settings.auto_login_type:
        return None
    kind = parse_login_type(settings.auto_login_type, "AZCOPY_AUTO_LOGIN_TYPE")
    return LoginRequest(
        login_type=kind,
        tenant_id=settings.tenant_id or DEFAULT_TENANT_ID,
        authority=settings.authority,
        application_id=settings.spa_application_id,
        certificate_path=settings.spa_cert_path,
        client_secret=settings.spa_client_secret,
        certificate_password=settings.spa_cert_password,
        identity_client_id=settings.msi_client_id,
        identity_object_id=settings.msi_object_id,
        identity_resource_id=settings.msi_resource_string,
        workload_tenant_id=settings.azure_tenant_id,
        workload_client_id=settings.azure_client_id,
        workload_token_file=settings.azure_federated_token_file,
        workload_authority=settings.azure_authority_host,
    )


def credential_for(location: StorageLocation, settings: Settings, prompt: DevicePrompt | None = None) -> ActiveLogin | None:
    """AzCopy's order: a SAS in the URL (None: no token is sent), then auto-login, then the saved login."""
    if location.sas:
        return None
    from pyazcopy.auth import persisted_login  # noqa: PLC0415 - msal and azure-identity: only when a token is needed

    request = auto_login_request(settings)
    if request is None and persisted_login.read_record(settings) is None:
        raise NoCredentialError(NO_CREDENTIAL_MESSAGE)
    check_token_destination(location, settings)  # before any prompt or token request
    if request is not None:
        return persisted_login.sign_in(request, settings, prompt, persist=False)
    return persisted_login.load_saved_login(settings)


def login(
    login_type: LoginType | str = LoginType.DEVICE,
    *,
    tenant_id: str = DEFAULT_TENANT_ID,
    aad_endpoint: str = "",
    application_id: str = "",
    certificate_path: str = "",
    client_secret: str = "",
    certificate_password: str = "",
    identity_client_id: str = "",
    identity_resource_id: str = "",
    prompt: DevicePrompt | None = None,
    settings: Settings | None = None,
) -> LoginRecord:
    """Sign in and save the login (the secret in a secret store, the record in the config directory)."""
    settings = settings or default_settings()
    kind = login_type if isinstance(login_type, LoginType) else parse_login_type(login_type)
    request = LoginRequest(
        login_type=kind,
        tenant_id=tenant_id or DEFAULT_TENANT_ID,
        authority=aad_endpoint or settings.authority,
        application_id=application_id,
        certificate_path=certificate_path,
        client_secret=client_secret,
        certificate_password=certificate_password,
        identity_client_id=identity_client_id,
        identity_resource_id=identity_resource_id,
        workload_tenant_id=settings.azure_tenant_id,
        workload_client_id=settings.azure_client_id,
        workload_token_file=settings.azure_federated_token_file,
        workload_authority=settings.azure_authority_host,
    )
    from pyazcopy.auth.persisted_login import sign_in  # noqa: PLC0415

    active = sign_in(request, settings, prompt, persist=True)
    assert active.record is not None
    return active.record


def logout(settings: Settings | None = None) -> builtins.list[str]:
    from pyazcopy.auth.persisted_login import log_out  # noqa: PLC0415

    return log_out(settings or default_settings())


def status(settings: Settings | None = None) -> LoginStatus:
    from pyazcopy.auth.persisted_login import login_status  # noqa: PLC0415

    return login_status(settings or default_settings())


def endpoint_for(url: str, settings: Settings, prompt: DevicePrompt | None = None, api_version: str | None = None) -> BlobEndpoint:
    location = parse_location(url)
    if location.service == "file":
        raise UsageError("making Azure Files shares is not supported by this pyazcopy version yet (list is); use a blob or dfs URL")
    active = credential_for(location, settings, prompt)
    kwargs: dict = {"api_version": api_version} if api_version else {}
    kwargs.update(connection_verify=settings.ca_bundle or True, proxies=settings.proxies)
    from pyazcopy.endpoints.blob import BlobEndpoint  # azure-storage-blob costs ~0.5 s of CPU to import: only list/make need it

    if active is None:
        return BlobEndpoint(location, **kwargs)
    return BlobEndpoint(location, active.credential, identity=active.principal, tenant_id=active.tenant_id, **kwargs)


def list(url: str, *, settings: Settings | None = None, include_versions: bool = False, tally: Tally | None = None, prompt: DevicePrompt | None = None,  # noqa: A001
         kind: str = "") -> Iterator[ListedObject]:
    """The objects under ``url`` (account, container or container/prefix), as typed records. A filesystem or directory
    of Data Lake (``kind="BlobFS"``, AzCopy's --location, or a ``.dfs.`` host) is listed through the dfs endpoint, an
    Azure Files share or directory (``kind="File"`` or a ``.file.`` host) through the files endpoint."""
    settings = settings or default_settings()
    if is_files_listing(url, kind):
        return list_files(url, settings=settings, tally=tally, prompt=prompt)
    if is_datalake_listing(url, kind):
        items = datalake_objects(url, settings, prompt)
    else:
        items = endpoint_for(url, settings, prompt).list_objects(include_versions=include_versions)
    return tallied(items, tally) if tally is not None else items


def is_files_listing(url: str, kind: str = "") -> bool:
    """Whether ``list`` goes through the files endpoint: --location File, or a ``.file.`` host."""
    return kind.lower() == "file" or (not kind and parse_location(url).service == "file")


def list_files(url: str, *, settings: Settings | None = None, tally: Tally | None = None, prompt: DevicePrompt | None = None,
               content_properties: bool = False) -> Iterator[ListedObject]:
    """The files and directories under the Azure Files share or directory ``url`` (a directory's path ends in "/",
    as AzCopy lists them), walked in code-point order. Signed in (no SAS), every request carries the backup intent.
    Azure Files lists no content headers: with ``content_properties`` each file's are read (one Get File Properties
    per file), as AzCopy does for --properties ContentType, ContentEncoding or ContentMD5."""
    settings = settings or default_settings()
    location = parse_location(url)
    active = credential_for(location, settings, prompt)
    from pyazcopy import endpoints  # noqa: PLC0415 - the Files room is imported only for a Files URL

    endpoint = endpoints.resolve(url, None if active is None else active.credential, connection_verify=settings.ca_bundle or True,
                                 proxies=settings.proxies, identity="" if active is None else active.principal,
                                 tenant_id="" if active is None else active.tenant_id, kind="File")

    def items() -> Iterator[ListedObject]:
        try:
            for entry in endpoint.list(folders=True):
                folder = entry.entity_type.value == "Folder"
                properties = entry.properties
                if content_properties and not folder:
                    found = endpoint.stat(entry.name)
                    properties = properties if found is None else found.properties
                yield ListedObject(entry.name + ("/" if folder else ""), entry.size,
                                   datetime.fromtimestamp(entry.last_modified, timezone.utc) if entry.last_modified else None,
                                   content_type=properties.content_type, content_encoding=properties.content_encoding,
                                   content_md5=properties.content_md5)
        finally:
            endpoint.close()

    return tallied(items(), tally) if tally is not None else items()


def is_datalake_listing(url: str, kind: str = "") -> bool:
    """Whether ``list`` goes through the dfs endpoint: a filesystem (or a path in it) that --location BlobFS or the
    host names as Data Lake. An account-level URL still lists its containers through the Blob API."""
    location = parse_location(url)
    return bool(location.container) and (kind.lower() == "blobfs" or (not kind and location.service == "dfs"))


def datalake_objects(url: str, settings: Settings, prompt: DevicePrompt | None = None) -> Iterator[ListedObject]:
    """The files under a Data Lake ``url`` (paths relative to it), through the dfs endpoint, in code-point order."""
    from pyazcopy import endpoints  # noqa: PLC0415

    active = credential_for(parse_location(url), settings, prompt)
    endpoint = endpoints.resolve(url, None if active is None else active.credential, connection_verify=settings.ca_bundle or True,
                                 proxies=settings.proxies, kind="BlobFS", identity=active.principal if active else "",
                                 tenant_id=active.tenant_id if active else "")
    try:
        for entry in endpoint.list():
            yield ListedObject(path=entry.name, size=entry.size, last_modified=datetime.fromtimestamp(entry.last_modified, timezone.utc),
                               content_md5=entry.content_md5)
    finally:
        endpoint.close()


def make(url: str, *, settings: Settings | None = None, prompt: DevicePrompt | None = None) -> None:
    """Create the container ``url`` names."""
    endpoint_for(url, settings or default_settings(), prompt).create_container()


# copy and jobs (the transfer engine) ---------------------------------------------------------------------------------
def _blob_credential(url: str, settings: Settings, prompt: DevicePrompt | None):
    """The credential for the Blob side of a copy: None when the URL carries a SAS, else auto-login or the saved login."""
    active = _blob_login(url, settings, prompt)
    return None if active is None else active.credential


def _blob_login(url: str, settings: Settings, prompt: DevicePrompt | None) -> ActiveLogin | None:
    """The sign-in for the Blob side of a copy (credential, who it is, its tenant), or None when the URL carries a SAS."""
    return credential_for(parse_location(url), settings, prompt)


def _who(active: ActiveLogin | None) -> dict[str, str]:
    return {"principal": active.principal, "tenant_id": active.tenant_id} if active is not None else {}


def copy_with(options, settings: Settings, engine_settings, subscribers=(), prompt=None, device_prompt: DevicePrompt | None = None,
              command: str = "copy"):
    """Run a copy described by an ``engine.options.CopyOptions`` (what the `copy` command does)."""
    from pyazcopy.endpoints.blob_transfer import is_blob_url
    from pyazcopy.engine.job import run_copy

    options = options.validated()  # flags, names and sizes are refused before anyone is asked to sign in
    blob_side = options.source if is_blob_url(options.source) else options.destination
    active = _blob_login(blob_side, settings, device_prompt) if is_blob_url(blob_side) else None
    return run_copy(options, engine_settings, None if active is None else active.credential, subscribers, prompt, command, **_who(active))


def copy(source: str, destination: str, *, settings: Settings | None = None, engine_settings=None, progress=None, prompt=None,
         device_prompt: DevicePrompt | None = None, **options):
    """Copy between a local path and a Blob URL, as `pyazcopy copy` does; returns the typed ``JobSummary``.

    ``options`` are the command's flags in snake case (``recursive=True``, ``include_pattern="*.csv"``,
    ``overwrite="ifSourceNewer"``, ``put_md5=True``...). ``progress`` is called with each ``JobProgress`` snapshot.
    """
    from dataclasses import fields

    from pyazcopy.engine.events import JobProgress
    from pyazcopy.engine.filters import FilterOptions
    from pyazcopy.engine.options import CopyOptions, EngineSettings

    filter_names = {f.name for f in fields(FilterOptions)}
    filters = FilterOptions(**{k: options.pop(k) for k in tuple(options) if k in filter_names})  # (`list` is the listing here)
    copy_options = CopyOptions(source=source, destination=destination, filters=filters, **options)
    subscribers = [lambda event: progress(event) if isinstance(event, JobProgress) else None] if progress else []
    return copy_with(copy_options, settings or default_settings(), engine_settings or EngineSettings.from_environment({}),
                     subscribers, prompt, device_prompt)


def resume(job_id: str, settings: Settings | None = None, engine_settings=None, *, source_sas: str = "", destination_sas: str = "",
           subscribers=(), prompt=None, device_prompt: DevicePrompt | None = None):
    """Resume a job from its plan (`pyazcopy jobs resume`); returns the ``JobSummary``."""
    from pyazcopy.engine.job import resume_job
    from pyazcopy.engine.options import EngineSettings
    from pyazcopy.engine.plan import JobPlan

    settings = settings or default_settings()
    engine_settings = engine_settings or EngineSettings.from_environment({})
    plan = JobPlan.open(engine_settings.plan_dir, job_id)
    try:
        meta = plan.meta()
    finally:
        plan.close()
    sas = destination_sas if meta["from_to"] == "LocalBlob" else source_sas
    url = f"{meta['account_url']}/{meta['container']}" + (f"?{sas.lstrip('?')}" if sas else "")
    active = _blob_login(url, settings, device_prompt)
    return resume_job(job_id, engine_settings, None if active is None else active.credential, source_sas, destination_sas, subscribers, prompt,
                      **_who(active))


def bench(url: str, spec=None, settings: Settings | None = None, engine_settings=None, *, subscribers=(), setup_subscribers=(),
          device_prompt: DevicePrompt | None = None):
    """AzCopy's `bench`: upload (or download) generated test data to a container; returns an ``engine.bench.BenchResult``
    with the throughput and the concurrency used. ``spec`` is an ``engine.bench.BenchSpec`` (AzCopy's defaults)."""
    from pyazcopy.engine.bench import BenchSpec, run_bench
    from pyazcopy.engine.options import EngineSettings

    credential = _blob_credential(url, settings or default_settings(), device_prompt)
    return run_bench(url, spec or BenchSpec(), engine_settings or EngineSettings.from_environment({}), credential, subscribers, setup_subscribers)


# sync ---------------------------------------------------------------------------------------------------------------
def sync_endpoints(source: str, destination: str, settings: Settings, device_prompt: DevicePrompt | None = None):
    """The two endpoints of a `sync` (Local <-> Blob today), each Blob side with its credential (SAS > auto-login >
    saved login). A local source must be an existing directory: a missing one would look empty and lose data."""
    import os

    from pyazcopy.endpoints import resolve
    from pyazcopy.endpoints.locations import is_remote

    if is_remote(source) == is_remote(destination):
        combination = "BlobBlob" if is_remote(source) else "LocalLocal"
        raise UsageError(f"source '{_shown(source)}' / destination '{_shown(destination)}' combination '{combination}' not supported "
                         "for sync command; sync a local directory with a Blob container or directory (LocalBlob, BlobLocal)")
    if not is_remote(source) and not os.path.isdir(source):
        what = "is not a directory" if os.path.exists(source) else "does not exist"
        raise UsageError(f"cannot sync: the source {source} {what}; nothing was copied or deleted. Check the path "
                         "(sync compares two directories; use `pyazcopy copy` for a single file)")
    if not is_remote(destination) and os.path.exists(destination) and not os.path.isdir(destination):
        raise UsageError(f"cannot sync: the destination {destination} is not a directory; give a directory")

    def endpoint(text: str):
        if not is_remote(text):
            return resolve(text)
        active = _blob_login(text, settings, device_prompt)
        who = {} if active is None else {"identity": active.principal, "tenant_id": active.tenant_id}
        return resolve(text, None if active is None else active.credential, connection_verify=settings.ca_bundle or True,
                       proxies=settings.proxies, **who)

    return endpoint(source), endpoint(destination)


def _shown(location: str) -> str:
    return location.split("?", 1)[0]
