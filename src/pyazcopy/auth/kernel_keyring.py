"""The Linux kernel keyring through ctypes on libkeyutils.so.1 (Debian/Ubuntu package keyutils, libkeyutils1).

Keys go into the *user* keyring (``@u``) with owner-uid permissions, not only possessor permissions. That is what
makes a login made in one terminal readable from cron, SSH and ``keyctl session`` shells of the same user, where
AzCopy fails with "key has been revoked" / "required key not available" because its key lives in a session keyring
those processes do not possess. Like every kernel key, it is kept in memory only: a reboot, or the user's last process
exiting, removes it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import threading

KEY_SPEC_USER_KEYRING = -4
KEY_TYPE = b"user"
MAX_PAYLOAD = 32767  # a "user" key holds up to 32 KiB - 1

# key_perm_t bits: possessor (<<24), user (<<16); all = view|read|write|search|link|setattr
_KEY_ALL = 0x3F
KEY_PERM_OWNER_ONLY = (_KEY_ALL << 24) | (_KEY_ALL << 16)


class KernelKeyringError(OSError):
    pass


_lock = threading.Lock()
_library: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _library
    with _lock:
        if _library is None:
            name = ctypes.util.find_library("keyutils") or "libkeyutils.so.1"
            try:
                library = ctypes.CDLL(name, use_errno=True)
            except OSError as error:
                raise KernelKeyringError(errno.ENOENT, f"libkeyutils.so.1 is not installed ({error}); install the keyutils package") from None
            key_serial = ctypes.c_int32
            library.add_key.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, key_serial]
            library.add_key.restype = key_serial
            library.keyctl_search.argtypes = [key_serial, ctypes.c_char_p, ctypes.c_char_p, key_serial]
            library.keyctl_search.restype = ctypes.c_long
            library.keyctl_read_alloc.argtypes = [key_serial, ctypes.POINTER(ctypes.c_void_p)]
            library.keyctl_read_alloc.restype = ctypes.c_long
            library.keyctl_setperm.argtypes = [key_serial, ctypes.c_uint32]
            library.keyctl_setperm.restype = ctypes.c_long
            library.keyctl_unlink.argtypes = [key_serial, key_serial]
            library.keyctl_unlink.restype = ctypes.c_long
            library.keyctl_invalidate.argtypes = [key_serial]
            library.keyctl_invalidate.restype = ctypes.c_long
            library.keyctl_get_keyring_ID.argtypes = [key_serial, ctypes.c_int]
            library.keyctl_get_keyring_ID.restype = key_serial
            _library = library
        return _library


def _fail(what: str) -> KernelKeyringError:
    code = ctypes.get_errno()
    return KernelKeyringError(code, f"{what}: {os.strerror(code)} (errno {errno.errorcode.get(code, code)})")


def _libc_free(pointer: int) -> None:
    libc = ctypes.CDLL(None)
    libc.free.argtypes = [ctypes.c_void_p]
    libc.free(pointer)


def user_keyring_id() -> int:
    """The serial of ``@u``, created if needed; raises when the kernel keyring cannot be used at all."""
    serial = _lib().keyctl_get_keyring_ID(KEY_SPEC_USER_KEYRING, 1)
    if serial < 0:
        raise _fail("cannot open the user keyring @u")
    return serial


def find(description: str) -> int | None:
    """The serial of our key in ``@u``, or None."""
    serial = _lib().keyctl_search(KEY_SPEC_USER_KEYRING, KEY_TYPE, description.encode(), 0)
    if serial < 0:
        code = ctypes.get_errno()
        if code in (errno.ENOKEY, errno.EKEYEXPIRED, errno.EKEYREVOKED):
            return None
        raise _fail(f"cannot search the user keyring for {description!r}")
    return int(serial)


def write(description: str, payload: bytes) -> int:
    """Create or replace the key; readable and writable by this user's processes only."""
    if len(payload) > MAX_PAYLOAD:
        raise KernelKeyringError(errno.EMSGSIZE, f"the secret is {len(payload)} bytes; a kernel keyring key holds at most {MAX_PAYLOAD}")
    library = _lib()
    serial = library.add_key(KEY_TYPE, description.encode(), payload, len(payload), KEY_SPEC_USER_KEYRING)
    if serial < 0:
        raise _fail(f"cannot add key {description!r} to the user keyring")
    if library.keyctl_setperm(serial, KEY_PERM_OWNER_ONLY) < 0:
        raise _fail(f"cannot set the permissions of key {description!r}")
    return int(serial)


def read(description: str) -> bytes | None:
    serial = find(description)
    if serial is None:
        return None
    buffer = ctypes.c_void_p()
    length = _lib().keyctl_read_alloc(serial, ctypes.byref(buffer))
    if length < 0:
        raise _fail(f"cannot read key {description!r}")
    try:
        return ctypes.string_at(buffer.value, length) if length else b""
    finally:
        if buffer.value:
            _libc_free(buffer.value)


def remove(description: str) -> bool:
    """Invalidate our key (every link to it goes); True when there was one."""
    serial = find(description)
    if serial is None:
        return False
    library = _lib()
    if library.keyctl_invalidate(serial) < 0 and library.keyctl_unlink(serial, KEY_SPEC_USER_KEYRING) < 0:
        raise _fail(f"cannot remove key {description!r}")
    return True
