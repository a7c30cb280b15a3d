"""Command handlers: turn parsed options into api/auth calls and output. Each returns the exit code."""

from __future__ import annotations

from pyazcopy import api
from pyazcopy.auth.secret_stores import store_by_kind
from pyazcopy.cli.environment import Environment
from pyazcopy.cli.output import Output, parse_properties
from pyazcopy.cli.prompts import device_prompt
from pyazcopy.engine.listing import Tally
from pyazcopy.errors import PyAzCopyError, SecretStoreUnavailableError, UsageError
from pyazcopy.model import DEFAULT_TENANT_ID, LoginRequest, LoginType
from pyazcopy.settings import ENVIRONMENT_VARIABLES, Settings

TRAILING_DOT_OPTIONS = ("enable", "disable", "allowtounsafedestination")
LOGIN_RETRY_NOTE = "\n\nNOTE: If your credential was created in the last 5 minutes, please wait a few minutes and try again."
SUCCESS = {
    LoginType.SPN: "SPN Auth via secret succeeded.",
    LoginType.MSI: "Login with identity succeeded.",
    LoginType.AZCLI: "Login with AzCliCreds succeeded",
    LoginType.PSCRED: "Login with Powershell context succeeded",
    LoginType.WORKLOAD: "Login with Workload Identity succeeded",
}


def dispatch(args, settings: Settings, output: Output, environment: Environment) -> int:
    command = {"ls": "list", "mk": "make", "mkdir": "make"}.get(args.command, args.command)
    if command == "login":
        return login_status(args, settings, output) if getattr(args, "login_command", None) == "status" else login(args, settings, output)
    if command == "bench":
        from pyazcopy.cli.bench_command import bench_command

        return bench_command(args, settings, output, environment)
    if command in ("sync", "sc", "s"):
        from pyazcopy.cli.sync_command import sync_command

        return sync_command(args, settings, output, environment)
    if command in ("copy", "cp", "jobs", "job"):
        from pyazcopy.cli.copy_command import copy_command
        from pyazcopy.cli.jobs_command import jobs_command

        return (copy_command if command in ("copy", "cp") else jobs_command)(args, settings, output, environment)
    handler = {"logout": logout, "list": list_command, "make": make, "env": env}[command]
    return handler(args, settings, output)


# login ----------------------------------------------------------------------------------------------------------
def login_request(args, settings: Settings) -> LoginRequest:
    raw_type = args.login_type or ("SPN" if args.service_principal else "MSI" if args.identity else "") or settings.auto_login_type or "DEVICE"
    source = "--login-type" if args.login_type else "AZCOPY_AUTO_LOGIN_TYPE" if settings.auto_login_type and not (args.service_principal or args.identity) else "--login-type"
    kind = api.parse_login_type(raw_type, source)
    return LoginRequest(
        login_type=kind,
        tenant_id=args.tenant_id or settings.tenant_id or DEFAULT_TENANT_ID,
        authority=args.aad_endpoint or settings.authority,
        application_id=args.application_id or settings.spa_application_id,
        certificate_path=args.certificate_path or settings.spa_cert_path,
        client_secret=settings.spa_client_secret,
        certificate_password=settings.spa_cert_password,
        identity_client_id=args.identity_client_id or settings.msi_client_id,
        identity_object_id=args.identity_object_id or settings.msi_object_id,
        identity_resource_id=args.identity_resource_id or settings.msi_resource_string,
        workload_tenant_id=settings.azure_tenant_id,
        workload_client_id=settings.azure_client_id,
        workload_token_file=settings.azure_federated_token_file,
        workload_authority=settings.azure_authority_host,
    )


def retry_note(args, settings: Settings, error: PyAzCopyError) -> str:
    """AzCopy's "credential created in the last 5 minutes" note, only where it can apply: an application's credential
    (SPN secret or certificate, managed or workload identity) that Entra may not know yet. Never after a person's
    sign-in (device code, browser: a cancel, a wrong tenant or password has nothing to wait for) or a borrowed one
    (Azure CLI, PowerShell), nor for a tenant the authority does not know."""
    from pyazcopy.auth.credential_errors import TenantNotFoundError  # noqa: PLC0415

    try:
        kind = login_request(args, settings).login_type
    except PyAzCopyError:
        return ""
    if kind not in (LoginType.SPN, LoginType.MSI, LoginType.WORKLOAD) or isinstance(error, TenantNotFoundError):
        return ""
    return LOGIN_RETRY_NOTE


