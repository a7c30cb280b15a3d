"""Every program the product, localazure, the tests and the benchmarks run is listed in scripts/programs.txt, the one
list that scripts/setup.sh installs from (issue 12: the tests ran `secret-tool`, which setup never installed).

The Python sources are read, not run: a command is the first word of a list given to subprocess, os.exec*,
asyncio.create_subprocess_exec or returned as a command line, a word after `--` in such a list (dbus-run-session --
sh), each command of a script passed to `sh -c`, a `shutil.which("name")`, an absolute /usr/bin path, a path ending in
`bin/NAME` built with `/` (a venv's or node_modules' program), and a library given to ctypes by its file name."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "scripts" / "programs.txt"
SCANNED = ["src", "localazure", "tests", "bench"]
SOURCES = {"azure-cli", "npm", "venv", "stand-in", "base"}

MODULES = {"subprocess", "os", "asyncio", "shutil", "ctypes", "util"}
RUNNERS = {"run", "Popen", "call", "check_call", "check_output", "create_subprocess_exec",
           "execv", "execvp", "execvpe", "execl", "execlp", "spawnv", "spawnvp"}
PROGRAM = re.compile(r"^(?:/(?:usr/)?s?bin/)?([a-z][a-z0-9_.+-]*)$")
BIN_PATH = re.compile(r"^/(?:usr/)?s?bin/([a-z][a-z0-9_.+-]*)$")
LIBRARY = re.compile(r"^lib[\w+-]+\.so(?:\.\d+)*$")
SHELL_WORDS = {"set", "echo", "export", "cd", "test", "[", "true", "false", "exit", "read", "local", "if", "then",
               "else", "fi", "for", "do", "done", "while", "exec", "wait", "trap", "printf", "unset", "shift"}


def manifest() -> dict[str, str]:
    """program -> source, from scripts/programs.txt."""
    listed = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            program, source, *_ = line.split()
            listed[program] = source
    return listed


def _assignments(tree: ast.AST) -> dict[str, ast.expr]:
    """name -> the last value assigned to it anywhere in the module (enough for the command builders here)."""
    values = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            values[node.target.id] = node.value
    return values


def _text(node: ast.expr | None, names: dict[str, ast.expr], depth: int = 0) -> str | None:
    """A string literal, an f-string (placeholders become `{}`) or a name bound to one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    if isinstance(node, ast.Name) and node.id in names and depth < 5:
        return _text(names[node.id], names, depth + 1)
    return None


def _vector(node: ast.expr | None, names: dict[str, ast.expr], depth: int = 0) -> list[ast.expr]:
    """The elements of a command list: list/tuple literals, `a + b`, `[*a, ...]`, `(a or [])` and names bound to them."""
    if node is None or depth > 5:
        return [UNKNOWN]
    if isinstance(node, (ast.List, ast.Tuple)):
        elements = []
        for element in node.elts:
            elements += _vector(element.value, names, depth + 1) if isinstance(element, ast.Starred) else [element]
        return elements
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _vector(node.left, names, depth + 1) + _vector(node.right, names, depth + 1)
    if isinstance(node, ast.BoolOp):
        return _vector(node.values[0], names, depth + 1)
    if isinstance(node, ast.Name) and node.id in names:
        return _vector(names[node.id], names, depth + 1)
    return [UNKNOWN]  # e.g. a list imported from elsewhere: it holds some words, none known here


UNKNOWN = ast.Constant(value=None)


def _shell_commands(script: str) -> set[str]:
    found = set()
    for segment in re.split(r"[;\n|&]|\$\(", script):
        words = segment.strip().split()
        if words and words[0] not in SHELL_WORDS and (match := PROGRAM.match(words[0])):
            found.add(match.group(1))
    return found


def _commands_in_vector(elements: list[ast.expr], names: dict[str, ast.expr]) -> set[str]:
    texts = [_text(element, names) for element in elements]
    found = set()
    for index, text in enumerate(texts):
        if text is None:
            continue
        starts_command = index == 0 or texts[index - 1] == "--"
        if starts_command and (match := PROGRAM.match(text)):
            found.add(match.group(1))
        if text == "-c" and index > 0 and texts[index - 1] in ("sh", "bash") and index + 1 < len(texts) and texts[index + 1]:
            found |= _shell_commands(texts[index + 1])
    return found


