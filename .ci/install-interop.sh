#!/usr/bin/env bash
# Installs the third-party clients of the interoperability tests as locked in each
# interop/<name>/package-lock.json: n0's Node.js bindings of iroh 1.0 (RealIrohEndpointTest),
# pkarr-js and the Pubky SDK (RealPkarrClientsTest). `npm install --no-save`, not `npm ci`: the
# locks list only the platform packages of @number0/iroh that the registry here serves, and npm ci
# refuses such a lock as "out of sync".
set -euo pipefail
cd "$(dirname "$0")/../interop"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-interop: Node.js >= 20.3 and npm are needed (found none)" >&2
  exit 1
fi
for client in iroh pkarr; do
  (cd "$client" && npm install --no-save --no-audit --no-fund --loglevel=error)
done