def login(args, settings: Settings, output: Output) -> int:
    from pyazcopy.auth.persisted_login import sign_in

    try:
        request = login_request(args, settings)
        active = sign_in(request, settings, device_prompt(output), persist=True)
    except SecretStoreUnavailableError as error:
        output.error(f"Failed to perform login command: \n{error}")
        return error.exit_code
    except UsageError as error:
        output.error(f"Failed to perform login command: \n{error}")
        return error.exit_code
    except PyAzCopyError as error:
        output.error(f"Failed to perform login command: \n{error}{retry_note(args, settings, error)}")
        return error.exit_code
    kind = request.login_type
    if kind.is_user_sign_in and request.tenant_id.lower() == DEFAULT_TENANT_ID:
        output.info('Logging in under the "Common" tenant. This will log the account in under its home tenant.')
        output.info(
            "If you plan to use pyazcopy with a B2B account (where the account's home tenant is separate from the tenant of "
            "the target storage account), please sign in under the target tenant with --tenant-id"
        )
    if kind is LoginType.SPN and request.certificate_path:
        output.info("SPN Auth via cert succeeded.")
    else:
        output.info(SUCCESS.get(kind, "Login succeeded."))
    if active.record is not None and active.record.store:

        output.info(f"The sign-in is saved in the {store_by_kind(active.record.store, settings).description}; `pyazcopy logout` removes it.")
    output.end_of_job()
    return 0


def login_status(args, settings: Settings, output: Output) -> int:
    import json

    status = api.status(settings)
    info: dict = {"valid": status.valid}
    if status.valid:
        if not output.json:
            output.info("You have successfully refreshed your token. Your login session is still active")
        if args.tenant:
            info["tenantID"] = status.tenant_id
            if not output.json:
                output.info(f"Tenant ID: {status.tenant_id}")
        if args.endpoint:
            info["AADEndpoint"] = status.authority
            if not output.json:
                output.info(f"Active directory endpoint: {status.authority}")
        if args.method:
            info["authMethod"] = status.login_type.value if status.login_type else ""
            if not output.json:
                output.info(f"Authorized using {info['authMethod']}")
    elif not output.json:
        output.info("You are currently not logged in. Please login using 'pyazcopy login'")
        if status.reason and status.login_type is not None:
            output.info(status.reason)
    if output.json:
        output.message("LoginStatusInfo", json.dumps(info, separators=(",", ":")))
    output.end_of_job()
    return 0 if status.valid else 1


def logout(args, settings: Settings, output: Output) -> int:
    try:
        removed = api.logout(settings)
    except PyAzCopyError as error:
        output.error(f"failed to perform logout command, {error}")
        return error.exit_code
    for where in removed:
        output.info(f"Removed {where}")
    output.info("Logout succeeded.")
    output.end_of_job()
    return 0


# storage ----------------------------------------------------------------------------------------------------------
def list_command(args, settings: Settings, output: Output) -> int:
    if args.location and args.location.lower() not in ("blob", "blobfs", "file"):
        raise UsageError("pyazcopy only supports listing Blob, BlobFS and File locations for now")
    if args.trailing_dot and args.trailing_dot.lower() not in TRAILING_DOT_OPTIONS:  # parsed as AzCopy does; Files only
        raise UsageError(f"invalid value {args.trailing_dot!r} for --trailing-dot: use Enable, Disable or AllowToUnsafeDestination")
    properties = parse_properties(args.properties)
    if api.is_files_listing(args.url, args.location or ""):  # a path-style URL (an emulator's) cannot say its service
        items = api.list_files(args.url, settings=settings, prompt=device_prompt(output),
                               content_properties=bool({"ContentType", "ContentEncoding", "ContentMD5"} & set(properties)))
    elif api.is_datalake_listing(args.url, args.location or ""):
        items = api.datalake_objects(args.url, settings, device_prompt(output))
    else:
        items = api.endpoint_for(args.url, settings, device_prompt(output)).list_objects(include_versions="VersionId" in properties)
    tally = Tally()
    for item in items:
        output.list_object(item, properties, args.machine_readable, args.mega_units)
        if args.running_tally:
            tally.add(item)
    if args.running_tally:
        output.list_summary(tally.summary, args.machine_readable, args.mega_units)
    output.end_of_job()
    return 0


def make(args, settings: Settings, output: Output) -> int:
    api.endpoint_for(args.url, settings, device_prompt(output)).create_container()
    output.end_of_job("Successfully created the resource.")
    return 0


def env(args, settings: Settings, output: Output) -> int:
    values = output.environment.env
    for variable in ENVIRONMENT_VARIABLES:
        value = values.get(variable.name, "")
        if variable.hidden and not args.show_sensitive:
            value = "REDACTED"
        output.info(f"Name: {variable.name}\nCurrent Value: {value}\nDescription: {variable.description}\n")
    output.end_of_job()
    return 0
