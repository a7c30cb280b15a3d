"""Rows of the flag table: the root (--version, --help, global flags), every command's --help, list, make, env."""

from __future__ import annotations

import re

from cli_table_support import Ctx, declared_keys, json_messages, row

from pyazcopy import __version__


# --- the root ------------------------------------------------------------------------------------------------------
@row("--version")
def _version(ctx: Ctx) -> None:
    done = ctx.process(["--version"])
    assert done.returncode == 0 and done.stdout.strip() == f"pyazcopy version {__version__}", done


AZCOPY_COMMANDS = {"login", "logout", "list", "ls", "make", "mk", "mkdir", "env", "copy", "cp", "jobs", "job", "bench", "sync", "sc", "s"}


@row("--help")
def _root_help(ctx: Ctx) -> None:
    done = ctx.process(["--help"])
    assert done.returncode == 0, done
    choices = next(c for c in re.findall(r"\{([^}]*)\}", done.stdout) if "copy" in c.split(","))  # {command,alias,...}
    assert set(choices.split(",")) == AZCOPY_COMMANDS, choices
    for flag in ("--output-type", "--log-level", "--trusted-microsoft-suffixes", "--version"):
        assert flag in done.stdout, flag


@row("--output-type")
def _output_type(ctx: Ctx) -> None:
    ctx.put("a.txt", b"alpha")
    text = ctx.ok(["list", ctx.sas()])
    assert "a.txt; Content Length: 5.00 B" in text.out and "{" not in text.out
    messages = json_messages(ctx.ok(["list", ctx.sas(), "--output-type=json"]).out)
    assert all(set(m) == {"TimeStamp", "MessageType", "MessageContent", "PromptDetails"} for m in messages)
    assert any(m["MessageType"] == "ListObject" and "a.txt" in m["MessageContent"] for m in messages), messages
    assert messages[-1]["MessageType"] == "EndOfJob"
    bad = ctx.fails(["list", ctx.sas(), "--output-type=xml"])
    assert "--output-type" in bad.out and "json" in bad.out


@row("--log-level")
def _log_level(ctx: Ctx) -> None:
    src = ctx.tree({"a.txt": b"alpha"})
    ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), "--log-level=DEBUG"])
    logs = list((ctx.home / "logs").glob("*.log"))
    assert len(logs) == 1 and "DBG" in logs[0].read_text()  # DEBUG adds the job's options as DBG lines
    ctx.ok(["copy", str(src / "a.txt"), ctx.sas(), "--log-level=NONE", "--overwrite=true"])
    assert list((ctx.home / "logs").glob("*.log")) == logs  # NONE: no log file, as AzCopy
    bad = ctx.fails(["copy", str(src / "a.txt"), ctx.sas(), "--log-level=LOUD"])
    assert "LOUD" in bad.out


@row("--trusted-microsoft-suffixes")
def _trusted_suffixes(ctx: Ctx) -> None:
    ctx.put("a.txt", b"alpha")
    env = ctx.spn_env()
    del env["PYAZCOPY_TRUSTED_ENDPOINTS"]  # 127.0.0.1 is then no place for a token...
    refused = ctx.fails(["list", ctx.url], env)
    assert "enable Azure authentication to 127.0.0.1" in refused.out and "--trusted-microsoft-suffixes" in refused.out
    listed = ctx.ok(["list", ctx.url, "--trusted-microsoft-suffixes=*.example.test;127.0.0.1"], env)  # ...until it is added
    assert "a.txt; Content Length: 5.00 B" in listed.out


# --- every command's --help -----------------------------------------------------------------------------------------
HIDDEN = {"login --identity", "login --identity-object-id", "login --service-principal", "list --trailing-dot"}  # as AzCopy hides them


def _help_row(words: list[str]):
    def check(ctx: Ctx) -> None:
        text = ctx.help_text(words)
        assert f"usage: pyazcopy {' '.join(words)}" in text
        prefix = " ".join(words) + " --"
        flags = {key[len(prefix) - 2:] for key in declared_keys() if key.startswith(prefix) and key.count(" --") == 1}
        flags -= {key.split(" ", len(words))[-1] for key in HIDDEN if key.startswith(prefix)}
        assert flags and all(flag in text for flag in flags), sorted(f for f in flags if f not in text)
        for hidden in (key for key in HIDDEN if key.startswith(prefix)):
            assert hidden.split(" ")[-1] + " " not in text, hidden

    return check


for _words in (["login"], ["login", "status"], ["logout"], ["list"], ["make"], ["env"], ["copy"], ["jobs"], ["jobs", "list"],
               ["jobs", "clean"], ["jobs", "show"], ["jobs", "resume"], ["jobs", "remove"], ["bench"]):
    row(" ".join(_words) + " --help")(_help_row(_words))


# --- list ----------------------------------------------------------------------------------------------------------
def _seed(ctx: Ctx) -> None:
    ctx.put("a.txt", b"alpha", )
    ctx.put("dir/b.bin", b"b" * 2000)


@row("list", "ls")
def _list(ctx: Ctx) -> None:
    _seed(ctx)
    word = "ls" if ctx.key == "ls" else "list"
    out = ctx.ok([word, ctx.sas()]).out
    assert "a.txt; Content Length: 5.00 B" in out and "dir/b.bin; Content Length: 1.95 KiB" in out, out
    assert "sig=" not in out


