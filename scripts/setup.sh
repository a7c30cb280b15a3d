#!/usr/bin/env bash
# Installs everything pyazcopy, localazure, the tests and the demo need on a fresh Debian machine: the Debian packages
# listed in scripts/programs.txt (Chromium, keyrings, secret-tool, ...), a Python venv in .venv from the hash-checked
# lock requirements-dev.txt with pyazcopy and localazure editable on top, Azurite (npm ci of package-lock.json) and the
# Azure CLI (scripts/install-azure-cli.sh, at the version pinned there).
#   bash scripts/setup.sh                       # everything (what scripts/test.sh runs)
#   bash scripts/setup.sh --without-azure-cli   # all but the Azure CLI (scripts/demo.sh: the demo never runs az)
# Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

with_azure_cli=1
for option in "$@"; do
  case "$option" in
    --without-azure-cli) with_azure_cli=0 ;;
    *) echo "setup: unknown option '$option' (the only option is --without-azure-cli)" >&2; exit 2 ;;
  esac
done

# What the machine must bring (the `base` programs of scripts/programs.txt: Python 3.11, Node 20, a shell).
for program in $(awk '!/^#/ && $2 == "base" && $1 !~ /\.so/ { print $1 }' scripts/programs.txt); do
  [ "$program" = python ] || command -v "$program" >/dev/null || {
    echo "setup: '$program' is not installed: this needs a Debian machine with Python 3.11 and Node 20 (see README.md)" >&2; exit 1; }
done

# The Debian packages of every `apt:PACKAGE` line of scripts/programs.txt (tests/unit/test_external_programs.py keeps
# that list complete).
mapfile -t APT_PACKAGES < <(awk '!/^#/ && $2 ~ /^apt:/ { print substr($2, 5) }' scripts/programs.txt | sort -u)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # noninteractive: no questions. "debconf: delaying package configuration, since apt-utils is not installed" is
  # harmless noise on minimal images, so that one line is dropped; every other line (errors included) still shows,
  # and a failed apt-get still stops setup (pipefail).
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1 >/dev/null \
    | { grep -v '^debconf: delaying package configuration' || true; } >&2
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
# The venv holds exactly the lock's versions (hash-checked; bash scripts/lock.sh updates the lock), then pyazcopy and
# localazure as editable installs built with the locked setuptools (no other download).
lock_sum=$(cat requirements-dev.txt pyproject.toml localazure/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.installed-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: installing Python packages into .venv from requirements-dev.txt"
  rm -f .venv/.installed-lock-sha256  # written back only when every step below worked
  # (pip's "WARNING: Location ... is ignored" lines about this machine's index configuration are noise: drop them)
  .venv/bin/python -m pip install -q --require-hashes -r requirements-dev.txt 2>&1 | { grep -v '^WARNING: Location' || true; }
  # (setuptools warns that the localazure/ folder could shadow the editable localazure: it is the same code)
  PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . -e ./localazure 2>&1 | { grep -v '^WARNING: Location' || true; }
  if ! problems=$(.venv/bin/python -m pip check 2>&1); then
    echo "$problems" >&2
    echo "setup: requirements-dev.txt does not satisfy the pyproject files: run \`bash scripts/lock.sh\`, then this again" >&2
    exit 1
  fi
  echo "$lock_sum" > .venv/.installed-lock-sha256
fi
.venv/bin/python -c "import pyazcopy, localazure, aiohttp, trustme, playwright" # fails loudly if the install did not work

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/azurite-blob ] || [ "$(cat node_modules/.installed-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: installing Azurite (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.installed-lock-sha256
fi
if [ "$with_azure_cli" -eq 1 ]; then
  bash scripts/install-azure-cli.sh  # the real Azure CLI, in .cache/azure-cli-venv (reused; ~2 min the first time)
fi
echo "setup: done"
