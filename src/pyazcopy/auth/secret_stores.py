"""Where a saved login keeps its secret half: the Linux kernel keyring, the Secret Service, the platform keyring
(macOS Keychain, Windows Credential Locker, through the ``keyring`` library) or, only with an explicit opt-in, an
owner-only file. Each store says why it cannot be used (``StoreUnavailable``) so ``login`` can explain before any
prompt. ``select_store`` picks one; ``every_store`` is what ``logout`` sweeps.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Protocol

from pyazcopy.auth import kernel_keyring
from pyazcopy.errors import SecretStoreUnavailableError
from pyazcopy.settings import TOKEN_STORE_CHOICES, Settings

SERVICE_NAME = "pyazcopy"
PLAINTEXT_OPT_IN = "PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE"


class StoreUnavailable(Exception):
    """This store cannot be used here; the message says why."""


class SecretStore(Protocol):
    kind: str
    description: str

    def probe(self) -> None: ...  # raises StoreUnavailable
    def write(self, key: str, secret: bytes) -> None: ...
    def read(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> bool: ...


class KernelKeyringStore:
    kind = "kernel"
    description = "Linux kernel keyring (user keyring @u)"

    @staticmethod
    def _name(key: str) -> str:
        return f"{SERVICE_NAME}:{key}"

    def probe(self) -> None:
        if not sys.platform.startswith("linux"):
            raise StoreUnavailable("only on Linux")
        name = self._name(f"probe-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            kernel_keyring.user_keyring_id()
            kernel_keyring.write(name, b"probe")
            if kernel_keyring.read(name) != b"probe":
                raise StoreUnavailable("a key written to @u could not be read back")
            kernel_keyring.remove(name)
        except kernel_keyring.KernelKeyringError as error:
            raise StoreUnavailable(f"{error.strerror} (the kernel or a seccomp profile, e.g. Docker's default, may block keyctl)") from None

    def write(self, key: str, secret: bytes) -> None:
        kernel_keyring.write(self._name(key), secret)

    def read(self, key: str) -> bytes | None:
        return kernel_keyring.read(self._name(key))

    def delete(self, key: str) -> bool:
        return kernel_keyring.remove(self._name(key))


class KeyringStore:
    """A ``keyring`` backend: the Secret Service on Linux, or the platform default elsewhere."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.description = "Secret Service (GNOME keyring, KWallet...) over D-Bus" if kind == "secret-service" else "platform keyring (macOS Keychain / Windows Credential Locker)"
        self._backend = None

    def _load(self):
        if self._backend is not None:
            return self._backend
        try:
            import keyring
            import keyring.errors
        except ImportError as error:  # pragma: no cover - keyring is a dependency
            raise StoreUnavailable(f"the Python keyring library is not installed ({error})") from None
        try:
            if self.kind == "secret-service":
                from keyring.backends import SecretService

                backend = SecretService.Keyring()
                backend.priority  # raises when no Secret Service answers on the D-Bus session bus
            else:
                backend = keyring.get_keyring()
                name = type(backend).__module__ + "." + type(backend).__name__
                if "fail" in name.lower() or "chainer" in name.lower() or "plaintext" in name.lower() or backend.priority < 1:
                    raise StoreUnavailable(f"no secure keyring backend (the keyring library chose {name})")
        except StoreUnavailable:
            raise
        except Exception as error:  # the keyring/secretstorage/jeepney stack raises many kinds
            raise StoreUnavailable(_describe(error)) from None
        self._backend = backend
        return backend

    def probe(self) -> None:
        if self.kind == "secret-service" and not sys.platform.startswith("linux"):
            raise StoreUnavailable("only on Linux and BSD desktops")
        backend = self._load()
        name = f"probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            backend.set_password(SERVICE_NAME, name, "probe")
            if backend.get_password(SERVICE_NAME, name) != "probe":
                raise StoreUnavailable("a secret written could not be read back")
            backend.delete_password(SERVICE_NAME, name)
        except StoreUnavailable:
            raise
        except Exception as error:
            raise StoreUnavailable(_describe(error)) from None

    def write(self, key: str, secret: bytes) -> None:
        self._load().set_password(SERVICE_NAME, key, secret.decode("utf-8"))

    def read(self, key: str) -> bytes | None:
        value = self._load().get_password(SERVICE_NAME, key)
        return None if value is None else value.encode("utf-8")

    def delete(self, key: str) -> bool:
        backend = self._load()
        if backend.get_password(SERVICE_NAME, key) is None:
            return False
        backend.delete_password(SERVICE_NAME, key)
        return True


