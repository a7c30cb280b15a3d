#!/usr/bin/env bash
# Installs everything pyazcopy and its local Azure stand-in need on a fresh Debian machine:
# Debian packages (Chromium, keyrings), a Python venv in .venv with pyazcopy and its dev extras, and Azurite (npm ci).
# Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(chromium keyutils gnome-keyring dbus)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
echo "setup: installing Python packages into .venv"
.venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c "import pyazcopy, localazure, aiohttp, trustme, playwright" # fails loudly if the install did not work

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -x node_modules/.bin/azurite-blob ] || [ "$(cat node_modules/.installed-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "setup: installing Azurite (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.installed-lock-sha256
fi
bash scripts/install-azure-cli.sh  # the real Azure CLI, in .cache/azure-cli-venv (reused; ~2 min the first time)
echo "setup: done"