def _called_name(call: ast.Call, imported: set[str]) -> str:
    """`subprocess.run`, `os.execvp`, `ctypes.CDLL`, `shutil.which`... or a name imported from those modules (a test's
    own helper called `run` is not a runner)."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, (ast.Name, ast.Attribute)):
        owner = func.value.id if isinstance(func.value, ast.Name) else func.value.attr
        return func.attr if owner in MODULES else ""
    return func.id if isinstance(func, ast.Name) and func.id in imported else ""


def _imported_from_runner_modules(tree: ast.AST) -> set[str]:
    return {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module in MODULES
            for alias in node.names}


def programs_run_by(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = _assignments(tree)
    imported = _imported_from_runner_modules(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            called = _called_name(node, imported)
            if called in RUNNERS:
                found |= _commands_in_vector(_vector(node.args[0], names), names)
            elif called == "which" and (text := _text(node.args[0], names)):
                found.add(text)
            elif called in ("CDLL", "LoadLibrary", "find_library"):
                argument = node.args[0]
                for constant in ast.walk(names.get(argument.id, argument) if isinstance(argument, ast.Name) else argument):
                    if isinstance(constant, ast.Constant) and isinstance(constant.value, str) and LIBRARY.match(constant.value):
                        found.add(constant.value)
        elif isinstance(node, ast.Return) and isinstance(node.value, (ast.List, ast.Tuple)):
            # a command line built here and run elsewhere (bench/tools.py); pyazcopy's own argument lists start with
            # one of its subcommands instead
            elements = _vector(node.value, names)
            if len(elements) > 1 and _text(elements[0], names) not in PYAZCOPY_SUBCOMMANDS:
                found |= _commands_in_vector(elements, names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (match := BIN_PATH.match(node.value)):
            found.add(match.group(1))
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and isinstance(node.left, ast.BinOp)
              and _text(node.left.right, names) in ("bin", ".bin") and (text := _text(node.right, names))):
            found.add(text)  # a venv's or node_modules' program: `VENV / "bin" / "az"`
    return found


PYAZCOPY_SUBCOMMANDS = {"login", "logout", "copy", "cp", "sync", "list", "ls", "make", "remove", "rm", "jobs", "env", "bench", "status"}


def scanned_files() -> list[Path]:
    return sorted(path for directory in SCANNED for path in (REPO / directory).rglob("*.py") if "__pycache__" not in path.parts)


def all_programs_run() -> dict[str, list[str]]:
    """program -> the files that run it."""
    where: dict[str, list[str]] = {}
    for path in scanned_files():
        for program in programs_run_by(path):
            where.setdefault(program, []).append(str(path.relative_to(REPO)))
    return where


def test_every_program_the_sources_run_is_in_the_list_setup_installs_from():
    listed = manifest()
    missing = {program: files for program, files in all_programs_run().items() if program not in listed}
    assert not missing, ("These programs are run but not listed in scripts/programs.txt, so scripts/setup.sh does not "
                         f"install them on a fresh machine: {missing}. Add each with its Debian package (apt:PACKAGE).")


def test_the_scan_finds_the_programs_we_know_are_run():
    """Guards the scanner itself: if it stopped seeing commands, the test above would pass for nothing."""
    found = all_programs_run()
    for program in ("secret-tool", "gnome-keyring-daemon", "dbus-run-session", "keyctl", "setpriv", "mount", "chromium",
                    "pwsh", "rclone", "az", "azurite-blob", "libseccomp.so.2", "libkeyutils.so.1"):
        assert program in found, program


def test_each_entry_names_a_source_setup_knows():
    for program, source in manifest().items():
        assert source.startswith("apt:") and len(source) > 4 or source in SOURCES, f"{program}: unknown source {source!r}"


def test_setup_installs_from_the_list():
    """setup.sh's own awk line, run on the list, yields exactly the list's Debian packages."""
    setup = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "install-azure-cli.sh" in setup and "npm ci" in setup
    [line] = [line for line in setup.splitlines() if line.startswith("mapfile -t APT_PACKAGES")]
    command = line.split("< <(", 1)[1].rsplit(")", 1)[0]
    assert "scripts/programs.txt" in command
    listed = subprocess.run(["bash", "-c", command], cwd=REPO, capture_output=True, text=True, check=True, timeout=60).stdout.split()
    expected = {source.removeprefix("apt:") for source in manifest().values() if source.startswith("apt:")}
    assert set(listed) == expected and {"libsecret-tools", "keyutils", "chromium", "gnome-keyring", "dbus", "util-linux"} <= expected
