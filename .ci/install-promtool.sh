#!/usr/bin/env bash
# Installs promtool (checks and unit-tests deploy/prometheus, DeployFilesTest) from Debian's
# prometheus package without installing the package itself, which would start a Prometheus
# server: the .deb is downloaded and only usr/bin/promtool is copied to /usr/local/bin.
set -euo pipefail
command -v promtool >/dev/null && exit 0
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download prometheus >/dev/null 2>&1; then
  $sudo_cmd apt-get update -qq
  apt-get download prometheus >/dev/null
fi
dpkg-deb -x prometheus_*.deb extracted
$sudo_cmd install -m 0755 extracted/usr/bin/promtool /usr/local/bin/promtool
echo "installed $(promtool --version 2>&1 | head -1)"