class FileStore:
    """An owner-only (0600, in a 0700 directory) plaintext file: only with PYAZCOPY_ALLOW_PLAINTEXT_TOKEN_STORE=1."""

    kind = "file"

    def __init__(self, directory: Path, allowed: bool) -> None:
        self.directory = directory
        self.allowed = allowed
        self.description = f"owner-only file in {directory} (unencrypted)"

    def path(self, key: str) -> Path:
        return self.directory / f"secret-{key.replace(':', '-').replace('/', '-')}.json"

    def probe(self) -> None:
        if not self.allowed:
            raise StoreUnavailable(f"not enabled; it keeps secrets unencrypted, so it needs {PLAINTEXT_OPT_IN}=1")
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
        except OSError as error:
            raise StoreUnavailable(f"cannot create {self.directory}: {error.strerror}") from None

    def write(self, key: str, secret: bytes) -> None:
        self.probe()
        target = self.path(key)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secret)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes | None:
        target = self.path(key)
        try:
            mode = target.stat().st_mode
        except FileNotFoundError:
            return None
        if mode & 0o077:
            raise StoreUnavailable(f"{target} is readable by other users (mode {oct(mode & 0o777)}); refusing to use it. Run `pyazcopy logout` and log in again.")
        return target.read_bytes()

    def delete(self, key: str) -> bool:
        target = self.path(key)
        existed = target.exists()
        target.unlink(missing_ok=True)
        return existed


def _describe(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    if "Prompt dismissed" in text or "prompt" in text.lower():
        text += " (the keyring is locked and there is no display to unlock it)"
    return f"{type(error).__name__}: {text}"


def every_store(settings: Settings) -> list:
    """All stores of this platform, in automatic-selection order, the file store last."""
    if sys.platform.startswith("linux"):
        secure = [KeyringStore("secret-service"), KernelKeyringStore()]
    elif sys.platform == "darwin" or sys.platform.startswith("win"):
        secure = [KeyringStore("keyring")]
    else:
        secure = [KeyringStore("secret-service")]
    return secure + [FileStore(settings.config_dir, settings.allow_plaintext_store)]


def store_by_kind(kind: str, settings: Settings):
    if kind == "kernel":
        return KernelKeyringStore()
    if kind in ("secret-service", "keyring"):
        return KeyringStore(kind)
    if kind == "file":
        return FileStore(settings.config_dir, settings.allow_plaintext_store)
    raise ValueError(kind)


def select_store(settings: Settings):
    """The store ``login`` will use, probed to work; or SecretStoreUnavailableError naming each store tried and why."""
    choice = settings.token_store or "auto"
    if choice not in TOKEN_STORE_CHOICES:
        raise SecretStoreUnavailableError(f"PYAZCOPY_TOKEN_STORE={choice!r} is not one of {', '.join(TOKEN_STORE_CHOICES)}")
    candidates = every_store(settings) if choice == "auto" else [store_by_kind(choice, settings)]
    failures = []
    for store in candidates:
        try:
            store.probe()
            return store
        except StoreUnavailable as error:
            failures.append(f"  - {store.description} [{store.kind}]: {error}")
    raise SecretStoreUnavailableError(no_store_message(choice, failures))


def no_store_message(choice: str, failures: list[str]) -> str:
    forced = "" if choice == "auto" else f" (PYAZCOPY_TOKEN_STORE={choice})"
    return (
        f"login needs a secret store to keep your sign-in, and none can be used here{forced}. Tried:\n"
        + "\n".join(failures)
        + "\nYou have not been asked to sign in. What you can do instead:\n"
        "  - skip the saved login: set AZCOPY_AUTO_LOGIN_TYPE (e.g. DEVICE, AZCLI, SPN, MSI) and run your commands directly;"
        " the token then lives only in memory for each command;\n"
        "  - start a Secret Service (e.g. `dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock ...; pyazcopy login'`)"
        " or allow keyctl (containers: a seccomp profile that permits add_key/keyctl);\n"
        f"  - or accept an unencrypted owner-only file: {PLAINTEXT_OPT_IN}=1 (and optionally PYAZCOPY_TOKEN_STORE=file)."
    )
