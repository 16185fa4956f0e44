#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian 12.
# Idempotent: when every package is already installed, apt is not touched.
# Run as root (e.g. sudo ./scripts/install-deps.sh).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libpoco-dev libsqlite3-dev doctest-dev
  openssl ca-certificates sqlite3 file procps curl util-linux
  python3 python3-pytest
  systemd
  lintian man-db groff-base
  faketime
  chromium chromium-driver  # the e2e tests render the HTML report and the status page headless
)
# Extra packages for one script's needs (scripts/fuzz.sh, scripts/sanitize.sh).
read -r -a extra <<<"${RELINKD_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (sudo $0) to install them" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Package lists may be missing or stale on a fresh system; refresh them
# only now that something has to be installed.
if ! apt-get "${apt_opts[@]}" update >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get update failed" >&2
  exit 1
fi
if ! apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get install failed" >&2
  exit 1
fi
