"""Run a command with the kernel keyring blocked, as Docker's default seccomp profile blocks it.

    python no_keyring.py COMMAND [ARGS...]

Installs a seccomp filter (libseccomp through ctypes) that makes add_key, request_key and keyctl fail with ENOSYS,
then execs COMMAND. Used to test pyazcopy on a machine with no usable secret store.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys

SCMP_ACT_ALLOW = 0x7FFF0000


def scmp_act_errno(code: int) -> int:
    return 0x00050000 | (code & 0x0000FFFF)


def block_keyring() -> None:
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    context = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not context:
        raise OSError("seccomp_init failed")
    for name in (b"add_key", b"request_key", b"keyctl"):
        number = lib.seccomp_syscall_resolve_name(name)
        if lib.seccomp_rule_add(context, scmp_act_errno(errno.ENOSYS), number, 0) != 0:
            raise OSError(f"seccomp_rule_add {name!r} failed")
    if lib.seccomp_load(context) != 0:
        raise OSError("seccomp_load failed")


if __name__ == "__main__":
    block_keyring()
    os.execvp(sys.argv[1], sys.argv[1:])