@row("list --properties")
def _list_properties(ctx: Ctx) -> None:
    _seed(ctx)
    out = ctx.ok(["list", ctx.sas(), "--properties=BlobType;BlobAccessTier;ContentType"]).out
    line = next(line for line in out.splitlines() if "a.txt" in line)
    assert "BlobType: BlockBlob" in line and "ContentType: application/octet-stream" in line, line
    assert "BlobType" not in ctx.ok(["list", ctx.sas()]).out


@row("list --machine-readable")
def _list_machine_readable(ctx: Ctx) -> None:
    _seed(ctx)
    out = ctx.ok(["list", ctx.sas(), "--machine-readable"]).out
    assert "dir/b.bin; Content Length: 2000" in out and "KiB" not in out


@row("list --running-tally")
def _list_running_tally(ctx: Ctx) -> None:
    _seed(ctx)
    out = ctx.ok(["list", ctx.sas(), "--running-tally"]).out
    assert "File count: 2" in out and "Total file size: 1.96 KiB" in out, out
    assert "File count" not in ctx.ok(["list", ctx.sas()]).out


@row("list --mega-units")
def _list_mega_units(ctx: Ctx) -> None:
    _seed(ctx)
    out = ctx.ok(["list", ctx.sas(), "--mega-units", "--running-tally"]).out
    assert "dir/b.bin; Content Length: 2.00 KB" in out and "Total file size: 2.00 KB" in out and "KiB" not in out, out


@row("list --location")
def _list_location(ctx: Ctx) -> None:
    _seed(ctx)
    assert "a.txt" in ctx.ok(["list", ctx.sas(), "--location=Blob"]).out
    refused = ctx.fails(["list", ctx.sas(), "--location=Local"])
    assert "only supports listing Blob, BlobFS and File" in refused.out  # --location=File: tests/integration/test_files_list.py


@row("list --trailing-dot")
def _list_trailing_dot(ctx: Ctx) -> None:
    # AzCopy applies --trailing-dot to Azure Files only; on Blob it changes nothing (same listing, same names)
    _seed(ctx)
    ctx.put("dotted.", b"dot")
    plain = ctx.ok(["list", ctx.sas()]).out
    assert "dotted.; Content Length: 3.00 B" in plain
    assert ctx.ok(["list", ctx.sas(), "--trailing-dot=Enable"]).out == plain
    assert ctx.ok(["list", ctx.sas(), "--trailing-dot=Disable"]).out == plain
    bad = ctx.fails(["list", ctx.sas(), "--trailing-dot=Sometimes"])  # AzCopy parses the value and refuses others
    assert "--trailing-dot" in bad.out and "Enable, Disable" in bad.out and "dotted." not in bad.out


# --- make ----------------------------------------------------------------------------------------------------------
@row("make", "mk", "mkdir")
def _make(ctx: Ctx) -> None:
    name = f"{ctx.container}-{ctx.key}"
    service = ctx.stack.shared_key_service()
    ctx.cleanup.append(lambda: service.delete_container(name))
    made = ctx.ok([ctx.key, f"{ctx.stack.blob_url}/{name}"], ctx.spn_env())
    assert "Successfully created the resource." in made.out
    assert service.get_container_client(name).exists()
    again = ctx.fails([ctx.key, f"{ctx.stack.blob_url}/{name}"], ctx.spn_env())
    assert "already exists" in again.out.lower(), again.out


@row("make --quota-gb")
def _make_quota(ctx: Ctx) -> None:
    # AzCopy sends the quota only when it creates a file share; for a blob container it is accepted and ignored.
    name = f"{ctx.container}-quota"
    service = ctx.stack.shared_key_service()
    ctx.cleanup.append(lambda: service.delete_container(name))
    ctx.ok(["make", f"{ctx.stack.blob_url}/{name}", "--quota-gb=5"], ctx.spn_env())
    assert service.get_container_client(name).exists()
    for bad_value in ("five", "-1"):  # AzCopy's flag is a uint32: neither parses, and nothing is created
        bad = ctx.fails(["make", f"{ctx.stack.blob_url}/{name}-x", f"--quota-gb={bad_value}"], ctx.spn_env())
        assert "--quota-gb" in bad.out and not service.get_container_client(f"{name}-x").exists()


# --- env -----------------------------------------------------------------------------------------------------------
@row("env")
def _env(ctx: Ctx) -> None:
    out = ctx.ok(["env"], ctx.env(AZCOPY_SPA_CLIENT_SECRET="s3cret-value-1")).out
    assert "Name: AZCOPY_SPA_CLIENT_SECRET\nCurrent Value: REDACTED" in out and "s3cret-value-1" not in out
    assert "Name: AZCOPY_CONCURRENCY_VALUE\nCurrent Value: 8\n" in out  # not sensitive: shown


@row("env --show-sensitive")
def _env_show_sensitive(ctx: Ctx) -> None:
    out = ctx.ok(["env", "--show-sensitive"], ctx.env(AZCOPY_SPA_CLIENT_SECRET="s3cret-value-1")).out
    assert "Name: AZCOPY_SPA_CLIENT_SECRET\nCurrent Value: s3cret-value-1" in out and "REDACTED" not in out
